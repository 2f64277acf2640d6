package dev.nudge.core;

import dev.nudge.Campaign;
import dev.nudge.spi.Counter;
import dev.nudge.spi.DueReminders;
import dev.nudge.spi.EngineStatus;
import dev.nudge.spi.ReminderStore;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The engine's {@link EngineStatus}: each figure read from the store when asked, nothing cached
 * (the caller decides how often to pay for it). Thread-safe.
 */
final class Status implements EngineStatus {
  private final Clock clock;
  private final ReminderStore store;
  private final RuleIndex rules;
  private final HeldReminders held;

  Status(Clock clock, ReminderStore store, RuleIndex rules, HeldReminders held) {
    this.clock = clock;
    this.store = store;
    this.rules = rules;
    this.held = held;
  }

  @Override
  public Clock clock() {
    return clock;
  }

  @Override
  public List<Counter> counters() {
    return List.copyOf(store.counters());
  }

  @Override
  public List<Campaign> campaigns() {
    return rules.all().stream().map(c -> c.campaign).sorted(Comparator.comparing(Campaign::id)).toList();
  }

  @Override
  public long pendingReminders() {
    return store.size();
  }

  @Override
  public long heldReminders() {
    return held.of(store.countByCampaign()).values().stream().mapToLong(Long::longValue).sum();
  }

  @Override
  public Optional<DueReminders> dueReminders() {
    Optional<DueReminders> due = store.due(clock.instant());
    return due != null ? due : Optional.empty(); // a store's own override may return null
  }

  @Override
  public String toString() {
    return "EngineStatus[" + store.getClass().getSimpleName() + "]";
  }
}
