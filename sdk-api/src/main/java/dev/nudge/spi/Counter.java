package dev.nudge.spi;

import dev.nudge.Platform;
import dev.nudge.SuppressionReason;

/**
 * One statistics counter of one campaign step, as a store keeps it. Counters are changed only
 * inside units of work ({@link UserState#count}), so they move together with the stored state
 * they count and are never ahead of it.
 *
 * @param campaignId the campaign
 * @param step the step index
 * @param name the counter: one of the constants here, or {@link #suppressed}, {@link #accepted},
 *     {@link #rejected} for the per-reason and per-platform counters
 * @param value the count
 */
public record Counter(String campaignId, int step, String name, long value) {
  /** Trigger events that matched the campaign's conditions. */
  public static final String TRIGGERED = "triggered";
  /** Reminders created. */
  public static final String SCHEDULED = "scheduled";
  /** Pending reminders replaced by a new trigger. */
  public static final String RESTARTED = "restarted";
  /** Triggers ignored (KEEP_FIRST, once, cooldown). */
  public static final String IGNORED = "ignored";
  /** Reminders cancelled. */
  public static final String CANCELLED = "cancelled";
  /** Reminders expired. */
  public static final String EXPIRED = "expired";
  /** Reminders sent. */
  public static final String SENT = "sent";
  /** Reminders every device rejected. */
  public static final String FAILED = "failed";
  /** Dead tokens deactivated. */
  public static final String INVALID_TOKENS = "invalidTokens";
  /** Sends converted by the goal event. */
  public static final String CONVERTED = "converted";

  /** The name of the suppression counter for {@code reason}. */
  public static String suppressed(SuppressionReason reason) {
    return "suppressed." + reason.name();
  }

  /** The name of the accepted-deliveries counter for {@code platform}. */
  public static String accepted(Platform platform) {
    return "accepted." + platform.name();
  }

  /** The name of the rejected-deliveries counter for {@code platform}. */
  public static String rejected(Platform platform) {
    return "rejected." + platform.name();
  }
}
