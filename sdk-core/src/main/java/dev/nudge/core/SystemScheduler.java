package dev.nudge.core;

import dev.nudge.spi.ClockScheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The default {@link ClockScheduler}: one named daemon thread that waits for the time the clock
 * says is left before each task. A wait is cut into pieces of at most a second, so a clock that
 * jumps (it is not the system clock) is followed within a second. Thread-safe; {@link #close()}
 * stops the thread.
 */
final class SystemScheduler implements ClockScheduler, AutoCloseable {
  private static final long SLICE_MS = 1_000;

  private final Clock clock;
  private final ScheduledThreadPoolExecutor executor;

  SystemScheduler(Clock clock) {
    this.clock = clock;
    this.executor = new ScheduledThreadPoolExecutor(1, Scheduler.named("nudge-timer"));
    this.executor.setRemoveOnCancelPolicy(true);
  }

  @Override
  public Scheduled schedule(Instant at, Runnable task) {
    Handle h = new Handle(at, task);
    h.arm();
    return h;
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }

  private final class Handle implements Scheduled, Runnable {
    private final Instant at;
    private final Runnable task;
    private volatile boolean cancelled;
    private volatile ScheduledFuture<?> next;

    Handle(Instant at, Runnable task) {
      this.at = at;
      this.task = task;
    }

    void arm() {
      long left = Duration.between(clock.instant(), at).toMillis();
      if (executor.isShutdown()) {
        return;
      }
      next = executor.schedule(this, Math.max(0, Math.min(left, SLICE_MS)), TimeUnit.MILLISECONDS);
    }

    @Override
    public void run() {
      if (cancelled) {
        return;
      }
      if (clock.instant().isBefore(at)) {
        arm();
        return;
      }
      task.run();
    }

    @Override
    public void cancel() {
      cancelled = true;
      ScheduledFuture<?> f = next;
      if (f != null) {
        f.cancel(false);
      }
    }
  }
}
