/*
 * Run from the repository root:
 *
 *   mvn -B -q install -DskipTests -pl sdk-api,sdk-core,benchmarks -am
 *   mvn -B -q -pl benchmarks dependency:build-classpath -DincludeScope=runtime \
 *       -Dmdep.outputFile=target/classpath.txt
 *   java -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" \
 *       dev.nudge.benchmarks.SimulateBench
 *
 * Options, defaults in brackets:
 *   --events N       events in the log                                  [1000000]
 *   --users N        users (each also has a device and a user record)   [100000]
 *   --days N         days the events spread over                        [14]
 *   --campaigns FILE the campaigns file                                 [examples/src/main/resources/simulate/campaigns.json]
 *   --keep           keep the generated log and the outcomes (paths are printed)
 */
package dev.nudge.benchmarks;

import dev.nudge.CampaignSet;
import dev.nudge.CampaignStats;
import dev.nudge.StepStats;
import dev.nudge.examples.SimulateOutput;
import dev.nudge.json.Campaigns;
import dev.nudge.simulate.SimulationRun;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The figure behind issue 3's acceptance: a log of a million events over a hundred thousand users
 * through the three sample campaigns, on the {@code simulate} tool's code path
 * ({@link SimulationRun}: read, sort, replay, one JSON line per outcome to a file). Prints the
 * wall time of each phase and the peak heap.
 *
 * <p>The log is written out of time order (events are generated user by user), so the sort is
 * part of the measurement. Every user has a device (iOS, Android or web; English, Persian or
 * Turkish; one of four zones) and attributes; the events are app opens, views, cart adds
 * (half of them at 50 or more), purchases and one signup per user.
 */
public final class SimulateBench {
  private static final Instant START = Instant.parse("2026-03-01T00:00:00Z");
  private static final String[] ZONES = {"Asia/Tehran", "Europe/Istanbul", "Europe/Berlin", "America/New_York"};
  private static final String[] COUNTRIES = {"IR", "TR", "DE", "US"};
  private static final String[] LOCALES = {"fa-IR", "tr-TR", "de-DE", "en-US"};
  private static final String[] PLATFORMS = {"ios", "android", "web"};
  private static final String[] ITEMS = {"Yoga mat", "Trail shoes", "Tea glasses", "Espresso grinder", "Rug"};

  private SimulateBench() {}

  public static void main(String[] args) throws Exception {
    int events = 1_000_000;
    int users = 100_000;
    int days = 14;
    Path campaignsFile = Path.of("examples/src/main/resources/simulate/campaigns.json");
    boolean keep = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--events" -> events = Integer.parseInt(args[++i]);
        case "--users" -> users = Integer.parseInt(args[++i]);
        case "--days" -> days = Integer.parseInt(args[++i]);
        case "--campaigns" -> campaignsFile = Path.of(args[++i]);
        case "--keep" -> keep = true;
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    System.out.printf(Locale.ROOT, "JVM %s %s, %d processors, max heap %,d MB%n", System.getProperty("java.vm.name"),
        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20);

    Path log = Files.createTempFile("nudge-simulate-bench", ".jsonl");
    Path out = Files.createTempFile("nudge-simulate-bench", ".out.jsonl");
    long t0 = System.nanoTime();
    long lines = generate(log, events, users, days);
    System.out.printf(Locale.ROOT, "generated %,d lines (%,d events, %,d users) in %.1f s: %s (%,d MB)%n", lines,
        events, users, seconds(t0), log, Files.size(log) >> 20);

    CampaignSet campaigns;
    try (Reader in = Files.newBufferedReader(campaignsFile, StandardCharsets.UTF_8)) {
      campaigns = Campaigns.fromJson(in);
    }
    System.gc();
    resetPeaks();
    HeapSampler sampler = new HeapSampler();
    sampler.start();
    long gcBefore = gcMillis();
    long started = System.nanoTime();
    long[] readDone = {0};
    SimulationRun.Result result;
    try (Writer w = new BufferedWriter(Files.newBufferedWriter(out, StandardCharsets.UTF_8), 1 << 16);
        Reader in = Files.newBufferedReader(log, StandardCharsets.UTF_8)) {
      result = SimulationRun.of(campaigns)
          .onOutcome(r -> {
            try {
              w.write(SimulateOutput.outcomeJson(r));
              w.write('\n');
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          })
          .onBadLine(b -> System.out.println("bad line " + b.line() + ": " + b.problem()))
          .onProgress(SimulationRun.DEFAULT_PROGRESS_EVERY * 5, (phase, done, total, t) -> {
            if (phase == SimulationRun.Phase.RUN && done == 0) {
              readDone[0] = System.nanoTime();
            }
            System.out.printf(Locale.ROOT, "  %s %,d%s at %.1f s%n", phase, done,
                total < 0 ? "" : " of " + String.format(Locale.ROOT, "%,d", total), seconds(started));
          })
          .run(in);
    }
    double wall = seconds(started);
    sampler.stopSampling();
    long gc = gcMillis() - gcBefore;

    System.out.printf(Locale.ROOT, "%nsimulated %,d records (%,d bad) from %s until %s%n", result.records(),
        result.badLines(), result.start(), result.until());
    System.out.printf(Locale.ROOT, "outcomes: %,d lines (%,d MB), %,d still pending%n", result.outcomes(),
        Files.size(out) >> 20, result.pending());
    for (Map.Entry<String, CampaignStats> e : result.stats().entrySet()) {
      StepStats t = e.getValue().total();
      System.out.printf(Locale.ROOT, "  %-18s triggered %,9d  scheduled %,9d  restarted %,9d  ignored %,7d  cancelled %,7d"
              + "  suppressed %,7d  expired %,7d  sent %,7d  converted %,6d%n", e.getKey(), t.triggered(), t.scheduled(),
          t.restarted(), t.ignored(), t.cancelled(), t.suppressedTotal(), t.expired(), t.sent(), t.converted());
    }
    System.out.printf(Locale.ROOT, "%nwall time: %.1f s (read and check the log: %.1f s, sort and replay: %.1f s),"
            + " GC %.1f s%n", wall, readDone[0] == 0 ? Double.NaN : (readDone[0] - started) / 1e9,
        readDone[0] == 0 ? Double.NaN : (System.nanoTime() - readDone[0]) / 1e9, gc / 1e3);
    System.out.printf(Locale.ROOT, "peak heap used: %,d MB sampled every 20 ms; %,d MB as the sum of the heap pools'"
        + " peaks%n", sampler.peak.get() >> 20, poolPeaks() >> 20);
    if (keep) {
      System.out.println("kept " + log + " and " + out);
    } else {
      Files.deleteIfExists(log);
      Files.deleteIfExists(out);
    }
  }

  /** Devices and user records first, then events user by user: out of time order on purpose. */
  private static long generate(Path file, int events, int users, int days) throws IOException {
    SplittableRandom random = new SplittableRandom(20260301L);
    long span = Duration.ofDays(days).toSeconds();
    long lines = 0;
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (int u = 0; u < users; u++) {
        int region = random.nextInt(ZONES.length);
        w.write("{\"type\":\"device\",\"userId\":\"u" + u + "\",\"platform\":\"" + PLATFORMS[u % 3]
            + "\",\"token\":\"tok-" + u + "\",\"locale\":\"" + LOCALES[region] + "\",\"zone\":\"" + ZONES[region]
            + "\",\"occurredAt\":\"" + START + "\"}\n");
        w.write("{\"type\":\"user\",\"userId\":\"u" + u + "\",\"attributes\":{\"first_name\":\"User" + u
            + "\",\"country\":\"" + COUNTRIES[region] + "\"},\"occurredAt\":\"" + START + "\"}\n");
        lines += 2;
      }
      int perUser = events / users;
      int extra = events % users;
      long id = 0;
      for (int u = 0; u < users; u++) {
        int n = perUser + (u < extra ? 1 : 0);
        for (int k = 0; k < n; k++) {
          Instant at = START.plusSeconds(1 + random.nextLong(span));
          String name;
          String props;
          if (k == 0) {
            name = "signup";
            props = "{}";
          } else {
            int p = random.nextInt(100);
            if (p < 40) {
              name = "app_open";
              props = "{}";
            } else if (p < 65) {
              name = "view";
              props = "{\"item_name\":\"" + ITEMS[random.nextInt(ITEMS.length) ] + "\"}";
            } else if (p < 88) {
              name = "cart_add";
              int cart = random.nextInt(3);
              props = "{\"cart_id\":\"c" + u + "-" + cart + "\",\"item_name\":\"" + ITEMS[random.nextInt(ITEMS.length)]
                  + "\",\"total\":" + (20 + random.nextInt(100)) + ",\"channel\":\"" + (random.nextInt(4) == 0 ? "web" : "app")
                  + "\"}";
            } else {
              name = "purchase";
              props = "{\"cart_id\":\"c" + u + "-" + random.nextInt(3) + "\"}";
            }
          }
          w.write("{\"type\":\"event\",\"id\":\"e" + (id++) + "\",\"name\":\"" + name + "\",\"userId\":\"u" + u
              + "\",\"occurredAt\":\"" + at + "\",\"properties\":" + props + "}\n");
          lines++;
        }
      }
    }
    return lines;
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  private static long gcMillis() {
    long total = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      total += Math.max(0, gc.getCollectionTime());
    }
    return total;
  }

  private static void resetPeaks() {
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      pool.resetPeakUsage();
    }
  }

  private static long poolPeaks() {
    long sum = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        sum += pool.getPeakUsage().getUsed();
      }
    }
    return sum;
  }

  /** The largest heap in use seen by a daemon thread polling every 20 ms. */
  private static final class HeapSampler extends Thread {
    final AtomicLong peak = new AtomicLong();
    private volatile boolean running = true;

    HeapSampler() {
      super("heap-sampler");
      setDaemon(true);
    }

    @Override
    public void run() {
      while (running) {
        long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        peak.accumulateAndGet(used, Math::max);
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    void stopSampling() {
      running = false;
      interrupt();
    }
  }
}
