package dev.nudge.core;

import java.math.BigDecimal;
import java.util.Collection;

/**
 * How values read as text, in rendered templates and correlation keys: whole numbers without a
 * decimal point, other numbers in plain decimal form, lists as their items joined by {@code ", "},
 * booleans as {@code true}/{@code false}.
 */
final class Values {
  private Values() {}


  static String text(Object value) {
    if (value instanceof String s) {
      return s;
    }
    StringBuilder out = new StringBuilder();
    appendText(out, value);
    return out.toString();
  }

  static void appendText(StringBuilder out, Object value) {
    if (value instanceof String s) {
      out.append(s);
    } else if (value instanceof Long || value instanceof Integer || value instanceof Short
        || value instanceof Byte) {
      out.append(((Number) value).longValue());
    } else if (value instanceof Double || value instanceof Float) {
      appendDecimal(out, value);
    } else if (value instanceof BigDecimal d) {
      out.append(plain(d));
    } else if (value instanceof Collection<?> items) {
      appendJoined(out, items, ", ");
    } else if (value == null) {
      // Only reachable for a null item inside a list: insert nothing rather than "null".
    } else {
      // Boolean prints true/false; BigInteger, maps and anything else use their own text.
      out.append(value);
    }
  }

  static void appendDecimal(StringBuilder out, Object value) {
    double d = ((Number) value).doubleValue();
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      out.append(d);
    } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      // Whole and exact as a long: the common case (80.0 -> "80"), without a BigDecimal.
      out.append((long) d);
    } else if (value instanceof Float f) {
      out.append(plain(new BigDecimal(Float.toString(f))));
    } else {
      // valueOf takes the shortest decimal that round-trips, so 0.1 prints as 0.1.
      out.append(plain(BigDecimal.valueOf(d)));
    }
  }

  static String plain(BigDecimal d) {
    return d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
  }

  static String join(Collection<?> items, String separator) {
    StringBuilder out = new StringBuilder();
    appendJoined(out, items, separator);
    return out.toString();
  }

  static void appendJoined(StringBuilder out, Collection<?> items, String separator) {
    boolean first = true;
    for (Object item : items) {
      if (!first) {
        out.append(separator);
      }
      first = false;
      appendText(out, item);
    }
  }
}
