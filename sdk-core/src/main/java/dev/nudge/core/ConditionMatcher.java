package dev.nudge.core;

import dev.nudge.Condition;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Evaluates {@link Condition}s against event properties or user attributes.
 *
 * <p>Numbers compare as numbers whatever their type ({@code 80L} equals {@code 80.0} and
 * {@code new BigDecimal("80.00")}), strings lexicographically, booleans only for equality; values
 * of different types never match, so {@code ne} between them holds. A condition on a missing key
 * (or a key mapped to {@code null}) is false, except {@code ne} and {@code exists(false)}.
 *
 * <p>Stateless and thread-safe; allocation-free for the usual {@code Long}/{@code Double}/string
 * values.
 */
final class ConditionMatcher {
  /**
   * {@link #compare} result when no order exists (mixed types, NaN). Being the smallest int, it
   * fails {@code > 0} and {@code >= 0} by itself; {@code lt}/{@code lte} test for it.
   */
  private static final int UNORDERED = Integer.MIN_VALUE;
  private static final double TWO_TO_63 = 0x1p63;

  private ConditionMatcher() {}

  /**
   * Whether {@code values} satisfy {@code condition}.
   *
   * @param values property or attribute values by key; not null
   */
  static boolean matches(Condition condition, Map<String, Object> values) {
    Object value = values.get(condition.field());
    Object operand = condition.operand();
    if (value == null) {
      return switch (condition.operator()) {
        case NE -> true;
        case EXISTS -> !(Boolean) operand;
        default -> false;
      };
    }
    return switch (condition.operator()) {
      case EQ -> same(value, operand);
      case NE -> !same(value, operand);
      case GT -> compare(value, operand) > 0;
      case GTE -> compare(value, operand) >= 0;
      case LT -> {
        int c = compare(value, operand);
        yield c != UNORDERED && c < 0;
      }
      case LTE -> {
        int c = compare(value, operand);
        yield c != UNORDERED && c <= 0;
      }
      case IN -> containsSame((List<?>) operand, value);
      case EXISTS -> (Boolean) operand;
      case CONTAINS -> contains(value, operand);
    };
  }

  /** Whether {@code values} satisfy every one of {@code conditions}; true for none. */
  static boolean matchesAll(List<Condition> conditions, Map<String, Object> values) {
    for (int i = 0, n = conditions.size(); i < n; i++) {
      if (!matches(conditions.get(i), values)) {
        return false;
      }
    }
    return true;
  }

  /** Equality under the matching rules: numbers by value, otherwise same type and equal. */
  private static boolean same(Object a, Object b) {
    if (a instanceof Number x && b instanceof Number y) {
      return compareNumbers(x, y) == 0;
    }
    if (a instanceof String || a instanceof Boolean) {
      return a.equals(b);
    }
    return false;
  }

  /** The order of two numbers or two strings, else {@link #UNORDERED}. */
  private static int compare(Object value, Object operand) {
    if (value instanceof Number x && operand instanceof Number y) {
      return compareNumbers(x, y);
    }
    if (value instanceof String x && operand instanceof String y) {
      return Integer.signum(x.compareTo(y));
    }
    return UNORDERED;
  }

  private static boolean containsSame(Collection<?> items, Object value) {
    for (Object item : items) {
      if (item != null && same(item, value)) {
        return true;
      }
    }
    return false;
  }

  private static boolean contains(Object value, Object operand) {
    if (value instanceof Collection<?> items) {
      return containsSame(items, operand);
    }
    if (value instanceof String text && operand instanceof String part) {
      return text.contains(part);
    }
    return false;
  }

  /**
   * Compares two numbers by exact value, or returns {@link #UNORDERED} when either is NaN. Longs
   * and doubles are compared without allocating; other mixes go through {@link BigDecimal}.
   */
  static int compareNumbers(Number a, Number b) {
    boolean aWhole = isWhole(a);
    boolean bWhole = isWhole(b);
    boolean aFloating = a instanceof Double || a instanceof Float;
    boolean bFloating = b instanceof Double || b instanceof Float;
    if (aWhole && bWhole) {
      return Long.compare(a.longValue(), b.longValue());
    }
    if (aFloating && Double.isNaN(a.doubleValue()) || bFloating && Double.isNaN(b.doubleValue())) {
      return UNORDERED;
    }
    if (aFloating && bFloating && !(a instanceof Float) && !(b instanceof Float)) {
      double x = a.doubleValue();
      double y = b.doubleValue();
      return x < y ? -1 : x > y ? 1 : 0; // not Double.compare: -0.0 equals 0.0 here
    }
    if (aWhole && b instanceof Double) {
      return compareLongToDouble(a.longValue(), b.doubleValue());
    }
    if (a instanceof Double && bWhole) {
      return -compareLongToDouble(b.longValue(), a.doubleValue());
    }
    if (aFloating && Double.isInfinite(a.doubleValue())) {
      return a.doubleValue() > 0 ? 1 : -1;
    }
    if (bFloating && Double.isInfinite(b.doubleValue())) {
      return b.doubleValue() > 0 ? -1 : 1;
    }
    return Integer.signum(decimal(a).compareTo(decimal(b)));
  }

  private static boolean isWhole(Number n) {
    return n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte;
  }

  /** Exact comparison of a long with a finite or infinite double. */
  private static int compareLongToDouble(long x, double y) {
    if (y >= TWO_TO_63) {
      return -1;
    }
    if (y < -TWO_TO_63) {
      return 1;
    }
    long whole = (long) y; // truncates toward zero; exact, as is y - whole below
    int c = Long.compare(x, whole);
    if (c != 0) {
      return c;
    }
    double fraction = y - whole;
    return fraction > 0 ? -1 : fraction < 0 ? 1 : 0;
  }

  /**
   * A number's value as a decimal. Doubles and floats use their shortest decimal text, so that the
   * double {@code 0.1} equals {@code new BigDecimal("0.1")} as a user would expect.
   */
  private static BigDecimal decimal(Number n) {
    if (n instanceof BigDecimal d) {
      return d;
    }
    if (n instanceof BigInteger i) {
      return new BigDecimal(i);
    }
    if (isWhole(n)) {
      return BigDecimal.valueOf(n.longValue());
    }
    if (n instanceof Float f) {
      return new BigDecimal(Float.toString(f));
    }
    if (n instanceof Double d) {
      return BigDecimal.valueOf(d);
    }
    try {
      // Other Number types (AtomicLong, DoubleAdder, ...) print their value.
      return new BigDecimal(n.toString());
    } catch (NumberFormatException e) {
      return BigDecimal.valueOf(n.doubleValue());
    }
  }
}
