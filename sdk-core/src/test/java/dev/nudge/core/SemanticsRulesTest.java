package dev.nudge.core;

import static java.time.Duration.ofDays;
import static java.time.Duration.ofHours;
import static java.time.Duration.ofMinutes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nudge.Campaign;
import dev.nudge.CampaignStats;
import dev.nudge.DeliveryPolicy;
import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.Outcome;
import dev.nudge.OutcomeReport;
import dev.nudge.Platform;
import dev.nudge.QuietHours;
import dev.nudge.Reentry;
import dev.nudge.SuppressionReason;
import dev.nudge.TrackResult;
import dev.nudge.spi.SendResult;
import dev.nudge.testing.TestClock;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The corner cases of {@code docs/semantics.md} — idempotency, late events, ties, stop and trigger
 * order, suppressions, caps, quiet hours, cooldown — each seen from the user's side.
 */
class SemanticsRulesTest {
  private static final Instant START = Fixture.START;
  private static final Instant CART_DUE = START.plus(ofHours(2));

  private Fixture f;
  private Nudge nudge;
  private TestClock clock;

  @BeforeEach
  void setUp() {
    f = new Fixture();
    nudge = f.nudge;
    clock = f.clock;
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  // ---- idempotency and late events -------------------------------------------------------------

  @Test
  void sameEventIdTrackedTwiceIsAppliedOnce() {
    nudge.define(Fixture.cartCampaign().build());
    f.registerIos("u1", "ios-u1");
    Event cartAdd = Fixture.cartAdd("u1", "Blue sneakers").id("evt-1").at(START).build();

    TrackResult first = nudge.track(cartAdd).join();
    f.advance(ofMinutes(10));
    TrackResult second = nudge.track(cartAdd).join();

    assertThat(first.duplicate()).isFalse();
    assertThat(first.scheduled()).isEqualTo(1);
    assertThat(second.duplicate()).isTrue();
    assertThat(second.scheduled()).isZero();
    assertThat(second.restarted()).isZero();

    f.advance(ofHours(3));
    assertThat(f.ios.deliveriesTo("ios-u1")).hasSize(1);
    assertThat(f.single(Outcome.SENT).dueAt()).isEqualTo(CART_DUE);
    CampaignStats stats = nudge.stats("cart");
    assertThat(stats.step(0).triggered()).isEqualTo(1);
    assertThat(stats.step(0).scheduled()).isEqualTo(1);
    assertThat(stats.step(0).restarted()).isZero();
  }

  @Test
  void lateEventWhoseDueTimePassedIsSentAtTheNextRun() {
    nudge.define(Fixture.cartCampaign().build());
    f.registerIos("u1", "ios-u1");

    f.track(Fixture.cartAdd("u1", "Blue sneakers").at(START.minus(ofHours(3))));
    nudge.runDue().join();

    assertThat(f.ios.deliveriesTo("ios-u1")).singleElement()
        .satisfies(d -> assertThat(d.notification().body()).isEqualTo("Blue sneakers is waiting in your cart"));
    OutcomeReport sent = f.single(Outcome.SENT);
    assertThat(sent.dueAt()).isEqualTo(START.minus(ofHours(1)));
    assertThat(nudge.stats("cart").step(0).sent()).isEqualTo(1);
  }

  @Test
  void lateEventPastItsExpiryEndsExpiredInsteadOfBeingSent() {
    nudge.define(Fixture.cartCampaign()
        .policy(DeliveryPolicy.builder().expireAfter(ofMinutes(30)).build()).build());
    f.registerIos("u1", "ios-u1");

    f.track(Fixture.cartAdd("u1", "Blue sneakers").at(START.minus(ofHours(3))));
    nudge.runDue().join();

    assertThat(f.deliveries()).isEmpty();
    OutcomeReport expired = f.single(Outcome.EXPIRED);
    assertThat(expired.dueAt()).isEqualTo(START.minus(ofHours(1)));
    assertThat(expired.at()).isBetween(START.minus(ofMinutes(30)), START);
    assertThat(expired.devices()).isZero();
    assertThat(f.reports).hasSize(1);
    assertThat(nudge.stats("cart").total().expired()).isEqualTo(1);
    assertThat(nudge.stats("cart").total().sent()).isZero();
  }

  // ---- stop events -------------------------------------------------------------------------------

  @Test
  void stopEventAtExactlyTheDueTimeWinsTheTie() {
    nudge.define(Fixture.cartCampaign().build());
    f.registerIos("u1", "ios-u1");
    f.track(Fixture.cartAdd("u1", "Blue sneakers"));

    // a run at exactly the due time does not send yet: the record at that time goes first
    f.runAt(CART_DUE);
    assertThat(f.deliveries()).isEmpty();
    TrackResult purchase = f.track(Event.named("purchase").user("u1").at(CART_DUE));
    assertThat(purchase.cancelled()).isEqualTo(1);
    nudge.runDue().join();
    f.advance(ofHours(1));

    assertThat(f.deliveries()).isEmpty();
    OutcomeReport cancelled = f.single(Outcome.CANCELLED);
    assertThat(cancelled.at()).isEqualTo(CART_DUE);
    assertThat(cancelled.dueAt()).isEqualTo(CART_DUE);
    assertThat(f.reports).hasSize(1);
    assertThat(nudge.stats("cart").total().cancelled()).isEqualTo(1);
    assertThat(nudge.stats("cart").total().sent()).isZero();
  }

  @Test
  void oldPurchaseReplayedAfterTheCartAddDoesNotCancelIt() {
    nudge.define(Fixture.cartCampaign().build());
    f.registerIos("u1", "ios-u1");
    f.track(Fixture.cartAdd("u1", "Blue sneakers"));

    f.advance(ofMinutes(5));
    TrackResult replayed = f.track(Event.named("purchase").user("u1").at(START.minus(ofHours(1))));
    assertThat(replayed.cancelled()).isZero();

    f.advance(ofHours(2));
    assertThat(f.ios.deliveriesTo("ios-u1")).hasSize(1);
    assertThat(f.reports(Outcome.CANCELLED)).isEmpty();
    assertThat(f.single(Outcome.SENT).dueAt()).isEqualTo(CART_DUE);
    assertThat(nudge.stats("cart").total().cancelled()).isZero();
  }

  @Test
  void eventThatIsBothStopAndTriggerOfACampaignCancelsFirstThenSchedulesAnew() {
    // with KEEP_FIRST, applying the trigger first would ignore it and then cancel everything
    nudge.define(Campaign.named("cart").triggeredBy("cart_add").cancelledBy("cart_add", "purchase")
        .reentry(Reentry.KEEP_FIRST)
        .after(ofHours(2)).send(Fixture.CART_MESSAGE).build());
    f.registerIos("u1", "ios-u1");
    f.track(Fixture.cartAdd("u1", "Blue sneakers"));

    f.advance(ofHours(1));
    TrackResult second = f.track(Fixture.cartAdd("u1", "Coffee grinder"));
    assertThat(second.cancelled()).isEqualTo(1);
    assertThat(second.scheduled()).isEqualTo(1);
    assertThat(second.ignored()).isZero();

    f.advance(ofHours(1).plusMinutes(1));
    assertThat(f.deliveries()).isEmpty();

    f.advance(ofHours(1));
    assertThat(f.ios.deliveriesTo("ios-u1")).singleElement()
        .satisfies(d -> assertThat(d.notification().body()).isEqualTo("Coffee grinder is waiting in your cart"));
    OutcomeReport cancelled = f.single(Outcome.CANCELLED);
    assertThat(cancelled.dueAt()).isEqualTo(CART_DUE);
    assertThat(cancelled.at()).isEqualTo(START.plus(ofHours(1)));
    assertThat(f.single(Outcome.SENT).dueAt()).isEqualTo(START.plus(ofHours(3)));
    CampaignStats stats = nudge.stats("cart");
    assertThat(stats.total().cancelled()).isEqualTo(1);
    assertThat(stats.step(0).ignored()).isZero();
    assertThat(stats.step(0).sent()).isEqualTo(1);
  }

  // ---- suppressions and failures -----------------------------------------------------------------

  @Test
  void userWithoutAnyDeviceIsSuppressedForNoDevice() {
    nudge.define(Fixture.cartCampaign().build());
    f.registerIos("someone-else", "ios-other");
    f.track(Fixture.cartAdd("u1", "Blue sneakers"));

    f.advance(ofHours(2).plusMinutes(1));

    assertThat(f.deliveries()).isEmpty();
    OutcomeReport report = f.single(Outcome.SUPPRESSED);
    assertThat(report.userId()).isEqualTo("u1");
    assertThat(report.reason()).isEqualTo(SuppressionReason.NO_DEVICE);
    assertThat(report.devices()).isZero();
    assertThat(report.title()).isNull();
    assertThat(report.dueAt()).isEqualTo(CART_DUE);
    assertThat(nudge.stats("cart").step(0).suppressed(SuppressionReason.NO_DEVICE)).isEqualTo(1);
    assertThat(nudge.stats("cart").step(0).sent()).isZero();
  }

  @Test
  void placeholderWithoutValueOrDefaultSuppressesTheSendForMissingValue() {
    nudge.define(Fixture.cartCampaign().build());
    f.registerIos("u1", "ios-u1");
    f.track(Event.named("cart_add").user("u1")); // no item_name, and the body has no default

    f.advance(ofHours(2).plusMinutes(1));

    assertThat(f.deliveries()).isEmpty();
    OutcomeReport report = f.single(Outcome.SUPPRESSED);
    assertThat(report.reason()).isEqualTo(SuppressionReason.MISSING_VALUE);
    assertThat(report.devices()).isZero();
    assertThat(nudge.stats("cart").step(0).suppressed(SuppressionReason.MISSING_VALUE)).isEqualTo(1);
    assertThat(nudge.stats("cart").step(0).sent()).isZero();
  }

  @Test
  void sendEveryDeviceRejectsForGoodEndsFailedAndKeepsALiveToken() {
    nudge.define(Fixture.cartCampaign().build());
    f.registerIos("u1", "ios-u1");
    f.ios.answerNext("ios-u1", SendResult.rejected("PayloadTooLarge", false));
    f.track(Fixture.cartAdd("u1", "Blue sneakers"));

    f.advance(ofHours(2).plusMinutes(1));
    f.advance(ofHours(1));

    assertThat(f.ios.deliveriesTo("ios-u1")).hasSize(1);
    OutcomeReport failed = f.single(Outcome.FAILED);
    assertThat(failed.devices()).isZero();
    assertThat(f.reports).hasSize(1);
    assertThat(nudge.devices("u1")).extracting(Device::token).containsExactly("ios-u1");
    CampaignStats stats = nudge.stats("cart");
    assertThat(stats.step(0).failed()).isEqualTo(1);
    assertThat(stats.step(0).sent()).isZero();
    assertThat(stats.step(0).rejected()).containsEntry(Platform.IOS, 1L);
    assertThat(stats.total().invalidTokens()).isZero();
  }

  // ---- delivery policy ---------------------------------------------------------------------------

  @Test
  void frequencyCapSuppressesASecondSendWithinTheDay() {
    nudge.define(Fixture.cartCampaign()
        .policy(DeliveryPolicy.builder().frequencyCap(1, ofDays(1)).build()).build());
    f.registerIos("u1", "ios-u1");

    f.track(Fixture.cartAdd("u1", "Blue sneakers"));
    f.runAt(CART_DUE.plus(ofMinutes(1)));
    assertThat(f.ios.deliveriesTo("ios-u1")).hasSize(1);

    f.runAt(START.plus(ofHours(3)));
    f.track(Fixture.cartAdd("u1", "Coffee grinder"));
    f.runAt(START.plus(ofHours(5)).plus(ofMinutes(1)));
    assertThat(f.ios.deliveriesTo("ios-u1")).hasSize(1);
    OutcomeReport capped = f.single(Outcome.SUPPRESSED);
    assertThat(capped.reason()).isEqualTo(SuppressionReason.FREQUENCY_CAP);
    assertThat(capped.dueAt()).isEqualTo(START.plus(ofHours(5)));

    // a day later the window has slid past the first send
    f.runAt(START.plus(ofDays(1)).plus(ofHours(3)));
    f.track(Fixture.cartAdd("u1", "Desk lamp"));
    f.runAt(START.plus(ofDays(1)).plus(ofHours(5)).plus(ofMinutes(1)));
    assertThat(f.ios.deliveriesTo("ios-u1")).extracting(d -> d.notification().body()).containsExactly(
        "Blue sneakers is waiting in your cart", "Desk lamp is waiting in your cart");
    CampaignStats stats = nudge.stats("cart");
    assertThat(stats.step(0).suppressed(SuppressionReason.FREQUENCY_CAP)).isEqualTo(1);
    assertThat(stats.step(0).sent()).isEqualTo(2);
  }

  @Test
  void quietHoursInTheDevicesZoneDeferTheSendToEightInTheMorningThere() {
    nudge.define(Fixture.cartCampaign()
        .policy(DeliveryPolicy.builder().quietHours(QuietHours.between("22:00", "08:00")).build()).build());
    f.register(Device.of("u1", Platform.IOS, "ios-u1").zone(ZoneId.of("Asia/Tokyo")));

    // cart_add at 12:00Z is 21:00 in Tokyo; due at 14:00Z = 23:00 Tokyo, inside the quiet window
    f.runAt(START.plus(ofHours(2)));
    f.track(Fixture.cartAdd("u1", "Blue sneakers"));
    Instant due = START.plus(ofHours(4));
    Instant eightInTokyo = Instant.parse("2026-03-01T23:00:00Z");

    f.runAt(due.plus(ofMinutes(1)));
    assertThat(f.deliveries()).isEmpty();
    f.runAt(eightInTokyo.minus(ofMinutes(1)));
    assertThat(f.deliveries()).isEmpty();
    assertThat(f.reports).isEmpty();

    f.runAt(eightInTokyo.plus(ofMinutes(1)));
    assertThat(f.ios.deliveriesTo("ios-u1")).hasSize(1);
    OutcomeReport sent = f.single(Outcome.SENT);
    assertThat(sent.dueAt()).isEqualTo(due);
    assertThat(sent.at()).isBetween(eightInTokyo, clock.instant());
  }

  @Test
  void cartAddWithinTheCooldownAfterASendIsIgnored() {
    nudge.define(Fixture.cartCampaign().cooldown(ofDays(1)).build());
    f.registerIos("u1", "ios-u1");

    f.track(Fixture.cartAdd("u1", "Blue sneakers"));
    f.runAt(CART_DUE.plus(ofMinutes(1)));
    assertThat(f.ios.deliveriesTo("ios-u1")).hasSize(1);

    f.runAt(START.plus(ofHours(5)));
    TrackResult withinCooldown = f.track(Fixture.cartAdd("u1", "Coffee grinder"));
    assertThat(withinCooldown.ignored()).isEqualTo(1);
    assertThat(withinCooldown.scheduled()).isZero();
    f.runAt(START.plus(ofHours(8)));
    assertThat(f.ios.deliveriesTo("ios-u1")).hasSize(1);

    // the next day the cooldown is over
    f.runAt(START.plus(ofDays(1)).plus(ofHours(3)));
    assertThat(f.track(Fixture.cartAdd("u1", "Desk lamp")).scheduled()).isEqualTo(1);
    f.runAt(START.plus(ofDays(1)).plus(ofHours(5)).plus(ofMinutes(1)));
    assertThat(f.ios.deliveriesTo("ios-u1")).extracting(d -> d.notification().body()).containsExactly(
        "Blue sneakers is waiting in your cart", "Desk lamp is waiting in your cart");
    assertThat(nudge.stats("cart").step(0).ignored()).isEqualTo(1);
    assertThat(nudge.stats("cart").step(0).sent()).isEqualTo(2);
  }
}
