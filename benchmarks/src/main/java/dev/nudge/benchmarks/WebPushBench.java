/*
 * Run from the repository root:
 *
 *   mvn -B -q install -DskipTests
 *   mvn -B -q -pl benchmarks dependency:build-classpath -DincludeScope=runtime \
 *       -Dmdep.outputFile=target/classpath.txt
 *   java -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" dev.nudge.benchmarks.WebPushBench
 *
 * Options, defaults in brackets:
 *   --sends N        sends per round through WebPushTransport                     [5000]
 *   --in-flight N    requests outstanding at once                                 [256]
 *   --rounds N       measured rounds of the sends and of the encryption parts     [3]
 *   --encrypt N      operations timed per round of each encryption part           [5000]
 *
 * Each figure has a warm-up round first, not counted. On two cores a message's encryption takes
 * well over a millisecond, so the defaults run for a minute or two, and this for about two:
 *   java -Xms1g -Xmx1g -cp ... dev.nudge.benchmarks.WebPushBench --sends 10000
 */
package dev.nudge.benchmarks;

import dev.nudge.Device;
import dev.nudge.Platform;
import dev.nudge.spi.RenderedNotification;
import dev.nudge.spi.SendResult;
import dev.nudge.transport.webpush.EncryptionCost;
import dev.nudge.transport.webpush.VapidKeys;
import dev.nudge.transport.webpush.WebPushSubscription;
import dev.nudge.transport.webpush.WebPushTransport;
import java.lang.management.ManagementFactory;
import java.math.BigInteger;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntToDoubleFunction;
import java.util.stream.Collectors;
import okhttp3.OkHttpClient;
import okhttp3.tls.HandshakeCertificates;

/**
 * What the Web Push transport costs, in two figures. (1) Encrypted sends per second through
 * {@link WebPushTransport#send} to a local HTTP/2 server over TLS on loopback ({@link
 * LocalHttp2Server}, answering {@code 201 Created} as a push service does), with
 * {@code --in-flight} requests outstanding (a semaphore in the driver): 1,000 distinct valid
 * subscriptions (a P-256 key pair and 16 random auth bytes each, endpoint
 * {@code https://localhost:<port>/push/<id>}) registered as {@link Platform#WEB} devices, each
 * with its own cart reminder (title, body, deep link, data), one VAPID token for the one origin.
 * The transport encrypts on the thread that calls {@code send} (here the driver's one thread, in
 * the engine a delivery worker), so the figure is the encryption and the HTTP/2 client together.
 * (2) The encryption alone per message, on one thread, through {@link EncryptionCost} (in the
 * transport's package, since the encryption is package-private): the whole of it (fresh salt and
 * ephemeral key pair, ECDH, HKDF, AES-GCM), and apart, the key-pair generation, the ECDH, and the
 * HKDF with AES-GCM; beside it, parsing the subscription, which {@code send} does for each
 * message too. A warm-up round of each first, then every round and the best. A plain
 * {@code main}, noisy on a busy machine; the figures are printed, never asserted.
 */
public final class WebPushBench {
  /** Distinct subscriptions (and devices, and reminders) the sends cycle through. */
  private static final int SUBSCRIPTIONS = 1_000;
  private static final String ICON = "/icons/shop-192.png";
  private static final String BADGE = "/icons/badge-72.png";
  private static final String[] NAMES = {"Sara", "Tom", "Aiko", "Mateo", "Lena", "Priya", "Jonas", "Chloé"};
  private static final com.sun.management.OperatingSystemMXBean CPU =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  /** Folds a result of every timed parse, so that the JIT cannot drop the work. */
  private static volatile int parseSink;

  private int sends = 5_000;
  private int inFlight = 256;
  private int rounds = 3;
  private int encrypt = 5_000;

  /** Runs the warm-ups and the rounds of both figures and prints them. */
  public static void main(String[] args) throws Exception {
    WebPushBench b = new WebPushBench();
    for (int i = 0; i < args.length; i += 2) {
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("option " + args[i] + " has no value");
      }
      int v = Integer.parseInt(args[i + 1].replace("_", "").replace(",", ""));
      if (v < 1) {
        throw new IllegalArgumentException("option " + args[i] + " is " + v + "; give 1 or more");
      }
      switch (args[i]) {
        case "--sends" -> b.sends = v;
        case "--in-flight" -> b.inFlight = v;
        case "--rounds" -> b.rounds = v;
        case "--encrypt" -> b.encrypt = v;
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + "; use --sends, --in-flight, --rounds, --encrypt");
      }
    }
    Workload.printJvm();
    System.out.printf("options: sends %,d per round, in flight %d, rounds %d, encrypt %,d per round"
        + " (HTTP/2 over TLS on loopback, %,d subscriptions)%n", b.sends, b.inFlight, b.rounds, b.encrypt,
        SUBSCRIPTIONS);
    b.run();
  }

  private void run() throws Exception {
    List<Double> sendRounds = new ArrayList<>();
    List<Double> cpuRounds = new ArrayList<>();
    List<WebPushSubscription> subscriptions = new ArrayList<>();
    List<RenderedNotification> notifications = new ArrayList<>();
    try (LocalHttp2Server server = new LocalHttp2Server()) {
      HandshakeCertificates trust = server.credentials.clientCertificates();
      OkHttpClient base = new OkHttpClient.Builder().sslSocketFactory(trust.sslSocketFactory(), trust.trustManager())
          .build();
      String origin = "https://localhost:" + server.port();
      try (WebPushTransport transport = WebPushTransport.builder().vapidKeys(VapidKeys.generate())
          .subject("mailto:bench@nudge.example").icon(ICON).badge(BADGE).httpClient(base)
          .allowedPushServices("localhost:" + server.port()).maxConcurrentRequests(inFlight).build()) {
        Device[] devices = new Device[SUBSCRIPTIONS];
        SecureRandom random = new SecureRandom();
        for (int i = 0; i < SUBSCRIPTIONS; i++) {
          WebPushSubscription s = subscription(origin, i, random);
          subscriptions.add(s);
          // As registration stores it: checked and canonical.
          devices[i] = Device.of("u" + i, Platform.WEB, transport.registrationToken(s.token())).build();
          notifications.add(notification(i));
        }
        List<byte[]> payloads = notifications.stream().map(n -> EncryptionCost.payload(n, ICON, BADGE)).toList();
        double meanPayload = payloads.stream().mapToInt(p -> p.length).average().orElse(0);
        System.out.printf("payload: %.0f bytes of JSON on average, %d bytes encrypted; e.g. %s%n", meanPayload,
            EncryptionCost.bodyBytes(subscriptions.get(0), payloads.get(0)),
            new String(payloads.get(0), java.nio.charset.StandardCharsets.UTF_8));

        sendRound(transport, devices, notifications, 1_000); // the connection, the VAPID token
        System.out.println("warm-up ...");
        double[] warm = sendRound(transport, devices, notifications, sends);
        System.out.printf("warm-up: WebPushTransport %,.0f sends/s, %.1f µs CPU each (not counted)%n", warm[0],
            warm[1]);
        for (int r = 1; r <= rounds; r++) {
          double[] t = sendRound(transport, devices, notifications, sends);
          sendRounds.add(t[0]);
          cpuRounds.add(t[1]);
          System.out.printf("round %d: WebPushTransport %,.0f sends/s, %.1f µs CPU each%n", r, t[0], t[1]);
        }
        System.out.printf("best: WebPushTransport %,.0f encrypted sends/s (every round: %s; %d in flight; %,d"
            + " requests answered 201 by the server)%n", max(sendRounds), every(sendRounds), inFlight,
            server.requests.sum());
      }

      List<byte[]> payloads = notifications.stream().map(n -> EncryptionCost.payload(n, ICON, BADGE)).toList();
      List<String> tokens = subscriptions.stream().map(WebPushSubscription::token).toList();
      List<Cost> costs = List.of(
          new Cost("whole encryption (salt, key pair, ECDH, HKDF, AES-GCM)",
              n -> EncryptionCost.encryptNanos(subscriptions, payloads, n)),
          new Cost("  key-pair generation", EncryptionCost::generateNanos),
          new Cost("  ECDH", n -> EncryptionCost.ecdhNanos(subscriptions, n)),
          new Cost("  HKDF and AES-GCM (the same JCA calls)", n -> EncryptionCost.hkdfAndAesGcmNanos(payloads, n)),
          new Cost("subscription parse (send does it too)", n -> parseNanos(tokens, n)));
      System.out.println();
      System.out.println("encryption alone, one thread, µs per message; warm-up ...");
      for (Cost c : costs) {
        c.time.applyAsDouble(encrypt);
      }
      for (int r = 1; r <= rounds; r++) {
        for (Cost c : costs) {
          c.rounds.add(c.time.applyAsDouble(encrypt) / 1e3);
        }
        int round = r;
        System.out.printf("round %d: %s%n", r, costs.stream().map(c -> String.format("%s %.1f", c.label.strip()
            .replaceAll(" \\(.*", ""), c.rounds.get(round - 1))).collect(Collectors.joining(", ")));
      }
      System.out.printf("%n  %-56s %8s  %s%n", "µs per message (least of " + rounds + " rounds)", "least",
          "every round");
      for (Cost c : costs) {
        System.out.printf("  %-56s %8.1f  %s%n", c.label, min(c.rounds), every1(c.rounds));
      }
      double whole = min(costs.get(0).rounds);
      double generate = min(costs.get(1).rounds);
      double ecdh = min(costs.get(2).rounds);
      double hkdf = min(costs.get(3).rounds);
      System.out.printf("  %-56s %8.1f  (the whole less the three parts: salt, encoding, noise)%n", "  the rest",
          whole - generate - ecdh - hkdf);
      System.out.printf("  key-pair generation %.0f%%, ECDH %.0f%%, HKDF and AES-GCM %.0f%% of the whole; the whole"
          + " is at most %,.0f messages/s per core (sink %d)%n", 100 * generate / whole, 100 * ecdh / whole,
          100 * hkdf / whole, 1e6 / whole, EncryptionCost.sink() + parseSink);
      System.out.printf("  sends: best %,.0f sends/s, %.1f µs CPU each (least; client, server and driver"
          + " together, on %d processors)%n", max(sendRounds), min(cpuRounds),
          Runtime.getRuntime().availableProcessors());
    }
  }

  /** One part of the encryption figure, with its rounds in µs. */
  private record Cost(String label, IntToDoubleFunction time, List<Double> rounds) {
    Cost(String label, IntToDoubleFunction time) {
      this(label, time, new ArrayList<>());
    }
  }

  /**
   * {@code count} sends, device and notification {@code i % 1000} each, at most
   * {@code inFlight} unanswered; returns sends per second and the process's CPU µs per send.
   */
  private double[] sendRound(WebPushTransport transport, Device[] devices, List<RenderedNotification> notifications,
      int count) throws Exception {
    Semaphore window = new Semaphore(inFlight);
    LongAdder failed = new LongAdder();
    long cpu0 = CPU.getProcessCpuTime();
    long t0 = System.nanoTime();
    for (int i = 0; i < count; i++) {
      window.acquire();
      int k = i % SUBSCRIPTIONS;
      transport.send(devices[k], notifications.get(k)).whenComplete((r, e) -> {
        // Only the server's 201 carries a Location, the accepted send's id.
        if (!(r instanceof SendResult.Accepted a && a.providerId() != null && a.providerId().startsWith("/message/"))) {
          failed.increment();
        }
        window.release();
      });
    }
    window.acquire(inFlight);
    double perSecond = count / ((System.nanoTime() - t0) / 1e9);
    double cpuMicros = (CPU.getProcessCpuTime() - cpu0) / 1e3 / count;
    if (failed.sum() > 0) {
      throw new IllegalStateException(failed.sum() + " sends were not accepted with 201 and a Location");
    }
    return new double[] {perSecond, cpuMicros};
  }

  /** {@link WebPushSubscription#parse} of the stored tokens in turn, ns per parse. */
  private static double parseNanos(List<String> tokens, int iterations) {
    int acc = 0;
    long t0 = System.nanoTime();
    for (int i = 0; i < iterations; i++) {
      acc += WebPushSubscription.parse(tokens.get(i % tokens.size())).host().length();
    }
    long elapsed = System.nanoTime() - t0;
    parseSink += acc;
    return (double) elapsed / iterations;
  }

  /** A browser-like subscription: a fresh P-256 key pair, 16 random auth bytes, an endpoint on the server. */
  private static WebPushSubscription subscription(String origin, int i, SecureRandom random) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    ECPublicKey key = (ECPublicKey) g.generateKeyPair().getPublic();
    byte[] point = new byte[65];
    point[0] = 4;
    unsigned(key.getW().getAffineX(), point, 1);
    unsigned(key.getW().getAffineY(), point, 33);
    byte[] auth = new byte[16];
    random.nextBytes(auth);
    byte[] id = new byte[96]; // about the length of a real push service's endpoint id
    random.nextBytes(id);
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    return WebPushSubscription.of(origin + "/push/" + i + "-" + b64.encodeToString(id), b64.encodeToString(point),
        b64.encodeToString(auth));
  }

  /** Writes {@code v} as 32 big-endian bytes at {@code offset}. */
  private static void unsigned(BigInteger v, byte[] out, int offset) {
    byte[] b = v.toByteArray();
    int skip = Math.max(0, b.length - 32);
    System.arraycopy(b, skip, out, offset + 32 - (b.length - skip), b.length - skip);
  }

  /** Subscription {@code i}'s cart reminder. */
  private static RenderedNotification notification(int i) {
    String reminderId = String.format("%016x%016x", 0x0190f3c2a1b2c3d4L + i, (i + 1) * 0x9E3779B97F4A7C15L);
    String cart = "c-" + (10_000 + i);
    return RenderedNotification.builder(reminderId, Workload.CAMPAIGN, 0)
        .text("Still thinking, " + NAMES[i % NAMES.length] + "?", Workload.item(i) + " is waiting in your cart")
        .deepLink("https://shop.example/cart/" + cart + "?utm_source=push&utm_campaign=cart")
        .data("cart_id", cart).data("items", Integer.toString(1 + i % 4)).build();
  }

  private static double max(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).max().orElse(0);
  }

  private static double min(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).min().orElse(0);
  }

  private static String every(List<Double> values) {
    return values.stream().map(v -> String.format("%,.0f", v)).collect(Collectors.joining(", "));
  }

  private static String every1(List<Double> values) {
    return values.stream().map(v -> String.format("%7.1f", v)).collect(Collectors.joining(" "));
  }
}
