package dev.nudge.transport.apns;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class StreamLimitTest {
  @Test
  void requestsOverTheLimitWaitAndStartInOrderAsAnswersArrive() {
    StreamLimit limit = new StreamLimit(2);
    List<Integer> started = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      int n = i;
      limit.submit(() -> started.add(n));
    }
    assertThat(started).containsExactly(0, 1);
    assertThat(limit.outstanding()).isEqualTo(2);
    assertThat(limit.waiting()).isEqualTo(3);
    limit.release();
    assertThat(started).containsExactly(0, 1, 2);
    limit.release();
    limit.release();
    assertThat(started).containsExactly(0, 1, 2, 3, 4);
    limit.release();
    limit.release();
    assertThat(limit.outstanding()).isZero();
    assertThat(limit.waiting()).isZero();
  }

  @Test
  void answersThatArriveAtOnceDoNotRecurse() {
    StreamLimit limit = new StreamLimit(1);
    AtomicInteger depth = new AtomicInteger();
    AtomicInteger deepest = new AtomicInteger();
    AtomicInteger ran = new AtomicInteger();
    ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    for (int i = 0; i < 100_000; i++) {
      tasks.add(() -> {
        deepest.accumulateAndGet(depth.incrementAndGet(), Math::max);
        ran.incrementAndGet();
        limit.release(); // answered inside the call, as a closed client does
        depth.decrementAndGet();
      });
    }
    tasks.forEach(limit::submit);
    assertThat(ran.get()).isEqualTo(100_000);
    assertThat(deepest.get()).isEqualTo(1);
    assertThat(limit.outstanding()).isZero();
  }

  @Test
  void aTaskThatThrowsAnErrorFreesItsSlotAndTheOthersStillStart() {
    StreamLimit limit = new StreamLimit(1);
    List<Integer> started = new ArrayList<>();
    limit.submit(() -> {
      throw new AssertionError("a broken task");
    });
    limit.submit(() -> started.add(1));
    assertThat(started).containsExactly(1);
    assertThat(limit.outstanding()).isEqualTo(1);
  }
}
