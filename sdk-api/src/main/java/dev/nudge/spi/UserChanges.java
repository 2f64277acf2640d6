package dev.nudge.spi;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the units of work run on a {@link UserState} changed, relative to the records it was loaded
 * with: what a store with tables writes back. Applying every part, in one transaction, turns the
 * loaded records into {@link UserState#records()}. Immutable.
 *
 * @param userId the user
 * @param inserted reminders that are new, pending
 * @param updated reminders that changed, or whose claim was released by saving them: now pending
 *     as given
 * @param deleted ids of reminders that are gone (reached their outcome, or replaced by another of
 *     the same campaign and key)
 * @param insertedSends send records that are new
 * @param updatedSends send records that changed (same reminder id)
 * @param deletedSends reminder ids of send records that are gone (forgotten or pruned)
 * @param lastSent last-sent times that are new or moved, by campaign id
 * @param lastSentRemoved campaigns whose last-sent time is gone
 * @param counts counter deltas to add, atomically with the rest ({@link Counter#value()} is the
 *     delta; never zero)
 */
public record UserChanges(String userId, List<Reminder> inserted, List<Reminder> updated, List<String> deleted,
    List<SendRecord> insertedSends, List<SendRecord> updatedSends, List<String> deletedSends,
    Map<String, Instant> lastSent, Set<String> lastSentRemoved, List<Counter> counts) {

  /** Copies the collections. */
  public UserChanges {
    inserted = List.copyOf(inserted);
    updated = List.copyOf(updated);
    deleted = List.copyOf(deleted);
    insertedSends = List.copyOf(insertedSends);
    updatedSends = List.copyOf(updatedSends);
    deletedSends = List.copyOf(deletedSends);
    lastSent = Map.copyOf(lastSent);
    lastSentRemoved = Set.copyOf(lastSentRemoved);
    counts = List.copyOf(counts);
  }

  /** Whether the records are unchanged (counters included). */
  public boolean isEmpty() {
    return !changesRecords() && counts.isEmpty();
  }

  /** Whether reminders, sends or last-sent times changed (counters aside). */
  public boolean changesRecords() {
    return !inserted.isEmpty() || !updated.isEmpty() || !deleted.isEmpty() || !insertedSends.isEmpty()
        || !updatedSends.isEmpty() || !deletedSends.isEmpty() || !lastSent.isEmpty() || !lastSentRemoved.isEmpty();
  }
}
