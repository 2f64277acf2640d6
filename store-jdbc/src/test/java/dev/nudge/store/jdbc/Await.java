package dev.nudge.store.jdbc;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for a condition that background threads (a started engine, a child JVM) bring about,
 * polling until a deadline: the tests that run on the system clock use it instead of sleeping.
 */
final class Await {
  private Await() {}

  /** Polls {@code condition} every 20 ms; fails after {@code timeout} with {@code state}'s description. */
  static void until(String what, Duration timeout, BooleanSupplier condition, Supplier<String> state) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("timed out after " + timeout.toSeconds() + " s waiting until " + what + "; " + state.get());
      }
      try {
        TimeUnit.MILLISECONDS.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted while waiting until " + what);
      }
    }
  }
}
