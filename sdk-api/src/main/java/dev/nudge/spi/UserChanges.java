package dev.nudge.spi;

import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the units of work run on a {@link UserState} changed, relative to the records it was loaded
 * with: what a store with tables writes back. Applying every part, in one transaction, turns the
 * loaded records into {@link UserState#records()}. Immutable; made by {@link UserState#changes()}.
 */
public final class UserChanges {
  private final String userId;
  private final List<Reminder> inserted;
  private final List<Reminder> updated;
  private final List<String> deleted;
  private final List<SendRecord> insertedSends;
  private final List<SendRecord> updatedSends;
  private final List<String> deletedSends;
  private final Map<String, Instant> lastSent;
  private final Set<String> lastSentRemoved;
  private final Map<String, Boolean> consent; // null: unchanged
  private final boolean forgotten;
  private final List<Counter> counts;

  /** Takes the collections as they are: {@link UserState} hands over collections nobody changes. */
  UserChanges(String userId, List<Reminder> inserted, List<Reminder> updated, List<String> deleted,
      List<SendRecord> insertedSends, List<SendRecord> updatedSends, List<String> deletedSends,
      Map<String, Instant> lastSent, Set<String> lastSentRemoved, Map<String, Boolean> consent, boolean forgotten,
      List<Counter> counts) {
    this.userId = userId;
    this.inserted = readOnly(inserted);
    this.updated = readOnly(updated);
    this.deleted = readOnly(deleted);
    this.insertedSends = readOnly(insertedSends);
    this.updatedSends = readOnly(updatedSends);
    this.deletedSends = readOnly(deletedSends);
    this.lastSent = lastSent.isEmpty() ? Map.of() : Collections.unmodifiableMap(lastSent);
    this.lastSentRemoved = lastSentRemoved.isEmpty() ? Set.of() : Collections.unmodifiableSet(lastSentRemoved);
    this.consent = consent == null ? null : Map.copyOf(consent);
    this.forgotten = forgotten;
    this.counts = readOnly(counts);
  }

  private static <E> List<E> readOnly(List<E> list) {
    return list.isEmpty() ? List.of() : Collections.unmodifiableList(list); // most parts of a change are empty
  }

  /** The user. */
  public String userId() {
    return userId;
  }

  /** Reminders that are new, pending. */
  public List<Reminder> inserted() {
    return inserted;
  }

  /** Reminders that changed, or whose claim was released by saving them: now pending as given. */
  public List<Reminder> updated() {
    return updated;
  }

  /**
   * Ids of reminders that are gone (reached their outcome, or replaced by another of the same
   * campaign and key).
   */
  public List<String> deleted() {
    return deleted;
  }

  /** Send records that are new. */
  public List<SendRecord> insertedSends() {
    return insertedSends;
  }

  /** Send records that changed (same reminder id). */
  public List<SendRecord> updatedSends() {
    return updatedSends;
  }

  /** Reminder ids of send records that are gone (forgotten or pruned). */
  public List<String> deletedSends() {
    return deletedSends;
  }

  /** Last-sent times that are new or moved, by campaign id. */
  public Map<String, Instant> lastSent() {
    return lastSent;
  }

  /** Campaigns whose last-sent time is gone. */
  public Set<String> lastSentRemoved() {
    return lastSentRemoved;
  }

  /**
   * The user's whole consent as it is now ({@link UserRecords#consent()}), when the units changed
   * it; empty when unchanged.
   */
  public Optional<Map<String, Boolean>> consent() {
    return Optional.ofNullable(consent);
  }

  /**
   * Whether the user was forgotten ({@link UserState#forget()}): besides applying the other
   * changes (every reminder, send and last-sent time is listed as gone), the store deletes every
   * event id recorded for the user and anything else it keeps about them (a row per user, and
   * devices and attributes when it keeps those too).
   */
  public boolean forgotten() {
    return forgotten;
  }

  /**
   * Counter deltas to add, atomically with the rest ({@link Counter#value()} is the delta; never
   * zero), in campaign, step and counter-name order.
   */
  public List<Counter> counts() {
    return counts;
  }

  /** Whether the records are unchanged (counters included). */
  public boolean isEmpty() {
    return !changesRecords() && counts.isEmpty();
  }

  /** Whether reminders, sends, last-sent times or consent changed (counters aside). */
  public boolean changesRecords() {
    return !inserted.isEmpty() || !updated.isEmpty() || !deleted.isEmpty() || !insertedSends.isEmpty()
        || !updatedSends.isEmpty() || !deletedSends.isEmpty() || !lastSent.isEmpty() || !lastSentRemoved.isEmpty()
        || consent != null || forgotten;
  }

  @Override
  public String toString() {
    return "UserChanges{" + userId + ": reminders +" + inserted.size() + " ~" + updated.size() + " -" + deleted.size()
        + ", sends +" + insertedSends.size() + " ~" + updatedSends.size() + " -" + deletedSends.size()
        + ", lastSent " + lastSent.size() + " -" + lastSentRemoved.size() + (consent == null ? "" : ", consent") + ", counts " + counts.size() + "}";
  }
}
