package dev.nudge.store.jdbc;

import java.time.Instant;

/**
 * Instants as the store keeps them: microseconds since the epoch in a {@code BIGINT}, the same on
 * every database, free of time-zone handling, and ordered as the instants are. Finer digits are
 * truncated (towards the past).
 */
final class EpochMicros {
  private EpochMicros() {}

  static long of(Instant t) {
    try {
      return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("instant " + t + " is outside what the store keeps (about "
          + "290,000 years either side of 1970)", e);
    }
  }

  static Instant toInstant(long micros) {
    return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
  }
}
