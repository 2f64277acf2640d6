package dev.nudge.micrometer;

import static java.time.Duration.ofHours;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nudge.Campaign;
import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.Message;
import dev.nudge.Platform;
import dev.nudge.core.Nudge;
import dev.nudge.testing.RecordingTransport;
import dev.nudge.testing.TestClock;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The meters as a Prometheus scrape shows them: the names and labels docs/metrics.md lists. */
class PrometheusNamesTest {
  @Test
  void aScrapeShowsTheCountersLatencyAndGaugesUnderTheirPrometheusNames() {
    TestClock clock = TestClock.at("2026-03-01T10:00:00Z");
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (Nudge nudge = Nudge.builder().clock(clock).transport(RecordingTransport.ios())
        .listener(NudgeMetrics.builder(registry).refreshEvery(Duration.ZERO).build()).build()) {
      nudge.define(Campaign.named("cart").triggeredBy("cart_add").cancelledBy("purchase")
          .after(ofHours(2)).send(Message.of("Still thinking?", "{{event.item_name}} is waiting").build()).build());
      nudge.registerDevice(Device.of("u1", Platform.IOS, "token-1").build());
      nudge.trackAndWait(Event.named("cart_add").user("u1").property("item_name", "Yoga mat").build());
      nudge.trackAndWait(Event.named("cart_add").user("u2").property("item_name", "Tent").build());
      registry.scrape(); // registers the campaign's series
      clock.advance(ofHours(2).plusSeconds(90));
      String before = registry.scrape();
      nudge.runDue().join();
      String after = registry.scrape();
      assertThat(before.lines()).contains(
          "nudge_triggered_total{campaign=\"cart\",step=\"0\"} 2.0",
          "nudge_scheduled_total{campaign=\"cart\",step=\"0\"} 2.0",
          "nudge_outcomes_total{campaign=\"cart\",outcome=\"SENT\",reason=\"NONE\",step=\"0\"} 0.0",
          "nudge_reminders_pending 2.0",
          "nudge_reminders_due 2.0",
          "nudge_reminders_due_lag_seconds 90.0",
          "nudge_reminders_held 0.0");
      assertThat(after.lines()).contains(
          "nudge_outcomes_total{campaign=\"cart\",outcome=\"SENT\",reason=\"NONE\",step=\"0\"} 1.0",
          "nudge_outcomes_total{campaign=\"cart\",outcome=\"SUPPRESSED\",reason=\"NO_DEVICE\",step=\"0\"} 1.0",
          "nudge_deliveries_total{campaign=\"cart\",platform=\"IOS\",result=\"ACCEPTED\",step=\"0\"} 1.0",
          "nudge_send_latency_seconds_count{platform=\"IOS\",result=\"ACCEPTED\"} 1",
          "nudge_reminders_due 0.0",
          "nudge_reminders_due_lag_seconds 0.0",
          "nudge_reminders_pending 0.0");
    }
  }
}
