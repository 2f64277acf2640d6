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
 * On an H2 file and on PostgreSQL ({@code NUDGE_TEST_POSTGRES_URL}, see {@link TestDatabases}).
 */
class OutageTest {
  private static final String PREFIX = "nt_outage_";
  private static final int USERS = 600;
  private static final String LATE_USER = "late-user";
  private static final long LEASE_SECONDS = Long.getLong("nudge.outage.lease", 8);

  @TempDir
  Path dir;

  private DataSource database;

  @AfterEach
  void cleanUp() {
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

    Map<String, AtomicInteger> sentPerUser = new ConcurrentHashMap<>();
    List<OutcomeReport> otherOutcomes = new CopyOnWriteArrayList<>();
    AtomicInteger failedRuns = new AtomicInteger();
    Map<String, Set<String>> collapseIds = new ConcurrentHashMap<>();
    Map<String, AtomicInteger> deliveriesPerUser = new ConcurrentHashMap<>();
    Instant now = Instant.now();

    // About 200 sends a second, so the outage lands while most of the 600 are still to go.
    PacedTransport transport = new PacedTransport(Duration.ofMillis(5), 1, (device, n) -> {
      collapseIds.computeIfAbsent(n.reminderId(), id -> ConcurrentHashMap.newKeySet()).add(n.collapseId());
      deliveriesPerUser.computeIfAbsent(device.userId(), u -> new AtomicInteger()).incrementAndGet();
    });
    try (Nudge nudge = Nudge.builder()
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
          }

          @Override
          public void onError(String context, Throwable error) {
            failedRuns.incrementAndGet(); // failed runs, failed lease renewals, outcomes waiting for the store
          }
        })
        // Longer than the whole backlog of sends, so that only the outage can cause a resend; the
        // reminders whose outcome the outage kept from being stored wait for it before they retry.
        .lease(Duration.ofSeconds(LEASE_SECONDS))
        .pollInterval(Duration.ofMillis(100))
        .build()) {
      nudge.define(Shoppers.campaign("outage"));
      Shoppers.registerDevices(nudge, USERS);
      nudge.registerDevice(Device.of(LATE_USER, Platform.IOS, "token-late").build());
      Shoppers.track(nudge, USERS, u -> Event.named("cart_add").user(Shoppers.user(u))
          .at(now.minus(Duration.ofMinutes(2))).property("item_name", "Item " + u).build());
      nudge.start();
      Await.until("100 deliveries", Duration.ofSeconds(30), () -> total(deliveriesPerUser) >= 100,
          () -> total(deliveriesPerUser) + " deliveries");

      outage.down();
      Event late = Event.named("cart_add").user(LATE_USER).id("evt-late").at(now.minus(Duration.ofMinutes(2)))
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
      Await.until("the engine met the outage three times", Duration.ofSeconds(30), () -> failedRuns.get() >= 3,
          () -> failedRuns.get() + " store failures reported");
      outage.up();

      // Nothing of the refused event was applied: its id is new, and it schedules its reminder now.
      TrackResult accepted = nudge.trackAndWait(late);
      assertThat(accepted.duplicate()).isFalse();
      assertThat(accepted.scheduled()).isEqualTo(1);

      Await.until("every reminder is sent", Duration.ofSeconds(60),
          () -> sentPerUser.size() == USERS + 1 && nudge.pendingReminders() == 0,
          () -> sentPerUser.size() + " sent, " + nudge.pendingReminders() + " pending, " + failedRuns.get()
              + " store failures");
      System.out.printf("OutageTest on %s: track failed in %d ms; %d of %d delivered when the database went down;"
          + " %d store failures reported; %d reminder(s) delivered twice%n", db, failedInMillis, deliveredAtOutage,
          USERS, failedRuns.get(), deliveriesPerUser.values().stream().filter(n -> n.get() > 1).count());
    }

    assertThat(otherOutcomes).isEmpty();
    assertThat(sentPerUser).hasSize(USERS + 1).allSatisfy((user, n) -> assertThat(n.get()).as(user).isEqualTo(1));
    assertThat(deliveriesPerUser).hasSize(USERS + 1)
        .allSatisfy((user, n) -> assertThat(n.get()).as("deliveries to %s", user).isEqualTo(1));
    assertThat(collapseIds).hasSize(USERS + 1)
        .allSatisfy((reminder, ids) -> assertThat(ids).as("collapse ids of %s", reminder).hasSize(1));
    Set<String> users = new HashSet<>(deliveriesPerUser.keySet());
    assertThat(users).containsAll(List.of(LATE_USER, Shoppers.user(0), Shoppers.user(USERS - 1)));
  }

  private static int total(Map<String, AtomicInteger> counts) {
    return counts.values().stream().collect(Collectors.summingInt(AtomicInteger::get));
  }
}
