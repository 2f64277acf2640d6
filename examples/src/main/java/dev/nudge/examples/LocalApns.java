package dev.nudge.examples;

import com.eatthepath.pushy.apns.ApnsClientBuilder;
import com.eatthepath.pushy.apns.auth.ApnsSigningKey;
import com.eatthepath.pushy.apns.auth.ApnsVerificationKey;
import com.eatthepath.pushy.apns.auth.AuthenticationToken;
import com.eatthepath.pushy.apns.server.AcceptAllPushNotificationHandlerFactory;
import com.eatthepath.pushy.apns.server.MockApnsServer;
import com.eatthepath.pushy.apns.server.MockApnsServerBuilder;
import com.eatthepath.pushy.apns.server.MockApnsServerListener;
import com.eatthepath.pushy.apns.server.PushNotificationHandler;
import com.eatthepath.pushy.apns.server.PushNotificationHandlerFactory;
import com.eatthepath.pushy.apns.server.RejectedNotificationException;
import com.eatthepath.pushy.apns.server.RejectionReason;
import com.eatthepath.pushy.apns.server.UnregisteredDeviceTokenException;
import dev.nudge.transport.apns.ApnsTransport;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLSession;

/**
 * An APNs of one's own on loopback: Pushy's {@link MockApnsServer} speaking HTTP/2 over TLS with a
 * certificate authority and server certificate generated at start, and an APNs signing key (the
 * {@code .p8} Apple would issue) generated with it, so a real {@link ApnsTransport} sends to it
 * with token authentication exactly as it would to Apple. Nothing is read from disk and nothing
 * leaves the machine; the keys live only in this object and are never printed.
 *
 * <p>{@link #start} answers the way APNs does for a shop's traffic: it verifies each request's
 * provider token (signature, team and key id) and topic, answers {@code Unregistered} (410, with
 * the time the token stopped being valid: three days before {@code clock}'s now) for the tokens of
 * uninstalled apps, refuses the first attempt of about one delivery in {@code throttleOneIn} with
 * {@code TooManyRequests} (429) so the engine's retries show, accepts the rest, and records every
 * request as it arrived ({@link #received()}). Which deliveries are throttled depends only on the
 * token and the payload, never on the order requests arrive in, so a seeded run repeats.
 * {@link #acceptingAll} is Pushy's accept-all server, for benchmarks: it counts the requests and
 * keeps only the first one.
 *
 * <pre>{@code
 * try (LocalApns apns = LocalApns.start("com.example.shop", clock, deadTokens, 20);
 *      Nudge nudge = Nudge.builder().clock(clock).transport(apns.transport().clock(clock).build()).build()) {
 *   ...
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} shuts the server down; close the transports built on it (the
 * engine closes its own) first.
 */
public final class LocalApns implements AutoCloseable {
  /** The team id the generated signing key belongs to. */
  public static final String TEAM_ID = "NUDGELOCAL";
  /** The key id of the generated signing key. */
  public static final String KEY_ID = "LOCALKEY42";
  /** The loopback host name the server certificate is issued for. */
  public static final String HOST = LocalCredentials.HOST;

  private static final String PATH_PREFIX = "/3/device/";
  private static final Duration UNINSTALLED_BEFORE_NOW = Duration.ofDays(3);

  private final String topic;
  private final String signingKeyPem;
  private final LocalCredentials tls;
  private final EventLoopGroup loop;
  private final MockApnsServer server;
  private final int port;
  private final Answers answers;
  private final ReceivedLog<Received> received = new ReceivedLog<>();

  private LocalApns(String topic, Answers answers) {
    if (topic == null || topic.isBlank()) {
      throw new IllegalArgumentException("LocalApns topic is blank; give the app's bundle id, e.g. com.example.shop");
    }
    this.topic = topic;
    this.answers = answers;
    KeyPair signing = signingKeyPair();
    this.signingKeyPem = LocalCredentials.pem(signing.getPrivate());
    this.tls = LocalCredentials.generate("Nudge LocalApns CA");
    PushNotificationHandlerFactory handlers;
    MockApnsServerListener listener = null;
    if (answers == null) {
      handlers = new AcceptAllPushNotificationHandlerFactory();
      listener = new FirstRequest();
    } else {
      ApnsVerificationKey verification;
      try {
        verification = new ApnsVerificationKey(KEY_ID, TEAM_ID, (ECPublicKey) signing.getPublic());
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("this JVM cannot verify APNs provider tokens (ES256): " + e.getMessage(), e);
      }
      handlers = session -> new Connection(session, verification);
    }
    // Its own event loop, so close() can end it at once (a server's default one lingers for 2 s).
    this.loop = new NioEventLoopGroup(1, new DefaultThreadFactory("local-apns", true));
    try {
      this.server = new MockApnsServerBuilder()
          .setEventLoopGroup(loop)
          .setServerCredentials(tls.serverChain(), tls.serverKey(), null)
          .setHandlerFactory(handlers)
          .setListener(listener)
          .build();
      this.port = server.start(0).get(30, TimeUnit.SECONDS);
    } catch (IOException | ExecutionException | TimeoutException e) {
      loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw new IllegalStateException("the local APNs server did not start on " + HOST + ": " + e, e);
    } catch (InterruptedException e) {
      loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the local APNs server started", e);
    }
  }

  /**
   * A server answering like APNs for a shop's traffic (see the class description).
   *
   * @param topic the app's bundle id; a request for another topic is refused ({@code BadTopic})
   * @param clock the engine's clock: an uninstalled app's token became invalid three days before its now
   * @param uninstalledTokens device tokens answered with {@code Unregistered}
   * @param throttleOneIn about one delivery in this many is throttled on its first attempt; 0 never
   */
  public static LocalApns start(String topic, Clock clock, Set<String> uninstalledTokens, int throttleOneIn) {
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(uninstalledTokens, "uninstalledTokens");
    if (throttleOneIn < 0) {
      throw new IllegalArgumentException("LocalApns throttleOneIn is " + throttleOneIn
          + "; give 0 (never throttle) or N to throttle about one delivery in N");
    }
    return new LocalApns(topic, new Answers(clock, Set.copyOf(uninstalledTokens), throttleOneIn));
  }

  /**
   * A server that accepts every request ({@link AcceptAllPushNotificationHandlerFactory}), counts
   * them ({@code answered("accepted")}) and keeps the first in {@link #received()}.
   */
  public static LocalApns acceptingAll(String topic) {
    return new LocalApns(topic, null);
  }

  /**
   * An {@link ApnsTransport} builder set up for this server: token authentication with the
   * generated signing key, this server's address, its certificate authority as the only one
   * trusted, and the topic. Add the engine's clock (and connections, if more than one) and build.
   */
  public ApnsTransport.Builder transport() {
    return ApnsTransport.builder()
        .signingKey(signingKeyPem, TEAM_ID, KEY_ID)
        .server(HOST, port)
        .trustedServerCertificates(certificateAuthority())
        .topic(topic);
  }

  /**
   * A Pushy {@link ApnsClientBuilder} set up like {@link #transport()}: the same signing key,
   * address and trusted certificate authority, for driving Pushy directly.
   */
  public ApnsClientBuilder client() {
    try {
      return new ApnsClientBuilder()
          .setApnsServer(HOST, port)
          .setSigningKey(ApnsSigningKey.loadFromInputStream(
              new ByteArrayInputStream(signingKeyPem.getBytes(StandardCharsets.US_ASCII)), TEAM_ID, KEY_ID))
          .setTrustedServerCertificateChain(certificateAuthority());
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("the generated APNs signing key could not be loaded ("
          + e.getClass().getSimpleName() + ")");
    }
  }

  /** The generated certificate authority that issued the server's certificate: the one to trust. */
  public X509Certificate certificateAuthority() {
    return tls.authority();
  }

  /** The topic (bundle id) this server serves. */
  public String topic() {
    return topic;
  }

  /** The port the server listens on, on {@link #HOST}. */
  public int port() {
    return port;
  }

  /** Where the server is and how a client talks to it; no secret. */
  public String describe() {
    return HOST + ":" + port + ", token authentication (team " + TEAM_ID + ", key " + KEY_ID + "), TLS with a"
        + " certificate authority generated at start";
  }

  /** Every request received so far, in arrival order; only the first for {@link #acceptingAll}. */
  public List<Received> received() {
    return received.kept();
  }

  /** Requests answered with this reason ({@code "accepted"} for accepted ones, else APNs' reason). */
  public long answered(String answer) {
    return received.answered(answer);
  }

  /** Shuts the server down and waits for it; connections still open are closed. */
  @Override
  public void close() {
    try {
      server.shutdown().get(30, TimeUnit.SECONDS);
      loop.shutdownGracefully(0, 5, TimeUnit.SECONDS).get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the local APNs server did not shut down cleanly: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "LocalApns{" + HOST + ":" + port + ", topic=" + topic + "}";
  }

  /**
   * One request as it arrived: the device token from the {@code :path}, the {@code apns-*}
   * headers, the JSON payload, the TLS protocol of its connection, and the server's answer
   * ({@code "accepted"} or APNs' reason, e.g. {@code "Unregistered"}).
   */
  public record Received(String token, String topic, String collapseId, String pushType, int priority,
      String payload, String tlsProtocol, String answer) {}

  /** A fresh EC P-256 key pair, the kind of signing key Apple issues for token authentication. */
  static KeyPair signingKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot generate an EC P-256 key for APNs: " + e.getMessage(), e);
    }
  }

  /** Counts one request and, if {@code keep}, records it as it arrived. */
  private void record(Http2Headers headers, String payload, String tlsProtocol, String answer, boolean keep) {
    Received request = null;
    if (keep) {
      Integer priority = headers.getInt("apns-priority");
      request = new Received(token(headers), text(headers.get("apns-topic")), text(headers.get("apns-collapse-id")),
          text(headers.get("apns-push-type")), priority == null ? 10 : priority, payload, tlsProtocol, answer);
    }
    received.add(answer, request);
  }

  /** The device token of the {@code :path}, or {@code null}. */
  private static String token(Http2Headers headers) {
    CharSequence path = headers.path();
    return path != null && path.toString().startsWith(PATH_PREFIX) ? path.toString().substring(PATH_PREFIX.length())
        : null;
  }

  /** {@link #acceptingAll}'s listener: counts every request and keeps the first one. */
  private final class FirstRequest implements MockApnsServerListener {
    private final AtomicBoolean kept = new AtomicBoolean();

    @Override
    public void handlePushNotificationAccepted(Http2Headers headers, ByteBuf payload) {
      boolean first = !kept.get() && kept.compareAndSet(false, true);
      record(headers, first ? payload.toString(StandardCharsets.UTF_8) : null, null, "accepted", first);
    }

    @Override
    public void handlePushNotificationRejected(Http2Headers headers, ByteBuf payload, RejectionReason reason,
        Instant expiration) {
      record(headers, null, null, "rejected", false); // not by the accept-all handler
    }
  }

  /** What {@link #start} answers; shared by all connections. */
  private record Answers(Clock clock, Set<String> uninstalled, int throttleOneIn, Set<String> attempted) {
    Answers(Clock clock, Set<String> uninstalled, int throttleOneIn) {
      this(clock, uninstalled, throttleOneIn, ConcurrentHashMap.newKeySet());
    }

    /** Whether this attempt is throttled: the first one of a delivery picked by its token and payload. */
    boolean throttles(String delivery, String token, String payload) {
      return throttleOneIn > 0 && Math.floorMod(Objects.hash(token, payload), throttleOneIn) == 0
          && attempted.add(delivery);
    }
  }

  /** One client connection's handler: Pushy builds one per TLS session, used on its event loop. */
  private final class Connection implements PushNotificationHandler {
    private final String tlsProtocol;
    private final ApnsVerificationKey verification;
    private String verifiedToken; // the provider token last verified on this connection

    Connection(SSLSession session, ApnsVerificationKey verification) {
      this.tlsProtocol = session.getProtocol();
      this.verification = verification;
    }

    @Override
    public void handlePushNotification(Http2Headers headers, ByteBuf body) throws RejectedNotificationException {
      String payload = body == null ? "" : body.toString(StandardCharsets.UTF_8);
      Rejection rejection = answer(headers, token(headers), payload);
      record(headers, payload, tlsProtocol, rejection == null ? "accepted" : rejection.reason(), true);
      if (rejection != null) {
        throw rejection.exception();
      }
    }

    /** {@code null} to accept, else the rejection APNs would send. */
    private Rejection answer(Http2Headers headers, String token, String payload) {
      if (token == null || token.isEmpty()) {
        return new Rejection("MissingDeviceToken", RejectionReason.MISSING_DEVICE_TOKEN);
      }
      if (!verified(text(headers.get("authorization")))) {
        return new Rejection("InvalidProviderToken", RejectionReason.INVALID_PROVIDER_TOKEN);
      }
      if (!topic.equals(text(headers.get("apns-topic")))) {
        return new Rejection("BadTopic", RejectionReason.BAD_TOPIC);
      }
      if (payload.isEmpty()) {
        return new Rejection("PayloadEmpty", RejectionReason.PAYLOAD_EMPTY);
      }
      if (answers.uninstalled.contains(token)) {
        return new Rejection("Unregistered",
            new UnregisteredDeviceTokenException(answers.clock.instant().minus(UNINSTALLED_BEFORE_NOW)));
      }
      String apnsId = text(headers.get("apns-id"));
      String delivery = apnsId != null ? apnsId : token + '|' + text(headers.get("apns-collapse-id"));
      if (answers.throttles(delivery, token, payload)) {
        return new Rejection("TooManyRequests", RejectionReason.TOO_MANY_REQUESTS);
      }
      return null;
    }

    /** Verifies the provider token's ES256 signature, team and key id; once per token per connection. */
    private boolean verified(String authorization) {
      if (authorization == null || !authorization.startsWith("bearer ")) {
        return false;
      }
      String jwt = authorization.substring("bearer ".length()).trim();
      if (jwt.equals(verifiedToken)) {
        return true;
      }
      try {
        AuthenticationToken token = new AuthenticationToken(jwt);
        if (token.verifySignature(verification) && TEAM_ID.equals(token.getTeamId())) {
          verifiedToken = jwt;
          return true;
        }
        return false;
      } catch (RuntimeException e) { // not a JWT, or not one of ours
        return false;
      }
    }
  }

  /** A rejection and APNs' name for it (Pushy keeps the names package-private). */
  private record Rejection(String reason, RejectedNotificationException exception) {
    Rejection(String reason, RejectionReason code) {
      this(reason, new RejectedNotificationException(code));
    }
  }

  private static String text(CharSequence s) {
    return s == null ? null : s.toString();
  }
}
