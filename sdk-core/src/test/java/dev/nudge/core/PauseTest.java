package dev.nudge.core;

import static java.time.Duration.ofHours;
import static java.time.Duration.ofMinutes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nudge.Campaign;
import dev.nudge.DeliveryPolicy;
import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.Message;
import dev.nudge.Outcome;
import dev.nudge.OutcomeReport;
import dev.nudge.Platform;
import dev.nudge.spi.NudgeListener;
import dev.nudge.store.memory.InMemoryStore;
import dev.nudge.testing.RecordingTransport;
import dev.nudge.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** Pausing a campaign holds its reminders; resuming sends what is within expiry and expires the rest. */
class PauseTest {
  private static final Instant START = Instant.parse("2026-03-01T10:00:00Z");

  private final TestClock clock = new TestClock(START);
  private final RecordingTransport ios = RecordingTransport.ios();
  private final List<OutcomeReport> outcomes = new CopyOnWriteArrayList<>();

  private Nudge engine(InMemoryStore store) {
    Nudge nudge = Nudge.builder().clock(clock).transport(ios).store(store).listener(new NudgeListener() {
      @Override
      public void onOutcome(OutcomeReport report) {
        outcomes.add(report);
      }
    }).build();
    nudge.define(Campaign.named("cart").triggeredBy("cart_add").correlatedBy("cart_id").after(ofHours(2))
        .send(Message.of("Your cart", "{{event.cart_id}}").build())
        .policy(DeliveryPolicy.builder().expireAfter(ofHours(1)).build()).build());
    nudge.define(Campaign.named("welcome").triggeredBy("signup").after(ofMinutes(10))
        .send(Message.of("Welcome", "Hi").build()).build());
    return nudge;
  }

  @Test
  void aPausedCampaignIsNotSentButStillScheduledAndResumeSendsWhatIsWithinExpiry() {
    InMemoryStore store = new InMemoryStore(clock, Duration.ofDays(7));
    try (Nudge nudge = engine(store)) {
      nudge.registerDevice(Device.of("u1", Platform.IOS, "t1").build());
      nudge.trackAndWait(Event.named("cart_add").user("u1").property("cart_id", "early").build());
      nudge.pause("cart");
      nudge.pause("cart");
      assertThat(nudge.pausedCampaigns()).containsExactly("cart");

      clock.advance(ofMinutes(30));
      nudge.trackAndWait(Event.named("cart_add").user("u1").property("cart_id", "late").build());
      nudge.trackAndWait(Event.named("signup").user("u1").build());
      assertThat(nudge.pending("u1")).as("new triggers are still scheduled").hasSize(3);

      clock.advance(ofHours(2).plusMinutes(45)); // 13:15: early (due 12:00) expired at 13:00, late (12:30) not yet
      nudge.runDue().join();
      assertThat(ios.deliveries()).extracting(d -> d.notification().title()).containsExactly("Welcome");
      assertThat(nudge.pending("u1")).extracting(p -> p.key()).containsExactly("early", "late");
    }
    try (Nudge restarted = engine(store)) {
      assertThat(restarted.pausedCampaigns()).as("kept by the store").containsExactly("cart");
      restarted.runDue().join();
      assertThat(ios.deliveries()).hasSize(1);

      restarted.resume("cart");
      assertThat(restarted.pausedCampaigns()).isEmpty();
      restarted.runDue().join();
      assertThat(outcomes).filteredOn(o -> o.campaignId().equals("cart"))
          .extracting(OutcomeReport::key, OutcomeReport::outcome)
          .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("early", Outcome.EXPIRED),
              org.assertj.core.groups.Tuple.tuple("late", Outcome.SENT));
      assertThat(ios.deliveries()).extracting(d -> d.notification().body()).containsExactly("Hi", "late");
    }
  }

  @Test
  void onlyADefinedCampaignIsPausedOrResumed() {
    try (Nudge nudge = engine(new InMemoryStore(clock, Duration.ofDays(7)))) {
      assertThatThrownBy(() -> nudge.pause("carts")).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("cannot pause campaign 'carts': it is not defined; defined campaigns: [cart, welcome]");
      assertThatThrownBy(() -> nudge.resume(null)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("campaignId is required");
    }
  }

  @Test
  void aRedefinitionIsDescribedInOneLine() {
    Campaign one = Campaign.named("cart").triggeredBy("cart_add").after(ofHours(2))
        .send(Message.of("Your cart", "is waiting").build()).build();
    Campaign three = one.toBuilder().after(ofHours(24)).send(Message.of("Still there", "?").build())
        .after(ofHours(48)).send(Message.of("Last call", "!").build()).build();
    assertThat(Nudge.describeRedefinition(one, three)).isEqualTo("campaign 'cart' redefined: steps 1 -> 3 (steps 1-2 added)");
    assertThat(Nudge.describeRedefinition(three, one))
        .isEqualTo("campaign 'cart' redefined: steps 3 -> 1 (steps 1-2 removed: their pending reminders end CANCELLED)");
    assertThat(Nudge.describeRedefinition(one, one.toBuilder().category("reminders").build()))
        .isEqualTo("campaign 'cart' redefined: 1 step, same steps; other settings changed");
  }

  @Test
  void defineLogsARedefinitionOnceAndAnIdenticalOneNotAtAll() {
    Logger log = Logger.getLogger("dev.nudge");
    List<LogRecord> records = new CopyOnWriteArrayList<>();
    Handler handler = new Handler() {
      @Override
      public void publish(LogRecord record) {
        if (record.getMessage() != null && record.getMessage().contains("redefined")) {
          records.add(record);
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    log.addHandler(handler);
    try (Nudge nudge = Nudge.builder().clock(clock).transport(ios).build()) {
      Campaign one = Campaign.named("cart").triggeredBy("cart_add").after(ofHours(2))
          .send(Message.of("Your cart", "is waiting").build()).build();
      nudge.define(one);
      assertThat(records).as("a first definition").isEmpty();
      nudge.define(one.toBuilder().build());
      assertThat(records).as("the same definition again").isEmpty();
      nudge.define(one.toBuilder().after(ofHours(24)).send(Message.of("Still there", "?").build()).build());
      assertThat(records).singleElement().satisfies(r -> {
        assertThat(r.getLevel()).isEqualTo(Level.INFO);
        assertThat(r.getMessage()).isEqualTo("campaign 'cart' redefined: steps 1 -> 2 (step 1 added)");
      });
    } finally {
      log.removeHandler(handler);
    }
  }
}
