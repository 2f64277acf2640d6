package dev.nudge.transport.apns;

import static org.assertj.core.api.Assertions.assertThat;

import com.eatthepath.pushy.apns.PushNotificationResponse;
import com.eatthepath.pushy.apns.util.SimpleApnsPushNotification;
import dev.nudge.spi.SendResult;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Answers Pushy's mock server cannot give (its {@code RejectionReason} has no {@code ExpiredToken},
 * for one), mapped as APNs documents them.
 */
class ApnsResponsesTest {
  private record Response(boolean isAccepted, int getStatusCode, Optional<String> getRejectionReason,
      Optional<Instant> getTokenInvalidationTimestamp) implements PushNotificationResponse<SimpleApnsPushNotification> {
    @Override
    public SimpleApnsPushNotification getPushNotification() {
      return null;
    }

    @Override
    public UUID getApnsId() {
      return UUID.fromString("6c2f0c9e-0000-3000-8000-000000000001");
    }
  }

  private static SendResult rejected(int status, String reason, Instant invalidSince) {
    return ApnsResponses.map(new Response(false, status, Optional.ofNullable(reason), Optional.ofNullable(invalidSince)));
  }

  @Test
  void expiredTokenIsADeadTokenWithItsTime() {
    Instant t = Instant.parse("2026-11-01T00:00:00Z");
    assertThat(rejected(410, "ExpiredToken", t)).isEqualTo(
        new SendResult.Rejected("ExpiredToken (410): the device token has expired", true, t));
    assertThat(rejected(410, "ExpiredToken", null)).isInstanceOfSatisfying(SendResult.Rejected.class,
        r -> assertThat(r.invalidSince()).isEmpty());
  }

  @Test
  void aGoneAnswerWithoutAReasonIsStillADeadToken() {
    assertThat(rejected(410, null, null)).isEqualTo(new SendResult.Rejected("HTTP 410", true, null));
  }

  @Test
  void reasonsAppleAddedLaterAreKeptByNameAndStatus() {
    assertThat(rejected(403, "UnrelatedKeyIdInToken", null))
        .isEqualTo(SendResult.rejected("UnrelatedKeyIdInToken (403)", false));
    assertThat(rejected(503, "SomethingNew", null)).isEqualTo(SendResult.retry("SomethingNew (503)", null));
    assertThat(rejected(500, null, null)).isEqualTo(SendResult.retry("HTTP 500", null));
    assertThat(rejected(429, null, null)).isEqualTo(SendResult.retry("HTTP 429", null));
  }

  @Test
  void configurationMistakesSayWhatToCheck() {
    List<String> reasons = new ArrayList<>();
    for (String name : List.of("BadTopic", "InvalidProviderToken", "ExpiredProviderToken",
        "TooManyProviderTokenUpdates", "Forbidden", "BadCertificateEnvironment")) {
      SendResult r = rejected(name.equals("TooManyProviderTokenUpdates") ? 429 : 403, name, null);
      assertThat(r).as(name).isInstanceOfSatisfying(SendResult.Rejected.class, rej -> {
        assertThat(rej.tokenDead()).isFalse();
        assertThat(rej.reason()).startsWith(name + " (").contains(": ");
        reasons.add(rej.reason());
      });
    }
    assertThat(reasons).anySatisfy(r -> assertThat(r).contains("clock"));
  }

  @Test
  void anAcceptedAnswerCarriesTheApnsId() {
    assertThat(ApnsResponses.map(new Response(true, 200, Optional.empty(), Optional.empty())))
        .isEqualTo(SendResult.accepted("6c2f0c9e-0000-3000-8000-000000000001"));
  }
}
