package dev.nudge.transport.apns;

import com.eatthepath.pushy.apns.ApnsClient;
import com.eatthepath.pushy.apns.ApnsClientBuilder;
import com.eatthepath.pushy.apns.ApnsClientMetricsListener;
import com.eatthepath.pushy.apns.auth.ApnsSigningKey;
import dev.nudge.Device;
import dev.nudge.Platform;
import dev.nudge.spi.RenderedNotification;
import dev.nudge.spi.SendResult;
import dev.nudge.spi.Transport;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * The {@link Transport} for {@link Platform#IOS}: sends over the Apple Push Notification service
 * (HTTP/2) with Pushy's {@link ApnsClient}, authenticated by a signing key (token authentication,
 * the {@code .p8} key from the Apple developer account) or by a TLS client certificate
 * ({@code .p12}).
 *
 * <pre>{@code
 * Transport apns = ApnsTransport.builder()
 *     .signingKey(Path.of("AuthKey_ABC123DEFG.p8"), "TEAMID1234", "ABC123DEFG")
 *     .topic("com.example.shop")   // the app's bundle id
 *     .production()                // development() for builds run from Xcode
 *     .build();
 * }</pre>
 *
 * <p>What reaches APNs: the alert's title, subtitle and body, badge, sound, category, thread id
 * and interruption level; {@code mutable-content} and the image URL (under
 * {@link Builder#imageUrlKey}, default {@code image_url}) when there is an image, for the app's
 * notification service extension; the deep link (under {@link Builder#deepLinkKey}, default
 * {@code deep_link}) and the custom data as top-level keys. Headers: {@code apns-push-type}
 * {@code alert}, or {@code background} with {@code content-available} for a data-only message
 * (always at priority 5, as Apple requires); {@code apns-priority} 10 for
 * {@link dev.nudge.Priority#HIGH}, 5 for {@code NORMAL}; {@code apns-expiration} from the
 * notification's expiry (0, deliver once and never store, when it has already passed; now plus
 * {@link Builder#defaultTimeToLive} when it has none); {@code apns-collapse-id} from the
 * notification's collapse id (the message's collapse key, else the reminder id, so a resend after
 * a crash replaces the first copy); {@code apns-id} derived from the reminder and the token, the
 * same on every try. A notification whose payload is over 4096 bytes is not sent: it ends
 * rejected with reason {@code PayloadTooLarge} and the size.
 *
 * <p>APNs' answers become {@link SendResult}s: {@code Unregistered}, {@code ExpiredToken},
 * {@code BadDeviceToken} and {@code DeviceTokenNotForTopic} reject the token for good (the engine
 * deactivates the device, with APNs' invalidation time where it gives one). Note that
 * {@code BadDeviceToken} also means a development (sandbox) token sent to the production gateway
 * or the other way round, and {@code DeviceTokenNotForTopic} a wrong topic: if every device is
 * refused so, the app build and the gateway (or the topic) do not match (the first one is logged
 * with that advice). So that such a setting cannot deactivate every device of the app, these two
 * keep the device until the transport has had one send accepted. {@code TooManyRequests},
 * {@code InternalServerError}, {@code ServiceUnavailable}, {@code Shutdown}, {@code IdleTimeout}
 * and a failed or closed connection are tried again with the engine's backoff; every other reason
 * ({@code BadTopic}, {@code InvalidProviderToken}, {@code ExpiredProviderToken},
 * {@code Forbidden}, ...) rejects this send, keeps the token, and is counted under its reason
 * (each reason logged once, since it usually means a setting is wrong).
 *
 * <p>Secrets (the signing key, the certificate and its password) never appear in logs,
 * exceptions or {@link #toString()}. {@link #close()} closes the client gracefully: sends in flight
 * are answered first, for at most {@link Builder#gracefulShutdownTimeout}. Thread-safe.
 */
public final class ApnsTransport implements Transport {
  private static final System.Logger LOG = System.getLogger("dev.nudge.transport.apns");
  private static final int MAX_LOGGED_REASONS = 64;
  private static final Set<String> ROUTINE = Set.of("Unregistered", "ExpiredToken");
  /** Reasons a wrong gateway or topic also gives, for every token. */
  private static final Set<String> MISMATCH = Set.of("BadDeviceToken", "DeviceTokenNotForTopic");

  private final ApnsClient client;
  private final ApnsRequests requests;
  private final StreamLimit limit;
  private final Duration gracefulShutdownTimeout;
  private final String description;
  private final Set<String> loggedReasons = ConcurrentHashMap.newKeySet();
  /** Whether APNs accepted a send of this transport: its gateway, topic and credentials match the app. */
  private volatile boolean accepted;

  private ApnsTransport(Builder b, ApnsClient client) {
    this.client = client;
    this.requests = new ApnsRequests(b.topic, b.deepLinkKey, b.imageUrlKey, b.defaultTimeToLive, b.clock);
    this.limit = new StreamLimit(b.connections * b.maxConcurrentStreams);
    this.gracefulShutdownTimeout = b.gracefulShutdownTimeout;
    this.description = "ApnsTransport{gateway=" + b.gatewayName() + ", topic=" + b.topic + ", auth="
        + (b.signingKey != null ? "token(teamId=" + b.signingKey.getTeamId() + ", keyId=" + b.signingKey.getKeyId() + ")"
            : "certificate(" + b.certificate.getSubjectX500Principal().getName() + ")")
        + ", connections=" + b.connections + ", maxConcurrentStreams=" + b.maxConcurrentStreams + "}";
  }

  /** Starts a builder. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Platform platform() {
    return Platform.IOS;
  }

  @Override
  public CompletableFuture<SendResult> send(Device device, RenderedNotification notification) {
    ApnsRequests.Request request = requests.toRequest(device.token(), notification);
    if (request instanceof ApnsRequests.Refused refused) {
      logOnce(refused.reason().contains(":") ? refused.reason().substring(0, refused.reason().indexOf(':'))
          : refused.reason(), "a notification of campaign '" + notification.campaignId() + "' was not sent: "
          + refused.reason());
      return CompletableFuture.completedFuture(SendResult.rejected(refused.reason(), false));
    }
    var ready = ((ApnsRequests.Ready) request).notification();
    if (limit.tryAcquire()) { // the common case: nothing waits for a stream
      try {
        return client.sendNotification(ready).handle((response, error) -> {
          limit.release();
          return error != null ? failed(error) : answered(ApnsResponses.map(response),
              response.getRejectionReason().orElse(null));
        });
      } catch (RuntimeException | Error e) { // not expected of Pushy; the slot must not leak
        limit.release();
        if (e instanceof VirtualMachineError vm) {
          throw vm;
        }
        return CompletableFuture.completedFuture(failed(e));
      }
    }
    CompletableFuture<SendResult> result = new CompletableFuture<>();
    limit.submit(() -> {
      try {
        client.sendNotification(ready).whenComplete((response, error) -> {
          limit.release();
          result.complete(error != null ? failed(error) : answered(ApnsResponses.map(response), response
              .getRejectionReason().orElse(null)));
        });
      } catch (RuntimeException e) { // not expected of Pushy; the slot must not leak
        limit.release();
        result.complete(failed(e));
      } catch (Error e) {
        result.complete(failed(e));
        throw e; // the limit frees the slot of a task that threw
      }
    });
    return result;
  }

  private SendResult answered(SendResult result, String reasonName) {
    if (result instanceof SendResult.Accepted) {
      accepted = true;
    } else if (result instanceof SendResult.Rejected r && r.tokenDead() && !accepted
        && MISMATCH.contains(reasonName)) {
      // Until one send got through, this is as likely the gateway or the topic as the token:
      // every device of the app would be deactivated by a setting. Keep them, and say why.
      result = new SendResult.Rejected(r.reason() + "; the device is kept until this transport has had a send"
          + " accepted, since before that a wrong gateway or topic looks the same", false, r.invalidSince().orElse(null));
    }
    if (result instanceof SendResult.Rejected r && reasonName != null && !ROUTINE.contains(reasonName)) {
      logOnce(reasonName, "APNs refused a notification on " + description + ": " + r.reason()
          + (r.tokenDead() ? " (the device is deactivated)" : " (the device is kept)"));
    }
    return result;
  }

  private static SendResult failed(Throwable error) {
    Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
        ? error.getCause() : error;
    return SendResult.retry("APNs connection failed: " + cause.getClass().getSimpleName()
        + (cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")"), null);
  }

  private void logOnce(String reasonName, String message) {
    if (loggedReasons.size() < MAX_LOGGED_REASONS && loggedReasons.add(reasonName)) {
      LOG.log(System.Logger.Level.WARNING, message + " (logged once per reason; every such send is counted in the"
          + " campaign's statistics)");
    }
  }

  /** Sends waiting for a free stream (over the concurrent-stream limit); for tests and metrics. */
  int waiting() {
    return limit.waiting();
  }

  /**
   * Closes the client: sends in flight are answered first, for at most the graceful shutdown
   * timeout; later sends end in a retry. Waits for the close to finish.
   */
  @Override
  public void close() {
    try {
      client.close().get(gracefulShutdownTimeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.log(System.Logger.Level.WARNING, "closing the APNs client did not finish cleanly: " + e);
    }
  }

  /** The gateway, topic and authentication kind; never a secret. */
  @Override
  public String toString() {
    return description;
  }

  /**
   * Configures an {@link ApnsTransport}. Credentials (exactly one of {@link #signingKey} and
   * {@link #clientCertificate}), the {@link #topic} and the gateway ({@link #production()},
   * {@link #development()} or {@link #server}) are required. Each credential is read and checked
   * when it is given. Not thread-safe.
   */
  public static final class Builder {
    private static final Pattern APPLE_ID = Pattern.compile("[A-Za-z0-9]+");

    private ApnsSigningKey signingKey;
    private X509Certificate certificate;
    private PrivateKey certificateKey;
    private String host;
    private int port;
    private String gateway;
    private final List<X509Certificate> trusted = new ArrayList<>();
    private String topic;
    private int connections = 1;
    private int maxConcurrentStreams = 1000;
    private ApnsClientMetricsListener metricsListener;
    private io.netty.channel.EventLoopGroup eventLoopGroup;
    private Duration gracefulShutdownTimeout = Duration.ofSeconds(10);
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration defaultTimeToLive = Duration.ofDays(1);
    private String deepLinkKey = "deep_link";
    private String imageUrlKey = "image_url";
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /**
     * Token authentication with the {@code .p8} signing key file from the Apple developer
     * account, its team id and key id (both 10 characters, shown next to the key).
     */
    public Builder signingKey(Path p8File, String teamId, String keyId) {
      Objects.requireNonNull(p8File, "p8File");
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(p8File);
      } catch (IOException e) {
        throw new IllegalArgumentException("APNs signing key file " + p8File + " could not be read ("
            + e.getClass().getSimpleName() + "); give the path of the AuthKey_<keyId>.p8 file", e);
      }
      return signingKey(new ByteArrayInputStream(bytes), teamId, keyId);
    }

    /** Token authentication with the contents of the {@code .p8} file, e.g. from a secret store. */
    public Builder signingKey(String p8Contents, String teamId, String keyId) {
      if (p8Contents == null || p8Contents.isBlank()) {
        throw new IllegalArgumentException("APNs signing key is empty; give the contents of the .p8 file"
            + " (-----BEGIN PRIVATE KEY----- ...)");
      }
      return signingKey(new ByteArrayInputStream(p8Contents.getBytes(StandardCharsets.US_ASCII)), teamId, keyId);
    }

    /** Token authentication with the {@code .p8} file's bytes from a stream (read now, not closed). */
    public Builder signingKey(InputStream p8, String teamId, String keyId) {
      Objects.requireNonNull(p8, "p8");
      if (signingKey != null) {
        throw new IllegalStateException("APNs signing key is already set; set it once");
      }
      appleId("APNs team id", teamId);
      appleId("APNs key id", keyId);
      if (certificate != null) {
        throw new IllegalStateException("APNs client certificate is already set; use either a signing key or a"
            + " certificate, not both");
      }
      try {
        this.signingKey = ApnsSigningKey.loadFromInputStream(p8, teamId, keyId);
      } catch (IOException | GeneralSecurityException | RuntimeException e) {
        // The cause's message may quote the key's text: it is left out, and so is the cause.
        throw new IllegalArgumentException("APNs signing key could not be read (" + e.getClass().getSimpleName()
            + "); give the .p8 file Apple issued for key id " + keyId + ": a PKCS#8 EC P-256 private key"
            + " between -----BEGIN PRIVATE KEY----- and -----END PRIVATE KEY-----");
      }
      return this;
    }

    /** Certificate authentication with a {@code .p12} file holding the push certificate and its key. */
    public Builder clientCertificate(Path p12File, String password) {
      Objects.requireNonNull(p12File, "p12File");
      try (InputStream in = Files.newInputStream(p12File)) {
        return clientCertificate(in, password);
      } catch (IOException e) {
        throw new IllegalArgumentException("APNs client certificate file " + p12File + " could not be read ("
            + e.getClass().getSimpleName() + ")", e);
      }
    }

    /** Certificate authentication with a {@code .p12} from a stream (read now, not closed). */
    public Builder clientCertificate(InputStream p12, String password) {
      Objects.requireNonNull(p12, "p12");
      if (certificate != null) {
        throw new IllegalStateException("APNs client certificate is already set; set it once");
      }
      if (signingKey != null) {
        throw new IllegalStateException("APNs signing key is already set; use either a signing key or a"
            + " certificate, not both");
      }
      char[] pw = password == null ? new char[0] : password.toCharArray();
      try {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(p12, pw);
        List<String> keys = new ArrayList<>();
        for (String alias : Collections.list(store.aliases())) {
          if (store.isKeyEntry(alias)) {
            keys.add(alias);
          }
        }
        if (keys.size() != 1) {
          throw new IllegalArgumentException("APNs client certificate file holds " + keys.size()
              + " private keys; export exactly the push certificate and its key from Keychain Access");
        }
        Key key = store.getKey(keys.get(0), pw);
        Certificate cert = store.getCertificate(keys.get(0));
        if (!(key instanceof PrivateKey pk) || !(cert instanceof X509Certificate x509)) {
          throw new IllegalArgumentException("APNs client certificate file holds no X.509 certificate with a"
              + " private key");
        }
        this.certificate = x509; // its expiry is checked by build(), on the clock given by then
        this.certificateKey = pk;
      } catch (IOException | GeneralSecurityException e) {
        throw new IllegalArgumentException("APNs client certificate could not be opened (" + e.getClass()
            .getSimpleName() + "): a wrong password, or not a PKCS#12 (.p12) file");
      } finally {
        java.util.Arrays.fill(pw, '\0');
      }
      return this;
    }

    /** Apple's production gateway, {@code api.push.apple.com}: App Store, TestFlight and ad hoc builds. */
    public Builder production() {
      return gateway("production", ApnsClientBuilder.PRODUCTION_APNS_HOST, ApnsClientBuilder.DEFAULT_APNS_PORT);
    }

    /** Apple's development gateway, {@code api.sandbox.push.apple.com}: builds run from Xcode. */
    public Builder development() {
      return gateway("development", ApnsClientBuilder.DEVELOPMENT_APNS_HOST, ApnsClientBuilder.DEFAULT_APNS_PORT);
    }

    /** Any host and port speaking the APNs protocol: a mock server in tests, a proxy. */
    public Builder server(String host, int port) {
      if (host == null || host.isBlank()) {
        throw new IllegalArgumentException("APNs server host is blank; give a host name or address");
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("APNs server port is " + port + "; give a port from 1 to 65535");
      }
      return gateway(host + ":" + port, host, port);
    }

    private Builder gateway(String name, String host, int port) {
      if (gateway != null) {
        throw new IllegalStateException("APNs gateway is already set to " + gateway + "; set it once");
      }
      this.gateway = name;
      this.host = host;
      this.port = port;
      return this;
    }

    /** Trusts these certificates for the server (e.g. a test server's own CA) instead of the JDK's. */
    public Builder trustedServerCertificates(X509Certificate... certificates) {
      for (X509Certificate c : certificates) {
        trusted.add(Objects.requireNonNull(c, "certificate"));
      }
      return this;
    }

    /** Trusts the certificates of a PEM file for the server. */
    public Builder trustedServerCertificates(Path pemFile) {
      try (InputStream in = Files.newInputStream(pemFile)) {
        for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
          trusted.add((X509Certificate) c);
        }
      } catch (IOException | GeneralSecurityException e) {
        throw new IllegalArgumentException("APNs trusted server certificates " + pemFile + " could not be read: "
            + e.getMessage(), e);
      }
      return this;
    }

    /** The app's bundle id, sent as {@code apns-topic}. */
    public Builder topic(String bundleId) {
      if (bundleId == null || bundleId.isBlank()) {
        throw new IllegalArgumentException("APNs topic is blank; give the app's bundle id, e.g. com.example.shop");
      }
      if (topic != null) {
        throw new IllegalStateException("APNs topic is already set to " + topic + "; set it once");
      }
      this.topic = bundleId;
      return this;
    }

    /** HTTP/2 connections to APNs (default 1; one connection carries thousands of sends a second). */
    public Builder connections(int connections) {
      if (connections < 1) {
        throw new IllegalArgumentException("APNs connections is " + connections + "; give 1 or more");
      }
      this.connections = connections;
      return this;
    }

    /**
     * Requests outstanding per connection (default 1000): the transport lets at most
     * {@code connections × maxConcurrentStreams} be unanswered at once, across its connections;
     * more wait in the transport, never blocking the caller. APNs' own stream limit per
     * connection still applies.
     */
    public Builder maxConcurrentStreams(int streams) {
      if (streams < 1) {
        throw new IllegalArgumentException("APNs maxConcurrentStreams is " + streams + "; give 1 or more");
      }
      this.maxConcurrentStreams = streams;
      return this;
    }

    /**
     * Pushy's metrics listener, e.g. {@code MicrometerApnsClientMetricsListener} of
     * {@code com.eatthepath:pushy-micrometer-metrics-listener}.
     */
    public Builder metricsListener(ApnsClientMetricsListener listener) {
      this.metricsListener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * A Netty event loop group to run the client's connections on, shared with the host's other
     * Netty clients (Pushy advises one group for several clients); {@link ApnsTransport#close()}
     * does not shut it down. Without one, the client has its own, closed with it.
     */
    public Builder eventLoopGroup(io.netty.channel.EventLoopGroup group) {
      this.eventLoopGroup = Objects.requireNonNull(group, "group");
      return this;
    }

    /** How long {@link ApnsTransport#close()} waits for sends in flight (default 10s). */
    public Builder gracefulShutdownTimeout(Duration timeout) {
      this.gracefulShutdownTimeout = positive("APNs gracefulShutdownTimeout", timeout);
      return this;
    }

    /** How long a connection attempt may take (default 10s). */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive("APNs connectTimeout", timeout);
      return this;
    }

    /**
     * How long APNs keeps a notification that has no expiry of its own while the device is
     * offline (default one day; APNs keeps it at most about 30 days).
     */
    public Builder defaultTimeToLive(Duration ttl) {
      this.defaultTimeToLive = positive("APNs defaultTimeToLive", ttl);
      return this;
    }

    /** The payload key of the deep link (default {@code deep_link}). */
    public Builder deepLinkKey(String key) {
      this.deepLinkKey = payloadKey("APNs deepLinkKey", key);
      return this;
    }

    /** The payload key of the image URL (default {@code image_url}). */
    public Builder imageUrlKey(String key) {
      this.imageUrlKey = payloadKey("APNs imageUrlKey", key);
      return this;
    }

    /** The clock for expirations (default the system's); give the engine's in tests. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Builds the transport and its client (connections open on the first send).
     *
     * @throws IllegalArgumentException when credentials, the topic or the gateway are missing
     */
    public ApnsTransport build() {
      if (signingKey == null && certificate == null) {
        throw new IllegalArgumentException("APNs credentials are missing; call signingKey(...) for token"
            + " authentication (a .p8 key) or clientCertificate(...) (a .p12 file)");
      }
      if (topic == null) {
        throw new IllegalArgumentException("APNs topic is missing; call topic(bundleId) with the app's bundle id");
      }
      if (gateway == null) {
        throw new IllegalArgumentException("APNs gateway is missing; call production() for App Store and TestFlight"
            + " builds, development() for builds run from Xcode, or server(host, port)");
      }
      if (certificate != null && certificate.getNotAfter().toInstant().isBefore(clock.instant())) {
        throw new IllegalArgumentException("APNs client certificate " + certificate.getSubjectX500Principal().getName()
            + " expired on " + certificate.getNotAfter().toInstant() + "; renew it in the Apple developer account");
      }
      if (deepLinkKey.equals(imageUrlKey)) {
        throw new IllegalArgumentException("APNs deepLinkKey and imageUrlKey are both '" + deepLinkKey
            + "'; give them different keys");
      }
      ApnsClientBuilder b = new ApnsClientBuilder()
          .setApnsServer(host, port)
          .setConcurrentConnections(connections)
          .setConnectionTimeout(connectTimeout)
          .setGracefulShutdownTimeout(gracefulShutdownTimeout);
      if (signingKey != null) {
        b.setSigningKey(signingKey);
      } else {
        b.setClientCredentials(certificate, certificateKey, null);
      }
      if (!trusted.isEmpty()) {
        b.setTrustedServerCertificateChain(trusted.toArray(new X509Certificate[0]));
      }
      if (metricsListener != null) {
        b.setMetricsListener(metricsListener);
      }
      if (eventLoopGroup != null) {
        b.setEventLoopGroup(eventLoopGroup);
      }
      try {
        return new ApnsTransport(this, b.build());
      } catch (IOException e) {
        throw new IllegalArgumentException("APNs client could not be set up (" + e.getClass().getSimpleName()
            + "); check the trusted server certificates and the credentials");
      }
    }

    private String gatewayName() {
      return gateway.equals("production") || gateway.equals("development") ? gateway + " (" + host + ")" : gateway;
    }

    private static void appleId(String field, String value) {
      if (value == null || value.isBlank()) {
        throw new IllegalArgumentException(field + " is blank; give the 10-character id from the Apple developer"
            + " account");
      }
      if (!APPLE_ID.matcher(value).matches()) {
        throw new IllegalArgumentException(field + " '" + value + "' has characters other than letters and digits;"
            + " give the 10-character id from the Apple developer account");
      }
    }

    private static Duration positive(String field, Duration d) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(field + " is " + d + "; give a positive duration");
      }
      return d;
    }

    private static String payloadKey(String field, String key) {
      if (key == null || key.isBlank() || key.equals("aps")) {
        throw new IllegalArgumentException(field + " is '" + key + "'; give a non-blank key other than 'aps'");
      }
      return key;
    }
  }
}
