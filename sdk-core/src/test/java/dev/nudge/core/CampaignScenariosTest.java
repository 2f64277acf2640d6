package dev.nudge.core;

import static java.time.Duration.ofDays;
import static java.time.Duration.ofHours;
import static java.time.Duration.ofMinutes;
import static java.time.Duration.ofSeconds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.nudge.Campaign;
import dev.nudge.CampaignStats;
import dev.nudge.DeliveryPolicy;
import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.Message;
import dev.nudge.Outcome;
import dev.nudge.OutcomeReport;
import dev.nudge.Platform;
import dev.nudge.Reentry;
import dev.nudge.Source;
import dev.nudge.TrackResult;
import dev.nudge.spi.SendResult;
import dev.nudge.testing.RecordingTransport.Delivery;
import dev.nudge.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The product's scenarios, driven through the public API on a controlled clock: what each user's
 * devices received, how each reminder ended, and which counters moved. The exact rules behind
 * them are in {@code docs/semantics.md}; their corner cases are in {@link SemanticsRulesTest}.
 */
class CampaignScenariosTest {
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

  // ---- cart abandonment ----------------------------------------------------------------------

  @Test
  void cartReminderIsSentTwoHoursAfterTheItemWasAddedAndNotBefore() {
    nudge.define(Fixture.cartCampaign().build());
    f.registerIos("u1", "ios-u1");
    nudge.setUserAttributes("u1", Map.of("first_name", "Sara"));

    TrackResult tracked = f.track(Fixture.cartAdd("u1", "Blue sneakers"));
    assertThat(tracked.duplicate()).isFalse();
    assertThat(tracked.scheduled()).isEqualTo(1);

    f.advance(ofHours(1).plusMinutes(59));
    assertThat(f.deliveries()).isEmpty();
    assertThat(f.reports).isEmpty();

    f.advance(ofMinutes(2));
    List<Delivery> sent = f.ios.deliveriesTo("ios-u1");
    assertThat(sent).hasSize(1);
    assertThat(sent.get(0).notification().title()).isEqualTo("Still thinking, Sara?");
    assertThat(sent.get(0).notification().body()).isEqualTo("Blue sneakers is waiting in your cart");
    assertThat(sent.get(0).notification().collapseId()).isNotBlank();
    assertThat(sent.get(0).notification().campaignId()).isEqualTo("cart");
    assertThat(sent.get(0).notification().step()).isZero();
    assertThat(f.android.deliveries()).isEmpty();

    OutcomeReport report = f.single(Outcome.SENT);
    assertThat(report.campaignId()).isEqualTo("cart");
    assertThat(report.userId()).isEqualTo("u1");
    assertThat(report.step()).isZero();
    assertThat(report.key()).isEmpty();
    assertThat(report.reason()).isNull();
    assertThat(report.dueAt()).isEqualTo(Fixture.START.plus(ofHours(2)));
    assertThat(report.at()).isBetween(report.dueAt(), clock.instant());
    assertThat(report.devices()).isEqualTo(1);
    assertThat(report.title()).isEqualTo("Still thinking, Sara?");
    assertThat(report.body()).isEqualTo("Blue sneakers is waiting in your cart");

    CampaignStats stats = nudge.stats("cart");
    assertThat(stats.step(0).triggered()).isEqualTo(1);
    assertThat(stats.step(0).scheduled()).isEqualTo(1);
    assertThat(stats.step(0).sent()).isEqualTo(1);
    assertThat(stats.step(0).accepted()).containsEntry(Platform.IOS, 1L);
    assertThat(stats.total().cancelled()).isZero();
  }

  @Test
  void cartReminderGreetsAUserWithoutAFirstNameWithTheDefault() {
    nudge.define(Fixture.cartCampaign().build());
    f.registerAndroid("u2", "android-u2");

    f.track(Fixture.cartAdd("u2", "Red scarf"));
    f.advance(ofHours(2).plusMinutes(1));

    assertThat(f.android.deliveriesTo("android-u2")).singleElement().satisfies(d -> {
      assertThat(d.notification().title()).isEqualTo("Still thinking, there?");
      assertThat(d.notification().body()).isEqualTo("Red scarf is waiting in your cart");
    });
    assertThat(f.single(Outcome.SENT).title()).isEqualTo("Still thinking, there?");
    assertThat(nudge.stats("cart").step(0).accepted()).containsEntry(Platform.ANDROID, 1L);
  }

  @Test
  void cartReminderIsCancelledByPurchaseInTheApp() {
    assertPurchaseCancelsTheCartReminder(Source.APP, Duration.ZERO);
  }

  @Test
  void cartReminderIsCancelledByPurchaseOnTheWeb() {
    // the web shop reports its purchases in batches: this one arrives 15 minutes after it happened
    assertPurchaseCancelsTheCartReminder(Source.WEB, ofMinutes(15));
  }

  private void assertPurchaseCancelsTheCartReminder(Source purchaseSource, Duration reportedLate) {
    nudge.define(Fixture.cartCampaign().build());
    f.registerIos("u1", "ios-u1");
    f.track(Fixture.cartAdd("u1", "Blue sneakers").source(Source.APP));

    f.advance(ofMinutes(30).plus(reportedLate));
    TrackResult purchase = f.track(Event.named("purchase").user("u1").source(purchaseSource)
        .at(Fixture.START.plus(ofMinutes(30))));
    assertThat(purchase.cancelled()).isEqualTo(1);

    f.advance(ofHours(3));
    assertThat(f.deliveries()).isEmpty();
    OutcomeReport report = f.single(Outcome.CANCELLED);
    assertThat(report.userId()).isEqualTo("u1");
    assertThat(report.at()).isEqualTo(Fixture.START.plus(ofMinutes(30)));
    assertThat(report.dueAt()).isEqualTo(Fixture.START.plus(ofHours(2)));
    assertThat(report.devices()).isZero();
    assertThat(report.title()).isNull();
    assertThat(f.reports).extracting(OutcomeReport::outcome).containsExactly(Outcome.CANCELLED);
    assertThat(nudge.stats("cart").total().cancelled()).isEqualTo(1);
    assertThat(nudge.stats("cart").total().sent()).isZero();
  }

  @Test
  void buyingOneCartLeavesTheOtherCartsReminder() {
    nudge.define(Fixture.cartCampaign().correlatedBy("cart_id").build());
    f.registerIos("u1", "ios-u1");
    f.track(Fixture.cartAdd("u1", "Blue sneakers").property("cart_id", "c1"));
    f.advance(ofMinutes(10));
    f.track(Fixture.cartAdd("u1", "Coffee grinder").property("cart_id", "c2"));

    f.advance(ofMinutes(20));
    TrackResult purchase = f.track(Event.named("purchase").user("u1").property("cart_id", "c1"));
    assertThat(purchase.cancelled()).isEqualTo(1);

    f.advance(ofHours(3));
    assertThat(f.ios.deliveriesTo("ios-u1")).singleElement()
        .satisfies(d -> assertThat(d.notification().body()).isEqualTo("Coffee grinder is waiting in your cart"));
    assertThat(f.single(Outcome.CANCELLED).key()).isEqualTo("c1");
    OutcomeReport sent = f.single(Outcome.SENT);
    assertThat(sent.key()).isEqualTo("c2");
    assertThat(sent.dueAt()).isEqualTo(Fixture.START.plus(ofHours(2)).plus(ofMinutes(10)));
    assertThat(nudge.stats("cart").total().cancelled()).isEqualTo(1);
    assertThat(nudge.stats("cart").step(0).sent()).isEqualTo(1);
  }

  @Test
  void purchaseWithoutCartIdCancelsEveryCart() {
    nudge.define(Fixture.cartCampaign().correlatedBy("cart_id").build());
    f.registerIos("u1", "ios-u1");
    f.track(Fixture.cartAdd("u1", "Blue sneakers").property("cart_id", "c1"));
    f.track(Fixture.cartAdd("u1", "Coffee grinder").property("cart_id", "c2"));

    f.advance(ofMinutes(30));
    assertThat(f.track(Event.named("purchase").user("u1")).cancelled()).isEqualTo(2);

    f.advance(ofHours(3));
    assertThat(f.deliveries()).isEmpty();
    assertThat(f.reports(Outcome.CANCELLED)).extracting(OutcomeReport::key).containsExactlyInAnyOrder("c1", "c2");
    assertThat(nudge.stats("cart").total().cancelled()).isEqualTo(2);
  }

  @Test
  void eachCartGetsItsOwnReminderAndItsOwnCollapseId() {
    nudge.define(Fixture.cartCampaign().correlatedBy("cart_id").build());
    f.registerIos("u1", "ios-u1");
    f.track(Fixture.cartAdd("u1", "Blue sneakers").property("cart_id", "c1"));
    f.track(Fixture.cartAdd("u1", "Coffee grinder").property("cart_id", "c2"));

    f.advance(ofHours(2).plusMinutes(1));

    List<Delivery> sent = f.ios.deliveriesTo("ios-u1");
    assertThat(sent).extracting(d -> d.notification().body()).containsExactlyInAnyOrder(
        "Blue sneakers is waiting in your cart", "Coffee grinder is waiting in your cart");
    assertThat(sent.get(0).notification().collapseId()).isNotBlank()
        .isNotEqualTo(sent.get(1).notification().collapseId());
    assertThat(f.reports(Outcome.SENT)).extracting(OutcomeReport::key).containsExactlyInAnyOrder("c1", "c2");
    assertThat(nudge.stats("cart").step(0).sent()).isEqualTo(2);
  }

  // ---- re-entry ------------------------------------------------------------------------------

  @Test
  void secondCartAddRestartsTheWait() {
    nudge.define(Fixture.cartCampaign().reentry(Reentry.RESTART).build());
    f.registerIos("u1", "ios-u1");
    f.track(Fixture.cartAdd("u1", "Blue sneakers"));

    f.advance(ofHours(1));
    TrackResult second = f.track(Fixture.cartAdd("u1", "Coffee grinder"));
    assertThat(second.restarted()).isEqualTo(1);
    assertThat(second.scheduled()).isEqualTo(1);

    f.advance(ofHours(1).plusMinutes(1)); // past the first due time (12:00)
    assertThat(f.deliveries()).isEmpty();
    assertThat(f.reports(Outcome.SENT)).isEmpty();

    f.advance(ofHours(1)); // past the second due time (13:00)
    assertThat(f.ios.deliveriesTo("ios-u1")).singleElement()
        .satisfies(d -> assertThat(d.notification().body()).isEqualTo("Coffee grinder is waiting in your cart"));
    assertThat(f.single(Outcome.SENT).dueAt()).isEqualTo(Fixture.START.plus(ofHours(3)));
    assertThat(nudge.stats("cart").step(0).restarted()).isEqualTo(1);
    assertThat(nudge.stats("cart").step(0).sent()).isEqualTo(1);
  }

  @Test
  void secondCartAddIsIgnoredWhenKeepingTheFirst() {
    nudge.define(Fixture.cartCampaign().reentry(Reentry.KEEP_FIRST).build());
    f.registerIos("u1", "ios-u1");
    f.track(Fixture.cartAdd("u1", "Blue sneakers"));

    f.advance(ofHours(1));
    TrackResult second = f.track(Fixture.cartAdd("u1", "Coffee grinder"));
    assertThat(second.ignored()).isEqualTo(1);
    assertThat(second.scheduled()).isZero();

    f.advance(ofHours(1).plusMinutes(1)); // past the first due time (12:00)
    assertThat(f.ios.deliveriesTo("ios-u1")).singleElement()
        .satisfies(d -> assertThat(d.notification().body()).isEqualTo("Blue sneakers is waiting in your cart"));
    assertThat(f.single(Outcome.SENT).dueAt()).isEqualTo(Fixture.START.plus(ofHours(2)));

    f.advance(ofHours(2)); // past where the ignored trigger would have been due
    assertThat(f.deliveries()).hasSize(1);
    assertThat(nudge.stats("cart").step(0).ignored()).isEqualTo(1);
    assertThat(nudge.stats("cart").step(0).sent()).isEqualTo(1);
  }

  // ---- lifecycle campaigns ---------------------------------------------------------------------

  @Test
  void welcomePushIsSentOnceEver() {
    nudge.define(Campaign.named("welcome").triggeredBy("signup").once()
        .after(ofMinutes(5)).send(Message.of("Welcome!", "Glad to have you, {{user.first_name | default: \"friend\"}}").build())
        .build());
    f.registerIos("u1", "ios-u1");
    f.track(Event.named("signup").user("u1"));

    f.advance(ofMinutes(6));
    assertThat(f.ios.deliveriesTo("ios-u1")).singleElement()
        .satisfies(d -> assertThat(d.notification().body()).isEqualTo("Glad to have you, friend"));

    TrackResult again = f.track(Event.named("signup").user("u1"));
    assertThat(again.ignored()).isEqualTo(1);
    assertThat(again.scheduled()).isZero();

    f.advance(ofDays(1));
    assertThat(f.deliveries()).hasSize(1);
    assertThat(f.reports(Outcome.SENT)).hasSize(1);
    assertThat(nudge.stats("welcome").step(0).ignored()).isEqualTo(1);
    assertThat(nudge.stats("welcome").step(0).sent()).isEqualTo(1);
  }

  @Test
  void winBackIsSentAfterThreeDaysWithoutAnyActivity() {
    nudge.define(Campaign.named("win-back").triggeredBy(Campaign.ANY_EVENT).reentry(Reentry.RESTART)
        .after(ofDays(3)).send(Message.of("We miss you", "Come and see what's new").build())
        .build());
    f.registerAndroid("u1", "android-u1");
    f.track(Event.named("app_open").user("u1"));

    f.advance(ofDays(2));
    assertThat(f.track(Event.named("page_view").user("u1").source(Source.WEB)).restarted()).isEqualTo(1);

    f.advance(ofDays(2)); // 4 days after the first activity, 2 after the last one
    assertThat(f.deliveries()).isEmpty();

    f.advance(ofDays(1).plusMinutes(1)); // 3 days after the last activity
    assertThat(f.android.deliveriesTo("android-u1")).singleElement()
        .satisfies(d -> assertThat(d.notification().title()).isEqualTo("We miss you"));
    assertThat(f.single(Outcome.SENT).dueAt()).isEqualTo(Fixture.START.plus(ofDays(5)));
    assertThat(nudge.stats("win-back").step(0).restarted()).isEqualTo(1);
    assertThat(nudge.stats("win-back").step(0).sent()).isEqualTo(1);
  }

  @Test
  void savedArticleReminderIsSentAfterADayUnlessRead() {
    nudge.define(Campaign.named("read-later").triggeredBy("article_saved").cancelledBy("article_read")
        .correlatedBy("article_id")
        .after(ofDays(1)).send(Message.of("Still want to read it?", "{{event.title}}").build())
        .build());
    f.registerIos("u1", "ios-u1");
    f.track(Event.named("article_saved").user("u1").property("article_id", "a1").property("title", "How to brew coffee"));
    f.track(Event.named("article_saved").user("u1").property("article_id", "a2").property("title", "Ten tips for sleep"));

    f.advance(ofHours(3));
    assertThat(f.track(Event.named("article_read").user("u1").property("article_id", "a1")).cancelled()).isEqualTo(1);

    f.advance(ofHours(20).plusMinutes(59));
    assertThat(f.deliveries()).isEmpty();

    f.advance(ofMinutes(2));
    assertThat(f.ios.deliveriesTo("ios-u1")).singleElement()
        .satisfies(d -> assertThat(d.notification().body()).isEqualTo("Ten tips for sleep"));
    assertThat(f.single(Outcome.CANCELLED).key()).isEqualTo("a1");
    assertThat(f.single(Outcome.SENT).key()).isEqualTo("a2");
    assertThat(nudge.stats("read-later").total().cancelled()).isEqualTo(1);
    assertThat(nudge.stats("read-later").step(0).sent()).isEqualTo(1);
  }

  // ---- sequences -----------------------------------------------------------------------------

  private static Campaign onboarding() {
    return Campaign.named("onboarding").triggeredBy("signup").cancelledBy("profile_completed")
        .after(ofHours(1)).send(Message.of("Welcome", "Set up your profile in a minute").build())
        .after(ofDays(1)).send(Message.of("Almost there", "Finish your profile to get started").build())
        .build();
  }

  @Test
  void onboardingSequenceStopsBetweenTheSteps() {
    nudge.define(onboarding());
    f.registerIos("u1", "ios-u1");
    f.track(Event.named("signup").user("u1"));

    f.advance(ofHours(1).plusMinutes(1));
    assertThat(f.ios.deliveriesTo("ios-u1")).singleElement()
        .satisfies(d -> assertThat(d.notification().title()).isEqualTo("Welcome"));

    f.advance(ofHours(1));
    assertThat(f.track(Event.named("profile_completed").user("u1")).cancelled()).isEqualTo(1);

    f.advance(ofDays(2));
    assertThat(f.deliveries()).hasSize(1);
    assertThat(f.single(Outcome.SENT).step()).isZero();
    OutcomeReport cancelled = f.single(Outcome.CANCELLED);
    assertThat(cancelled.step()).isEqualTo(1);
    assertThat(cancelled.at()).isEqualTo(Fixture.START.plus(ofHours(2)).plus(ofMinutes(1)));
    CampaignStats stats = nudge.stats("onboarding");
    assertThat(stats.step(0).sent()).isEqualTo(1);
    assertThat(stats.step(1).sent()).isZero();
    assertThat(stats.step(1).cancelled()).isEqualTo(1);
  }

  @Test
  void secondStepIsDueItsDelayAfterTheFirstStepWasResolved() {
    nudge.define(onboarding());
    f.registerIos("u1", "ios-u1");
    f.track(Event.named("signup").user("u1"));

    // step 0 is due at 11:00 but the engine only gets to it at 13:00: step 1 counts from 13:00
    Instant stepZeroResolved = Fixture.START.plus(ofHours(3));
    f.runAt(stepZeroResolved);
    assertThat(f.deliveries()).hasSize(1);

    f.runAt(stepZeroResolved.plus(ofDays(1)).minus(ofMinutes(1)));
    assertThat(f.deliveries()).hasSize(1);

    f.runAt(stepZeroResolved.plus(ofDays(1)).plus(ofMinutes(1)));
    List<Delivery> sent = f.ios.deliveriesTo("ios-u1");
    assertThat(sent).extracting(d -> d.notification().title()).containsExactly("Welcome", "Almost there");
    assertThat(sent).extracting(d -> d.notification().step()).containsExactly(0, 1);
    assertThat(f.reports(Outcome.SENT)).extracting(OutcomeReport::step, OutcomeReport::dueAt).containsExactly(
        tuple(0, Fixture.START.plus(ofHours(1))),
        tuple(1, stepZeroResolved.plus(ofDays(1))));
    assertThat(nudge.stats("onboarding").step(1).scheduled()).isEqualTo(1);
    assertThat(nudge.stats("onboarding").step(1).sent()).isEqualTo(1);
  }

  // ---- campaigns changed at runtime ------------------------------------------------------------

  @Test
  void campaignReplacedAtRuntimeSendsTheNewText() {
    nudge.define(Campaign.named("cart").triggeredBy("cart_add").cancelledBy("purchase")
        .after(ofHours(2)).send(Message.of("Old title", "Old body").build()).build());
    f.registerIos("u1", "ios-u1");
    f.track(Fixture.cartAdd("u1", "Blue sneakers"));

    f.advance(ofHours(1));
    Campaign replacement = Fixture.cartCampaign().build();
    nudge.define(replacement);
    assertThat(nudge.campaign("cart")).contains(replacement);
    assertThat(nudge.campaigns()).containsExactly(replacement);

    f.advance(ofHours(1).plusMinutes(1));
    assertThat(f.ios.deliveriesTo("ios-u1")).singleElement().satisfies(d -> {
      assertThat(d.notification().title()).isEqualTo("Still thinking, there?");
      assertThat(d.notification().body()).isEqualTo("Blue sneakers is waiting in your cart");
    });
    assertThat(f.single(Outcome.SENT).body()).isEqualTo("Blue sneakers is waiting in your cart");
  }

  @Test
  void removedCampaignsPendingReminderEndsCancelledAndIsNotSent() {
    nudge.define(Fixture.cartCampaign().build());
    f.registerIos("u1", "ios-u1");
    f.track(Fixture.cartAdd("u1", "Blue sneakers"));

    f.advance(ofHours(1));
    nudge.remove("cart");
    assertThat(nudge.campaign("cart")).isEmpty();
    assertThat(nudge.campaigns()).isEmpty();

    f.advance(ofHours(2));
    assertThat(f.deliveries()).isEmpty();
    assertThat(f.single(Outcome.CANCELLED).campaignId()).isEqualTo("cart");
    assertThat(f.reports(Outcome.SENT)).isEmpty();
  }

  // ---- devices -------------------------------------------------------------------------------

  @Test
  void userWithThreeDevicesOnTwoPlatformsGetsOneReminderOnEachDeviceInItsLanguage() {
    Message message = Message.of("Still thinking?", "{{event.item_name}} is waiting in your cart")
        .locale("fa", Message.builder().title("هنوز مطمئن نیستید؟").body("{{event.item_name}} در سبد شما منتظر است").build())
        .build();
    nudge.define(Campaign.named("cart").triggeredBy("cart_add").cancelledBy("purchase")
        .after(ofHours(2)).send(message).build());
    f.register(Device.of("u1", Platform.IOS, "ios-phone").locale("en-US"));
    f.register(Device.of("u1", Platform.ANDROID, "android-tablet").locale("fa-IR"));
    f.register(Device.of("u1", Platform.IOS, "ios-ipad"));
    assertThat(nudge.devices("u1")).extracting(Device::token)
        .containsExactly("ios-phone", "android-tablet", "ios-ipad");

    f.track(Fixture.cartAdd("u1", "Blue sneakers"));
    f.advance(ofHours(2).plusMinutes(1));

    assertThat(f.deliveries()).hasSize(3);
    assertThat(f.ios.deliveriesTo("ios-phone")).singleElement()
        .satisfies(d -> assertThat(d.notification().title()).isEqualTo("Still thinking?"));
    assertThat(f.ios.deliveriesTo("ios-ipad")).singleElement()
        .satisfies(d -> assertThat(d.notification().title()).isEqualTo("Still thinking?"));
    assertThat(f.android.deliveriesTo("android-tablet")).singleElement().satisfies(d -> {
      assertThat(d.notification().title()).isEqualTo("هنوز مطمئن نیستید؟");
      assertThat(d.notification().body()).isEqualTo("Blue sneakers در سبد شما منتظر است");
    });
    assertThat(f.deliveries()).extracting(d -> d.notification().collapseId()).doesNotContainNull().containsOnly(
        f.deliveries().get(0).notification().collapseId());

    OutcomeReport report = f.single(Outcome.SENT);
    assertThat(report.devices()).isEqualTo(3);
    assertThat(report.title()).isEqualTo("Still thinking?"); // the first registered device's rendering
    CampaignStats stats = nudge.stats("cart");
    assertThat(stats.step(0).sent()).isEqualTo(1);
    assertThat(stats.step(0).accepted()).containsEntry(Platform.IOS, 2L).containsEntry(Platform.ANDROID, 1L);
  }

  @Test
  void deadTokenIsDeactivatedAndNotUsedAgain() {
    nudge.define(Fixture.cartCampaign().build());
    f.registerIos("u1", "ios-dead");
    f.registerAndroid("u1", "android-u1");
    f.ios.answerNext("ios-dead", SendResult.rejected("BadDeviceToken", true));

    f.track(Fixture.cartAdd("u1", "Blue sneakers"));
    f.advance(ofHours(2).plusMinutes(1));

    assertThat(f.ios.deliveriesTo("ios-dead")).hasSize(1);
    assertThat(f.android.deliveriesTo("android-u1")).hasSize(1);
    assertThat(f.single(Outcome.SENT).userId()).isEqualTo("u1");
    assertThat(nudge.devices("u1")).extracting(Device::token).containsExactly("android-u1");
    CampaignStats stats = nudge.stats("cart");
    assertThat(stats.total().invalidTokens()).isEqualTo(1);
    assertThat(stats.step(0).rejected()).containsEntry(Platform.IOS, 1L);
    assertThat(stats.step(0).accepted()).containsEntry(Platform.ANDROID, 1L);

    // a later send of the campaign reaches only the live device
    f.track(Fixture.cartAdd("u1", "Coffee grinder"));
    f.advance(ofHours(2).plusMinutes(1));
    assertThat(f.ios.deliveriesTo("ios-dead")).hasSize(1);
    assertThat(f.android.deliveriesTo("android-u1")).hasSize(2);
    assertThat(f.reports(Outcome.SENT)).hasSize(2);
    assertThat(nudge.stats("cart").total().invalidTokens()).isEqualTo(1);
  }

  // ---- transports that cannot deliver now ------------------------------------------------------

  @Test
  void throttledSendIsRetriedOnlyAfterTheRetryAfterHint() {
    nudge.define(Fixture.cartCampaign().build());
    f.registerIos("u1", "ios-u1");
    f.ios.answerNext("ios-u1", SendResult.retry("TooManyRequests", ofSeconds(30)));
    f.track(Fixture.cartAdd("u1", "Blue sneakers"));

    f.runAt(Fixture.START.plus(ofHours(2)).plusSeconds(1));
    assertThat(f.ios.deliveriesTo("ios-u1")).singleElement()
        .satisfies(d -> assertThat(d.result()).isInstanceOf(SendResult.Retry.class));
    assertThat(f.reports(Outcome.SENT)).isEmpty();

    f.advance(ofSeconds(29));
    assertThat(f.ios.deliveriesTo("ios-u1")).hasSize(1);

    f.advance(ofMinutes(10));
    List<Delivery> attempts = f.ios.deliveriesTo("ios-u1");
    assertThat(attempts).hasSize(2);
    assertThat(attempts.get(1).result()).isInstanceOf(SendResult.Accepted.class);
    assertThat(attempts.get(1).notification().collapseId()).isNotBlank()
        .isEqualTo(attempts.get(0).notification().collapseId());
    assertThat(attempts.get(1).notification().reminderId()).isEqualTo(attempts.get(0).notification().reminderId());

    f.advance(ofHours(1));
    assertThat(f.ios.deliveriesTo("ios-u1")).hasSize(2);
    OutcomeReport sent = f.single(Outcome.SENT);
    assertThat(sent.dueAt()).isEqualTo(Fixture.START.plus(ofHours(2)));
    assertThat(f.reports).hasSize(1);
    assertThat(nudge.stats("cart").step(0).sent()).isEqualTo(1);
    assertThat(nudge.stats("cart").step(0).accepted()).containsEntry(Platform.IOS, 1L);
  }

  @Test
  void reminderExpiresDuringATransportOutage() {
    nudge.define(Fixture.cartCampaign()
        .policy(DeliveryPolicy.builder().expireAfter(ofHours(1)).build()).build());
    f.registerIos("u1", "ios-u1");
    f.ios.answer(d -> SendResult.retry("ServiceUnavailable", null));
    f.track(Fixture.cartAdd("u1", "Blue sneakers"));

    f.runAt(Fixture.START.plus(ofHours(2)).plusSeconds(1));
    assertThat(f.ios.deliveriesTo("ios-u1")).isNotEmpty();
    for (int i = 0; i < 36; i++) { // three hours of outage, polled every five minutes
      f.advance(ofMinutes(5));
    }

    OutcomeReport expired = f.single(Outcome.EXPIRED);
    assertThat(expired.dueAt()).isEqualTo(Fixture.START.plus(ofHours(2)));
    assertThat(expired.devices()).isZero();
    assertThat(f.reports).hasSize(1);
    assertThat(nudge.stats("cart").total().expired()).isEqualTo(1);
    assertThat(nudge.stats("cart").total().sent()).isZero();

    int attempts = f.ios.deliveries().size();
    f.advance(ofDays(1));
    assertThat(f.ios.deliveries()).as("no attempt after expiry").hasSize(attempts);
  }

  // ---- goals ---------------------------------------------------------------------------------

  @Test
  void purchaseWithinADayAfterTheSendCountsAsConversion() {
    nudge.define(Fixture.cartCampaign().goal("purchase", ofDays(1)).build());
    f.registerIos("quick-buyer", "ios-quick");
    f.registerIos("slow-buyer", "ios-slow");
    f.track(Fixture.cartAdd("quick-buyer", "Blue sneakers"));
    f.track(Fixture.cartAdd("slow-buyer", "Coffee grinder"));

    f.advance(ofHours(2).plusMinutes(1));
    assertThat(f.reports(Outcome.SENT)).hasSize(2);

    f.advance(ofHours(5));
    TrackResult quick = f.track(Event.named("purchase").user("quick-buyer").source(Source.WEB));
    assertThat(quick.converted()).isEqualTo(1);
    assertThat(quick.cancelled()).isZero();
    assertThat(nudge.stats("cart").step(0).converted()).isEqualTo(1);

    f.advance(ofDays(1)); // 1 day 5 hours after the send: outside the window
    TrackResult slow = f.track(Event.named("purchase").user("slow-buyer"));
    assertThat(slow.converted()).isZero();
    assertThat(nudge.stats("cart").step(0).converted()).isEqualTo(1);
    assertThat(nudge.stats("cart").total().converted()).isEqualTo(1);
  }
}
