package dev.nudge.store.jdbc;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;

/**
 * The databases {@link JdbcStore} speaks to, and the SQL that differs between them: how a list of
 * ids is bound, how missing user rows are created and locked, how due reminders are claimed
 * (one {@code UPDATE ... RETURNING} on PostgreSQL, {@code SELECT ... FOR UPDATE SKIP LOCKED}
 * then {@code UPDATE} elsewhere), which errors are worth retrying, and how concurrent schema
 * migrations are kept apart. Detected from the connection's metadata unless set on the builder.
 */
public enum Dialect {
  /** H2 2.x, embedded (the default store of a single process). */
  H2("h2") {
    // H2 uses an index for IN (?, ...) lists, not for = ANY(array): lists of parameters.
    @Override
    String anyOf(String column, int n) {
      return inList(column, n);
    }

    @Override
    int bind(Connection c, PreparedStatement ps, int index, List<String> values) throws SQLException {
      return bindEach(ps, index, values);
    }

    @Override
    String insertMissingUsers(String users, int n) {
      StringBuilder sb = new StringBuilder("INSERT INTO ").append(users)
          .append(" (user_id) SELECT DISTINCT x.u FROM (VALUES ");
      for (int i = 0; i < slots(n); i++) {
        sb.append(i == 0 ? "(?)" : ",(?)");
      }
      return sb.append(") AS x(u) WHERE NOT EXISTS (SELECT 1 FROM ").append(users)
          .append(" t WHERE t.user_id = x.u)").toString();
    }

    @Override
    String addToCounter(String counters) {
      return "MERGE INTO " + counters + " c USING (VALUES (CAST(? AS VARCHAR(256)), CAST(? AS INTEGER),"
          + " CAST(? AS VARCHAR(64)), CAST(? AS SMALLINT), CAST(? AS BIGINT))) AS d(campaign_id, step, counter, shard,"
          + " amount) ON c.campaign_id = d.campaign_id AND c.step = d.step AND c.counter = d.counter"
          + " AND c.shard = d.shard WHEN MATCHED THEN UPDATE SET amount = c.amount + d.amount"
          + " WHEN NOT MATCHED THEN INSERT (campaign_id, step, counter, shard, amount)"
          + " VALUES (d.campaign_id, d.step, d.counter, d.shard, d.amount)";
    }

    @Override
    void lockSchema(Connection c, String prefix) {
      // One process: the store's own lock (see Schema) keeps migrations apart.
    }
  },
  /** PostgreSQL 12 or later. */
  POSTGRESQL("postgresql") {
    @Override
    String insertMissingUsers(String users, int n) {
      return "INSERT INTO " + users + " (user_id) SELECT u FROM unnest(CAST(? AS text[])) AS x(u) ORDER BY u"
          + " ON CONFLICT DO NOTHING";
    }

    @Override
    String addToCounter(String counters) {
      return "INSERT INTO " + counters + " AS c (campaign_id, step, counter, shard, amount) VALUES (?,?,?,?,?)"
          + " ON CONFLICT (campaign_id, step, counter, shard) DO UPDATE SET amount = c.amount + EXCLUDED.amount";
    }

    @Override
    void lockSchema(Connection c, String prefix) throws SQLException {
      // Held until the migration's transaction ends; works before any table exists.
      try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
        ps.setLong(1, 0x4e75646765L << 24 ^ prefix.hashCode());
        ps.executeQuery().close();
      }
    }
  },
  /** MySQL 8 and MariaDB 10.6 or later (both have {@code SKIP LOCKED}). */
  MYSQL("mysql") {
    @Override
    String anyOf(String column, int n) {
      return inList(column, n);
    }

    @Override
    int bind(Connection c, PreparedStatement ps, int index, List<String> values) throws SQLException {
      return bindEach(ps, index, values);
    }

    @Override
    String insertMissingUsers(String users, int n) {
      // Locks existing rows too, in the (sorted) order given, without a shared-lock upgrade.
      StringBuilder sb = new StringBuilder("INSERT INTO ").append(users).append(" (user_id) VALUES ");
      for (int i = 0; i < slots(n); i++) {
        sb.append(i == 0 ? "(?)" : ",(?)");
      }
      return sb.append(" ON DUPLICATE KEY UPDATE user_id = user_id").toString();
    }

    @Override
    String addToCounter(String counters) {
      return "INSERT INTO " + counters + " (campaign_id, step, counter, shard, amount) VALUES (?,?,?,?,?)"
          + " ON DUPLICATE KEY UPDATE amount = amount + VALUES(amount)";
    }

    @Override
    void lockSchema(Connection c, String prefix) throws SQLException {
      try (PreparedStatement ps = c.prepareStatement("SELECT GET_LOCK(?, 60)")) {
        ps.setString(1, prefix + "schema");
        try (var rs = ps.executeQuery()) {
          if (!rs.next() || rs.getInt(1) != 1) {
            throw new SQLException("could not take the schema migration lock '" + prefix + "schema' within 60 s");
          }
        }
      }
    }

    @Override
    void unlockSchema(Connection c, String prefix) throws SQLException {
      try (PreparedStatement ps = c.prepareStatement("SELECT RELEASE_LOCK(?)")) {
        ps.setString(1, prefix + "schema");
        ps.executeQuery().close();
      }
    }

    @Override
    boolean retryable(SQLException e) {
      return super.retryable(e) || e.getErrorCode() == 1213 || e.getErrorCode() == 1205 || e.getErrorCode() == 1062;
    }
  };

  private final String folder;

  Dialect(String folder) {
    this.folder = folder;
  }

  /** The dialect of the database {@code metadata} describes. */
  static Dialect detect(DatabaseMetaData metadata) throws SQLException {
    String product = metadata.getDatabaseProductName().toLowerCase(Locale.ROOT);
    if (product.contains("h2")) {
      return H2;
    }
    if (product.contains("postgres")) {
      return POSTGRESQL;
    }
    if (product.contains("mysql") || product.contains("mariadb")) {
      return MYSQL;
    }
    throw new IllegalStateException("JdbcStore does not know the database '" + metadata.getDatabaseProductName()
        + "'; it supports H2, PostgreSQL, MySQL 8 and MariaDB 10.6+ (set one with JdbcStore.Builder.dialect)");
  }

  /**
   * How many parameters a list of {@code n} values is bound as: {@code n} up to 16, else the next
   * power of two (the last value repeated). So a handful of statement texts cover every batch,
   * and the database's statement cache keeps them parsed.
   */
  static int slots(int n) {
    return n <= 16 ? n : Integer.highestOneBit(n - 1) << 1;
  }

  private static String inList(String column, int n) {
    int slots = slots(n);
    StringBuilder sb = new StringBuilder(column.length() + 8 + 2 * slots).append(column).append(" IN (");
    for (int i = 0; i < slots; i++) {
      sb.append(i == 0 ? "?" : ",?");
    }
    return sb.append(')').toString();
  }

  private static int bindEach(PreparedStatement ps, int index, List<String> values) throws SQLException {
    for (String v : values) {
      ps.setString(index++, v);
    }
    String last = values.isEmpty() ? null : values.get(values.size() - 1);
    for (int i = values.size(); i < slots(values.size()); i++) {
      ps.setString(index++, last);
    }
    return index;
  }

  /** Where this dialect's DDL resources are, under {@code dev/nudge/store/jdbc/}. */
  String folder() {
    return folder;
  }

  /** A condition that {@code column} is one of {@code n} values bound by {@link #bind}. */
  String anyOf(String column, int n) {
    return column + " = ANY(?)";
  }

  /** Binds the values of an {@link #anyOf} condition at {@code index}; returns the next index. */
  int bind(Connection c, PreparedStatement ps, int index, List<String> values) throws SQLException {
    ps.setArray(index, c.createArrayOf("text", values.toArray()));
    return index + 1;
  }

  /** Creates the user rows that do not exist yet for {@code n} user ids bound by {@link #bind}. */
  abstract String insertMissingUsers(String users, int n);

  /**
   * Adds to one counter shard row, creating it when missing: parameters campaign id, step,
   * counter name, shard, delta.
   */
  abstract String addToCounter(String counters);

  /** Keeps concurrent schema migrations apart (inside the migration's transaction). */
  abstract void lockSchema(Connection c, String prefix) throws SQLException;

  /** Releases what {@link #lockSchema} took, when the transaction end does not. */
  void unlockSchema(Connection c, String prefix) throws SQLException {}

  /**
   * Whether a failed transaction is worth running again as a whole: deadlocks, serialization
   * failures, lock timeouts, and a unique key taken by a concurrent transaction (an event id or
   * user row inserted meanwhile, which the retry then reads).
   */
  boolean retryable(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause() != null ? t.getCause()
        : t instanceof SQLException s ? s.getNextException() : null) {
      if (t instanceof SQLException s && s.getSQLState() != null) {
        String state = s.getSQLState();
        if (state.equals("40001") || state.equals("40P01") || state.equals("23505") || state.equals("HYT00")
            || state.equals("55P03")) {
          return true;
        }
      }
    }
    return false;
  }
}
