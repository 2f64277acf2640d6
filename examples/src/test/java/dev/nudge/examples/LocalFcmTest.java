package dev.nudge.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.nudge.Device;
import dev.nudge.Platform;
import dev.nudge.spi.RenderedNotification;
import dev.nudge.spi.SendResult;
import dev.nudge.testing.TestClock;
import dev.nudge.transport.fcm.AccessTokenSource;
import dev.nudge.transport.fcm.FcmTransport;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The demo's FCM server checks what Google checks: the service account's grant, and tokens of removed apps. */
@Timeout(60)
class LocalFcmTest {
  private static final String LIVE = "fLiveToken:APA91b" + "x".repeat(40);
  private static final String UNINSTALLED = "dGoneToken:APA91b" + "y".repeat(40);
  private static final RenderedNotification NOTIFICATION = RenderedNotification.builder("r-1", "cart", 0)
      .text("Still thinking, Sara?", "Yoga mat is waiting in your cart").build();

  private final TestClock clock = TestClock.at("2026-03-02T10:00:00Z");

  @Test
  void aGrantSignedWithAnotherKeyIsRefusedAndNothingIsSent() throws Exception {
    try (LocalFcm fcm = LocalFcm.start(clock, Set.of(), 0);
        // The same account, key id and token_uri, but a private key Google never issued to it.
        FcmTransport forged = fcm.transport().serviceAccount(fcm.serviceAccountJson(LocalFcm.rsaKeyPair())).build()) {
      SendResult result = send(forged, LIVE);

      assertThat(result).isInstanceOfSatisfying(SendResult.Retry.class, r ->
          assertThat(r.reason()).contains("HTTP 400: invalid_grant (Invalid JWT Signature.)"));
      assertThat(fcm.grants()).extracting(LocalFcm.Grant::answer)
          .containsExactly("invalid_grant: Invalid JWT Signature.");
      assertThat(fcm.received()).as("no send without an access token").isEmpty();
    }
  }

  @Test
  void theGeneratedKeyGetsATokenAndAnUninstalledAppIsUnregisteredAndDeactivated() throws Exception {
    try (LocalFcm fcm = LocalFcm.start(clock, Set.of(UNINSTALLED), 0);
        FcmTransport transport = fcm.transport().build()) {
      SendResult accepted = send(transport, LIVE);
      SendResult unregistered = send(transport, UNINSTALLED);

      assertThat(accepted).isInstanceOfSatisfying(SendResult.Accepted.class, a ->
          assertThat(a.providerId()).startsWith("projects/" + LocalFcm.PROJECT_ID + "/messages/"));
      assertThat(unregistered).isInstanceOfSatisfying(SendResult.Rejected.class, r -> {
        assertThat(r.tokenDead()).as("the device is deactivated").isTrue();
        assertThat(r.reason()).startsWith("UNREGISTERED (404)");
      });
      assertThat(fcm.grants()).extracting(LocalFcm.Grant::askedAt, LocalFcm.Grant::protocol, LocalFcm.Grant::answer)
          .containsExactly(tuple(clock.instant(), "h2", LocalFcm.ISSUED));
      assertThat(fcm.received()).extracting(LocalFcm.Received::path, LocalFcm.Received::token,
              LocalFcm.Received::protocol, LocalFcm.Received::answer)
          .containsExactly(tuple(LocalFcm.SEND_PATH, LIVE, "h2", LocalFcm.ACCEPTED),
              tuple(LocalFcm.SEND_PATH, UNINSTALLED, "h2", "UNREGISTERED"));
      assertThat(fcm.received().get(0).message().getAsJsonObject("notification").get("title").getAsString())
          .isEqualTo("Still thinking, Sara?");
    }
  }

  @Test
  void aThrottledFirstAttemptSaysWhenToRetryAndTheRetryIsAccepted() throws Exception {
    try (LocalFcm fcm = LocalFcm.start(clock, Set.of(), 1); FcmTransport transport = fcm.transport().build()) {
      SendResult first = send(transport, LIVE);
      SendResult retry = send(transport, LIVE);

      assertThat(first).isInstanceOfSatisfying(SendResult.Retry.class, r -> {
        assertThat(r.reason()).startsWith("QUOTA_EXCEEDED (429)");
        assertThat(r.retryAfter()).contains(Duration.ofSeconds(LocalFcm.RETRY_AFTER_SECONDS));
      });
      assertThat(retry).isInstanceOf(SendResult.Accepted.class);
      assertThat(fcm.received()).extracting(LocalFcm.Received::answer)
          .containsExactly("QUOTA_EXCEEDED", LocalFcm.ACCEPTED);
    }
  }

  @Test
  void aBearerTokenTheServerNeverIssuedIsUnauthenticated() throws Exception {
    List<String> refused = new CopyOnWriteArrayList<>();
    AccessTokenSource stolen = new AccessTokenSource() {
      @Override
      public String token() {
        return "ya29.not-issued-here";
      }

      @Override
      public void rejected(String token) {
        refused.add(token);
      }
    };
    try (LocalFcm fcm = LocalFcm.start(clock, Set.of(), 0);
        FcmTransport transport = FcmTransport.builder().accessTokens(stolen).projectId(LocalFcm.PROJECT_ID)
            .endpoint(fcm.endpoint()).httpClient(fcm.client()).clock(clock).build()) {
      SendResult result = send(transport, LIVE);

      assertThat(result).isInstanceOfSatisfying(SendResult.Rejected.class, r -> {
        assertThat(r.tokenDead()).as("a bad access token says nothing about the device").isFalse();
        assertThat(r.reason()).startsWith("UNAUTHENTICATED (401)");
      });
      assertThat(fcm.received()).extracting(LocalFcm.Received::answer)
          .as("tried once more after the 401, as FCM's clients do").containsExactly("UNAUTHENTICATED", "UNAUTHENTICATED");
      assertThat(refused).containsExactly("ya29.not-issued-here", "ya29.not-issued-here");
    }
  }

  private static SendResult send(FcmTransport transport, String token) throws Exception {
    return transport.send(Device.of("u1", Platform.ANDROID, token).build(), NOTIFICATION).get(30, TimeUnit.SECONDS);
  }
}
