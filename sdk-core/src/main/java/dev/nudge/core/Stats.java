package dev.nudge.core;

import dev.nudge.CampaignStats;
import dev.nudge.Platform;
import dev.nudge.StepStats;
import dev.nudge.SuppressionReason;
import dev.nudge.spi.Counter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Turns the store's counters into the public statistics types. */
final class Stats {
  private Stats() {}

  /** Every campaign's statistics, by campaign id in id order. */
  static Map<String, CampaignStats> of(List<Counter> counters) {
    Map<String, Map<Integer, Map<String, Long>>> byCampaign = new TreeMap<>();
    for (Counter c : counters) {
      if (c.value() != 0) {
        byCampaign.computeIfAbsent(c.campaignId(), k -> new TreeMap<>())
            .computeIfAbsent(c.step(), k -> new HashMap<>())
            .merge(c.name(), c.value(), Long::sum);
      }
    }
    Map<String, CampaignStats> out = new TreeMap<>();
    byCampaign.forEach((id, steps) -> {
      List<StepStats> list = new ArrayList<>(steps.size());
      steps.forEach((step, values) -> list.add(step(step, values)));
      out.put(id, new CampaignStats(id, list));
    });
    return out;
  }

  private static StepStats step(int step, Map<String, Long> v) {
    Map<SuppressionReason, Long> suppressed = new EnumMap<>(SuppressionReason.class);
    for (SuppressionReason r : SuppressionReason.values()) {
      put(suppressed, r, v.get(Counter.suppressed(r)));
    }
    Map<Platform, Long> accepted = new EnumMap<>(Platform.class);
    Map<Platform, Long> rejected = new EnumMap<>(Platform.class);
    for (Platform p : Platform.values()) {
      put(accepted, p, v.get(Counter.accepted(p)));
      put(rejected, p, v.get(Counter.rejected(p)));
    }
    return new StepStats(step, get(v, Counter.TRIGGERED), get(v, Counter.SCHEDULED),
        get(v, Counter.RESTARTED), get(v, Counter.IGNORED), get(v, Counter.CANCELLED), suppressed,
        get(v, Counter.EXPIRED), get(v, Counter.SENT), get(v, Counter.FAILED), accepted, rejected,
        get(v, Counter.INVALID_TOKENS), get(v, Counter.CONVERTED));
  }

  private static long get(Map<String, Long> values, String name) {
    return values.getOrDefault(name, 0L);
  }

  private static <K> void put(Map<K, Long> map, K key, Long value) {
    if (value != null && value != 0) {
      map.put(key, value);
    }
  }
}
