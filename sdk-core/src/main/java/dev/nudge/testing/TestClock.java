package dev.nudge.testing;

import dev.nudge.spi.ClockScheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;

/**
 * A clock that stands still until a test moves it, and the scheduler of an engine built on it:
 * an engine's timed work (polling, lease heartbeats, waits through a store outage) runs when the
 * test moves the clock to or past its instant, on the thread that moved it, in time order. So a
 * test advances the clock instead of sleeping. Thread-safe; several engines may share one.
 */
public final class TestClock extends Clock implements ClockScheduler {
  private volatile Instant now;
  private final PriorityQueue<Task> tasks = new PriorityQueue<>();
  private long sequence;

  /** A clock showing {@code start}. */
  public TestClock(Instant start) {
    this.now = Objects.requireNonNull(start, "start");
  }

  /** A clock showing an ISO-8601 instant such as {@code 2026-03-01T10:00:00Z}. */
  public static TestClock at(String instant) {
    return new TestClock(Instant.parse(instant));
  }

  /**
   * Moves the clock to {@code instant} (it may go backwards; the engine tolerates that) and runs
   * the scheduled tasks now due.
   */
  public void set(Instant instant) {
    synchronized (this) {
      this.now = Objects.requireNonNull(instant, "instant");
    }
    runDue();
  }

  /** Moves the clock forward by {@code duration} and runs the scheduled tasks now due. */
  public Instant advance(Duration duration) {
    Instant after;
    synchronized (this) {
      now = now.plus(duration);
      after = now;
    }
    runDue();
    return after;
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

  /** Runs every task due at the current instant, including tasks they schedule for it. */
  private void runDue() {
    while (true) {
      List<Task> due = new ArrayList<>();
      synchronized (this) {
        while (!tasks.isEmpty() && !tasks.peek().at.isAfter(now)) {
          due.add(tasks.poll());
        }
      }
      if (due.isEmpty()) {
        return;
      }
      for (Task t : due) {
        t.run.run();
      }
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
