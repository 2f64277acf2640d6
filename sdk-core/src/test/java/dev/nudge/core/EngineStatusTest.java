package dev.nudge.core;

import static java.time.Duration.ofHours;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nudge.Campaign;
import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.Message;
import dev.nudge.Platform;
import dev.nudge.TrackResult;
import dev.nudge.spi.Counter;
import dev.nudge.spi.DeliveryReport;
import dev.nudge.spi.DueReminders;
import dev.nudge.spi.EngineStatus;
import dev.nudge.spi.NudgeListener;
import dev.nudge.spi.SendResult;
import dev.nudge.store.memory.InMemoryStore;
import dev.nudge.testing.HeldAnswersTransport;
import dev.nudge.testing.RecordingTransport;
import dev.nudge.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What the engine tells a metrics binder: the status a listener is given at build, and how long
 * each delivery took on the engine's clock.
 */
class EngineStatusTest {
  private static final Instant START = Instant.parse("2026-03-01T10:00:00Z");
  private static final Campaign CART = Campaign.named("cart").triggeredBy("cart_add").cancelledBy("purchase")
      .after(ofHours(2)).send(Message.of("Still thinking?", "{{event.item_name}} is waiting").build()).build();

  private final TestClock clock = new TestClock(START);

  /** Keeps the status it is given and every delivery report. */
  private static final class Watcher implements NudgeListener {
    final List<EngineStatus> bound = new CopyOnWriteArrayList<>();
    final List<DeliveryReport> deliveries = new CopyOnWriteArrayList<>();

    @Override
    public void onBind(EngineStatus engine) {
      bound.add(engine);
    }

    @Override
    public void onDelivery(DeliveryReport report) {
      deliveries.add(report);
    }
  }

  @Test
  void aDeliveryReportSaysHowLongTheTransportTookOnTheEnginesClock() throws Exception {
    Watcher watcher = new Watcher();
    HeldAnswersTransport apns = new HeldAnswersTransport(Platform.IOS);
    try (Nudge nudge = Nudge.builder().clock(clock).transport(apns).listener(watcher).build()) {
      nudge.define(CART);
      nudge.registerDevice(Device.of("u1", Platform.IOS, "token-1").build());
      nudge.trackAndWait(Event.named("cart_add").user("u1").property("item_name", "Yoga mat").build());
      clock.advance(ofHours(2).plusSeconds(1));

      CompletableFuture<Integer> run = nudge.runDue();
      CompletableFuture<SendResult> answer = apns.next(10);
      assertThat(answer).as("the notification reached the transport").isNotNull();
      clock.advance(Duration.ofMillis(1_250));
      answer.complete(SendResult.accepted("apns-1"));
      run.join();

      assertThat(watcher.deliveries).singleElement().satisfies(d -> {
        assertThat(d.result()).isInstanceOf(SendResult.Accepted.class);
        assertThat(d.latency()).isEqualTo(Duration.ofMillis(1_250));
      });
    }
  }

  @Test
  void anAnswerGivenAtOnceTookNoTimeOnATestClock() {
    Watcher watcher = new Watcher();
    RecordingTransport android = RecordingTransport.android();
    try (Nudge nudge = Nudge.builder().clock(clock).transport(android).listener(watcher).build()) {
      nudge.define(CART);
      nudge.registerDevice(Device.of("u1", Platform.ANDROID, "token-1").build());
      nudge.registerDevice(Device.of("u1", Platform.IOS, "token-2").build()); // no iOS transport
      nudge.trackAndWait(Event.named("cart_add").user("u1").property("item_name", "Yoga mat").build());
      clock.advance(ofHours(2).plusSeconds(1));
      nudge.runDue().join();

      assertThat(watcher.deliveries).hasSize(2).allSatisfy(d -> assertThat(d.latency()).isZero());
      assertThat(watcher.deliveries).extracting(d -> d.result().getClass().getSimpleName())
          .containsExactlyInAnyOrder("Accepted", "Rejected");
    }
  }

  @Test
  void theStatusGivenAtBuildShowsPendingHeldAndDueRemindersAsTheyMove() {
    InMemoryStore shared = new InMemoryStore(clock, Duration.ofDays(7));
    Watcher watcher = new Watcher();
    Campaign promo = Campaign.named("promo").triggeredBy("visit").after(ofHours(1))
        .send(Message.of("Hello", "Come back").build()).build();
    try (Nudge other = Nudge.builder().clock(clock).store(shared).transport(RecordingTransport.ios()).build();
         Nudge nudge = Nudge.builder().clock(clock).store(shared).transport(RecordingTransport.ios())
             .listener(watcher).build()) {
      assertThat(watcher.bound).as("given once, at build").hasSize(1);
      EngineStatus status = watcher.bound.get(0);
      assertThat(status.clock()).isSameAs(clock);
      assertThat(status.pendingReminders()).isZero();
      assertThat(status.dueReminders()).contains(DueReminders.NONE);

      nudge.define(CART);
      other.define(promo); // this engine does not define it: its reminders are held here
      nudge.trackAndWait(Event.named("cart_add").user("u1").property("item_name", "Yoga mat").build());
      other.trackAndWait(Event.named("visit").user("u2").build());
      assertThat(status.campaigns()).extracting(Campaign::id).containsExactly("cart");
      assertThat(status.pendingReminders()).isEqualTo(2);
      assertThat(status.heldReminders()).isEqualTo(1);
      assertThat(status.dueReminders()).contains(DueReminders.NONE);

      clock.advance(ofHours(2).plusSeconds(5));
      DueReminders due = status.dueReminders().orElseThrow();
      assertThat(due.count()).isEqualTo(2);
      assertThat(due.earliestFireAt()).isEqualTo(START.plus(ofHours(1)));
      assertThat(due.oldestLag(clock.instant())).isEqualTo(ofHours(1).plusSeconds(5));

      nudge.runDue().join(); // sends the cart reminder (no device: suppressed), leaves the held one
      assertThat(status.dueReminders()).contains(new DueReminders(1, START.plus(ofHours(1))));
      assertThat(status.pendingReminders()).isEqualTo(1);
      assertThat(status.counters()).contains(new Counter("cart", 0, Counter.TRIGGERED, 1));

      other.runDue().join();
      assertThat(status.dueReminders()).contains(DueReminders.NONE);
      assertThat(status.heldReminders()).isZero();
    }
  }

  @Test
  void aStopEventDoesNotWaitForAListenerThatOnlyWatchesDeliveries() throws Exception {
    CountDownLatch inDelivery = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    NudgeListener deliveriesOnly = new NudgeListener() {
      @Override
      public void onDelivery(DeliveryReport report) {
        inDelivery.countDown();
        try {
          release.await(30, TimeUnit.SECONDS); // holds the listener thread
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
    try (Nudge nudge = Nudge.builder().clock(clock).transport(RecordingTransport.ios()).listener(deliveriesOnly)
        .build()) {
      nudge.define(CART);
      nudge.registerDevice(Device.of("u1", Platform.IOS, "token-1").build());
      nudge.trackAndWait(Event.named("cart_add").user("u1").property("item_name", "Yoga mat").build());
      nudge.trackAndWait(Event.named("cart_add").user("u2").property("item_name", "Tent").build());
      clock.set(START.plus(ofHours(2)).plusSeconds(1));
      nudge.trackAndWait(Event.named("cart_add").user("u3").property("item_name", "Rope").build()); // due later
      CompletableFuture<Integer> run = nudge.runDue();
      assertThat(inDelivery.await(10, TimeUnit.SECONDS)).as("the delivery reached the listener").isTrue();

      // The listener thread is busy; the stop event's CANCELLED outcome has no listener to reach.
      TrackResult stopped = nudge.track(Event.named("purchase").user("u3").build()).get(10, TimeUnit.SECONDS);
      assertThat(stopped.cancelled()).isEqualTo(1);
      release.countDown();
      run.join();
    } finally {
      release.countDown();
    }
  }

  @Test
  void aListenerThatCannotBindFailsTheBuild() {
    NudgeListener broken = new NudgeListener() {
      @Override
      public void onBind(EngineStatus engine) {
        throw new IllegalStateException("this binder is already bound to another engine");
      }
    };
    assertThatThrownBy(() -> Nudge.builder().clock(clock).transport(RecordingTransport.ios()).listener(broken).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("already bound");
  }
}
