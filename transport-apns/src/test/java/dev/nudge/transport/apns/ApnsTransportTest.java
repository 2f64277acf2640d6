package dev.nudge.transport.apns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.eatthepath.pushy.apns.server.RejectedNotificationException;
import com.eatthepath.pushy.apns.server.RejectionReason;
import com.eatthepath.pushy.apns.server.UnregisteredDeviceTokenException;
import com.google.gson.JsonObject;
import dev.nudge.Device;
import dev.nudge.InterruptionLevel;
import dev.nudge.Platform;
import dev.nudge.Priority;
import dev.nudge.spi.RenderedNotification;
import dev.nudge.spi.SendResult;
import dev.nudge.testing.TestClock;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class ApnsTransportTest {
  private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");
  private final TestClock clock = new TestClock(T0);

  private static Device device(String token) {
    return Device.of("u1", Platform.IOS, token).build();
  }

  private static RenderedNotification.Builder notification(String reminderId) {
    return RenderedNotification.builder(reminderId, "cart", 0).text("Still thinking?", "Shoes are in your cart");
  }

  private static SendResult send(ApnsTransport t, String token, RenderedNotification n) throws Exception {
    return t.send(device(token), n).get(20, TimeUnit.SECONDS);
  }

  @Test
  void everyFieldReachesAValidatingServerWithTokenAuthentication() throws Exception {
    String token = MockApns.token(1);
    try (MockApns apns = MockApns.validating(Set.of(token), Map.of());
        ApnsTransport t = apns.transport().clock(clock).build()) {
      RenderedNotification n = notification("0190f3c2a1b2c3d4e5f60718293a4b5c")
          .subtitle("Trail runners").badge(3).sound("chime.caf").category("CART").threadId("cart-c-981")
          .interruptionLevel(InterruptionLevel.TIME_SENSITIVE).imageUrl("https://cdn.example.com/shoe.jpg")
          .deepLink("shop://cart/c-981").data("cart_id", "c-981").expiresAt(T0.plus(Duration.ofHours(12)))
          .build();

      SendResult result = send(t, token, n);

      String apnsId = ApnsRequests.apnsId(n.reminderId(), token).toString();
      assertThat(result).isEqualTo(SendResult.accepted(apnsId));
      MockApns.Received r = apns.received.get(0);
      assertThat(r.rejection()).isNull();
      assertThat(r.headers()).containsEntry(":path", "/3/device/" + token)
          .containsEntry("apns-topic", MockApns.TOPIC)
          .containsEntry("apns-collapse-id", "0190f3c2a1b2c3d4e5f60718293a4b5c")
          .containsEntry("apns-push-type", "alert")
          .containsEntry("apns-priority", "10")
          .containsEntry("apns-expiration", String.valueOf(T0.plus(Duration.ofHours(12)).getEpochSecond()))
          .containsEntry("apns-id", apnsId)
          .containsKey("authorization");
      JsonObject aps = r.aps();
      JsonObject alert = aps.getAsJsonObject("alert");
      assertThat(alert.get("title").getAsString()).isEqualTo("Still thinking?");
      assertThat(alert.get("subtitle").getAsString()).isEqualTo("Trail runners");
      assertThat(alert.get("body").getAsString()).isEqualTo("Shoes are in your cart");
      assertThat(aps.get("badge").getAsInt()).isEqualTo(3);
      assertThat(aps.get("sound").getAsString()).isEqualTo("chime.caf");
      assertThat(aps.get("category").getAsString()).isEqualTo("CART");
      assertThat(aps.get("thread-id").getAsString()).isEqualTo("cart-c-981");
      assertThat(aps.get("interruption-level").getAsString()).isEqualTo("time-sensitive");
      assertThat(aps.get("mutable-content").getAsInt()).isEqualTo(1);
      assertThat(aps.has("content-available")).isFalse();
      assertThat(r.json().get("image_url").getAsString()).isEqualTo("https://cdn.example.com/shoe.jpg");
      assertThat(r.json().get("deep_link").getAsString()).isEqualTo("shop://cart/c-981");
      assertThat(r.json().get("cart_id").getAsString()).isEqualTo("c-981");
    }
  }

  @Test
  void theSigningKeyIsReadFromAFileAStreamOrAString(@TempDir Path dir) throws Exception {
    String token = MockApns.token(2);
    Path p8 = Files.writeString(dir.resolve("AuthKey_" + MockApns.KEY_ID + ".p8"), MockApns.signingKeyPem());
    try (MockApns apns = MockApns.validating(Set.of(token), Map.of())) {
      List<ApnsTransport.Builder> builders = List.of(
          ApnsTransport.builder().signingKey(p8, MockApns.TEAM_ID, MockApns.KEY_ID),
          ApnsTransport.builder().signingKey(new ByteArrayInputStream(
              MockApns.signingKeyPem().getBytes(StandardCharsets.US_ASCII)), MockApns.TEAM_ID, MockApns.KEY_ID),
          ApnsTransport.builder().signingKey(MockApns.signingKeyPem(), MockApns.TEAM_ID, MockApns.KEY_ID));
      for (ApnsTransport.Builder b : builders) {
        try (ApnsTransport t = b.topic(MockApns.TOPIC).server("localhost", apns.port())
            .trustedServerCertificates(MockApns.CA.certificate()).eventLoopGroup(MockApns.EVENT_LOOPS).build()) {
          assertThat(send(t, token, notification("r1").build())).isInstanceOf(SendResult.Accepted.class);
        }
      }
      assertThat(apns.accepted()).hasSize(3);
    }
  }

  @Test
  void aWrongKeyIdIsRefusedByTheServerAndTheReasonSaysWhatToCheck() throws Exception {
    String token = MockApns.token(3);
    try (MockApns apns = MockApns.validating(Set.of(token), Map.of());
        ApnsTransport t = ApnsTransport.builder().signingKey(MockApns.signingKeyPem(), MockApns.TEAM_ID, "OTHERKEY99")
            .topic(MockApns.TOPIC).server("localhost", apns.port())
            .trustedServerCertificates(MockApns.CA.certificate()).eventLoopGroup(MockApns.EVENT_LOOPS).build()) {
      SendResult result = send(t, token, notification("r1").build());
      assertThat(result).isInstanceOfSatisfying(SendResult.Rejected.class, r -> {
        assertThat(r.tokenDead()).isFalse();
        assertThat(r.reason()).startsWith("InvalidProviderToken (403)").contains("key id");
      });
    }
  }

  @Test
  void aClientCertificateAuthenticatesOverMutualTls() throws Exception {
    okhttp3.tls.HeldCertificate client = new okhttp3.tls.HeldCertificate.Builder()
        .commonName("Apple Push Services: " + MockApns.TOPIC).signedBy(MockApns.CA).build();
    byte[] p12 = p12(client, "s3cret");
    List<String> peers = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (MockApns apns = MockApns.started(session -> {
      try {
        peers.add(session.getPeerPrincipal().getName());
      } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
        peers.add("none");
      }
      return (headers, payload) -> {};
    }, 0);
        ApnsTransport t = ApnsTransport.builder().clientCertificate(new ByteArrayInputStream(p12), "s3cret")
            .topic(MockApns.TOPIC).server("localhost", apns.port())
            .trustedServerCertificates(MockApns.CA.certificate()).eventLoopGroup(MockApns.EVENT_LOOPS).build()) {
      assertThat(send(t, MockApns.token(4), notification("r1").build())).isInstanceOf(SendResult.Accepted.class);
      assertThat(peers).singleElement().asString().contains("Apple Push Services: " + MockApns.TOPIC);
      assertThat(t.toString()).contains("certificate(").doesNotContain("s3cret");
    }
  }

  @Test
  void aDataOnlyMessageIsABackgroundPushAtPriorityFive() throws Exception {
    String token = MockApns.token(5);
    try (MockApns apns = MockApns.validating(Set.of(token), Map.of());
        ApnsTransport t = apns.transport().clock(clock).build()) {
      RenderedNotification n = RenderedNotification.builder("r-bg", "sync", 0).data("refresh", "cart")
          .priority(Priority.HIGH).build();
      assertThat(send(t, token, n)).isInstanceOf(SendResult.Accepted.class);
      MockApns.Received r = apns.received.get(0);
      assertThat(r.headers()).containsEntry("apns-push-type", "background").containsEntry("apns-priority", "5");
      assertThat(r.aps().get("content-available").getAsInt()).isEqualTo(1);
      assertThat(r.aps().has("alert")).isFalse();
      assertThat(r.json().get("refresh").getAsString()).isEqualTo("cart");
    }
  }

  @Test
  void priorityAndExpirationFollowTheNotification() throws Exception {
    String token = MockApns.token(6);
    try (MockApns apns = MockApns.validating(Set.of(token), Map.of());
        ApnsTransport t = apns.transport().clock(clock).defaultTimeToLive(Duration.ofHours(6)).build()) {
      send(t, token, notification("r-normal").priority(Priority.NORMAL).build());
      send(t, token, notification("r-no-expiry").build());
      send(t, token, notification("r-now").expiresAt(T0).build());
      List<MockApns.Received> got = apns.accepted();
      assertThat(got).hasSize(3);
      assertThat(got.get(0).headers()).containsEntry("apns-priority", "5");
      assertThat(got.get(1).headers())
          .containsEntry("apns-expiration", String.valueOf(T0.plus(Duration.ofHours(6)).getEpochSecond()));
      assertThat(got.get(2).headers()).as("an expiry that is now: deliver once, never stored")
          .containsEntry("apns-expiration", "0");
    }
  }

  @Test
  void aPayloadOver4096BytesIsRefusedBeforeSendingWithItsSize() throws Exception {
    String token = MockApns.token(7);
    try (MockApns apns = MockApns.validating(Set.of(token), Map.of());
        ApnsTransport t = apns.transport().build()) {
      SendResult result = send(t, token, notification("r1").data("blob", "x".repeat(4100)).build());
      assertThat(result).isInstanceOfSatisfying(SendResult.Rejected.class, r -> {
        assertThat(r.tokenDead()).isFalse();
        assertThat(r.reason()).startsWith("PayloadTooLarge").contains("bytes").contains("4096");
      });
      SendResult reserved = send(t, token, notification("r2").data("aps", "x").build());
      assertThat(reserved).isInstanceOfSatisfying(SendResult.Rejected.class,
          r -> assertThat(r.reason()).contains("'aps' is reserved"));
      SendResult longCollapse = send(t, token, notification("r3").collapseId("c".repeat(65)).build());
      assertThat(longCollapse).isInstanceOfSatisfying(SendResult.Rejected.class,
          r -> assertThat(r.reason()).startsWith("BadCollapseId").contains("65 bytes"));
      assertThat(apns.received).as("nothing was sent").isEmpty();
    }
  }

  @Test
  void everyRejectionReasonOfTheMockServerMapsToDeadRetryOrRejected() throws Exception {
    Set<RejectionReason> dead = EnumSet.of(RejectionReason.BAD_DEVICE_TOKEN, RejectionReason.DEVICE_TOKEN_NOT_FOR_TOPIC,
        RejectionReason.UNREGISTERED);
    Set<RejectionReason> retry = EnumSet.of(RejectionReason.TOO_MANY_REQUESTS, RejectionReason.INTERNAL_SERVER_ERROR,
        RejectionReason.SERVICE_UNAVAILABLE, RejectionReason.SHUTDOWN, RejectionReason.IDLE_TIMEOUT);
    Instant invalidSince = Instant.parse("2026-11-30T08:00:00Z");
    RejectionReason[] current = new RejectionReason[1];
    try (MockApns apns = MockApns.with((headers, payload) -> {
      if (current[0] == null) {
        return;
      }
      if (current[0] == RejectionReason.UNREGISTERED) {
        throw new UnregisteredDeviceTokenException(invalidSince);
      }
      throw new RejectedNotificationException(current[0]);
    });
        ApnsTransport t = apns.transport().build()) {
      for (RejectionReason reason : RejectionReason.values()) {
        current[0] = reason;
        SendResult result = send(t, MockApns.token(8), notification("r-" + reason).build());
        String name = camel(reason.name()); // the reason text APNs sends: BAD_TOPIC is "BadTopic"
        if (dead.contains(reason)) {
          assertThat(result).as(name).isInstanceOfSatisfying(SendResult.Rejected.class, r -> {
            assertThat(r.tokenDead()).isTrue();
            assertThat(r.reason()).startsWith(name);
          });
        } else if (retry.contains(reason)) {
          assertThat(result).as(name).isInstanceOfSatisfying(SendResult.Retry.class,
              r -> assertThat(r.reason()).startsWith(name));
        } else {
          assertThat(result).as(name).isInstanceOfSatisfying(SendResult.Rejected.class, r -> {
            assertThat(r.tokenDead()).isFalse();
            assertThat(r.reason()).matches(java.util.regex.Pattern.quote(name) + " \\(\\d{3}\\).*");
          });
        }
        if (reason == RejectionReason.UNREGISTERED) {
          assertThat(((SendResult.Rejected) result).invalidSince()).contains(invalidSince);
        }
        if (reason == RejectionReason.BAD_DEVICE_TOKEN) {
          assertThat(((SendResult.Rejected) result).reason()).contains("sandbox").contains("production");
        }
        if (reason == RejectionReason.values()[0]) {
          current[0] = null; // one accepted send first: the gateway and the topic are right
          assertThat(send(t, MockApns.token(8), notification("r-ok").build())).isInstanceOf(SendResult.Accepted.class);
        }
      }
      assertThat(apns.received).hasSize(RejectionReason.values().length + 1);
    }
  }

  @Test
  void aWrongGatewayCannotDeactivateEveryDeviceBeforeASendWasAccepted() throws Exception {
    boolean[] wrongGateway = {true};
    try (MockApns apns = MockApns.with((headers, payload) -> {
      if (wrongGateway[0]) {
        throw new RejectedNotificationException(RejectionReason.BAD_DEVICE_TOKEN);
      }
    });
        ApnsTransport t = apns.transport().build()) {
      SendResult first = send(t, MockApns.token(1), notification("r1").build());
      assertThat(first).isInstanceOfSatisfying(SendResult.Rejected.class, r -> {
        assertThat(r.tokenDead()).isFalse();
        assertThat(r.reason()).startsWith("BadDeviceToken (400)").contains("kept until this transport has had a send");
      });
      wrongGateway[0] = false;
      assertThat(send(t, MockApns.token(2), notification("r2").build())).isInstanceOf(SendResult.Accepted.class);
      wrongGateway[0] = true;
      assertThat(send(t, MockApns.token(1), notification("r3").build())).isInstanceOfSatisfying(
          SendResult.Rejected.class, r -> assertThat(r.tokenDead()).isTrue());
    }
  }

  @Test
  void aConfigurationProblemIsLoggedOncePerReasonWithTheGatewayAndNoSecret() throws Exception {
    java.util.logging.Logger logger = java.util.logging.Logger.getLogger("dev.nudge.transport.apns");
    List<java.util.logging.LogRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.logging.Handler handler = new java.util.logging.Handler() {
      @Override
      public void publish(java.util.logging.LogRecord r) {
        records.add(r);
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    logger.addHandler(handler);
    try (MockApns apns = MockApns.with((headers, payload) -> {
      throw new RejectedNotificationException(RejectionReason.BAD_DEVICE_TOKEN);
    });
        ApnsTransport t = apns.transport().build()) {
      for (int i = 0; i < 5; i++) {
        assertThat(send(t, MockApns.token(i), notification("r" + i).build())).isInstanceOf(SendResult.Rejected.class);
      }
    } finally {
      logger.removeHandler(handler);
    }
    assertThat(records).singleElement().satisfies(r -> {
      assertThat(r.getLevel()).isEqualTo(java.util.logging.Level.WARNING);
      assertThat(r.getMessage()).contains("BadDeviceToken").contains("localhost:").contains("sandbox")
          .contains("kept until").doesNotContain(MockApns.signingKeyPem().split("\n")[1]);
    });
  }

  @Test
  void aBurstOfTenThousandSendsOverOneClientIsAllAccepted() throws Exception {
    int n = 10_000;
    Set<String> tokens = new HashSet<>();
    for (int i = 0; i < n; i++) {
      tokens.add(MockApns.token(i));
    }
    try (MockApns apns = MockApns.validatingEachProviderTokenOnce(tokens);
        ApnsTransport t = apns.transport().maxConcurrentStreams(500).build()) {
      List<CompletableFuture<SendResult>> results = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        results.add(t.send(device(MockApns.token(i)), notification("r" + i).build()));
      }
      CompletableFuture.allOf(results.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
      assertThat(results).allSatisfy(f -> assertThat(f.join()).isInstanceOf(SendResult.Accepted.class));
      assertThat(apns.accepted()).hasSize(n);
      assertThat(apns.accepted().stream().map(MockApns.Received::token).distinct().count()).isEqualTo(n);
      assertThat(t.waiting()).isZero();
    }
  }

  @Test
  void aServerThatIsDownGivesRetriesAndSendsGoThroughOnceItIsUp() throws Exception {
    int port = MockApns.freePort();
    String token = MockApns.token(9);
    try (ApnsTransport t = ApnsTransport.builder().signingKey(MockApns.signingKeyPem(), MockApns.TEAM_ID,
        MockApns.KEY_ID).topic(MockApns.TOPIC).server("localhost", port)
        .trustedServerCertificates(MockApns.CA.certificate()).eventLoopGroup(MockApns.EVENT_LOOPS)
        .connectTimeout(Duration.ofSeconds(2)).build()) {
      SendResult down = send(t, token, notification("r1").build());
      assertThat(down).isInstanceOfSatisfying(SendResult.Retry.class,
          r -> assertThat(r.reason()).startsWith("APNs connection failed"));
      try (MockApns apns = MockApns.started(session -> (headers, payload) -> {}, port)) {
        SendResult up = send(t, token, notification("r1").build());
        assertThat(up).isInstanceOf(SendResult.Accepted.class);
        assertThat(apns.accepted()).hasSize(1);
      }
    }
  }

  @Test
  void closingLetsTheSendsInFlightFinishAndLaterSendsAreRetried() throws Exception {
    java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CountDownLatch> gate =
        new java.util.concurrent.atomic.AtomicReference<>();
    io.netty.channel.nio.NioEventLoopGroup serverLoops = new io.netty.channel.nio.NioEventLoopGroup(1);
    try (MockApns apns = MockApns.onOwnLoops((headers, payload) -> {
      java.util.concurrent.CountDownLatch g = gate.get();
      if (g != null) {
        try {
          g.await(30, TimeUnit.SECONDS); // the server holds its answers until the test lets them go
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }, serverLoops)) {
      ApnsTransport t = apns.transport().gracefulShutdownTimeout(Duration.ofSeconds(20)).build();
      assertThat(send(t, MockApns.token(0), notification("warm").build())).isInstanceOf(SendResult.Accepted.class);
      java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
      gate.set(held);
      List<CompletableFuture<SendResult>> inFlight = new ArrayList<>();
      for (int i = 1; i <= 50; i++) {
        inFlight.add(t.send(device(MockApns.token(i)), notification("r" + i).build()));
      }
      CompletableFuture<Void> closing = CompletableFuture.runAsync(t::close);
      // Sends made once the close began are refused at once; those made before it are in flight.
      SendResult probe;
      int probes = 0;
      do {
        CompletableFuture<SendResult> p = t.send(device(MockApns.token(100 + probes)), notification("p" + probes).build());
        probes++;
        if (!p.isDone()) {
          inFlight.add(p);
          probe = null;
        } else {
          probe = p.join();
        }
      } while (probe == null && probes < 10_000);
      assertThat(probe).isInstanceOfSatisfying(SendResult.Retry.class,
          r -> assertThat(r.reason()).contains("closed"));
      assertThat(closing).isNotDone();
      assertThat(inFlight).noneMatch(CompletableFuture::isDone);

      held.countDown();
      closing.get(30, TimeUnit.SECONDS);

      assertThat(inFlight).allSatisfy(f -> assertThat(f.getNow(null)).isInstanceOf(SendResult.Accepted.class));
      assertThat(apns.accepted()).hasSize(1 + inFlight.size());
    } finally {
      serverLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  @Test
  void theBuilderNamesWhatIsMissingOrWrong() {
    String pem = MockApns.signingKeyPem();
    assertThatThrownBy(() -> ApnsTransport.builder().topic("t").production().build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("credentials are missing");
    assertThatThrownBy(() -> ApnsTransport.builder().signingKey(pem, "TEAM123456", "KEY1234567").production().build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("topic is missing");
    assertThatThrownBy(() -> ApnsTransport.builder().signingKey(pem, "TEAM123456", "KEY1234567").topic("t").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gateway is missing")
        .hasMessageContaining("development()");
    assertThatThrownBy(() -> ApnsTransport.builder().signingKey(pem, "TEAM 1234", "KEY1234567"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("team id");
    assertThatThrownBy(() -> ApnsTransport.builder().signingKey(pem, "TEAM123456", ""))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key id is blank");
    assertThatThrownBy(() -> ApnsTransport.builder().topic("a").topic("b"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("topic is already set");
    assertThatThrownBy(() -> ApnsTransport.builder().signingKey(pem, "TEAM123456", "KEY1234567")
        .signingKey(pem, "TEAM123456", "KEY1234567"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("signing key is already set");
    assertThatThrownBy(() -> ApnsTransport.builder().production().development())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("already set");
    assertThatThrownBy(() -> ApnsTransport.builder().server("localhost", 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port is 0");
    assertThatThrownBy(() -> ApnsTransport.builder().connections(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("connections is 0");
    assertThatThrownBy(() -> ApnsTransport.builder().maxConcurrentStreams(-1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxConcurrentStreams is -1");
    assertThatThrownBy(() -> ApnsTransport.builder().topic(" "))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bundle id");
    assertThatThrownBy(() -> ApnsTransport.builder().imageUrlKey("aps"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("other than 'aps'");
    assertThatThrownBy(() -> ApnsTransport.builder().signingKey(pem, "TEAM123456", "KEY1234567")
        .clientCertificate(new ByteArrayInputStream(new byte[0]), "x"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("either a signing key or a certificate");
  }

  @Test
  void secretsNeverAppearInErrorsOrToString() throws Exception {
    String pem = MockApns.signingKeyPem();
    String keyBody = pem.split("\n")[1];
    // A damaged key: the error names the key id and the expected form, never the key's text.
    String damaged = pem.replace(keyBody, keyBody.substring(0, 20) + "!!" + keyBody.substring(22));
    assertThatThrownBy(() -> ApnsTransport.builder().signingKey(damaged, "TEAM123456", "KEY1234567"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("KEY1234567").hasMessageContaining("BEGIN PRIVATE KEY")
        .satisfies(e -> {
          assertThat(e.getMessage()).doesNotContain(keyBody.substring(0, 20));
          assertThat(e.getCause()).isNull();
        });
    byte[] p12 = p12(new okhttp3.tls.HeldCertificate.Builder().signedBy(MockApns.CA).build(), "right-password");
    assertThatThrownBy(() -> ApnsTransport.builder().clientCertificate(new ByteArrayInputStream(p12), "wrong-password"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("wrong password")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("wrong-password").doesNotContain("right-password"));
    ApnsTransport t = ApnsTransport.builder().signingKey(pem, "TEAM123456", "KEY1234567").topic("com.example.shop")
        .production().build();
    try (t) {
      assertThat(t.toString()).contains("production").contains("TEAM123456").contains("KEY1234567")
          .doesNotContain(keyBody.substring(0, 20));
    }
  }

  @Test
  void anExpiredClientCertificateIsRefusedWhenGiven() throws Exception {
    long now = System.currentTimeMillis();
    okhttp3.tls.HeldCertificate expired = new okhttp3.tls.HeldCertificate.Builder()
        .validityInterval(now - Duration.ofDays(400).toMillis(), now - Duration.ofDays(35).toMillis())
        .signedBy(MockApns.CA).build();
    assertThatThrownBy(() -> ApnsTransport.builder().clientCertificate(
        new ByteArrayInputStream(p12(expired, "pw")), "pw").topic("com.example.shop").production().build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expired on")
        .hasMessageContaining("renew");
  }

  private static String camel(String enumName) {
    StringBuilder b = new StringBuilder();
    for (String part : enumName.split("_")) {
      b.append(part.charAt(0)).append(part.substring(1).toLowerCase(java.util.Locale.ROOT));
    }
    return b.toString();
  }

  /** A .p12 as Keychain Access exports it: the certificate, its chain and its key. */
  static byte[] p12(okhttp3.tls.HeldCertificate cert, String password) throws Exception {
    java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("push", cert.keyPair().getPrivate(), password.toCharArray(),
        new java.security.cert.Certificate[] {cert.certificate(), MockApns.CA.certificate()});
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    ks.store(out, password.toCharArray());
    return out.toByteArray();
  }

  @Test
  void theApnsIdIsTheSameForEveryTryAndDiffersByReminderAndToken() {
    java.util.UUID id = ApnsRequests.apnsId("0190f3c2a1b2c3d4e5f60718293a4b5c", MockApns.token(1));
    assertThat(ApnsRequests.apnsId("0190f3c2a1b2c3d4e5f60718293a4b5c", MockApns.token(1))).isEqualTo(id);
    assertThat(ApnsRequests.apnsId("0190f3c2a1b2c3d4e5f60718293a4b5c", MockApns.token(2))).isNotEqualTo(id);
    assertThat(ApnsRequests.apnsId("0190f3c2a1b2c3d4e5f60718293a4b5d", MockApns.token(1))).isNotEqualTo(id);
    assertThat(id.version()).isEqualTo(8);
    assertThat(id.variant()).isEqualTo(2);
    java.util.Set<java.util.UUID> ids = new HashSet<>();
    for (int i = 0; i < 100_000; i++) {
      ids.add(ApnsRequests.apnsId("r" + i, MockApns.token(i % 7)));
    }
    assertThat(ids).hasSize(100_000);
  }

  @Test
  void payloadSizesAreCountedInUtf8() {
    for (String s : List.of("", "ascii", "سبد خرید", "emoji \uD83D\uDED2 cart", "lone \uD800 surrogate", "€ and é")) {
      assertThat(ApnsRequests.utf8Length(s)).as(s).isEqualTo(s.getBytes(StandardCharsets.UTF_8).length);
    }
  }
}
