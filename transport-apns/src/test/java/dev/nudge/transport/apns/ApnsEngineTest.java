package dev.nudge.transport.apns;

import static org.assertj.core.api.Assertions.assertThat;

import com.eatthepath.pushy.apns.server.RejectedNotificationException;
import com.eatthepath.pushy.apns.server.RejectionReason;
import dev.nudge.Campaign;
import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.Message;
import dev.nudge.Platform;
import dev.nudge.StepStats;
import dev.nudge.core.Nudge;
import dev.nudge.spi.DeliveryReport;
import dev.nudge.spi.NudgeListener;
import dev.nudge.spi.SendResult;
import dev.nudge.spi.Transport;
import dev.nudge.store.memory.InMemoryStore;
import dev.nudge.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The engine end to end with the real {@link ApnsTransport} and Pushy's mock server. */
@Timeout(60)
class ApnsEngineTest {
  private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");
  private final TestClock clock = new TestClock(T0);
  private final List<DeliveryReport> deliveries = new CopyOnWriteArrayList<>();
  private final Map<String, String> deactivated = new java.util.concurrent.ConcurrentHashMap<>();

  private Nudge.Builder engine(Transport transport) {
    return Nudge.builder().clock(clock).store(new InMemoryStore(clock, Duration.ofDays(7))).transport(transport)
        .retryBackoff(Duration.ofMinutes(1), Duration.ofMinutes(10))
        .listener(new NudgeListener() {
          @Override
          public void onDelivery(DeliveryReport report) {
            deliveries.add(report);
          }

          @Override
          public void onDeviceDeactivated(Device device, String reason) {
            deactivated.put(device.token(), reason);
          }
        });
  }

  private static Campaign cart() {
    return Campaign.named("cart").triggeredBy("cart_add").correlatedBy("cart_id")
        .after(Duration.ofHours(2)).send(Message.of("Still thinking, {{user.first_name | default: \"there\"}}?",
                "{{event.item_name}} is waiting in your cart")
            .deepLink("shop://cart/{{event.cart_id}}")
            .locale("fa", Message.builder().title("هنوز مطمئن نیستی؟")
                .body("{{event.item_name}} در سبد خرید شما منتظر است").build())
            .build())
        .build();
  }

  private static void shoppers(Nudge nudge, int n) {
    for (int i = 0; i < n; i++) {
      nudge.registerDevice(Device.of("u" + i, Platform.IOS, MockApns.token(i)).locale(i % 2 == 0 ? "en-US" : "fa-IR")
          .build());
      nudge.trackAndWait(Event.named("cart_add").user("u" + i).property("cart_id", "c" + i)
          .property("item_name", "Shoes " + i).build());
    }
  }

  private static int runDue(Nudge nudge) throws Exception {
    return nudge.runDue().get(30, TimeUnit.SECONDS);
  }

  private static Set<String> tokens(int n) {
    Set<String> tokens = new HashSet<>();
    for (int i = 0; i < n; i++) {
      tokens.add(MockApns.token(i));
    }
    return tokens;
  }

  @Test
  void dueRemindersArriveRenderedPerLocaleWithTheReminderAsCollapseId() throws Exception {
    try (MockApns apns = MockApns.validating(tokens(4), Map.of());
        Nudge nudge = engine(apns.transport().clock(clock).build()).build()) {
      nudge.define(cart());
      nudge.setUserAttributes("u0", Map.of("first_name", "Sara"));
      shoppers(nudge, 4);
      clock.advance(Duration.ofHours(2).plusMinutes(1));

      assertThat(runDue(nudge)).isEqualTo(4);

      Map<String, MockApns.Received> byToken = apns.accepted().stream()
          .collect(Collectors.toMap(MockApns.Received::token, Function.identity()));
      assertThat(byToken).hasSize(4);
      assertThat(byToken.get(MockApns.token(0)).aps().getAsJsonObject("alert").get("title").getAsString())
          .isEqualTo("Still thinking, Sara?");
      assertThat(byToken.get(MockApns.token(2)).aps().getAsJsonObject("alert").get("title").getAsString())
          .isEqualTo("Still thinking, there?");
      assertThat(byToken.get(MockApns.token(1)).aps().getAsJsonObject("alert").get("body").getAsString())
          .isEqualTo("Shoes 1 در سبد خرید شما منتظر است");
      assertThat(byToken.get(MockApns.token(3)).json().get("deep_link").getAsString()).isEqualTo("shop://cart/c3");
      for (DeliveryReport d : deliveries) {
        assertThat(byToken.get(d.device().token()).headers()).containsEntry("apns-collapse-id", d.reminderId());
        assertThat(d.result()).isEqualTo(SendResult.accepted(
            ApnsRequests.apnsId(d.reminderId(), d.device().token()).toString()));
      }
      assertThat(nudge.stats("cart").total().sent()).isEqualTo(4);
    }
  }

  @Test
  void aResendAfterALostAnswerCarriesTheSameCollapseIdAndApnsId() throws Exception {
    try (MockApns apns = MockApns.validating(tokens(1), Map.of());
        ApnsTransport real = apns.transport().clock(clock).build()) {
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
      List<MockApns.Received> got = apns.accepted();
      assertThat(got).hasSize(2);
      assertThat(got.get(1).headers().get("apns-collapse-id")).isEqualTo(got.get(0).headers().get("apns-collapse-id"));
      assertThat(got.get(1).headers().get("apns-id")).isEqualTo(got.get(0).headers().get("apns-id"));
      assertThat(got.get(0).headers().get("apns-collapse-id")).isEqualTo(deliveries.get(0).reminderId());
    }
  }

  @Test
  void devicesTheServerRejectsAreDeactivatedWithItsInvalidationTimeAndTheOthersReceive() throws Exception {
    Instant gone = Instant.parse("2026-11-28T09:30:00Z");
    Map<String, Instant> unregistered = Map.of(MockApns.token(1), gone, MockApns.token(4), gone);
    try (MockApns apns = MockApns.validating(tokens(6), unregistered);
        Nudge nudge = engine(apns.transport().clock(clock).build()).build()) {
      nudge.define(cart());
      shoppers(nudge, 6);
      clock.advance(Duration.ofHours(2).plusMinutes(1));
      runDue(nudge);

      assertThat(apns.accepted()).extracting(MockApns.Received::token)
          .containsExactlyInAnyOrder(MockApns.token(0), MockApns.token(2), MockApns.token(3), MockApns.token(5));
      assertThat(deactivated).containsOnlyKeys(MockApns.token(1), MockApns.token(4));
      assertThat(deactivated.get(MockApns.token(1))).startsWith("Unregistered (410)").contains(gone.toString());
      assertThat(nudge.devices("u1")).isEmpty();
      assertThat(nudge.devices("u0")).hasSize(1);
      assertThat(deliveries).filteredOn(d -> d.device().token().equals(MockApns.token(4))).singleElement()
          .satisfies(d -> assertThat(((SendResult.Rejected) d.result()).invalidSince()).contains(gone));
      StepStats total = nudge.stats("cart").total();
      assertThat(total.sent()).isEqualTo(4);
      assertThat(total.failed()).isEqualTo(2);
      assertThat(total.invalidTokens()).isEqualTo(2);
    }
  }

  @Test
  void aServerAnsweringServiceUnavailableForAWhileLosesNothingAndSendsNothingTwice() throws Exception {
    AtomicBoolean unavailable = new AtomicBoolean(true);
    Map<String, Integer> delivered = new java.util.concurrent.ConcurrentHashMap<>();
    try (MockApns apns = MockApns.with((headers, payload) -> {
      if (unavailable.get()) {
        throw new RejectedNotificationException(RejectionReason.SERVICE_UNAVAILABLE);
      }
      delivered.merge(String.valueOf(headers.get(":path")), 1, Integer::sum);
    });
        Nudge nudge = engine(apns.transport().clock(clock).build()).build()) {
      nudge.define(cart());
      shoppers(nudge, 20);
      clock.advance(Duration.ofHours(2).plusMinutes(1));
      assertThat(runDue(nudge)).as("every due reminder was tried").isEqualTo(20);
      clock.advance(Duration.ofMinutes(10));
      runDue(nudge); // still unavailable: tried again, backing off
      int refused = apns.received.size();
      assertThat(refused).isGreaterThanOrEqualTo(40);
      assertThat(nudge.stats("cart").total().sent()).isZero();

      unavailable.set(false);
      clock.advance(Duration.ofMinutes(30));
      runDue(nudge);

      assertThat(delivered).hasSize(20).allSatisfy((path, times) -> assertThat(times).as(path).isEqualTo(1));
      assertThat(nudge.stats("cart").total().sent()).isEqualTo(20);
      assertThat(nudge.pendingReminders()).isZero();
    }
  }

  @Test
  void aServerThatIsDownWhenTheEngineStartsGetsTheRemindersOnceItIsUp() throws Exception {
    int port = MockApns.freePort();
    ApnsTransport transport = ApnsTransport.builder().signingKey(MockApns.signingKeyPem(), MockApns.TEAM_ID,
        MockApns.KEY_ID).topic(MockApns.TOPIC).server("localhost", port).clock(clock)
        .trustedServerCertificates(MockApns.CA.certificate()).eventLoopGroup(MockApns.EVENT_LOOPS)
        .connectTimeout(Duration.ofSeconds(2)).build();
    // Pushy waits between connection attempts, 1 s after a failure and doubling up to 60 s, in
    // real time: two devices keep this test's wait to seconds.
    try (Nudge nudge = engine(transport).build()) {
      nudge.define(cart());
      shoppers(nudge, 2);
      clock.advance(Duration.ofHours(2).plusMinutes(1));
      runDue(nudge);
      assertThat(deliveries).hasSize(2).allSatisfy(d -> assertThat(d.result()).isInstanceOf(SendResult.Retry.class));
      assertThat(nudge.stats("cart").total().sent()).isZero();

      try (MockApns apns = MockApns.started(MockApns.validatingFactory(tokens(2), Map.of()), port)) {
        clock.advance(Duration.ofMinutes(15));
        runDue(nudge);
        assertThat(apns.accepted()).hasSize(2);
        assertThat(nudge.stats("cart").total().sent()).isEqualTo(2);
        assertThat(nudge.pendingReminders()).isZero();
      }
    }
    Map<String, Long> tries = new HashMap<>();
    deliveries.forEach(d -> tries.merge(d.device().token(), 1L, Long::sum));
    assertThat(tries).hasSize(2).allSatisfy((token, n) -> assertThat(n).isEqualTo(2));
  }
}
