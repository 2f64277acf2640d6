package dev.nudge.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nudge.spi.NudgeListener;
import dev.nudge.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class StoreOutageTest {
  private final TestClock clock = new TestClock(Instant.parse("2026-12-02T10:00:00Z"));
  private final List<String> errors = new CopyOnWriteArrayList<>();
  private final StoreOutage outage = new StoreOutage(clock, new Listeners(List.of(new NudgeListener() {
    @Override
    public void onError(String context, Throwable error) {
      errors.add(context);
    }
  }), Runnable::run));

  @Test
  void aLateAnswerOfACallFromDuringTheOutageNeitherEndsNorRestartsIt() {
    long before = outage.ticket();
    outage.failed("storing the outcome of a reminder", new IllegalStateException("down"), before);
    assertThat(outage.ongoing()).isTrue();

    long during = outage.ticket();
    outage.succeeded(before); // a call from before the outage that got through: not a sign of the store now
    assertThat(outage.ongoing()).isTrue();

    long duringToo = outage.ticket();
    clock.advance(Duration.ofSeconds(30));
    outage.succeeded(during); // started during the outage and got through: the store is back
    assertThat(outage.ongoing()).isFalse();

    // Its neighbour failed while the store was down, and its answer comes only now.
    outage.failed("storing the outcome of a reminder", new IllegalStateException("down"), duringToo);
    assertThat(outage.ongoing()).isFalse();
    assertThat(outage.lateFailures()).isEqualTo(1);
    assertThat(errors).hasSize(1);

    // A call that starts after the end and fails is a new outage.
    outage.failed("looking for due reminders", new IllegalStateException("down again"), outage.ticket());
    assertThat(outage.ongoing()).isTrue();
    assertThat(outage.outages()).isEqualTo(2);
    assertThat(errors).hasSize(2);
  }
}
