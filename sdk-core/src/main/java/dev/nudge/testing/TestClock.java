package dev.nudge.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;

/** A clock that stands still until a test moves it. Thread-safe. */
public final class TestClock extends Clock {
  private volatile Instant now;

  /** A clock showing {@code start}. */
  public TestClock(Instant start) {
    this.now = Objects.requireNonNull(start, "start");
  }

  /** A clock showing an ISO-8601 instant such as {@code 2026-03-01T10:00:00Z}. */
  public static TestClock at(String instant) {
    return new TestClock(Instant.parse(instant));
  }

  /** Moves the clock to {@code instant} (it may go backwards; the engine tolerates that). */
  public void set(Instant instant) {
    this.now = Objects.requireNonNull(instant, "instant");
  }

  /** Moves the clock forward by {@code duration}. */
  public synchronized Instant advance(Duration duration) {
    now = now.plus(duration);
    return now;
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
}
