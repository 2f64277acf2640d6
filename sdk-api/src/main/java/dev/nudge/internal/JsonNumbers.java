package dev.nudge.internal;

import java.util.regex.Pattern;

/**
 * How Nudge reads a JSON number, in campaigns files and simulation logs alike: a whole number that
 * fits is a {@code Long}, anything else a {@code Double}. Internal: not API.
 */
public final class JsonNumbers {
  private static final Pattern INTEGER = Pattern.compile("-?\\d{1,19}");

  private JsonNumbers() {}

  /** A JSON number literal as a {@code Long} when it is whole and fits, else a {@code Double}. */
  public static Number of(String literal) {
    if (INTEGER.matcher(literal).matches()) {
      try {
        return Long.parseLong(literal);
      } catch (NumberFormatException tooBig) {
        // falls through to a double
      }
    }
    return Double.parseDouble(literal);
  }
}
