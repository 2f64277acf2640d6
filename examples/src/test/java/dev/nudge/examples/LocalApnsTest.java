package dev.nudge.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.nudge.Device;
import dev.nudge.Platform;
import dev.nudge.spi.RenderedNotification;
import dev.nudge.spi.SendResult;
import dev.nudge.testing.TestClock;
import dev.nudge.transport.apns.ApnsTransport;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The demo's APNs server checks what Apple checks: the provider token, and tokens of removed apps. */
class LocalApnsTest {
  private static final String LIVE = "5ca1ab1e".repeat(8);
  private static final String UNINSTALLED = "deadbeef".repeat(8);

  @Test
  void onlyTheGeneratedSigningKeyIsAcceptedAndAnUninstalledAppIsUnregistered() throws Exception {
    TestClock clock = TestClock.at("2026-03-02T10:00:00Z");
    RenderedNotification notification = RenderedNotification.builder("r-1", "cart", 0)
        .text("Still thinking, Sara?", "Yoga mat is waiting in your cart").build();
    try (LocalApns apns = LocalApns.start("dev.nudge.test", clock, Set.of(UNINSTALLED), 0)) {
      ApnsTransport trusted = apns.transport().clock(clock).build();
      // Same team, key id, server and trust, but a key Apple never issued to this team.
      String anotherKey = LocalCredentials.pem(LocalApns.signingKeyPair().getPrivate());
      ApnsTransport forged = ApnsTransport.builder().signingKey(anotherKey, LocalApns.TEAM_ID, LocalApns.KEY_ID)
          .server(LocalApns.HOST, apns.port()).trustedServerCertificates(apns.certificateAuthority())
          .topic("dev.nudge.test").clock(clock).build();
      try {
        SendResult accepted = send(trusted, LIVE, notification);
        SendResult unregistered = send(trusted, UNINSTALLED, notification);
        SendResult refused = send(forged, LIVE, notification);

        assertThat(accepted).isInstanceOf(SendResult.Accepted.class);
        assertThat(unregistered).isInstanceOfSatisfying(SendResult.Rejected.class, r -> {
          assertThat(r.tokenDead()).isTrue();
          assertThat(r.reason()).startsWith("Unregistered (410)");
          assertThat(r.invalidSince()).contains(clock.instant().minus(Duration.ofDays(3)));
        });
        assertThat(refused).isInstanceOfSatisfying(SendResult.Rejected.class, r -> {
          assertThat(r.tokenDead()).as("a bad provider token says nothing about the device").isFalse();
          assertThat(r.reason()).startsWith("InvalidProviderToken (403)");
        });
        assertThat(apns.received()).extracting(LocalApns.Received::token, LocalApns.Received::answer).containsExactly(
            tuple(LIVE, "accepted"),
            tuple(UNINSTALLED, "Unregistered"),
            tuple(LIVE, "InvalidProviderToken"));
        assertThat(apns.received().get(0).payload())
            .isEqualTo("{\"aps\":{\"alert\":{\"body\":\"Yoga mat is waiting in your cart\",\"title\":\"Still thinking, Sara?\"}}}");
        assertThat(apns.answered("accepted")).isEqualTo(1);
      } finally {
        // Each client lingers on close; close both at once.
        CompletableFuture.allOf(CompletableFuture.runAsync(trusted::close), CompletableFuture.runAsync(forged::close))
            .get(60, TimeUnit.SECONDS);
      }
    }
  }

  private static SendResult send(ApnsTransport transport, String token, RenderedNotification n) throws Exception {
    return transport.send(Device.of("u1", Platform.IOS, token).build(), n).get(30, TimeUnit.SECONDS);
  }
}
