package dev.nudge.testing;

import dev.nudge.spi.ClockScheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A clock that stands still until a test moves it, and the scheduler of an engine built on it:
 * an engine's timed work (polling, lease heartbeats, waits through a store outage) runs when the
 * test moves the clock to or past its instant, on the thread that moved it, in time order, with
 * the clock standing at each task's instant while it runs. So a test advances the clock instead
 * of sleeping; moving it an hour runs an hour of polls and heartbeats. A task that throws does
 * not keep the others from running; the move then throws its exception. Thread-safe; several
 * engines may share one.
 */
public final class TestClock extends Clock implements ClockScheduler {
  private volatile Instant now;
  private final PriorityQueue<Task> tasks = new PriorityQueue<>();
  private long sequence;
  /** One mover runs tasks at a time, so they run in order; a task may schedule more (reentrant). */
  private final ReentrantLock runner = new ReentrantLock();
  /** A task's failure while running due tasks for {@link #schedule}, thrown by the next move. */
  private RuntimeException pendingFailure; // guarded by runner

  /** A clock showing {@code start}. */
  public TestClock(Instant start) {
    this.now = Objects.requireNonNull(start, "start");
  }

  /** A clock showing an ISO-8601 instant such as {@code 2026-03-01T10:00:00Z}. */
  public static TestClock at(String instant) {
    return new TestClock(Instant.parse(instant));
  }

  /**
   * Moves the clock to {@code instant} (it may go backwards; the engine tolerates that). Moving
   * forward runs the scheduled tasks due on the way, each with the clock at its own instant.
   */
  public void set(Instant instant) {
    Objects.requireNonNull(instant, "instant");
    runner.lock();
    try {
      moveTo(instant, !instant.isBefore(now));
    } finally {
      runner.unlock();
    }
  }

  /**
   * Moves the clock forward by {@code duration}, running the scheduled tasks due on the way, each
   * with the clock at its own instant, in time order.
   */
  public Instant advance(Duration duration) {
    Objects.requireNonNull(duration, "duration");
    runner.lock(); // read "now" and move from it as one: no other mover in between
    try {
      Instant target = now.plus(duration);
      moveTo(target, true);
      return now;
    } finally {
      runner.unlock();
    }
  }

  /** Runs the tasks due up to {@code target}, then stands at it; the caller holds the runner. */
  private void moveTo(Instant target, boolean forward) {
    RuntimeException failure = pendingFailure;
    pendingFailure = null;
    while (true) {
      Task next;
      synchronized (this) {
        next = tasks.peek();
        if (next == null || next.at.isAfter(target)) {
          // Never back behind where a task moved it (a move started from inside a task).
          now = forward && now.isAfter(target) ? now : target;
          break;
        }
        tasks.poll();
        if (next.at.isAfter(now)) {
          now = next.at;
        }
      }
      failure = run(next, failure);
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** Runs one task; a failure is kept for the mover and does not stop the tasks after it. */
  private static RuntimeException run(Task task, RuntimeException failure) {
    try {
      task.run.run();
    } catch (RuntimeException e) {
      if (failure == null) {
        return e;
      }
      failure.addSuppressed(e);
    }
    return failure;
  }

  /** Tasks scheduled and not yet run, for tests that check what an engine waits for. */
  public synchronized int scheduledTasks() {
    return tasks.size();
  }

  /** The earliest instant a scheduled task waits for, or {@code null}. */
  public synchronized Instant nextTaskAt() {
    Task t = tasks.peek();
    return t == null ? null : t.at;
  }

  @Override
  public Scheduled schedule(Instant at, Runnable task) {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(task, "task");
    Task t;
    synchronized (this) {
      t = new Task(at, sequence++, task);
      tasks.add(t);
    }
    if (!at.isAfter(now)) {
      runDue();
    }
    return () -> {
      synchronized (TestClock.this) {
        tasks.remove(t);
      }
    };
  }

  /**
   * Runs every task due at the current instant, for a task scheduled at or before it. A failure
   * of one of them is kept for the next move of the clock rather than thrown at the scheduler.
   */
  private void runDue() {
    runner.lock();
    try {
      moveTo(now, true);
    } catch (RuntimeException e) {
      pendingFailure = e;
    } finally {
      runner.unlock();
    }
  }

  @Override
  public Instant instant() {
    return now;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("TestClock is always UTC");
  }

  @Override
  public String toString() {
    return "TestClock[" + now + "]";
  }

  private record Task(Instant at, long seq, Runnable run) implements Comparable<Task> {
    @Override
    public int compareTo(Task o) {
      int c = at.compareTo(o.at);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }
}
