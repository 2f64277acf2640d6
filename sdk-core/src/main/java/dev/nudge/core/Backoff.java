package dev.nudge.core;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter for retried deliveries: attempt n waits a random time in
 * {@code [d/2, d]} where {@code d = initial * 2^(n-1)} capped at {@code max}, and never less than
 * the platform's retry-after hint. Without jitter (the simulator, whose output must repeat) it
 * waits {@code d}.
 */
record Backoff(Duration initial, Duration max, boolean jitter) {
  Backoff(Duration initial, Duration max) {
    this(initial, max, true);
  }

  Duration delay(int attempt, Duration retryAfter) {
    long initialMs = initial.toMillis();
    int shift = Math.min(Math.max(attempt - 1, 0), 30);
    long d = Math.min(max.toMillis(), initialMs << shift);
    if (d <= 0) {
      d = max.toMillis();
    }
    long jittered = jitter ? d / 2 + ThreadLocalRandom.current().nextLong(d / 2 + 1) : d;
    Duration wait = Duration.ofMillis(jittered);
    return retryAfter != null && retryAfter.compareTo(wait) > 0 ? retryAfter : wait;
  }
}
