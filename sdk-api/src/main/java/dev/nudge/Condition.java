package dev.nudge;

import dev.nudge.internal.Checks;
import java.math.BigInteger;
import java.util.List;
import java.util.Objects;

/**
 * A test on one event property (trigger conditions) or one user attribute (audience).
 *
 * <p>Numbers compare as numbers, strings lexicographically, and mixed types never match. A
 * condition on a missing value is false, except {@link Operator#NE} and {@code exists(false)}.
 * {@link Operator#IN} takes a list; {@link Operator#CONTAINS} matches a list property that holds
 * the value or a string property that contains it. Immutable and thread-safe.
 */
public final class Condition {
  /** The comparison a condition makes. */
  public enum Operator {
    /** Equal. */
    EQ,
    /** Not equal (true when the value is missing). */
    NE,
    /** Greater than. */
    GT,
    /** Greater than or equal. */
    GTE,
    /** Less than. */
    LT,
    /** Less than or equal. */
    LTE,
    /** The value is one of a list. */
    IN,
    /** The value is present ({@code true}) or absent ({@code false}). */
    EXISTS,
    /** A list value holds the operand, or a string value contains it. */
    CONTAINS
  }

  private final String field;
  private final Operator operator;
  private final Object operand;

  private Condition(String field, Operator operator, Object operand) {
    this.field = Checks.name("condition field", field);
    this.operator = Checks.notNull("condition operator", operator);
    this.operand = normalize(field, operator, operand);
  }

  /** A condition with the given operator; the operand is validated for it. */
  public static Condition of(String field, Operator operator, Object operand) {
    return new Condition(field, operator, operand);
  }

  /** {@code field == value}. */
  public static Condition eq(String field, Object value) {
    return new Condition(field, Operator.EQ, value);
  }

  /** {@code field != value} (true when the field is missing). */
  public static Condition ne(String field, Object value) {
    return new Condition(field, Operator.NE, value);
  }

  /** {@code field > value}. */
  public static Condition gt(String field, Object value) {
    return new Condition(field, Operator.GT, value);
  }

  /** {@code field >= value}. */
  public static Condition gte(String field, Object value) {
    return new Condition(field, Operator.GTE, value);
  }

  /** {@code field < value}. */
  public static Condition lt(String field, Object value) {
    return new Condition(field, Operator.LT, value);
  }

  /** {@code field <= value}. */
  public static Condition lte(String field, Object value) {
    return new Condition(field, Operator.LTE, value);
  }

  /** The field's value is one of {@code values}. */
  public static Condition in(String field, List<?> values) {
    return new Condition(field, Operator.IN, values);
  }

  /** The field is present ({@code true}) or absent ({@code false}). */
  public static Condition exists(String field, boolean present) {
    return new Condition(field, Operator.EXISTS, present);
  }

  /** A list field holds {@code value}, or a string field contains it. */
  public static Condition contains(String field, Object value) {
    return new Condition(field, Operator.CONTAINS, value);
  }

  /** The property or attribute name tested. */
  public String field() {
    return field;
  }

  /** The comparison. */
  public Operator operator() {
    return operator;
  }

  /**
   * The operand: a string, a {@code Long} (a {@code BigInteger} beyond the long range) or
   * {@code Double}, a boolean, or for {@code IN} an unmodifiable list of those.
   */
  public Object operand() {
    return operand;
  }

  private static Object normalize(String field, Operator op, Object operand) {
    String where = "condition on '" + field + "' (" + op.name().toLowerCase() + ")";
    if (operand == null) {
      throw new IllegalArgumentException(where + " has no operand; give a value to compare with");
    }
    switch (op) {
      case IN -> {
        if (!(operand instanceof List<?> list)) {
          throw new IllegalArgumentException(where + " needs a list of values, was " + operand);
        }
        return list.stream().map(v -> scalar(where, v)).toList();
      }
      case EXISTS -> {
        if (!(operand instanceof Boolean)) {
          throw new IllegalArgumentException(where + " needs true or false, was " + operand);
        }
        return operand;
      }
      case GT, GTE, LT, LTE -> {
        Object v = scalar(where, operand);
        if (v instanceof Boolean) {
          throw new IllegalArgumentException(where + " cannot order booleans; compare a number or a string");
        }
        return v;
      }
      default -> {
        return scalar(where, operand);
      }
    }
  }

  private static Object scalar(String where, Object v) {
    if (v instanceof String || v instanceof Boolean) {
      return v;
    }
    if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      return ((Number) v).longValue();
    }
    if (v instanceof BigInteger i) {
      // As an event property keeps it: a double would lose the digits of a 20-digit id.
      return i.bitLength() < 64 ? (Object) i.longValue() : i;
    }
    if (v instanceof Number n) {
      double d = n.doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        throw new IllegalArgumentException(where + " operand is " + d + "; numbers must be finite");
      }
      return d;
    }
    throw new IllegalArgumentException(where + " operand has unsupported type "
        + (v == null ? "null" : v.getClass().getName()) + "; use a string, number or boolean");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Condition c && field.equals(c.field) && operator == c.operator
        && operand.equals(c.operand);
  }

  @Override
  public int hashCode() {
    return Objects.hash(field, operator, operand);
  }

  @Override
  public String toString() {
    return field + " " + operator.name().toLowerCase() + " " + operand;
  }
}
