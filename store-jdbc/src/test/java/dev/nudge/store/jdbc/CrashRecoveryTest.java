package dev.nudge.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nudge.Event;
import dev.nudge.Outcome;
import dev.nudge.OutcomeReport;
import dev.nudge.core.Nudge;
import dev.nudge.spi.NudgeListener;
import dev.nudge.testing.RecordingTransport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash: an instance is killed ({@code kill -9}) while it sends 10,000 due reminders from
 * PostgreSQL; a new instance on the same database finishes the job. Every reminder ends
 * {@code SENT} exactly once in the store, every one reached its device, and one that went out
 * twice (sent before the crash, not yet settled) carried the same collapse id both times, so the
 * device shows it once. Needs {@code NUDGE_TEST_POSTGRES_URL} (see {@link TestDatabases}).
 */
class CrashRecoveryTest {
  private static final String PREFIX = "nt_crash_";
  private static final int USERS = 10_000;
  /** Deliveries the child makes before it is killed: well into the run, far from its end. */
  private static final int KILL_AFTER = 1_500;

  @TempDir
  Path dir;

  private DataSource database;
  private Process child;

  @AfterEach
  void cleanUp() {
    if (child != null) {
      child.destroyForcibly();
    }
    if (database != null) {
      TestDatabases.dropTables(database, PREFIX);
      TestDatabases.close(database);
    }
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void remindersOfAKilledInstanceAreEachSentOnceByTheNextOne() throws Exception {
    database = TestDatabases.postgres(); // skips (locally) or fails (CI) without a server
    TestDatabases.dropTables(database, PREFIX);
    long began = System.nanoTime();

    // 10,000 users with a device each and a cart reminder that came due a minute ago or less.
    Instant now = Instant.now();
    try (Nudge setup = Nudge.builder().store(JdbcStore.builder(database).tablePrefix(PREFIX).build())
        .transport(RecordingTransport.ios()).build()) { // only tracks: its transport never sends
      setup.define(Shoppers.campaign(CrashChild.CAMPAIGN));
      Shoppers.registerDevices(setup, USERS);
      Shoppers.track(setup, USERS, u -> Event.named("cart_add").user(Shoppers.user(u))
          .at(now.minus(Duration.ofMinutes(2)).plusMillis(u * 6L)).property("item_name", "Item " + u).build());
      assertThat(setup.pendingReminders()).isEqualTo(USERS);
    }
    long prepared = System.nanoTime();

    // The first instance sends in a child JVM and is killed mid-run.
    Path log = dir.resolve("child-deliveries.log");
    child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), CrashChild.class.getName(),
        System.getenv(TestDatabases.POSTGRES_URL), PREFIX, log.toString(), String.valueOf(KILL_AFTER))
        .redirectErrorStream(true).start();
    StringBuffer childOutput = new StringBuffer();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          childOutput.append(line).append('\n');
          Await.changed();
        }
      } catch (IOException e) {
        childOutput.append(e);
      }
      Await.changed(); // the child's output ended: it exited
    }, "crash-child-output");
    reader.setDaemon(true);
    reader.start();
    Await.until("the child delivered " + KILL_AFTER + " and holds the rest", Duration.ofSeconds(60),
        () -> childOutput.indexOf("holding") >= 0 || !child.isAlive(), () -> "child output: " + childOutput);
    assertThat(child.isAlive()).as("the child is still sending; its output: %s", childOutput).isTrue();
    child.destroyForcibly();
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    long killed = System.nanoTime();

    List<String[]> childDeliveries = lines(log, "D ");
    List<String[]> childSent = lines(log, "S ");
    assertThat(childDeliveries.size()).as("the kill landed mid-run").isEqualTo(KILL_AFTER);

    // The second instance, on the same database, finishes the job.
    RecordingTransport ios = RecordingTransport.ios();
    List<OutcomeReport> outcomes = new CopyOnWriteArrayList<>();
    List<String> errors = new CopyOnWriteArrayList<>();
    try (Nudge second = Nudge.builder()
        .store(JdbcStore.builder(database).tablePrefix(PREFIX).build())
        .transport(ios)
        .listener(new NudgeListener() {
          @Override
          public void onOutcome(OutcomeReport report) {
            outcomes.add(report);
            Await.changed();
          }

          @Override
          public void onError(String context, Throwable error) {
            errors.add(context + ": " + error);
          }
        })
        .instanceId("crash-restart")
        .lease(CrashChild.LEASE)
        .pollInterval(Duration.ofMillis(100))
        .build()) {
      second.define(Shoppers.campaign(CrashChild.CAMPAIGN));
      second.start();
      Await.until("no reminder is pending", Duration.ofSeconds(60), () -> second.pendingReminders() == 0,
          () -> second.pendingReminders() + " pending, " + ios.deliveries().size() + " sent after the restart");
      // The counters live in the store and moved with each stored outcome, before and after the kill.
      assertThat(second.stats(CrashChild.CAMPAIGN).step(0).sent()).isEqualTo(USERS);
      assertThat(second.stats(CrashChild.CAMPAIGN).step(0).scheduled()).isEqualTo(USERS);
    }
    long finished = System.nanoTime();

    // In the store: no reminder left, and one send record per reminder (and per user).
    assertThat(count("SELECT COUNT(*) FROM " + PREFIX + "reminders")).isZero();
    Map<String, String> sends = sends();
    assertThat(sends).hasSize(USERS);
    assertThat(new HashSet<>(sends.values())).hasSize(USERS);

    // Each reminder reached the outcome SENT once: never reported SENT by both instances.
    Map<String, Long> sentPerUser = new HashMap<>();
    childSent.forEach(l -> sentPerUser.merge(l[1], 1L, Long::sum));
    outcomes.forEach(o -> {
      assertThat(o.outcome()).as("outcome of %s", o).isEqualTo(Outcome.SENT);
      sentPerUser.merge(o.userId(), 1L, Long::sum);
    });
    assertThat(sentPerUser.values()).containsOnly(1L);
    assertThat(errors).isEmpty();

    // Every reminder reached its device; a repeat carried the collapse id of the first copy.
    Map<String, Set<String>> collapseIds = new ConcurrentHashMap<>();
    Map<String, Integer> deliveries = new HashMap<>();
    childDeliveries.forEach(d -> {
      collapseIds.computeIfAbsent(d[1], id -> new HashSet<>()).add(d[2]);
      deliveries.merge(d[1], 1, Integer::sum);
    });
    ios.deliveries().forEach(d -> {
      collapseIds.computeIfAbsent(d.notification().reminderId(), id -> new HashSet<>()).add(d.notification().collapseId());
      deliveries.merge(d.notification().reminderId(), 1, Integer::sum);
    });
    assertThat(deliveries.keySet()).isEqualTo(sends.keySet());
    assertThat(collapseIds).allSatisfy((reminder, ids) -> assertThat(ids).as("collapse ids of %s", reminder).hasSize(1));
    long resent = deliveries.values().stream().filter(n -> n > 1).count();
    assertThat(deliveries.values()).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(2));

    System.out.printf("CrashRecoveryTest: set-up %.1f s; child killed after %d deliveries (%d SENT reported), %.1f s"
        + " after start; restart sent %d in %.1f s; %d reminder(s) delivered twice with one collapse id%n",
        (prepared - began) / 1e9, childDeliveries.size(), childSent.size(), (killed - prepared) / 1e9,
        ios.deliveries().size(), (finished - killed) / 1e9, resent);
  }

  /** reminder id → user id, from the sends table. */
  private Map<String, String> sends() throws SQLException {
    Map<String, String> out = new HashMap<>();
    try (Connection c = database.getConnection(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT reminder_id, user_id FROM " + PREFIX + "sends")) {
      while (rs.next()) {
        assertThat(out.put(rs.getString(1), rs.getString(2))).as("sends of %s", rs.getString(1)).isNull();
      }
    }
    return out;
  }

  private long count(String sql) throws SQLException {
    try (Connection c = database.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** The complete lines of the child's file that start with {@code prefix}, split on spaces. */
  private static List<String[]> lines(Path log, String prefix) {
    String text = read(log);
    int end = text.lastIndexOf('\n') + 1; // a line cut by the kill is not counted
    return text.substring(0, end).lines().filter(l -> l.startsWith(prefix)).map(l -> l.split(" "))
        .collect(Collectors.toList());
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
