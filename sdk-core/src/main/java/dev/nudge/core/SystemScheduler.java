package dev.nudge.core;

import dev.nudge.spi.ClockScheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

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
  private final Set<Handle> waiting = ConcurrentHashMap.newKeySet();

  SystemScheduler(Clock clock) {
    this.clock = clock;
    this.executor = new ScheduledThreadPoolExecutor(1, Scheduler.named("nudge-timer"));
    this.executor.setRemoveOnCancelPolicy(true);
  }

  @Override
  public Scheduled schedule(Instant at, Runnable task) {
    Handle h = new Handle(at, task);
    waiting.add(h);
    h.arm();
    return h;
  }

  /**
   * Stops the thread. What still waits runs now, on the caller's thread, so that nothing waiting
   * on it (a retry of a store write, a send's timeout) is left unfinished; those tasks see that
   * the engine is closing.
   */
  @Override
  public void close() {
    executor.shutdownNow();
    for (Handle h : List.copyOf(waiting)) {
      h.fire();
    }
  }

  private final class Handle implements Scheduled, Runnable {
    private final Instant at;
    private final Runnable task;
    private final AtomicBoolean done = new AtomicBoolean();
    private volatile ScheduledFuture<?> next;

    Handle(Instant at, Runnable task) {
      this.at = at;
      this.task = task;
    }

    void arm() {
      long left = Duration.between(clock.instant(), at).toMillis();
      try {
        next = executor.schedule(this, Math.max(0, Math.min(left, SLICE_MS)), TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        fire(); // closed meanwhile
      }
    }

    @Override
    public void run() {
      if (done.get()) {
        return;
      }
      if (clock.instant().isBefore(at) && !executor.isShutdown()) {
        arm();
        return;
      }
      fire();
    }

    /** Runs the task once, unless it was cancelled or already ran. */
    void fire() {
      if (done.compareAndSet(false, true)) {
        waiting.remove(this);
        task.run();
      }
    }

    @Override
    public void cancel() {
      if (done.compareAndSet(false, true)) {
        waiting.remove(this);
      }
      ScheduledFuture<?> f = next;
      if (f != null) {
        f.cancel(false);
      }
    }
  }
}
