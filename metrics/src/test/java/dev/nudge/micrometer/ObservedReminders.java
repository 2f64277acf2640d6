package dev.nudge.micrometer;

import dev.nudge.spi.Counter;
import dev.nudge.spi.DueReminders;
import dev.nudge.spi.Reminder;
import dev.nudge.spi.ReminderStore;
import dev.nudge.spi.UserState;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A real store (the in-memory one) seen through a window: counts the reads that metrics make
 * and can make them fail, as a database that went down would. The engine's own work (units,
 * claims) always goes through.
 */
final class ObservedReminders implements ReminderStore {
  private final ReminderStore store;
  final AtomicInteger counterReads = new AtomicInteger();
  volatile boolean down;

  ObservedReminders(ReminderStore store) {
    this.store = store;
  }

  private void check(String what) {
    if (down) {
      throw new IllegalStateException("the database is down (" + what + ")");
    }
  }

  @Override
  public <T> CompletableFuture<T> atomically(String userId, Function<UserState, T> work) {
    return store.atomically(userId, work);
  }

  @Override
  public List<Reminder> claimDue(Instant before, Set<String> campaignIds, int max, Duration lease, String owner) {
    return store.claimDue(before, campaignIds, max, lease, owner);
  }

  @Override
  public List<Reminder> pendingOf(String campaignId, Instant now, int max) {
    return store.pendingOf(campaignId, now, max);
  }

  @Override
  public Map<String, Long> countByCampaign() {
    check("count by campaign");
    return store.countByCampaign();
  }

  @Override
  public int renewLeases(Collection<Reminder> claimed, String owner, Instant until) {
    return store.renewLeases(claimed, owner, until);
  }

  @Override
  public List<Counter> counters() {
    check("counters");
    counterReads.incrementAndGet();
    return store.counters();
  }

  @Override
  public Optional<Instant> nextFireAt() {
    return store.nextFireAt();
  }

  @Override
  public Set<String> pausedCampaigns() {
    return store.pausedCampaigns();
  }

  @Override
  public void setPaused(String campaignId, boolean paused) {
    store.setPaused(campaignId, paused);
  }

  @Override
  public long size() {
    check("size");
    return store.size();
  }

  @Override
  public Optional<DueReminders> due(Instant before) {
    check("due");
    return store.due(before);
  }
}
