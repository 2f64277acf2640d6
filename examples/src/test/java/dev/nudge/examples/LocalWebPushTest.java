package dev.nudge.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.google.gson.JsonObject;
import dev.nudge.Device;
import dev.nudge.Platform;
import dev.nudge.Priority;
import dev.nudge.spi.RenderedNotification;
import dev.nudge.spi.SendResult;
import dev.nudge.testing.TestClock;
import dev.nudge.transport.webpush.VapidKeys;
import dev.nudge.transport.webpush.WebPushTransport;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.KeyFactory;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPrivateKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okio.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The demo's push service checks what a push service checks (VAPID, the push headers), and its
 * browsers read what the real transport encrypted: their decryption is checked on RFC 8291's own
 * example first, so it does not merely agree with the transport's encryption.
 */
@Timeout(60)
class LocalWebPushTest {
  private static final Base64.Decoder B64 = Base64.getUrlDecoder();
  private static final RenderedNotification NOTIFICATION = RenderedNotification.builder("r-1", "cart", 0)
      .collapseId("01a2378ad12464df38af7cab5db707b8")
      .text("Still thinking, Sara?", "Yoga mat is waiting in your cart")
      .deepLink("shop://cart/c-1").data("cart_id", "c-1").priority(Priority.HIGH).build();

  private final TestClock clock = TestClock.at("2026-03-02T10:00:00Z");

  @Test
  void aBrowserDecryptsTheExampleOfRfc8291AppendixA() throws Exception {
    // The published example's receiver (ua) key pair, authentication secret and message: test data, not credentials.
    LocalBrowser browser = rfcBrowser();
    byte[] body = B64.decode("DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYW"
        + "AmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN");

    assertThat(new String(browser.decrypt(body), StandardCharsets.UTF_8))
        .isEqualTo("When I grow up, I want to be a watermelon");

    byte[] changed = body.clone();
    changed[changed.length - 1] ^= 0x40;
    assertThatThrownBy(() -> browser.decrypt(changed)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("authentication tag does not verify");
    byte[] otherKeyId = body.clone();
    otherKeyId[20] = 64;
    assertThatThrownBy(() -> browser.decrypt(otherKeyId)).hasMessageContaining("the key id is 64 bytes");
    assertThatThrownBy(() -> LocalBrowser.subscribe("https://localhost/push/x").decrypt(body))
        .as("another browser's keys").hasMessageContaining("authentication tag does not verify");
  }

  @Test
  void theTransportsPushIsCreatedWithItsHeadersAndTheBrowserReadsItsJson() throws Exception {
    try (LocalWebPush push = LocalWebPush.start(clock, 0); WebPushTransport transport = push.transport().build()) {
      LocalBrowser browser = push.subscribe("sub-live");
      String token = transport.registrationToken(browser.token());

      SendResult result = send(transport, token, NOTIFICATION);

      assertThat(result).isInstanceOfSatisfying(SendResult.Accepted.class, a ->
          assertThat(a.providerId()).startsWith(push.origin() + LocalWebPush.MESSAGE_PATH));
      assertThat(push.received()).singleElement().satisfies(r -> {
        assertThat(r.subscriptionId()).isEqualTo("sub-live");
        assertThat(r.answer()).isEqualTo(LocalWebPush.CREATED);
        assertThat(r.protocol()).isEqualTo("h2");
        assertThat(r.tlsVersion()).matches("TLSv1\\.[23]");
        assertThat(r.contentEncoding()).isEqualTo("aes128gcm");
        assertThat(r.urgency()).isEqualTo("high");
        assertThat(r.topic()).isEqualTo(NOTIFICATION.collapseId());
        assertThat(r.ttl()).isEqualTo(String.valueOf(Duration.ofDays(1).toSeconds()));
        assertThat(r.authorization()).matches("vapid t=<JWT, \\d+ chars>, k=" + push.vapidPublicKey().substring(0, 12)
            + "…").doesNotContain(".ey");
        JsonObject json = r.json();
        assertThat(json.get("title").getAsString()).isEqualTo("Still thinking, Sara?");
        assertThat(json.get("body").getAsString()).isEqualTo("Yoga mat is waiting in your cart");
        assertThat(json.get("url").getAsString()).isEqualTo("shop://cart/c-1");
        assertThat(json.getAsJsonObject("data").get("cart_id").getAsString()).isEqualTo("c-1");
      });
    }
  }

  @Test
  void anUnsubscribedBrowserIsGoneAndItsDeviceDeactivated() throws Exception {
    try (LocalWebPush push = LocalWebPush.start(clock, 0); WebPushTransport transport = push.transport().build()) {
      LocalBrowser browser = push.subscribe("sub-gone");
      push.unsubscribe(browser.endpoint());

      SendResult result = send(transport, browser.token(), NOTIFICATION);

      assertThat(result).isInstanceOfSatisfying(SendResult.Rejected.class, r -> {
        assertThat(r.tokenDead()).as("the device is deactivated").isTrue();
        assertThat(r.reason()).contains("says the subscription is gone (410");
      });
      assertThat(push.received()).extracting(LocalWebPush.Received::answer, LocalWebPush.Received::payload)
          .containsExactly(tuple(LocalWebPush.GONE, null));
      assertThatThrownBy(() -> push.unsubscribe("https://localhost:1/push/nope"))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void aThrottledFirstAttemptSaysWhenToRetryAndTheRetryIsCreated() throws Exception {
    try (LocalWebPush push = LocalWebPush.start(clock, 1); WebPushTransport transport = push.transport().build()) {
      String token = push.subscribe("sub-busy").token();

      SendResult first = send(transport, token, NOTIFICATION);
      SendResult retry = send(transport, token, NOTIFICATION);

      assertThat(first).isInstanceOfSatisfying(SendResult.Retry.class, r -> {
        assertThat(r.reason()).contains("is throttling (429");
        assertThat(r.retryAfter()).contains(Duration.ofSeconds(LocalWebPush.RETRY_AFTER_SECONDS));
      });
      assertThat(retry).isInstanceOf(SendResult.Accepted.class);
      assertThat(push.received()).extracting(LocalWebPush.Received::answer)
          .containsExactly(LocalWebPush.THROTTLED, LocalWebPush.CREATED);
      assertThat(push.received()).allSatisfy(r -> assertThat(r.payload()).as("both decrypted").isNotNull());
    }
  }

  @Test
  void anotherApplicationServersVapidKeyIsForbidden() throws Exception {
    try (LocalWebPush push = LocalWebPush.start(clock, 0);
        // A well-formed VAPID token, but not from the key the browser subscribed with.
        WebPushTransport other = push.transport().vapidKeys(VapidKeys.generate()).build()) {
      SendResult result = send(other, push.subscribe("sub-1").token(), NOTIFICATION);

      assertThat(result).isInstanceOfSatisfying(SendResult.Rejected.class, r -> {
        assertThat(r.tokenDead()).as("a refused key says nothing about the browser").isFalse();
        assertThat(r.reason()).contains("refused the VAPID authorization").contains("(403");
      });
      assertThat(push.received()).extracting(LocalWebPush.Received::answer).containsExactly("403 Forbidden");
    }
  }

  @Test
  void aBodyChangedOnTheWayIsNotDecryptedAndCounted() throws Exception {
    try (LocalWebPush push = LocalWebPush.start(clock, 0);
        // The transport's requests go through the client it is given: flip the body's last byte.
        WebPushTransport transport = push.transport().httpClient(push.client().newBuilder().addInterceptor(chain -> {
          Request request = chain.request();
          Buffer buffer = new Buffer();
          request.body().writeTo(buffer);
          byte[] body = buffer.readByteArray();
          body[body.length - 1] ^= 1;
          return chain.proceed(request.newBuilder()
              .post(RequestBody.create(body, MediaType.get("application/octet-stream"))).build());
        }).build()).build()) {
      SendResult result = send(transport, push.subscribe("sub-1").token(), NOTIFICATION);

      assertThat(result).isInstanceOfSatisfying(SendResult.Rejected.class, r ->
          assertThat(r.reason()).contains("(400"));
      assertThat(push.answered(LocalWebPush.DECRYPT_FAILED)).isEqualTo(1);
      assertThat(push.received()).extracting(LocalWebPush.Received::payload).containsExactly((String) null);
    }
  }

  @Test
  void aRequestWithoutVapidIsUnauthorizedAndAnUnknownEndpointNotFound() throws Exception {
    try (LocalWebPush push = LocalWebPush.start(clock, 0)) {
      String endpoint = push.subscribe("sub-1").endpoint();
      RequestBody empty = RequestBody.create(new byte[100], MediaType.get("application/octet-stream"));
      var client = push.client();
      try (var r = client.newCall(new Request.Builder().url(endpoint).header("TTL", "60")
          .header("Content-Encoding", "aes128gcm").post(empty).build()).execute()) {
        assertThat(r.code()).isEqualTo(401);
      }
      try (var r = client.newCall(new Request.Builder().url(push.origin() + "/push/nope").post(empty).build())
          .execute()) {
        assertThat(r.code()).isEqualTo(404);
      }
      assertThat(push.received()).extracting(LocalWebPush.Received::answer)
          .containsExactly("401 Unauthorized", LocalWebPush.NOT_FOUND);
    }
  }

  private static SendResult send(WebPushTransport transport, String token, RenderedNotification n) throws Exception {
    return transport.send(Device.of("u1", Platform.WEB, token).build(), n).get(30, TimeUnit.SECONDS);
  }

  /** The receiver of RFC 8291 Appendix A, from its published key pair and authentication secret. */
  private static LocalBrowser rfcBrowser() throws Exception {
    AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
    parameters.init(new ECGenParameterSpec("secp256r1"));
    ECParameterSpec p256 = parameters.getParameterSpec(ECParameterSpec.class);
    ECPrivateKey privateKey = (ECPrivateKey) KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(
        new BigInteger(1, B64.decode("q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94")), p256));
    return new LocalBrowser("https://push.example.invalid/push/rfc8291", privateKey, LocalBrowser.p256(B64.decode(
        "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4")),
        B64.decode("BTBZMqHH6r4Tts7J_aSIgg"));
  }
}
