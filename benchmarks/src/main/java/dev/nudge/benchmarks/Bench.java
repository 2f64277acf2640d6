/*
 * Run from the repository root:
 *
 *   mvn -B -q install -DskipTests
 *   mvn -B -q -pl benchmarks dependency:build-classpath -DincludeScope=runtime \
 *       -Dmdep.outputFile=target/classpath.txt
 *   java -Xms4g -Xmx4g -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" \
 *       dev.nudge.benchmarks.Bench
 *
 * Options, each also readable as a system property (-Dbench.pending=100000), defaults in brackets:
 *   --users N    users in the throughput run: a cart_add each, a purchase for half  [200000]
 *   --warmup N   users tracked on a throw-away engine first, for the JIT            [50000]
 *   --threads N  host threads calling track()                                       [processors, at least 2]
 *   --pending N  pending reminders held for the heap measurement                    [1000000]
 *   --resolve N  due reminders resolved by one runDue(), one device per user        [200000]
 *   --only LIST  which figures to run: track,heap,resolve                           [all]
 *   --metrics M  off, on (NudgeMetrics on a SimpleMeterRegistry, scraped every second) or both:
 *                the track and resolve figures without and with it, rounds alternating  [off]
 *   --rounds N   timed runs of the track and resolve figures per variant; the best counts [1; 2 with both]
 *
 * e.g. ... dev.nudge.benchmarks.Bench --pending 100000 --only heap
 *      ... dev.nudge.benchmarks.Bench --only track,resolve --metrics both --rounds 3
 */
package dev.nudge.benchmarks;

import dev.nudge.CampaignStats;
import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.Platform;
import dev.nudge.StepStats;
import dev.nudge.TrackResult;
import dev.nudge.core.Nudge;
import dev.nudge.micrometer.NudgeMetrics;
import dev.nudge.testing.TestClock;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The harness behind the figures in the README: how fast the engine takes events, how much heap
 * a pending reminder costs, and how fast due reminders are resolved and handed to the transports.
 * All three use the in-memory store and a {@link TestClock}, so they measure the engine and not a
 * database or a network. A plain {@code main}: each figure is one timed run after a warm-up,
 * good for telling a change's order of magnitude, not for small differences.
 */
public final class Bench {
  private static final String START = "2026-03-02T10:00:00Z";
  /** Events tracked per batch before the thread waits for their futures. */

  private final Options options;
  private final Map<String, String[]> figures = new LinkedHashMap<>();
  private final List<String> checks = new ArrayList<>();

  private Bench(Options options) {
    this.options = options;
  }

  /** Runs the benchmarks named by {@code --only} (all by default) and prints the figure table. */
  public static void main(String[] args) throws Exception {
    Bench bench = new Bench(Options.parse(args));
    bench.printJvm();
    if (bench.options.runs("track")) {
      bench.trackThroughput();
    }
    if (bench.options.runs("heap")) {
      bench.heapPerPendingReminder();
    }
    if (bench.options.runs("resolve")) {
      bench.resolveThroughput();
    }
    bench.printFigures();
  }

  /** The variants each timed figure runs in, in the order of one round: without, then with the binder. */
  private List<Boolean> variants() {
    return switch (options.metrics) {
      case "on" -> List.of(true);
      case "both" -> List.of(false, true);
      default -> List.of(false);
    };
  }

  /** A figure's name, with {@code , with NudgeMetrics} when the binder was registered. */
  private static String named(String figure, boolean metered) {
    return metered ? figure + ", with NudgeMetrics" : figure;
  }

  /** Keeps the best of a figure's rounds, with every round's value in its setup line. */
  private void bestOf(String name, double perSecond, String setup, Map<String, List<Double>> rounds) {
    List<Double> all = rounds.computeIfAbsent(name, k -> new ArrayList<>());
    all.add(perSecond);
    double best = all.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    String roundsText = all.size() == 1 ? "" : String.format("; best of %d rounds: %s", all.size(),
        all.stream().map(v -> String.format("%,.0f", v)).collect(Collectors.joining(", ")));
    figure(name, String.format("%,.0f /s", best), setup + roundsText);
  }

  private final Map<String, List<Double>> rounds = new LinkedHashMap<>();

  // ---- (a) events tracked per second ---------------------------------------------------------

  private void trackThroughput() throws Exception {
    int threads = options.threads;
    progress("track: warm-up with %,d users on a throw-away engine", options.warmup);
    try (Nudge warm = engine(new TestClock(Instant.parse(START)))) {
      runOnThreads(warm, workload("w", options.warmup, threads));
    }

    int users = options.users;
    for (int round = 0; round < options.rounds; round++) {
      for (boolean metered : variants()) {
        trackOnce(users, threads, metered);
      }
    }
  }

  private void trackOnce(int users, int threads, boolean metered) throws Exception {
    List<List<Event>> work = workload("u", users, threads);
    int events = work.stream().mapToInt(List::size).sum();
    progress("track: %,d users (%,d events) from %d threads%s", users, events, threads,
        metered ? ", with NudgeMetrics" : "");
    TestClock clock = new TestClock(Instant.parse(START));
    try (Metrics metrics = metered ? new Metrics() : null; Nudge nudge = engine(clock, metrics)) {
      long start = System.nanoTime();
      long[] counted = runOnThreads(nudge, work);
      double seconds = (System.nanoTime() - start) / 1e9;
      bestOf(named("events tracked per second", metered), events / seconds,
          String.format("%,d users: cart_add each, purchase for half (%,d events), %d threads, %.2f s",
              users, events, threads, seconds), rounds);
      StepStats s = nudge.stats(Workload.CAMPAIGN).total();
      check("track", s.scheduled() == users && s.cancelled() == (users + 1) / 2
              && counted[0] == users && counted[1] == (users + 1) / 2,
          String.format("scheduled %,d (stats) / %,d (TrackResult), cancelled %,d / %,d; expected %,d and %,d",
              s.scheduled(), counted[0], s.cancelled(), counted[1], users, (users + 1) / 2));
      if (metrics != null) {
        metrics.snapshotFigure("track", clock, nudge);
      }
    }
  }

  /** Tracks one user's events in order; a thread waits for a batch before it sends the next. */
  private static long[] runOnThreads(Nudge nudge, List<List<Event>> work) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(work.size(), r -> {
      Thread t = new Thread(r, "bench-host");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<long[]>> results = new ArrayList<>();
      for (List<Event> events : work) {
        results.add(pool.submit(() -> Workload.trackInBatches(nudge, events)));
      }
      long[] total = new long[2];
      for (Future<long[]> f : results) {
        long[] r = f.get();
        total[0] += r[0];
        total[1] += r[1];
      }
      return total;
    } finally {
      pool.shutdownNow();
    }
  }
  /**
   * Each thread's events: its users in chunks of {@link #BATCH}, each chunk's cart_adds followed by
   * a purchase for every other user of the chunk.
   */
  private static List<List<Event>> workload(String prefix, int users, int threads) {
    List<List<Event>> work = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      work.add(new ArrayList<>());
    }
    for (int chunk = 0; chunk < users; chunk += Workload.BATCH * threads) {
      for (int i = chunk; i < Math.min(users, chunk + Workload.BATCH * threads); i++) {
        work.get(i % threads).add(Workload.cartAdd(prefix + i, i, null));
      }
      for (int i = chunk; i < Math.min(users, chunk + Workload.BATCH * threads); i += 2) {
        work.get(i % threads).add(purchase(prefix + i, i));
      }
    }
    return work;
  }

  // ---- (b) heap bytes per pending reminder ---------------------------------------------------

  private void heapPerPendingReminder() {
    int pending = options.pending;
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    TestClock clock = new TestClock(Instant.parse(START));
    Nudge nudge = engine(clock);
    try {
      // One tracked event first, so lazily built engine state is not counted per reminder.
      nudge.track(Workload.cartAdd("warm", 0, null)).join();
      long before = usedHeapAfterGc(memory);
      progress("heap: scheduling %,d pending reminders (heap used before: %,d MiB)", pending, before >> 20);
      List<CompletableFuture<TrackResult>> inFlight = new ArrayList<>(Workload.BATCH);
      for (int i = 0; i < pending; i++) {
        // Built here and dropped after tracking: only what the engine keeps stays on the heap.
        inFlight.add(nudge.track(Workload.cartAdd("p" + i, i, null)));
        if (inFlight.size() == Workload.BATCH) {
          inFlight.forEach(CompletableFuture::join);
          inFlight.clear();
        }
      }
      inFlight.forEach(CompletableFuture::join);
      inFlight.clear();
      long after = usedHeapAfterGc(memory);
      long pendingNow = pendingOf(nudge.stats(Workload.CAMPAIGN));
      figure("heap bytes per pending reminder", String.format("%,d B", (after - before) / pending),
          String.format("%,d pending cart reminders (trigger with cart_id, item_name, price); heap %,d -> %,d MiB",
              pending, before >> 20, after >> 20));
      check("heap", pendingNow == pending + 1,
          String.format("pending after scheduling %,d (expected %,d)", pendingNow, pending + 1));
    } finally {
      Reference.reachabilityFence(nudge);
      nudge.close();
    }
  }

  /** Used heap after a few full collections; acceptable in a benchmark, never in a test. */
  private static long usedHeapAfterGc(MemoryMXBean memory) {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      try {
        Thread.sleep(150);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the collector", e);
      }
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  // ---- (c) reminders resolved per second -----------------------------------------------------

  private void resolveThroughput() {
    progress("resolve: warm-up with %,d due reminders on a throw-away engine", Math.max(1, options.resolve / 10));
    resolveOnce(Math.max(1, options.resolve / 10), false, !options.metrics.equals("off"));
    for (int round = 0; round < options.rounds; round++) {
      for (boolean metered : variants()) {
        progress("resolve: %,d users with one device each%s", options.resolve, metered ? ", with NudgeMetrics" : "");
        resolveOnce(options.resolve, true, metered);
      }
    }
  }

  private void resolveOnce(int users, boolean report, boolean metered) {
    TestClock clock = new TestClock(Instant.parse(START));
    Workload.NoopTransport ios = new Workload.NoopTransport(Platform.IOS);
    Workload.NoopTransport android = new Workload.NoopTransport(Platform.ANDROID);
    Nudge.Builder builder = Nudge.builder().clock(clock).transport(ios).transport(android);
    try (Metrics metrics = metered ? new Metrics() : null;
        Nudge nudge = (metrics != null ? builder.listener(metrics.binder) : builder).build()) {
      nudge.define(Workload.campaign());
      Workload.scheduleCarts(nudge, "r", users, (user, i) -> {
        Platform platform = i % 2 == 0 ? Platform.IOS : Platform.ANDROID;
        return Device.of(user, platform, token(platform, i)).locale("en-US").build();
      });
      clock.advance(Duration.ofHours(2).plusMinutes(1));

      long start = System.nanoTime();
      int resolved = nudge.runDue().join();
      double seconds = (System.nanoTime() - start) / 1e9;
      if (report) {
        bestOf(named("reminders resolved per second", metered), resolved / seconds,
            String.format("%,d due reminders, one device each, accepting no-op transport, %.2f s",
                resolved, seconds), rounds);
        StepStats s = nudge.stats(Workload.CAMPAIGN).step(0);
        long sends = ios.sends() + android.sends();
        check("resolve", resolved == users && s.sent() == users && s.acceptedTotal() == users && sends == users,
            String.format("runDue resolved %,d, stats sent %,d accepted %,d, transports got %,d; expected %,d",
                resolved, s.sent(), s.acceptedTotal(), sends, users));
        if (metrics != null) {
          metrics.snapshotFigure("resolve", clock, nudge);
          metrics.verify("resolve", users);
        }
      }
    }
  }

  /**
   * With {@code --metrics}: the binder on a {@link SimpleMeterRegistry}, and a scraper that reads
   * every meter once a second of wall time, as a Prometheus scrape would. The engine's clock stands
   * still while a figure is timed, so the scrapes in it read the snapshot taken by the first one
   * (as every scrape within {@code refreshEvery} does); what a fresh snapshot costs is measured
   * apart, after the timed part, by {@link #snapshotFigure}.
   */
  private final class Metrics implements AutoCloseable {
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final NudgeMetrics binder = NudgeMetrics.of(registry);
    private final ScheduledExecutorService scraper = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "bench-scraper");
      t.setDaemon(true);
      return t;
    });
    private final AtomicLong scrapes = new AtomicLong();

    Metrics() {
      scraper.scheduleAtFixedRate(this::scrape, 0, 1, TimeUnit.SECONDS);
    }

    /** Reads every meter once; the first read takes a snapshot when the last one is too old. */
    void scrape() {
      for (Meter m : registry.getMeters()) {
        m.measure().forEach(Measurement::getValue);
      }
      scrapes.incrementAndGet();
    }

    /**
     * Times a scrape that takes a fresh snapshot (the clock moved past refreshEvery first), then
     * one that also counts the held reminders (past refreshHeldEvery).
     */
    void snapshotFigure(String what, TestClock clock, Nudge nudge) {
      long scrapesInRun = scrapes.get();
      scrape(); // a snapshot and a held count now, should the run have been too short for a scrape
      clock.advance(Duration.ofSeconds(11));
      double fresh = timedScrape();
      clock.advance(Duration.ofSeconds(61));
      double held = timedScrape();
      figure("scrape, fresh snapshot (" + what + ")", String.format("%,.1f ms", fresh),
          String.format("%,d meters, %,d reminders pending; %,d scrapes during the run", registry.getMeters().size(),
              nudge.pendingReminders(), scrapesInRun));
      figure("scrape, fresh snapshot and held count (" + what + ")", String.format("%,.1f ms", held),
          "the held reminders are counted once a minute: a walk over every user of the in-memory store");
    }

    private double timedScrape() {
      long start = System.nanoTime();
      scrape();
      return (System.nanoTime() - start) / 1e6;
    }

    /** After a fresh snapshot: the binder's view agrees with the statistics, every reminder sent and timed. */
    void verify(String what, int users) {
      scrape();
      double sent = registry.get("nudge.outcomes").tag("outcome", "SENT").functionCounters().stream()
          .mapToDouble(FunctionCounter::count).sum();
      long timed = registry.get("nudge.send.latency").timers().stream().mapToLong(Timer::count).sum();
      check(what + " metrics", sent == users && timed == users,
          String.format("nudge.outcomes SENT %,.0f, nudge.send.latency count %,d; expected %,d", sent, timed, users));
    }

    @Override
    public void close() {
      scraper.shutdownNow();
      binder.close();
    }
  }


  // ---- the workload --------------------------------------------------------------------------

  /**
   * An engine with the default store, the in-memory one, reading time from {@code clock}; it only
   * tracks, so its transport never sends.
   */
  private static Nudge engine(TestClock clock) {
    return engine(clock, null);
  }

  /** As {@link #engine(TestClock)}, with the metrics binder registered when {@code metrics} is given. */
  private static Nudge engine(TestClock clock, Metrics metrics) {
    Nudge.Builder builder = Nudge.builder().clock(clock).transport(new Workload.NoopTransport(Platform.IOS));
    Nudge nudge = (metrics != null ? builder.listener(metrics.binder) : builder).build();
    nudge.define(Workload.campaign());
    return nudge;
  }

  private static Event purchase(String user, int i) {
    return Event.named("purchase").user(user).property("cart_id", "c" + i).build();
  }

  private static String token(Platform platform, int i) {
    String hex = String.format("%064x", (long) i * 0x9E3779B97F4A7C15L);
    return platform == Platform.IOS ? hex : "fcm-" + hex + ":APA91b" + hex;
  }

  private static long pendingOf(CampaignStats stats) {
    StepStats t = stats.total();
    return t.scheduled() - t.restarted() - t.cancelled() - t.suppressedTotal() - t.expired() - t.sent()
        - t.failed();
  }

  // ---- output --------------------------------------------------------------------------------

  private void printJvm() {
    Runtime rt = Runtime.getRuntime();
    List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
    String gcs = ManagementFactory.getGarbageCollectorMXBeans().stream()
        .map(GarbageCollectorMXBean::getName).collect(Collectors.joining(", "));
    System.out.println("Nudge benchmarks (in-memory store, TestClock)");
    System.out.printf("  JVM      %s %s (%s), %d CPUs%n", System.getProperty("java.vm.name"),
        System.getProperty("java.runtime.version"), System.getProperty("os.arch"), rt.availableProcessors());
    System.out.printf("  heap     max %,d MiB; collectors: %s%n", rt.maxMemory() >> 20, gcs);
    System.out.printf("  JVM args %s%n", args.isEmpty() ? "(none)" : String.join(" ", args));
    System.out.printf("  options  %s%n%n", options);
  }

  private void printFigures() {
    if (figures.isEmpty()) {
      return;
    }
    int name = "figure".length();
    int value = "value".length();
    int setup = "setup".length();
    for (Map.Entry<String, String[]> f : figures.entrySet()) {
      name = Math.max(name, f.getKey().length());
      value = Math.max(value, f.getValue()[0].length());
      setup = Math.max(setup, f.getValue()[1].length());
    }
    String format = "  %-" + name + "s  %" + value + "s  %s%n";
    System.out.println();
    System.out.printf(format, "figure", "value", "setup");
    System.out.println("  " + "-".repeat(name + value + setup + 4));
    figures.forEach((k, v) -> System.out.printf(format, k, v[0], v[1]));
    System.out.println();
    checks.forEach(c -> System.out.println("  " + c));
  }

  private void figure(String name, String value, String setup) {
    figures.put(name, new String[] {value, setup});
  }

  private void check(String what, boolean ok, String detail) {
    checks.add((ok ? "check ok    " : "CHECK FAILED ") + what + ": " + detail);
  }

  private static void progress(String format, Object... args) {
    System.out.printf("  .. " + format + "%n", args);
  }

  /** Command-line options, each defaulting to a {@code bench.NAME} system property. */
  private static final class Options {
    int users = intProperty("users", 200_000);
    int warmup = intProperty("warmup", 50_000);
    int threads = intProperty("threads", Math.max(2, Runtime.getRuntime().availableProcessors()));
    int pending = intProperty("pending", 1_000_000);
    int resolve = intProperty("resolve", 200_000);
    Set<String> only = Set.of(System.getProperty("bench.only", "track,heap,resolve").split(","));
    String metrics = System.getProperty("bench.metrics", "off");
    int rounds = 0; // 0: the default, 1, or 2 with --metrics both

    static Options parse(String[] args) {
      Options o = new Options();
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        if (arg.equals("--help") || arg.equals("-h")) {
          System.out.println("options: --users N --warmup N --threads N --pending N --resolve N --only track,heap,resolve"
              + " --metrics off|on|both --rounds N");
          System.exit(0);
        }
        if (!arg.startsWith("--") || i + 1 >= args.length) {
          throw new IllegalArgumentException("argument '" + arg + "' is not an option with a value; "
              + "use --users N, --warmup N, --threads N, --pending N, --resolve N, --only LIST, --metrics M or --rounds N");
        }
        String value = args[++i];
        switch (arg) {
          case "--users" -> o.users = positive(arg, value);
          case "--warmup" -> o.warmup = positive(arg, value);
          case "--threads" -> o.threads = positive(arg, value);
          case "--pending" -> o.pending = positive(arg, value);
          case "--resolve" -> o.resolve = positive(arg, value);
          case "--only" -> o.only = Set.copyOf(Arrays.asList(value.split(",")));
          case "--metrics" -> o.metrics = value;
          case "--rounds" -> o.rounds = positive(arg, value);
          default -> throw new IllegalArgumentException("unknown option " + arg
              + "; use --users, --warmup, --threads, --pending, --resolve, --only, --metrics or --rounds");
        }
      }
      if (!Set.of("off", "on", "both").contains(o.metrics)) {
        throw new IllegalArgumentException("--metrics is '" + o.metrics + "'; use off, on or both");
      }
      if (o.rounds == 0) {
        String r = System.getProperty("bench.rounds");
        o.rounds = r != null ? positive("-Dbench.rounds", r) : o.metrics.equals("both") ? 2 : 1;
      }
      for (String figure : o.only) {
        if (!Set.of("track", "heap", "resolve").contains(figure)) {
          throw new IllegalArgumentException("--only names '" + figure + "'; use track, heap and/or resolve");
        }
      }
      return o;
    }

    boolean runs(String figure) {
      return only.contains(figure);
    }

    private static int intProperty(String name, int fallback) {
      String v = System.getProperty("bench." + name);
      return v == null ? fallback : positive("-Dbench." + name, v);
    }

    private static int positive(String option, String value) {
      try {
        int n = Integer.parseInt(value.replace("_", "").replace(",", ""));
        if (n > 0) {
          return n;
        }
      } catch (NumberFormatException e) {
        // reported below, with the option's name
      }
      throw new IllegalArgumentException(option + " is '" + value + "'; give a positive whole number");
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "users %d, warmup %d, threads %d, pending %d, resolve %d, only %s, metrics %s,"
          + " rounds %d", users, warmup, threads, pending, resolve, String.join(",", new TreeSet<>(only)), metrics, rounds);
    }
  }
}
