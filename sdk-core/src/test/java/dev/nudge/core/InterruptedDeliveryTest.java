package dev.nudge.core;

import static java.time.Duration.ofDays;
import static java.time.Duration.ofHours;
import static java.time.Duration.ofMinutes;
import static java.time.Duration.ofSeconds;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nudge.Campaign;
import dev.nudge.CancelReason;
import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.Message;
import dev.nudge.Outcome;
import dev.nudge.OutcomeReport;
import dev.nudge.Platform;
import dev.nudge.StepStats;
import dev.nudge.spi.NudgeListener;
import dev.nudge.spi.SendResult;
import dev.nudge.testing.RecordingTransport;
import dev.nudge.testing.TestClock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A reminder between two delivery tries (one device accepted, another asked to be tried again)
 * that a stop event, the host, a forget or a restart ends: it was sent, so it ends {@code SENT};
 * one that reached no device ends {@code CANCELLED} and its send is forgotten.
 */
class InterruptedDeliveryTest {
  private static final Instant START = Instant.parse("2026-03-01T10:00:00Z");
  private static final Instant DUE = START.plus(ofHours(2));

  private final TestClock clock = new TestClock(START);
  private final RecordingTransport ios = RecordingTransport.ios();
  private final RecordingTransport android = RecordingTransport.android();
  private final List<OutcomeReport> outcomes = new CopyOnWriteArrayList<>();
  private final NudgeListener listener = new NudgeListener() {
    @Override
    public void onOutcome(OutcomeReport report) {
      outcomes.add(report);
    }
  };

  private static Campaign.Builder cart() {
    return Campaign.named("cart").triggeredBy("cart_add").cancelledBy("purchase").correlatedBy("cart_id")
        .goal("purchase", ofDays(1))
        .after(ofHours(2)).send(Message.of("Your cart", "{{event.item}}").build())
        .after(ofDays(1)).send(Message.of("Still there?", "{{event.item}}").build());
  }

  private static Event cartAdd(String cart) {
    return Event.named("cart_add").user("u1").property("cart_id", cart).property("item", "Socks").build();
  }

  private Nudge engine(Campaign campaign) {
    Nudge nudge = Nudge.builder().clock(clock).transport(ios).transport(android).listener(listener)
        .retryBackoff(ofMinutes(5), ofMinutes(5)).build();
    nudge.define(campaign);
    nudge.registerDevice(Device.of("u1", Platform.IOS, "phone").build());
    nudge.registerDevice(Device.of("u1", Platform.ANDROID, "tablet").build());
    return nudge;
  }

  /** Back to the start, for a test that runs its case more than once. */
  private void startOver() {
    outcomes.clear();
    ios.clear();
    android.clear();
    clock.set(START);
  }

  /** Step 0 comes due; the phone accepts and the tablet asks to be tried again later. */
  private void firstTry(Nudge nudge, boolean phoneAccepts) {
    if (!phoneAccepts) {
      ios.answerNext("phone", SendResult.retry("busy", null));
    }
    android.answerNext("tablet", SendResult.retry("busy", null));
    clock.set(DUE.plusSeconds(1));
    nudge.runDue().join();
    assertThat(ios.deliveries()).hasSize(1);
    assertThat(android.deliveries()).hasSize(1);
    assertThat(outcomes).as("between two tries: no outcome yet").isEmpty();
    clock.advance(ofSeconds(30));
  }

  /** Later tries would be due: none is made, and step 1 never comes. */
  private void noMoreTries(Nudge nudge) {
    clock.advance(ofMinutes(10));
    nudge.runDue().join();
    clock.advance(ofDays(2));
    nudge.runDue().join();
    assertThat(android.deliveries()).as("the tablet is not tried again").hasSize(1);
    assertThat(ios.deliveries()).as("no next step").hasSize(1);
  }

  private static void sentOnce(OutcomeReport o) {
    assertThat(o.outcome()).isEqualTo(Outcome.SENT);
    assertThat(o.step()).isZero();
    assertThat(o.key()).isEqualTo("c1");
    assertThat(o.devices()).isEqualTo(1);
    assertThat(o.at()).as("its first acceptance").isEqualTo(DUE.plusSeconds(1));
    assertThat(o.dueAt()).isEqualTo(DUE);
  }

  @Test
  void aStopEventAfterADeviceAcceptedEndsItSentAndTheSameEventConvertsIt() {
    try (Nudge nudge = engine(cart().build())) {
      nudge.trackAndWait(cartAdd("c1"));
      firstTry(nudge, true);

      var result = nudge.trackAndWait(Event.named("purchase").user("u1").property("cart_id", "c1").build());
      assertThat(result.cancelled()).isZero();
      assertThat(result.converted()).isEqualTo(1);
      assertThat(outcomes).singleElement().satisfies(InterruptedDeliveryTest::sentOnce);
      StepStats step0 = nudge.stats("cart").step(0);
      assertThat(step0.sent()).isEqualTo(1);
      assertThat(step0.cancelled()).isZero();
      assertThat(step0.converted()).isEqualTo(1);
      assertThat(nudge.stats("cart").step(1).scheduled()).as("a stopped sequence has no next step").isZero();
      assertThat(nudge.pending("u1")).isEmpty();
      noMoreTries(nudge);
    }
  }

  @Test
  void aStopEventBeforeAnyDeviceAcceptedCancelsItAndForgetsItsSend() {
    try (Nudge nudge = engine(cart().once().build())) {
      nudge.trackAndWait(cartAdd("c1"));
      firstTry(nudge, false);

      var result = nudge.trackAndWait(Event.named("purchase").user("u1").property("cart_id", "c1").build());
      assertThat(result.cancelled()).isEqualTo(1);
      assertThat(result.converted()).as("nothing reached the user: nothing to convert").isZero();
      assertThat(outcomes).singleElement().satisfies(o -> {
        assertThat(o.outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(o.devices()).isZero();
      });
      assertThat(nudge.stats("cart").step(0).sent()).isZero();
      assertThat(nudge.stats("cart").step(0).cancelled()).isEqualTo(1);

      // once(): the send that reached no device does not count as one
      assertThat(nudge.trackAndWait(cartAdd("c2")).scheduled()).isEqualTo(1);
    }
  }

  @Test
  void hostCancelAndForgetAfterADeviceAcceptedEndItSent() {
    for (Consumer<Nudge> end : List.<Consumer<Nudge>>of(
        n -> assertThat(n.cancel("u1", "cart", "c1")).isEqualTo(1),
        n -> assertThat(n.forgetUser("u1")).isEqualTo(1))) {
      startOver();
      try (Nudge nudge = engine(cart().build())) {
        nudge.trackAndWait(cartAdd("c1"));
        firstTry(nudge, true);

        end.accept(nudge);
        assertThat(outcomes).singleElement().satisfies(InterruptedDeliveryTest::sentOnce);
        assertThat(outcomes.get(0).reason()).isNull();
        assertThat(nudge.stats("cart").step(0).sent()).isEqualTo(1);
        assertThat(nudge.stats("cart").step(0).cancelled()).isZero();
        noMoreTries(nudge);
      }
    }
  }

  @Test
  void hostCancelBeforeAnyDeviceAcceptedIsAHostCancellation() {
    try (Nudge nudge = engine(cart().build())) {
      nudge.trackAndWait(cartAdd("c1"));
      firstTry(nudge, false);
      assertThat(nudge.cancel("u1", "cart")).isEqualTo(1);
      assertThat(outcomes).singleElement().satisfies(o -> {
        assertThat(o.outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(o.reason()).isEqualTo(CancelReason.HOST_CANCELLED);
      });
    }
  }

  @Test
  void aRestartAfterADeviceAcceptedCountsItSentAndSchedulesTheNewTrigger() {
    Campaign uncorrelated = Campaign.named("cart").triggeredBy("cart_add")
        .after(ofHours(2)).send(Message.of("Your cart", "{{event.item}}").build()).build();
    try (Nudge nudge = engine(uncorrelated)) {
      nudge.trackAndWait(cartAdd("c1"));
      firstTry(nudge, true);

      var result = nudge.trackAndWait(cartAdd("c2"));
      assertThat(result.scheduled()).isEqualTo(1);
      assertThat(result.restarted()).as("it was sent, not replaced").isZero();
      assertThat(outcomes).singleElement().satisfies(o -> {
        assertThat(o.outcome()).isEqualTo(Outcome.SENT);
        assertThat(o.devices()).isEqualTo(1);
        assertThat(o.at()).isEqualTo(DUE.plusSeconds(1));
      });
      StepStats step0 = nudge.stats("cart").step(0);
      assertThat(step0.sent()).isEqualTo(1);
      assertThat(step0.restarted()).isZero();
      assertThat(nudge.pending("u1")).singleElement()
          .satisfies(p -> assertThat(p.dueAt()).isEqualTo(clock.instant().plus(ofHours(2))));
    }
  }

  @Test
  void aRestartBeforeAnyDeviceAcceptedForgetsTheSend() {
    Campaign uncorrelated = Campaign.named("cart").triggeredBy("cart_add").goal("purchase", ofDays(1))
        .after(ofHours(2)).send(Message.of("Your cart", "{{event.item}}").build()).build();
    try (Nudge nudge = engine(uncorrelated)) {
      nudge.trackAndWait(cartAdd("c1"));
      firstTry(nudge, false);

      var result = nudge.trackAndWait(cartAdd("c2"));
      assertThat(result.restarted()).isEqualTo(1);
      assertThat(outcomes).isEmpty();
      assertThat(nudge.stats("cart").step(0).sent()).isZero();
      assertThat(nudge.trackAndWait(Event.named("purchase").user("u1").build()).converted())
          .as("the replaced send reached no device: nothing to convert").isZero();
      assertThat(nudge.stats("cart").step(0).converted()).isZero();
    }
  }

  @Test
  void anOptOutBetweenTwoTriesStopsTheTries() {
    for (boolean phoneAccepts : new boolean[] {true, false}) {
      startOver();
      try (Nudge nudge = engine(cart().build())) {
        nudge.trackAndWait(cartAdd("c1"));
        firstTry(nudge, phoneAccepts);
        nudge.optOut("u1", "marketing");
        clock.advance(ofMinutes(10));
        nudge.runDue().join();
        assertThat(android.deliveries()).as("the tablet is not tried again").hasSize(1);
        assertThat(outcomes).singleElement().satisfies(o -> {
          if (phoneAccepts) {
            sentOnce(o);
          } else {
            assertThat(o.outcome()).isEqualTo(Outcome.SUPPRESSED);
            assertThat(o.reason()).isEqualTo(dev.nudge.SuppressionReason.OPTED_OUT);
          }
        });
      }
    }
  }
}
