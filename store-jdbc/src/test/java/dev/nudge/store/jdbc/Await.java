package dev.nudge.store.jdbc;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for a condition that background threads (a started engine, a child JVM's output) bring
 * about. It does not poll: the test's own listeners, transports and readers call
 * {@link #changed()} whenever something the condition reads may have changed, and the waiter
 * checks again then. The timeout only bounds how long a broken engine can keep a test waiting.
 */
final class Await {
  private static final Object CHANGES = new Object();
  private static long version;

  private Await() {}

  /** Something a waiting condition reads may have changed: wake the waiters to check again. */
  static void changed() {
    synchronized (CHANGES) {
      version++;
      CHANGES.notifyAll();
    }
  }

  /** Waits until {@code condition} holds; fails after {@code timeout} with {@code state}'s description. */
  static void until(String what, Duration timeout, BooleanSupplier condition, Supplier<String> state) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long seen;
      synchronized (CHANGES) {
        seen = version;
      }
      if (condition.getAsBoolean()) { // checked without the lock: nobody waits for the waiter
        return;
      }
      synchronized (CHANGES) {
        while (version == seen) { // no change since the check: wait for the next one
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            fail("timed out after " + timeout.toSeconds() + " s waiting until " + what + "; " + state.get());
          }
          try {
            CHANGES.wait(Math.max(1, left / 1_000_000));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted while waiting until " + what);
          }
        }
      }
    }
  }
}
