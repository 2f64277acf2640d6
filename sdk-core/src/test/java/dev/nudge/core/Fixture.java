package dev.nudge.core;

import static java.time.Duration.ofHours;
import static org.assertj.core.api.Assertions.assertThat;
import dev.nudge.Campaign;
import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.Message;
import dev.nudge.Outcome;
import dev.nudge.OutcomeReport;
import dev.nudge.Platform;
import dev.nudge.TrackResult;
import dev.nudge.spi.NudgeListener;
import dev.nudge.testing.RecordingTransport;
import dev.nudge.testing.RecordingTransport.Delivery;
import dev.nudge.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * The world each scenario starts from: an engine on a test clock at 2026-03-01T10:00:00Z with an
 * iOS and an Android recording transport and a listener that keeps every outcome report. Shared
 * by the scenario, semantics and validation tests.
 */
final class Fixture implements AutoCloseable {
  static final Instant START = Instant.parse("2026-03-01T10:00:00Z");
  static final Message CART_MESSAGE = Message.of(
      "Still thinking, {{user.first_name | default: \"there\"}}?",
      "{{event.item_name}} is waiting in your cart").build();

  final TestClock clock = new TestClock(START);
  final RecordingTransport ios = RecordingTransport.ios();
  final RecordingTransport android = RecordingTransport.android();
  final List<OutcomeReport> reports = new CopyOnWriteArrayList<>();
  final Nudge nudge;

  Fixture() {
    nudge = Nudge.builder()
        .clock(clock)
        .transport(ios)
        .transport(android)
        .listener(new NudgeListener() {
          @Override
          public void onOutcome(OutcomeReport report) {
            reports.add(report);
          }
        })
        .build();
  }

  /** The cart-abandonment campaign: cart_add, cancelled by purchase, after 2 hours. */
  static Campaign.Builder cartCampaign() {
    return Campaign.named("cart").triggeredBy("cart_add").cancelledBy("purchase")
        .after(ofHours(2)).send(CART_MESSAGE);
  }

  static Event.Builder cartAdd(String userId, String itemName) {
    return Event.named("cart_add").user(userId).property("item_name", itemName);
  }

  Device registerIos(String userId, String token) {
    return register(Device.of(userId, Platform.IOS, token));
  }

  Device registerAndroid(String userId, String token) {
    return register(Device.of(userId, Platform.ANDROID, token));
  }

  Device register(Device.Builder device) {
    Device d = device.build();
    nudge.registerDevice(d);
    return d;
  }

  TrackResult track(Event.Builder event) {
    return nudge.track(event.build()).join();
  }

  /** Moves the clock forward and resolves what became due. */
  void advance(Duration duration) {
    clock.advance(duration);
    nudge.runDue().join();
  }

  /** Sets the clock and resolves what became due. */
  void runAt(Instant instant) {
    clock.set(instant);
    nudge.runDue().join();
  }

  /** Every delivery on both platforms, iOS first. */
  List<Delivery> deliveries() {
    return Stream.concat(ios.deliveries().stream(), android.deliveries().stream()).toList();
  }

  List<OutcomeReport> reports(Outcome outcome) {
    return reports.stream().filter(r -> r.outcome() == outcome).toList();
  }

  /** The one report with this outcome; fails when there is none or several. */
  OutcomeReport single(Outcome outcome) {
    List<OutcomeReport> matching = reports(outcome);
    assertThat(matching).as("%s reports among %s", outcome, reports).hasSize(1);
    return matching.get(0);
  }

  @Override
  public void close() {
    nudge.close();
  }
}
