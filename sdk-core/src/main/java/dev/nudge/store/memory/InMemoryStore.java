package dev.nudge.store.memory;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.nudge.Device;
import dev.nudge.Platform;
import dev.nudge.spi.Claim;
import dev.nudge.spi.Counter;
import dev.nudge.spi.DueReminders;
import dev.nudge.spi.NudgeStore;
import dev.nudge.spi.Reminder;
import dev.nudge.spi.UserChanges;
import dev.nudge.spi.UserRecords;
import dev.nudge.spi.UserState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * The default store: everything in this process's memory, lost when it stops, and not shared
 * with other processes. Fast, and held to the same store test kit as every other store.
 *
 * <p>Each user's {@link UserRecords} are kept as one value; a unit of work runs on a
 * {@link UserState} loaded from it and replaces it. Thread-safe: units of work for one user are
 * serialized on that user; different users proceed in parallel. A unit that throws changes
 * nothing.
 */
public final class InMemoryStore implements NudgeStore {
  private final ConcurrentHashMap<String, Slot> users = new ConcurrentHashMap<>();
  /** Pending reminders of every user, in due order. */
  private final ConcurrentSkipListSet<Reminder> due = new ConcurrentSkipListSet<>(Reminder.DUE_ORDER);
  /** Claims of every user, by expiry. */
  private final ConcurrentSkipListSet<Lease> leases = new ConcurrentSkipListSet<>();
  /** Event ids seen, with the user each was recorded for. */
  private final Cache<String, String> seenEvents;
  private final UserState.EventLedger ledger;
  private final Devices devices = new Devices();
  private final ConcurrentHashMap<String, Map<String, Object>> attributes = new ConcurrentHashMap<>();
  private final AtomicLong count = new AtomicLong();
  private final Set<String> paused = ConcurrentHashMap.newKeySet();
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
    this.ledger = new UserState.EventLedger() {
      @Override
      public boolean record(String eventId, String userId, Instant at) {
        boolean[] fresh = {false};
        seenEvents.asMap().computeIfAbsent(eventId, id -> {
          fresh[0] = true;
          return userId;
        });
        return fresh[0];
      }

      @Override
      public void forget(String eventId) {
        seenEvents.invalidate(eventId);
      }
    };
  }

  // ---------------------------------------------------------------- reminders

  @Override
  public <T> CompletableFuture<T> atomically(String userId, Function<UserState, T> work) {
    Slot slot = users.computeIfAbsent(userId, Slot::new);
    try {
      T result;
      synchronized (slot) {
        UserState state = UserState.load(slot.records, ledger);
        result = state.apply(work);
        UserChanges changes = state.changes();
        if (!changes.isEmpty()) {
          index(slot.records, changes);
          slot.records = state.records();
        }
        if (changes.forgotten()) {
          // A scan of every retained event id: forgetting a user is rare.
          seenEvents.asMap().values().removeIf(userId::equals);
        }
      }
      return CompletableFuture.completedFuture(result);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Moves the due and lease indexes and the counters along with one unit's changes. */
  private void index(UserRecords before, UserChanges changes) {
    // Indexed loops: most of these lists are empty, and this runs for every unit of work.
    List<String> deleted = changes.deleted();
    for (int i = 0; i < deleted.size(); i++) {
      unindex(before, deleted.get(i));
      count.decrementAndGet();
    }
    List<Reminder> updated = changes.updated();
    for (int i = 0; i < updated.size(); i++) {
      unindex(before, updated.get(i).id());
      due.add(updated.get(i));
    }
    List<Reminder> inserted = changes.inserted();
    for (int i = 0; i < inserted.size(); i++) {
      due.add(inserted.get(i));
      count.incrementAndGet();
    }
    List<Counter> counts = changes.counts();
    for (int i = 0; i < counts.size(); i++) {
      Counter c = counts.get(i);
      counters.computeIfAbsent(new CounterKey(c.campaignId(), c.step(), c.name()), k -> new LongAdder())
          .add(c.value());
    }
  }

  private void unindex(UserRecords records, String reminderId) {
    Optional<Claim> claim = records.claim(reminderId);
    if (claim.isPresent()) {
      leases.remove(new Lease(claim.get().until(), reminderId, records.userId(), claim.get().owner()));
    } else {
      records.reminder(reminderId).ifPresent(due::remove);
    }
  }

  @Override
  public List<Reminder> claimDue(Instant before, Set<String> campaignIds, int max, Duration lease,
      String owner) {
    List<Reminder> claimed = new ArrayList<>(Math.min(max, 256));
    Claim claim = new Claim(owner, before.plus(lease));
    // Claims whose lease ran out first: their owner is gone.
    for (Iterator<Lease> it = leases.iterator(); it.hasNext() && claimed.size() < max; ) {
      Lease l = it.next();
      if (!l.until.isBefore(before)) {
        break;
      }
      Slot slot = users.get(l.userId);
      synchronized (slot) {
        Optional<Reminder> r = slot.records.reminder(l.reminderId);
        Claim current = slot.records.claim(l.reminderId).orElse(null);
        boolean live = current != null && current.owner().equals(l.owner) && current.until().equals(l.until);
        if (live && campaignIds.contains(r.get().campaignId())) { // else held: an unknown campaign
          leases.remove(l);
          take(slot, r.get(), claim);
          claimed.add(r.get());
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
      synchronized (slot) {
        if (slot.records.reminder(r.id()).orElse(null) == r && slot.records.claim(r.id()).isEmpty()) {
          due.remove(r);
          take(slot, r, claim);
          claimed.add(r);
        }
      }
    }
    claimed.sort(Reminder.DUE_ORDER);
    return claimed;
  }

  private void take(Slot slot, Reminder r, Claim claim) {
    slot.records = slot.records.withClaim(r.id(), claim);
    leases.add(new Lease(claim.until(), r.id(), slot.userId, claim.owner()));
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
        Optional<Claim> c = slot.records.claim(r.id());
        if (c.isPresent() && c.get().owner().equals(owner) && c.get().until().isBefore(until)) {
          leases.remove(new Lease(c.get().until(), r.id(), slot.userId, owner));
          take(slot, r, new Claim(owner, until));
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
  public Set<String> pausedCampaigns() {
    return Set.copyOf(paused);
  }

  @Override
  public void setPaused(String campaignId, boolean paused) {
    if (paused) {
      this.paused.add(campaignId);
    } else {
      this.paused.remove(campaignId);
    }
  }

  @Override
  public Optional<Instant> nextFireAt() {
    try {
      return Optional.of(due.first().fireAt());
    } catch (java.util.NoSuchElementException empty) {
      return Optional.empty();
    }
  }

  @Override
  public List<Reminder> pendingOf(String campaignId, Instant now, int max) {
    List<Reminder> out = new ArrayList<>();
    for (Lease l : leases) {
      if (!l.until.isBefore(now)) {
        break;
      }
      Slot slot = users.get(l.userId);
      synchronized (slot) {
        slot.records.reminder(l.reminderId).filter(r -> r.campaignId().equals(campaignId)).ifPresent(out::add);
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
    out.sort(Reminder.DUE_ORDER);
    return out.size() > max ? List.copyOf(out.subList(0, max)) : out;
  }

  @Override
  public Map<String, Long> countByCampaign() {
    Map<String, Long> out = new TreeMap<>();
    for (Slot slot : users.values()) {
      synchronized (slot) {
        for (Reminder r : slot.records.reminders()) {
          out.merge(r.campaignId(), 1L, Long::sum);
        }
      }
    }
    return out;
  }

  @Override
  public long size() {
    return count.get();
  }

  /**
   * Walks the pending index from its head while reminders are due, then the claims (a few
   * thousand at most: what the engines are sending): nothing more while nothing is late. A
   * reminder claimed or settled during the walk may be counted in either part or in none.
   */
  @Override
  public Optional<DueReminders> due(Instant before) {
    long n = 0;
    Instant earliest = null;
    for (Reminder r : due) { // due order: fire time first
      if (!r.fireAt().isBefore(before)) {
        break;
      }
      if (earliest == null) {
        earliest = r.fireAt();
      }
      n++;
    }
    for (Lease l : leases) {
      Slot slot = users.get(l.userId);
      if (slot == null) {
        continue;
      }
      Reminder r;
      synchronized (slot) {
        r = slot.records.reminder(l.reminderId).orElse(null);
      }
      if (r != null && r.fireAt().isBefore(before)) {
        if (earliest == null || r.fireAt().isBefore(earliest)) {
          earliest = r.fireAt();
        }
        n++;
      }
    }
    return Optional.of(n == 0 ? DueReminders.NONE : new DueReminders(n, earliest));
  }

  /** Pending and claimed reminders of one user, in due order, for tests and diagnostics. */
  public List<Reminder> remindersOf(String userId) {
    Slot slot = users.get(userId);
    if (slot == null) {
      return List.of();
    }
    synchronized (slot) {
      return slot.records.reminders().stream().sorted(Reminder.DUE_ORDER).toList();
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
  public Optional<Device> deactivate(Platform platform, String token) {
    return Optional.ofNullable(devices.deactivate(platform, token));
  }

  @Override
  public List<Device> activeDevices(String userId) {
    return devices.active(userId);
  }

  @Override
  public int removeAll(String userId) {
    return devices.removeAll(userId);
  }

  @Override
  public void removeUser(String userId) {
    attributes.remove(userId);
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

  /** One user's records; guarded by its own monitor. */
  private static final class Slot {
    final String userId;
    UserRecords records;

    Slot(String userId) {
      this.userId = userId;
      this.records = UserRecords.empty(userId);
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

    synchronized int removeAll(String userId) {
      LinkedHashMap<String, Registered> list = byUser.remove(userId);
      if (list == null) {
        return 0;
      }
      list.keySet().forEach(ownerOfToken::remove);
      return list.size();
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
