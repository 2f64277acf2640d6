/*
 * Nudge's JDBC store next to the do-it-yourself baseline (db-scheduler, one one-time task per
 * reminder), same workload, same run. From the repository root, without installing anything:
 *
 *   mvn -B -q -pl benchmarks -am package dependency:build-classpath -DskipTests \
 *       -DincludeScope=runtime -Dmdep.outputFile=target/classpath.txt
 *   java -Xms2g -Xmx2g -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" \
 *       dev.nudge.benchmarks.JdbcVsBaselineBench
 *
 * (In a reactor build the Nudge modules on that classpath are the reactor's own jars.)
 *
 * Options, defaults in brackets:
 *   --db LIST        h2 (files in a temporary folder), postgres                   [h2,postgres]
 *   --users N        users: a cart_add each, a purchase for half                    [40000]
 *   --threads N      host threads calling track() / the SchedulerClient             [16]
 *   --fire N         due reminders fired (10 per user, one device each)             [20000]
 *   --rounds N       measured rounds after a full-size warm-up; the best is kept    [2]
 *   --pg-url URL     PostgreSQL JDBC URL         [jdbc:postgresql://127.0.0.1:5432/test?user=postgres]
 */
package dev.nudge.benchmarks;

import com.github.kagkarlsson.scheduler.task.TaskInstance;
import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.Platform;
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
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcConnectionPool;
import org.postgresql.ds.PGConnectionPoolDataSource;

/**
 * Ingest and firing, Nudge on the JDBC store against {@link DbSchedulerBaseline}, on an H2 file
 * and on PostgreSQL: events per second (each scheduling or cancelling one reminder; Nudge with
 * group commit, the baseline with one {@code SchedulerClient} call per event) and due reminders
 * fired per second (Nudge: claimed and resolved by one {@code runDue()}; the baseline: executed by
 * a started {@code Scheduler}), each side the best of {@code --rounds} rounds after a full-size
 * warm-up round, printed with the ratio Nudge / baseline. A plain {@code main}.
 */
public final class JdbcVsBaselineBench {
  private static final Instant START = Instant.parse("2026-03-02T10:00:00Z");
  private static final Duration DELAY = Duration.ofHours(2);
  private static final int CHUNK = 500;
  private static final String PREFIX = "nvb_";
  private static final String BASELINE_TABLE = "nvb_scheduled_tasks";

  private final List<String> databases = new ArrayList<>(List.of("h2", "postgres"));
  private int users = 40_000;
  private int threads = 16;
  private int fire = 20_000;
  private int rounds = 2;
  private String pgUrl = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
  private final List<String> figures = new ArrayList<>();
  private Path dir;
  private int files;

  /** Runs the comparison on each database and prints the figures. */
  public static void main(String[] args) throws Exception {
    JdbcVsBaselineBench bench = new JdbcVsBaselineBench();
    for (int i = 0; i < args.length; i += 2) {
      String value = i + 1 < args.length ? args[i + 1] : "";
      switch (args[i]) {
        case "--db" -> {
          bench.databases.clear();
          bench.databases.addAll(List.of(value.split(",")));
        }
        case "--users" -> bench.users = Integer.parseInt(value);
        case "--threads" -> bench.threads = Integer.parseInt(value);
        case "--fire" -> bench.fire = Integer.parseInt(value);
        case "--rounds" -> bench.rounds = Integer.parseInt(value);
        case "--pg-url" -> bench.pgUrl = value;
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + "; options: --db h2,postgres --users N --threads N --fire N --rounds N --pg-url URL");
      }
    }
    Workload.printJvm();
    bench.dir = Files.createTempDirectory("nudge-vs-baseline");
    try {
      for (String db : bench.databases) {
        bench.run(db);
      }
    } finally {
      try (Stream<Path> paths = Files.walk(bench.dir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    System.out.println();
    bench.figures.forEach(System.out::println);
  }

  private void run(String db) throws Exception {
    // A full-size warm-up round first: on two cores the JIT compiler otherwise competes with the
    // measured code for most of a short run (C2 spent half a core compiling during early runs).
    progress("%s: warm-up", db);
    nudgeTrack(db, users);
    baselineTrack(db, users);
    nudgeFire(db, fire);
    baselineFire(db, fire, false);
    double nudgeEvents = 0;
    double baselineEvents = 0;
    double nudgeFired = 0;
    double baselineFired = 0;
    for (int round = 1; round <= rounds; round++) {
      progress("%s: round %d of %d: events, %,d users from %d threads", db, round, rounds, users, threads);
      nudgeEvents = Math.max(nudgeEvents, reported("Nudge events/s", nudgeTrack(db, users)));
      baselineEvents = Math.max(baselineEvents, reported("db-scheduler events/s", baselineTrack(db, users)));
      progress("%s: round %d of %d: firing %,d due reminders", db, round, rounds, fire);
      nudgeFired = Math.max(nudgeFired, reported("Nudge fired/s", nudgeFire(db, fire)));
      baselineFired = Math.max(baselineFired, reported("db-scheduler fired/s", baselineFire(db, fire, false)));
    }
    int events = users + (users + 1) / 2;
    figures.add(String.format("%-8s events/s (schedule or cancel one reminder; %,d events, %d threads):"
        + " Nudge %,8.0f   db-scheduler %,8.0f   ratio %5.1fx", db, events, threads, nudgeEvents, baselineEvents,
        nudgeEvents / baselineEvents));
    figures.add(String.format("%-8s fired/s  (%,d due reminders, no-op send):"
        + "                     Nudge %,8.0f   db-scheduler %,8.0f   ratio %5.1fx", db, fire, nudgeFired,
        baselineFired, nudgeFired / baselineFired));
    if (db.equals("postgres")) {
      progress("%s: firing with db-scheduler's lock-and-fetch polling", db);
      baselineFire(db, fire, true);
      double lockAndFetch = 0;
      for (int round = 1; round <= rounds; round++) {
        lockAndFetch = Math.max(lockAndFetch, reported("db-scheduler lock-and-fetch fired/s", baselineFire(db, fire, true)));
      }
      figures.add(String.format("%-8s fired/s  (same, db-scheduler polling with lock-and-fetch 1.0, 4.0):"
          + "       Nudge %,8.0f   db-scheduler %,8.0f   ratio %5.1fx", db, nudgeFired, lockAndFetch,
          nudgeFired / lockAndFetch));
    }
  }

  /** Prints one round's figure and returns it. */
  private static double reported(String what, double perSecond) {
    progress("    %s %,.0f", what, perSecond);
    return perSecond;
  }

  // ---- data sources: a fresh H2 file each time, or one PostgreSQL pool per measurement ---------

  private DataSource database(String db) {
    JdbcConnectionPool pool;
    if (db.equals("h2")) {
      // The durability of JdbcStore.h2(file): every commit written to the file before it returns.
      pool = JdbcConnectionPool.create("jdbc:h2:file:" + dir.resolve("baseline-" + ++files)
          + ";WRITE_DELAY=0;LOCK_TIMEOUT=10000", "sa", "");
    } else {
      PGConnectionPoolDataSource pg = new PGConnectionPoolDataSource();
      pg.setURL(pgUrl);
      pool = JdbcConnectionPool.create(pg);
    }
    pool.setMaxConnections(64);
    return pool;
  }

  private JdbcStore nudgeStore(String db, DataSource pool) {
    if (db.equals("h2")) {
      return JdbcStore.h2(dir.resolve("nudge-" + ++files));
    }
    Workload.dropTables(pool, PREFIX);
    return JdbcStore.builder(pool).tablePrefix(PREFIX).build();
  }

  private static void dispose(DataSource ds) {
    ((JdbcConnectionPool) ds).dispose();
  }

  // ---- ingest ---------------------------------------------------------------------------------

  /** Events per second into Nudge: a cart_add per user, then a purchase for every other user. */
  private double nudgeTrack(String db, int userCount) throws Exception {
    DataSource pool = database(db);
    try (Nudge nudge = Nudge.builder().clock(new TestClock(START)).store(nudgeStore(db, pool))
        .transport(new Workload.NoopTransport(Platform.IOS)).build()) { // tracks only: nothing is sent
      nudge.define(Workload.campaign());
      LongAdder scheduled = new LongAdder();
      LongAdder cancelled = new LongAdder();
      double seconds = onThreads(userCount, (from, to) -> {
        List<CompletableFuture<TrackResult>> inFlight = new ArrayList<>(CHUNK * 2);
        for (int i = from; i < to; i++) {
          inFlight.add(nudge.track(cartAdd("u" + i, i)));
        }
        for (int i = from; i < to; i += 2) {
          inFlight.add(nudge.track(Event.named("purchase").user("u" + i).property("cart_id", "c" + i)
              .at(START.plusMillis(userCount + i)).build()));
        }
        for (CompletableFuture<TrackResult> f : inFlight) {
          TrackResult r = f.join();
          scheduled.add(r.scheduled());
          cancelled.add(r.cancelled());
        }
      });
      check(scheduled.sum() == userCount && cancelled.sum() == (userCount + 1) / 2
          && nudge.pendingReminders() == userCount / 2, "Nudge tracked: scheduled " + scheduled + ", cancelled "
          + cancelled + ", pending " + nudge.pendingReminders());
      return (userCount + (userCount + 1) / 2) / seconds;
    } finally {
      dispose(pool);
    }
  }

  /** The same events through db-scheduler: schedule a task instance per cart, cancel it on purchase. */
  private double baselineTrack(String db, int userCount) throws Exception {
    DataSource pool = database(db);
    try {
      DbSchedulerBaseline baseline = new DbSchedulerBaseline(pool, db, BASELINE_TABLE);
      double seconds = onThreads(userCount, (from, to) -> {
        for (int i = from; i < to; i++) {
          baseline.cartAdded("u" + i, "c" + i, Workload.item(i), START.plusMillis(i).plus(DELAY));
        }
        for (int i = from; i < to; i += 2) {
          baseline.purchased("u" + i, "c" + i);
        }
      });
      check(baseline.remaining() == userCount / 2, "db-scheduler left " + baseline.remaining() + " task instances");
      baseline.dropTable();
      return (userCount + (userCount + 1) / 2) / seconds;
    } finally {
      dispose(pool);
    }
  }

  @FunctionalInterface
  private interface Slice {
    void run(int from, int to);
  }

  /** Runs chunks of {@link #CHUNK} users on {@link #threads} threads; the seconds it took. */
  private double onThreads(int userCount, Slice slice) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      long start = System.nanoTime();
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          for (int from = thread * CHUNK; from < userCount; from += threads * CHUNK) {
            slice.run(from, Math.min(userCount, from + CHUNK));
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
      return (System.nanoTime() - start) / 1e9;
    } finally {
      pool.shutdownNow();
    }
  }

  // ---- firing ---------------------------------------------------------------------------------

  /** Due reminders claimed and resolved per second by one runDue() (no-op transport). */
  private double nudgeFire(String db, int reminders) throws Exception {
    DataSource pool = database(db);
    TestClock clock = new TestClock(START);
    Workload.NoopTransport sent = new Workload.NoopTransport(Platform.IOS);
    try (Nudge nudge = Nudge.builder().clock(clock).store(nudgeStore(db, pool)).transport(sent)
        .build()) {
      nudge.define(Workload.campaign());
      int userCount = Math.max(1, reminders / 10);
      onThreads(userCount, (from, to) -> {
        List<CompletableFuture<TrackResult>> inFlight = new ArrayList<>();
        for (int u = from; u < to; u++) {
          nudge.registerDevice(Device.of("r" + u, Platform.IOS, String.format("%064x", u * 0x9E3779B97F4A7C15L))
              .build());
          for (int k = 0; k < 10 && u * 10 + k < reminders; k++) {
            inFlight.add(nudge.track(cartAdd("r" + u, u * 10 + k)));
          }
        }
        inFlight.forEach(CompletableFuture::join);
      });
      clock.set(START.plusMillis(reminders).plus(DELAY).plusSeconds(1));
      long start = System.nanoTime();
      int resolved = nudge.runDue().join();
      double seconds = (System.nanoTime() - start) / 1e9;
      check(resolved == reminders && sent.sends() == reminders, "Nudge resolved " + resolved + ", sent " + sent.sends());
      return reminders / seconds;
    } finally {
      dispose(pool);
    }
  }

  /** Due task instances executed per second by a started db-scheduler Scheduler. */
  private double baselineFire(String db, int reminders, boolean lockAndFetch) throws Exception {
    DataSource pool = database(db);
    try {
      DbSchedulerBaseline baseline = new DbSchedulerBaseline(pool, db, BASELINE_TABLE);
      Instant due = Instant.now().minusSeconds(60);
      List<TaskInstance<?>> batch = new ArrayList<>(1_000);
      for (int i = 0; i < reminders; i++) {
        batch.add(baseline.instance("r" + i / 10, "c" + i, Workload.item(i)));
        if (batch.size() == 1_000 || i == reminders - 1) {
          baseline.scheduleDue(batch, due);
          batch.clear();
        }
      }
      // db-scheduler's default 10 executor threads; a short polling interval, as all are due at once.
      double seconds = baseline.fire(reminders, 10, Duration.ofMillis(500), lockAndFetch);
      check(baseline.executed() == reminders && baseline.remaining() == 0,
          "db-scheduler executed " + baseline.executed() + ", left " + baseline.remaining());
      baseline.dropTable();
      return reminders / seconds;
    } finally {
      dispose(pool);
    }
  }

  // ---- the workload (Workload) ---------------------------------------------------------------

  private static Event cartAdd(String user, int i) {
    return Workload.cartAdd(user, i, START.plusMillis(i));
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException("check failed: " + what);
    }
  }

  private static void progress(String format, Object... args) {
    System.out.printf("  " + format + "%n", args);
  }
}
