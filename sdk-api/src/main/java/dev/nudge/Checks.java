package dev.nudge;

import java.time.Duration;
import java.util.Objects;

/** Argument checks shared by the public builders; every message names the field and the fix. */
final class Checks {
  /** Longest accepted name, user id, token, campaign id or property key. */
  static final int MAX_NAME_LENGTH = 256;

  private Checks() {}

  static String name(String field, String value) {
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

  static <T> T notNull(String field, T value) {
    if (value == null) {
      throw new IllegalArgumentException(field + " is required; it must not be null");
    }
    return value;
  }

  static Duration nonNegative(String field, Duration value) {
    notNull(field, value);
    if (value.isNegative()) {
      throw new IllegalArgumentException(field + " is negative (" + value + "); use zero or a positive duration");
    }
    return value;
  }

  static Duration positive(String field, Duration value) {
    notNull(field, value);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(field + " must be positive, was " + value);
    }
    return value;
  }

  static boolean same(Object a, Object b) {
    return Objects.equals(a, b);
  }
}
