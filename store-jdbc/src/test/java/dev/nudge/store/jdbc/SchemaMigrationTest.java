package dev.nudge.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nudge.spi.Counter;
import dev.nudge.spi.Reminder;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A database created by an older release (schema version 1, before the counters table) is
 * upgraded in place by the next store that opens it, and keeps its reminders.
 */
class SchemaMigrationTest {
  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  private static final String PREFIX = "nt_migrate_";

  @TempDir
  Path dir;

  private final Reminder pending = Reminder.create("r-v1", "cart", 0, "sara", "c-1", T0.minusSeconds(60),
      Map.of("item_name", "Yoga mat"), T0);

  @Test
  void anH2FileAtVersion1IsMigratedAndKeepsItsReminders() throws SQLException {
    Path file = dir.resolve("old");
    JdbcConnectionPool v1 = JdbcConnectionPool.create("jdbc:h2:file:" + file.toAbsolutePath(), "sa", "");
    try {
      createVersion1(v1, Dialect.H2, "nudge_");
    } finally {
      v1.dispose();
    }
    // The conveniences open the file with their own pool; nothing else needs to know its version.
    upgradesInPlace(() -> JdbcStore.h2(file), () -> JdbcStore.builder(file).createSchema(false).build());
    try (JdbcStore again = JdbcStore.h2(file)) {
      assertThat(again.size()).as("migrating twice changes nothing").isEqualTo(1);
    }
    JdbcConnectionPool after = JdbcConnectionPool.create("jdbc:h2:file:" + file.toAbsolutePath(), "sa", "");
    try {
      assertThat(versions(after, "nudge_")).containsExactly(1, 2, 3, 4, 5);
      assertThat(indexes(after, "nudge_reminders")).as("version 3: no lease index (H2 claims are in the process)")
          .contains("nudge_reminders_due").doesNotContain("nudge_reminders_lease");
    } finally {
      after.dispose();
    }
  }

  @Test
  void aPostgresSchemaAtVersion1IsMigrated() throws SQLException {
    DataSource ds = TestDatabases.postgres();
    try {
      serverUpgrade(ds, Dialect.POSTGRESQL);
    } finally {
      TestDatabases.dropTables(ds, PREFIX);
      TestDatabases.close(ds);
    }
  }

  @Test
  void aMariaDbSchemaAtVersion1IsMigrated() throws SQLException {
    DataSource ds = TestDatabases.mariadb();
    try {
      serverUpgrade(ds, Dialect.MYSQL);
    } finally {
      TestDatabases.dropTables(ds, PREFIX);
      TestDatabases.close(ds);
    }
  }

  private void serverUpgrade(DataSource ds, Dialect dialect) throws SQLException {
    TestDatabases.dropTables(ds, PREFIX);
    createVersion1(ds, dialect, PREFIX);
    upgradesInPlace(() -> JdbcStore.builder(ds).tablePrefix(PREFIX).build(),
        () -> JdbcStore.builder(ds).tablePrefix(PREFIX).createSchema(false).build());
    assertThat(versions(ds, PREFIX)).containsExactly(1, 2, 3, 4, 5);
    if (dialect == Dialect.MYSQL) {
      try (Connection c = ds.getConnection(); Statement s = c.createStatement();
           java.sql.ResultSet rs = s.executeQuery("SELECT DISTINCT COLLATION_NAME FROM information_schema.COLUMNS"
               + " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE '" + PREFIX + "%' AND COLLATION_NAME IS NOT NULL")) {
        List<String> collations = new java.util.ArrayList<>();
        while (rs.next()) {
          collations.add(rs.getString(1));
        }
        assertThat(collations).as("version 4: trailing spaces count").containsExactly(Schema.noPadBinary(c));
      }
    }
    if (dialect == Dialect.POSTGRESQL) {
      assertThat(indexes(ds, PREFIX + "reminders")).as("version 3: the whole due order, for claims")
          .contains(PREFIX + "reminders_due_order").doesNotContain(PREFIX + "reminders_due");
    }
  }

  /** What release 1 left behind: its tables, its version row, and one pending reminder. */
  private void createVersion1(DataSource ds, Dialect dialect, String prefix) throws SQLException {
    Tables t = new Tables(prefix);
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      c.setAutoCommit(true);
      for (String sql : Schema.statements(dialect, "V1__create.sql", prefix)) {
        s.execute(sql);
      }
      s.execute("INSERT INTO " + t.schemaVersion + " (version, description, applied_at) VALUES (1, 'create', 0)");
      BulkInsert row = t.reminderInserts();
      row.add(Tables.reminderValues(StoredReminder.pending(pending)));
      row.execute(c, dialect);
    }
  }

  private void upgradesInPlace(Supplier<JdbcStore> migrating, Supplier<JdbcStore> checking) {
    assertThatThrownBy(checking::get).as("with createSchema off, an old schema is refused")
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("version 1").hasMessageContaining("V2__counters.sql");
    try (JdbcStore store = migrating.get()) {
      assertThat(store.size()).isEqualTo(1);
      assertThat(store.nextFireAt()).contains(T0);
      assertThat(store.counters()).isEmpty();
      store.atomically("sara", state -> {
        state.count("cart", 0, Counter.SENT, 1);
        return null;
      }).join();
      assertThat(store.counters()).containsExactly(new Counter("cart", 0, Counter.SENT, 1));
      assertThat(store.claimDue(T0.plusSeconds(1), Set.of("cart"), 10, Duration.ofMinutes(1), "A")).containsExactly(pending);
    }
    try (JdbcStore store = checking.get()) {
      assertThat(store.counters()).as("kept").containsExactly(new Counter("cart", 0, Counter.SENT, 1));
    }
  }

  /** The table's index names, lower case. */
  private static List<String> indexes(DataSource ds, String table) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = ds.getConnection()) {
      for (String name : List.of(table, table.toUpperCase(java.util.Locale.ROOT))) {
        try (ResultSet rs = c.getMetaData().getIndexInfo(null, null, name, false, false)) {
          while (rs.next()) {
            if (rs.getString("INDEX_NAME") != null) {
              out.add(rs.getString("INDEX_NAME").toLowerCase(java.util.Locale.ROOT));
            }
          }
        }
      }
    }
    return out;
  }

  private static List<Integer> versions(DataSource ds, String prefix) throws SQLException {
    List<Integer> out = new ArrayList<>();
    try (Connection c = ds.getConnection(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT version FROM " + prefix + "schema_version ORDER BY version")) {
      while (rs.next()) {
        out.add(rs.getInt(1));
      }
    }
    return out;
  }
}
