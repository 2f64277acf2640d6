package dev.nudge.internal;

import java.time.Duration;

/**
 * Argument checks shared by Nudge's builders and entry points, in every module. Each check throws
 * an {@link IllegalArgumentException} whose message names the field, says what is wrong with the
 * value and how to fix it, so a host's mistake is reported where it enters rather than when it
 * fails later.
 *
 * <p>Internal: not API, may change without notice (see {@link dev.nudge.internal}).
 */
public final class Checks {
  /** Longest accepted name, user id, token, campaign id or property key. */
  public static final int MAX_NAME_LENGTH = 256;

  private Checks() {}

  /** A non-blank string of at most {@link #MAX_NAME_LENGTH} characters. */
  public static String name(String field, String value) {
    if (value == null) {
      throw new IllegalArgumentException(field + " is required; pass a non-blank string");
    }
    if (value.isBlank()) {
      throw new IllegalArgumentException(field + " is blank; pass a non-blank string");
    }
    if (value.length() > MAX_NAME_LENGTH) {
      throw new IllegalArgumentException(field + " is " + value.length()
          + " characters long; the limit is " + MAX_NAME_LENGTH);
    }
    return value;
  }

  /** Any value but {@code null}. */
  public static <T> T notNull(String field, T value) {
    if (value == null) {
      throw new IllegalArgumentException(field + " is required; it must not be null");
    }
    return value;
  }

  /** A count of one or more. */
  public static int atLeastOne(String field, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(field + " is " + value + "; use 1 or more");
    }
    return value;
  }

  /** A duration of zero or more. */
  public static Duration nonNegative(String field, Duration value) {
    notNull(field, value);
    if (value.isNegative()) {
      throw new IllegalArgumentException(field + " is negative (" + value + "); use zero or a positive duration");
    }
    return value;
  }

  /** A duration longer than zero. */
  public static Duration positive(String field, Duration value) {
    notNull(field, value);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(field + " must be positive, was " + value + "; use a positive duration");
    }
    return value;
  }
}
