package dev.nudge.transport.webpush;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.Headers;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;

/**
 * A push service for the tests: OkHttp's {@link MockWebServer} on loopback over TLS and HTTP/2,
 * with a CA and certificate generated for the run. It records every push and answers with
 * {@link #answer} (201 Created with a {@code Location} unless a test says otherwise).
 */
final class MockPushService implements AutoCloseable {
  private static final HeldCertificate CA = new HeldCertificate.Builder().certificateAuthority(0).build();
  private static final HeldCertificate SERVER = new HeldCertificate.Builder()
      .addSubjectAlternativeName("localhost").signedBy(CA).build();
  private static final HandshakeCertificates CLIENT_TLS = new HandshakeCertificates.Builder()
      .addTrustedCertificate(CA.certificate()).build();
  private static final Pattern VAPID = Pattern.compile("vapid t=([A-Za-z0-9_-]+)\\.([A-Za-z0-9_-]+)\\.([A-Za-z0-9_-]+),"
      + " k=([A-Za-z0-9_-]+)");

  /** One push as the service received it. */
  record Push(String path, Headers headers, byte[] body) {
    String header(String name) {
      return headers.get(name);
    }
  }

  final MockWebServer server = new MockWebServer();
  final List<Push> pushes = new CopyOnWriteArrayList<>();
  final Map<String, AtomicInteger> perPath = new ConcurrentHashMap<>();
  /** Requests being answered now, and the most at once. */
  final AtomicInteger answering = new AtomicInteger();
  final AtomicInteger mostAtOnce = new AtomicInteger();
  volatile Function<Push, MockResponse> answer = p -> created();

  MockPushService() throws Exception {
    HandshakeCertificates serverTls = new HandshakeCertificates.Builder().heldCertificate(SERVER).build();
    server.useHttps(serverTls.sslSocketFactory(), false);
    server.setProtocols(List.of(Protocol.HTTP_2, Protocol.HTTP_1_1));
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        mostAtOnce.accumulateAndGet(answering.incrementAndGet(), Math::max);
        try {
          Push p = new Push(request.getPath(), request.getHeaders(), request.getBody().readByteArray());
          pushes.add(p);
          perPath.computeIfAbsent(p.path(), k -> new AtomicInteger()).incrementAndGet();
          return answer.apply(p);
        } finally {
          answering.decrementAndGet();
        }
      }
    });
    server.start();
  }

  static MockResponse created() {
    return new MockResponse().setResponseCode(201).setHeader("Location", "https://localhost/message/"
        + UUID.randomUUID());
  }

  static MockResponse status(int code, String body) {
    return new MockResponse().setResponseCode(code).setBody(body);
  }

  /** An endpoint on this service. */
  String endpoint(String id) {
    return "https://localhost:" + server.getPort() + "/push/" + id;
  }

  /** The origin, the VAPID audience. */
  String origin() {
    return "https://localhost:" + server.getPort();
  }

  /** A client that trusts the service's certificate. */
  static OkHttpClient client() {
    return new OkHttpClient.Builder().sslSocketFactory(CLIENT_TLS.sslSocketFactory(), CLIENT_TLS.trustManager()).build();
  }

  /**
   * A transport builder for the services' client, with these keys; it may send to any push
   * service (a test of the allow-list sets its own).
   */
  static WebPushTransport.Builder transport(VapidKeys keys, Clock clock) {
    return WebPushTransport.builder().vapidKeys(keys).subject("mailto:push@shop.example").httpClient(client())
        .allowAnyPushService().clock(clock);
  }

  /**
   * Checks a push's {@code Authorization: vapid} header: the JWT's ES256 signature verifies with
   * the key in {@code k}, which is {@code publicKey}; returns the claims.
   */
  static JsonObject verifiedClaims(Push p, String publicKey) {
    String auth = p.header("Authorization");
    assertThat(auth).isNotNull();
    Matcher m = VAPID.matcher(auth);
    assertThat(m.matches()).as("vapid t=<JWT>, k=<key>: %s", auth).isTrue();
    assertThat(m.group(4)).isEqualTo(publicKey);
    JsonObject header = json(m.group(1));
    assertThat(header.get("alg").getAsString()).isEqualTo("ES256");
    assertThat(header.get("typ").getAsString()).isEqualTo("JWT");
    try {
      Signature v = Signature.getInstance("SHA256withECDSAinP1363Format");
      v.initVerify(TestBrowser.publicKeyOf(m.group(4)));
      v.update((m.group(1) + "." + m.group(2)).getBytes(StandardCharsets.US_ASCII));
      assertThat(v.verify(TestBrowser.UNB64.decode(m.group(3)))).as("the JWT's ES256 signature").isTrue();
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
    return json(m.group(2));
  }

  private static JsonObject json(String base64Url) {
    return JsonParser.parseString(new String(TestBrowser.UNB64.decode(base64Url), StandardCharsets.UTF_8))
        .getAsJsonObject();
  }

  @Override
  public void close() throws Exception {
    server.shutdown();
  }
}
