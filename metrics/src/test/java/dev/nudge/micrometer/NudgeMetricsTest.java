package dev.nudge.micrometer;

import static java.time.Duration.ofHours;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nudge.Campaign;
import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.Message;
import dev.nudge.Platform;
import dev.nudge.core.Nudge;
import dev.nudge.spi.SendResult;
import dev.nudge.spi.Transport;
import dev.nudge.store.memory.InMemoryStore;
import dev.nudge.testing.HeldAnswersTransport;
import dev.nudge.testing.RecordingTransport;
import dev.nudge.testing.TestClock;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The meters an operator watches, moving as a cart-abandonment campaign runs on a test clock:
 * counters per campaign, step and outcome, the send latency per platform, and the reminder
 * gauges.
 */
class NudgeMetricsTest {
  private static final Instant START = Instant.parse("2026-03-01T10:00:00Z");
  private static final Campaign CART = Campaign.named("cart").triggeredBy("cart_add").correlatedBy("cart_id")
      .cancelledBy("purchase")
      .after(ofHours(2)).send(Message.of("Still thinking?", "{{event.item_name}} is waiting in your cart").build())
      .after(ofHours(24)).send(Message.of("Last call", "{{event.item_name}} is still in your cart").build())
      .goal("purchase", Duration.ofDays(1))
      .build();

  private final TestClock clock = new TestClock(START);
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final InMemoryStore memory = new InMemoryStore(clock, Duration.ofDays(7));
  private final ObservedReminders reminders = new ObservedReminders(memory);
  private final RecordingTransport ios = RecordingTransport.ios();
  private final List<Nudge> engines = new ArrayList<>();

  @AfterEach
  void close() {
    engines.forEach(Nudge::close);
  }

  private Nudge engine(NudgeMetrics metrics, Transport... transports) {
    Nudge.Builder b = Nudge.builder().clock(clock).store(memory).reminders(reminders).listener(metrics);
    for (Transport t : transports) {
      b.transport(t);
    }
    Nudge nudge = b.build();
    engines.add(nudge);
    return nudge;
  }

  private Nudge engine() {
    return engine(NudgeMetrics.builder(registry).refreshEvery(Duration.ZERO).refreshHeldEvery(Duration.ZERO).build(), ios);
  }

  /** What a scrape does: reads every meter (and so registers the series of new campaign steps). */
  private void scrape() {
    for (Meter m : registry.getMeters()) {
      m.measure().forEach(ms -> ms.getValue());
    }
  }

  private double count(String name, String... tags) {
    scrape();
    return registry.get(name).tags(tags).functionCounter().count();
  }

  private double outcomes(String outcome, String reason) {
    return count("nudge.outcomes", "campaign", "cart", "step", "0", "outcome", outcome, "reason", reason);
  }

  private double gauge(String name) {
    scrape();
    return registry.get(name).gauge().value();
  }

  private static Event cartAdd(String user, String cart) {
    return Event.named("cart_add").user(user).property("cart_id", cart).property("item_name", "Yoga mat").build();
  }

  @Test
  void countersFollowTheCampaignFromTriggerToSendCancelSuppressionAndConversion() {
    Nudge nudge = engine();
    nudge.define(CART);
    assertThat(outcomes("SENT", "NONE")).as("registered at zero once the campaign is defined").isZero();
    assertThat(count("nudge.outcomes", "campaign", "cart", "step", "1", "outcome", "EXPIRED", "reason", "NONE")).isZero();

    nudge.registerDevice(Device.of("u1", Platform.IOS, "token-u1").build());
    nudge.registerDevice(Device.of("u2", Platform.IOS, "token-u2").build());
    nudge.trackAndWait(cartAdd("u1", "c1"));
    nudge.trackAndWait(cartAdd("u2", "c2"));
    nudge.trackAndWait(cartAdd("u3", "c3")); // no device
    assertThat(count("nudge.triggered", "campaign", "cart", "step", "0")).isEqualTo(3);
    assertThat(count("nudge.scheduled", "campaign", "cart", "step", "0")).isEqualTo(3);

    nudge.trackAndWait(Event.named("purchase").user("u2").property("cart_id", "c2").build());
    assertThat(outcomes("CANCELLED", "NONE")).isEqualTo(1);

    clock.advance(ofHours(2).plusSeconds(1));
    nudge.runDue().join();
    assertThat(outcomes("SENT", "NONE")).isEqualTo(1);
    assertThat(outcomes("SUPPRESSED", "NO_DEVICE")).isEqualTo(1);
    assertThat(outcomes("SUPPRESSED", "FREQUENCY_CAP")).isZero();
    assertThat(count("nudge.deliveries", "campaign", "cart", "step", "0", "platform", "IOS", "result", "ACCEPTED"))
        .isEqualTo(1);
    assertThat(count("nudge.scheduled", "campaign", "cart", "step", "1")).as("the next steps").isEqualTo(2);

    clock.advance(Duration.ofMinutes(20));
    nudge.trackAndWait(Event.named("purchase").user("u1").property("cart_id", "c1").build());
    assertThat(count("nudge.converted", "campaign", "cart", "step", "0")).isEqualTo(1);
    assertThat(count("nudge.outcomes", "campaign", "cart", "step", "1", "outcome", "CANCELLED", "reason", "NONE"))
        .as("the purchase stopped u1's second step").isEqualTo(1);
  }

  @Test
  void aRejectedTokenCountsARejectedDeliveryAndADeactivatedToken() {
    ios.answerNext("token-u1", SendResult.rejected("BadDeviceToken", true));
    Nudge nudge = engine();
    nudge.define(CART);
    nudge.registerDevice(Device.of("u1", Platform.IOS, "token-u1").build());
    nudge.trackAndWait(cartAdd("u1", "c1"));
    clock.advance(ofHours(2).plusSeconds(1));
    nudge.runDue().join();

    assertThat(count("nudge.deliveries", "campaign", "cart", "step", "0", "platform", "IOS", "result", "REJECTED"))
        .isEqualTo(1);
    assertThat(count("nudge.invalid.tokens", "campaign", "cart", "step", "0")).isEqualTo(1);
    assertThat(outcomes("FAILED", "NONE")).isEqualTo(1);
  }

  @Test
  void theLatencyTimerShowsHowLongEachPlatformTookToAnswer() throws Exception {
    HeldAnswersTransport fcm = new HeldAnswersTransport(Platform.ANDROID);
    Nudge nudge = engine(NudgeMetrics.of(registry), ios, fcm);
    nudge.define(CART);
    nudge.registerDevice(Device.of("u1", Platform.IOS, "token-u1").build());
    nudge.registerDevice(Device.of("u1", Platform.ANDROID, "token-u1-android").build());
    nudge.trackAndWait(cartAdd("u1", "c1"));
    clock.advance(ofHours(2).plusSeconds(1));

    CompletableFuture<Integer> run = nudge.runDue();
    CompletableFuture<SendResult> answer = fcm.next(10);
    assertThat(answer).as("the Android notification reached its transport").isNotNull();
    clock.advance(Duration.ofMillis(800));
    answer.complete(SendResult.retry("QUOTA_EXCEEDED", Duration.ofSeconds(30)));
    run.join();

    Timer android = registry.get("nudge.send.latency").tags("platform", "ANDROID", "result", "RETRY").timer();
    assertThat(android.count()).isEqualTo(1);
    assertThat(android.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(800);
    Timer apple = registry.get("nudge.send.latency").tags("platform", "IOS", "result", "ACCEPTED").timer();
    assertThat(apple.count()).isEqualTo(1);
    assertThat(apple.totalTime(TimeUnit.MILLISECONDS)).as("answered at once, on a clock that stood still").isZero();
    assertThat(registry.get("nudge.send.latency").tags("platform", "ANDROID", "result", "ACCEPTED").timer().count())
        .isZero();
  }

  @Test
  void gaugesShowPendingDueAndHeldRemindersAndTheLagOfTheOldestDueOne() {
    Nudge nudge = engine();
    nudge.define(CART);
    nudge.registerDevice(Device.of("u1", Platform.IOS, "token-u1").build());
    nudge.trackAndWait(cartAdd("u1", "c1"));
    clock.advance(Duration.ofMinutes(30));
    nudge.trackAndWait(cartAdd("u2", "c2"));
    assertThat(gauge("nudge.reminders.pending")).isEqualTo(2);
    assertThat(gauge("nudge.reminders.due")).isZero();
    assertThat(registry.get("nudge.reminders.due.lag").timeGauge().value(TimeUnit.SECONDS)).isZero();

    clock.set(START.plus(ofHours(2)).plusSeconds(90)); // u1's reminder is 90 s late, u2's not due
    assertThat(gauge("nudge.reminders.due")).isEqualTo(1);
    assertThat(registry.get("nudge.reminders.due.lag").timeGauge().value(TimeUnit.SECONDS)).isEqualTo(90);
    clock.advance(Duration.ofMinutes(40)); // both late now; the oldest is u1's
    assertThat(gauge("nudge.reminders.due")).isEqualTo(2);
    assertThat(registry.get("nudge.reminders.due.lag").timeGauge().value(TimeUnit.SECONDS)).isEqualTo(90 + 40 * 60);

    nudge.runDue().join();
    assertThat(gauge("nudge.reminders.due")).isZero();
    assertThat(registry.get("nudge.reminders.due.lag").timeGauge().value(TimeUnit.SECONDS)).isZero();
    assertThat(gauge("nudge.reminders.pending")).as("the second steps").isEqualTo(2);
    assertThat(gauge("nudge.reminders.held")).isZero();

    nudge.remove("cart"); // cancels the pending ones
    Nudge other = Nudge.builder().clock(clock).store(memory).reminders(reminders).transport(RecordingTransport.ios())
        .build();
    engines.add(other);
    other.define(Campaign.named("promo").triggeredBy("visit").after(ofHours(1))
        .send(Message.of("Hello", "Come back").build()).build());
    other.trackAndWait(Event.named("visit").user("u3").build());
    assertThat(gauge("nudge.reminders.held")).as("a campaign this engine does not define").isEqualTo(1);
    assertThat(gauge("nudge.reminders.pending")).isEqualTo(1);
  }

  @Test
  void oneScrapeReadsTheStoreOnceWithinTheRefreshInterval() {
    Nudge nudge = engine(NudgeMetrics.of(registry), ios); // a 10 s snapshot
    nudge.define(CART);
    nudge.trackAndWait(cartAdd("u1", "c1"));
    clock.advance(Duration.ofSeconds(10));
    scrape();
    int reads = reminders.counterReads.get();
    assertThat(registry.getMeters()).hasSizeGreaterThan(40);
    scrape();
    assertThat(reminders.counterReads.get()).as("every meter read the same snapshot").isEqualTo(reads);

    nudge.trackAndWait(cartAdd("u2", "c2"));
    clock.advance(Duration.ofSeconds(9));
    assertThat(count("nudge.triggered", "campaign", "cart", "step", "0")).as("within 10 s: the snapshot").isEqualTo(1);
    clock.advance(Duration.ofSeconds(1));
    assertThat(count("nudge.triggered", "campaign", "cart", "step", "0")).as("after 10 s: read again").isEqualTo(2);
    assertThat(reminders.counterReads.get()).isEqualTo(reads + 1);
  }

  @Test
  void theHeldRemindersAreCountedOncePerHeldInterval() {
    Nudge nudge = engine(NudgeMetrics.builder(registry).refreshEvery(Duration.ZERO).build(), ios); // held: 1 min
    Nudge other = Nudge.builder().clock(clock).store(memory).reminders(reminders).transport(RecordingTransport.ios())
        .build();
    engines.add(other);
    other.define(Campaign.named("promo").triggeredBy("visit").after(ofHours(1))
        .send(Message.of("Hello", "Come back").build()).build());
    assertThat(gauge("nudge.reminders.held")).isZero();
    other.trackAndWait(Event.named("visit").user("u3").build());
    clock.advance(Duration.ofSeconds(59));
    assertThat(gauge("nudge.reminders.held")).as("counted a minute ago").isZero();
    assertThat(gauge("nudge.reminders.pending")).as("read with every snapshot").isEqualTo(1);
    clock.advance(Duration.ofSeconds(1));
    assertThat(gauge("nudge.reminders.held")).isEqualTo(1);
    nudge.define(Campaign.named("promo").triggeredBy("visit").after(ofHours(1))
        .send(Message.of("Hello", "Come back").build()).build());
    assertThat(gauge("nudge.reminders.held")).isEqualTo(1);
    clock.advance(Duration.ofMinutes(1));
    assertThat(gauge("nudge.reminders.held")).as("defined here now").isZero();
  }

  @Test
  void whileTheStoreCannotBeReadCountersKeepTheirValuesAndGaugesShowNaN() {
    Nudge nudge = engine();
    nudge.define(CART);
    nudge.trackAndWait(cartAdd("u1", "c1"));
    assertThat(count("nudge.triggered", "campaign", "cart", "step", "0")).isEqualTo(1);

    reminders.down = true;
    assertThat(count("nudge.triggered", "campaign", "cart", "step", "0")).isEqualTo(1);
    assertThat(gauge("nudge.reminders.pending")).isNaN();
    assertThat(registry.get("nudge.metrics.read.errors").counter().count()).isPositive();

    reminders.down = false;
    assertThat(gauge("nudge.reminders.pending")).isEqualTo(1);
  }

  @Test
  void countersAreTheSharedTotalsOfEveryEngineOnTheStore() {
    Nudge a = engine(NudgeMetrics.builder(registry).tags("instance", "a").refreshEvery(Duration.ZERO).build(), ios);
    Nudge b = engine(NudgeMetrics.builder(registry).tags("instance", "b").refreshEvery(Duration.ZERO).build(),
        RecordingTransport.ios());
    a.define(CART);
    b.define(CART);
    a.trackAndWait(cartAdd("u1", "c1"));
    b.trackAndWait(cartAdd("u2", "c2"));

    for (String instance : List.of("a", "b")) {
      assertThat(count("nudge.triggered", "instance", instance, "campaign", "cart", "step", "0")).isEqualTo(2);
      assertThat(gauge("nudge.reminders.pending", instance)).isEqualTo(2);
    }
  }

  private double gauge(String name, String instance) {
    scrape();
    return registry.get(name).tags("instance", instance).gauge().value();
  }

  @Test
  void aSecondEngineOnTheSameRegistryNeedsTagsOfItsOwn() {
    engine();
    assertThatThrownBy(this::engine).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already has Nudge meters").hasMessageContaining("tags(\"instance\", id)");
    NudgeMetrics metrics = NudgeMetrics.builder(registry).tags("instance", "x").build();
    engine(metrics, ios);
    assertThatThrownBy(() -> engine(metrics, RecordingTransport.ios())).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already bound to an engine");
  }

  @Test
  void campaignsBeyondTheCapAreCountedTogetherUnderOther() {
    Nudge nudge = engine(NudgeMetrics.builder(registry).maxCampaigns(1).refreshEvery(Duration.ZERO).build(), ios);
    nudge.define(CART);
    nudge.define(Campaign.named("winback").triggeredBy("visit").after(ofHours(1))
        .send(Message.of("Hello", "Come back").build()).build());
    nudge.define(Campaign.named("welcome").triggeredBy("visit").after(ofHours(1))
        .send(Message.of("Welcome", "Have a look").build()).build());
    nudge.trackAndWait(cartAdd("u1", "c1"));
    nudge.trackAndWait(Event.named("visit").user("u1").build());

    assertThat(count("nudge.triggered", "campaign", "cart", "step", "0")).isEqualTo(1);
    assertThat(count("nudge.triggered", "campaign", NudgeMetrics.OTHER_CAMPAIGNS, "step", "0")).isEqualTo(2);
    assertThat(registry.find("nudge.triggered").tag("campaign", "winback").meters()).isEmpty();
  }

  @Test
  void tagsAreBoundedNoUserIdTokenOrTextEverBecomesOne() {
    Nudge nudge = engine();
    nudge.define(CART);
    nudge.registerDevice(Device.of("user-42", Platform.IOS, "secret-token").build());
    nudge.trackAndWait(cartAdd("user-42", "cart-981"));
    clock.advance(ofHours(2).plusSeconds(1));
    nudge.runDue().join();
    scrape();

    Set<String> keys = registry.getMeters().stream().flatMap(m -> m.getId().getTags().stream()).map(Tag::getKey)
        .collect(Collectors.toSet());
    assertThat(keys).containsExactlyInAnyOrder("campaign", "step", "outcome", "reason", "platform", "result");
    assertThat(registry.getMeters()).flatMap(m -> m.getId().getTags()).extracting(Tag::getValue)
        .noneMatch(v -> v.contains("user-42") || v.contains("secret") || v.contains("cart-981") || v.contains("Yoga"));
  }

  @Test
  void closeRemovesTheMeters() {
    NudgeMetrics metrics = NudgeMetrics.builder(registry).refreshEvery(Duration.ZERO).build();
    Nudge nudge = engine(metrics, ios);
    nudge.define(CART);
    scrape();
    assertThat(registry.getMeters()).isNotEmpty();
    metrics.close();
    assertThat(registry.getMeters()).isEmpty();
    engine(); // the registry takes another engine's meters again
  }

  @Test
  void badSettingsAreRefusedNamingTheArgument() {
    assertThatThrownBy(() -> NudgeMetrics.of(null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("registry is required");
    NudgeMetrics.Builder b = NudgeMetrics.builder(registry);
    assertThatThrownBy(() -> b.refreshEvery(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("refreshEvery must be zero or positive, was PT-1S");
    assertThatThrownBy(() -> b.refreshEvery(null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("refreshEvery");
    assertThatThrownBy(() -> b.refreshHeldEvery(Duration.ofMinutes(-1))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("refreshHeldEvery must be zero or positive, was PT-1M");
    assertThatThrownBy(() -> b.maxCampaigns(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxCampaigns must be at least 1, was 0");
    assertThatThrownBy(() -> b.tags("instance")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("key and value pairs");
    assertThatThrownBy(() -> b.tags("campaign", "x")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'campaign' is one NudgeMetrics sets itself");
    assertThatThrownBy(() -> b.tags("instance", " ")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the value of 'instance' is blank");
  }
}
