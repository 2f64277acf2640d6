package dev.nudge.store.jdbc;

import dev.nudge.spi.Reminder;
import java.time.Instant;
import java.util.Comparator;

/**
 * A reminder row: the reminder and its claim ({@code owner} and {@code leaseUntil} both null
 * while it is pending).
 */
record StoredReminder(Reminder reminder, String owner, Instant leaseUntil) {
  /** Due order: fire time, then campaign, user, key, and id to keep distinct reminders apart. */
  static final Comparator<Reminder> DUE_ORDER = Comparator.comparing(Reminder::fireAt)
      .thenComparing(Reminder::campaignId)
      .thenComparing(Reminder::userId)
      .thenComparing(Reminder::key)
      .thenComparing(Reminder::id);

  static StoredReminder pending(Reminder r) {
    return new StoredReminder(r, null, null);
  }

  boolean isPending() {
    return owner == null;
  }
}
