package dev.nudge.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nudge.Campaign;
import dev.nudge.Event;
import dev.nudge.Message;
import dev.nudge.core.Nudge;
import dev.nudge.spi.NudgeListener;
import dev.nudge.testing.RecordingTransport;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.ds.PGConnectionPoolDataSource;

/**
 * Cluster: three engines, each with its own store and connection pool, share one PostgreSQL
 * database and resolve 100,000 reminders that came due within one minute. Each reminder is sent
 * exactly once (counted per reminder id at the transport) and every engine sends a share. Needs
 * {@code NUDGE_TEST_POSTGRES_URL} (see {@link TestDatabases}).
 *
 * <p>{@code -Dnudge.cluster.reminders=N} runs it with fewer reminders (10 per user) for a quick
 * local check; the default is the full 100,000.
 */
class ClusterTest {
  private static final String PREFIX = "nt_cluster_";
  private static final int REMINDERS = Integer.getInteger("nudge.cluster.reminders", 100_000);
  private static final int CARTS_PER_USER = 10;
  private static final int ENGINES = 3;

  private DataSource database;
  private final List<JdbcConnectionPool> pools = new ArrayList<>();

  static Campaign campaign() {
    return Campaign.named("cluster")
        .triggeredBy("cart_add").correlatedBy("cart_id")
        .after(Duration.ofMinutes(1)).send(Message.of("Still there?", "{{event.item_name}} is in your cart").build())
        .build();
  }

  @AfterEach
  void cleanUp() {
    pools.forEach(JdbcConnectionPool::dispose);
    if (database != null) {
      TestDatabases.dropTables(database, PREFIX);
      TestDatabases.close(database);
    }
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void threeEnginesSendEachDueReminderExactlyOnceAndShareTheWork() {
    database = TestDatabases.postgres(); // skips (locally) or fails (CI) without a server
    TestDatabases.dropTables(database, PREFIX);
    int users = REMINDERS / CARTS_PER_USER;
    long began = System.nanoTime();

    // Due times spread evenly over the minute before now.
    Instant now = Instant.now();
    Instant firstTrigger = now.minus(Duration.ofMinutes(2));
    try (Nudge setup = Nudge.builder().store(JdbcStore.builder(database).tablePrefix(PREFIX).build())
        .transport(RecordingTransport.ios()).build()) { // only tracks: its transport never sends
      setup.define(campaign());
      Shoppers.registerDevices(setup, users);
      Shoppers.track(setup, REMINDERS, i -> Event.named("cart_add").user(Shoppers.user(i % users))
          .at(firstTrigger.plusNanos(Duration.ofMinutes(1).toNanos() / REMINDERS * i))
          .property("cart_id", "cart-" + i).property("item_name", "Item " + i).build());
      assertThat(setup.pendingReminders()).isEqualTo(REMINDERS);
    }
    long prepared = System.nanoTime();

    Map<String, AtomicInteger> sendsPerReminder = new ConcurrentHashMap<>(REMINDERS * 2);
    List<LongAdder> sendsPerEngine = new ArrayList<>();
    List<String> errors = new CopyOnWriteArrayList<>();
    List<Nudge> engines = new ArrayList<>();
    String url = System.getenv(TestDatabases.POSTGRES_URL);
    try {
      for (int e = 0; e < ENGINES; e++) {
        LongAdder mine = new LongAdder();
        sendsPerEngine.add(mine);
        String instance = "node-" + (e + 1);
        engines.add(Nudge.builder()
            .store(JdbcStore.builder(pool(url)).tablePrefix(PREFIX).build())
            .transport(GatedTransport.open((device, n) -> {
              sendsPerReminder.computeIfAbsent(n.reminderId(), id -> new AtomicInteger()).incrementAndGet();
              mine.increment();
            }))
            .listener(new NudgeListener() {
              @Override
              public void onError(String context, Throwable error) {
                errors.add(instance + ": " + context + ": " + error);
              }

              @Override
              public void onOutcome(dev.nudge.OutcomeReport report) {
                Await.changed(); // a reminder fewer pending
              }
            })
            .instanceId(instance)
            // The default lease (5 min) outlasts the backlog: each engine claims its share of the
            // due reminders up front, and a lease that ran out would let another engine take
            // reminders over while they are still being sent (at-least-once, not exactly-once).
            .pollInterval(Duration.ofMillis(200))
            .build());
        engines.get(e).define(campaign());
      }
      engines.forEach(Nudge::start);
      Nudge any = engines.get(0);
      Await.until("every reminder is sent", Duration.ofMinutes(4),
          () -> sendsPerReminder.size() >= REMINDERS && any.pendingReminders() == 0,
          () -> sendsPerReminder.size() + " sent, " + any.pendingReminders() + " pending, by engine " + sendsPerEngine);
    } finally {
      engines.forEach(Nudge::close); // lets in-flight sends finish, so a late duplicate would be counted
    }
    long finished = System.nanoTime();

    assertThat(errors).isEmpty();
    assertThat(sendsPerReminder).hasSize(REMINDERS);
    assertThat(sendsPerReminder.entrySet().stream().filter(e -> e.getValue().get() != 1).toList())
        .as("reminders not sent exactly once").isEmpty();
    // Each engine claims two batches (4,000) ahead of what it settled: with the full 100,000 every
    // engine gets a real share; a quick local run with few reminders may be almost one engine's.
    long share = REMINDERS >= 50_000 ? REMINDERS / 10 : 1;
    assertThat(sendsPerEngine).as("sends per engine").allSatisfy(n -> assertThat(n.sum()).isGreaterThanOrEqualTo(share));
    System.out.printf("ClusterTest: %d reminders; set-up %.1f s; sent in %.1f s (%.0f/s) by three engines: %s%n",
        REMINDERS, (prepared - began) / 1e9, (finished - prepared) / 1e9, REMINDERS / ((finished - prepared) / 1e9),
        sendsPerEngine);
  }

  /** Each engine's own small pool, as on separate machines. */
  private JdbcConnectionPool pool(String url) {
    PGConnectionPoolDataSource pg = new PGConnectionPoolDataSource();
    pg.setURL(url);
    JdbcConnectionPool pool = JdbcConnectionPool.create(pg);
    pool.setMaxConnections(8);
    pools.add(pool);
    return pool;
  }
}
