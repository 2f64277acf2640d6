package dev.nudge.spi;

import java.time.Instant;

/**
 * Runs the engine's timed work when its clock reaches an instant: polling for due reminders,
 * lease heartbeats, and the waits between tries while the store is unreachable. Every wait the
 * engine makes is one of these, measured on its {@link java.time.Clock}.
 *
 * <p>By default the engine waits on a thread of its own for the time the clock says is left. The
 * test kit's {@code TestClock} is a scheduler too: what is due runs when a test moves the clock,
 * so tests drive time instead of waiting for it. Implementations are thread-safe.
 */
public interface ClockScheduler {
  /**
   * Runs {@code task} once, when the clock reads {@code at} or later (at once if it already does).
   * Tasks are short and never block; they may run on any thread.
   *
   * @return a handle that cancels the task if it has not run yet
   */
  Scheduled schedule(Instant at, Runnable task);

  /** A task waiting for its instant. */
  interface Scheduled {
    /** Cancels the task; no effect once it ran. */
    void cancel();
  }
}
