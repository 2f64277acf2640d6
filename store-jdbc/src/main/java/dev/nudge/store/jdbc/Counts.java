package dev.nudge.store.jdbc;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Counter deltas, summed by campaign, step and counter name: what one unit of work counted, and
 * what a group-commit batch writes (the sum of its units that succeeded). Sorted, so every
 * transaction touches counter rows in the same order. Used by one committer thread only.
 */
final class Counts {
  /** One counter of one campaign step. */
  record Key(String campaignId, int step, String counter) implements Comparable<Key> {
    @Override
    public int compareTo(Key o) {
      int c = campaignId.compareTo(o.campaignId);
      if (c != 0) {
        return c;
      }
      c = Integer.compare(step, o.step);
      return c != 0 ? c : counter.compareTo(o.counter);
    }
  }

  private final TreeMap<Key, Long> deltas = new TreeMap<>();

  void add(String campaignId, int step, String counter, long delta) {
    Objects.requireNonNull(campaignId, "campaignId");
    Objects.requireNonNull(counter, "counter");
    if (delta != 0) {
      deltas.merge(new Key(campaignId, step, counter), delta, Long::sum);
    }
  }

  void addAll(Counts other) {
    other.deltas.forEach((k, v) -> deltas.merge(k, v, Long::sum));
  }

  void clear() {
    deltas.clear();
  }

  boolean isEmpty() {
    return deltas.isEmpty();
  }

  /** The non-zero sums, in key order. */
  Map<Key, Long> nonZero() {
    deltas.values().removeIf(v -> v == 0);
    return deltas;
  }
}
