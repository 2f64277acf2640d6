package dev.nudge.examples;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a mock push server received: the requests it kept, in arrival order, and how many requests
 * it answered with each answer (kept or not). Thread-safe.
 *
 * @param <R> the server's record of one request
 */
final class ReceivedLog<R> {
  private final ConcurrentLinkedQueue<R> kept = new ConcurrentLinkedQueue<>();
  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

  /** Counts one request answered with {@code answer} and keeps {@code request}, unless it is {@code null}. */
  void add(String answer, R request) {
    counts.computeIfAbsent(answer, k -> new LongAdder()).increment();
    if (request != null) {
      kept.add(request);
    }
  }

  /** The kept requests so far, in arrival order. */
  List<R> kept() {
    return List.copyOf(kept);
  }

  /** How many requests were answered with {@code answer}. */
  long answered(String answer) {
    LongAdder n = counts.get(answer);
    return n == null ? 0 : n.sum();
  }
}
