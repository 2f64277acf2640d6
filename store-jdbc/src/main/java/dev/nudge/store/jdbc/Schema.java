package dev.nudge.store.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The store's schema: DDL resources per dialect ({@code dev/nudge/store/jdbc/<dialect>/V<n>__*.sql},
 * with a {@code ${prefix}} placeholder, and {@code ${no_pad_bin}} for the binary collation that
 * does not pad on MySQL/MariaDB), applied in order and recorded in
 * {@code <prefix>schema_version}. Migrations run under a lock (an advisory lock on PostgreSQL, a
 * named lock on MySQL/MariaDB, this class's monitor for embedded H2), so instances that start
 * together apply each version once; most statements are also idempotent ({@code IF NOT EXISTS}).
 */
final class Schema {
  /** Every migration, oldest first; version n is the n-th. */
  static final List<String> MIGRATIONS = List.of("V1__create.sql", "V2__counters.sql", "V3__due_order.sql",
      "V4__no_pad.sql", "V5__consent.sql");

  private Schema() {}

  /** The latest schema version this code needs. */
  static int latest() {
    return MIGRATIONS.size();
  }

  /** Applies the migrations the database lacks. */
  static void migrate(DataSource dataSource, Dialect dialect, Tables t) throws SQLException {
    synchronized (Schema.class) {
      try (Connection c = dataSource.getConnection()) {
        c.setAutoCommit(false);
        try {
          dialect.lockSchema(c, t.prefix);
          try {
            List<String> first = statements(dialect, MIGRATIONS.get(0), t.prefix);
            try (Statement s = c.createStatement()) {
              s.execute(first.get(0)); // the schema_version table, created by V1's first statement
            }
            int current = version(c, t);
            for (int v = current + 1; v <= MIGRATIONS.size(); v++) {
              String name = MIGRATIONS.get(v - 1);
              try (Statement s = c.createStatement()) {
                for (String sql : statements(dialect, name, t.prefix, noPadBinary(c))) {
                  s.execute(sql);
                }
              }
              try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + t.schemaVersion
                  + " (version, description, applied_at) VALUES (?, ?, ?)")) {
                ps.setInt(1, v);
                ps.setString(2, name.substring(name.indexOf("__") + 2, name.length() - 4));
                ps.setLong(3, EpochMicros.of(java.time.Instant.now()));
                ps.executeUpdate();
              }
            }
            c.commit();
          } finally {
            dialect.unlockSchema(c, t.prefix);
          }
        } catch (SQLException | RuntimeException e) {
          c.rollback();
          throw e;
        } finally {
          c.setAutoCommit(true);
        }
      }
    }
  }

  /** Fails when the database's schema is older than this code needs (createSchema off). */
  static void verify(DataSource dataSource, Tables t) throws SQLException {
    int current;
    try (Connection c = dataSource.getConnection()) {
      current = version(c, t);
    } catch (SQLException e) {
      throw new IllegalStateException("the table " + t.schemaVersion + " cannot be read (" + e.getMessage()
          + "); apply the DDL in dev/nudge/store/jdbc/<dialect>/ of nudge-store-jdbc, or enable createSchema", e);
    }
    if (current < latest()) {
      throw new IllegalStateException(t.schemaVersion + " says version " + current + ", this store needs "
          + latest() + "; apply " + MIGRATIONS.subList(current, latest()) + " or enable createSchema");
    }
  }

  private static int version(Connection c, Tables t) throws SQLException {
    try (Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT MAX(version) FROM " + t.schemaVersion)) {
      rs.next();
      return rs.getInt(1);
    }
  }

  /**
   * MySQL's and MariaDB's binary collation that compares trailing spaces ({@code utf8mb4_bin}
   * ignores them): they name it differently.
   */
  static String noPadBinary(Connection c) throws SQLException {
    java.sql.DatabaseMetaData meta = c.getMetaData();
    boolean mariaDb = meta.getDatabaseProductName().toLowerCase(java.util.Locale.ROOT).contains("mariadb")
        || meta.getDatabaseProductVersion().toLowerCase(java.util.Locale.ROOT).contains("mariadb");
    return mariaDb ? "utf8mb4_nopad_bin" : "utf8mb4_0900_bin";
  }

  /** The statements of one migration resource, with the prefix filled in. */
  static List<String> statements(Dialect dialect, String name, String prefix) {
    return statements(dialect, name, prefix, "utf8mb4_bin");
  }

  /** The statements of one migration resource, with the prefix and the no-pad collation filled in. */
  static List<String> statements(Dialect dialect, String name, String prefix, String noPadBin) {
    String path = "/dev/nudge/store/jdbc/" + dialect.folder() + "/" + name;
    String text;
    try (InputStream in = Schema.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("schema resource " + path + " is missing from the classpath");
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read schema resource " + path, e);
    }
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : text.split("\n")) {
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("--")) {
        continue;
      }
      current.append(line).append('\n');
      if (trimmed.endsWith(";")) {
        String sql = current.toString().strip();
        out.add(sql.substring(0, sql.length() - 1).replace("${prefix}", prefix).replace("${no_pad_bin}", noPadBin));
        current.setLength(0);
      }
    }
    return out;
  }
}
