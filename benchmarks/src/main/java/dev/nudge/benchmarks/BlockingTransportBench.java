/*
 * Run from the repository root:
 *
 *   mvn -B -q install -DskipTests
 *   mvn -B -q -pl benchmarks dependency:build-classpath -DincludeScope=runtime \
 *       -Dmdep.outputFile=target/classpath.txt
 *   java -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" \
 *       dev.nudge.benchmarks.BlockingTransportBench
 *
 * Options, defaults in brackets:
 *   --reminders N   due reminders resolved by one runDue(), one user and one device each  [600]
 *   --block-ms N    how long the transport blocks the calling thread per send             [5]
 *   --threads LIST  the engine's threads(n) to compare; ratios are to the first           [2,8]
 *   --rounds N      measured rounds per setting after one warm-up run; the best is kept   [3]
 *
 * e.g. ... dev.nudge.benchmarks.BlockingTransportBench --threads 2,8,16 --rounds 5
 */
package dev.nudge.benchmarks;

import dev.nudge.Device;
import dev.nudge.Platform;
import dev.nudge.StepStats;
import dev.nudge.TrackResult;
import dev.nudge.core.Nudge;
import dev.nudge.spi.RenderedNotification;
import dev.nudge.spi.SendResult;
import dev.nudge.spi.Transport;
import dev.nudge.store.jdbc.JdbcStore;
import dev.nudge.testing.TestClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * How delivery scales with the engine's {@code threads(n)} when the host's transport blocks, as a
 * transport written with a blocking HTTP client does: due reminders on an H2 file store, resolved
 * by one timed {@code runDue()}, with a transport that holds the calling thread {@code --block-ms}
 * per send. Each setting of {@code threads} gets a fresh store per round and keeps its best round;
 * the figures are printed side by side with the ratio to the first setting, the peak number of
 * sends blocked at once, and the threads that called {@code send} (by name, without the number),
 * which says who carries the sends. Issue 12 asks that {@code threads(8)} send at least 2.5x as
 * many per second as {@code threads(2)}: with delivery workers of its own, each blocked send
 * occupies one of them, so more workers send more. A plain {@code main}, noisy on a busy machine.
 */
public final class BlockingTransportBench {
  private static final Instant START = Instant.parse("2026-03-02T10:00:00Z");
  private static final double TARGET_RATIO = 2.5;

  private int reminders = 600;
  private int blockMs = 5;
  private List<Integer> threadCounts = List.of(2, 8);
  private int rounds = 3;
  private Path dir;
  private int stores;
  private final List<String> failedRounds = new ArrayList<>();

  /** Runs every setting of {@code --threads} for {@code --rounds} rounds and prints the table. */
  public static void main(String[] args) throws Exception {
    BlockingTransportBench bench = parse(args);
    Workload.printJvm();
    System.out.printf("options: reminders %d, block-ms %d, threads %s, rounds %d (H2 file store, TestClock)%n",
        bench.reminders, bench.blockMs, bench.threadCounts.stream().map(String::valueOf)
            .collect(Collectors.joining(",")), bench.rounds);
    bench.dir = Files.createTempDirectory("nudge-blocking-bench");
    try {
      bench.run();
    } finally {
      try (Stream<Path> files = Files.walk(bench.dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private void run() {
    // One untimed run first, so the JIT's first compilations do not land in a measured round.
    progress("warm-up: threads(%d), %,d due reminders", threadCounts.get(0), reminders);
    once(threadCounts.get(0));
    Map<Integer, Round> best = new TreeMap<>();
    Map<Integer, List<Double>> all = new TreeMap<>();
    // Rounds interleave the settings, so a burst of load from elsewhere hurts them alike.
    for (int round = 1; round <= rounds; round++) {
      for (int threads : threadCounts) {
        Round r = once(threads);
        progress("round %d of %d: threads(%d) %,.0f sends/s (%.2f s)", round, rounds, threads, r.perSecond(),
            r.seconds);
        best.merge(threads, r, (a, b) -> a.perSecond() >= b.perSecond() ? a : b);
        all.computeIfAbsent(threads, t -> new ArrayList<>()).add(r.perSecond());
        if (!r.complete(reminders)) {
          failedRounds.add("round " + round + " threads(" + threads + ")");
        }
      }
    }
    print(best, all);
  }

  /** One configuration on a fresh store: schedules the reminders, then times their delivery. */
  private Round once(int threads) {
    TestClock clock = new TestClock(START);
    BlockingTransport transport = new BlockingTransport(Platform.IOS, blockMs);
    JdbcStore store = JdbcStore.h2(dir.resolve("bench-" + ++stores));
    try (Nudge nudge = Nudge.builder().clock(clock).store(store).transport(transport).threads(threads).build()) {
      nudge.define(Workload.campaign());
      List<CompletableFuture<TrackResult>> tracked = new ArrayList<>(reminders);
      for (int i = 0; i < reminders; i++) {
        String user = "b" + i;
        nudge.registerDevice(Device.of(user, Platform.IOS, String.format("%064x", i * 0x9E3779B97F4A7C15L))
            .locale("en-US").build());
        tracked.add(nudge.track(Workload.cartAdd(user, i, null)));
      }
      long scheduled = tracked.stream().mapToLong(f -> f.join().scheduled()).sum();
      clock.advance(Duration.ofHours(2).plusMinutes(1));

      transport.reset(); // only the timed run's sends are counted
      long start = System.nanoTime();
      int resolved = nudge.runDue().join();
      double seconds = (System.nanoTime() - start) / 1e9;
      StepStats s = nudge.stats(Workload.CAMPAIGN).step(0);
      return new Round(threads, seconds, scheduled, resolved, s.sent(), s.acceptedTotal(), transport.sends(),
          transport.peakConcurrent(), transport.callers());
    }
  }

  // ---- output --------------------------------------------------------------------------------

  /** The best round of each setting, side by side; every round's figure too, to show the noise. */
  private void print(Map<Integer, Round> best, Map<Integer, List<Double>> all) {
    Round first = best.get(threadCounts.get(0));
    int roundsWidth = Math.max("every round".length(), 6 * rounds - 1);
    String format = "  %-11s %8s %7s %8s %-" + roundsWidth + "s %14s  %s%n";
    System.out.println();
    System.out.printf(format, "engine", "sends/s", "ratio", "seconds", "every round", "peak in send()",
        "send() called on (thread name prefix: sends)");
    System.out.println("  " + "-".repeat(11 + 8 + 7 + 8 + roundsWidth + 14 + 50));
    for (int threads : threadCounts) {
      Round r = best.get(threads);
      String callers = r.callers.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue())
          .collect(Collectors.joining(", "));
      String every = all.get(threads).stream().map(v -> String.format("%5.0f", v)).collect(Collectors.joining(" "));
      System.out.printf(format, "threads(" + threads + ")", String.format("%,.0f", r.perSecond()),
          String.format("%.2fx", r.perSecond() / first.perSecond()), String.format("%.2f", r.seconds), every,
          r.peakConcurrent, callers);
    }
    System.out.printf("  (best of %d rounds each; %,d due reminders, one device each, transport blocking %d ms per"
        + " send; ratio to threads(%d))%n", rounds, reminders, blockMs, first.threads);
    System.out.println();
    for (int threads : threadCounts) {
      Round r = best.get(threads);
      boolean ok = r.complete(reminders);
      System.out.printf("  %s threads(%d): scheduled %,d, runDue resolved %,d, stats sent %,d accepted %,d,"
          + " transport got %,d; expected %,d each%n", ok ? "check ok    " : "CHECK FAILED", threads, r.scheduled,
          r.resolved, r.statsSent, r.accepted, r.transportSends, reminders);
    }
    System.out.println(failedRounds.isEmpty()
        ? "  check ok     every measured round sent all " + reminders + " reminders"
        : "  CHECK FAILED not every reminder was sent once in " + String.join(", ", failedRounds));
    boolean allOk = failedRounds.isEmpty();
    if (best.containsKey(2) && best.containsKey(8)) {
      double ratio = best.get(8).perSecond() / best.get(2).perSecond();
      System.out.printf("  %s issue 12: threads(8) / threads(2) = %.2fx; at least %.1fx asked%n",
          allOk && ratio >= TARGET_RATIO ? "target met  " : "TARGET NOT MET", ratio, TARGET_RATIO);
    }
  }

  private static void progress(String format, Object... args) {
    System.out.printf("  .. " + format + "%n", args);
  }

  /**
   * One measured run.
   *
   * @param callers sends by the name of the thread that called {@code send}, its number dropped
   */
  private record Round(int threads, double seconds, long scheduled, int resolved, long statsSent, long accepted,
      long transportSends, int peakConcurrent, Map<String, Long> callers) {
    double perSecond() {
      return transportSends / seconds;
    }

    /** Whether every reminder was scheduled, resolved once and sent once, as stats and transport say. */
    boolean complete(int reminders) {
      return scheduled == reminders && resolved == reminders && statsSent == reminders && accepted == reminders
          && transportSends == reminders;
    }
  }

  // ---- the host's transport ------------------------------------------------------------------

  /**
   * A host transport written against a blocking client: {@code send} holds the calling thread for
   * the whole exchange, then returns a completed future. Records who called it and how many sends
   * were blocked at once. Thread-safe.
   */
  private static final class BlockingTransport implements Transport {
    private final Platform platform;
    private final long blockMs;
    private final LongAdder sends = new LongAdder();
    private final AtomicInteger blocked = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();
    private final Map<String, LongAdder> callers = new ConcurrentHashMap<>();

    BlockingTransport(Platform platform, long blockMs) {
      this.platform = platform;
      this.blockMs = blockMs;
    }

    @Override
    public Platform platform() {
      return platform;
    }

    @Override
    public CompletableFuture<SendResult> send(Device device, RenderedNotification notification) {
      callers.computeIfAbsent(prefix(Thread.currentThread().getName()), k -> new LongAdder()).increment();
      peak.accumulateAndGet(blocked.incrementAndGet(), Math::max);
      try {
        Thread.sleep(blockMs); // the blocking HTTP exchange
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return CompletableFuture.failedFuture(e); // outcome unknown: the engine retries it
      } finally {
        blocked.decrementAndGet();
      }
      sends.increment();
      return CompletableFuture.completedFuture(SendResult.accepted(null));
    }

    /** A thread's name without its trailing numbers: {@code nudge-worker-3} is {@code nudge-worker}. */
    private static String prefix(String threadName) {
      String p = threadName.replaceFirst("(-\\d+)+$", "");
      return p.isEmpty() ? threadName : p;
    }

    void reset() {
      sends.reset();
      blocked.set(0);
      peak.set(0);
      callers.clear();
    }

    long sends() {
      return sends.sum();
    }

    int peakConcurrent() {
      return peak.get();
    }

    Map<String, Long> callers() {
      Map<String, Long> out = new TreeMap<>();
      callers.forEach((name, n) -> out.put(name, n.sum()));
      return out;
    }
  }

  // ---- options -------------------------------------------------------------------------------

  private static BlockingTransportBench parse(String[] args) {
    BlockingTransportBench b = new BlockingTransportBench();
    String usage = "options: --reminders N --block-ms N --threads LIST (e.g. 2,8,16) --rounds N";
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) {
        System.out.println(usage);
        System.exit(0);
      }
      if (!arg.startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("argument '" + arg + "' is not an option with a value; " + usage);
      }
      String value = args[++i];
      switch (arg) {
        case "--reminders" -> b.reminders = positive(arg, value);
        case "--block-ms" -> b.blockMs = positive(arg, value);
        case "--threads" -> b.threadCounts = Stream.of(value.split(",")).map(v -> positive(arg, v.trim()))
            .distinct().toList();
        case "--rounds" -> b.rounds = positive(arg, value);
        default -> throw new IllegalArgumentException("unknown option " + arg + "; " + usage);
      }
    }
    return b;
  }

  private static int positive(String option, String value) {
    try {
      int n = Integer.parseInt(value.replace("_", ""));
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below, with the option's name
    }
    throw new IllegalArgumentException(option + " is '" + value + "'; give a positive whole number"
        + (option.equals("--threads") ? " or a comma-separated list of them, e.g. 2,8" : ""));
  }
}
