package dev.nudge.store.memory;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.nudge.Device;
import dev.nudge.Platform;
import dev.nudge.spi.Counter;
import dev.nudge.spi.NudgeStore;
import dev.nudge.spi.Reminder;
import dev.nudge.spi.SendRecord;
import dev.nudge.spi.UserState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * The default store: everything in this process's memory, lost when it stops. Fast, and the
 * reference the store contract tests hold every other store to.
 *
 * <p>Thread-safe. Units of work for one user are serialized on that user; different users
 * proceed in parallel. A unit that throws is rolled back.
 */
public final class InMemoryStore implements NudgeStore {
  /** Due order: fire time, then campaign, user, key, and id to keep distinct reminders apart. */
  static final Comparator<Reminder> DUE_ORDER = InMemoryStore::compareDue;

  /** Hand-written rather than chained comparators: it runs on every schedule, cancel and claim. */
  private static int compareDue(Reminder a, Reminder b) {
    if (a == b) {
      return 0;
    }
    int c = a.fireAt().compareTo(b.fireAt());
    if (c != 0) {
      return c;
    }
    c = a.campaignId().compareTo(b.campaignId());
    if (c != 0) {
      return c;
    }
    c = a.userId().compareTo(b.userId());
    if (c != 0) {
      return c;
    }
    c = a.key().compareTo(b.key());
    return c != 0 ? c : a.id().compareTo(b.id());
  }

  private final ConcurrentHashMap<String, Slot> users = new ConcurrentHashMap<>();
  private final ConcurrentSkipListSet<Reminder> due = new ConcurrentSkipListSet<>(DUE_ORDER);
  private final ConcurrentSkipListSet<Lease> leases = new ConcurrentSkipListSet<>();
  private final Cache<String, Boolean> seenEvents;
  private final Devices devices = new Devices();
  private final ConcurrentHashMap<String, Map<String, Object>> attributes = new ConcurrentHashMap<>();
  private final AtomicLong count = new AtomicLong();
  private final ConcurrentHashMap<CounterKey, LongAdder> counters = new ConcurrentHashMap<>();

  /** A store that remembers event ids for 7 days on the system clock. */
  public InMemoryStore() {
    this(Clock.systemUTC(), Duration.ofDays(7));
  }

  /**
   * A store that remembers event ids (for idempotency) for {@code eventIdRetention} as measured by
   * {@code clock}.
   */
  public InMemoryStore(Clock clock, Duration eventIdRetention) {
    if (eventIdRetention == null || eventIdRetention.isNegative() || eventIdRetention.isZero()) {
      throw new IllegalArgumentException("eventIdRetention must be positive, was " + eventIdRetention);
    }
    this.seenEvents = Caffeine.newBuilder()
        .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
        .expireAfterWrite(eventIdRetention)
        .build();
  }

  // ---------------------------------------------------------------- reminders

  @Override
  public <T> CompletableFuture<T> atomically(String userId, Function<UserState, T> work) {
    Slot slot = users.computeIfAbsent(userId, Slot::new);
    try {
      T result;
      synchronized (slot) {
        Tx tx = new Tx(slot);
        try {
          result = work.apply(tx);
        } catch (RuntimeException | Error e) {
          tx.rollback();
          throw e;
        }
      }
      return CompletableFuture.completedFuture(result);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public List<Reminder> claimDue(Instant before, Set<String> campaignIds, int max, Duration lease,
      String owner) {
    List<Reminder> claimed = new ArrayList<>(Math.min(max, 256));
    Instant leaseUntil = before.plus(lease);
    // Claims whose lease ran out first: their owner is gone.
    for (Iterator<Lease> it = leases.iterator(); it.hasNext() && claimed.size() < max; ) {
      Lease l = it.next();
      if (!l.until.isBefore(before)) {
        break;
      }
      Slot slot = users.get(l.userId);
      if (slot == null) {
        leases.remove(l);
        continue;
      }
      synchronized (slot) {
        Entry e = slot.reminders.get(l.reminderId);
        if (e != null && e.lease == l && !campaignIds.contains(e.reminder.campaignId())) {
          continue; // held: its campaign is not known to the claimer
        }
        if (e != null && e.lease == l) {
          claim(slot, e, owner, leaseUntil);
          claimed.add(e.reminder);
        } else {
          leases.remove(l);
        }
      }
    }
    for (Iterator<Reminder> it = due.iterator(); it.hasNext() && claimed.size() < max; ) {
      Reminder r = it.next();
      if (!r.fireAt().isBefore(before)) {
        break;
      }
      if (!campaignIds.contains(r.campaignId())) {
        continue; // held: its campaign is not known to the claimer
      }
      Slot slot = users.get(r.userId());
      if (slot == null) {
        due.remove(r);
        continue;
      }
      synchronized (slot) {
        Entry e = slot.reminders.get(r.id());
        if (e != null && e.reminder == r && e.lease == null) {
          claim(slot, e, owner, leaseUntil);
          claimed.add(r);
        }
      }
    }
    claimed.sort(DUE_ORDER);
    return claimed;
  }

  private void claim(Slot slot, Entry e, String owner, Instant until) {
    due.remove(e.reminder);
    if (e.lease != null) {
      leases.remove(e.lease);
    }
    e.lease = new Lease(until, e.reminder.id(), slot.userId, owner);
    leases.add(e.lease);
  }

  @Override
  public int renewLeases(Collection<Reminder> claimed, String owner, Instant until) {
    int renewed = 0;
    for (Reminder r : claimed) {
      Slot slot = users.get(r.userId());
      if (slot == null) {
        continue;
      }
      synchronized (slot) {
        Entry e = slot.reminders.get(r.id());
        if (e != null && e.lease != null && e.lease.owner.equals(owner) && e.lease.until.isBefore(until)) {
          leases.remove(e.lease);
          e.lease = new Lease(until, r.id(), slot.userId, owner);
          leases.add(e.lease);
          renewed++;
        }
      }
    }
    return renewed;
  }

  @Override
  public List<Counter> counters() {
    List<Counter> out = new ArrayList<>(counters.size());
    counters.forEach((k, v) -> out.add(new Counter(k.campaignId, k.step, k.name, v.sum())));
    return out;
  }

  @Override
  public Instant nextFireAt() {
    Reminder first = due.isEmpty() ? null : due.first();
    return first == null ? null : first.fireAt();
  }

  @Override
  public List<Reminder> pendingOf(String campaignId, Instant now, int max) {
    List<Reminder> out = new ArrayList<>();
    for (Lease l : leases) {
      if (!l.until.isBefore(now)) {
        break;
      }
      Slot slot = users.get(l.userId);
      if (slot != null) {
        synchronized (slot) {
          Entry e = slot.reminders.get(l.reminderId);
          if (e != null && e.lease == l && e.reminder.campaignId().equals(campaignId)) {
            out.add(e.reminder);
          }
        }
      }
    }
    int pending = 0;
    for (Iterator<Reminder> it = due.iterator(); it.hasNext() && pending < max; ) {
      Reminder r = it.next();
      if (r.campaignId().equals(campaignId)) {
        out.add(r);
        pending++;
      }
    }
    out.sort(DUE_ORDER);
    return out.size() > max ? List.copyOf(out.subList(0, max)) : out;
  }

  @Override
  public Map<String, Long> countByCampaign() {
    Map<String, Long> out = new java.util.TreeMap<>();
    for (Slot slot : users.values()) {
      synchronized (slot) {
        for (Entry e : slot.reminders.values()) {
          out.merge(e.reminder.campaignId(), 1L, Long::sum);
        }
      }
    }
    return out;
  }

  @Override
  public long size() {
    return count.get();
  }

  /** Pending and claimed reminders of one user, for tests and diagnostics. */
  public List<Reminder> remindersOf(String userId) {
    Slot slot = users.get(userId);
    if (slot == null) {
      return List.of();
    }
    synchronized (slot) {
      return slot.reminders.values().stream().map(e -> e.reminder).sorted(DUE_ORDER).toList();
    }
  }

  // ---------------------------------------------------------------- devices and users

  @Override
  public void register(Device device) {
    devices.register(device);
  }

  @Override
  public boolean remove(String userId, Platform platform, String token) {
    return devices.remove(userId, platform, token);
  }

  @Override
  public Device deactivate(Platform platform, String token) {
    return devices.deactivate(platform, token);
  }

  @Override
  public List<Device> activeDevices(String userId) {
    return devices.active(userId);
  }

  @Override
  public void setAttributes(String userId, Map<String, Object> values) {
    attributes.compute(userId, (u, old) -> {
      Map<String, Object> merged = old == null ? new LinkedHashMap<>() : new LinkedHashMap<>(old);
      merged.putAll(values);
      return Map.copyOf(merged);
    });
  }

  @Override
  public void removeAttribute(String userId, String name) {
    attributes.computeIfPresent(userId, (u, old) -> {
      Map<String, Object> copy = new LinkedHashMap<>(old);
      copy.remove(name);
      return copy.isEmpty() ? null : Map.copyOf(copy);
    });
  }

  @Override
  public Map<String, Object> attributes(String userId) {
    return attributes.getOrDefault(userId, Map.of());
  }

  // ---------------------------------------------------------------- internals

  private record CounterKey(String campaignId, int step, String name) {}

  /** A claim: who holds a reminder until when. Ordered by expiry for take-over. */
  private record Lease(Instant until, String reminderId, String userId, String owner)
      implements Comparable<Lease> {
    @Override
    public int compareTo(Lease o) {
      int c = until.compareTo(o.until);
      return c != 0 ? c : reminderId.compareTo(o.reminderId);
    }
  }

  private static final class Entry {
    Reminder reminder;
    Lease lease; // null while pending

    Entry(Reminder reminder) {
      this.reminder = reminder;
    }
  }

  /** One user's reminders and send history; guarded by its own monitor. */
  private static final class Slot {
    final String userId;
    final Map<String, Entry> reminders = new HashMap<>(4);
    Map<String, Instant> lastSent;
    List<SendRecord> sends;

    Slot(String userId) {
      this.userId = userId;
    }
  }

  /** The unit-of-work view of a slot, with an undo log for rollback. */
  private final class Tx implements UserState {
    private final Slot slot;
    private final Deque<Runnable> undo = new ArrayDeque<>();

    Tx(Slot slot) {
      this.slot = slot;
    }

    void rollback() {
      while (!undo.isEmpty()) {
        undo.pop().run();
      }
    }

    @Override
    public String userId() {
      return slot.userId;
    }

    @Override
    public boolean recordEvent(String eventId, Instant at) {
      boolean[] fresh = {false};
      seenEvents.asMap().computeIfAbsent(eventId, id -> {
        fresh[0] = true;
        return Boolean.TRUE;
      });
      if (fresh[0]) {
        undo.push(() -> seenEvents.invalidate(eventId));
      }
      return fresh[0];
    }

    @Override
    public Optional<Reminder> pending(String campaignId, String key) {
      for (Entry e : slot.reminders.values()) {
        Reminder r = e.reminder;
        if (e.lease == null && r.campaignId().equals(campaignId) && r.key().equals(key)) {
          return Optional.of(r);
        }
      }
      return Optional.empty();
    }

    @Override
    public Optional<Reminder> reminder(String reminderId) {
      Entry e = slot.reminders.get(reminderId);
      return e == null ? Optional.empty() : Optional.of(e.reminder);
    }

    @Override
    public List<Reminder> pending(String campaignId) {
      List<Reminder> out = new ArrayList<>(2);
      for (Entry e : slot.reminders.values()) {
        if (e.lease == null && e.reminder.campaignId().equals(campaignId)) {
          out.add(e.reminder);
        }
      }
      out.sort(DUE_ORDER);
      return out;
    }

    @Override
    public void save(Reminder reminder) {
      if (!reminder.userId().equals(slot.userId)) {
        throw new IllegalArgumentException("reminder " + reminder.id() + " belongs to user "
            + reminder.userId() + ", not " + slot.userId);
      }
      pending(reminder.campaignId(), reminder.key())
          .filter(other -> !other.id().equals(reminder.id()))
          .ifPresent(other -> delete(other.id()));
      Entry e = slot.reminders.get(reminder.id());
      if (e == null) {
        Entry fresh = new Entry(reminder);
        slot.reminders.put(reminder.id(), fresh);
        due.add(reminder);
        count.incrementAndGet();
        undo.push(() -> {
          slot.reminders.remove(reminder.id());
          due.remove(reminder);
          count.decrementAndGet();
        });
        return;
      }
      Reminder before = e.reminder;
      Lease lease = e.lease;
      if (lease == null) {
        due.remove(before);
      } else {
        leases.remove(lease);
      }
      e.reminder = reminder;
      e.lease = null;
      due.add(reminder);
      undo.push(() -> {
        due.remove(reminder);
        e.reminder = before;
        e.lease = lease;
        if (lease == null) {
          due.add(before);
        } else {
          leases.add(lease);
        }
      });
    }

    @Override
    public void delete(String reminderId) {
      Entry e = slot.reminders.remove(reminderId);
      if (e == null) {
        return;
      }
      if (e.lease == null) {
        due.remove(e.reminder);
      } else {
        leases.remove(e.lease);
      }
      count.decrementAndGet();
      undo.push(() -> {
        count.incrementAndGet();
        slot.reminders.put(reminderId, e);
        if (e.lease == null) {
          due.add(e.reminder);
        } else {
          leases.add(e.lease);
        }
      });
    }

    @Override
    public boolean isClaimedBy(String reminderId, String owner) {
      Entry e = slot.reminders.get(reminderId);
      return e != null && e.lease != null && e.lease.owner.equals(owner);
    }

    @Override
    public Optional<Instant> lastSent(String campaignId) {
      return slot.lastSent == null ? Optional.empty() : Optional.ofNullable(slot.lastSent.get(campaignId));
    }

    @Override
    public List<SendRecord> sends() {
      return slot.sends == null ? List.of() : List.copyOf(slot.sends);
    }

    @Override
    public void recordSend(SendRecord send) {
      snapshotHistory();
      if (slot.sends == null) {
        slot.sends = new ArrayList<>(2);
      }
      if (slot.lastSent == null) {
        slot.lastSent = new HashMap<>(2);
      }
      slot.sends.add(send);
      slot.sends.sort(Comparator.comparing(SendRecord::sentAt));
      slot.lastSent.merge(send.campaignId(), send.sentAt(), (a, b) -> a.isAfter(b) ? a : b);
    }

    @Override
    public void updateSend(SendRecord send) {
      if (slot.sends == null) {
        return;
      }
      snapshotHistory();
      slot.sends.replaceAll(s -> s.reminderId().equals(send.reminderId()) ? send : s);
    }

    @Override
    public void forgetSend(String reminderId) {
      if (slot.sends == null) {
        return;
      }
      snapshotHistory();
      SendRecord gone = null;
      for (Iterator<SendRecord> it = slot.sends.iterator(); it.hasNext(); ) {
        SendRecord s = it.next();
        if (s.reminderId().equals(reminderId)) {
          gone = s;
          it.remove();
        }
      }
      if (gone != null) {
        String campaign = gone.campaignId();
        Instant latest = null;
        for (SendRecord s : slot.sends) {
          if (s.campaignId().equals(campaign) && (latest == null || s.sentAt().isAfter(latest))) {
            latest = s.sentAt();
          }
        }
        if (latest == null) {
          slot.lastSent.remove(campaign);
        } else {
          slot.lastSent.put(campaign, latest);
        }
      }
    }

    @Override
    public void pruneSends(Instant before) {
      if (slot.sends == null || slot.sends.isEmpty() || !slot.sends.get(0).sentAt().isBefore(before)) {
        return;
      }
      snapshotHistory();
      slot.sends.removeIf(s -> s.sentAt().isBefore(before));
    }

    @Override
    public void count(String campaignId, int step, String counter, long delta) {
      LongAdder adder = counters.computeIfAbsent(new CounterKey(campaignId, step, counter), k -> new LongAdder());
      adder.add(delta);
      undo.push(() -> adder.add(-delta));
    }

    private boolean historySaved;

    /** Saves the history once per unit so a rollback can restore it. */
    private void snapshotHistory() {
      if (historySaved) {
        return;
      }
      historySaved = true;
      List<SendRecord> sends = slot.sends == null ? null : new ArrayList<>(slot.sends);
      Map<String, Instant> last = slot.lastSent == null ? null : new HashMap<>(slot.lastSent);
      undo.push(() -> {
        slot.sends = sends;
        slot.lastSent = last;
      });
    }
  }

  /** Devices by user (in first-registration order) and by token. */
  private static final class Devices {
    private record Registered(Device device, boolean active) {}

    private final Map<String, LinkedHashMap<String, Registered>> byUser = new HashMap<>();
    private final Map<String, String> ownerOfToken = new HashMap<>();

    private static String tokenKey(Platform platform, String token) {
      return platform.name() + ':' + token;
    }

    synchronized void register(Device d) {
      String key = tokenKey(d.platform(), d.token());
      String previous = ownerOfToken.put(key, d.userId());
      if (previous != null && !previous.equals(d.userId())) {
        removeFrom(previous, key);
      }
      byUser.computeIfAbsent(d.userId(), u -> new LinkedHashMap<>(2)).put(key, new Registered(d, true));
    }

    synchronized boolean remove(String userId, Platform platform, String token) {
      String key = tokenKey(platform, token);
      if (!userId.equals(ownerOfToken.get(key))) {
        return false;
      }
      ownerOfToken.remove(key);
      return removeFrom(userId, key);
    }

    private boolean removeFrom(String userId, String key) {
      LinkedHashMap<String, Registered> list = byUser.get(userId);
      if (list == null || list.remove(key) == null) {
        return false;
      }
      if (list.isEmpty()) {
        byUser.remove(userId);
      }
      return true;
    }

    synchronized Device deactivate(Platform platform, String token) {
      String key = tokenKey(platform, token);
      String owner = ownerOfToken.get(key);
      if (owner == null) {
        return null;
      }
      LinkedHashMap<String, Registered> list = byUser.get(owner);
      Registered r = list == null ? null : list.get(key);
      if (r == null || !r.active()) {
        return null;
      }
      list.put(key, new Registered(r.device(), false));
      return r.device();
    }

    synchronized List<Device> active(String userId) {
      LinkedHashMap<String, Registered> list = byUser.get(userId);
      if (list == null) {
        return List.of();
      }
      List<Device> out = new ArrayList<>(list.size());
      for (Registered r : list.values()) {
        if (r.active()) {
          out.add(r.device());
        }
      }
      return out;
    }
  }
}
