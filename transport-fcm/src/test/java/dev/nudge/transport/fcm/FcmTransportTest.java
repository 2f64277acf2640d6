package dev.nudge.transport.fcm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import dev.nudge.Device;
import dev.nudge.Platform;
import dev.nudge.Priority;
import dev.nudge.spi.RenderedNotification;
import dev.nudge.spi.SendResult;
import dev.nudge.testing.TestClock;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import okhttp3.mockwebserver.MockResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class FcmTransportTest {
  private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");
  private final TestClock clock = new TestClock(T0);

  private static Device device(String token) {
    return Device.of("u1", Platform.ANDROID, token).build();
  }

  private static RenderedNotification.Builder notification(String reminderId) {
    return RenderedNotification.builder(reminderId, "cart-abandonment", 0).text("Still thinking?", "Shoes wait");
  }

  private static SendResult send(FcmTransport t, String token, RenderedNotification n) throws Exception {
    return t.send(device(token), n).get(20, TimeUnit.SECONDS);
  }

  private static Map<String, String> form(String body) {
    Map<String, String> out = new HashMap<>();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
          URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return out;
  }

  @Test
  void everyFieldOfAnAndroidNotificationReachesFcm() throws Exception {
    try (MockFcm fcm = new MockFcm(); FcmTransport t = fcm.transport().clock(clock).build()) {
      RenderedNotification n = notification("0190f3c2a1b2c3d4e5f60718293a4b5c").imageUrl("https://cdn.example/shoe.jpg")
          .deepLink("shop://cart/c-981").data("cart_id", "c-981").channel("reminders").category("OPEN_CART")
          .sound("chime").badge(2).priority(Priority.NORMAL).expiresAt(T0.plus(Duration.ofHours(12))).build();

      SendResult result = send(t, "fcm-token-1", n);

      assertThat(result).isInstanceOfSatisfying(SendResult.Accepted.class,
          a -> assertThat(a.providerId()).startsWith("projects/nudge-test/messages/"));
      JsonObject m = fcm.sends.get(0).message();
      assertThat(m.get("token").getAsString()).isEqualTo("fcm-token-1");
      assertThat(m.getAsJsonObject("notification").get("title").getAsString()).isEqualTo("Still thinking?");
      assertThat(m.getAsJsonObject("notification").get("body").getAsString()).isEqualTo("Shoes wait");
      assertThat(m.getAsJsonObject("notification").get("image").getAsString()).isEqualTo("https://cdn.example/shoe.jpg");
      assertThat(m.getAsJsonObject("data").get("cart_id").getAsString()).isEqualTo("c-981");
      assertThat(m.getAsJsonObject("data").get("deep_link").getAsString()).isEqualTo("shop://cart/c-981");
      JsonObject android = m.getAsJsonObject("android");
      assertThat(android.get("priority").getAsString()).isEqualTo("NORMAL");
      assertThat(android.get("ttl").getAsString()).isEqualTo("43200s");
      assertThat(android.get("collapse_key").getAsString()).isEqualTo("0190f3c2a1b2c3d4e5f60718293a4b5c");
      JsonObject an = android.getAsJsonObject("notification");
      assertThat(an.get("tag").getAsString()).isEqualTo("0190f3c2a1b2c3d4e5f60718293a4b5c");
      assertThat(an.get("channel_id").getAsString()).isEqualTo("reminders");
      assertThat(an.has("click_action")).as("an iOS category is not an Android intent action").isFalse();
      assertThat(an.get("sound").getAsString()).isEqualTo("chime");
      assertThat(an.get("notification_count").getAsInt()).isEqualTo(2);
      assertThat(m.getAsJsonObject("fcm_options").get("analytics_label").getAsString()).isEqualTo("cart-abandonment");
      assertThat(m.has("webpush")).isFalse();
      assertThat(fcm.sends.get(0).authorization()).isEqualTo("Bearer ya29.token-1");
    }
  }

  @Test
  void aWebTokenRegisteredThroughFcmGetsAWebpushBlock() throws Exception {
    try (MockFcm fcm = new MockFcm(); FcmTransport t = fcm.transport().forWeb().clock(clock).build()) {
      assertThat(t.platform()).isEqualTo(Platform.WEB);
      send(t, "web-token", notification("r1").deepLink("https://shop.example/cart/c-981")
          .expiresAt(T0.plus(Duration.ofMinutes(30))).build());
      JsonObject m = fcm.sends.get(0).message();
      assertThat(m.has("android")).isFalse();
      JsonObject webpush = m.getAsJsonObject("webpush");
      assertThat(webpush.getAsJsonObject("headers").get("TTL").getAsString()).isEqualTo("1800");
      assertThat(webpush.getAsJsonObject("headers").get("Urgency").getAsString()).isEqualTo("high");
      assertThat(webpush.getAsJsonObject("notification").get("tag").getAsString()).isEqualTo("r1");
      assertThat(webpush.getAsJsonObject("fcm_options").get("link").getAsString())
          .isEqualTo("https://shop.example/cart/c-981");
    }
  }

  @Test
  void aDataOnlyMessageHasNoNotificationBlock() throws Exception {
    try (MockFcm fcm = new MockFcm(); FcmTransport t = fcm.transport().clock(clock).build()) {
      send(t, "tok", RenderedNotification.builder("r-bg", "sync", 0).data("refresh", "cart").build());
      JsonObject m = fcm.sends.get(0).message();
      assertThat(m.has("notification")).isFalse();
      assertThat(m.getAsJsonObject("android").has("notification")).isFalse();
      assertThat(m.getAsJsonObject("data").get("refresh").getAsString()).isEqualTo("cart");
    }
  }

  @Test
  void ttlAndLabelStayWithinFcmRules() throws Exception {
    try (MockFcm fcm = new MockFcm(); FcmTransport t = fcm.transport().clock(clock).build()) {
      send(t, "a", notification("r1").expiresAt(T0.plus(Duration.ofDays(60))).build());
      send(t, "b", notification("r2").expiresAt(T0.minusSeconds(5)).build());
      send(t, "c", notification("r3").build());
      assertThat(fcm.sends).extracting(s -> s.message().getAsJsonObject("android").get("ttl").getAsString())
          .containsExactly("2419200s", "0s", "86400s");
    }
    assertThat(FcmRequests.analyticsLabel("winback 3 days/ümlaut")).isEqualTo("winback_3_days__mlaut");
    assertThat(FcmRequests.analyticsLabel("x".repeat(80))).hasSize(50);
  }

  @Test
  void theJwtGrantIsSignedRs256WithTheServiceAccountKey() throws Exception {
    try (MockFcm fcm = new MockFcm(); FcmTransport t = fcm.transport().clock(clock).build()) {
      send(t, "tok", notification("r1").build());
      assertThat(fcm.tokenRequests).hasSize(1);
      Map<String, String> form = form(fcm.tokenRequests.get(0).getBody().readUtf8());
      assertThat(form.get("grant_type")).isEqualTo("urn:ietf:params:oauth:grant-type:jwt-bearer");
      JsonObject[] header = new JsonObject[1];
      JsonObject claims = MockFcm.verifiedClaims(form.get("assertion"), header);
      assertThat(header[0].get("alg").getAsString()).isEqualTo("RS256");
      assertThat(header[0].get("typ").getAsString()).isEqualTo("JWT");
      assertThat(header[0].get("kid").getAsString()).isEqualTo(MockFcm.KEY_ID);
      assertThat(claims.get("iss").getAsString()).isEqualTo(MockFcm.CLIENT_EMAIL);
      assertThat(claims.get("scope").getAsString()).isEqualTo("https://www.googleapis.com/auth/firebase.messaging");
      assertThat(claims.get("aud").getAsString()).isEqualTo(fcm.server.url("/token").toString());
      long iat = claims.get("iat").getAsLong();
      assertThat(iat).isEqualTo(T0.getEpochSecond());
      assertThat(claims.get("exp").getAsLong()).isGreaterThan(iat).isLessThanOrEqualTo(iat + 3600);
    }
  }

  @Test
  void fiftyConcurrentSendsFetchOneTokenWhichIsRenewedAheadOfItsExpiry() throws Exception {
    try (MockFcm fcm = new MockFcm(); FcmTransport t = fcm.transport().clock(clock).build()) {
      List<CompletableFuture<SendResult>> results = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        results.add(t.send(device("tok-" + i), notification("r" + i).build()));
      }
      CompletableFuture.allOf(results.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
      assertThat(results).allSatisfy(f -> assertThat(f.join()).isInstanceOf(SendResult.Accepted.class));
      assertThat(fcm.tokenRequests).hasSize(1);
      assertThat(fcm.sends).extracting(MockFcm.Send::authorization).containsOnly("Bearer ya29.token-1");

      clock.advance(Duration.ofMinutes(54)); // still well within its hour: no fetch
      send(t, "tok", notification("r-54").build());
      assertThat(fcm.tokenRequests).hasSize(1);

      clock.advance(Duration.ofMinutes(2)); // 4 minutes left: renewed, the old one still used meanwhile
      assertThat(send(t, "tok", notification("r-56").build())).isInstanceOf(SendResult.Accepted.class);
      // Each send is a round trip to the server, so the renewal lands within a few of them.
      for (int i = 0; i < 200 && !last(fcm).equals("Bearer ya29.token-2"); i++) {
        send(t, "tok", notification("r-wait-" + i).build());
      }
      assertThat(last(fcm)).isEqualTo("Bearer ya29.token-2");
      assertThat(fcm.tokenRequests).as("one renewal, however many sends came meanwhile").hasSize(2);
    }
  }

  @Test
  void aRenewalAnsweredAfterTheClockMovedLivesFromWhenItWasAskedForSoNoSendCarriesATokenFcmHasExpired()
      throws Exception {
    try (MockFcm fcm = new MockFcm(); FcmTransport t = fcm.transport().clock(clock).build()) {
      fcm.expireTokensOn(clock);
      send(t, "tok", notification("r-0").build()); // token-1, until T0 + 1 h

      clock.advance(Duration.ofMinutes(56)); // 4 minutes left: renewed in the background
      MockFcm.Held renewal = fcm.holdGrants();
      assertThat(send(t, "tok", notification("r-56").build())).isInstanceOf(SendResult.Accepted.class);
      renewal.awaitArrival(); // FCM issued token-2 now, at T0 + 56 min: it expires at T0 + 1 h 56 min
      clock.advance(Duration.ofMinutes(9)); // the engine's clock moved on before the answer came
      renewal.release();
      assertThat(send(t, "tok", notification("r-65").build())).isInstanceOf(SendResult.Accepted.class);

      clock.advance(Duration.ofMinutes(52)); // T0 + 1 h 57 min: token-2 has expired at FCM
      assertThat(send(t, "tok", notification("r-117").build())).isInstanceOf(SendResult.Accepted.class);
      assertThat(fcm.sends).extracting(MockFcm.Send::authorization)
          .as("token-2 is not used past T0 + 1 h 56 min (its life counted from the request, not the answer)")
          .containsExactly("Bearer ya29.token-1", "Bearer ya29.token-1", "Bearer ya29.token-2", "Bearer ya29.token-3");
    }
  }

  @Test
  void aTokenThatExpiredOnItsWayIsNotHandedOutButAskedForOnceMore() throws Exception {
    try (MockFcm fcm = new MockFcm(); FcmTransport t = fcm.transport().clock(clock).build()) {
      fcm.expireTokensOn(clock);
      MockFcm.Held grant = fcm.holdGrants();
      CompletableFuture<SendResult> waiting = t.send(device("tok"), notification("r-0").build());
      grant.awaitArrival(); // token-1 is issued at T0 and lives an hour
      clock.advance(Duration.ofMinutes(61)); // more than its life passes before its answer arrives
      grant.release();

      assertThat(waiting.get(20, TimeUnit.SECONDS)).isInstanceOf(SendResult.Accepted.class);
      assertThat(fcm.sends).extracting(MockFcm.Send::authorization).containsExactly("Bearer ya29.token-2");

      fcm.tokenLifetimeSeconds = 0; // tokens that are over on arrival: asked for once more, not in a loop
      clock.advance(Duration.ofHours(2));
      assertThat(send(t, "tok", notification("r-1").build())).isInstanceOfSatisfying(SendResult.Retry.class,
          r -> assertThat(r.reason()).contains("had expired when it arrived"));
      assertThat(fcm.tokenRequests).hasSize(4);
      assertThat(fcm.sends).hasSize(1);
    }
  }

  @Test
  void theTryAfterA401NeverCarriesTheRefusedTokenEvenWhileItsFetchIsStillHandingItOut() throws Exception {
    // Holds the first request started off the test thread: the send that waited for token-2,
    // started on the thread that received token-2, while that thread is still handing it out.
    Thread testThread = Thread.currentThread();
    AtomicBoolean armed = new AtomicBoolean();
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch resume = new CountDownLatch(1);
    OkHttpClient client = MockFcm.client().newBuilder().eventListener(new EventListener() {
      @Override
      public void callStart(Call call) {
        if (Thread.currentThread() != testThread && armed.compareAndSet(true, false)) {
          holding.countDown();
          try {
            resume.await(20, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
    }).build();
    try (MockFcm fcm = new MockFcm(); FcmTransport t = fcm.transport().httpClient(client).clock(clock).build()) {
      fcm.answer = s -> s.authorization().equals("Bearer ya29.token-2") // e.g. revoked at once
          ? MockFcm.error(401, "UNAUTHENTICATED", null, "Request had invalid authentication credentials.")
          : MockFcm.ok();
      send(t, "tok", notification("r-0").build()); // token-1
      clock.advance(Duration.ofMinutes(61)); // token-1 has expired: the next send waits for token-2

      MockFcm.Held grant = fcm.holdGrants();
      CompletableFuture<SendResult> waiting = t.send(device("waiting"), notification("r-w").build());
      grant.awaitArrival();
      armed.set(true);
      grant.release();
      assertThat(holding.await(20, TimeUnit.SECONDS)).as("the waiting send was handed token-2").isTrue();

      SendResult other = send(t, "other", notification("r-o").build());
      resume.countDown();

      assertThat(other).as("the try after the 401 has a new token").isInstanceOf(SendResult.Accepted.class);
      assertThat(waiting.get(20, TimeUnit.SECONDS)).isInstanceOf(SendResult.Accepted.class);
      assertThat(fcm.sends).filteredOn(s -> s.token().equals("other")).extracting(MockFcm.Send::authorization)
          .containsExactly("Bearer ya29.token-2", "Bearer ya29.token-3");
      assertThat(fcm.sends).filteredOn(s -> s.token().equals("waiting")).extracting(MockFcm.Send::authorization)
          .containsExactly("Bearer ya29.token-2", "Bearer ya29.token-3");
    }
  }

  private static String last(MockFcm fcm) {
    return fcm.sends.get(fcm.sends.size() - 1).authorization();
  }

  @Test
  void a401RenewsTheTokenOnceAndTriesOnceMore() throws Exception {
    try (MockFcm fcm = new MockFcm(); FcmTransport t = fcm.transport().clock(clock).build()) {
      fcm.answer = s -> s.authorization().equals("Bearer ya29.token-1")
          ? MockFcm.error(401, "UNAUTHENTICATED", null, "Request had invalid authentication credentials.")
          : MockFcm.ok();
      assertThat(send(t, "tok", notification("r1").build())).isInstanceOf(SendResult.Accepted.class);
      assertThat(fcm.tokenRequests).hasSize(2);
      assertThat(fcm.sends).extracting(MockFcm.Send::authorization)
          .containsExactly("Bearer ya29.token-1", "Bearer ya29.token-2");

      fcm.answer = s -> MockFcm.error(401, "UNAUTHENTICATED", null, "Request had invalid authentication credentials.");
      SendResult refused = send(t, "tok", notification("r2").build());
      assertThat(refused).isInstanceOfSatisfying(SendResult.Rejected.class, r -> {
        assertThat(r.tokenDead()).isFalse();
        assertThat(r.reason()).startsWith("UNAUTHENTICATED (401)").contains("service account key");
      });
      assertThat(fcm.sends).hasSize(4); // one more try, not a loop
    }
  }

  @Test
  void everyErrorReadsTheFcmErrorDetailFirst() throws Exception {
    Instant later = T0.plus(Duration.ofMinutes(3));
    String httpDate = DateTimeFormatter.RFC_1123_DATE_TIME.format(later.atOffset(ZoneOffset.UTC));
    Map<String, MockResponse> answers = new java.util.LinkedHashMap<>();
    answers.put("unregistered", MockFcm.error(404, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found."));
    answers.put("bad-token", MockFcm.error(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT",
        "The registration token is not a valid FCM registration token"));
    answers.put("bad-ttl", MockFcm.error(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT",
        "Invalid value at 'message.android.ttl'"));
    answers.put("mismatch", MockFcm.error(403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH",
        "SenderId mismatch"));
    answers.put("quota", MockFcm.error(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", "Quota exceeded.")
        .setHeader("Retry-After", "37"));
    answers.put("unavailable", MockFcm.error(503, "UNAVAILABLE", "UNAVAILABLE", "The service is unavailable.")
        .setHeader("Retry-After", httpDate));
    answers.put("internal", MockFcm.error(500, "INTERNAL", "INTERNAL", "Internal error encountered."));
    answers.put("apns-auth", MockFcm.error(401, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR",
        "Auth error from APNS or Web Push Service"));
    answers.put("denied", MockFcm.error(403, "PERMISSION_DENIED", null,
        "Permission 'cloudmessaging.messages.create' denied"));
    answers.put("no-project", MockFcm.error(404, "NOT_FOUND", null, "Requested entity was not found."));
    answers.put("proxy-page", new MockResponse().setResponseCode(502).setBody("<html>Bad gateway</html>"));
    answers.put("wrong-url", new MockResponse().setResponseCode(404).setBody("<html>Error 404 (Not Found)</html>"));
    answers.put("token-field", new MockResponse().setResponseCode(400).setHeader("Content-Type", "application/json")
        .setBody("{\"error\":{\"code\":400,\"message\":\"Invalid value\",\"status\":\"INVALID_ARGUMENT\","
            + "\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.BadRequest\",\"fieldViolations\":"
            + "[{\"field\":\"message.token\",\"description\":\"Invalid registration\"}]}]}}"));
    try (MockFcm fcm = new MockFcm(); FcmTransport t = fcm.transport().clock(clock).build()) {
      Map<String, SendResult> results = new HashMap<>();
      MockResponse wrongProject = MockFcm.error(403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH", "SenderId mismatch");
      fcm.answer = s -> wrongProject;
      assertKept(send(t, "mismatch", notification("r-first").build()), "SENDER_ID_MISMATCH (403)");
      fcm.answer = s -> MockFcm.ok();
      send(t, "good", notification("r-good").build()); // accepted: the project is right
      fcm.answer = s -> answers.get(s.token());
      for (String token : answers.keySet()) {
        results.put(token, send(t, token, notification("r-" + token).build()));
      }
      assertDead(results.get("unregistered"), "UNREGISTERED (404)");
      assertDead(results.get("bad-token"), "INVALID_ARGUMENT (400)");
      assertKept(results.get("bad-ttl"), "INVALID_ARGUMENT (400)");
      assertDead(results.get("mismatch"), "SENDER_ID_MISMATCH (403)");
      assertThat(results.get("quota")).isEqualTo(new SendResult.Retry(
          "QUOTA_EXCEEDED (429): the project's or the device's sending rate is over its quota (Quota exceeded.)",
          Duration.ofSeconds(37)));
      assertThat(results.get("unavailable")).isInstanceOfSatisfying(SendResult.Retry.class,
          r -> assertThat(r.retryAfter()).contains(Duration.ofMinutes(3)));
      assertThat(results.get("internal")).isInstanceOf(SendResult.Retry.class);
      assertKept(results.get("apns-auth"), "THIRD_PARTY_AUTH_ERROR (401)");
      assertThat(((SendResult.Rejected) results.get("apns-auth")).reason()).contains("configuration problem");
      assertKept(results.get("denied"), "PERMISSION_DENIED (403)");
      assertKept(results.get("no-project"), "NOT_FOUND (404)");
      assertThat(results.get("proxy-page")).isInstanceOfSatisfying(SendResult.Retry.class,
          r -> assertThat(r.reason()).isEqualTo("HTTP 502"));
      assertKept(results.get("wrong-url"), "HTTP 404"); // a wrong URL or project must not wipe the devices
      assertDead(results.get("token-field"), "INVALID_ARGUMENT (400)");
      assertThat(fcm.tokenRequests).as("THIRD_PARTY_AUTH_ERROR is not our token's fault").hasSize(1);
    }
  }

  private static void assertDead(SendResult result, String prefix) {
    assertThat(result).isInstanceOfSatisfying(SendResult.Rejected.class, r -> {
      assertThat(r.tokenDead()).as(r.reason()).isTrue();
      assertThat(r.reason()).startsWith(prefix);
    });
  }

  private static void assertKept(SendResult result, String prefix) {
    assertThat(result).isInstanceOfSatisfying(SendResult.Rejected.class, r -> {
      assertThat(r.tokenDead()).as(r.reason()).isFalse();
      assertThat(r.reason()).startsWith(prefix);
    });
  }

  @Test
  void aPayloadOver4096BytesOrAReservedKeyIsRefusedBeforeSending() throws Exception {
    try (MockFcm fcm = new MockFcm(); FcmTransport t = fcm.transport().clock(clock).build()) {
      SendResult big = send(t, "tok", notification("r1").data("blob", "x".repeat(4100)).build());
      assertThat(big).isInstanceOfSatisfying(SendResult.Rejected.class, r -> {
        assertThat(r.tokenDead()).isFalse();
        assertThat(r.reason()).startsWith("message too big").contains("4096");
      });
      SendResult reserved = send(t, "tok", notification("r2").data("google.sent_time", "1").build());
      assertThat(reserved).isInstanceOfSatisfying(SendResult.Rejected.class,
          r -> assertThat(r.reason()).contains("reserved by FCM"));
      assertThat(fcm.sends).isEmpty();
    }
  }

  @Test
  void aNetworkFailureIsARetry() throws Exception {
    MockFcm fcm = new MockFcm();
    FcmTransport t = fcm.transport().clock(clock).build();
    try (t) {
      send(t, "tok", notification("r0").build()); // a token is cached
      fcm.close();
      assertThat(send(t, "tok", notification("r1").build())).isInstanceOfSatisfying(SendResult.Retry.class,
          r -> assertThat(r.reason()).startsWith("FCM request failed"));
    }
  }

  @Test
  void tenThousandSendsNoneLostNoneTwice() throws Exception {
    Map<String, AtomicInteger> perToken = new ConcurrentHashMap<>();
    try (MockFcm fcm = new MockFcm(); FcmTransport t = fcm.transport().maxConcurrentRequests(200).clock(clock).build()) {
      fcm.answer = s -> {
        perToken.computeIfAbsent(s.token(), k -> new AtomicInteger()).incrementAndGet();
        return MockFcm.ok();
      };
      List<CompletableFuture<SendResult>> results = new ArrayList<>();
      for (int i = 0; i < 10_000; i++) {
        results.add(t.send(device("tok-" + i), notification("r" + i).build()));
      }
      CompletableFuture.allOf(results.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
      assertThat(results).allSatisfy(f -> assertThat(f.join()).isInstanceOf(SendResult.Accepted.class));
      assertThat(perToken).hasSize(10_000).allSatisfy((k, n) -> assertThat(n.get()).as(k).isEqualTo(1));
      assertThat(fcm.tokenRequests).hasSize(1);
    }
  }

  @Test
  void theBuilderNamesWhatIsMissingOrWrongAndNeverPrintsTheKey() throws Exception {
    assertThatThrownBy(() -> FcmTransport.builder().build()).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("credentials are missing");
    assertThatThrownBy(() -> FcmTransport.builder().accessTokens(() -> "t").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("projectId is missing");
    assertThatThrownBy(() -> FcmTransport.builder().projectId("My Project"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Firebase project id");
    assertThatThrownBy(() -> FcmTransport.builder().serviceAccount("{\"type\": \"authorized_user\"}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("service_account");
    assertThatThrownBy(() -> FcmTransport.builder().serviceAccount("{\"type\": \"service_account\"}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no client_email");
    assertThatThrownBy(() -> FcmTransport.builder().maxConcurrentRequests(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxConcurrentRequests is 0");
    assertThatThrownBy(() -> FcmTransport.builder().endpoint("fcm.example"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an http(s) URL");
    assertThatThrownBy(() -> FcmTransport.builder().defaultTimeToLive(Duration.ofDays(29)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0 to 28 days");
    try (MockFcm fcm = new MockFcm()) {
      String keyBody = MockFcm.privateKeyPem().split("\n")[2];
      String damaged = fcm.serviceAccountJson().replace(keyBody, keyBody.substring(0, 30) + "%%" + keyBody.substring(32));
      assertThatThrownBy(() -> FcmTransport.builder().serviceAccount(damaged))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("private_key")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain(keyBody.substring(0, 30)));
      assertThatThrownBy(() -> FcmTransport.builder().serviceAccount(fcm.serviceAccountJson().substring(0, 200)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not valid JSON")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("BEGIN PRIVATE KEY"));
      try (FcmTransport t = fcm.transport().build()) {
        send(t, "tok", notification("r1").build());
        assertThat(t.toString()).contains(MockFcm.CLIENT_EMAIL).contains(MockFcm.PROJECT)
            .doesNotContain(keyBody.substring(0, 30)).doesNotContain("ya29");
      }
    }
  }

  @Test
  void aRefusedGrantIsARetryWithTheEndpointsReasonAndIsAskedOncePerPause() throws Exception {
    try (MockFcm fcm = new MockFcm()) {
      AtomicInteger grants = new AtomicInteger();
      fcm.server.setDispatcher(new okhttp3.mockwebserver.Dispatcher() {
        @Override
        public MockResponse dispatch(okhttp3.mockwebserver.RecordedRequest request) {
          grants.incrementAndGet();
          return new MockResponse().setResponseCode(400).setHeader("Content-Type", "application/json")
              .setBody("{\"error\":\"invalid_grant\",\"error_description\":\"Invalid JWT Signature.\"}");
        }
      });
      try (FcmTransport t = fcm.transport().clock(clock).build()) {
        for (int i = 0; i < 20; i++) {
          SendResult r = send(t, "tok", notification("r" + i).build());
          assertThat(r).isInstanceOfSatisfying(SendResult.Retry.class, retry -> {
            assertThat(retry.reason()).contains("invalid_grant (Invalid JWT Signature.)")
                .contains(MockFcm.CLIENT_EMAIL).doesNotContain("eyJ"); // no JWT
            assertThat(retry.retryAfter()).contains(Duration.ofSeconds(30));
          });
        }
        assertThat(grants).as("one grant per pause, not one per send").hasValue(1);
        clock.advance(Duration.ofSeconds(31));
        send(t, "tok", notification("later").build());
        assertThat(grants).hasValue(2);
      }
    }
  }

  @Test
  void aTokenUriOverrideIsWhereTheGrantGoesButItsAudienceStaysTheKeys() throws Exception {
    try (MockFcm fcm = new MockFcm(); MockFcm proxy = new MockFcm()) {
      String key = fcm.serviceAccountJson().replace(fcm.server.url("/token").toString(), "https://oauth2.googleapis.com/token");
      try (FcmTransport t = FcmTransport.builder().serviceAccount(key).tokenUri(proxy.server.url("/token").toString())
          .endpoint(fcm.server.url("/").toString()).httpClient(MockFcm.client()).clock(clock).build()) {
        assertThat(send(t, "tok", notification("r1").build())).isInstanceOf(SendResult.Accepted.class);
      }
      assertThat(fcm.tokenRequests).isEmpty();
      assertThat(proxy.tokenRequests).hasSize(1);
      JsonObject claims = MockFcm.verifiedClaims(form(proxy.tokenRequests.get(0).getBody().readUtf8()).get("assertion"),
          new JsonObject[1]);
      assertThat(claims.get("aud").getAsString()).isEqualTo("https://oauth2.googleapis.com/token");
    }
  }

  @Test
  void aHostsTokenSourceIsToldOfARefusedTokenAndRequestsGoOverHttp2() throws Exception {
    List<String> refused = new java.util.concurrent.CopyOnWriteArrayList<>();
    AtomicInteger version = new AtomicInteger(1);
    List<okhttp3.Protocol> protocols = new java.util.concurrent.CopyOnWriteArrayList<>();
    okhttp3.OkHttpClient host = MockFcm.client().newBuilder().eventListener(new okhttp3.EventListener() {
      @Override
      public void connectionAcquired(okhttp3.Call call, okhttp3.Connection connection) {
        protocols.add(connection.protocol());
      }
    }).build();
    try (MockFcm fcm = new MockFcm()) {
      fcm.answer = s -> s.authorization().equals("Bearer host-1")
          ? MockFcm.error(401, "UNAUTHENTICATED", null, "Request had invalid authentication credentials.")
          : MockFcm.ok();
      AccessTokenSource source = new AccessTokenSource() {
        @Override
        public String token() {
          return "host-" + version.get();
        }

        @Override
        public void rejected(String token) {
          refused.add(token);
          version.incrementAndGet();
        }
      };
      try (FcmTransport t = FcmTransport.builder().accessTokens(source).projectId(MockFcm.PROJECT)
          .endpoint(fcm.server.url("/").toString()).httpClient(host).clock(clock).build()) {
        assertThat(send(t, "tok", notification("r1").build())).isInstanceOf(SendResult.Accepted.class);
      }
      assertThat(refused).containsExactly("host-1");
      assertThat(fcm.sends).extracting(MockFcm.Send::authorization).containsExactly("Bearer host-1", "Bearer host-2");
      assertThat(fcm.tokenRequests).isEmpty();
      assertThat(protocols).isNotEmpty().containsOnly(okhttp3.Protocol.HTTP_2);
      assertThat(host.dispatcher().getMaxRequestsPerHost()).as("the host's client is left as it was").isEqualTo(5);
    }
  }
}
