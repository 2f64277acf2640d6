package dev.nudge.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nudge.spi.Reminder;
import dev.nudge.spi.UserState;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On H2 the claims live in the process (one process opens an embedded database): one store per
 * database and prefix holds them, other databases and prefixes have their own, a claim is taken
 * or renewed atomically, and they are gone with the process, so a restarted engine claims the
 * unsettled reminders at once.
 */
class H2ClaimsTest {
  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  private static final Duration LEASE = Duration.ofMinutes(5);

  @TempDir
  Path dir;

  @Test
  void theClaimsOfAClosedStoreAreFreeForTheNextStoreOnTheFile() {
    Path file = dir.resolve("restart");
    Reminder r = reminder("r1", "u1");
    try (JdbcStore first = JdbcStore.h2(file)) {
      run(first, "u1", state -> {
        state.save(r);
        return null;
      });
      assertThat(first.claimDue(T0.plusSeconds(1), Set.of("cart"), 10, LEASE, "A")).containsExactly(r);
      assertThat(first.claimDue(T0.plusSeconds(1), Set.of("cart"), 10, LEASE, "B")).isEmpty();
    }
    try (JdbcStore next = JdbcStore.h2(file)) {
      assertThat(next.claimDue(T0.plusSeconds(2), Set.of("cart"), 10, LEASE, "B")).as("no lease to wait for").containsExactly(r);
    }
  }

  @Test
  void aClaimWrittenIntoTheRowByAnOlderReleaseIsIgnored() throws SQLException {
    Path file = dir.resolve("older");
    Reminder r = reminder("r1", "u1");
    try (JdbcStore store = JdbcStore.h2(file)) {
      run(store, "u1", state -> {
        state.save(r);
        return null;
      });
    }
    // Earlier builds kept H2 claims in the rows, as PostgreSQL and MySQL/MariaDB still do.
    JdbcConnectionPool pool = JdbcConnectionPool.create("jdbc:h2:file:" + file.toAbsolutePath(), "sa", "");
    try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
      s.executeUpdate("UPDATE nudge_reminders SET owner = 'gone', lease_until = 9000000000000000");
    } finally {
      pool.dispose();
    }
    try (JdbcStore store = JdbcStore.h2(file)) {
      assertThat(run(store, "u1", state -> state.pending("cart", "u1")).isPresent()).isTrue();
      assertThat(store.nextFireAt()).contains(T0);
      assertThat(store.claimDue(T0.plusSeconds(1), Set.of("cart"), 10, LEASE, "A")).containsExactly(r);
    }
  }

  @Test
  void otherDatabasesAndPrefixesHaveClaimsOfTheirOwn() {
    Reminder r = reminder("r1", "u1");
    try (JdbcStore a = JdbcStore.h2InMemory("claims-a");
         JdbcStore b = JdbcStore.h2InMemory("claims-b");
         JdbcStore aOther = JdbcStore.builder(dir.resolve("prefixed")).tablePrefix("one_").build();
         JdbcStore bOther = JdbcStore.builder(dir.resolve("prefixed")).tablePrefix("two_").build()) {
      for (JdbcStore s : List.of(a, b, aOther, bOther)) {
        run(s, "u1", state -> {
          state.save(r);
          return null;
        });
        assertThat(s.claimDue(T0.plusSeconds(1), Set.of("cart"), 10, LEASE, "A")).as(s.tablePrefix()).containsExactly(r);
      }
    }
  }

  @Test
  void aSecondStoreOnTheSameDatabaseAndPrefixIsRefusedUntilTheFirstCloses() {
    Path file = dir.resolve("shared");
    try (JdbcStore first = JdbcStore.h2(file)) {
      assertThatThrownBy(() -> JdbcStore.h2(file)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("another JdbcStore of this process already uses the H2 database")
          .hasMessageContaining("with table prefix nudge_")
          .hasMessageContaining("pass that store to each Nudge builder");
      assertThat(first.size()).as("the first store is untouched").isZero();
    }
    try (JdbcStore again = JdbcStore.h2(file)) {
      assertThat(again.size()).isZero();
    }
  }

  @Test
  void inMemoryDatabasesWhoseNamesDifferInCaseAreApart() {
    Reminder r = reminder("r1", "u1");
    try (JdbcStore lower = JdbcStore.h2InMemory("casedb"); JdbcStore upper = JdbcStore.h2InMemory("CASEDB")) {
      for (JdbcStore s : List.of(lower, upper)) {
        run(s, "u1", state -> {
          state.save(r);
          return null;
        });
        assertThat(s.claimDue(T0.plusSeconds(1), Set.of("cart"), 10, LEASE, "A")).containsExactly(r);
      }
    }
  }

  @Test
  void anH2ServerUrlIsRefused() throws Exception {
    org.h2.tools.Server server = org.h2.tools.Server.createTcpServer("-tcpPort", "0", "-ifNotExists",
        "-baseDir", dir.toString()).start();
    JdbcConnectionPool pool = JdbcConnectionPool.create("jdbc:h2:tcp://localhost:" + server.getPort() + "/./served",
        "sa", "");
    try {
      assertThatThrownBy(() -> JdbcStore.builder(pool).build()).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("is an H2 server that other processes can use")
          .hasMessageContaining("PostgreSQL or MySQL/MariaDB");
    } finally {
      pool.dispose();
      server.stop();
    }
  }

  @Test
  void aRenewalAndATakeOverNeverBothWin() {
    H2Claims claims = H2Claims.open("test-only|" + dir, "a test table");
    try {
      long now = 1_000;
      claims.take("r1", new H2Claims.Claim("A", now - 1), now - 10);
      // A's lease ran out: B may take it over, or A renew it, but not both.
      assertThat(claims.renew(List.of("r1"), "A", now + 100)).isEqualTo(1);
      assertThat(claims.take("r1", new H2Claims.Claim("B", now + 50), now)).as("renewed: still A's").isFalse();
      assertThat(claims.get("r1").owner()).isEqualTo("A");
      assertThat(claims.take("r1", new H2Claims.Claim("B", now + 500), now + 101)).as("ran out again").isTrue();
      assertThat(claims.renew(List.of("r1"), "A", now + 1_000)).as("taken over: not A's to renew").isZero();
      assertThat(claims.get("r1").owner()).isEqualTo("B");
    } finally {
      claims.close();
    }
  }

  private static Reminder reminder(String id, String user) {
    return Reminder.create(id, "cart", 0, user, user, T0.minusSeconds(60), Map.of("item_name", "Yoga mat"), T0);
  }

  private static <T> T run(JdbcStore store, String userId, Function<UserState, T> work) {
    try {
      return store.atomically(userId, work).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
