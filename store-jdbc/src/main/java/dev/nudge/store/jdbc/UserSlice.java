package dev.nudge.store.jdbc;

import dev.nudge.spi.SendRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One locked user's rows, as read at the start of a group-commit transaction ({@code loaded...})
 * and as the units of work of the batch leave them (the current maps). The difference is what
 * the transaction writes. Used by one committer thread only.
 */
final class UserSlice {
  static final Comparator<SendRecord> SEND_ORDER = Comparator.comparing(SendRecord::sentAt);

  final String userId;
  final Map<String, StoredReminder> loadedReminders = new HashMap<>(4);
  final Map<String, SendRecord> loadedSends = new LinkedHashMap<>(4);
  final Map<String, Instant> loadedLastSent = new HashMap<>(4);

  Map<String, StoredReminder> reminders;
  /** Oldest first. */
  List<SendRecord> sends;
  Map<String, Instant> lastSent;

  UserSlice(String userId) {
    this.userId = userId;
  }

  /** Back to the rows as loaded, before (re)running the batch's units. */
  void reset() {
    reminders = new LinkedHashMap<>(loadedReminders);
    sends = new ArrayList<>(loadedSends.values());
    sends.sort(SEND_ORDER);
    lastSent = new HashMap<>(loadedLastSent);
  }
}
