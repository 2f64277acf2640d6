package dev.nudge.core;

import static java.time.Duration.ofHours;
import static java.time.Duration.ofMinutes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nudge.Campaign;
import dev.nudge.CancelReason;
import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.Message;
import dev.nudge.Outcome;
import dev.nudge.OutcomeReport;
import dev.nudge.PendingReminder;
import dev.nudge.Platform;
import dev.nudge.spi.NudgeListener;
import dev.nudge.spi.RenderedNotification;
import dev.nudge.spi.SendResult;
import dev.nudge.spi.Transport;
import dev.nudge.store.memory.InMemoryStore;
import dev.nudge.testing.RecordingTransport;
import dev.nudge.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A user's pending reminders, listed and cancelled by the host. */
class PendingAndCancelTest {
  private static final Instant START = Instant.parse("2026-03-01T10:00:00Z");

  private final TestClock clock = new TestClock(START);
  private final RecordingTransport ios = RecordingTransport.ios();
  private final List<OutcomeReport> outcomes = new CopyOnWriteArrayList<>();
  private final NudgeListener listener = new NudgeListener() {
    @Override
    public void onOutcome(OutcomeReport report) {
      outcomes.add(report);
    }
  };

  private static Campaign cart() {
    return Campaign.named("cart").triggeredBy("cart_add").cancelledBy("purchase").correlatedBy("cart_id")
        .after(ofHours(2)).send(Message.of("Your cart", "{{event.item}}").build()).build();
  }

  private static Campaign welcome() {
    return Campaign.named("welcome").triggeredBy("signup").after(ofMinutes(30))
        .send(Message.of("Welcome", "Glad you are here").build()).build();
  }

  private static Event cartAdd(String user, String cart) {
    return Event.named("cart_add").user(user).property("cart_id", cart).property("item", "Socks").build();
  }

  @Test
  void pendingListsAUsersRemindersInDueOrderAndCancelEndsThemForOneKeyOrAll() {
    try (Nudge nudge = Nudge.builder().clock(clock).transport(ios).listener(listener).build()) {
      nudge.define(cart());
      nudge.define(welcome());
      nudge.registerDevice(Device.of("u1", Platform.IOS, "t1").build());
      nudge.trackAndWait(Event.named("signup").user("u1").build());
      nudge.trackAndWait(cartAdd("u1", "c1"));
      clock.advance(ofMinutes(1));
      nudge.trackAndWait(cartAdd("u1", "c2"));
      nudge.trackAndWait(cartAdd("u2", "c9"));

      assertThat(nudge.pending("u1")).containsExactly(
          new PendingReminder("welcome", 0, "u1", "", START.plus(ofMinutes(30)), START.plus(ofMinutes(30)), false, false),
          new PendingReminder("cart", 0, "u1", "c1", START.plus(ofHours(2)), START.plus(ofHours(2)), false, false),
          new PendingReminder("cart", 0, "u1", "c2", START.plus(ofHours(2)).plus(ofMinutes(1)),
              START.plus(ofHours(2)).plus(ofMinutes(1)), false, false));
      assertThat(nudge.pending("nobody")).isEmpty();

      assertThat(nudge.cancel("u1", "cart", "c1")).isEqualTo(1);
      assertThat(nudge.cancel("u1", "cart", "c1")).as("already gone").isZero();
      assertThat(nudge.cancel("u1", "cart", "no-such-cart")).isZero();
      assertThat(outcomes).singleElement().satisfies(o -> {
        assertThat(o.outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(o.reason()).isEqualTo(CancelReason.HOST_CANCELLED);
        assertThat(o.key()).isEqualTo("c1");
        assertThat(o.at()).isEqualTo(START.plus(ofMinutes(1)));
      });
      assertThat(nudge.pending("u1")).extracting(PendingReminder::key).containsExactly("", "c2");

      assertThat(nudge.cancel("u1", "cart")).isEqualTo(1);
      assertThat(nudge.pending("u1")).extracting(PendingReminder::campaignId).containsExactly("welcome");
      assertThat(nudge.pending("u2")).as("other users keep theirs").hasSize(1);
      assertThat(nudge.stats("cart").step(0).cancelled()).isEqualTo(2);

      clock.advance(ofHours(3));
      nudge.runDue().join();
      assertThat(ios.deliveries()).as("only the welcome push went out to u1").singleElement()
          .satisfies(d -> assertThat(d.notification().title()).isEqualTo("Welcome"));
    }
  }

  @Test
  void aReminderOfACampaignThisEngineDoesNotDefineIsListedAsHeld() {
    InMemoryStore store = new InMemoryStore(clock, Duration.ofDays(7));
    try (Nudge first = Nudge.builder().clock(clock).transport(ios).store(store).build()) {
      first.define(cart());
      first.trackAndWait(cartAdd("u1", "c1"));
    }
    try (Nudge restarted = Nudge.builder().clock(clock).transport(ios).store(store).build()) {
      assertThat(restarted.pending("u1")).singleElement().satisfies(p -> {
        assertThat(p.held()).isTrue();
        assertThat(p.sending()).isFalse();
      });
      restarted.define(cart());
      assertThat(restarted.pending("u1")).singleElement().satisfies(p -> assertThat(p.held()).isFalse());
    }
  }

  @Test
  void aReminderBeingSentIsListedAsSendingAndIsNotCancelled() {
    CompletableFuture<Void> called = new CompletableFuture<>();
    CompletableFuture<SendResult> answer = new CompletableFuture<>();
    Transport slow = new Transport() {
      @Override
      public Platform platform() {
        return Platform.IOS;
      }

      @Override
      public CompletableFuture<SendResult> send(Device device, RenderedNotification notification) {
        called.complete(null);
        return answer;
      }
    };
    try (Nudge nudge = Nudge.builder().clock(clock).transport(slow).listener(listener).build()) {
      nudge.define(cart());
      nudge.registerDevice(Device.of("u1", Platform.IOS, "t1").build());
      nudge.trackAndWait(cartAdd("u1", "c1"));
      clock.advance(ofHours(2).plusSeconds(1));
      CompletableFuture<Integer> run = nudge.runDue();
      called.orTimeout(30, TimeUnit.SECONDS).join(); // a wait for the engine's own thread, not a sleep

      assertThat(nudge.pending("u1")).singleElement().satisfies(p -> assertThat(p.sending()).isTrue());
      assertThat(nudge.cancel("u1", "cart")).as("the sending instance decides").isZero();

      answer.complete(SendResult.accepted("apns-1"));
      assertThat(run.join()).isEqualTo(1);
      assertThat(nudge.pending("u1")).isEmpty();
      assertThat(outcomes).extracting(OutcomeReport::outcome).containsExactly(Outcome.SENT);
    }
  }

  @Test
  void badArgumentsAreRefusedWithTheFieldNamed() {
    try (Nudge nudge = Nudge.builder().clock(clock).transport(ios).build()) {
      assertThatThrownBy(() -> nudge.pending(" ")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("userId is blank");
      assertThatThrownBy(() -> nudge.cancel("u1", null)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("campaignId is required");
      assertThatThrownBy(() -> nudge.cancel("u1", "cart", null)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("key is required");
    }
  }
}
