package dev.nudge.transport.apns;

import com.eatthepath.pushy.apns.auth.ApnsVerificationKey;
import com.eatthepath.pushy.apns.server.MockApnsServer;
import com.eatthepath.pushy.apns.server.MockApnsServerBuilder;
import com.eatthepath.pushy.apns.server.MockApnsServerListener;
import com.eatthepath.pushy.apns.server.PushNotificationHandler;
import com.eatthepath.pushy.apns.server.PushNotificationHandlerFactory;
import com.eatthepath.pushy.apns.server.RejectedNotificationException;
import com.eatthepath.pushy.apns.server.RejectionReason;
import com.eatthepath.pushy.apns.server.ValidatingPushNotificationHandlerFactory;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayInputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import okhttp3.tls.HeldCertificate;

/**
 * Pushy's {@link MockApnsServer} on loopback over TLS, with a CA, a server certificate and a
 * signing key generated for each test (nothing committed that could expire). Records every
 * request it answered: headers and payload, accepted or with the rejection reason.
 */
final class MockApns implements AutoCloseable {
  static final String TOPIC = "com.example.shop";
  static final String TEAM_ID = "TEAM123456";
  static final String KEY_ID = "KEY1234567";

  /** One request as the server saw it. */
  record Received(Map<String, String> headers, String payload, RejectionReason rejection) {
    String token() {
      return headers.get(":path").substring("/3/device/".length());
    }

    JsonObject json() {
      return JsonParser.parseString(payload).getAsJsonObject();
    }

    JsonObject aps() {
      return json().getAsJsonObject("aps");
    }
  }

  static final HeldCertificate CA = new HeldCertificate.Builder().certificateAuthority(0).build();
  private static final HeldCertificate SERVER = new HeldCertificate.Builder()
      .addSubjectAlternativeName("localhost").signedBy(CA).build();
  private static final KeyPair SIGNING = ecKeyPair();
  /**
   * One event loop group for every test's servers and clients: a group of its own would take
   * Netty's two-second quiet period to shut down with each of them.
   */
  static final io.netty.channel.EventLoopGroup EVENT_LOOPS = new io.netty.channel.nio.NioEventLoopGroup(2,
      r -> {
        Thread t = new Thread(r, "mock-apns-netty");
        t.setDaemon(true);
        return t;
      });

  final List<Received> received = new CopyOnWriteArrayList<>();
  private final MockApnsServer server;
  private volatile int port;

  private MockApns(PushNotificationHandlerFactory handlers) throws Exception {
    this(handlers, EVENT_LOOPS);
  }

  private MockApns(PushNotificationHandlerFactory handlers, io.netty.channel.EventLoopGroup group) throws Exception {
    this.server = new MockApnsServerBuilder()
        .setServerCredentials(new java.security.cert.X509Certificate[] {SERVER.certificate(), CA.certificate()},
            SERVER.keyPair().getPrivate(), null)
        .setTrustedClientCertificateChain(new ByteArrayInputStream(
            CA.certificatePem().getBytes(StandardCharsets.US_ASCII)))
        .setHandlerFactory(handlers)
        .setEventLoopGroup(group)
        .setListener(new Recorder())
        .build();
  }

  /**
   * A server that checks what a real one checks: token authentication with this fixture's key,
   * the topic, the 64-hex token path, the collapse id, the payload size; only {@code tokens} are
   * known for {@link #TOPIC}, and {@code unregistered} ones answer {@code Unregistered} with their
   * invalidation time.
   */
  static MockApns validating(Set<String> tokens, Map<String, Instant> unregistered) throws Exception {
    return started(validatingFactory(tokens, unregistered), 0);
  }

  /** The handlers of {@link #validating}. */
  static ValidatingPushNotificationHandlerFactory validatingFactory(Set<String> tokens,
      Map<String, Instant> unregistered) throws Exception {
    ApnsVerificationKey key = new ApnsVerificationKey(KEY_ID, TEAM_ID, (ECPublicKey) SIGNING.getPublic());
    return new ValidatingPushNotificationHandlerFactory(Map.of(TOPIC, tokens), unregistered,
        Map.of(KEY_ID, key), Map.of(key, Set.of(TOPIC)));
  }

  /**
   * Like {@link #validating}, for bursts: Pushy's validating handler checks the provider token's
   * ECDSA signature on every request (about 2 ms each here), so this one runs it in full on each
   * new {@code authorization} value and, for a request carrying one already verified, checks the
   * rest itself: the 64-hex token path and known token, the topic, the collapse id's size, the
   * push type.
   */
  static MockApns validatingEachProviderTokenOnce(Set<String> tokens) throws Exception {
    ValidatingPushNotificationHandlerFactory full = validatingFactory(tokens, Map.of());
    java.util.regex.Pattern path = java.util.regex.Pattern.compile("/3/device/[0-9a-fA-F]{64}");
    return started(session -> {
      PushNotificationHandler validating = full.buildHandler(session);
      Set<String> verified = java.util.concurrent.ConcurrentHashMap.newKeySet();
      return (headers, payload) -> {
        String auth = String.valueOf(headers.get("authorization"));
        if (verified.add(auth)) {
          try {
            validating.handlePushNotification(headers, payload);
            return;
          } catch (RejectedNotificationException e) {
            verified.remove(auth);
            throw e;
          }
        }
        String p = String.valueOf(headers.get(":path"));
        if (!path.matcher(p).matches()) {
          throw new RejectedNotificationException(RejectionReason.BAD_DEVICE_TOKEN);
        }
        if (!TOPIC.contentEquals(headers.get("apns-topic"))) {
          throw new RejectedNotificationException(RejectionReason.BAD_TOPIC);
        }
        if (!tokens.contains(p.substring("/3/device/".length()))) {
          throw new RejectedNotificationException(RejectionReason.DEVICE_TOKEN_NOT_FOR_TOPIC);
        }
        CharSequence collapse = headers.get("apns-collapse-id");
        if (collapse != null && collapse.toString().getBytes(StandardCharsets.UTF_8).length > 64) {
          throw new RejectedNotificationException(RejectionReason.BAD_COLLAPSE_ID);
        }
        if (!"alert".contentEquals(headers.get("apns-push-type"))) {
          throw new RejectedNotificationException(RejectionReason.INVALID_PUSH_TYPE);
        }
      };
    }, 0);
  }

  /** A server whose handler the test writes (for answers a validating server does not give). */
  static MockApns with(PushNotificationHandler handler) throws Exception {
    return started(session -> handler, 0);
  }

  /** A server with this handler factory on {@code port} (0: any free port). */
  static MockApns started(PushNotificationHandlerFactory handlers, int port) throws Exception {
    MockApns m = new MockApns(handlers);
    m.port = (Integer) m.server.start(port).get(10, TimeUnit.SECONDS);
    return m;
  }

  /**
   * A server on event loops of its own ({@code group}), for a handler that blocks: it must not
   * hold up the clients' loops.
   */
  static MockApns onOwnLoops(PushNotificationHandler handler, io.netty.channel.EventLoopGroup group) throws Exception {
    MockApns m = new MockApns(session -> handler, group);
    m.port = (Integer) m.server.start(0).get(10, TimeUnit.SECONDS);
    return m;
  }

  /** A port nothing listens on (yet). */
  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  int port() {
    return port;
  }

  /** The signing key as the contents of a {@code .p8} file. */
  static String signingKeyPem() {
    return "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(
            SIGNING.getPrivate().getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
  }

  /** A transport builder for this server, with token authentication. */
  ApnsTransport.Builder transport() {
    return ApnsTransport.builder()
        .signingKey(signingKeyPem(), TEAM_ID, KEY_ID)
        .topic(TOPIC)
        .server("localhost", port)
        .trustedServerCertificates(CA.certificate())
        .eventLoopGroup(EVENT_LOOPS);
  }

  List<Received> accepted() {
    return received.stream().filter(r -> r.rejection() == null).toList();
  }

  /** A device token as APNs issues them: 32 bytes as 64 hex digits. */
  static String token(int n) {
    return String.format("%064x", n + 1L);
  }

  @Override
  public void close() throws Exception {
    server.shutdown().get(10, TimeUnit.SECONDS);
  }

  private final class Recorder implements MockApnsServerListener {
    @Override
    public void handlePushNotificationAccepted(Http2Headers headers, ByteBuf payload) {
      received.add(new Received(headers(headers), payload == null ? null : payload.toString(StandardCharsets.UTF_8),
          null));
    }

    @Override
    public void handlePushNotificationRejected(Http2Headers headers, ByteBuf payload, RejectionReason reason,
        Instant deviceTokenExpirationTimestamp) {
      received.add(new Received(headers(headers), payload == null ? null : payload.toString(StandardCharsets.UTF_8),
          reason));
    }

    private Map<String, String> headers(Http2Headers headers) {
      Map<String, String> out = new java.util.HashMap<>();
      headers.forEach(e -> out.put(e.getKey().toString(), e.getValue().toString()));
      return Map.copyOf(out);
    }
  }

  private static KeyPair ecKeyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (java.security.GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }
}
