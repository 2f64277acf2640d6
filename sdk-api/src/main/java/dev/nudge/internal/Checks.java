package dev.nudge.internal;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.LocalTime;
import java.time.Period;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.IllformedLocaleException;
import java.util.Locale;
import java.util.Set;

/**
 * Argument checks shared by Nudge's builders and entry points, in every module. A bad value is an
 * {@link IllegalArgumentException} whose message names the field, says what is wrong with the
 * value and how to fix it, so a host's mistake is reported where it enters rather than when it
 * fails later; a builder setting given twice is an {@link IllegalStateException} ({@link #once}).
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

  /**
   * A builder setting given for the first time: adds {@code setting} to {@code given} and returns
   * {@code value}; a setting given twice is a mistake (which one was meant?), not an override.
   *
   * @throws IllegalStateException when {@code given} already holds {@code setting}
   */
  public static <T> T once(Set<String> given, String setting, T value) {
    if (!given.add(setting)) {
      throw new IllegalStateException(setting + " is already set; set it once");
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

  /** A time of day such as {@code 22:00} (ISO-8601 {@code HH:mm}, seconds optional). */
  public static LocalTime timeOfDay(String field, String text) {
    notNull(field, text);
    try {
      return LocalTime.parse(text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(field + " " + quote(text) + " is not a time of day HH:mm (e.g. 22:00)", e);
    }
  }

  /**
   * An ISO-8601 duration as {@link Duration#parse} reads it: days, hours, minutes and seconds
   * ({@code PT2H}, {@code P7D}). Weeks, months and years are refused with the days to write
   * instead, since a {@code Duration} has none of them.
   */
  public static Duration duration(String field, String text) {
    notNull(field, text);
    try {
      return Duration.parse(text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(field + " " + quote(text) + durationProblem(text), e);
    }
  }

  private static String durationProblem(String text) {
    String upper = text.toUpperCase(Locale.ROOT);
    String sign = upper.startsWith("-") || upper.startsWith("+") ? upper.substring(0, 1) : "";
    upper = upper.substring(sign.length());
    int t = upper.indexOf('T');
    String datePart = t < 0 ? upper : upper.substring(0, t);
    String timePart = t < 0 ? "" : upper.substring(t);
    if (datePart.startsWith("P") && (datePart.contains("W") || datePart.contains("M") || datePart.contains("Y"))) {
      String accepts = " is not an ISO-8601 duration Java accepts: ";
      try {
        Period period = Period.parse(datePart);
        if (period.getYears() == 0 && period.getMonths() == 0) {
          String days = sign + "P" + period.getDays() + "D" + timePart;
          if (isDuration(days)) {
            return accepts + "Java durations take days, not weeks; use " + quote(days)
                + (text.equalsIgnoreCase("P1W") ? " for one week" : "");
          }
        }
      } catch (DateTimeParseException ignored) {
        // not a period either: the general advice below
      }
      if (!datePart.contains("M") && !datePart.contains("Y")) {
        return accepts + "use days, e.g. \"P7D\" for one week";
      }
      return accepts + "Java durations take days, not months or years (whose length varies);"
          + " use days, e.g. \"P30D\" for 30 days or \"P365D\" for 365";
    }
    return " is not an ISO-8601 duration such as \"PT2H\" or \"P7D\"";
  }

  private static boolean isDuration(String text) {
    try {
      Duration.parse(text);
      return true;
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  /**
   * A well-formed BCP 47 language tag such as {@code en-US} or {@code fa-IR} (well-formed, not
   * necessarily naming a registered language).
   */
  public static String languageTag(String field, String tag) {
    notNull(field, tag);
    if (tag.isBlank()) {
      throw new IllegalArgumentException(field + " is blank; use a BCP 47 tag such as en-US or fa-IR");
    }
    if (!isLanguageTag(tag)) {
      String hyphenated = tag.replace('_', '-');
      String fix = !hyphenated.equals(tag) && isLanguageTag(hyphenated)
          ? "use " + quote(hyphenated) + " (BCP 47 separates with hyphens, not underscores)"
          : "use a BCP 47 tag such as en-US or fa-IR";
      throw new IllegalArgumentException(field + " " + quote(tag) + " is not a BCP 47 language tag; " + fix);
    }
    return tag;
  }

  private static boolean isLanguageTag(String tag) {
    try {
      new Locale.Builder().setLanguageTag(tag);
      return true;
    } catch (IllformedLocaleException e) {
      return false;
    }
  }

  /**
   * A time zone id that {@link ZoneId#of} knows: an IANA region ({@code Europe/Paris}) or an
   * offset ({@code +03:30}). Takes any object so a map value (a user attribute) can be checked
   * as it is.
   */
  public static ZoneId zoneId(String field, Object value) {
    notNull(field, value);
    if (!(value instanceof String id)) {
      throw new IllegalArgumentException(field + " is " + value + " (a " + value.getClass().getSimpleName()
          + "); use a string naming an IANA time zone such as Europe/Paris");
    }
    try {
      return ZoneId.of(id);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException(field + " " + quote(id)
          + " names no time zone; use an IANA zone id such as Europe/Paris or America/New_York", e);
    }
  }

  private static String quote(String text) {
    return "\"" + text + "\"";
  }
}
