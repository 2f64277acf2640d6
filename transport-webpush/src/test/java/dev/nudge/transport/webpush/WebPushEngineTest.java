package dev.nudge.transport.webpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.nudge.Campaign;
import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.Message;
import dev.nudge.Platform;
import dev.nudge.core.Nudge;
import dev.nudge.store.memory.InMemoryStore;
import dev.nudge.testing.LostAnswerTransport;
import dev.nudge.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The engine end to end with the real {@link WebPushTransport} and a push service on loopback. */
@Timeout(60)
class WebPushEngineTest {
  private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");
  private final TestClock clock = new TestClock(T0);
  private final VapidKeys keys = VapidKeys.generate();

  private Nudge engine(dev.nudge.spi.Transport transport) {
    return Nudge.builder().clock(clock).store(new InMemoryStore(clock, Duration.ofDays(7))).transport(transport)
        .retryBackoff(Duration.ofMinutes(1), Duration.ofMinutes(10)).build();
  }

  private static Campaign cart() {
    return Campaign.named("cart").triggeredBy("cart_add")
        .after(Duration.ofHours(2)).send(Message.of("Still thinking, {{user.first_name | default: \"there\"}}?",
                "{{event.item_name}} is waiting in your cart").deepLink("https://shop.example/cart")
            .locale("fa", Message.builder().title("هنوز مطمئن نیستی؟")
                .body("{{event.item_name}} در سبد خرید شما منتظر است").build())
            .build())
        .build();
  }

  private static void runDue(Nudge nudge) throws Exception {
    nudge.runDue().get(30, TimeUnit.SECONDS);
  }

  @Test
  void dueRemindersForWebSubscriptionsArriveDecryptableAndRenderedPerLocale() throws Exception {
    try (MockPushService push = new MockPushService();
        Nudge nudge = engine(MockPushService.transport(keys, clock).build())) {
      nudge.define(cart());
      nudge.setUserAttributes("u0", Map.of("first_name", "Sara"));
      Map<String, TestBrowser> browsers = new HashMap<>();
      for (int i = 0; i < 4; i++) {
        TestBrowser b = TestBrowser.subscribedAt(push.endpoint("u" + i));
        browsers.put("/push/u" + i, b);
        nudge.registerDevice(Device.of("u" + i, Platform.WEB, b.subscriptionJson()).locale(i % 2 == 0 ? "en" : "fa")
            .build());
        nudge.trackAndWait(Event.named("cart_add").user("u" + i).property("item_name", "Shoes " + i).build());
      }
      clock.advance(Duration.ofHours(2).plusMinutes(1));
      runDue(nudge);

      assertThat(push.pushes).hasSize(4);
      Map<String, JsonObject> byPath = new HashMap<>();
      for (MockPushService.Push p : push.pushes) {
        byPath.put(p.path(), JsonParser.parseString(browsers.get(p.path()).decrypt(p.body())).getAsJsonObject());
        assertThat(MockPushService.verifiedClaims(p, keys.publicKey()).get("aud").getAsString()).isEqualTo(push.origin());
      }
      assertThat(byPath.get("/push/u0").get("title").getAsString()).isEqualTo("Still thinking, Sara?");
      assertThat(byPath.get("/push/u0").get("body").getAsString()).isEqualTo("Shoes 0 is waiting in your cart");
      assertThat(byPath.get("/push/u0").get("url").getAsString()).isEqualTo("https://shop.example/cart");
      assertThat(byPath.get("/push/u2").get("title").getAsString()).isEqualTo("Still thinking, there?");
      assertThat(byPath.get("/push/u1").get("title").getAsString()).isEqualTo("هنوز مطمئن نیستی؟");
      assertThat(byPath.get("/push/u1").get("body").getAsString()).isEqualTo("Shoes 1 در سبد خرید شما منتظر است");
      assertThat(byPath.values()).allSatisfy(j -> assertThat(j.get("campaignId").getAsString()).isEqualTo("cart"));
      assertThat(nudge.stats("cart").total().sent()).isEqualTo(4);
      assertThat(nudge.stats("cart").total().accepted()).containsEntry(Platform.WEB, 4L);
    }
  }

  @Test
  void aResendAfterALostAnswerCarriesTheSameTopic() throws Exception {
    try (MockPushService push = new MockPushService(); WebPushTransport real = MockPushService.transport(keys, clock).build()) {
      TestBrowser browser = TestBrowser.subscribedAt(push.endpoint("u1"));
      try (Nudge nudge = engine(LostAnswerTransport.losingFirstAnswer(real))) {
        nudge.define(cart());
        nudge.registerDevice(Device.of("u1", Platform.WEB, browser.subscriptionJson()).build());
        nudge.trackAndWait(Event.named("cart_add").user("u1").property("item_name", "Shoes").build());
        clock.advance(Duration.ofHours(2).plusMinutes(1));
        runDue(nudge);
        clock.advance(Duration.ofMinutes(15));
        runDue(nudge);
      }
      assertThat(push.pushes).hasSize(2);
      String topic = push.pushes.get(0).header("Topic");
      assertThat(topic).isNotBlank().isEqualTo(push.pushes.get(1).header("Topic"));
      JsonObject first = JsonParser.parseString(browser.decrypt(push.pushes.get(0).body())).getAsJsonObject();
      JsonObject second = JsonParser.parseString(browser.decrypt(push.pushes.get(1).body())).getAsJsonObject();
      assertThat(second.get("tag")).isEqualTo(first.get("tag"));
      assertThat(push.pushes.get(0).body()).as("a fresh salt and key each time").isNotEqualTo(push.pushes.get(1).body());
    }
  }

  @Test
  void aGoneSubscriptionIsDeactivatedAndRegistrationChecksAndCanonicalisesTheToken() throws Exception {
    try (MockPushService push = new MockPushService();
        Nudge nudge = engine(MockPushService.transport(keys, clock).build())) {
      nudge.define(cart());
      TestBrowser browser = TestBrowser.subscribedAt(push.endpoint("u1"));
      String spaced = browser.subscriptionJson().replace(",", ", ");
      nudge.registerDevice(Device.of("u1", Platform.WEB, browser.subscriptionJson()).build());
      nudge.registerDevice(Device.of("u1", Platform.WEB, spaced).build());
      assertThat(nudge.devices("u1")).as("one subscription written two ways is one device").singleElement()
          .satisfies(d -> assertThat(d.token()).isEqualTo(WebPushSubscription.parse(spaced).token()));
      assertThatThrownBy(() -> nudge.registerDevice(Device.of("u1", Platform.WEB,
          "{\"endpoint\":\"http://push.example/x\",\"keys\":{}}").build()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not an https URL");
      assertThatThrownBy(() -> nudge.registerDevices(List.of(Device.of("u2", Platform.WEB, "nope").build())))
          .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("devices[0]: web push subscription is not a JSON object");
      assertThat(nudge.removeDevice("u1", Platform.WEB, spaced)).as("removed by either spelling").isTrue();
      nudge.registerDevice(Device.of("u1", Platform.WEB, browser.subscriptionJson()).build());
      TestBrowser other = TestBrowser.subscribedAt(push.endpoint("u9"));
      nudge.registerDevice(Device.of("u9", Platform.WEB, other.subscriptionJson().replace(",", ", ")).build());
      assertThat(nudge.deactivateDevice(Platform.WEB, other.subscriptionJson())).as("deactivated by either spelling")
          .isTrue();
      assertThat(nudge.devices("u9")).isEmpty();

      push.answer = p -> MockPushService.status(410, "");
      nudge.trackAndWait(Event.named("cart_add").user("u1").property("item_name", "Shoes").build());
      clock.advance(Duration.ofHours(2).plusMinutes(1));
      runDue(nudge);
      assertThat(nudge.devices("u1")).isEmpty();
      assertThat(nudge.stats("cart").total().invalidTokens()).isEqualTo(1);
    }
  }

  @Test
  void aDeviceStoredBeforeTheAllowListNarrowedCanStillBeRemoved() throws Exception {
    InMemoryStore store = new InMemoryStore(clock, Duration.ofDays(7));
    TestBrowser browser = TestBrowser.subscribedAt("https://localhost:8443/push/u1");
    try (Nudge open = Nudge.builder().clock(clock).store(store).transport(MockPushService.transport(keys, clock).build())
        .build()) {
      open.registerDevice(Device.of("u1", Platform.WEB, browser.subscriptionJson()).build());
    }
    try (Nudge strict = Nudge.builder().clock(clock).store(store).transport(MockPushService.transport(keys, clock)
        .allowedPushServices(WebPushTransport.MAJOR_PUSH_SERVICES).build()).build()) {
      assertThatThrownBy(() -> strict.registerDevice(Device.of("u1", Platform.WEB, browser.subscriptionJson()).build()))
          .hasMessageContaining("is not in this transport's allowedPushServices");
      String stored = strict.devices("u1").get(0).token();
      assertThat(strict.removeDevice("u1", Platform.WEB, stored)).isTrue();
      assertThat(strict.devices("u1")).isEmpty();
    }
  }
}
