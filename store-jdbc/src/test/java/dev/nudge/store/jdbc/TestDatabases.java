package dev.nudge.store.jdbc;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcConnectionPool;
import org.mariadb.jdbc.MariaDbPoolDataSource;
import org.postgresql.ds.PGConnectionPoolDataSource;

/**
 * The PostgreSQL and MariaDB servers the tests run against, named by environment variables
 * ({@code NUDGE_TEST_POSTGRES_URL}, {@code NUDGE_TEST_MARIADB_URL}). Without one, its tests are
 * skipped with a message; on CI (env {@code CI} set) a missing variable or an unreachable server
 * fails them instead.
 */
final class TestDatabases {
  static final String POSTGRES_URL = "NUDGE_TEST_POSTGRES_URL";
  static final String MARIADB_URL = "NUDGE_TEST_MARIADB_URL";

  private static final List<String> TABLES =
      List.of("reminders", "users", "devices", "sends", "last_sent", "events", "counters", "paused", "schema_version");

  /** Why a server was found unreachable, by variable: later tests fail or skip at once. */
  private static final java.util.Map<String, String> UNREACHABLE = new java.util.concurrent.ConcurrentHashMap<>();

  private TestDatabases() {}

  /** A pooled PostgreSQL data source, or a skipped (locally) / failed (CI) test. */
  static DataSource postgres() {
    String url = required(POSTGRES_URL, "PostgreSQL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    known(POSTGRES_URL);
    PGConnectionPoolDataSource pg = new PGConnectionPoolDataSource();
    pg.setURL(url);
    JdbcConnectionPool pool = JdbcConnectionPool.create(pg);
    pool.setMaxConnections(32);
    return reachable(pool, POSTGRES_URL, "PostgreSQL");
  }

  /** A pooled MariaDB data source, or a skipped (locally) / failed (CI) test. */
  static DataSource mariadb() {
    String url = required(MARIADB_URL, "MariaDB", "jdbc:mariadb://127.0.0.1:3306/test?user=root");
    known(MARIADB_URL);
    try {
      String pooled = url.contains("maxPoolSize") ? url : url + (url.contains("?") ? "&" : "?") + "maxPoolSize=32";
      // Not the driver's 30 s: a server that is not there is reported quickly.
      MariaDbPoolDataSource pool = new MariaDbPoolDataSource(pooled.contains("connectTimeout") ? pooled
          : pooled + "&connectTimeout=5000");
      return reachable(pool, MARIADB_URL, "MariaDB");
    } catch (SQLException e) {
      return unreachable(MARIADB_URL, "MariaDB", e);
    }
  }

  /** Drops the store's tables of this prefix, so the next store starts empty and migrates. */
  static void dropTables(DataSource ds, String prefix) {
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      c.setAutoCommit(true);
      for (String table : TABLES) {
        s.execute("DROP TABLE IF EXISTS " + prefix + table);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not drop the test tables " + prefix + "*", e);
    }
  }

  static void close(DataSource ds) {
    if (ds instanceof JdbcConnectionPool p) {
      p.dispose();
    } else if (ds instanceof MariaDbPoolDataSource m) {
      m.close();
    }
  }

  private static String required(String variable, String database, String example) {
    String url = System.getenv(variable);
    if (url == null || url.isBlank()) {
      String message = "set " + variable + " to run against " + database + " (e.g. " + example + ")";
      if (System.getenv("CI") != null) {
        fail("CI is set but " + variable + " is not: " + message);
      }
      assumeTrue(false, message);
    }
    return url;
  }

  private static DataSource reachable(DataSource ds, String variable, String database) {
    try (Connection c = ds.getConnection()) {
      c.isValid(5);
      return ds;
    } catch (SQLException e) {
      close(ds);
      return unreachable(variable, database, e);
    }
  }

  private static DataSource unreachable(String variable, String database, SQLException e) {
    String message = database + " at " + variable + " is unreachable: " + e.getMessage();
    UNREACHABLE.putIfAbsent(variable, message);
    if (System.getenv("CI") != null) {
      fail("CI is set and " + message, e);
    }
    assumeTrue(false, message);
    return null;
  }

  /** Fails or skips at once when an earlier test found this server unreachable. */
  private static void known(String variable) {
    String message = UNREACHABLE.get(variable);
    if (message != null) {
      if (System.getenv("CI") != null) {
        fail("CI is set and " + message + " (as found by an earlier test)");
      }
      assumeTrue(false, message);
    }
  }
}
