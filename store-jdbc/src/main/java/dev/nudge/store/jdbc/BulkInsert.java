package dev.nudge.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

/**
 * The rows one transaction inserts into one table. On PostgreSQL they go as one statement,
 * {@code INSERT ... SELECT * FROM unnest(?, ?, ...)} with one array per column: one parse, bind
 * and execute for the whole batch whatever the driver's {@code reWriteBatchedInserts} setting.
 * Elsewhere they go as a JDBC batch of single-row inserts. Not thread-safe; used by one committer.
 */
final class BulkInsert {
  /** A column's type: its SQL array cast, its pgjdbc array element name and its JDBC type. */
  enum Type {
    TEXT("text[]", "text", Types.VARCHAR),
    BIGINT("bigint[]", "int8", Types.BIGINT),
    INTEGER("integer[]", "int4", Types.INTEGER),
    BOOLEAN("boolean[]", "bool", Types.BOOLEAN);

    final String arrayCast;
    final String element;
    final int jdbc;

    Type(String arrayCast, String element, int jdbc) {
      this.arrayCast = arrayCast;
      this.element = element;
      this.jdbc = jdbc;
    }
  }

  private final String table;
  private final String columns;
  private final Type[] types;
  private final List<Object[]> rows = new ArrayList<>();

  /** Rows for {@code table}'s {@code columns} (comma-separated, in the order of {@code types}). */
  BulkInsert(String table, String columns, Type... types) {
    this.table = table;
    this.columns = columns;
    this.types = types;
  }

  /** Adds a row: one value per column, {@code null} for SQL NULL. */
  void add(Object... values) {
    if (values.length != types.length) {
      throw new IllegalArgumentException(values.length + " values for the " + types.length + " columns of " + table);
    }
    rows.add(values);
  }

  /** Inserts the rows added so far (nothing when none). */
  void execute(Connection c, Dialect dialect) throws SQLException {
    if (rows.isEmpty()) {
      return;
    }
    if (dialect == Dialect.POSTGRESQL) {
      StringBuilder sql = new StringBuilder("INSERT INTO ").append(table).append(" (").append(columns)
          .append(") SELECT * FROM unnest(");
      for (int i = 0; i < types.length; i++) {
        sql.append(i == 0 ? "" : ", ").append("CAST(? AS ").append(types[i].arrayCast).append(')');
      }
      try (PreparedStatement ps = c.prepareStatement(sql.append(')').toString())) {
        for (int col = 0; col < types.length; col++) {
          Object[] values = new Object[rows.size()];
          for (int row = 0; row < values.length; row++) {
            values[row] = rows.get(row)[col];
          }
          ps.setArray(col + 1, c.createArrayOf(types[col].element, values));
        }
        ps.executeUpdate();
      }
      return;
    }
    StringBuilder sql = new StringBuilder("INSERT INTO ").append(table).append(" (").append(columns)
        .append(") VALUES (");
    for (int i = 0; i < types.length; i++) {
      sql.append(i == 0 ? "?" : ",?");
    }
    try (PreparedStatement ps = c.prepareStatement(sql.append(')').toString())) {
      for (Object[] row : rows) {
        bind(ps, 1, row, types);
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  /** Binds {@code values} of these types from {@code index} on; returns the next index. */
  static int bind(PreparedStatement ps, int index, Object[] values, Type[] types) throws SQLException {
    for (int i = 0; i < values.length; i++) {
      if (values[i] == null) {
        ps.setNull(index++, types[i].jdbc);
      } else {
        ps.setObject(index++, values[i], types[i].jdbc);
      }
    }
    return index;
  }
}
