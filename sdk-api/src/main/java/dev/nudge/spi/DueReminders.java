package dev.nudge.spi;

import java.time.Duration;
import java.time.Instant;

/**
 * The reminders whose fire time has come and that are not resolved yet, as
 * {@link ReminderStore#due} counts them: the backlog of a store. Immutable.
 *
 * @param count how many reminders fire before the instant asked about, pending or claimed
 * @param earliestFireAt the earliest fire time among them; {@code null} exactly when
 *     {@code count} is 0
 */
public record DueReminders(long count, Instant earliestFireAt) {
  /** No reminder is due. */
  public static final DueReminders NONE = new DueReminders(0, null);

  /**
   * Checks that the count is not negative and that an earliest fire time is given exactly when
   * something is due.
   *
   * @throws IllegalArgumentException when {@code count} is negative, or {@code earliestFireAt}
   *     is {@code null} with a positive count or given with a count of 0
   */
  public DueReminders {
    if (count < 0) {
      throw new IllegalArgumentException("count must not be negative, was " + count);
    }
    if ((count == 0) != (earliestFireAt == null)) {
      throw new IllegalArgumentException("earliestFireAt must be given exactly when count is positive; count "
          + count + ", earliestFireAt " + earliestFireAt);
    }
  }

  /**
   * How long the earliest due reminder has waited at {@code now}: {@code now} minus its fire
   * time, or zero when nothing is due (or the clock stands before it).
   *
   * @throws IllegalArgumentException when {@code now} is {@code null}
   */
  public Duration oldestLag(Instant now) {
    if (now == null) {
      throw new IllegalArgumentException("now is required; pass the engine clock's instant");
    }
    if (earliestFireAt == null || !earliestFireAt.isBefore(now)) {
      return Duration.ZERO;
    }
    return Duration.between(earliestFireAt, now);
  }
}
