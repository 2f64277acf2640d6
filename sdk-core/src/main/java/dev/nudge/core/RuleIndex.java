package dev.nudge.core;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.nudge.Campaign;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Finds the campaigns an event name concerns — as trigger, stop event or goal — through a
 * Caffeine cache from event name to rules, rebuilt lazily after any campaign change.
 * Thread-safe.
 */
final class RuleIndex {
  /** What one event name means: campaigns it triggers, stops and converts. Immutable. */
  record Rules(long version, List<CompiledCampaign> triggers, List<CompiledCampaign> stops, List<CompiledCampaign> goals) {
    boolean isEmpty() {
      return triggers.isEmpty() && stops.isEmpty() && goals.isEmpty();
    }
  }

  private final ConcurrentHashMap<String, CompiledCampaign> campaigns = new ConcurrentHashMap<>();
  /** Bumped on every change, so rules computed concurrently with a change are never kept. */
  private final AtomicLong version = new AtomicLong();
  private final LoadingCache<String, Rules> byEvent =
      Caffeine.newBuilder().maximumSize(10_000).build(this::load);

  /** Adds or replaces a campaign. */
  void put(CompiledCampaign c) {
    campaigns.put(c.id, c);
    version.incrementAndGet();
    byEvent.invalidateAll();
  }

  /** Removes a campaign; false when unknown. */
  boolean remove(String id) {
    boolean removed = campaigns.remove(id) != null;
    version.incrementAndGet();
    byEvent.invalidateAll();
    return removed;
  }

  /** The current definition, or {@code null}. */
  CompiledCampaign get(String id) {
    return campaigns.get(id);
  }

  Collection<CompiledCampaign> all() {
    return campaigns.values();
  }

  /** The ids of the defined campaigns, a snapshot. */
  java.util.Set<String> ids() {
    return java.util.Set.copyOf(campaigns.keySet());
  }

  /** The rules for an event name. */
  Rules rulesFor(String eventName) {
    Rules rules = byEvent.get(eventName);
    while (rules.version() != version.get()) {
      byEvent.invalidate(eventName);
      rules = byEvent.get(eventName);
    }
    return rules;
  }

  private Rules load(String eventName) {
    long seen = version.get();
    List<CompiledCampaign> triggers = new ArrayList<>();
    List<CompiledCampaign> stops = new ArrayList<>();
    List<CompiledCampaign> goals = new ArrayList<>();
    List<CompiledCampaign> sorted = new ArrayList<>(campaigns.values());
    sorted.sort((a, b) -> a.id.compareTo(b.id));
    for (CompiledCampaign c : sorted) {
      Campaign k = c.campaign;
      if (k.trigger().equals(eventName) || k.trigger().equals(Campaign.ANY_EVENT)) {
        triggers.add(c);
      }
      if (k.stopEvents().contains(eventName)) {
        stops.add(c);
      }
      if (k.goal().isPresent() && k.goal().get().event().equals(eventName)) {
        goals.add(c);
      }
    }
    return new Rules(seen, List.copyOf(triggers), List.copyOf(stops), List.copyOf(goals));
  }
}
