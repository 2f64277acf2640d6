package dev.nudge.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.Outcome;
import dev.nudge.OutcomeReport;
import dev.nudge.Platform;
import dev.nudge.TrackResult;
import dev.nudge.core.Nudge;
import dev.nudge.spi.NudgeListener;
import dev.nudge.testing.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A database outage while a started engine sends due reminders: {@code track} fails fast with a
 * clear exception and applies nothing, the scheduler keeps retrying, and once the database is back
 * every reminder ends {@code SENT} exactly once and reached its device exactly once: a reminder
 * delivered while its outcome could not be stored keeps its claim, and the engine stores the
 * outcome when the database is back instead of letting the lease run out and sending it again.
 * The engine runs on a {@link TestClock}: its polls, heartbeats and the waits between tries to
 * reach the store are moved along by the test, so the outage lasts 30 s of the engine's time and
 * outlasts the lease. The operator's log says when the store became unreachable and when it came
 * back, in a handful of lines, however many units of work waited. On an H2 file and on PostgreSQL
 * ({@code NUDGE_TEST_POSTGRES_URL}, see {@link TestDatabases}).
 */
class OutageTest {
  private static final String PREFIX = "nt_outage_";
  private static final int USERS = 3_000;
  private static final String LATE_USER = "late-user";
  private static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");
  private static final Duration LEASE = Duration.ofSeconds(Long.getLong("nudge.outage.lease", 8));
  private static final Duration STEP = Duration.ofMillis(500);
  private static final int IN_FLIGHT = 600;

  @TempDir
  Path dir;

  private DataSource database;
  private final LogRecords log = new LogRecords();

  @AfterEach
  void cleanUp() {
    log.close();
    if (database != null) {
      TestDatabases.dropTables(database, PREFIX);
      TestDatabases.close(database);
    }
  }

  @ParameterizedTest(name = "on {0}")
  @ValueSource(strings = {"h2", "postgresql"})
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void afterAnOutageEachReminderEndsSentOnceAndAResendKeepsItsCollapseId(String db) throws Exception {
    database = db.equals("h2")
        ? JdbcConnectionPool.create("jdbc:h2:file:" + dir.resolve("outage") + ";WRITE_DELAY=0;LOCK_TIMEOUT=10000",
            "sa", "")
        : TestDatabases.postgres(); // skips (locally) or fails (CI) without a server
    TestDatabases.dropTables(database, PREFIX);
    OutageDataSource outage = new OutageDataSource(database);
    TestClock clock = new TestClock(T0);

    Map<String, AtomicInteger> sentPerUser = new ConcurrentHashMap<>();
    List<OutcomeReport> otherOutcomes = new CopyOnWriteArrayList<>();
    List<String> errors = new CopyOnWriteArrayList<>();
    Map<String, Set<String>> collapseIds = new ConcurrentHashMap<>();
    Map<String, AtomicInteger> deliveriesPerUser = new ConcurrentHashMap<>();

    // The test answers the sends in batches, so the outage lands while most of them are still to go.
    GatedTransport transport = GatedTransport.closed((device, n) -> {
      collapseIds.computeIfAbsent(n.reminderId(), id -> ConcurrentHashMap.newKeySet()).add(n.collapseId());
      deliveriesPerUser.computeIfAbsent(device.userId(), u -> new AtomicInteger()).incrementAndGet();
    });
    try (Nudge nudge = Nudge.builder()
        .clock(clock)
        .store(JdbcStore.builder(outage).tablePrefix(PREFIX).build())
        .transport(transport)
        .listener(new NudgeListener() {
          @Override
          public void onOutcome(OutcomeReport report) {
            if (report.outcome() == Outcome.SENT) {
              sentPerUser.computeIfAbsent(report.userId(), u -> new AtomicInteger()).incrementAndGet();
            } else {
              otherOutcomes.add(report);
            }
            Await.changed();
          }

          @Override
          public void onError(String context, Throwable error) {
            errors.add(context);
            Await.changed();
          }
        })
        .lease(LEASE)
        .pollInterval(Duration.ofSeconds(1))
        // The test holds sends while it moves the engine's clock on: none may time out meanwhile.
        .sendTimeout(Duration.ofHours(1))
        .maxInFlight(IN_FLIGHT)
        .build()) {
      nudge.define(Shoppers.campaign("outage"));
      Shoppers.registerDevices(nudge, USERS);
      nudge.registerDevice(Device.of(LATE_USER, Platform.IOS, "token-late").build());
      Shoppers.track(nudge, USERS, u -> Event.named("cart_add").user(Shoppers.user(u))
          .at(T0).property("item_name", "Item " + u).build());
      clock.set(T0.plus(Duration.ofMinutes(2)));
      nudge.start(); // the first poll runs now
      Await.until(IN_FLIGHT + " sends in flight", Duration.ofSeconds(30), () -> transport.held() == IN_FLIGHT,
          () -> transport.held() + " held");
      transport.release(IN_FLIGHT / 2); // delivered and stored before the outage
      Await.until(IN_FLIGHT / 2 + " sent", Duration.ofSeconds(30), () -> sentPerUser.size() == IN_FLIGHT / 2,
          () -> sentPerUser.size() + " sent");

      outage.down();
      Event late = Event.named("cart_add").user(LATE_USER).id("evt-late").at(clock.instant())
          .property("item_name", "Lamp").build();
      long t0 = System.nanoTime();
      CompletableFuture<TrackResult> refused = nudge.track(late);
      assertThatThrownBy(() -> refused.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause().isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("nothing of them was applied").hasMessageContaining("08006");
      long failedInMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertThat(failedInMillis).as("track fails fast").isLessThan(2_000);
      assertThatThrownBy(() -> nudge.trackAndWait(late)).isInstanceOf(IllegalStateException.class);
      int deliveredAtOutage = total(deliveriesPerUser);
      assertThat(deliveredAtOutage).as("the outage came while reminders were being sent").isLessThan(USERS);
      transport.release(IN_FLIGHT); // delivered during the outage: their outcomes cannot be stored yet
      Await.until("the engine met the outage", Duration.ofSeconds(30), () -> !errors.isEmpty(), errors::toString);
      // 30 s of the engine's time with the store down: polls, heartbeats and outcomes waiting for
      // the store try again and again; the leases run out meanwhile.
      for (Instant end = clock.instant().plus(Duration.ofSeconds(30)); clock.instant().isBefore(end); ) {
        clock.advance(STEP);
      }
      outage.up();
      transport.open();

      // Nothing of the refused event was applied: its id is new, and it schedules its reminder now.
      TrackResult accepted = nudge.trackAndWait(late);
      assertThat(accepted.duplicate()).isFalse();
      assertThat(accepted.scheduled()).isEqualTo(1);
      clock.advance(Duration.ofMinutes(2)); // the late reminder is due

      // The waits for the store are on the clock, and runs of due reminders take turns: this one
      // starts once the run that met the outage has settled, and resolves what is left.
      nudge.runDue().get(60, TimeUnit.SECONDS);
      assertThat(nudge.pendingReminders()).as(sentPerUser.size() + " sent; errors " + errors).isZero();
      System.out.printf("OutageTest on %s: track failed in %d ms; %d of %d delivered when the database went down;"
          + " %d error(s) reported; %d reminder(s) delivered twice; the log:%n%s%n", db, failedInMillis,
          deliveredAtOutage, USERS, errors.size(),
          deliveriesPerUser.values().stream().filter(n -> n.get() > 1).count(), log.describe());
    }

    assertThat(otherOutcomes).isEmpty();
    assertThat(sentPerUser).hasSize(USERS + 1).allSatisfy((user, n) -> assertThat(n.get()).as(user).isEqualTo(1));
    assertThat(deliveriesPerUser).hasSize(USERS + 1)
        .allSatisfy((user, n) -> assertThat(n.get()).as("deliveries to %s", user).isEqualTo(1));
    assertThat(collapseIds).hasSize(USERS + 1)
        .allSatisfy((reminder, ids) -> assertThat(ids).as("collapse ids of %s", reminder).hasSize(1));
    Set<String> users = new HashSet<>(deliveriesPerUser.keySet());
    assertThat(users).containsAll(List.of(LATE_USER, Shoppers.user(0), Shoppers.user(USERS - 1)));

    // One outage: reported once to the listeners, and a handful of log lines with one stack trace.
    assertThat(errors).as("errors reported to listeners").hasSize(1);
    assertThat(errors.get(0)).contains("store is unreachable");
    assertThat(log.records()).as(log.describe()).hasSizeLessThanOrEqualTo(4);
    assertThat(log.records().stream().filter(r -> r.getThrown() != null)).as(log.describe()).hasSize(1);
    assertThat(log.messages()).as(log.describe())
        .anyMatch(m -> m.contains("store is unreachable"))
        .anyMatch(m -> m.contains("reachable again") && m.contains("had to wait"));
  }

  private static int total(Map<String, AtomicInteger> counts) {
    return counts.values().stream().collect(Collectors.summingInt(AtomicInteger::get));
  }
}
