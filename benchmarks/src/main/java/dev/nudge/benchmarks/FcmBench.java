/*
 * Run from the repository root:
 *
 *   mvn -B -q install -DskipTests
 *   mvn -B -q -pl benchmarks dependency:build-classpath -DincludeScope=runtime \
 *       -Dmdep.outputFile=target/classpath.txt
 *   java -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" dev.nudge.benchmarks.FcmBench
 *
 * Options, defaults in brackets:
 *   --sends N        sends per round                                 [50000]
 *   --in-flight N    requests outstanding at once, for both drivers   [256]
 *   --rounds N       measured rounds of each driver after a warm-up   [3]
 */
package dev.nudge.benchmarks;

import com.google.gson.JsonObject;
import dev.nudge.Device;
import dev.nudge.Platform;
import dev.nudge.spi.RenderedNotification;
import dev.nudge.spi.SendResult;
import dev.nudge.transport.fcm.FcmTransport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Dispatcher;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.tls.HandshakeCertificates;

/**
 * Sends per second through {@link FcmTransport} to a local HTTP/2 server over TLS on loopback,
 * beside OkHttp driving the same requests by itself (the same body, the same bearer header, the
 * same client settings and number in flight): the difference is the transport's own cost (the
 * JSON of each message, the access token, mapping the answer). The rounds of the two alternate;
 * each prints, then the best of each and their ratio. A plain {@code main}, noisy on a busy machine.
 */
public final class FcmBench {
  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");

  private int sends = 50_000;
  private int inFlight = 256;
  private int rounds = 3;

  /** Runs the warm-up and the rounds and prints the figures. */
  public static void main(String[] args) throws Exception {
    FcmBench b = new FcmBench();
    for (int i = 0; i < args.length; i += 2) {
      int v = Integer.parseInt(args[i + 1]);
      switch (args[i]) {
        case "--sends" -> b.sends = v;
        case "--in-flight" -> b.inFlight = v;
        case "--rounds" -> b.rounds = v;
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + "; use --sends, --in-flight, --rounds");
      }
    }
    Workload.printJvm();
    System.out.printf("options: sends %d per round, in flight %d, rounds %d (HTTP/2 over TLS on loopback)%n",
        b.sends, b.inFlight, b.rounds);
    b.run();
  }

  private void run() throws Exception {
    try (LocalHttp2Server server = new LocalHttp2Server()) {
      HandshakeCertificates trust = server.credentials.clientCertificates();
      OkHttpClient base = new OkHttpClient.Builder().sslSocketFactory(trust.sslSocketFactory(), trust.trustManager())
          .build();
      String url = "https://localhost:" + server.port() + "/";
      try (FcmTransport transport = FcmTransport.builder().serviceAccount(serviceAccount(url + "token"))
          .endpoint(url).httpClient(base).maxConcurrentRequests(inFlight).build()) {
        RenderedNotification n = RenderedNotification.builder("0190f3c2a1b2c3d4e5f60718293a4b5c", "cart-abandonment", 0)
            .text("Still thinking, Sara?", "Trail running shoes are waiting in your cart")
            .deepLink("shop://cart/c-981").data("cart_id", "c-981").build();
        transportRound(transport, n, 1_000); // the token, the connection, and the first body to copy
        String body = server.firstBody.get();
        Dispatcher dispatcher = new Dispatcher();
        dispatcher.setMaxRequests(inFlight);
        dispatcher.setMaxRequestsPerHost(inFlight);
        OkHttpClient raw = base.newBuilder().dispatcher(dispatcher).build();
        Request request = new Request.Builder().url(url + "v1/projects/nudge-bench/messages:send")
            .header("Authorization", "Bearer ya29.bench").post(RequestBody.create(body, JSON)).build();

        System.out.println("warm-up ...");
        transportRound(transport, n, sends);
        okHttpRound(raw, request, sends);
        double bestTransport = 0;
        double bestRaw = 0;
        for (int r = 1; r <= rounds; r++) {
          double t = transportRound(transport, n, sends);
          double o = okHttpRound(raw, request, sends);
          bestTransport = Math.max(bestTransport, t);
          bestRaw = Math.max(bestRaw, o);
          System.out.printf("round %d: FcmTransport %,.0f sends/s, OkHttp alone %,.0f requests/s%n", r, t, o);
        }
        System.out.printf("best: FcmTransport %,.0f sends/s, OkHttp alone %,.0f requests/s, ratio %.2f"
            + " (%d in flight; %,d requests answered by the server)%n", bestTransport, bestRaw,
            bestTransport / bestRaw, inFlight, server.requests.sum());
        raw.dispatcher().executorService().shutdown();
      }
    }
  }

  private double transportRound(FcmTransport transport, RenderedNotification n, int count) throws Exception {
    Semaphore window = new Semaphore(inFlight);
    LongAdder failed = new LongAdder();
    List<CompletableFuture<SendResult>> last = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < count; i++) {
      window.acquire();
      CompletableFuture<SendResult> f = transport.send(Device.of("u" + i, Platform.ANDROID, "fcm-token-" + i).build(), n);
      f.whenComplete((r, e) -> {
        if (!(r instanceof SendResult.Accepted)) {
          failed.increment();
        }
        window.release();
      });
    }
    window.acquire(inFlight);
    double perSecond = count / ((System.nanoTime() - t0) / 1e9);
    if (failed.sum() > 0) {
      throw new IllegalStateException(failed.sum() + " sends were not accepted");
    }
    return perSecond;
  }

  private double okHttpRound(OkHttpClient client, Request request, int count) throws Exception {
    Semaphore window = new Semaphore(inFlight);
    LongAdder failed = new LongAdder();
    long t0 = System.nanoTime();
    for (int i = 0; i < count; i++) {
      window.acquire();
      client.newCall(request).enqueue(new Callback() {
        @Override
        public void onFailure(Call call, IOException e) {
          failed.increment();
          window.release();
        }

        @Override
        public void onResponse(Call call, Response response) throws IOException {
          try (response) {
            response.body().string();
            if (response.code() != 200) {
              failed.increment();
            }
          }
          window.release();
        }
      });
    }
    window.acquire(inFlight);
    double perSecond = count / ((System.nanoTime() - t0) / 1e9);
    if (failed.sum() > 0) {
      throw new IllegalStateException(failed.sum() + " requests failed");
    }
    return perSecond;
  }

  private static String serviceAccount(String tokenUri) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    String pem = dev.nudge.examples.LocalCredentials.pem(g.generateKeyPair().getPrivate());
    JsonObject o = new JsonObject();
    o.addProperty("type", "service_account");
    o.addProperty("project_id", "nudge-bench");
    o.addProperty("private_key_id", "bench");
    o.addProperty("private_key", pem);
    o.addProperty("client_email", "bench@nudge-bench.iam.gserviceaccount.com");
    o.addProperty("token_uri", tokenUri);
    return o.toString();
  }
}
