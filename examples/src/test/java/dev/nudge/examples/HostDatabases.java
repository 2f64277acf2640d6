package dev.nudge.examples;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcConnectionPool;
import org.mariadb.jdbc.MariaDbPoolDataSource;
import org.postgresql.ds.PGConnectionPoolDataSource;

/**
 * The databases the host-table adapters are tested on: a fresh in-memory H2 database, and the
 * PostgreSQL and MariaDB servers named by {@code NUDGE_TEST_POSTGRES_URL} and
 * {@code NUDGE_TEST_MARIADB_URL} (as in store-jdbc's tests). Without a variable its tests are
 * skipped with a message; on CI (env {@code CI} set) a missing variable or an unreachable server
 * fails them instead.
 */
enum HostDatabases {
  H2, POSTGRESQL, MARIADB;

  static final String POSTGRES_URL = "NUDGE_TEST_POSTGRES_URL";
  static final String MARIADB_URL = "NUDGE_TEST_MARIADB_URL";

  /** Why a server was found unreachable, by variable: later tests fail or skip at once. */
  private static final Map<String, String> UNREACHABLE = new ConcurrentHashMap<>();

  /**
   * A pooled data source over a database without the host tables: H2 is a new in-memory
   * database, the servers' tables are dropped. Skips (locally) or fails (CI) without the server.
   */
  DataSource open() {
    DataSource ds = switch (this) {
      case H2 -> {
        JdbcConnectionPool pool = JdbcConnectionPool.create(
            "jdbc:h2:mem:host-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000", "sa", "");
        pool.setMaxConnections(32);
        yield pool;
      }
      case POSTGRESQL -> postgres();
      case MARIADB -> mariadb();
    };
    execute(ds, "DROP TABLE IF EXISTS app_devices", "DROP TABLE IF EXISTS app_users");
    return ds;
  }

  /** Runs statements, each committed. */
  static void execute(DataSource ds, String... sql) {
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      c.setAutoCommit(true);
      for (String statement : sql) {
        s.execute(statement);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not run " + String.join("; ", sql) + ": " + e.getMessage(), e);
    }
  }

  /** Closes the pool (and an H2 database with it). */
  static void close(DataSource ds) {
    if (ds instanceof JdbcConnectionPool p) {
      if (isH2(p)) {
        execute(p, "SHUTDOWN");
      }
      p.dispose();
    } else if (ds instanceof MariaDbPoolDataSource m) {
      m.close();
    }
  }

  private static boolean isH2(DataSource ds) {
    try (Connection c = ds.getConnection()) {
      return c.getMetaData().getDatabaseProductName().equals("H2");
    } catch (SQLException e) {
      return false;
    }
  }

  private static DataSource postgres() {
    String url = required(POSTGRES_URL, "PostgreSQL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    known(POSTGRES_URL);
    PGConnectionPoolDataSource pg = new PGConnectionPoolDataSource();
    pg.setURL(url);
    JdbcConnectionPool pool = JdbcConnectionPool.create(pg);
    pool.setMaxConnections(16);
    return reachable(pool, POSTGRES_URL, "PostgreSQL");
  }

  private static DataSource mariadb() {
    String url = required(MARIADB_URL, "MariaDB", "jdbc:mariadb://127.0.0.1:3306/test?user=root");
    known(MARIADB_URL);
    try {
      String pooled = url.contains("maxPoolSize") ? url : url + (url.contains("?") ? "&" : "?") + "maxPoolSize=16";
      // Not the driver's 30 s: a server that is not there is reported quickly.
      return reachable(new MariaDbPoolDataSource(pooled.contains("connectTimeout") ? pooled
          : pooled + "&connectTimeout=5000"), MARIADB_URL, "MariaDB");
    } catch (SQLException e) {
      return unreachable(MARIADB_URL, "MariaDB", e);
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
      if (ds instanceof JdbcConnectionPool p) {
        p.dispose();
      } else if (ds instanceof MariaDbPoolDataSource m) {
        m.close();
      }
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
