package dev.nudge.examples;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.ToNumberPolicy;
import dev.nudge.spi.UserStore;
import dev.nudge.store.tck.UserStoreTck;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;

/**
 * The store test kit's user tests on {@link AppUsers}, read-only: the kit's write tests skip ("the
 * host owns its users"), its read tests run on rows this test inserts the way a host's code would,
 * into a table {@code tck_users} with a typed column per attribute the kit uses (text, boolean,
 * BIGINT, NUMERIC(40, 0), DOUBLE PRECISION) and JSON text columns for its lists and maps, which
 * the adapter reads through a converter. On H2; the subclasses run them on PostgreSQL and MariaDB
 * (skipped without their URLs, failed on CI; see {@link HostDatabases}).
 */
class AppUsersTckTest extends UserStoreTck {
  /** JSON numbers as the engine's kinds: a whole number a Long, any other a Double. */
  private static final Gson JSON = new GsonBuilder().setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE).create();

  /** Attribute name to column, as the host's schema names them. */
  private static final Map<String, String> COLUMNS = columns();
  private static final List<String> JSON_COLUMNS = List.of("tags", "address", "nothing");

  private DataSource db;

  /** The database the tests run on. */
  HostDatabases database() {
    return HostDatabases.H2;
  }

  @Override
  protected UserStore newUserStore() {
    db = open(database());
    return adapter(db);
  }

  @Override
  protected void givenAttributes(String userId, Map<String, Object> attributes) {
    insert(db, userId, attributes);
  }

  @AfterEach
  void closeDatabase() {
    if (db != null) {
      HostDatabases.close(db);
    }
  }

  // ------------------------------------------------------------------ the host's table and code

  private static Map<String, String> columns() {
    Map<String, String> m = new LinkedHashMap<>();
    for (String name : List.of("first_name", "vip", "churned", "age", "negative", "huge", "lat", "score", "big",
        "tiny", "tags", "address", "nothing")) {
      m.put(name, name);
    }
    m.put("empty", "empty_text");
    m.put("max", "max_long");
    m.put("min", "min_long");
    m.put("hugeNegative", "huge_negative");
    m.put("zeroDouble", "zero_double");
    return Collections.unmodifiableMap(m);
  }

  private static DataSource open(HostDatabases database) {
    DataSource ds = database.open();
    boolean maria = database == HostDatabases.MARIADB;
    String dbl = maria ? "DOUBLE" : "DOUBLE PRECISION";
    String json = database == HostDatabases.POSTGRESQL ? "TEXT" : maria ? "MEDIUMTEXT" : "VARCHAR(100000)";
    HostDatabases.execute(ds, "DROP TABLE IF EXISTS tck_users",
        "CREATE TABLE tck_users (id VARCHAR(256)" + (maria ? " CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin" : "")
            + " NOT NULL PRIMARY KEY, first_name VARCHAR(200), empty_text VARCHAR(10), vip BOOLEAN, churned BOOLEAN,"
            + " age BIGINT, negative BIGINT, max_long BIGINT, min_long BIGINT,"
            + " huge DECIMAL(40, 0), huge_negative DECIMAL(40, 0),"
            + " lat " + dbl + ", score " + dbl + ", zero_double " + dbl + ", big " + dbl + ", tiny " + dbl + ","
            + " tags " + json + ", address " + json + ", nothing " + json + ")"
            + (maria ? " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4" : ""));
    return ds;
  }

  /** The adapter as the host configures it: each column mapped, the JSON ones through a converter. */
  private static UserStore adapter(DataSource ds) {
    AppUsers.Builder b = AppUsers.builder(ds).table("tck_users");
    COLUMNS.forEach((name, column) -> {
      if (JSON_COLUMNS.contains(column)) {
        b.attribute(column, name, text -> JSON.fromJson(text.toString(), Object.class));
      } else {
        b.attribute(column, name);
      }
    });
    return b.build();
  }

  /** Inserts a user's row, a column for each attribute, as the host's own code would. */
  private static void insert(DataSource ds, String userId, Map<String, Object> attributes) {
    List<String> columns = new ArrayList<>();
    List<Object> values = new ArrayList<>();
    attributes.forEach((name, value) -> {
      String column = COLUMNS.get(name);
      if (column == null) {
        throw new IllegalArgumentException("tck_users has no column for attribute " + name);
      }
      columns.add(column);
      values.add(value);
    });
    String sql = "INSERT INTO tck_users (id" + columns.stream().map(c -> ", " + c).reduce("", String::concat)
        + ") VALUES (?" + ", ?".repeat(columns.size()) + ")";
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, userId);
      for (int i = 0; i < values.size(); i++) {
        Object v = values.get(i);
        int at = i + 2;
        if (v instanceof String s) {
          ps.setString(at, s);
        } else if (v instanceof Boolean bool) {
          ps.setBoolean(at, bool);
        } else if (v instanceof Long n) {
          ps.setLong(at, n);
        } else if (v instanceof BigInteger big) {
          ps.setBigDecimal(at, new BigDecimal(big));
        } else if (v instanceof Double d) {
          ps.setDouble(at, d);
        } else {
          ps.setString(at, JSON.toJson(v)); // a list or a map, in a JSON column
        }
      }
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException("could not insert user " + userId + ": " + e.getMessage(), e);
    }
  }
}
