package dev.nudge.internal;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.List;
import java.util.Locale;

/**
 * HTTP dates (RFC 9110, section 5.6.7) in the three forms a recipient must accept: the
 * IMF-fixdate {@code Sun, 06 Nov 1994 08:49:37 GMT}, the obsolete RFC 850 form
 * {@code Sunday, 06-Nov-94 08:49:37 GMT} and asctime's {@code Sun Nov  6 08:49:37 1994}. Not part
 * of the API.
 */
public final class HttpDates {
  private static final List<DateTimeFormatter> FORMS = List.of(
      DateTimeFormatter.RFC_1123_DATE_TIME,
      new DateTimeFormatterBuilder().appendPattern("EEEE, dd-MMM-")
          .appendValueReduced(ChronoField.YEAR, 2, 2, 1970).appendPattern(" HH:mm:ss z")
          .toFormatter(Locale.ENGLISH),
      DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.ENGLISH).withZone(ZoneOffset.UTC));

  private HttpDates() {}

  /** The instant of an HTTP date, or {@code null} when it is none of the three forms. */
  public static Instant parse(String value) {
    for (DateTimeFormatter f : FORMS) {
      try {
        return ZonedDateTime.parse(value.trim(), f).toInstant();
      } catch (DateTimeParseException e) {
        // the next form
      }
    }
    return null;
  }
}
