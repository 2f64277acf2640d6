package dev.nudge.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nudge.spi.ClockScheduler;
import dev.nudge.testing.TestClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The engine's waits on its clock: the test kit's clock and the default scheduler. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ClockSchedulerTest {
  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  @Test
  void aTestClockRunsWhatIsDueWhenItIsMovedInTimeOrder() {
    TestClock clock = new TestClock(T0);
    List<String> ran = new CopyOnWriteArrayList<>();
    clock.schedule(T0.plusSeconds(20), () -> ran.add("b@" + clock.instant()));
    clock.schedule(T0.plusSeconds(10), () -> ran.add("a@" + clock.instant()));
    ClockScheduler.Scheduled cancelled = clock.schedule(T0.plusSeconds(15), () -> ran.add("cancelled"));
    clock.schedule(T0, () -> ran.add("now"));
    assertThat(ran).containsExactly("now");

    cancelled.cancel();
    clock.advance(Duration.ofSeconds(9));
    assertThat(ran).containsExactly("now");
    clock.advance(Duration.ofSeconds(30));
    assertThat(ran).as("each with the clock at its own instant")
        .containsExactly("now", "a@2026-03-01T10:00:10Z", "b@2026-03-01T10:00:20Z");
    assertThat(clock.instant()).isEqualTo(T0.plusSeconds(39));
    assertThat(clock.scheduledTasks()).isZero();
  }

  @Test
  void aTaskThatThrowsDoesNotKeepTheOthersFromRunning() {
    TestClock clock = new TestClock(T0);
    List<String> ran = new CopyOnWriteArrayList<>();
    clock.schedule(T0.plusSeconds(1), () -> {
      throw new IllegalStateException("boom");
    });
    clock.schedule(T0.plusSeconds(2), () -> ran.add("after"));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> clock.advance(Duration.ofSeconds(5)))
        .isInstanceOf(IllegalStateException.class).hasMessage("boom");
    assertThat(ran).containsExactly("after");
    assertThat(clock.instant()).isEqualTo(T0.plusSeconds(5));
  }

  @Test
  void aTaskThatSchedulesAnotherForTheSameInstantRunsInTheSameMove() {
    TestClock clock = new TestClock(T0);
    List<String> ran = new CopyOnWriteArrayList<>();
    clock.schedule(T0.plusSeconds(1), () -> {
      ran.add("first");
      clock.schedule(clock.instant(), () -> ran.add("second"));
      clock.schedule(clock.instant().plusSeconds(1), () -> ran.add("later"));
    });
    clock.advance(Duration.ofSeconds(1));
    assertThat(ran).containsExactly("first", "second");
    assertThat(clock.nextTaskAt()).isEqualTo(T0.plusSeconds(2));
  }

  @Test
  void theDefaultSchedulerFollowsAClockThatJumps() throws Exception {
    MovableClock clock = new MovableClock(T0);
    try (SystemScheduler scheduler = new SystemScheduler(clock)) {
      CountDownLatch ran = new CountDownLatch(1);
      scheduler.schedule(T0.plus(Duration.ofHours(1)), ran::countDown);
      assertThat(ran.await(50, TimeUnit.MILLISECONDS)).as("an hour early").isFalse();
      clock.now = T0.plus(Duration.ofHours(1)); // e.g. an offset clock moved by the host
      assertThat(ran.await(5, TimeUnit.SECONDS)).as("run within a slice of the jump").isTrue();

      CountDownLatch past = new CountDownLatch(1);
      scheduler.schedule(T0, past::countDown);
      assertThat(past.await(5, TimeUnit.SECONDS)).as("an instant already past runs at once").isTrue();
    }
  }

  private static final class MovableClock extends Clock {
    volatile Instant now;

    MovableClock(Instant now) {
      this.now = now;
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
      return this;
    }
  }
}
