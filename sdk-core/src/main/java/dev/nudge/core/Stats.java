package dev.nudge.core;

import dev.nudge.CampaignStats;
import dev.nudge.Platform;
import dev.nudge.StepStats;
import dev.nudge.SuppressionReason;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live counters per campaign and step. The engine counts only after the store has committed what
 * is counted, so no counter is ever ahead of the stored outcomes. Thread-safe.
 */
final class Stats {
  private final ConcurrentHashMap<String, CampaignCounters> campaigns = new ConcurrentHashMap<>();

  /** The counters of one step, created on first use. */
  StepCounters step(String campaignId, int step) {
    return campaigns.computeIfAbsent(campaignId, id -> new CampaignCounters()).step(step);
  }

  /** A snapshot of every campaign's counters, by campaign id in id order. */
  Map<String, CampaignStats> snapshot() {
    Map<String, CampaignStats> out = new TreeMap<>();
    campaigns.forEach((id, c) -> out.put(id, c.snapshot(id)));
    return out;
  }

  /** A snapshot of one campaign; all zeros when it has counted nothing. */
  CampaignStats snapshot(String campaignId) {
    CampaignCounters c = campaigns.get(campaignId);
    return c == null ? new CampaignStats(campaignId, List.of()) : c.snapshot(campaignId);
  }

  private static final class CampaignCounters {
    private volatile AtomicReferenceArray<StepCounters> steps = new AtomicReferenceArray<>(2);

    StepCounters step(int index) {
      AtomicReferenceArray<StepCounters> a = steps;
      if (index >= a.length()) {
        synchronized (this) {
          a = steps;
          if (index >= a.length()) {
            AtomicReferenceArray<StepCounters> grown = new AtomicReferenceArray<>(Math.max(index + 1, a.length() * 2));
            for (int i = 0; i < a.length(); i++) {
              grown.set(i, a.get(i));
            }
            steps = grown;
            a = grown;
          }
        }
      }
      StepCounters s = a.get(index);
      if (s == null) {
        synchronized (this) {
          a = steps;
          s = a.get(index);
          if (s == null) {
            s = new StepCounters();
            a.set(index, s);
          }
        }
      }
      return s;
    }

    CampaignStats snapshot(String id) {
      AtomicReferenceArray<StepCounters> a = steps;
      List<StepStats> out = new ArrayList<>();
      for (int i = 0; i < a.length(); i++) {
        StepCounters s = a.get(i);
        if (s != null) {
          out.add(s.snapshot(i));
        }
      }
      return new CampaignStats(id, out);
    }
  }

  /** One step's counters. */
  static final class StepCounters {
    final LongAdder triggered = new LongAdder();
    final LongAdder scheduled = new LongAdder();
    final LongAdder restarted = new LongAdder();
    final LongAdder ignored = new LongAdder();
    final LongAdder cancelled = new LongAdder();
    final LongAdder expired = new LongAdder();
    final LongAdder sent = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder invalidTokens = new LongAdder();
    final LongAdder converted = new LongAdder();
    private final LongAdder[] suppressed = adders(SuppressionReason.values().length);
    private final LongAdder[] accepted = adders(Platform.values().length);
    private final LongAdder[] rejected = adders(Platform.values().length);

    void suppressed(SuppressionReason reason) {
      suppressed[reason.ordinal()].increment();
    }

    void accepted(Platform platform) {
      accepted[platform.ordinal()].increment();
    }

    void rejected(Platform platform) {
      rejected[platform.ordinal()].increment();
    }

    StepStats snapshot(int index) {
      return new StepStats(index, triggered.sum(), scheduled.sum(), restarted.sum(), ignored.sum(),
          cancelled.sum(), byEnum(suppressed, SuppressionReason.class), expired.sum(), sent.sum(),
          failed.sum(), byEnum(accepted, Platform.class), byEnum(rejected, Platform.class),
          invalidTokens.sum(), converted.sum());
    }

    private static LongAdder[] adders(int n) {
      LongAdder[] a = new LongAdder[n];
      for (int i = 0; i < n; i++) {
        a[i] = new LongAdder();
      }
      return a;
    }

    private static <K extends Enum<K>> Map<K, Long> byEnum(LongAdder[] adders, Class<K> type) {
      Map<K, Long> out = new EnumMap<>(type);
      K[] keys = type.getEnumConstants();
      for (int i = 0; i < keys.length; i++) {
        long v = adders[i].sum();
        if (v != 0) {
          out.put(keys[i], v);
        }
      }
      return out;
    }
  }
}
