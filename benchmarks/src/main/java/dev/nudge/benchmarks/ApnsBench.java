/*
 * Run from the repository root:
 *
 *   mvn -B -q install -DskipTests
 *   mvn -B -q -pl benchmarks dependency:build-classpath -DincludeScope=runtime \
 *       -Dmdep.outputFile=target/classpath.txt
 *   java -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" \
 *       dev.nudge.benchmarks.ApnsBench
 *
 * Options, as system properties before the class name, defaults in brackets:
 *   -Dn=N            notifications per round of (a) and (b)                          [100000]
 *   -DinFlight=N     sends in flight at once in (a) and (b), held by the driver      [1000]
 *   -Dconnections=N  HTTP/2 connections of the transport and of the client          [1]
 *   -Drounds=N       measured rounds of (a) and (b), alternating, and of (d)         [3]
 *   -Dwarmups=N      rounds of (a) and (b) run first and not counted                 [2]
 *   -Dusers=N        users in (d), one iOS device and one due reminder each          [20000]
 *
 * e.g. java -Dn=20000 -Drounds=5 -cp ... dev.nudge.benchmarks.ApnsBench
 */
package dev.nudge.benchmarks;

import com.eatthepath.pushy.apns.ApnsClient;
import com.eatthepath.pushy.apns.DeliveryPriority;
import com.eatthepath.pushy.apns.PushType;
import com.eatthepath.pushy.apns.util.SimpleApnsPushNotification;
import dev.nudge.Device;
import dev.nudge.Platform;
import dev.nudge.StepStats;
import dev.nudge.core.Nudge;
import dev.nudge.examples.LocalApns;
import dev.nudge.spi.RenderedNotification;
import dev.nudge.spi.SendResult;
import dev.nudge.store.memory.InMemoryStore;
import dev.nudge.testing.TestClock;
import dev.nudge.transport.apns.ApnsTransport;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * What the APNs transport costs over Pushy, and what the engine sends through it: in one run,
 * (a) notifications per second through {@link ApnsTransport#send} to Pushy's mock APNs server on
 * loopback (accept-all, TLS, token authentication; {@link LocalApns#acceptingAll}), (b) the same
 * notifications, byte for byte in their payload, through Pushy's own {@link ApnsClient} driven
 * directly, with the same connections, the same server and the same number in flight (a
 * semaphore in the driver), (c) the ratio (a)/(b), which should be at least 90%, and (d) the whole
 * engine: {@link Nudge} on the in-memory store and a {@link TestClock}, {@code -Dusers} users
 * each with one iOS device and one due cart reminder, resolved by {@code runDue()} into APNs
 * sends, counted at the server. One warm-up round of each first; (a) and (b) alternate, and swap
 * which goes first, so drift hurts them alike. A plain {@code main}, noisy on a busy machine;
 * the figures are printed, never asserted.
 */
public final class ApnsBench {
  private static final String TOPIC = "dev.nudge.bench";
  private static final Instant START = Instant.parse("2026-03-02T10:00:00Z");
  private static final double TARGET_RATIO = 0.90;
  /** Distinct device tokens the sends of (a) and (b) cycle through. */
  private static final int TOKENS = 10_000;
  /** Pushy's INFO lines (SSL provider, shutting down) would interleave with the figures. */
  private static final Logger PUSHY_LOG = Logger.getLogger("com.eatthepath.pushy");
  private static final com.sun.management.OperatingSystemMXBean CPU =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private final int n = intProperty("n", 100_000);
  private final int inFlight = intProperty("inFlight", 1_000);
  private final int connections = intProperty("connections", 1);
  private final int rounds = intProperty("rounds", 3);
  private final int warmups = intProperty("warmups", 2);
  private final int users = intProperty("users", 20_000);
  private final List<String> checks = new ArrayList<>();

  private ApnsBench() {}

  /** Runs (a), (b), (c) and (d) and prints the figures. */
  public static void main(String[] args) throws Exception {
    if (args.length > 0) {
      throw new IllegalArgumentException("ApnsBench takes no arguments but system properties: -Dn=N -DinFlight=N"
          + " -Dconnections=N -Drounds=N -Dwarmups=N -Dusers=N (given: " + String.join(" ", args) + ")");
    }
    PUSHY_LOG.setLevel(Level.WARNING);
    new ApnsBench().run();
  }

  private void run() throws Exception {
    Workload.printJvm();
    System.out.printf("OS: %s %s; options: n %,d, inFlight %,d, connections %d, rounds %d, warmups %d, users %,d%n",
        System.getProperty("os.name"), System.getProperty("os.arch"), n, inFlight, connections, rounds, warmups,
        users);
    System.out.println("server: Pushy's MockApnsServer on loopback, accept-all, TLS, token authentication");
    try (LocalApns server = LocalApns.acceptingAll(TOPIC)) {
      List<Leg> transportRounds = new ArrayList<>();
      List<Leg> clientRounds = new ArrayList<>();
      ApnsTransport transport = server.transport().connections(connections).build();
      ApnsClient client = server.client().setConcurrentConnections(connections).build();
      try {
        Device[] devices = new Device[TOKENS];
        String[] tokens = new String[TOKENS];
        for (int i = 0; i < TOKENS; i++) {
          tokens[i] = token(i);
          devices[i] = Device.of("u" + i, Platform.IOS, tokens[i]).locale("en-US").build();
        }
        String reminderId = "01a2351000000000000000000000bench";
        RenderedNotification notification = RenderedNotification.builder(reminderId, Workload.CAMPAIGN, 0)
            .text("Still thinking, Sam?", "Trail running shoes is waiting in your cart")
            .deepLink("shop://cart/c42").data("cart_id", "c42").build();
        IntFunction<CompletableFuture<Boolean>> viaTransport = i -> transport.send(devices[i % TOKENS], notification)
            .thenApply(r -> r instanceof SendResult.Accepted);

        progress("warm-up 1 of %d: (a) ApnsTransport.send, %,d notifications", warmups, n);
        Leg warmA = drive(viaTransport);
        // (b) sends what (a) sent: the payload and headers of the first request the server got, and
        // an apns-id per token as ApnsTransport derives it (from the reminder id and the token), made
        // beforehand: the ids cost the server the same, and making them is the transport's own work.
        LocalApns.Received first = server.received().get(0);
        UUID[] apnsIds = new UUID[TOKENS];
        for (int i = 0; i < TOKENS; i++) {
          apnsIds[i] = UUID.nameUUIDFromBytes((reminderId + '/' + tokens[i]).getBytes(StandardCharsets.UTF_8));
        }
        progress("the payload of every send (%d bytes): %s", first.payload().length(), first.payload());
        Instant expiration = Instant.now().plus(Duration.ofDays(1));
        DeliveryPriority priority = DeliveryPriority.getFromCode(first.priority());
        PushType pushType = PushType.getFromHeaderValue(first.pushType());
        IntFunction<CompletableFuture<Boolean>> viaClient = i -> client.sendNotification(new SimpleApnsPushNotification(
                tokens[i % TOKENS], TOPIC, first.payload(), expiration, priority, pushType, first.collapseId(),
                apnsIds[i % TOKENS]))
            .thenApply(r -> r.isAccepted());
        Leg warmB = drive(viaClient);
        progress("warm-up 1 of %d: (a) %s, (b) %s (not counted)", warmups, warmA, warmB);
        for (int w = 2; w <= warmups; w++) {
          progress("warm-up %d of %d: (a) %s, (b) %s (not counted)", w, warmups, drive(viaTransport), drive(viaClient));
        }

        for (int round = 1; round <= rounds; round++) {
          boolean transportFirst = round % 2 == 1;
          for (int half = 0; half < 2; half++) {
            boolean viaA = (half == 0) == transportFirst;
            Leg leg = drive(viaA ? viaTransport : viaClient);
            (viaA ? transportRounds : clientRounds).add(leg);
            progress("round %d of %d: %s %s", round, rounds, viaA ? "(a) ApnsTransport.send" : "(b) Pushy ApnsClient  ",
                leg);
          }
        }
      } finally {
        transport.close();
        client.close().get(30, TimeUnit.SECONDS);
      }

      List<Engine> engineRounds = new ArrayList<>();
      progress("warm-up: (d) the engine, %,d users", Math.max(1, users / 4));
      engineOnce(server, Math.max(1, users / 4));
      for (int round = 1; round <= rounds; round++) {
        Engine e = engineOnce(server, users);
        engineRounds.add(e);
        progress("round %d of %d: (d) %,.0f reminders resolved/s, %,.0f APNs sends/s (%.2f s)", round, rounds,
            e.resolvedPerSecond(), e.sendsPerSecond(), e.seconds);
      }
      print(transportRounds, clientRounds, engineRounds);
    }
  }

  /**
   * Sends {@code n} notifications, {@code send.apply(i)} for each {@code i}, with at most
   * {@code inFlight} unanswered, and returns how fast and at what CPU cost; a send not accepted
   * fails the round's check.
   */
  private Leg drive(IntFunction<CompletableFuture<Boolean>> send) throws InterruptedException {
    Semaphore slots = new Semaphore(inFlight);
    CountDownLatch answered = new CountDownLatch(n);
    LongAdder refused = new LongAdder();
    long cpuStart = CPU.getProcessCpuTime();
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      slots.acquire();
      send.apply(i).whenComplete((accepted, error) -> {
        if (error != null || !accepted) {
          refused.increment();
        }
        slots.release();
        answered.countDown();
      });
    }
    if (!answered.await(10, TimeUnit.MINUTES)) {
      throw new IllegalStateException("no answer to " + answered.getCount() + " of " + n + " sends in 10 minutes");
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    double cpuMicros = (CPU.getProcessCpuTime() - cpuStart) / 1e3;
    if (refused.sum() > 0) {
      checks.add(String.format("CHECK FAILED %,d of %,d sends were not accepted", refused.sum(), n));
    }
    return new Leg(n / seconds, cpuMicros / n);
  }

  /**
   * One leg of (a) or (b): notifications per second, and the process's CPU time per notification
   * (client, server and driver together; other load on the machine disturbs it less).
   */
  private record Leg(double perSecond, double cpuMicrosPerSend) {
    @Override
    public String toString() {
      return String.format("%,7.0f notifications/s, %5.1f µs CPU each", perSecond, cpuMicrosPerSend);
    }
  }

  /** (d): a fresh engine, {@code users} due reminders, timed from the first {@code runDue()} to the last. */
  private Engine engineOnce(LocalApns server, int users) {
    TestClock clock = new TestClock(START);
    long sentBefore = server.answered("accepted");
    try (Nudge nudge = Nudge.builder().clock(clock).store(new InMemoryStore(clock, Duration.ofDays(7)))
        .transport(server.transport().connections(connections).clock(clock).build()).build()) {
      nudge.define(Workload.campaign());
      Workload.scheduleCarts(nudge, "e", users,
          (user, i) -> Device.of(user, Platform.IOS, token(i)).locale("en-US").build());
      clock.advance(Duration.ofHours(2).plusMinutes(1));

      long start = System.nanoTime();
      long resolved = 0;
      // One run resolves them all when every send is accepted; more would mean retries.
      for (int run = 0; run < 10 && nudge.pendingReminders() > 0; run++) {
        resolved += nudge.runDue().join();
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      long sends = server.answered("accepted") - sentBefore;
      StepStats s = nudge.stats(Workload.CAMPAIGN).step(0);
      Engine e = new Engine(users, seconds, resolved, sends, s.sent(), s.acceptedTotal());
      if (!e.complete()) {
        checks.add(String.format("CHECK FAILED (d) %,d users: resolved %,d, server got %,d, stats sent %,d accepted"
            + " %,d", users, resolved, sends, s.sent(), s.acceptedTotal()));
      }
      return e;
    }
  }

  /** One round of (d). */
  private record Engine(int users, double seconds, long resolved, long serverSends, long statsSent, long accepted) {
    double resolvedPerSecond() {
      return resolved / seconds;
    }

    double sendsPerSecond() {
      return serverSends / seconds;
    }

    boolean complete() {
      return resolved == users && serverSends == users && statsSent == users && accepted == users;
    }
  }

  // ---- output --------------------------------------------------------------------------------

  private void print(List<Leg> a, List<Leg> b, List<Engine> d) {
    double bestA = a.stream().mapToDouble(Leg::perSecond).max().orElse(0);
    double bestB = b.stream().mapToDouble(Leg::perSecond).max().orElse(0);
    double cpuA = a.stream().mapToDouble(Leg::cpuMicrosPerSend).min().orElse(0);
    double cpuB = b.stream().mapToDouble(Leg::cpuMicrosPerSend).min().orElse(0);
    double ratio = bestA / bestB;
    Engine bestD = d.stream().max((x, y) -> Double.compare(x.resolvedPerSecond(), y.resolvedPerSecond())).orElseThrow();
    String format = "  %-48s %10s  %s%n";
    System.out.println();
    System.out.printf(format, "figure (best of " + rounds + " rounds)", "value", "every round");
    System.out.println("  " + "-".repeat(48 + 10 + 3 + 8 * rounds));
    System.out.printf(format, "(a) ApnsTransport.send, notifications/s", String.format("%,.0f", bestA),
        every(a.stream().map(Leg::perSecond).toList()));
    System.out.printf(format, "(b) Pushy ApnsClient directly, notifications/s", String.format("%,.0f", bestB),
        every(b.stream().map(Leg::perSecond).toList()));
    System.out.printf(format, "(c) (a) / (b)", String.format("%.1f%%", 100 * ratio),
        ratio >= TARGET_RATIO ? "target met (at least 90%)" : "TARGET NOT MET (at least 90% asked)");
    System.out.printf(format, "(a) CPU per notification, µs (least)", String.format("%.1f", cpuA),
        every1(a.stream().map(Leg::cpuMicrosPerSend).toList()));
    System.out.printf(format, "(b) CPU per notification, µs (least)", String.format("%.1f", cpuB),
        every1(b.stream().map(Leg::cpuMicrosPerSend).toList()));
    System.out.printf(format, "(c) by CPU: (b) / (a)", String.format("%.1f%%", 100 * cpuB / cpuA),
        "the throughput ratio if the machine did nothing else");
    System.out.printf(format, "(d) engine, reminders resolved/s", String.format("%,.0f", bestD.resolvedPerSecond()),
        every(d.stream().map(Engine::resolvedPerSecond).toList()));
    System.out.printf(format, "(d) engine, APNs sends/s (at the server)",
        String.format("%,.0f", bestD.sendsPerSecond()), every(d.stream().map(Engine::sendsPerSecond).toList()));
    System.out.printf("  (a), (b): %,d notifications per round, %,d in flight, %d connection(s), %,d device tokens;"
        + " (d): %,d users, one iOS device each, in-memory store, maxInFlight 1000%n", n, inFlight, connections,
        TOKENS, users);
    System.out.println();
    if (checks.isEmpty()) {
      System.out.println("  check ok     every send of (a) and (b) was accepted; (d) resolved and sent every reminder"
          + " once");
    } else {
      checks.forEach(c -> System.out.println("  " + c));
    }
  }

  private static String every(List<Double> values) {
    return values.stream().map(v -> String.format("%7.0f", v)).collect(Collectors.joining(" "));
  }

  private static String every1(List<Double> values) {
    return values.stream().map(v -> String.format("%7.1f", v)).collect(Collectors.joining(" "));
  }

  private static void progress(String format, Object... args) {
    System.out.printf("  .. " + format + "%n", args);
  }

  private static String token(int i) {
    return String.format("%064x", i * 0x9E3779B97F4A7C15L);
  }

  private static int intProperty(String name, int fallback) {
    String v = System.getProperty(name);
    if (v == null) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(v.replace("_", "").replace(",", ""));
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below, with the property's name
    }
    throw new IllegalArgumentException("-D" + name + " is '" + v + "'; give a positive whole number");
  }
}
