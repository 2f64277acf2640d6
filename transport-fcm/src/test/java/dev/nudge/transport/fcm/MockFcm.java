package dev.nudge.transport.fcm;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;

/**
 * OkHttp's {@link MockWebServer} on loopback over TLS and HTTP/2 as both Google's token endpoint
 * ({@code /token}) and the FCM endpoint, with a CA, a server certificate and a service-account key
 * generated for the test run. Records every send and every token request; a test chooses the
 * answers to sends with {@link #answer}, can have the server expire its tokens as FCM does
 * ({@link #expireTokensOn}) and hold a grant's answer ({@link #holdGrants}).
 */
final class MockFcm implements AutoCloseable {
  static final String PROJECT = "nudge-test";
  static final String CLIENT_EMAIL = "nudge@nudge-test.iam.gserviceaccount.com";
  static final String KEY_ID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0a1b2c3d4";

  private static final HeldCertificate CA = new HeldCertificate.Builder().certificateAuthority(0).build();
  private static final HeldCertificate SERVER = new HeldCertificate.Builder()
      .addSubjectAlternativeName("localhost").signedBy(CA).build();
  static final KeyPair ACCOUNT_KEY = rsaKeyPair();
  private static final HandshakeCertificates CLIENT_TLS = new HandshakeCertificates.Builder()
      .addTrustedCertificate(CA.certificate()).build();

  /** One send as the server saw it. */
  record Send(String authorization, JsonObject message) {
    String token() {
      return message.get("token").getAsString();
    }
  }

  final MockWebServer server = new MockWebServer();
  final List<Send> sends = new CopyOnWriteArrayList<>();
  final List<RecordedRequest> tokenRequests = new CopyOnWriteArrayList<>();
  final AtomicInteger issued = new AtomicInteger();
  volatile long tokenLifetimeSeconds = 3600;
  volatile Function<Send, MockResponse> answer = s -> ok();
  /** When set, a send with a token this server did not issue, or issued too long ago on it, is answered 401. */
  private volatile Clock expiryClock;
  private final Map<String, Instant> expiries = new ConcurrentHashMap<>();
  private volatile Held held;

  MockFcm() throws Exception {
    server.useHttps(new HandshakeCertificates.Builder().heldCertificate(SERVER).build().sslSocketFactory(), false);
    server.setProtocols(List.of(Protocol.HTTP_2, Protocol.HTTP_1_1));
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        String path = request.getPath();
        if ("/token".equals(path)) {
          tokenRequests.add(request);
          String token = "ya29.token-" + issued.incrementAndGet();
          Clock clock = expiryClock;
          if (clock != null) {
            expiries.put(token, clock.instant().plusSeconds(tokenLifetimeSeconds)); // its life starts on arrival
          }
          Held h = held;
          if (h != null) {
            held = null;
            h.hold();
          }
          return new MockResponse().setHeader("Content-Type", "application/json").setBody(
              "{\"access_token\":\"" + token + "\",\"expires_in\":" + tokenLifetimeSeconds
                  + ",\"token_type\":\"Bearer\"}");
        }
        if (("/v1/projects/" + PROJECT + "/messages:send").equals(path)) {
          JsonObject message = JsonParser.parseString(request.getBody().readUtf8()).getAsJsonObject()
              .getAsJsonObject("message");
          Send s = new Send(request.getHeader("Authorization"), message);
          sends.add(s);
          return expired(s.authorization()) ? error(401, "UNAUTHENTICATED", null,
              "Request had invalid authentication credentials.") : answer.apply(s);
        }
        return new MockResponse().setResponseCode(404);
      }
    });
    server.start();
  }

  /**
   * From now on the server keeps the life of each token it issues on {@code clock}, from the
   * grant's arrival, as Google does, and answers a send whose token it did not issue or that has
   * expired with 401 {@code UNAUTHENTICATED}.
   */
  void expireTokensOn(Clock clock) {
    this.expiryClock = clock;
  }

  private boolean expired(String authorization) {
    Clock clock = expiryClock;
    if (clock == null) {
      return false;
    }
    Instant expiresAt = authorization == null ? null : expiries.get(authorization.replaceFirst("^Bearer ", ""));
    return expiresAt == null || !clock.instant().isBefore(expiresAt);
  }

  /** The next grant is issued (its token's life starts) on arrival, but its answer waits for {@link Held#release()}. */
  Held holdGrants() {
    Held h = new Held();
    held = h;
    return h;
  }

  /** A grant whose answer is held: the test moves the clock meanwhile, as a busy engine's does. */
  static final class Held {
    private final CountDownLatch arrived = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);

    private void hold() {
      arrived.countDown();
      try {
        released.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** Waits until the grant reached the server and its token was issued. */
    void awaitArrival() throws InterruptedException {
      if (!arrived.await(20, TimeUnit.SECONDS)) {
        throw new AssertionError("no grant reached the token endpoint");
      }
    }

    /** Sends the held answer. */
    void release() {
      released.countDown();
    }
  }

  /** An accepted send. */
  static MockResponse ok() {
    return new MockResponse().setHeader("Content-Type", "application/json")
        .setBody("{\"name\":\"projects/" + PROJECT + "/messages/0:" + System.nanoTime() + "\"}");
  }

  /** An FCM error answer with its {@code FcmError} detail (or none when {@code errorCode} is null). */
  static MockResponse error(int status, String topStatus, String errorCode, String message) {
    String details = errorCode == null ? "" : ",\"details\":[{\"@type\":\"" + FcmResponses.FCM_ERROR
        + "\",\"errorCode\":\"" + errorCode + "\"}]";
    return new MockResponse().setResponseCode(status).setHeader("Content-Type", "application/json")
        .setBody("{\"error\":{\"code\":" + status + ",\"message\":\"" + message + "\",\"status\":\"" + topStatus + "\""
            + details + "}}");
  }

  /** The service-account key file, as the Firebase console gives it, pointing at this server's token endpoint. */
  String serviceAccountJson() {
    JsonObject o = new JsonObject();
    o.addProperty("type", "service_account");
    o.addProperty("project_id", PROJECT);
    o.addProperty("private_key_id", KEY_ID);
    o.addProperty("private_key", privateKeyPem());
    o.addProperty("client_email", CLIENT_EMAIL);
    o.addProperty("client_id", "1234567890");
    o.addProperty("token_uri", server.url("/token").toString());
    return o.toString();
  }

  static String privateKeyPem() {
    return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(ACCOUNT_KEY.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
  }

  /** A client that trusts this server's CA. */
  static OkHttpClient client() {
    return new OkHttpClient.Builder().sslSocketFactory(CLIENT_TLS.sslSocketFactory(), CLIENT_TLS.trustManager())
        .build();
  }

  /** A transport builder for this server. */
  FcmTransport.Builder transport() {
    return FcmTransport.builder().serviceAccount(serviceAccountJson()).endpoint(server.url("/").toString())
        .httpClient(client());
  }

  /** Checks a JWT's RS256 signature with the service account's public key; returns its claims. */
  static JsonObject verifiedClaims(String jwt, JsonObject[] header) throws Exception {
    String[] parts = jwt.split("\\.");
    Signature rsa = Signature.getInstance("SHA256withRSA");
    rsa.initVerify(ACCOUNT_KEY.getPublic());
    rsa.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
    if (!rsa.verify(Base64.getUrlDecoder().decode(parts[2]))) {
      throw new AssertionError("the JWT's signature does not verify with the service account's public key");
    }
    header[0] = JsonParser.parseString(new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8))
        .getAsJsonObject();
    return JsonParser.parseString(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8))
        .getAsJsonObject();
  }

  @Override
  public void close() throws Exception {
    server.shutdown();
  }

  private static KeyPair rsaKeyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      return g.generateKeyPair();
    } catch (java.security.GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }
}
