package dev.nudge;

import dev.nudge.internal.Checks;
import java.time.LocalTime;

/**
 * A daily window {@code [start, end)} in the user's time zone during which nothing is sent; a
 * reminder due inside it is deferred to the window's end. The window may wrap midnight
 * ({@code 22:00–08:00}).
 *
 * @param start first quiet minute
 * @param end first minute sends are allowed again
 */
public record QuietHours(LocalTime start, LocalTime end) {
  /** Validates the window. */
  public QuietHours {
    Checks.notNull("quietHours start", start);
    Checks.notNull("quietHours end", end);
    if (start.equals(end)) {
      throw new IllegalArgumentException("quietHours start equals end (" + start + "); give a non-empty window");
    }
  }

  /**
   * A window from {@code start} to {@code end}, e.g. {@code between("22:00", "08:00")}.
   *
   * @throws IllegalArgumentException when either is not a time of day {@code HH:mm}, or they are
   *     equal
   */
  public static QuietHours between(String start, String end) {
    return new QuietHours(Checks.timeOfDay("quietHours start", start), Checks.timeOfDay("quietHours end", end));
  }
}
