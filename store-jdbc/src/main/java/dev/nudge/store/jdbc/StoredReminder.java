package dev.nudge.store.jdbc;

import dev.nudge.spi.Claim;
import dev.nudge.spi.Reminder;
import java.time.Instant;

/**
 * A reminder row: the reminder and its claim ({@code owner} and {@code leaseUntil} both null
 * while it is pending).
 */
record StoredReminder(Reminder reminder, String owner, Instant leaseUntil) {
  static StoredReminder pending(Reminder r) {
    return new StoredReminder(r, null, null);
  }

  boolean isPending() {
    return owner == null;
  }

  /** The claim, {@code null} while pending. */
  Claim claim() {
    return owner == null ? null : new Claim(owner, leaseUntil);
  }
}
