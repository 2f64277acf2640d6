package dev.nudge.examples;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.nudge.transport.fcm.FcmTransport;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.TlsVersion;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.tls.HandshakeCertificates;

/**
 * An FCM of one's own on loopback: OkHttp's {@link MockWebServer} speaking HTTP/2 over TLS, with
 * a certificate authority and server certificate generated at start, as both Google's OAuth 2.0
 * token endpoint ({@value #TOKEN_PATH}) and the FCM HTTP v1 API ({@value #SEND_PATH}), and a
 * service-account key (the JSON file the Firebase console downloads) generated with it, whose
 * {@code token_uri} points here. A real {@link FcmTransport} built from {@link #transport()} does
 * its JWT bearer grant and sends to it exactly as it would to Google. Nothing is read from disk
 * and nothing leaves the machine; the keys and access tokens live only in this object and are
 * never printed or recorded.
 *
 * <p>The token endpoint checks what Google checks: the grant type, the JWT's RS256 signature
 * against the generated key's public half, its {@code iss} (the service account), {@code aud}
 * (the key's {@code token_uri}), {@code scope} (Firebase messaging) and its {@code iat}/{@code exp}
 * on {@code clock}; it answers 400 {@code invalid_grant} otherwise, else an access token that
 * lives {@value #TOKEN_LIFETIME_SECONDS} seconds on {@code clock}. The send endpoint checks that the
 * bearer token is one it issued and has not expired (401 {@code UNAUTHENTICATED} otherwise),
 * answers 404 {@code UNREGISTERED} (with FCM's {@code FcmError} detail) for the tokens of
 * uninstalled apps, refuses the first attempt of about one delivery in {@code throttleOneIn} with
 * 429 {@code QUOTA_EXCEEDED} and {@code Retry-After} so the engine's retries show, and accepts the
 * rest with a message name. Which deliveries are throttled depends only on the device token and
 * the notification's text and data, never on the order requests arrive in or on the random
 * reminder ids, so a seeded run repeats. Every request is recorded as it arrived
 * ({@link #received()}, {@link #grants()}), with the protocol its connection negotiated.
 *
 * <pre>{@code
 * try (LocalFcm fcm = LocalFcm.start(clock, deadTokens, 20);
 *      Nudge nudge = Nudge.builder().clock(clock).transport(fcm.transport().build()).build()) {
 *   ...
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} shuts the server down; close the transports built on it (the
 * engine closes its own) first.
 */
public final class LocalFcm implements AutoCloseable {
  /** The Firebase project of the generated service account. */
  public static final String PROJECT_ID = "nudge-demo-shop";
  /** The generated service account. */
  public static final String CLIENT_EMAIL = "nudge-demo@" + PROJECT_ID + ".iam.gserviceaccount.com";
  /** The OAuth scope a grant must ask for. */
  public static final String SCOPE = "https://www.googleapis.com/auth/firebase.messaging";
  /** The token endpoint's path: the generated key's {@code token_uri}. */
  public static final String TOKEN_PATH = "/token";
  /** The FCM HTTP v1 send path of {@link #PROJECT_ID}. */
  public static final String SEND_PATH = "/v1/projects/" + PROJECT_ID + "/messages:send";
  /** The {@code Retry-After} of a throttled send, in seconds. */
  public static final int RETRY_AFTER_SECONDS = 600;
  /** How long an access token lives, on the server's clock (Google's hour). */
  public static final int TOKEN_LIFETIME_SECONDS = 3600;
  /** The answer recorded for an accepted send. */
  public static final String ACCEPTED = "accepted";
  /** The answer recorded for an issued access token. */
  public static final String ISSUED = "issued";

  private static final String JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
  private static final String FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError";
  /** How far a JWT's {@code iat} may lie ahead of the server's clock. */
  private static final Duration CLOCK_SKEW = Duration.ofMinutes(1);
  private static final Base64.Decoder BASE64URL = Base64.getUrlDecoder();

  private final Clock clock;
  private final Set<String> uninstalled;
  private final int throttleOneIn;
  private final LocalCredentials tls;
  private final KeyPair accountKey = rsaKeyPair();
  private final String keyId;
  private final MockWebServer server = new MockWebServer();
  private final String baseUrl;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Instant> issued = new ConcurrentHashMap<>(); // access token -> expiry
  private final Set<String> attempted = ConcurrentHashMap.newKeySet();
  private final AtomicLong messageNumbers = new AtomicLong();
  private final ReceivedLog<Received> received = new ReceivedLog<>();
  private final ConcurrentLinkedQueue<Grant> grants = new ConcurrentLinkedQueue<>();

  private LocalFcm(Clock clock, Set<String> uninstalled, int throttleOneIn) {
    this.clock = clock;
    this.uninstalled = uninstalled;
    this.throttleOneIn = throttleOneIn;
    this.tls = LocalCredentials.generate("Nudge LocalFcm CA");
    byte[] id = new byte[20];
    random.nextBytes(id);
    this.keyId = HexFormat.of().formatHex(id);
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
      throw new IllegalStateException("the local FCM server did not start on " + LocalCredentials.HOST + ": " + e, e);
    }
    this.baseUrl = "https://" + LocalCredentials.HOST + ":" + server.getPort() + "/";
  }

  /**
   * A server answering like Google's token endpoint and FCM for a shop's traffic (see the class
   * description).
   *
   * @param clock the engine's clock: JWT times, token lifetimes and the transport's clock
   * @param uninstalledTokens registration tokens answered with {@code UNREGISTERED}
   * @param throttleOneIn about one delivery in this many is throttled on its first attempt; 0 never
   */
  public static LocalFcm start(Clock clock, Set<String> uninstalledTokens, int throttleOneIn) {
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(uninstalledTokens, "uninstalledTokens");
    if (throttleOneIn < 0) {
      throw new IllegalArgumentException("LocalFcm throttleOneIn is " + throttleOneIn
          + "; give 0 (never throttle) or N to throttle about one delivery in N");
    }
    return new LocalFcm(clock, Set.copyOf(uninstalledTokens), throttleOneIn);
  }

  /**
   * An {@link FcmTransport} builder set up for this server: the generated service-account key
   * (its {@code token_uri} is this server's token endpoint), this server as the FCM endpoint, an
   * OkHttp client that trusts only this server's certificate authority, and the clock given to
   * {@link #start}. Build it as it is, or change a setting first.
   */
  public FcmTransport.Builder transport() {
    return FcmTransport.builder()
        .serviceAccount(serviceAccountJson(accountKey))
        .endpoint(baseUrl)
        .httpClient(client())
        .clock(clock);
  }

  /** An OkHttp client that trusts this server's certificate authority and nothing else. */
  public OkHttpClient client() {
    HandshakeCertificates trust = tls.clientCertificates();
    return new OkHttpClient.Builder().sslSocketFactory(trust.sslSocketFactory(), trust.trustManager())
        .socketFactory(NoDelaySockets.client()).build();
  }

  /**
   * The service-account key file, as the Firebase console downloads it, with this server's
   * account, key id and {@code token_uri} and the given private key: the generated one for
   * {@link #transport()}, another to see a forged grant refused.
   */
  String serviceAccountJson(KeyPair key) {
    JsonObject o = new JsonObject();
    o.addProperty("type", "service_account");
    o.addProperty("project_id", PROJECT_ID);
    o.addProperty("private_key_id", keyId);
    o.addProperty("private_key", LocalCredentials.pem(key.getPrivate()));
    o.addProperty("client_email", CLIENT_EMAIL);
    o.addProperty("client_id", "100000000000000000042");
    o.addProperty("auth_uri", "https://accounts.google.com/o/oauth2/auth");
    o.addProperty("token_uri", tokenUri());
    return o.toString();
  }

  /** Where the FCM API is served: {@code https://localhost:PORT/}. */
  public String endpoint() {
    return baseUrl;
  }

  /** The token endpoint, the generated key's {@code token_uri}. */
  public String tokenUri() {
    return baseUrl.substring(0, baseUrl.length() - 1) + TOKEN_PATH;
  }

  /** The generated certificate authority that issued the server's certificate: the one to trust. */
  public X509Certificate certificateAuthority() {
    return tls.authority();
  }

  /** Where the server is and how a client authenticates; no secret. */
  public String describe() {
    return LocalCredentials.HOST + ":" + server.getPort() + ", OAuth 2.0 with a service-account key generated at start"
        + " (" + CLIENT_EMAIL + "), TLS with a certificate authority generated at start";
  }

  /** Every send request received so far, in arrival order. */
  public List<Received> received() {
    return received.kept();
  }

  /** Every token request received so far, in arrival order. */
  public List<Grant> grants() {
    return List.copyOf(grants);
  }

  /** Send requests answered with this code ({@link #ACCEPTED}, else FCM's error code, e.g. {@code UNREGISTERED}). */
  public long answered(String answer) {
    return received.answered(answer);
  }

  /** Shuts the server down; connections still open are closed. */
  @Override
  public void close() {
    try {
      server.shutdown();
    } catch (IOException e) {
      throw new IllegalStateException("the local FCM server did not shut down cleanly: " + e, e);
    }
  }

  @Override
  public String toString() {
    return "LocalFcm{" + LocalCredentials.HOST + ":" + server.getPort() + ", project=" + PROJECT_ID + "}";
  }

  /**
   * One send request as it arrived: when (on the server's clock), its path, the registration
   * token of its message, the body as sent (the JSON {@code {"message": {...}}}), the protocol
   * its connection negotiated ({@code h2} or {@code http/1.1}) and TLS version, and the answer
   * ({@link #ACCEPTED} or FCM's error code). The bearer token is checked, never kept.
   */
  public record Received(Instant at, String path, String token, String body, String protocol, String tlsVersion,
      String answer) {
    /** The body's {@code message} object. */
    public JsonObject message() {
      return JsonParser.parseString(body).getAsJsonObject().getAsJsonObject("message");
    }
  }

  /**
   * One token request as it arrived: when (on the server's clock), when the client asked for it
   * (its JWT's {@code iat}, on the client's clock; {@code null} when the JWT has none), its
   * protocol, and the answer: {@link #ISSUED}, or the OAuth error and why (e.g.
   * {@code invalid_grant: Invalid JWT Signature.}). A grant can arrive after the clock moved on
   * from when it was asked for: a client counts its token's life from {@code askedAt}.
   */
  public record Grant(Instant at, Instant askedAt, String protocol, String answer) {}

  // ---- answering ---------------------------------------------------------------------------------

  private MockResponse answer(RecordedRequest request) {
    String path = request.getPath() == null ? "" : request.getPath();
    if (path.equals(TOKEN_PATH) && "POST".equals(request.getMethod())) {
      return grant(request);
    }
    if (path.equals(SEND_PATH) && "POST".equals(request.getMethod())) {
      return send(request, path);
    }
    // Another project or path: not FCM's own error body, as Google's front end answers.
    return new MockResponse().setResponseCode(404).setHeader("Content-Type", "text/html")
        .setBody("<!DOCTYPE html><title>Error 404 (Not Found)</title>");
  }

  private MockResponse grant(RecordedRequest request) {
    Map<String, String> form = form(request.getBody().readUtf8());
    Instant now = clock.instant();
    Instant askedAt = askedAt(form.get("assertion"));
    String refusal = !JWT_BEARER.equals(form.get("grant_type")) ? "Invalid grant_type: " + form.get("grant_type")
        : refusal(form.get("assertion"), now);
    if (refusal != null) {
      grants.add(new Grant(now, askedAt, protocol(request), "invalid_grant: " + refusal));
      JsonObject error = new JsonObject();
      error.addProperty("error", "invalid_grant");
      error.addProperty("error_description", refusal);
      return json(400, error);
    }
    byte[] secret = new byte[48];
    random.nextBytes(secret);
    String token = "ya29.local-" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    issued.put(token, now.plusSeconds(TOKEN_LIFETIME_SECONDS));
    grants.add(new Grant(now, askedAt, protocol(request), ISSUED));
    JsonObject o = new JsonObject();
    o.addProperty("access_token", token);
    o.addProperty("expires_in", TOKEN_LIFETIME_SECONDS);
    o.addProperty("token_type", "Bearer");
    return json(200, o);
  }

  /** The {@code iat} of an assertion's claims, whether or not it verifies; {@code null} when it has none. */
  private static Instant askedAt(String assertion) {
    String[] parts = assertion == null ? new String[0] : assertion.split("\\.", -1);
    try {
      Long iat = parts.length == 3 ? number(JsonParser.parseString(new String(BASE64URL.decode(parts[1]),
          StandardCharsets.UTF_8)).getAsJsonObject(), "iat") : null;
      return iat == null ? null : Instant.ofEpochSecond(iat);
    } catch (RuntimeException e) {
      return null; // not a JWT: refused below
    }
  }

  /** Why Google would refuse this assertion, or {@code null} when it is good. */
  private String refusal(String assertion, Instant now) {
    if (assertion == null || assertion.isEmpty()) {
      return "Missing required parameter: assertion";
    }
    String[] parts = assertion.split("\\.", -1);
    if (parts.length != 3) {
      return "Invalid JWT: a JWT has three parts separated by dots";
    }
    JsonObject header;
    JsonObject claims;
    byte[] signature;
    try {
      header = JsonParser.parseString(new String(BASE64URL.decode(parts[0]), StandardCharsets.UTF_8)).getAsJsonObject();
      claims = JsonParser.parseString(new String(BASE64URL.decode(parts[1]), StandardCharsets.UTF_8)).getAsJsonObject();
      signature = BASE64URL.decode(parts[2]);
    } catch (RuntimeException e) {
      return "Invalid JWT: its header or claims are not base64url-encoded JSON objects";
    }
    if (!"RS256".equals(text(header, "alg"))) {
      return "Invalid JWT: the algorithm must be RS256";
    }
    if (!verifies(accountKey.getPublic(), parts[0] + "." + parts[1], signature)) {
      return "Invalid JWT Signature.";
    }
    if (!CLIENT_EMAIL.equals(text(claims, "iss"))) {
      return "Invalid JWT: the issuer is not the service account " + CLIENT_EMAIL;
    }
    if (!tokenUri().equals(text(claims, "aud"))) {
      return "Invalid JWT: Failed audience check. The right audience is " + tokenUri();
    }
    String scope = text(claims, "scope");
    if (scope == null || !Arrays.asList(scope.split(" ")).contains(SCOPE)) {
      return "Invalid JWT: the scope does not include " + SCOPE;
    }
    Long iat = number(claims, "iat");
    Long exp = number(claims, "exp");
    if (iat == null || exp == null || exp <= now.getEpochSecond() || iat > now.plus(CLOCK_SKEW).getEpochSecond()
        || exp - iat > TOKEN_LIFETIME_SECONDS) {
      return "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your"
          + " iat and exp values in the JWT claim.";
    }
    return null;
  }

  private MockResponse send(RecordedRequest request, String path) {
    String body = request.getBody().readUtf8();
    Instant now = clock.instant();
    JsonObject message = null;
    try {
      JsonElement root = JsonParser.parseString(body);
      if (root.isJsonObject() && root.getAsJsonObject().get("message") instanceof JsonObject m) {
        message = m;
      }
    } catch (RuntimeException e) {
      // not JSON: answered below
    }
    String token = message == null ? null : text(message, "token");
    String answer;
    MockResponse response;
    if (!authorized(request.getHeader("Authorization"), now)) {
      answer = "UNAUTHENTICATED";
      response = error(401, "UNAUTHENTICATED", null, "Request had invalid authentication credentials. Expected OAuth 2"
          + " access token, login cookie or other valid authentication credential.");
    } else if (message == null || token == null || token.isEmpty()) {
      answer = "INVALID_ARGUMENT";
      response = error(400, "INVALID_ARGUMENT", null, "The message is not a JSON object with a message.token");
    } else if (uninstalled.contains(token)) {
      answer = "UNREGISTERED";
      response = error(404, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found.");
    } else if (throttles(token, message)) {
      answer = "QUOTA_EXCEEDED";
      response = error(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", "Quota exceeded for this device's messages.")
          .setHeader("Retry-After", String.valueOf(RETRY_AFTER_SECONDS));
    } else {
      answer = ACCEPTED;
      JsonObject name = new JsonObject();
      name.addProperty("name", "projects/" + PROJECT_ID + "/messages/0:" + messageNumbers.incrementAndGet());
      response = json(200, name);
    }
    TlsVersion tlsVersion = request.getTlsVersion();
    received.add(answer, new Received(now, path, token, body, protocol(request),
        tlsVersion == null ? null : tlsVersion.javaName(), answer));
    return response;
  }

  /** Whether the request carries an access token this server issued that has not expired. */
  private boolean authorized(String authorization, Instant now) {
    if (authorization == null || !authorization.startsWith("Bearer ")) {
      return false;
    }
    Instant expires = issued.get(authorization.substring("Bearer ".length()).trim());
    return expires != null && now.isBefore(expires);
  }

  /**
   * Whether this attempt is throttled: the first attempt of a delivery picked by its token and the
   * notification's text and data (not the collapse key: reminder ids are random).
   */
  private boolean throttles(String token, JsonObject message) {
    if (throttleOneIn == 0) {
      return false;
    }
    JsonObject android = message.get("android") instanceof JsonObject a ? a : new JsonObject();
    String delivery = token + '|' + text(android, "collapse_key");
    return Math.floorMod(Objects.hash(token, String.valueOf(message.get("notification")),
        String.valueOf(message.get("data"))), throttleOneIn) == 0 && attempted.add(delivery);
  }

  /**
   * The protocol the request's connection negotiated. MockWebServer's request line says
   * {@code HTTP/1.1} for every protocol, but an HTTP/2 request carries the {@code :scheme}
   * pseudo-header, which HTTP/1.1 has no way to send.
   */
  private static String protocol(RecordedRequest request) {
    return request.getHeader(":scheme") != null ? Protocol.HTTP_2.toString() : Protocol.HTTP_1_1.toString();
  }

  /** An FCM error answer, with its {@code FcmError} detail when {@code errorCode} is given. */
  private static MockResponse error(int code, String status, String errorCode, String message) {
    JsonObject error = new JsonObject();
    error.addProperty("code", code);
    error.addProperty("message", message);
    error.addProperty("status", status);
    if (errorCode != null) {
      JsonObject detail = new JsonObject();
      detail.addProperty("@type", FCM_ERROR);
      detail.addProperty("errorCode", errorCode);
      JsonArray details = new JsonArray();
      details.add(detail);
      error.add("details", details);
    }
    JsonObject o = new JsonObject();
    o.add("error", error);
    return json(code, o);
  }

  private static MockResponse json(int code, JsonObject body) {
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json; charset=UTF-8")
        .setBody(body.toString());
  }

  private static Map<String, String> form(String body) {
    Map<String, String> form = new HashMap<>();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return form;
  }

  private static boolean verifies(PublicKey key, String signed, byte[] signature) {
    try {
      Signature rsa = Signature.getInstance("SHA256withRSA");
      rsa.initVerify(key);
      rsa.update(signed.getBytes(StandardCharsets.US_ASCII));
      return rsa.verify(signature);
    } catch (GeneralSecurityException e) {
      return false; // a malformed signature
    }
  }

  private static String text(JsonObject o, String field) {
    JsonElement e = o.get(field);
    return e != null && e.isJsonPrimitive() ? e.getAsString() : null;
  }

  private static Long number(JsonObject o, String field) {
    JsonElement e = o.get(field);
    return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber() ? e.getAsLong() : null;
  }

  /** A fresh 2048-bit RSA key pair, the kind of key a Google service account holds. */
  static KeyPair rsaKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot generate an RSA key for the service account: " + e.getMessage(),
          e);
    }
  }
}
