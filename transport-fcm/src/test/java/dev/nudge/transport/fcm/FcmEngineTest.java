package dev.nudge.transport.fcm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nudge.Campaign;
import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.Message;
import dev.nudge.Platform;
import dev.nudge.core.Nudge;
import dev.nudge.spi.DeliveryReport;
import dev.nudge.spi.NudgeListener;
import dev.nudge.spi.SendResult;
import dev.nudge.spi.Transport;
import dev.nudge.store.memory.InMemoryStore;
import dev.nudge.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The engine end to end with the real {@link FcmTransport} and a local FCM endpoint. */
@Timeout(60)
class FcmEngineTest {
  private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");
  private final TestClock clock = new TestClock(T0);
  private final List<DeliveryReport> deliveries = new CopyOnWriteArrayList<>();

  private Nudge.Builder engine(Transport transport) {
    return Nudge.builder().clock(clock).store(new InMemoryStore(clock, Duration.ofDays(7))).transport(transport)
        .retryBackoff(Duration.ofMinutes(1), Duration.ofMinutes(10))
        .listener(new NudgeListener() {
          @Override
          public void onDelivery(DeliveryReport report) {
            deliveries.add(report);
          }
        });
  }

  private static Campaign cart() {
    return Campaign.named("cart").triggeredBy("cart_add")
        .after(Duration.ofHours(2)).send(Message.of("Still thinking, {{user.first_name | default: \"there\"}}?",
                "{{event.item_name}} is waiting in your cart")
            .locale("fa", Message.builder().title("هنوز مطمئن نیستی؟")
                .body("{{event.item_name}} در سبد خرید شما منتظر است").build())
            .build())
        .build();
  }

  private static void shoppers(Nudge nudge, int n) {
    for (int i = 0; i < n; i++) {
      nudge.registerDevice(Device.of("u" + i, Platform.ANDROID, "fcm-" + i).locale(i % 2 == 0 ? "en" : "fa").build());
      nudge.trackAndWait(Event.named("cart_add").user("u" + i).property("item_name", "Shoes " + i).build());
    }
  }

  private static void runDue(Nudge nudge) throws Exception {
    nudge.runDue().get(30, TimeUnit.SECONDS);
  }

  @Test
  void dueRemindersArriveRenderedPerLocaleWithTheReminderAsTagAndCollapseKey() throws Exception {
    try (MockFcm fcm = new MockFcm(); Nudge nudge = engine(fcm.transport().clock(clock).build()).build()) {
      nudge.define(cart());
      nudge.setUserAttributes("u0", Map.of("first_name", "Sara"));
      shoppers(nudge, 4);
      clock.advance(Duration.ofHours(2).plusMinutes(1));
      runDue(nudge);

      Map<String, MockFcm.Send> byToken = fcm.sends.stream()
          .collect(Collectors.toMap(MockFcm.Send::token, Function.identity()));
      assertThat(byToken).hasSize(4);
      assertThat(title(byToken.get("fcm-0"))).isEqualTo("Still thinking, Sara?");
      assertThat(title(byToken.get("fcm-2"))).isEqualTo("Still thinking, there?");
      assertThat(byToken.get("fcm-1").message().getAsJsonObject("notification").get("body").getAsString())
          .isEqualTo("Shoes 1 در سبد خرید شما منتظر است");
      for (DeliveryReport d : deliveries) {
        var android = byToken.get(d.device().token()).message().getAsJsonObject("android");
        assertThat(android.get("collapse_key").getAsString()).isEqualTo(d.reminderId());
        assertThat(android.getAsJsonObject("notification").get("tag").getAsString()).isEqualTo(d.reminderId());
      }
      assertThat(nudge.stats("cart").total().sent()).isEqualTo(4);
    }
  }

  private static String title(MockFcm.Send s) {
    return s.message().getAsJsonObject("notification").get("title").getAsString();
  }

  @Test
  void aResendAfterALostAnswerCarriesTheSameTagAndCollapseKey() throws Exception {
    try (MockFcm fcm = new MockFcm(); FcmTransport real = fcm.transport().clock(clock).build()) {
      // The first answer is lost after the platform took the notification: the engine sends it again.
      Transport losingFirstAnswer = dev.nudge.testing.LostAnswerTransport.losingFirstAnswer(real);
      try (Nudge nudge = engine(losingFirstAnswer).build()) {
        nudge.define(cart());
        shoppers(nudge, 1);
        clock.advance(Duration.ofHours(2).plusMinutes(1));
        runDue(nudge);
        clock.advance(Duration.ofMinutes(15));
        runDue(nudge);
      }
      assertThat(fcm.sends).hasSize(2);
      var first = fcm.sends.get(0).message().getAsJsonObject("android");
      var second = fcm.sends.get(1).message().getAsJsonObject("android");
      assertThat(second.get("collapse_key")).isEqualTo(first.get("collapse_key"));
      assertThat(second.getAsJsonObject("notification").get("tag"))
          .isEqualTo(first.getAsJsonObject("notification").get("tag"));
    }
  }

  @Test
  void aRetryAfterIsHonouredOnTheEnginesClock() throws Exception {
    try (MockFcm fcm = new MockFcm(); Nudge nudge = engine(fcm.transport().clock(clock).build()).build()) {
      fcm.answer = s -> fcm.sends.size() == 1
          ? MockFcm.error(503, "UNAVAILABLE", "UNAVAILABLE", "The service is unavailable.").setHeader("Retry-After", "7200")
          : MockFcm.ok();
      nudge.define(cart());
      shoppers(nudge, 1);
      clock.advance(Duration.ofHours(2).plusMinutes(1));
      runDue(nudge);
      assertThat(fcm.sends).hasSize(1);

      clock.advance(Duration.ofMinutes(30)); // the engine's own backoff (1 min) is long past: FCM said 2 hours
      runDue(nudge);
      assertThat(fcm.sends).hasSize(1);

      clock.advance(Duration.ofMinutes(91));
      runDue(nudge);
      assertThat(fcm.sends).hasSize(2);
      assertThat(nudge.stats("cart").total().sent()).isEqualTo(1);
    }
  }
}
