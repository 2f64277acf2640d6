package dev.nudge.transport.webpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.nudge.Device;
import dev.nudge.Platform;
import dev.nudge.Priority;
import dev.nudge.spi.RenderedNotification;
import dev.nudge.spi.SendResult;
import dev.nudge.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link WebPushTransport} against a push service on loopback, checked from the requests it recorded. */
@Timeout(60)
class WebPushTransportTest {
  private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");

  private final TestClock clock = new TestClock(T0);
  private final VapidKeys keys = VapidKeys.generate();
  private final MockPushService push;
  private final WebPushTransport transport;

  WebPushTransportTest() throws Exception {
    push = new MockPushService();
    transport = MockPushService.transport(keys, clock).build();
  }

  @AfterEach
  void close() throws Exception {
    transport.close();
    push.close();
  }

  private static RenderedNotification.Builder cartNotification() {
    return RenderedNotification.builder("0190f3a2b4c5d6e7f8091a2b3c4d5e6f", "cart", 0)
        .text("Still thinking, Sara?", "Trail running shoes are waiting in your cart")
        .deepLink("https://shop.example/cart").imageUrl("https://shop.example/img/shoes.png")
        .data("cart_id", "c1");
  }

  private Device device(TestBrowser browser) {
    return Device.of("u1", Platform.WEB, transport.registrationToken(browser.subscriptionJson())).build();
  }

  private SendResult send(Device device, RenderedNotification n) throws Exception {
    return transport.send(device, n).get(20, TimeUnit.SECONDS);
  }

  @Test
  void aSendArrivesEncryptedForTheSubscriptionWithVapidAndItsHeaders() throws Exception {
    TestBrowser browser = TestBrowser.subscribedAt(push.endpoint("b1"));
    SendResult result = send(device(browser), cartNotification().collapseId("cart-c1")
        .expiresAt(T0.plus(Duration.ofHours(2))).priority(Priority.HIGH).build());

    assertThat(result).isInstanceOf(SendResult.Accepted.class);
    assertThat(((SendResult.Accepted) result).providerId()).startsWith("https://localhost/message/");
    MockPushService.Push p = push.pushes.get(0);
    assertThat(p.path()).isEqualTo("/push/b1");
    assertThat(p.header("Content-Encoding")).isEqualTo("aes128gcm");
    assertThat(p.header("Content-Type")).isEqualTo("application/octet-stream");
    assertThat(p.header("TTL")).isEqualTo("7200");
    assertThat(p.header("Urgency")).isEqualTo("high");
    assertThat(p.header("Topic")).isEqualTo("cart-c1");

    JsonObject payload = JsonParser.parseString(browser.decrypt(p.body())).getAsJsonObject();
    assertThat(payload.toString()).isEqualTo("{\"title\":\"Still thinking, Sara?\","
        + "\"body\":\"Trail running shoes are waiting in your cart\",\"image\":\"https://shop.example/img/shoes.png\","
        + "\"url\":\"https://shop.example/cart\",\"tag\":\"cart-c1\",\"campaignId\":\"cart\",\"step\":0,"
        + "\"data\":{\"cart_id\":\"c1\"}}");

    JsonObject claims = MockPushService.verifiedClaims(p, keys.publicKey());
    assertThat(claims.get("aud").getAsString()).isEqualTo(push.origin());
    assertThat(claims.get("sub").getAsString()).isEqualTo("mailto:push@shop.example");
    long exp = claims.get("exp").getAsLong();
    assertThat(exp).isGreaterThan(T0.getEpochSecond()).isLessThanOrEqualTo(T0.plus(Duration.ofHours(24)).getEpochSecond());
  }

  @Test
  void theTopicOfALongOrOddCollapseIdIsItsHashAndADefaultTtlAndNormalUrgencyApply() throws Exception {
    TestBrowser browser = TestBrowser.subscribedAt(push.endpoint("b2"));
    Device d = device(browser);
    send(d, cartNotification().collapseId("order:12345/größe").priority(Priority.NORMAL).build());
    send(d, cartNotification().collapseId("order:12345/größe").build());
    send(d, cartNotification().collapseId("order:12346/größe").build());
    send(d, cartNotification().build());

    List<String> topics = push.pushes.stream().map(p -> p.header("Topic")).toList();
    assertThat(topics.get(0)).matches("[A-Za-z0-9_-]{32}").isEqualTo(topics.get(1)).isNotEqualTo(topics.get(2));
    assertThat(topics.get(3)).as("a reminder id is a topic as it is").isEqualTo("0190f3a2b4c5d6e7f8091a2b3c4d5e6f");
    assertThat(push.pushes.get(0).header("Urgency")).isEqualTo("normal");
    assertThat(push.pushes.get(0).header("TTL")).isEqualTo("86400");
    assertThat(browser.decrypt(push.pushes.get(0).body())).contains("\"tag\":\"order:12345/größe\"");
  }

  @Test
  void everyStatusIsMappedAsThePushProtocolMeansIt() throws Exception {
    TestBrowser browser = TestBrowser.subscribedAt(push.endpoint("b3"));
    Device d = device(browser);
    RenderedNotification n = cartNotification().build();
    Map<Integer, SendResult> results = new HashMap<>();
    String httpDate = DateTimeFormatter.RFC_1123_DATE_TIME.format(T0.plusSeconds(300).atOffset(ZoneOffset.UTC));
    for (int status : new int[] {201, 200, 202, 301, 400, 401, 403, 404, 408, 410, 413, 429, 500, 503}) {
      push.answer = p -> switch (status) {
        case 429 -> MockPushService.status(429, "slow down").setHeader("Retry-After", "120");
        case 503 -> MockPushService.status(503, "").setHeader("Retry-After", httpDate);
        case 401 -> MockPushService.status(401, "{\"message\":\"Invalid token eyJhbGciOi.eyJhdWQiOi.c2lnbmF0dXJl\"}");
        case 301 -> MockPushService.status(301, "").setHeader("Location", "https://169.254.169.254/latest");
        case 413 -> MockPushService.status(413, "x".repeat(5_000_000));
        default -> MockPushService.status(status, status == 400 ? "{\"errno\":111,\"message\":\"Missing TTL header\"}" : "");
      };
      results.put(status, send(d, n));
    }
    for (int ok : new int[] {200, 201, 202}) {
      assertThat(results.get(ok)).isInstanceOf(SendResult.Accepted.class);
    }
    String origin = push.origin();
    for (int gone : new int[] {404, 410}) {
      assertThat(results.get(gone)).isInstanceOfSatisfying(SendResult.Rejected.class, r -> {
        assertThat(r.tokenDead()).isTrue();
        assertThat(r.reason()).isEqualTo("push service " + origin + " says the subscription is gone (" + gone
            + "); the browser unsubscribed or the subscription expired");
      });
    }
    assertThat(results.get(413)).isInstanceOfSatisfying(SendResult.Rejected.class, r -> {
      assertThat(r.tokenDead()).isFalse();
      assertThat(r.reason()).contains("too large (413: xxxx").hasSizeLessThan(400); // of a 5 MB error body
    });
    assertThat(results.get(429)).isInstanceOfSatisfying(SendResult.Retry.class, r -> {
      assertThat(r.retryAfter()).contains(Duration.ofSeconds(120));
      assertThat(r.reason()).isEqualTo("push service " + origin + " is throttling (429: slow down)");
    });
    assertThat(results.get(503)).isInstanceOfSatisfying(SendResult.Retry.class,
        r -> assertThat(r.retryAfter()).contains(Duration.ofSeconds(300)));
    assertThat(results.get(500)).isInstanceOfSatisfying(SendResult.Retry.class,
        r -> assertThat(r.retryAfter()).isEmpty());
    assertThat(results.get(408)).isInstanceOfSatisfying(SendResult.Retry.class,
        r -> assertThat(r.reason()).isEqualTo("push service " + origin + " timed out (408)"));
    assertThat(results.get(301)).isInstanceOfSatisfying(SendResult.Rejected.class,
        r -> assertThat(r.reason()).contains("answered with a redirect (301), which is not followed"));
    // 14 statuses, 15 requests: OkHttp itself repeats a request answered 408 once; the redirect is not followed.
    assertThat(push.pushes).hasSize(15);
    assertThat(push.pushes).noneMatch(p -> p.path().contains("latest"));
    assertThat(results.get(400)).isInstanceOfSatisfying(SendResult.Rejected.class, r -> {
      assertThat(r.tokenDead()).isFalse();
      assertThat(r.reason()).isEqualTo("push service " + origin
          + " refused the message (400: {\"errno\":111,\"message\":\"Missing TTL header\"})");
    });
    for (int vapid : new int[] {401, 403}) {
      assertThat(results.get(vapid)).isInstanceOfSatisfying(SendResult.Rejected.class, r -> {
        assertThat(r.tokenDead()).isFalse();
        assertThat(r.reason()).contains("refused the VAPID authorization of public key "
            + keys.publicKey().substring(0, 12) + "…").doesNotContain("eyJhdWQiOi").doesNotContain(keys.publicKey());
      });
    }
    assertThat(results.get(401)).isInstanceOfSatisfying(SendResult.Rejected.class,
        r -> assertThat(r.reason()).contains("(401: {\"message\":\"Invalid token <token>\"})"));
  }

  @Test
  void theVapidTokenIsMadeOncePerOriginAndRenewedShortlyBeforeItExpires() throws Exception {
    try (MockPushService other = new MockPushService()) {
      Device a = device(TestBrowser.subscribedAt(push.endpoint("a")));
      Device b = device(TestBrowser.subscribedAt(push.endpoint("b")));
      Device c = device(TestBrowser.subscribedAt(other.endpoint("c")));
      RenderedNotification n = cartNotification().build();
      send(a, n);
      send(b, n);
      send(c, n);
      String first = push.pushes.get(0).header("Authorization");
      assertThat(push.pushes.get(1).header("Authorization")).as("same origin, same token").isEqualTo(first);
      MockPushService.Push atOther = other.pushes.get(0);
      assertThat(atOther.header("Authorization")).isNotEqualTo(first);
      assertThat(MockPushService.verifiedClaims(atOther, keys.publicKey()).get("aud").getAsString())
          .isEqualTo(other.origin());

      clock.advance(VapidTokens.LIFETIME.minus(VapidTokens.RENEW_BEFORE).minusSeconds(1));
      send(a, n);
      assertThat(push.pushes.get(2).header("Authorization")).isEqualTo(first);
      clock.advance(Duration.ofSeconds(1));
      send(a, n);
      String renewed = push.pushes.get(3).header("Authorization");
      assertThat(renewed).isNotEqualTo(first);
      assertThat(MockPushService.verifiedClaims(push.pushes.get(3), keys.publicKey()).get("exp").getAsLong())
          .isEqualTo(clock.instant().plus(VapidTokens.LIFETIME).getEpochSecond());

      push.answer = p -> MockPushService.status(403, "");
      send(a, n);
      push.answer = p -> MockPushService.created();
      send(a, n);
      assertThat(push.pushes.get(5).header("Authorization")).as("a 403 of a young token: kept (it is about the"
          + " subscription)").isEqualTo(renewed);
      clock.advance(VapidTokens.RENEW_REFUSED_AFTER);
      push.answer = p -> MockPushService.status(401, "");
      send(a, n);
      push.answer = p -> MockPushService.created();
      send(a, n);
      assertThat(push.pushes.get(7).header("Authorization")).as("a refused token an hour old is made anew")
          .isNotEqualTo(renewed);
    }
  }

  @Test
  void aThousandSendsToAThousandBrowsersAllArriveAndDecrypt() throws Exception {
    List<TestBrowser> browsers = new ArrayList<>();
    List<CompletableFuture<SendResult>> results = new ArrayList<>();
    try (WebPushTransport limited = MockPushService.transport(keys, clock).maxConcurrentRequests(32).build()) {
      for (int i = 0; i < 1000; i++) {
        TestBrowser b = TestBrowser.subscribedAt(push.endpoint("s" + i));
        browsers.add(b);
        Device d = Device.of("u" + i, Platform.WEB, limited.registrationToken(b.subscriptionJson())).build();
        results.add(limited.send(d, RenderedNotification.builder("r" + i, "cart", 0)
            .text("Hello " + i, "Your cart " + i).build()));
      }
      CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(50, TimeUnit.SECONDS);
    }
    assertThat(results).allSatisfy(f -> assertThat(f.join()).isInstanceOf(SendResult.Accepted.class));
    assertThat(push.pushes).hasSize(1000);
    assertThat(push.mostAtOnce.get()).as("maxConcurrentRequests").isLessThanOrEqualTo(32);
    assertThat(push.perPath).hasSize(1000).allSatisfy((path, n) -> assertThat(n.get()).isEqualTo(1));
    for (MockPushService.Push p : push.pushes) {
      int i = Integer.parseInt(p.path().substring("/push/s".length()));
      assertThat(browsers.get(i).decrypt(p.body())).contains("\"title\":\"Hello " + i + "\"");
    }
  }

  @Test
  void aNotificationThatDoesNotFitIsRejectedBeforeSending() throws Exception {
    Device d = device(TestBrowser.subscribedAt(push.endpoint("big")));
    SendResult r = send(d, cartNotification().data("blob", "x".repeat(4000)).build());
    assertThat(r).isInstanceOfSatisfying(SendResult.Rejected.class, rej -> {
      assertThat(rej.tokenDead()).isFalse();
      assertThat(rej.reason()).matches("the notification is \\d+ bytes as JSON; Web Push carries at most 3993 .*");
    });
    assertThat(push.pushes).isEmpty();
  }

  @Test
  void byDefaultOnlyTheMajorBrowsersPushServicesAreSentTo() throws Exception {
    TestBrowser browser = TestBrowser.subscribedAt(push.endpoint("x"));
    try (WebPushTransport strict = WebPushTransport.builder().vapidKeys(keys).subject("mailto:push@shop.example")
        .httpClient(MockPushService.client()).clock(clock).build()) {
      assertThat(strict.toString()).contains("pushServices=[fcm.googleapis.com, *.push.services.mozilla.com,"
          + " *.push.apple.com, *.notify.windows.com]");
      assertThatThrownBy(() -> strict.registrationToken(browser.subscriptionJson()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("web push subscription's push service " + push.origin()
              + " is not in this transport's allowedPushServices [fcm.googleapis.com, *.push.services.mozilla.com");
      for (String forged : List.of("https://169.254.169.254/latest/meta-data/x", "https://127.0.0.1:6443/api",
          "https://[::1]:9200/_search", "https://metadata.google.internal/computeMetadata/v1",
          "https://fcm.googleapis.com:8443/fcm/send/x", "https://evil-push.apple.com.example/x")) {
        assertThatThrownBy(() -> strict.registrationToken(TestBrowser.subscribedAt(forged).subscriptionJson()))
            .as(forged).hasMessageContaining("is not in this transport's allowedPushServices");
      }
      SendResult r = strict.send(Device.of("u1", Platform.WEB, browser.subscriptionJson()).build(),
          cartNotification().build()).get(5, TimeUnit.SECONDS);
      assertThat(r).isInstanceOfSatisfying(SendResult.Rejected.class, rej -> assertThat(rej.tokenDead()).isFalse());
      assertThat(strict.registrationToken(TestBrowser.subscribedAt("https://updates.push.services.mozilla.com/wpush/v2/x")
          .subscriptionJson())).startsWith("{\"endpoint\":\"https://updates.push.services.mozilla.com/");
      assertThat(strict.registrationToken(TestBrowser.subscribedAt("https://Web.Push.Apple.com:443/QGuQ")
          .subscriptionJson())).as("host in lower case, the default port dropped")
          .startsWith("{\"endpoint\":\"https://web.push.apple.com/QGuQ\"");
    }
    assertThat(push.pushes).isEmpty();
  }

  @Test
  void anAllowListEntryNamesAHostAndItsPort() throws Exception {
    TestBrowser browser = TestBrowser.subscribedAt(push.endpoint("x"));
    try (WebPushTransport hostOnly = MockPushService.transport(keys, clock).allowedPushServices("LOCALHOST").build()) {
      assertThatThrownBy(() -> hostOnly.registrationToken(browser.subscriptionJson()))
          .hasMessageContaining("add its host (with its port, when not 443)");
    }
    try (WebPushTransport local = MockPushService.transport(keys, clock)
        .allowedPushServices("localhost:" + push.server.getPort()).build()) {
      assertThat(local.send(device(browser), cartNotification().build()).get(10, TimeUnit.SECONDS))
          .isInstanceOf(SendResult.Accepted.class);
    }
    for (String bad : List.of("https://fcm.googleapis.com", "*.com", "fcm.googleapis.com:0", "fcm.googleapis.com:99999",
        "", "a b")) {
      assertThatThrownBy(() -> WebPushTransport.builder().allowedPushServices(bad)).as(bad)
          .hasMessageContaining("is not a host name, host:port or *.domain");
    }
    assertThatThrownBy(() -> WebPushTransport.builder().allowedPushServices(List.of()))
        .hasMessageContaining("allowAnyPushService()");
  }

  @Test
  void anErrorBodyThatRepeatsTheEndpointsPathDoesNotCarryItIntoTheReason() throws Exception {
    Device d = device(TestBrowser.subscribedAt(push.endpoint("dJ9abcdefCAPABILITY")));
    push.answer = p -> MockPushService.status(400, "No such subscription:\n /push/dJ9abcdefCAPABILITY (id"
        + " dJ9abcdefCAPABILITY)\u0007");
    SendResult r = send(d, cartNotification().build());
    assertThat(r).isInstanceOfSatisfying(SendResult.Rejected.class, rej -> assertThat(rej.reason())
        .isEqualTo("push service " + push.origin() + " refused the message (400: No such subscription: /… (id …))"));
  }

  @Test
  void theTtlIsTheTimeLeftWithinZeroTo28Days() throws Exception {
    Device d = device(TestBrowser.subscribedAt(push.endpoint("ttl")));
    send(d, cartNotification().expiresAt(T0.minusSeconds(5)).build());
    send(d, cartNotification().expiresAt(T0.plus(Duration.ofDays(40))).build());
    send(d, cartNotification().expiresAt(T0.plusMillis(90_500)).build());
    assertThat(push.pushes).extracting(p -> p.header("TTL")).containsExactly("0", "2419200", "90");
  }

  @Test
  void aStoredBrokenSubscriptionIsDeadAnotherPlatformsTokenIsKeptAndAnUnreachableServiceIsARetry() throws Exception {
    SendResult broken = send(Device.of("u1", Platform.WEB, "{\"endpoint\":\"http://push.example/x\"}").build(),
        cartNotification().build());
    assertThat(broken).isInstanceOfSatisfying(SendResult.Rejected.class, r -> assertThat(r.tokenDead()).isTrue());
    SendResult fcmToken = send(Device.of("u1", Platform.WEB, "dJ9abc:APA91bHun4MxP5egoKMwt2KZFBaFUH").build(),
        cartNotification().build());
    assertThat(fcmToken).isInstanceOfSatisfying(SendResult.Rejected.class, r -> {
      assertThat(r.tokenDead()).as("kept: it may be sent with FcmTransport.forWeb()").isFalse();
      assertThat(r.reason()).contains("FcmTransport.builder().forWeb()").doesNotContain("APA91b");
    });

    Device d = device(TestBrowser.subscribedAt(push.endpoint("gone")));
    push.server.shutdown();
    assertThat(send(d, cartNotification().build())).isInstanceOfSatisfying(SendResult.Retry.class,
        r -> assertThat(r.reason()).startsWith("push service " + push.origin() + " request failed: "));
    assertThat(push.pushes).isEmpty();
  }

  @Test
  void theBuilderSaysWhatIsMissingAndToStringShowsNoSecret() {
    assertThatThrownBy(() -> WebPushTransport.builder().subject("mailto:a@b.example").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("VAPID keys are missing");
    assertThatThrownBy(() -> WebPushTransport.builder().vapidKeys(keys).build())
        .hasMessageContaining("subject is missing");
    assertThatThrownBy(() -> WebPushTransport.builder().subject("push@shop.example"))
        .hasMessageContaining("give a mailto: address or an https: URL");
    assertThatThrownBy(() -> WebPushTransport.builder().maxConcurrentRequests(0)).hasMessageContaining("give 1 or more");
    assertThatThrownBy(() -> WebPushTransport.builder().defaultTimeToLive(Duration.ofDays(29)))
        .hasMessageContaining("give 0 to 28 days");
    assertThat(transport.toString()).isEqualTo("WebPushTransport{vapidPublicKey=" + keys.publicKey().substring(0, 12)
        + "…, subject=mailto:push@shop.example, maxConcurrentRequests=256, pushServices=any}");
  }
}
