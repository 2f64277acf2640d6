/*
 * Run from the repository root (PostgreSQL as in DEVELOPERS.md, or pass --pg-url):
 *
 *   mvn -B -q install -DskipTests
 *   mvn -B -q -pl benchmarks dependency:build-classpath -DincludeScope=runtime \
 *       -Dmdep.outputFile=target/classpath.txt
 *   java -Xms4g -Xmx4g -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" \
 *       dev.nudge.benchmarks.JdbcBench
 *
 * Options, defaults in brackets:
 *   --db LIST        h2 (a file in a temporary folder), postgres                  [h2,postgres]
 *   --users N        users tracked: a cart_add each, a purchase for half           [100000]
 *   --threads N      host threads calling track()                                  [16]
 *   --resolve N      due reminders resolved by one runDue() (10 per user)          [50000]
 *   --committers N   JdbcStore committer threads                                 [the store default]
 *   --batch N        JdbcStore maxBatchSize (units per group-commit transaction)  [the store default]
 *   --claim N        engine claimBatchSize (reminders per claim)               [the engine default]
 *   --pg-url URL     PostgreSQL JDBC URL         [jdbc:postgresql://127.0.0.1:5432/test?user=postgres]
 */
package dev.nudge.benchmarks;

import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.Platform;
import dev.nudge.StepStats;
import dev.nudge.TrackResult;
import dev.nudge.core.Nudge;
import dev.nudge.store.jdbc.JdbcStore;
import dev.nudge.testing.TestClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.h2.jdbcx.JdbcConnectionPool;
import org.postgresql.ds.PGConnectionPoolDataSource;

/**
 * The JDBC store's figures: events tracked per second with group commit (each event scheduling or
 * cancelling a reminder, from many host threads) and due reminders claimed and resolved per
 * second, on an H2 file and on PostgreSQL. A plain {@code main}, one timed run after a warm-up.
 */
public final class JdbcBench {
  private static final Instant START = Instant.parse("2026-03-02T10:00:00Z");

  private final List<String> databases = new ArrayList<>(List.of("h2", "postgres"));
  private int users = 100_000;
  private int threads = 16;
  private int resolve = 50_000;
  private int committers = 0;
  private int maxBatch = 0;
  private int claim = 0;
  private String pgUrl = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
  private final List<String> figures = new ArrayList<>();

  /** Runs the figures for each database and prints them. */
  public static void main(String[] args) throws Exception {
    JdbcBench bench = new JdbcBench();
    for (int i = 0; i < args.length; i += 2) {
      String value = i + 1 < args.length ? args[i + 1] : "";
      switch (args[i]) {
        case "--db" -> {
          bench.databases.clear();
          bench.databases.addAll(List.of(value.split(",")));
        }
        case "--users" -> bench.users = Integer.parseInt(value);
        case "--threads" -> bench.threads = Integer.parseInt(value);
        case "--resolve" -> bench.resolve = Integer.parseInt(value);
        case "--committers" -> bench.committers = Integer.parseInt(value);
        case "--batch" -> bench.maxBatch = Integer.parseInt(value);
        case "--claim" -> bench.claim = Integer.parseInt(value);
        case "--pg-url" -> bench.pgUrl = value;
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + "; options: --db h2,postgres --users N --threads N --resolve N --committers N --batch N --claim N --pg-url URL");
      }
    }
    Workload.printJvm();
    for (String db : bench.databases) {
      bench.run(db);
    }
    System.out.println();
    bench.figures.forEach(System.out::println);
  }

  private void run(String db) throws Exception {
    Path dir = Files.createTempDirectory("nudge-bench");
    PGConnectionPoolDataSource pg = new PGConnectionPoolDataSource();
    pg.setURL(pgUrl);
    int[] n = {0};
    List<JdbcConnectionPool> pools = new ArrayList<>();
    // A fresh, empty store per run: a new H2 file, or freshly created PostgreSQL tables.
    Supplier<JdbcStore> stores = () -> {
      n[0]++;
      JdbcStore.Builder b;
      if (db.equals("h2")) {
        b = JdbcStore.builder(dir.resolve("bench-" + n[0]));
      } else {
        JdbcConnectionPool pool = JdbcConnectionPool.create(pg);
        pool.setMaxConnections(64);
        pools.forEach(JdbcConnectionPool::dispose); // the previous run's store is closed by now
        pools.add(pool);
        Workload.dropTables(pool, "nbench_");
        b = JdbcStore.builder(pool).tablePrefix("nbench_");
      }
      if (committers > 0) {
        b.committers(committers);
      }
      if (maxBatch > 0) {
        b.maxBatchSize(maxBatch);
      }
      return b.build();
    };
    try {
      progress("%s: track warm-up", db);
      track(db, stores, users / 4, false);
      progress("%s: track %,d users from %d threads", db, users, threads);
      track(db, stores, users, true);
      progress("%s: resolve warm-up", db);
      resolve(db, stores, Math.max(1000, resolve / 5), false);
      progress("%s: resolve %,d due reminders", db, resolve);
      resolve(db, stores, resolve, true);
    } finally {
      pools.forEach(JdbcConnectionPool::dispose);
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  // ---- events tracked per second -------------------------------------------------------------

  private void track(String db, Supplier<JdbcStore> stores, int userCount, boolean report) throws Exception {
    TestClock clock = new TestClock(START);
    try (Nudge nudge = Nudge.builder().clock(clock).store(stores.get())
        .transport(new Workload.NoopTransport(Platform.IOS)).build()) { // tracks only: nothing is sent
      nudge.define(Workload.campaign());
      List<List<Event>> work = workload(userCount);
      int events = work.stream().mapToInt(List::size).sum();
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      long start = System.nanoTime();
      long[] total = new long[2];
      try {
        List<Future<long[]>> results = new ArrayList<>();
        for (List<Event> list : work) {
          results.add(pool.submit(() -> Workload.trackInBatches(nudge, list)));
        }
        for (Future<long[]> f : results) {
          long[] r = f.get();
          total[0] += r[0];
          total[1] += r[1];
        }
      } finally {
        pool.shutdownNow();
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      StepStats s = nudge.stats(Workload.CAMPAIGN).total();
      boolean ok = total[0] == userCount && total[1] == (userCount + 1) / 2 && s.scheduled() == userCount
          && nudge.pendingReminders() == userCount / 2;
      if (report) {
        figures.add(String.format("%-8s events tracked per second: %,9.0f /s  (%,d events: cart_add per user,"
            + " purchase for half; %d threads, %.2f s)%s", db, events / seconds, events, threads, seconds, ok ? "" : "  CHECK FAILED: scheduled " + total[0] + " cancelled " + total[1]));
      }
    }
  }
  private List<List<Event>> workload(int userCount) {
    List<List<Event>> work = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      work.add(new ArrayList<>());
    }
    for (int chunk = 0; chunk < userCount; chunk += Workload.BATCH * threads) {
      for (int i = chunk; i < Math.min(userCount, chunk + Workload.BATCH * threads); i++) {
        work.get(i % threads).add(Workload.cartAdd("u" + i, i, START.plusMillis(i)));
      }
      for (int i = chunk; i < Math.min(userCount, chunk + Workload.BATCH * threads); i += 2) {
        work.get(i % threads).add(Event.named("purchase").user("u" + i).property("cart_id", "c" + i)
            .at(START.plusMillis(userCount + i)).build());
      }
    }
    return work;
  }

  // ---- reminders claimed and resolved per second ---------------------------------------------

  private void resolve(String db, Supplier<JdbcStore> stores, int reminders, boolean report) throws Exception {
    TestClock clock = new TestClock(START);
    Workload.NoopTransport ios = new Workload.NoopTransport(Platform.IOS);
    int userCount = Math.max(1, reminders / 10);
    Nudge.Builder builder = Nudge.builder().clock(clock).transport(ios).store(stores.get());
    if (claim > 0) {
      builder.claimBatchSize(claim);
    }
    try (Nudge nudge = builder.build()) {
      nudge.define(Workload.campaign());
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int thread = t;
          done.add(pool.submit(() -> {
            List<CompletableFuture<TrackResult>> inFlight = new ArrayList<>();
            for (int u = thread; u < userCount; u += threads) {
              String user = "r" + u;
              nudge.registerDevice(Device.of(user, Platform.IOS, String.format("%064x", u * 0x9E3779B97F4A7C15L))
                  .locale("en-US").build());
              for (int k = 0; k < 10; k++) {
                int i = u * 10 + k;
                if (i < reminders) {
                  inFlight.add(nudge.track(Workload.cartAdd(user, i, START.plusMillis(i))));
                }
              }
            }
            inFlight.forEach(CompletableFuture::join);
            return null;
          }));
        }
        for (Future<?> f : done) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
      }
      clock.set(START.plusMillis(reminders).plus(Duration.ofHours(2)).plusSeconds(1));
      long start = System.nanoTime();
      int resolved = nudge.runDue().join();
      double seconds = (System.nanoTime() - start) / 1e9;
      StepStats s = nudge.stats(Workload.CAMPAIGN).step(0);
      boolean ok = resolved == reminders && s.sent() == reminders && ios.sends() == reminders;
      if (report) {
        figures.add(String.format("%-8s reminders claimed+resolved per second: %,9.0f /s  (%,d due reminders of"
            + " %,d users, one device each, no-op transport, %.2f s)%s", db, resolved / seconds, resolved, userCount,
            seconds, ok ? "" : "  CHECK FAILED: resolved " + resolved + " sent " + s.sent()));
      }
    }
  }


  // ---- the workload --------------------------------------------------------------------------



  private static void progress(String format, Object... args) {
    System.out.printf("  " + format + "%n", args);
  }
}
