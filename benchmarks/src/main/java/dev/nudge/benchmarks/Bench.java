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
 *
 * e.g. ... dev.nudge.benchmarks.Bench --pending 100000 --only heap
 */
package dev.nudge.benchmarks;

import dev.nudge.CampaignStats;
import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.Platform;
import dev.nudge.StepStats;
import dev.nudge.TrackResult;
import dev.nudge.core.Nudge;
import dev.nudge.testing.TestClock;
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

  // ---- (a) events tracked per second ---------------------------------------------------------

  private void trackThroughput() throws Exception {
    int threads = options.threads;
    progress("track: warm-up with %,d users on a throw-away engine", options.warmup);
    try (Nudge warm = engine(new TestClock(Instant.parse(START)))) {
      runOnThreads(warm, workload("w", options.warmup, threads));
    }

    int users = options.users;
    List<List<Event>> work = workload("u", users, threads);
    int events = work.stream().mapToInt(List::size).sum();
    progress("track: %,d users (%,d events) from %d threads", users, events, threads);
    try (Nudge nudge = engine(new TestClock(Instant.parse(START)))) {
      long start = System.nanoTime();
      long[] counted = runOnThreads(nudge, work);
      double seconds = (System.nanoTime() - start) / 1e9;
      figure("events tracked per second", String.format("%,.0f /s", events / seconds),
          String.format("%,d users: cart_add each, purchase for half (%,d events), %d threads, %.2f s",
              users, events, threads, seconds));
      StepStats s = nudge.stats(Workload.CAMPAIGN).total();
      check("track", s.scheduled() == users && s.cancelled() == (users + 1) / 2
              && counted[0] == users && counted[1] == (users + 1) / 2,
          String.format("scheduled %,d (stats) / %,d (TrackResult), cancelled %,d / %,d; expected %,d and %,d",
              s.scheduled(), counted[0], s.cancelled(), counted[1], users, (users + 1) / 2));
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
    resolveOnce(Math.max(1, options.resolve / 10), false);
    progress("resolve: %,d users with one device each", options.resolve);
    resolveOnce(options.resolve, true);
  }

  private void resolveOnce(int users, boolean report) {
    TestClock clock = new TestClock(Instant.parse(START));
    Workload.NoopTransport ios = new Workload.NoopTransport(Platform.IOS);
    Workload.NoopTransport android = new Workload.NoopTransport(Platform.ANDROID);
    try (Nudge nudge = Nudge.builder().clock(clock)
        .transport(ios).transport(android).build()) {
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
        figure("reminders resolved per second", String.format("%,.0f /s", resolved / seconds),
            String.format("%,d due reminders, one device each, accepting no-op transport, %.2f s",
                resolved, seconds));
        StepStats s = nudge.stats(Workload.CAMPAIGN).step(0);
        long sends = ios.sends() + android.sends();
        check("resolve", resolved == users && s.sent() == users && s.acceptedTotal() == users && sends == users,
            String.format("runDue resolved %,d, stats sent %,d accepted %,d, transports got %,d; expected %,d",
                resolved, s.sent(), s.acceptedTotal(), sends, users));
      }
    }
  }


  // ---- the workload --------------------------------------------------------------------------

  /**
   * An engine with the default store, the in-memory one, reading time from {@code clock}; it only
   * tracks, so its transport never sends.
   */
  private static Nudge engine(TestClock clock) {
    Nudge nudge = Nudge.builder().clock(clock).transport(new Workload.NoopTransport(Platform.IOS)).build();
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

    static Options parse(String[] args) {
      Options o = new Options();
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        if (arg.equals("--help") || arg.equals("-h")) {
          System.out.println("options: --users N --warmup N --threads N --pending N --resolve N --only track,heap,resolve");
          System.exit(0);
        }
        if (!arg.startsWith("--") || i + 1 >= args.length) {
          throw new IllegalArgumentException("argument '" + arg + "' is not an option with a value; "
              + "use --users N, --warmup N, --threads N, --pending N, --resolve N or --only LIST");
        }
        String value = args[++i];
        switch (arg) {
          case "--users" -> o.users = positive(arg, value);
          case "--warmup" -> o.warmup = positive(arg, value);
          case "--threads" -> o.threads = positive(arg, value);
          case "--pending" -> o.pending = positive(arg, value);
          case "--resolve" -> o.resolve = positive(arg, value);
          case "--only" -> o.only = Set.copyOf(Arrays.asList(value.split(",")));
          default -> throw new IllegalArgumentException("unknown option " + arg
              + "; use --users, --warmup, --threads, --pending, --resolve or --only");
        }
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
      return String.format(Locale.ROOT, "users %d, warmup %d, threads %d, pending %d, resolve %d, only %s",
          users, warmup, threads, pending, resolve, String.join(",", new TreeSet<>(only)));
    }
  }
}
