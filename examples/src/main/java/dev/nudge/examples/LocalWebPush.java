package dev.nudge.examples;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.nudge.transport.webpush.VapidKeys;
import dev.nudge.transport.webpush.WebPushTransport;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.TlsVersion;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.tls.HandshakeCertificates;

/**
 * A Web Push service of one's own on loopback, and the browsers subscribed to it: OkHttp's
 * {@link MockWebServer} speaking HTTP/2 over TLS, with a certificate authority and server
 * certificate generated at start, as a push service (RFC 8030) at
 * {@code https://localhost:PORT/push/<subscription id>}, and the shop's VAPID key pair (RFC 8292)
 * generated with it. A browser subscribes with {@link #subscribe} ({@link LocalBrowser}: its own
 * P-256 key pair and authentication secret) using the VAPID public key as its
 * {@code applicationServerKey}; a real {@link WebPushTransport} built from {@link #transport()}
 * sends to it exactly as it would to a browser's push service. Nothing is read from disk and
 * nothing leaves the machine; the keys live only in this object and its browsers and are never
 * printed or recorded.
 *
 * <p>Each push request is checked the way a push service and the browser behind it would:
 * {@code POST} to a subscription's endpoint (404 for one this service never issued); the
 * {@code Authorization: vapid t=<JWT>, k=<key>} header, whose ES256 JWT must verify with
 * {@code k}, name this service's origin as {@code aud}, carry a {@code sub} contact and an
 * {@code exp} in the next 24 hours on {@code clock} (401 otherwise), and whose key must be the
 * subscription's {@code applicationServerKey} (403 otherwise); {@code Content-Encoding: aes128gcm},
 * an integer {@code TTL}, an {@code Urgency} of {@code very-low}, {@code low}, {@code normal} or
 * {@code high} and a {@code Topic} of at most 32 base64url characters (400 otherwise); a body of at
 * most 4096 bytes (413). A subscription its browser ended with {@link #unsubscribe} is answered
 * 410 Gone. Otherwise the body is decrypted with the subscription's browser's private key
 * ({@link LocalBrowser#decrypt}); one that does not decrypt is answered 400 and counted as
 * {@link #DECRYPT_FAILED}. The first attempt of about one delivery in {@code throttleOneIn} is
 * refused with 429 and {@code Retry-After} so the engine's retries show; the rest are accepted with
 * 201 Created and the push message's {@code Location}. Which deliveries are throttled depends only
 * on the subscription and the decrypted notification's text and data, never on the order requests
 * arrive in or on the random reminder ids (the {@code Topic} and the payload's {@code tag}), so a
 * seeded run repeats. Every request is recorded as it arrived ({@link #received()}), its
 * {@code Authorization} header redacted.
 *
 * <pre>{@code
 * try (LocalWebPush push = LocalWebPush.start(clock, 20);
 *      Nudge nudge = Nudge.builder().clock(clock).transport(push.transport().build()).build()) {
 *   LocalBrowser browser = push.subscribe("a1b2c3");
 *   nudge.registerDevice(Device.of("u1", Platform.WEB, browser.token()).build());
 *   ...
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} shuts the server down; close the transports built on it (the
 * engine closes its own) first.
 */
public final class LocalWebPush implements AutoCloseable {
  /** The VAPID contact of the shop, the transport's {@code subject}. */
  public static final String SUBJECT = "mailto:push@shop.example";
  /** The path subscriptions' endpoints start with; the subscription id follows. */
  public static final String PUSH_PATH = "/push/";
  /** The path accepted push messages' {@code Location}s start with. */
  public static final String MESSAGE_PATH = "/message/";
  /** The {@code Retry-After} of a throttled push, in seconds. */
  public static final int RETRY_AFTER_SECONDS = 600;
  /** The largest body a push service must accept (RFC 8030 section 7.2). */
  public static final int MAX_BODY = 4096;
  /** The answer recorded for an accepted push (201). */
  public static final String CREATED = "Created";
  /** The answer recorded for a throttled push (429). */
  public static final String THROTTLED = "TooManyRequests";
  /** The answer recorded for a push to a subscription its browser ended (410). */
  public static final String GONE = "Gone";
  /** The answer recorded for a push its browser could not decrypt (400). */
  public static final String DECRYPT_FAILED = "DecryptFailed";
  /** The answer recorded for a push to an endpoint this service never issued (404). */
  public static final String NOT_FOUND = "NotFound";

  private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9_-]{1,32}");
  private static final Set<String> URGENCIES = Set.of("very-low", "low", "normal", "high");
  /** The longest a VAPID token may live (RFC 8292 section 2). */
  private static final Duration MAX_TOKEN_LIFE = Duration.ofHours(24);
  private static final Base64.Decoder BASE64URL = Base64.getUrlDecoder();

  private final Clock clock;
  private final int throttleOneIn;
  private final LocalCredentials tls = LocalCredentials.generate("Nudge LocalWebPush CA");
  private final VapidKeys vapid = VapidKeys.generate();
  private final MockWebServer server = new MockWebServer();
  private final String origin;
  private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();
  private final Set<String> attempted = ConcurrentHashMap.newKeySet();
  private final Set<String> verifiedTokens = ConcurrentHashMap.newKeySet();
  private final AtomicLong messageNumbers = new AtomicLong();
  private final ReceivedLog<Received> received = new ReceivedLog<>();

  /** A subscription as the push service keeps it: its browser, the key it was made for, and whether its browser ended it. */
  private record Subscription(LocalBrowser browser, String applicationServerKey, AtomicBoolean ended) {
    boolean active() {
      return !ended.get();
    }
  }

  private LocalWebPush(Clock clock, int throttleOneIn) {
    this.clock = clock;
    this.throttleOneIn = throttleOneIn;
    server.setServerSocketFactory(NoDelaySockets.server());
    server.useHttps(tls.serverCertificates().sslSocketFactory(), false);
    server.setProtocols(List.of(Protocol.HTTP_2, Protocol.HTTP_1_1));
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return answer(request);
      }
    });
    try {
      server.start(InetAddress.getByName(LocalCredentials.HOST), 0);
    } catch (IOException e) {
      throw new IllegalStateException("the local push service did not start on " + LocalCredentials.HOST + ": " + e, e);
    }
    this.origin = "https://" + LocalCredentials.HOST + ":" + server.getPort();
  }

  /**
   * A push service answering like a browser vendor's for a shop's traffic (see the class
   * description).
   *
   * @param clock the engine's clock: VAPID token expiry, and the transport's clock
   * @param throttleOneIn about one delivery in this many is throttled on its first attempt; 0 never
   */
  public static LocalWebPush start(Clock clock, int throttleOneIn) {
    Objects.requireNonNull(clock, "clock");
    if (throttleOneIn < 0) {
      throw new IllegalArgumentException("LocalWebPush throttleOneIn is " + throttleOneIn
          + "; give 0 (never throttle) or N to throttle about one delivery in N");
    }
    return new LocalWebPush(clock, throttleOneIn);
  }

  /**
   * A {@link WebPushTransport} builder set up for this service: the generated VAPID keys, the
   * subject {@value #SUBJECT}, an OkHttp client that trusts only this server's certificate
   * authority, {@code localhost} at this server's port as the only allowed push service, and the clock given to
   * {@link #start}. Build it as it is, or change a setting first.
   */
  public WebPushTransport.Builder transport() {
    return WebPushTransport.builder()
        .vapidKeys(vapid)
        .subject(SUBJECT)
        .httpClient(client())
        .allowedPushServices(LocalCredentials.HOST + ":" + server.getPort())
        .clock(clock);
  }

  /** An OkHttp client that trusts this server's certificate authority and nothing else. */
  public OkHttpClient client() {
    HandshakeCertificates trust = tls.clientCertificates();
    return new OkHttpClient.Builder().sslSocketFactory(trust.sslSocketFactory(), trust.trustManager())
        .socketFactory(NoDelaySockets.client()).build();
  }

  /**
   * A browser subscribing here with the shop's VAPID public key as its
   * {@code applicationServerKey}: its endpoint is {@code https://localhost:PORT/push/<id>}.
   *
   * @param id the subscription id, 1 to 64 base64url characters, not subscribed before
   */
  public LocalBrowser subscribe(String id) {
    if (id == null || !id.matches("[A-Za-z0-9_-]{1,64}")) {
      throw new IllegalArgumentException("LocalWebPush subscription id '" + id + "' is not 1 to 64 base64url characters");
    }
    LocalBrowser browser = LocalBrowser.subscribe(origin + PUSH_PATH + id);
    if (subscriptions.putIfAbsent(id, new Subscription(browser, vapid.publicKey(), new AtomicBoolean()))
        != null) {
      throw new IllegalArgumentException("LocalWebPush subscription id " + id + " is taken");
    }
    return browser;
  }

  /**
   * The browser ends its subscription (its user revoked the site's notification permission):
   * pushes to it are answered 410 Gone from now on.
   *
   * @throws IllegalArgumentException when the endpoint is not one of this service's subscriptions
   */
  public void unsubscribe(String endpoint) {
    Subscription s = endpoint != null && endpoint.startsWith(origin + PUSH_PATH)
        ? subscriptions.get(endpoint.substring((origin + PUSH_PATH).length())) : null;
    if (s == null) {
      throw new IllegalArgumentException("no subscription of this push service has that endpoint");
    }
    s.ended().set(true);
  }

  /** The origin push requests go to, {@code https://localhost:PORT}: the VAPID audience. */
  public String origin() {
    return origin;
  }

  /** The shop's VAPID public key, the browsers' {@code applicationServerKey} (not a secret). */
  public String vapidPublicKey() {
    return vapid.publicKey();
  }

  /** The generated certificate authority that issued the server's certificate: the one to trust. */
  public X509Certificate certificateAuthority() {
    return tls.authority();
  }

  /** Where the server is and how a sender authenticates; no secret. */
  public String describe() {
    return LocalCredentials.HOST + ":" + server.getPort() + ", VAPID key " + vapid.publicKey().substring(0, 12)
        + "… generated at start (" + SUBJECT + "), TLS with a certificate authority generated at start";
  }

  /** Every push request received so far, in arrival order. */
  public List<Received> received() {
    return received.kept();
  }

  /**
   * Push requests answered with this answer: {@link #CREATED}, {@link #THROTTLED}, {@link #GONE},
   * {@link #DECRYPT_FAILED}, {@link #NOT_FOUND}, or the refusal's status line, e.g.
   * {@code "401 Unauthorized"}.
   */
  public long answered(String answer) {
    return received.answered(answer);
  }

  /** Shuts the server down; connections still open are closed. */
  @Override
  public void close() {
    try {
      server.shutdown();
    } catch (IOException e) {
      throw new IllegalStateException("the local push service did not shut down cleanly: " + e, e);
    }
  }

  @Override
  public String toString() {
    return "LocalWebPush{" + LocalCredentials.HOST + ":" + server.getPort() + "}";
  }

  /**
   * One push request as it arrived: when (on the server's clock), its subscription id (from the
   * path), the headers a push service reads ({@code Content-Encoding}, {@code TTL},
   * {@code Urgency}, {@code Topic}; {@code null} when absent), the {@code Authorization} header
   * redacted ({@code vapid t=<JWT, N chars>, k=<first 12 characters>…}), the body's size, the
   * payload as the browser decrypted it ({@code null} when it was not decrypted: refused before,
   * or it did not decrypt), the protocol its connection negotiated ({@code h2} or
   * {@code http/1.1}) and TLS version, and the answer ({@link #CREATED}, {@link #THROTTLED},
   * ...). The VAPID token is checked, never kept.
   */
  public record Received(Instant at, String subscriptionId, String contentEncoding, String ttl, String urgency,
      String topic, String authorization, int bodyBytes, String payload, String protocol, String tlsVersion,
      String answer) {
    /** The decrypted payload as JSON; {@code null} when there is none. */
    public JsonObject json() {
      return payload == null ? null : JsonParser.parseString(payload).getAsJsonObject();
    }
  }

  // ---- answering ---------------------------------------------------------------------------------

  private MockResponse answer(RecordedRequest request) {
    Instant now = clock.instant();
    String path = request.getPath() == null ? "" : request.getPath();
    String id = path.startsWith(PUSH_PATH) ? path.substring(PUSH_PATH.length()) : null;
    Subscription subscription = id == null ? null : subscriptions.get(id);
    byte[] body = request.getBody().readByteArray();
    String authorization = request.getHeader("Authorization");
    String payload = null;
    String answer;
    MockResponse response;
    String refusal;
    if (!"POST".equals(request.getMethod()) || subscription == null) {
      answer = NOT_FOUND;
      response = text(404, "no such subscription");
    } else if ((refusal = unauthorized(authorization, now)) != null) {
      answer = "401 Unauthorized";
      response = text(401, refusal);
    } else if (!subscription.applicationServerKey().equals(vapidKey(authorization))) {
      answer = "403 Forbidden";
      response = text(403, "the VAPID key is not the applicationServerKey this subscription was made with");
    } else if ((refusal = badHeaders(request)) != null) {
      answer = "400 Bad Request";
      response = text(400, refusal);
    } else if (body.length > MAX_BODY) {
      answer = "413 Payload Too Large";
      response = text(413, "the body is " + body.length + " bytes; at most " + MAX_BODY);
    } else if (!subscription.active()) {
      answer = GONE;
      response = text(410, "the subscription has expired or been unsubscribed");
    } else {
      try {
        payload = new String(subscription.browser().decrypt(body), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        payload = null;
      }
      if (payload == null) {
        answer = DECRYPT_FAILED;
        response = text(400, "the browser could not decrypt the message");
      } else if (throttles(id, request.getHeader("Topic"), payload)) {
        answer = THROTTLED;
        response = text(429, "too many messages for this subscription")
            .setHeader("Retry-After", String.valueOf(RETRY_AFTER_SECONDS));
      } else {
        answer = CREATED;
        response = new MockResponse().setResponseCode(201)
            .setHeader("Location", origin + MESSAGE_PATH + messageNumbers.incrementAndGet());
      }
    }
    TlsVersion tlsVersion = request.getTlsVersion();
    received.add(answer, new Received(now, id, request.getHeader("Content-Encoding"), request.getHeader("TTL"),
        request.getHeader("Urgency"), request.getHeader("Topic"), redacted(authorization), body.length, payload,
        protocol(request), tlsVersion == null ? null : tlsVersion.javaName(), answer));
    return response;
  }

  /** Why a push service would refuse this {@code Authorization} header (RFC 8292), or {@code null} when it is good. */
  private String unauthorized(String authorization, Instant now) {
    Map<String, String> vapidParts = vapid(authorization);
    String jwt = vapidParts.get("t");
    String key = vapidParts.get("k");
    if (jwt == null || key == null) {
      return "the Authorization header is not 'vapid t=<JWT>, k=<public key>'";
    }
    String[] parts = jwt.split("\\.", -1);
    if (parts.length != 3) {
      return "the VAPID token is not a JWT";
    }
    JsonObject header;
    JsonObject claims;
    try {
      header = JsonParser.parseString(new String(BASE64URL.decode(parts[0]), StandardCharsets.UTF_8)).getAsJsonObject();
      claims = JsonParser.parseString(new String(BASE64URL.decode(parts[1]), StandardCharsets.UTF_8)).getAsJsonObject();
    } catch (RuntimeException e) {
      return "the VAPID token's header or claims are not base64url-encoded JSON objects";
    }
    if (!"ES256".equals(text(header, "alg"))) {
      return "the VAPID token is not signed with ES256";
    }
    if (!verifiedTokens.contains(jwt)) {
      if (!verifies(key, parts[0] + "." + parts[1], parts[2])) {
        return "the VAPID token's signature does not verify with the key k";
      }
      if (verifiedTokens.size() > 1000) {
        verifiedTokens.clear();
      }
      verifiedTokens.add(jwt);
    }
    if (!origin.equals(text(claims, "aud"))) {
      return "the VAPID token's aud is not this push service's origin " + origin;
    }
    String sub = text(claims, "sub");
    if (sub == null || !(sub.startsWith("mailto:") || sub.startsWith("https:"))) {
      return "the VAPID token's sub is not a mailto: or https: contact";
    }
    JsonElement exp = claims.get("exp");
    if (exp == null || !exp.isJsonPrimitive() || !exp.getAsJsonPrimitive().isNumber()) {
      return "the VAPID token has no exp";
    }
    long expires = exp.getAsLong();
    if (expires <= now.getEpochSecond() || expires > now.plus(MAX_TOKEN_LIFE).getEpochSecond()) {
      return "the VAPID token's exp is not within the next 24 hours";
    }
    return null;
  }

  /** Why the push headers are refused, or {@code null} when they are good. */
  private static String badHeaders(RecordedRequest request) {
    if (!"aes128gcm".equals(request.getHeader("Content-Encoding"))) {
      return "Content-Encoding must be aes128gcm (RFC 8291)";
    }
    String ttl = request.getHeader("TTL");
    if (ttl == null || !ttl.matches("[0-9]{1,10}")) {
      return "the TTL header must be a number of seconds (RFC 8030 section 5.2)";
    }
    String urgency = request.getHeader("Urgency");
    if (urgency != null && !URGENCIES.contains(urgency)) {
      return "Urgency must be very-low, low, normal or high (RFC 8030 section 5.3)";
    }
    String topic = request.getHeader("Topic");
    if (topic != null && !TOPIC.matcher(topic).matches()) {
      return "Topic must be at most 32 base64url characters (RFC 8030 section 5.4)";
    }
    return null;
  }

  /**
   * Whether this attempt is throttled: the first attempt of a delivery (a subscription and a
   * {@code Topic}) picked by the subscription and the notification's text and data, not by its
   * {@code tag} or {@code Topic} (reminder ids are random).
   */
  private boolean throttles(String id, String topic, String payload) {
    if (throttleOneIn == 0) {
      return false;
    }
    String picked;
    try {
      JsonObject o = JsonParser.parseString(payload).getAsJsonObject();
      picked = String.valueOf(o.get("title")) + o.get("body") + o.get("step") + o.get("data");
    } catch (RuntimeException e) {
      picked = payload; // not the demo's JSON: the whole of it
    }
    return Math.floorMod(Objects.hash(id, picked), throttleOneIn) == 0 && attempted.add(id + '|' + topic);
  }

  /** The {@code t} and {@code k} parameters of a {@code vapid} Authorization header; empty when it is not one. */
  private static Map<String, String> vapid(String authorization) {
    Map<String, String> parts = new LinkedHashMap<>();
    if (authorization == null || !authorization.regionMatches(true, 0, "vapid ", 0, 6)) {
      return parts;
    }
    for (String p : authorization.substring(6).split(",")) {
      int eq = p.indexOf('=');
      if (eq > 0) {
        parts.put(p.substring(0, eq).trim(), p.substring(eq + 1).trim());
      }
    }
    return parts;
  }

  private static String vapidKey(String authorization) {
    return vapid(authorization).get("k");
  }

  /** The Authorization header as it may be shown: the JWT's length and the key's start only. */
  static String redacted(String authorization) {
    Map<String, String> parts = vapid(authorization);
    String t = parts.get("t");
    String k = parts.get("k");
    if (t == null || k == null) {
      return authorization == null ? null : "(not a vapid header; not shown)";
    }
    return "vapid t=<JWT, " + t.length() + " chars>, k=" + k.substring(0, Math.min(12, k.length())) + "…";
  }

  /** Whether an ES256 signature (JOSE's r || s) verifies with a base64url uncompressed P-256 key. */
  private static boolean verifies(String key, String signed, String signature) {
    try {
      byte[] point = BASE64URL.decode(key);
      byte[] sig = BASE64URL.decode(signature);
      if (point.length != 65 || point[0] != 4 || sig.length != 64) {
        return false;
      }
      Signature ecdsa = Signature.getInstance("SHA256withECDSAinP1363Format");
      ecdsa.initVerify(LocalBrowser.p256(point));
      ecdsa.update(signed.getBytes(StandardCharsets.US_ASCII));
      return ecdsa.verify(sig);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false; // not a key, or not a signature
    }
  }

  /**
   * The protocol the request's connection negotiated. MockWebServer's request line says
   * {@code HTTP/1.1} for every protocol, but an HTTP/2 request carries the {@code :scheme}
   * pseudo-header, which HTTP/1.1 has no way to send.
   */
  private static String protocol(RecordedRequest request) {
    return request.getHeader(":scheme") != null ? Protocol.HTTP_2.toString() : Protocol.HTTP_1_1.toString();
  }

  private static MockResponse text(int code, String body) {
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", "text/plain; charset=utf-8")
        .setBody(body);
  }

  private static String text(JsonObject o, String field) {
    JsonElement e = o.get(field);
    return e != null && e.isJsonPrimitive() ? e.getAsString() : null;
  }
}
