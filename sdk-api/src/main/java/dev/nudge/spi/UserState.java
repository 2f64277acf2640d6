package dev.nudge.spi;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One user's slice of a {@link ReminderStore}, valid only inside
 * {@link ReminderStore#atomically}: everything read and written through it is one atomic unit.
 * Not thread-safe; never keep it after the work returns.
 */
public interface UserState {
  /** The user this state belongs to. */
  String userId();

  /**
   * Records that the event with this idempotency id was applied.
   *
   * @return false when the id was already recorded (within the store's retention window)
   */
  boolean recordEvent(String eventId, Instant at);

  /** The pending (not claimed) reminder of this campaign and key, if any. */
  Optional<Reminder> pending(String campaignId, String key);

  /** A reminder of this user by id, pending or claimed; empty once it reached its outcome. */
  Optional<Reminder> reminder(String reminderId);

  /** All pending (not claimed) reminders of this campaign, any key. */
  List<Reminder> pending(String campaignId);

  /**
   * Saves a reminder as pending. A pending reminder with the same id is updated; one with the
   * same campaign and key but another id is replaced. A claim on the same id is released.
   */
  void save(Reminder reminder);

  /** Removes a reminder (pending or claimed) for good, e.g. when it reached its outcome. */
  void delete(String reminderId);

  /**
   * Whether the reminder is still claimed by {@code owner}: false when it was cancelled,
   * replaced, or its lease ran out and another instance took it.
   */
  boolean isClaimedBy(String reminderId, String owner);

  /** When this campaign was last sent to the user, if ever. */
  Optional<Instant> lastSent(String campaignId);

  /** The user's recent sends across campaigns, oldest first. */
  List<SendRecord> sends();

  /** Adds a send to the history and moves the campaign's last-sent time. */
  void recordSend(SendRecord send);

  /** Replaces a send record (same reminder id), e.g. to mark it converted. */
  void updateSend(SendRecord send);

  /** Removes a send that ended up delivered to no device; the last-sent time is recomputed. */
  void forgetSend(String reminderId);

  /** Drops send records older than {@code before}; the last-sent times are kept. */
  void pruneSends(Instant before);

  /**
   * Adds {@code delta} to a statistics counter (see {@link Counter} for the names), atomically
   * with the rest of this unit.
   */
  void count(String campaignId, int step, String counter, long delta);
}
