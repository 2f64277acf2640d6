package dev.nudge.spi;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * One user's state in a unit of work: the rules every {@link ReminderStore} applies, in one
 * place. A store loads the user's {@link UserRecords} into a state ({@link #load}), runs each unit
 * of work for that user through {@link #apply} (in call order; a unit that throws is undone and
 * fails alone), and then either keeps {@link #records()} as the user's new records or writes back
 * {@link #changes()}, atomically, before it completes the units' futures.
 *
 * <p>The engine reads and writes through the other methods, and only inside {@link #apply}: what
 * a unit reads includes its own writes and those of the units applied before it. The rules:
 * <ul>
 *   <li>A reminder is <em>pending</em> unless claimed ({@link ReminderStore#claimDue}); at most one
 *       pending reminder per campaign and key: saving another replaces it.
 *   <li>Saving a reminder makes it pending again: a claim on it is released, so
 *       {@link #isClaimedBy} turns false for its former owner, as it does when the reminder is
 *       deleted or taken over by another owner.
 *   <li>The send history keeps one record per reminder (recording a send again replaces it), oldest
 *       first, ties by reminder id; a campaign's last-sent time only moves forward, is kept when
 *       old sends are pruned, and is recomputed when a send is forgotten.
 *   <li>Instants are kept to the microsecond: finer digits may be truncated by a store, and an
 *       instant beyond about 290,000 years either side of 1970 is refused when saved.
 *   <li>Counter deltas of a unit are applied with the unit, or not at all.
 * </ul>
 *
 * <p>Not thread-safe: a store uses one state from one thread at a time, and never keeps a state
 * past the transaction it was loaded for.
 */
public final class UserState {
  /**
   * The store's memory of event ids (idempotency), which spans users: event ids are unique across
   * the store. Called inside units of work only.
   */
  public interface EventLedger {
    /**
     * Records an event id as applied at {@code at} for {@code userId} (so that forgetting the user
     * forgets their event ids too).
     *
     * @return false when the id is already recorded (within the store's retention window)
     */
    boolean record(String eventId, String userId, Instant at);

    /** Undoes {@link #record} of an id recorded by a unit that then failed. */
    void forget(String eventId);
  }

  private static final long MAX_EPOCH_SECOND = Long.MAX_VALUE / 1_000_000L - 1;
  private static final Comparator<Counter> COUNTER_ORDER = Comparator.comparing(Counter::campaignId)
      .thenComparingInt(Counter::step).thenComparing(Counter::name);

  private final UserRecords loaded;
  private final EventLedger events;

  // The records as the units applied so far left them. A collection is copied when a unit first
  // writes to it (copy on write), so the loaded records and a failed unit's predecessors stay intact.
  private Map<String, Reminder> reminders;
  private Map<String, Claim> claims;
  private List<SendRecord> sends;
  private Map<String, Instant> lastSent;
  private Map<String, Boolean> consent;
  /** Counter deltas in the order counted; a failed unit's are cut off again. */
  private ArrayList<Counter> counts;

  private boolean inUnit;
  private boolean forgotten;
  private boolean savedForgotten;
  private boolean ownReminders;
  private boolean ownClaims;
  private boolean ownSends;
  private boolean ownLastSent;
  private boolean ownConsent;
  private Map<String, Reminder> savedReminders;
  private Map<String, Claim> savedClaims;
  private List<SendRecord> savedSends;
  private Map<String, Instant> savedLastSent;
  private Map<String, Boolean> savedConsent;
  private List<String> unitEvents;
  private int unitCountsFrom;

  private UserState(UserRecords loaded, EventLedger events) {
    this.loaded = loaded;
    this.events = events;
    this.reminders = loaded.reminders;
    this.claims = loaded.claims;
    this.sends = loaded.sends;
    this.lastSent = loaded.lastSent;
    this.consent = loaded.consent;
  }

  /** A state over a user's records as the store loaded them; {@code events} answers for event ids. */
  public static UserState load(UserRecords records, EventLedger events) {
    return new UserState(Objects.requireNonNull(records, "records"), Objects.requireNonNull(events, "events"));
  }

  // ------------------------------------------------------------------ for stores

  /**
   * Runs one unit of work on this state. When {@code work} throws, everything it did here is
   * undone (its reminders, sends, counts and event ids) and the exception is rethrown; the units
   * applied before it stand.
   */
  public <T> T apply(Function<UserState, T> work) {
    if (inUnit) {
      throw new IllegalStateException("units of work on user " + userId() + " do not nest");
    }
    inUnit = true;
    ownReminders = false;
    ownClaims = false;
    ownSends = false;
    ownLastSent = false;
    ownConsent = false;
    savedReminders = reminders;
    savedClaims = claims;
    savedSends = sends;
    savedLastSent = lastSent;
    savedConsent = consent;
    savedForgotten = forgotten;
    unitEvents = null;
    unitCountsFrom = counts == null ? 0 : counts.size();
    try {
      return work.apply(this);
    } catch (RuntimeException | Error e) {
      reminders = savedReminders;
      claims = savedClaims;
      sends = savedSends;
      lastSent = savedLastSent;
      consent = savedConsent;
      forgotten = savedForgotten;
      if (counts != null) {
        counts.subList(unitCountsFrom, counts.size()).clear();
      }
      if (unitEvents != null) {
        unitEvents.forEach(events::forget);
      }
      throw e;
    } finally {
      inUnit = false;
      savedReminders = null;
      savedClaims = null;
      savedSends = null;
      savedLastSent = null;
      savedConsent = null;
    }
  }

  /**
   * The user's records as the units applied so far left them, in compact immutable collections
   * (a store that keeps records as values keeps this object).
   */
  public UserRecords records() {
    if (reminders == loaded.reminders && claims == loaded.claims && sends == loaded.sends
        && lastSent == loaded.lastSent && consent == loaded.consent) {
      return loaded;
    }
    // Frozen: the next unit copies before it writes, so these are never changed again.
    reminders = Map.copyOf(reminders);
    claims = Map.copyOf(claims);
    sends = List.copyOf(sends);
    lastSent = Map.copyOf(lastSent);
    consent = Map.copyOf(consent);
    return new UserRecords(loaded.userId(), reminders, claims, sends, lastSent, consent);
  }

  /** What the units applied so far changed since {@link #load}, counter deltas included. */
  public UserChanges changes() {
    List<Reminder> inserted = null;
    List<Reminder> updated = null;
    List<String> deleted = null;
    if (reminders != loaded.reminders || claims != loaded.claims) {
      for (Reminder now : reminders.values()) {
        Reminder before = loaded.reminders.get(now.id());
        if (before == null) {
          inserted = add(inserted, now);
        } else if ((before != now && !before.equals(now))
            || (loaded.claims.containsKey(now.id()) && !claims.containsKey(now.id()))) {
          updated = add(updated, now);
        }
      }
      for (String id : loaded.reminders.keySet()) {
        if (!reminders.containsKey(id)) {
          deleted = add(deleted, id);
        }
      }
    }
    List<SendRecord> insertedSends = null;
    List<SendRecord> updatedSends = null;
    List<String> deletedSends = null;
    // A collection this state no longer writes to is handed over as it is: the next unit copies
    // before it writes (see writeSends and writeLastSent).
    if (sends != loaded.sends && loaded.sends.isEmpty()) {
      insertedSends = sends.isEmpty() ? null : sends;
    } else if (sends != loaded.sends) {
      Map<String, SendRecord> before = new HashMap<>();
      for (SendRecord s : loaded.sends) {
        before.put(s.reminderId(), s);
      }
      for (SendRecord s : sends) {
        SendRecord old = before.remove(s.reminderId());
        if (old == null) {
          insertedSends = add(insertedSends, s);
        } else if (!old.equals(s)) {
          updatedSends = add(updatedSends, s);
        }
      }
      if (!before.isEmpty()) {
        deletedSends = new ArrayList<>(before.keySet());
      }
    }
    Map<String, Instant> lastSentSet = null;
    Set<String> lastSentRemoved = null;
    if (lastSent != loaded.lastSent && loaded.lastSent.isEmpty()) {
      lastSentSet = lastSent.isEmpty() ? null : lastSent;
    } else if (lastSent != loaded.lastSent) {
      for (Map.Entry<String, Instant> e : lastSent.entrySet()) {
        if (!e.getValue().equals(loaded.lastSent.get(e.getKey()))) {
          if (lastSentSet == null) {
            lastSentSet = new HashMap<>(4);
          }
          lastSentSet.put(e.getKey(), e.getValue());
        }
      }
      for (String campaign : loaded.lastSent.keySet()) {
        if (!lastSent.containsKey(campaign)) {
          if (lastSentRemoved == null) {
            lastSentRemoved = new java.util.HashSet<>(4);
          }
          lastSentRemoved.add(campaign);
        }
      }
    }
    List<Counter> deltas = deltas();
    Map<String, Boolean> consentNow = consent != loaded.consent && !consent.equals(loaded.consent) ? consent : null;
    return new UserChanges(userId(), orNone(inserted), orNone(updated), orNone(deleted), orNone(insertedSends),
        orNone(updatedSends), orNone(deletedSends), lastSentSet == null ? Map.of() : lastSentSet,
        lastSentRemoved == null ? Set.of() : lastSentRemoved, consentNow, forgotten, orNone(deltas));
  }

  /** The counter deltas summed per counter, in counter order (so stores update counter rows in one order). */
  private List<Counter> deltas() {
    int n = counts == null ? 0 : counts.size();
    if (n == 0) {
      return null;
    }
    if (n == 1) {
      return counts.get(0).value() == 0 ? null : List.of(counts.get(0));
    }
    Counter[] sorted = counts.toArray(new Counter[n]);
    Arrays.sort(sorted, COUNTER_ORDER);
    List<Counter> out = new ArrayList<>(n);
    Counter run = null;
    for (Counter c : sorted) {
      if (run != null && COUNTER_ORDER.compare(run, c) == 0) {
        run = new Counter(run.campaignId(), run.step(), run.name(), run.value() + c.value());
      } else {
        if (run != null && run.value() != 0) {
          out.add(run);
        }
        run = c;
      }
    }
    if (run.value() != 0) {
      out.add(run);
    }
    return out;
  }

  private static <E> List<E> add(List<E> list, E item) {
    List<E> out = list == null ? new ArrayList<>(2) : list;
    out.add(item);
    return out;
  }

  private static <E> List<E> orNone(List<E> list) {
    return list == null ? List.of() : list;
  }

  // ------------------------------------------------------------------ for the engine

  /** The user this state belongs to. */
  public String userId() {
    return loaded.userId();
  }

  /**
   * Records that the event with this idempotency id was applied.
   *
   * @return false when the id was already recorded (within the store's retention window)
   */
  public boolean recordEvent(String eventId, Instant at) {
    inUnit();
    Objects.requireNonNull(eventId, "eventId");
    if (!events.record(eventId, userId(), at)) {
      return false;
    }
    if (unitEvents == null) {
      unitEvents = new ArrayList<>(1);
    }
    unitEvents.add(eventId);
    return true;
  }

  /** The pending (not claimed) reminder of this campaign and key, if any. */
  public Optional<Reminder> pending(String campaignId, String key) {
    inUnit();
    for (Reminder r : reminders.values()) {
      if (r.campaignId().equals(campaignId) && r.key().equals(key) && !claims.containsKey(r.id())) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }

  /** A reminder of this user by id, pending or claimed; empty once it reached its outcome. */
  public Optional<Reminder> reminder(String reminderId) {
    inUnit();
    return Optional.ofNullable(reminders.get(reminderId));
  }

  /** Every reminder of this user, pending and claimed, in {@link Reminder#DUE_ORDER}. */
  public List<Reminder> reminders() {
    inUnit();
    List<Reminder> out = new ArrayList<>(reminders.values());
    out.sort(Reminder.DUE_ORDER);
    return out;
  }

  /** The claim on a reminder of this user; empty while it is pending or when there is none. */
  public Optional<Claim> claim(String reminderId) {
    inUnit();
    return Optional.ofNullable(claims.get(reminderId));
  }

  /** All pending (not claimed) reminders of this campaign, any key, in {@link Reminder#DUE_ORDER}. */
  public List<Reminder> pending(String campaignId) {
    inUnit();
    List<Reminder> out = new ArrayList<>(2);
    for (Reminder r : reminders.values()) {
      if (r.campaignId().equals(campaignId) && !claims.containsKey(r.id())) {
        out.add(r);
      }
    }
    out.sort(Reminder.DUE_ORDER);
    return out;
  }

  /**
   * Saves a reminder as pending. A reminder with the same id is updated (and a claim on it
   * released); a pending one with the same campaign and key but another id is replaced.
   *
   * @throws IllegalArgumentException when the reminder belongs to another user or has an instant
   *     no store keeps
   */
  public void save(Reminder reminder) {
    inUnit();
    if (!reminder.userId().equals(userId())) {
      throw new IllegalArgumentException("reminder " + reminder.id() + " belongs to user " + reminder.userId()
          + ", not " + userId() + "; save it in a unit of work of its own user");
    }
    storable("triggeredAt", reminder.triggeredAt());
    storable("dueAt", reminder.dueAt());
    storable("fireAt", reminder.fireAt());
    if (reminder.sentAt() != null) {
      storable("sentAt", reminder.sentAt());
    }
    writeReminders();
    reminders.values().removeIf(r -> !r.id().equals(reminder.id()) && r.campaignId().equals(reminder.campaignId())
        && r.key().equals(reminder.key()) && !claims.containsKey(r.id()));
    reminders.put(reminder.id(), reminder);
    releaseClaim(reminder.id());
  }

  /** Removes a reminder (pending or claimed) for good, e.g. when it reached its outcome. */
  public void delete(String reminderId) {
    inUnit();
    if (reminders.containsKey(reminderId)) {
      if (reminders.size() == 1) {
        reminders = Map.of(); // the user's only reminder: nothing to copy
        ownReminders = false;
      } else {
        writeReminders();
        reminders.remove(reminderId);
      }
      releaseClaim(reminderId);
    }
  }

  /**
   * Whether the reminder is still claimed by {@code owner}: false when it was saved again,
   * deleted, or its lease ran out and another owner took it. A lease that ran out but was not
   * taken over still counts.
   */
  public boolean isClaimedBy(String reminderId, String owner) {
    inUnit();
    Claim c = claims.get(reminderId);
    return c != null && c.owner().equals(owner);
  }

  /** When this campaign was last sent to the user, if ever. */
  public Optional<Instant> lastSent(String campaignId) {
    inUnit();
    return Optional.ofNullable(lastSent.get(campaignId));
  }

  /** The user's recent sends across campaigns, oldest first (ties by reminder id). */
  public List<SendRecord> sends() {
    inUnit();
    return List.copyOf(sends);
  }

  /**
   * Adds a send to the history (replacing an earlier record of the same reminder) and moves the
   * campaign's last-sent time forward to it.
   */
  public void recordSend(SendRecord send) {
    inUnit();
    storable("sentAt", send.sentAt());
    writeSends();
    sends.removeIf(s -> s.reminderId().equals(send.reminderId()));
    insertInOrder(send);
    Instant last = lastSent.get(send.campaignId());
    if (last == null || send.sentAt().isAfter(last)) {
      writeLastSent();
      lastSent.put(send.campaignId(), send.sentAt());
    }
  }

  /** Replaces a send record (same reminder id), e.g. to mark it converted; nothing when absent. */
  public void updateSend(SendRecord send) {
    inUnit();
    for (int i = 0; i < sends.size(); i++) {
      if (sends.get(i).reminderId().equals(send.reminderId())) {
        storable("sentAt", send.sentAt());
        writeSends();
        sends.remove(i);
        insertInOrder(send);
        return;
      }
    }
  }

  /** Removes a send that ended up delivered to no device; the campaign's last-sent time is recomputed. */
  public void forgetSend(String reminderId) {
    inUnit();
    SendRecord gone = null;
    for (SendRecord s : sends) {
      if (s.reminderId().equals(reminderId)) {
        gone = s;
        break;
      }
    }
    if (gone == null) {
      return;
    }
    writeSends();
    sends.remove(gone);
    Instant latest = null;
    for (SendRecord s : sends) {
      if (s.campaignId().equals(gone.campaignId()) && (latest == null || s.sentAt().isAfter(latest))) {
        latest = s.sentAt();
      }
    }
    if (!Objects.equals(latest, lastSent.get(gone.campaignId()))) {
      writeLastSent();
      if (latest == null) {
        lastSent.remove(gone.campaignId());
      } else {
        lastSent.put(gone.campaignId(), latest);
      }
    }
  }

  /** Drops send records older than {@code before}; the last-sent times are kept. */
  public void pruneSends(Instant before) {
    inUnit();
    if (sends.isEmpty() || !sends.get(0).sentAt().isBefore(before)) {
      return;
    }
    writeSends();
    sends.removeIf(s -> s.sentAt().isBefore(before));
  }

  /**
   * Forgets the user: every reminder (pending or claimed), the send history, the last-sent times
   * and consent are removed, and {@link UserChanges#forgotten()} tells the store to delete the
   * rest it keeps for the user (event ids recorded for them, and, for a store that also keeps
   * devices and attributes, those). Counters keep their totals. The caller reports the reminders,
   * which it reads before.
   */
  public void forget() {
    inUnit();
    reminders = Map.of();
    claims = Map.of();
    sends = List.of();
    lastSent = Map.of();
    consent = Map.of();
    ownReminders = false;
    ownClaims = false;
    ownSends = false;
    ownLastSent = false;
    ownConsent = false;
    forgotten = true;
  }

  /**
   * Whether the user allows sends of this consent category: their choice for the category, else
   * their choice for every category ({@link UserRecords#ALL_CATEGORIES}), else yes.
   */
  public boolean allows(String category) {
    inUnit();
    Boolean own = consent.get(category);
    if (own != null) {
      return own;
    }
    Boolean all = consent.get(UserRecords.ALL_CATEGORIES);
    return all == null || all;
  }

  /** The user's consent as {@link UserRecords#consent()} describes it. */
  public Map<String, Boolean> consent() {
    inUnit();
    return Map.copyOf(consent);
  }

  /**
   * Records the user's choice for a category. With {@link UserRecords#ALL_CATEGORIES} it replaces
   * every earlier choice (opting out of, or back in to, everything); a choice for one category
   * that equals the user's choice for every category is not kept apart.
   */
  public void setConsent(String category, boolean allowed) {
    inUnit();
    Objects.requireNonNull(category, "category");
    writeConsent();
    if (category.equals(UserRecords.ALL_CATEGORIES)) {
      consent.clear();
      if (!allowed) {
        consent.put(UserRecords.ALL_CATEGORIES, false);
      }
      return;
    }
    Boolean all = consent.get(UserRecords.ALL_CATEGORIES);
    if (allowed == (all == null || all)) {
      consent.remove(category);
    } else {
      consent.put(category, allowed);
    }
  }

  /**
   * Adds {@code delta} to a statistics counter (see {@link Counter} for the names), atomically
   * with the rest of this unit.
   */
  public void count(String campaignId, int step, String counter, long delta) {
    inUnit();
    Objects.requireNonNull(campaignId, "campaignId");
    Objects.requireNonNull(counter, "counter");
    if (delta == 0) {
      return;
    }
    if (counts == null) {
      counts = new ArrayList<>(4);
    }
    counts.add(new Counter(campaignId, step, counter, delta));
  }

  @Override
  public String toString() {
    return "UserState{" + userId() + "}";
  }

  // ------------------------------------------------------------------ internals

  private void inUnit() {
    if (!inUnit) {
      throw new IllegalStateException("a UserState is used only inside the unit of work it was given to;"
          + " do not keep it after the work returns");
    }
  }

  // The first write of a unit to a collection copies it, so that a unit that throws is undone.

  private void writeReminders() {
    if (!ownReminders) {
      reminders = new LinkedHashMap<>(reminders);
      ownReminders = true;
    }
  }

  private void releaseClaim(String reminderId) {
    if (claims.containsKey(reminderId)) {
      if (claims.size() == 1) {
        claims = Map.of();
        ownClaims = false;
        return;
      }
      if (!ownClaims) {
        claims = new HashMap<>(claims);
        ownClaims = true;
      }
      claims.remove(reminderId);
    }
  }

  private void writeSends() {
    if (!ownSends) {
      sends = sends.isEmpty() ? new ArrayList<>(2) : new ArrayList<>(sends);
      ownSends = true;
    }
  }

  private void writeLastSent() {
    if (!ownLastSent) {
      lastSent = lastSent.isEmpty() ? new HashMap<>(4) : new HashMap<>(lastSent);
      ownLastSent = true;
    }
  }

  private void writeConsent() {
    if (!ownConsent) {
      consent = new HashMap<>(consent);
      ownConsent = true;
    }
  }

  private void insertInOrder(SendRecord send) {
    int i = sends.size();
    while (i > 0 && UserRecords.SEND_ORDER.compare(sends.get(i - 1), send) > 0) {
      i--;
    }
    sends.add(i, send);
  }

  private static void storable(String field, Instant t) {
    long s = t.getEpochSecond();
    if (s > MAX_EPOCH_SECOND || s < -MAX_EPOCH_SECOND) {
      throw new IllegalArgumentException(field + " " + t + " is outside what a store keeps (about 290,000 years"
          + " either side of 1970, to the microsecond)");
    }
  }
}
