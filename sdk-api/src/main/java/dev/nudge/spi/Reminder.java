package dev.nudge.spi;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One pending send of one campaign step for one user and correlation key, as a store keeps it.
 * Immutable; the engine derives changed copies with the {@code with...} methods.
 *
 * @param id unique and stable for the reminder's life, including retries; the notification's
 *     collapse identity is derived from it so a resend after a crash replaces the first copy
 * @param campaignId the campaign
 * @param step the step index
 * @param userId the user
 * @param key the correlation value, empty when the campaign has no {@code correlatedBy}
 * @param triggeredAt when the trigger event that started this sequence happened
 * @param trigger the trigger event's properties, read by {@code {{event.NAME}}} placeholders
 * @param dueAt the due time, before any deferral; expiry counts from it
 * @param fireAt when the engine should next act on it (the due time, a quiet-hours end, a retry)
 * @param attempt delivery attempts made so far (0 before the first)
 * @param sentAt when the engine decided to send it (start of delivery), {@code null} before
 * @param pendingDevices after a partial delivery, the devices still to try; empty before the
 *     first attempt
 * @param accepted devices that accepted it so far
 */
public record Reminder(String id, String campaignId, int step, String userId, String key,
    Instant triggeredAt, Map<String, Object> trigger, Instant dueAt, Instant fireAt, int attempt,
    Instant sentAt, List<DeviceToken> pendingDevices, int accepted) {

  /**
   * The due order, in which {@link ReminderStore#claimDue} and {@link ReminderStore#pendingOf}
   * return reminders: fire time, then campaign id, user id, key, and id (strings as
   * {@link String#compareTo}; a store with SQL orders by the same columns with a binary collation).
   */
  public static final Comparator<Reminder> DUE_ORDER = Reminder::compareDue;

  /** Hand-written rather than chained comparators: it runs on every schedule, cancel and claim. */
  private static int compareDue(Reminder a, Reminder b) {
    if (a == b) {
      return 0;
    }
    int c = a.fireAt.compareTo(b.fireAt);
    if (c != 0) {
      return c;
    }
    c = a.campaignId.compareTo(b.campaignId);
    if (c != 0) {
      return c;
    }
    c = a.userId.compareTo(b.userId);
    if (c != 0) {
      return c;
    }
    c = a.key.compareTo(b.key);
    return c != 0 ? c : a.id.compareTo(b.id);
  }

  /** Checks required fields and copies the collections. */
  public Reminder {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(campaignId, "campaignId");
    Objects.requireNonNull(userId, "userId");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(triggeredAt, "triggeredAt");
    Objects.requireNonNull(dueAt, "dueAt");
    Objects.requireNonNull(fireAt, "fireAt");
    trigger = trigger == null ? Map.of() : trigger;
    pendingDevices = pendingDevices == null ? List.of() : List.copyOf(pendingDevices);
  }

  /** A new, never attempted reminder due (and firing) at {@code dueAt}. */
  public static Reminder create(String id, String campaignId, int step, String userId, String key,
      Instant triggeredAt, Map<String, Object> trigger, Instant dueAt) {
    return new Reminder(id, campaignId, step, userId, key, triggeredAt, trigger, dueAt, dueAt, 0, null,
        List.of(), 0);
  }

  /** This reminder deferred or retried at {@code when}. */
  public Reminder withFireAt(Instant when) {
    return new Reminder(id, campaignId, step, userId, key, triggeredAt, trigger, dueAt, when, attempt,
        sentAt, pendingDevices, accepted);
  }

  /** This reminder after a delivery attempt. */
  public Reminder afterAttempt(Instant sentAt, Instant nextFireAt, List<DeviceToken> stillPending, int acceptedNow) {
    return new Reminder(id, campaignId, step, userId, key, triggeredAt, trigger, dueAt, nextFireAt,
        attempt + 1, sentAt, stillPending, accepted + acceptedNow);
  }

  @Override
  public String toString() {
    return "Reminder{" + id + " " + campaignId + "#" + step + " user=" + userId
        + (key.isEmpty() ? "" : " key=" + key) + " due=" + dueAt + " fire=" + fireAt
        + (attempt == 0 ? "" : " attempt=" + attempt) + "}";
  }
}
