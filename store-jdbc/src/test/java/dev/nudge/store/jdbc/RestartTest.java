package dev.nudge.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nudge.Campaign;
import dev.nudge.Event;
import dev.nudge.Message;
import dev.nudge.Outcome;
import dev.nudge.OutcomeReport;
import dev.nudge.core.Nudge;
import dev.nudge.spi.NudgeListener;
import dev.nudge.testing.RecordingTransport;
import dev.nudge.testing.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restart on an H2 file with reminders due: campaigns live in the host's code, so the new engine
 * knows none of them until the host defines them again. Until then their reminders are held (not
 * claimed, not cancelled) and logged once per campaign; once defined they are all sent, and
 * {@code remove} is the one act that cancels a campaign's reminders.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RestartTest {
  private static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");
  private static final int DUE = 2_000;
  private static final int PROMOS = 30;

  @TempDir
  Path dir;

  @Test
  void remindersOfCampaignsNotYetDefinedAreHeldThenSentAndRemoveCancelsThem() {
    Path file = dir.resolve("restart");
    TestClock clock = new TestClock(T0);
    try (Nudge before = Nudge.builder().clock(clock).store(JdbcStore.h2(file))
        .transport(RecordingTransport.ios()).build()) {
      before.define(Shoppers.campaign("cart"));
      before.define(promo());
      Shoppers.registerDevices(before, DUE);
      Shoppers.track(before, DUE, u -> Event.named("cart_add").user(Shoppers.user(u)).at(T0)
          .property("item_name", "Item " + u).build());
      Shoppers.track(before, PROMOS, u -> Event.named("visit").user(Shoppers.user(u)).at(T0).build());
      assertThat(before.pendingReminders()).isEqualTo(DUE + PROMOS);
    } // the process stops with every reminder pending

    clock.set(T0.plus(Duration.ofMinutes(30))); // all of them due
    List<OutcomeReport> outcomes = new CopyOnWriteArrayList<>();
    RecordingTransport ios = RecordingTransport.ios();
    try (LogRecords log = new LogRecords();
         Nudge after = Nudge.builder().clock(clock).store(JdbcStore.h2(file)).transport(ios)
             .pollInterval(Duration.ofMillis(100)).listener(new NudgeListener() {
               @Override
               public void onOutcome(OutcomeReport report) {
                 outcomes.add(report);
               }
             }).build()) {
      after.start(); // before define, as a host may well do: polls every 100 ms of the clock
      for (int i = 0; i < 20; i++) {
        clock.advance(Duration.ofMillis(100)); // 2 s of polling
      }
      after.runDue().join();
      assertThat(outcomes).as("nothing resolved, nothing cancelled").isEmpty();
      assertThat(after.heldReminders()).isEqualTo(DUE + PROMOS);
      assertThat(log.messages()).as("no alarm while the host is still defining its campaigns").isEmpty();

      after.define(Shoppers.campaign("cart"));
      // Runs of due reminders take turns: this one starts after any poll's run and resolves the rest.
      after.runDue().join();
      assertThat(outcomes).hasSize(DUE).allMatch(r -> r.outcome() == Outcome.SENT);
      assertThat(ios.deliveries()).hasSize(DUE);
      assertThat(after.stats("cart").step(0).cancelled()).isZero();
      assertThat(after.heldReminders()).isEqualTo(PROMOS);
      // A minute after start the engine says what it still holds: one line per campaign.
      clock.advance(Duration.ofMinutes(1));
      Await.until("the held promos are logged", Duration.ofSeconds(10), () -> !log.messages().isEmpty(),
          log::describe);
      assertThat(log.messages()).as(log.describe()).singleElement().asString()
          .startsWith(PROMOS + " reminder(s) of campaign 'promo' are held");

      // The promo campaign is gone from the host's code: removing it cancels what it left.
      outcomes.clear();
      assertThat(after.remove("promo")).isEqualTo(PROMOS);
      assertThat(outcomes).hasSize(PROMOS).allSatisfy(r -> {
        assertThat(r.outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(r.campaignId()).isEqualTo("promo");
      });
      assertThat(after.stats("promo").step(0).cancelled()).isEqualTo(PROMOS);
      assertThat(after.heldReminders()).isZero();
      assertThat(after.pendingReminders()).isZero();
      assertThatThrownBy(() -> after.remove("promo")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("unknown campaign id 'promo'");
    }
  }

  private static Campaign promo() {
    return Campaign.named("promo").triggeredBy("visit")
        .after(Duration.ofMinutes(5)).send(Message.of("New in", "Have a look").build()).build();
  }
}
