package dev.nudge.core;

import static dev.nudge.simulate.SimulateSemanticsTest.campaign;
import static dev.nudge.simulate.SimulateSemanticsTest.campaigns;
import static dev.nudge.simulate.SimulateSemanticsTest.event;
import static dev.nudge.simulate.SimulateSemanticsTest.expired;
import static dev.nudge.simulate.SimulateSemanticsTest.ios;
import static dev.nudge.simulate.SimulateSemanticsTest.sent;
import static dev.nudge.simulate.SimulateSemanticsTest.simulate;
import static dev.nudge.simulate.SimulateSemanticsTest.step;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nudge.Campaign;
import dev.nudge.DeliveryPolicy;
import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.Message;
import dev.nudge.Outcome;
import dev.nudge.OutcomeReport;
import dev.nudge.Platform;
import dev.nudge.QuietHours;
import dev.nudge.spi.NudgeListener;
import dev.nudge.spi.SendResult;
import dev.nudge.testing.RecordingTransport;
import dev.nudge.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The exact boundaries of resolving a due reminder ({@code docs/semantics.md}, "Resolving a due
 * reminder"), each through the live engine on a test clock and through {@code simulate} with its
 * exact output lines (retries there from devices whose answers the log scripts): quiet hours on both New York clock changes of 2026, a second deferral that
 * runs past the expiry after the user's zone changed, expiry at exactly the window's end, and the
 * instants reported for retried sends. A test that would loop forever fails on its timeout.
 */
// A separate thread: a reminder deferred into the past spins the engine, which no interrupt stops.
@Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ResolveBoundariesTest {
  private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
  private static final String NY = ", \"zone\": \"America/New_York\"";

  // ---- the night the clocks go back: 2026-11-01, 01:00-01:59 New York time happens twice --------

  /** 01:10 EDT is 05:10Z, 01:10 EST is 06:10Z; a window 01:00-01:30 ends at 05:30Z and 06:30Z. */
  @Test
  void fallBackEachPassOfTheRepeatedHourEndsItsOwnWindowLive() {
    try (Fixture f = new Fixture()) {
      f.nudge.define(quietCampaign("01:00", "01:30", null));
      f.register(Device.of("first", Platform.IOS, "t1").zone(NEW_YORK));
      f.register(Device.of("second", Platform.IOS, "t2").zone(NEW_YORK));
      f.clock.set(Instant.parse("2026-11-01T03:00:00Z"));
      f.track(live("cart_add", "first", "2026-11-01T04:10:00Z"));   // due 01:10 EDT
      f.track(live("cart_add", "second", "2026-11-01T05:10:00Z"));  // due 01:10 EST

      assertThat(resolveNext(f)).isEqualTo("2026-11-01T05:10:00Z");
      assertThat(f.nudge.nextFireAt()).as("first: deferred to 01:30 EDT").isEqualTo("2026-11-01T05:30:00Z");
      assertThat(resolveNext(f)).isEqualTo("2026-11-01T05:30:00Z");
      assertThat(f.single(Outcome.SENT).userId()).isEqualTo("first");
      assertThat(resolveNext(f)).isEqualTo("2026-11-01T06:10:00Z");
      // Before the fix: 05:30Z, in the past, so the reminder was deferred again and again.
      assertThat(f.nudge.nextFireAt()).as("second: deferred to 01:30 EST").isEqualTo("2026-11-01T06:30:00Z");
      assertThat(resolveNext(f)).isEqualTo("2026-11-01T06:30:00Z");
      assertThat(f.reports(Outcome.SENT)).extracting(OutcomeReport::userId, OutcomeReport::dueAt)
          .containsExactly(tuple("first", "2026-11-01T05:10:00Z"), tuple("second", "2026-11-01T06:10:00Z"));
    }
  }

  @Test
  void fallBackEachPassOfTheRepeatedHourEndsItsOwnWindowSimulated() {
    String c = campaign("dst", "cart_add", "\"policy\": {\"quietHours\": {\"start\": \"01:00\", \"end\": \"01:30\"}},",
        step("PT1H", "T", "b"));
    var sim = simulate(campaigns(c), null,
        ios("2026-11-01T00:00:00Z", "first", "t1", NY),
        ios("2026-11-01T00:00:00Z", "second", "t2", NY),
        event("2026-11-01T04:10:00Z", "cart_add", "first", ""),
        event("2026-11-01T05:10:00Z", "cart_add", "second", ""));
    assertThat(sim.lines()).containsExactly(
        sent("2026-11-01T05:30:00Z", "dst", 0, "first", "", "2026-11-01T05:10:00Z", 1, "T", "b"),
        sent("2026-11-01T06:30:00Z", "dst", 0, "second", "", "2026-11-01T06:10:00Z", 1, "T", "b"));
  }

  // ---- the night the clocks go forward: 2026-03-08, 02:00 EST jumps to 03:00 EDT (07:00Z) -------

  @Test
  void springForwardAWindowEndingInTheSkippedHourEndsAtTheJumpLive() {
    try (Fixture f = new Fixture()) {
      f.nudge.define(quietCampaign("01:00", "02:30", null));
      f.register(Device.of("u1", Platform.IOS, "t1").zone(NEW_YORK));
      f.clock.set(Instant.parse("2026-03-08T05:00:00Z"));
      f.track(live("cart_add", "u1", "2026-03-08T05:50:00Z")); // due 01:50 EST

      assertThat(resolveNext(f)).isEqualTo("2026-03-08T06:50:00Z");
      assertThat(f.nudge.nextFireAt()).as("02:30 does not exist that night").isEqualTo("2026-03-08T07:00:00Z");
      assertThat(resolveNext(f)).isEqualTo("2026-03-08T07:00:00Z");
      assertThat(f.single(Outcome.SENT).dueAt()).isEqualTo("2026-03-08T06:50:00Z");
    }
  }

  @Test
  void springForwardAWindowEndingInTheSkippedHourEndsAtTheJumpSimulated() {
    String c = campaign("dst", "cart_add", "\"policy\": {\"quietHours\": {\"start\": \"01:00\", \"end\": \"02:30\"}},",
        step("PT1H", "T", "b"));
    var sim = simulate(campaigns(c), null,
        ios("2026-03-08T00:00:00Z", "u1", "t1", NY),
        event("2026-03-08T05:50:00Z", "cart_add", "u1", ""));
    assertThat(sim.lines()).containsExactly(
        sent("2026-03-08T07:00:00Z", "dst", 0, "u1", "", "2026-03-08T06:50:00Z", 1, "T", "b"));
  }

  // ---- a second deferral, after the user's zone changed, that runs past the expiry ----------------

  /**
   * Due 22:30Z inside London's 22:00-08:00 window, expiring at 10:30Z: deferred to 08:00Z. At
   * 07:00Z the user registers a device in New York, where 08:00Z is 03:00, inside the window
   * until 13:00Z, past the expiry: the reminder expires at 08:00Z, when that is decided, and the
   * next step is due an hour later, 09:00Z (04:00 in New York), so it waits until 13:00Z.
   */
  @Test
  void aSecondDeferralPastTheExpiryExpiresWhenItIsDecidedLive() {
    try (Fixture f = new Fixture()) {
      f.nudge.define(Campaign.named("quiet").triggeredBy("cart_add")
          .after(Duration.ofHours(1)).send(Message.of("T", "b").build())
          .after(Duration.ofHours(1)).send(Message.of("Next", "b").build())
          .policy(DeliveryPolicy.builder().quietHours(QuietHours.between("22:00", "08:00"))
              .expireAfter(Duration.ofHours(12)).build())
          .build());
      f.register(Device.of("u1", Platform.IOS, "t1").zone(ZoneId.of("Europe/London")));
      f.clock.set(Instant.parse("2026-03-01T21:00:00Z"));
      f.track(live("cart_add", "u1", "2026-03-01T21:30:00Z"));

      assertThat(resolveNext(f)).isEqualTo("2026-03-01T22:30:00Z");
      assertThat(f.nudge.nextFireAt()).isEqualTo("2026-03-02T08:00:00Z");
      f.clock.set(Instant.parse("2026-03-02T07:00:00Z"));
      f.register(Device.of("u1", Platform.ANDROID, "t2").zone(NEW_YORK));
      assertThat(resolveNext(f)).isEqualTo("2026-03-02T08:00:00Z");
      OutcomeReport expired = f.single(Outcome.EXPIRED);
      assertThat(expired.at()).as("expired when decided, not at its due time")
          .isEqualTo(Instant.parse("2026-03-02T08:00:00Z").plusNanos(1));
      assertThat(expired.dueAt()).isEqualTo("2026-03-01T22:30:00Z");
      assertThat(f.nudge.nextFireAt()).as("the next step counts from then")
          .isEqualTo(Instant.parse("2026-03-02T09:00:00Z").plusNanos(1));
      resolveNext(f);
      assertThat(f.nudge.nextFireAt()).isEqualTo("2026-03-02T13:00:00Z");
      resolveNext(f);
      OutcomeReport sent = f.single(Outcome.SENT);
      assertThat(sent.step()).isEqualTo(1);
      assertThat(sent.devices()).isEqualTo(2);
    }
  }

  @Test
  void aSecondDeferralPastTheExpiryExpiresWhenItIsDecidedSimulated() {
    String c = campaign("quiet", "cart_add",
        "\"policy\": {\"quietHours\": {\"start\": \"22:00\", \"end\": \"08:00\"}, \"expireAfter\": \"PT12H\"},",
        step("PT1H", "T", "b") + ", " + step("PT1H", "Next", "b"));
    var sim = simulate(campaigns(c), null,
        ios("09:00", "u1", "t1", ", \"zone\": \"Europe/London\""),
        event("21:30", "cart_add", "u1", ""),
        dev.nudge.simulate.SimulateSemanticsTest.device("2026-03-02T07:00:00Z", "u1", "android", "t2", "\"zone\": \"America/New_York\""));
    assertThat(sim.lines()).containsExactly(
        expired("2026-03-02T08:00:00Z", "quiet", 0, "u1", "", "22:30"),
        sent("2026-03-02T13:00:00Z", "quiet", 1, "u1", "", "2026-03-02T09:00:00Z", 2, "Next", "b"));
  }

  // ---- expiry at exactly the window's end: "by" includes the instant itself -------------------------

  @Test
  void aWindowEndingExactlyAtTheExpiryStillSendsLive() {
    try (Fixture f = new Fixture()) {
      f.nudge.define(Campaign.named("quiet").triggeredBy("cart_add")
          .after(Duration.ofHours(1)).send(Message.of("T", "b").build())
          .policy(DeliveryPolicy.builder().quietHours(QuietHours.between("22:00", "08:00"))
              .expireAfter(Duration.ofMinutes(9 * 60 + 30)).build())
          .build());
      f.registerIos("u1", "t1");
      f.clock.set(Instant.parse("2026-03-01T21:00:00Z"));
      f.track(live("cart_add", "u1", "2026-03-01T21:30:00Z")); // due 22:30, expires 08:00

      resolveNext(f);
      assertThat(f.nudge.nextFireAt()).isEqualTo("2026-03-02T08:00:00Z");
      f.runAt(Instant.parse("2026-03-02T08:00:00Z")); // due exactly now: waits for the next run
      assertThat(f.reports).isEmpty();
      // The engine resolves it at exactly its expiry instant: still in time.
      f.clock.set(Instant.parse("2026-03-02T08:00:00Z"));
      f.nudge.resolveThrough(f.clock.instant());
      assertThat(f.single(Outcome.SENT).at()).isEqualTo("2026-03-02T08:00:00Z");
    }
  }

  @Test
  void aWindowEndingExactlyAtTheExpiryStillSendsSimulated() {
    String c = campaign("quiet", "cart_add",
        "\"policy\": {\"quietHours\": {\"start\": \"22:00\", \"end\": \"08:00\"}, \"expireAfter\": \"PT9H30M\"},",
        step("PT1H", "T", "b"));
    var sim = simulate(campaigns(c), null,
        ios("09:00", "u1", "t1", ""),
        event("21:30", "cart_add", "u1", ""));
    assertThat(sim.lines()).containsExactly(sent("2026-03-02T08:00:00Z", "quiet", 0, "u1", "", "22:30", 1, "T", "b"));
    // A nanosecond less of expiry and the window's end is past it: expired when first resolved.
    var late = simulate(campaigns(c.replace("PT9H30M", "PT9H29M59.999999S")), null,
        ios("09:00", "u1", "t1", ""),
        event("21:30", "cart_add", "u1", ""));
    assertThat(late.lines()).containsExactly(expired("22:30", "quiet", 0, "u1", "", "22:30"));
  }

  // ---- retries (live only: the simulator's transports accept every send) ---------------------------

  @Test
  void aRetriedSendExpiresAtItsExpiryInstantAndNotBefore() {
    TestClock clock = new TestClock(Instant.parse("2026-03-01T10:00:00Z"));
    AtomicInteger attempts = new AtomicInteger();
    List<OutcomeReport> reports = new CopyOnWriteArrayList<>();
    List<Instant> attemptsAt = new CopyOnWriteArrayList<>();
    try (Nudge nudge = Nudge.builder().clock(clock)
        .transport(new RecordingTransport(Platform.IOS).answer(device -> {
          attempts.incrementAndGet();
          attemptsAt.add(clock.instant());
          return SendResult.retry("busy", null);
        }))
        .retryBackoff(Duration.ofSeconds(20), Duration.ofMinutes(2))
        .listener(collect(reports))
        .build()) {
      nudge.define(Campaign.named("cart").triggeredBy("cart_add")
          .after(Duration.ofMinutes(10)).send(Message.of("T", "b").build())
          .policy(DeliveryPolicy.builder().expireAfter(Duration.ofMinutes(5)).build()).build());
      nudge.registerDevice(Device.of("u1", Platform.IOS, "t1").build());
      nudge.track(Event.named("cart_add").user("u1").build()).join();
      Instant due = clock.instant().plus(Duration.ofMinutes(10));
      Instant expiry = due.plus(Duration.ofMinutes(5));
      while (reports.isEmpty()) {
        Instant next = nudge.nextFireAt();
        assertThat(next).as("retries never go past the expiry").isBeforeOrEqualTo(expiry);
        clock.set(next);
        nudge.resolveThrough(next);
      }
      OutcomeReport r = reports.get(0);
      assertThat(r.outcome()).isEqualTo(Outcome.EXPIRED);
      assertThat(r.at()).isEqualTo(expiry);
      assertThat(attemptsAt).as("the last try is at the expiry itself").last().isEqualTo(expiry);
      assertThat(attemptsAt).first().isEqualTo(due);
      assertThat(attempts.get()).isGreaterThan(2);
      assertThat(nudge.stats("cart").step(0).expired()).isEqualTo(1);
    }
  }

  /**
   * Simulated, retries wait the backoff without jitter (1 s, 2 s, 4 s, ... from the due time), so
   * the output repeats: the tries at +1, +3, +7, +15, +31, +63, +127 and +255 s, then the last
   * one at the expiry, +300 s, where the reminder ends.
   */
  @Test
  void aRetriedSendExpiresAtItsExpiryInstantAndNotBeforeSimulated() {
    String c = campaign("cart", "cart_add", "\"policy\": {\"expireAfter\": \"PT5M\"},", step("PT10M", "T", "b"));
    String busy = ", \"answers\": [" + String.join(", ", java.util.Collections.nCopies(12, "\"retry\"")) + "]";
    var sim = simulate(campaigns(c), null,
        ios("09:00", "u1", "t1", busy),
        event("10:00", "cart_add", "u1", ""));
    assertThat(sim.lines()).containsExactly(expired("10:15", "cart", 0, "u1", "", "10:10"));
  }

  @Test
  void aSendAcceptedOnARetryIsReportedWhenADeviceAcceptedItSimulated() {
    String c = campaign("cart", "cart_add", "", step("PT10M", "T", "b") + ", " + step("PT1H", "Next", "b"));
    var sim = simulate(campaigns(c), null,
        ios("09:00", "u1", "t1", ", \"answers\": [\"retry PT30S\"]"),
        event("10:00", "cart_add", "u1", ""));
    assertThat(sim.lines()).containsExactly(
        sent("2026-03-01T10:10:30Z", "cart", 0, "u1", "", "10:10", 1, "T", "b"),
        sent("2026-03-01T11:10:30Z", "cart", 1, "u1", "", "2026-03-01T11:10:30Z", 1, "Next", "b"));
  }

  @Test
  void aSendAcceptedOnARetryIsReportedWhenADeviceAcceptedIt() {
    TestClock clock = new TestClock(Instant.parse("2026-03-01T10:00:00Z"));
    AtomicInteger attempts = new AtomicInteger();
    List<OutcomeReport> reports = new CopyOnWriteArrayList<>();
    try (Nudge nudge = Nudge.builder().clock(clock)
        .transport(new RecordingTransport(Platform.IOS).answer(device -> attempts.incrementAndGet() == 1
            ? SendResult.retry("busy", Duration.ofSeconds(30)) : SendResult.accepted("apns-1")))
        .listener(collect(reports))
        .build()) {
      nudge.define(Campaign.named("cart").triggeredBy("cart_add")
          .after(Duration.ofMinutes(10)).send(Message.of("T", "b").build())
          .after(Duration.ofHours(1)).send(Message.of("Next", "b").build()).build());
      nudge.registerDevice(Device.of("u1", Platform.IOS, "t1").build());
      nudge.track(Event.named("cart_add").user("u1").build()).join();
      Instant due = clock.instant().plus(Duration.ofMinutes(10));
      clock.set(due);
      nudge.resolveThrough(due);
      assertThat(reports).isEmpty();
      Instant retryAt = nudge.nextFireAt();
      assertThat(retryAt).isAfterOrEqualTo(due.plusSeconds(30));
      Instant accepted = retryAt.plusSeconds(7); // resolved a little late
      clock.set(accepted);
      nudge.resolveThrough(accepted);
      assertThat(reports).singleElement().satisfies(r -> {
        assertThat(r.outcome()).isEqualTo(Outcome.SENT);
        assertThat(r.at()).as("when the device accepted it, not the first attempt").isEqualTo(accepted);
        assertThat(r.dueAt()).isEqualTo(due);
      });
      assertThat(nudge.nextFireAt()).as("the next step counts from the send").isEqualTo(accepted.plus(Duration.ofHours(1)));
    }
  }

  // ---- helpers

  private static Campaign quietCampaign(String start, String end, Duration expireAfter) {
    DeliveryPolicy.Builder policy = DeliveryPolicy.builder().quietHours(QuietHours.between(start, end));
    if (expireAfter != null) {
      policy.expireAfter(expireAfter);
    }
    return Campaign.named("dst").triggeredBy("cart_add")
        .after(Duration.ofHours(1)).send(Message.of("T", "b").build())
        .policy(policy.build()).build();
  }

  private static Event.Builder live(String name, String user, String at) {
    return Event.named(name).user(user).at(Instant.parse(at));
  }

  /** Resolves the earliest pending reminder a nanosecond after its fire time; returns that time. */
  private static Instant resolveNext(Fixture f) {
    Instant next = f.nudge.nextFireAt();
    f.runAt(next.plusNanos(1));
    return next;
  }

  private static org.assertj.core.groups.Tuple tuple(String user, String dueAt) {
    return org.assertj.core.groups.Tuple.tuple(user, Instant.parse(dueAt));
  }

  private static NudgeListener collect(List<OutcomeReport> reports) {
    return new NudgeListener() {
      @Override
      public void onOutcome(OutcomeReport report) {
        reports.add(report);
      }
    };
  }
}
