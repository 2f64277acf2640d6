package dev.nudge.examples;

import dev.nudge.spi.UserStore;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * A read-only {@link UserStore} over the host's own users table, on plain JDBC: <b>copy and
 * adapt</b> it to your schema rather than depending on it. Give it to the engine with
 * {@code Nudge.builder().users(new AppUsers(dataSource))}. The engine never writes here (the
 * host owns its users: {@code Nudge.setUserAttributes} is refused); it reads a user's row through
 * a cache ({@code Nudge.Builder.userCache}), so a change to the table shows within the cache's
 * expiry, and a burst of sends to one user reads the row once.
 *
 * <p>{@link #attributes} reads one row, {@code SELECT <mapped columns> FROM <table> WHERE <id> = ?},
 * and maps each chosen column to an attribute. An unknown user, like a column that is
 * {@code NULL}, has no attribute: the engine then uses a template's {@code default:} or
 * suppresses the reminder ({@code MISSING_VALUE}). Columns not mapped are never read.
 *
 * <p>The value of a column is what JDBC's {@code getObject} returns, converted to the kinds the
 * engine keeps:
 * <table>
 *   <caption>JDBC value to attribute</caption>
 *   <tr><th>{@code getObject} returns</th><th>attribute</th><th>typical columns</th></tr>
 *   <tr><td>String, Character, Clob</td><td>String</td><td>VARCHAR, TEXT, CHAR, CLOB</td></tr>
 *   <tr><td>Boolean</td><td>Boolean</td><td>BOOLEAN (TINYINT(1) on MariaDB)</td></tr>
 *   <tr><td>Byte, Short, Integer, Long</td><td>Long</td><td>SMALLINT, INTEGER, BIGINT</td></tr>
 *   <tr><td>BigInteger</td><td>Long if it fits, else BigInteger</td><td>BIGINT UNSIGNED</td></tr>
 *   <tr><td>BigDecimal of scale 0 or less</td><td>Long if it fits, else BigInteger</td><td>NUMERIC(p),
 *       DECIMAL(p, 0)</td></tr>
 *   <tr><td>BigDecimal of scale above 0</td><td>Double</td><td>DECIMAL(10, 2): always Double, as every
 *       value has scale 2</td></tr>
 *   <tr><td>Double, Float</td><td>Double (a float by its decimal digits: 0.1f is 0.1)</td><td>DOUBLE
 *       PRECISION, REAL</td></tr>
 * </table>
 * A NaN or infinite number has no attribute (the engine keeps finite numbers only). Any other type
 * (dates, timestamps, UUIDs, arrays, bytes, JSON objects) is refused when the adapter is built,
 * from the result set's metadata, naming the column: map such a column with
 * {@link Builder#attribute(String, String, Function) a converter} of your own, e.g. a date to its
 * ISO text. A converter's result is converted by the same rules, and may also be a list or a map
 * of such values.
 *
 * <p>Thread-safe: it keeps no state but the data source, which should be a connection pool.
 */
public final class AppUsers implements UserStore {
  private static final System.Logger LOG = System.getLogger(AppUsers.class.getName());
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");
  private static final Pattern TABLE = Pattern.compile("([A-Za-z_][A-Za-z0-9_]{0,62}\\.)?[A-Za-z_][A-Za-z0-9_]{0,62}");
  /** The classes {@code getObject} may return for a column mapped without a converter. */
  private static final Set<String> CONVERTIBLE = Set.of("java.lang.String", "java.lang.Character", "java.sql.Clob",
      "java.lang.Boolean", "java.lang.Byte", "java.lang.Short", "java.lang.Integer", "java.lang.Long",
      "java.math.BigInteger", "java.math.BigDecimal", "java.lang.Float", "java.lang.Double");

  private final DataSource dataSource;
  private final String table;
  private final String idColumn;
  private final List<Mapping> mappings;
  private final String select;
  /** Whether the id column is a number column: user ids are then bound with setLong. */
  private final boolean numericIds;
  /** Per mapping: read with getString (a CLOB) rather than getObject. */
  private final boolean[] asText;
  private final AtomicBoolean nonFiniteLogged = new AtomicBoolean();

  /**
   * The adapter over the default table {@code app_users}, mapping {@code first_name} to
   * {@code firstName}, {@code country} to {@code country}, {@code vip} to {@code vip},
   * {@code orders} to {@code orders} and {@code lifetime_value} to {@code lifetimeValue}.
   */
  public AppUsers(DataSource dataSource) {
    this(builder(dataSource)
        .attribute("first_name", "firstName")
        .attribute("country", "country")
        .attribute("vip", "vip")
        .attribute("orders", "orders")
        .attribute("lifetime_value", "lifetimeValue"));
  }

  private AppUsers(Builder b) {
    if (b.mappings.isEmpty()) {
      throw new IllegalArgumentException("no attribute is mapped; add attribute(column, name) for each column the"
          + " engine should read");
    }
    this.dataSource = b.dataSource;
    this.table = b.table;
    this.idColumn = b.idColumn;
    this.mappings = List.copyOf(b.mappings);
    List<String> columns = mappings.stream().map(Mapping::column).toList();
    this.select = "SELECT " + String.join(", ", columns) + " FROM " + table + " WHERE " + idColumn + " = ?";
    this.asText = new boolean[mappings.size()];
    this.numericIds = checkColumns();
  }

  /** Starts configuring the adapter over a table of another name, or to map other columns. */
  public static Builder builder(DataSource dataSource) {
    return new Builder(dataSource);
  }

  /**
   * Creates the default table {@code app_users} if it does not exist, on H2, PostgreSQL or
   * MariaDB: for the example and tests only, since a host has its table. Its {@code email}
   * column stands for the many a host has that the engine never reads.
   */
  public static void createTable(DataSource dataSource) {
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
      String product = c.getMetaData().getDatabaseProductName();
      String id;
      String tail;
      if (product.equals("MariaDB")) {
        id = "VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin"; // user ids compare exactly
        tail = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
      } else if (product.equals("H2") || product.equals("PostgreSQL")) {
        id = "VARCHAR(256)";
        tail = "";
      } else {
        throw new IllegalStateException("createTable knows H2, PostgreSQL and MariaDB, not " + product
            + "; create the table with your own DDL (see docs/host-tables.md)");
      }
      s.execute("CREATE TABLE IF NOT EXISTS app_users (id " + id + " NOT NULL PRIMARY KEY,"
          + " first_name VARCHAR(100), country CHAR(2), vip BOOLEAN NOT NULL DEFAULT FALSE, orders INTEGER,"
          + " lifetime_value DOUBLE PRECISION, email VARCHAR(320))" + tail);
    } catch (SQLException e) {
      throw new IllegalStateException("could not create the table app_users: " + e.getMessage(), e);
    }
  }

  /** The user's mapped attributes; empty for an unknown user. Never {@code null}. */
  @Override
  public Map<String, Object> attributes(String userId) {
    Long numericId = null;
    if (numericIds) {
      try {
        numericId = Long.valueOf(userId);
      } catch (NumberFormatException e) {
        return Map.of(); // no row can have this id
      }
    }
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(select)) {
      if (numericId != null) {
        ps.setLong(1, numericId);
      } else {
        ps.setString(1, userId);
      }
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Map.of();
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < mappings.size(); i++) {
          Mapping m = mappings.get(i);
          Object raw = asText[i] ? rs.getString(i + 1) : rs.getObject(i + 1);
          Object value = raw == null ? null : attributeValue(userId, m, raw);
          if (value != null) {
            out.put(m.name(), value);
          }
        }
        return Collections.unmodifiableMap(out);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("AppUsers could not read user " + userId + " from " + table + ": SQLState "
          + e.getSQLState() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "AppUsers{" + table + "}";
  }

  private Object attributeValue(String userId, Mapping m, Object raw) {
    Object in;
    try {
      in = m.converter() == null ? raw : m.converter().apply(raw);
    } catch (RuntimeException e) {
      throw new IllegalStateException("the converter of " + table + "." + m.column() + " failed for user " + userId
          + " on a " + raw.getClass().getName(), e);
    }
    try {
      return value(in, m.converter() != null);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(table + "." + m.column() + " of user " + userId + ": " + e.getMessage(), e);
    }
  }

  /**
   * One value in the engine's kinds, by the rules of the class Javadoc; {@code null} for none (a
   * {@code NULL}, NaN or infinity). Lists and maps only from a converter.
   */
  private Object value(Object v, boolean nested) {
    if (v == null) {
      return null;
    }
    if (v instanceof String || v instanceof Boolean) {
      return v;
    }
    if (v instanceof Character ch) {
      return ch.toString();
    }
    if (v instanceof Byte || v instanceof Short || v instanceof Integer || v instanceof Long) {
      return ((Number) v).longValue();
    }
    if (v instanceof BigInteger big) {
      return big.bitLength() < 64 ? (Object) big.longValue() : big;
    }
    if (v instanceof BigDecimal dec) {
      if (dec.scale() <= 0) {
        BigInteger big = dec.toBigIntegerExact();
        return big.bitLength() < 64 ? (Object) big.longValue() : big;
      }
      return finite(dec.doubleValue());
    }
    if (v instanceof Float f) {
      return finite(Double.parseDouble(f.toString())); // 0.1f as 0.1, not 0.10000000149011612
    }
    if (v instanceof Double d) {
      return finite(d);
    }
    if (nested && v instanceof List<?> list) {
      List<Object> out = new ArrayList<>(list.size());
      for (Object e : list) {
        Object converted = value(e, true);
        if (converted == null) {
          throw new IllegalArgumentException("the converter's list holds a null or non-finite element");
        }
        out.add(converted);
      }
      return Collections.unmodifiableList(out);
    }
    if (nested && v instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!(e.getKey() instanceof String key)) {
          throw new IllegalArgumentException("the converter's map has a key that is not a String: " + e.getKey());
        }
        Object converted = value(e.getValue(), true);
        if (converted != null) {
          out.put(key, converted);
        }
      }
      return Collections.unmodifiableMap(out);
    }
    throw new IllegalArgumentException("a " + v.getClass().getName() + " is not a kind the engine keeps (String,"
        + " Boolean, Long, BigInteger, Double" + (nested ? ", and lists and maps of those" : "") + ")");
  }

  private Double finite(double d) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      if (nonFiniteLogged.compareAndSet(false, true)) {
        LOG.log(System.Logger.Level.WARNING, table + " holds " + d + "; the engine keeps finite numbers only,"
            + " so such values are read as no attribute (logged once)");
      }
      return null;
    }
    return d;
  }

  /**
   * Checks the table and every mapped column from the metadata of an empty query (a typo or a
   * column of a type the engine does not keep fails here, not at the first send); whether ids are
   * numbers.
   */
  private boolean checkColumns() {
    String columns = idColumn + ", " + String.join(", ", mappings.stream().map(Mapping::column).toList());
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT " + columns + " FROM " + table + " WHERE 1 = 0")) {
      ResultSetMetaData md = rs.getMetaData();
      for (int i = 0; i < mappings.size(); i++) {
        Mapping m = mappings.get(i);
        int type = md.getColumnType(i + 2);
        String javaClass = md.getColumnClassName(i + 2);
        asText[i] = type == Types.CLOB || type == Types.NCLOB || "java.sql.Clob".equals(javaClass);
        if (m.converter() == null && !asText[i] && !CONVERTIBLE.contains(javaClass)) {
          throw new IllegalStateException("column " + table + "." + m.column() + " (" + md.getColumnTypeName(i + 2)
              + ") is read as " + javaClass + ", not a kind the engine keeps (String, Boolean, Long, BigInteger,"
              + " Double); map it with attribute(\"" + m.column() + "\", \"" + m.name() + "\", converter), e.g."
              + " value -> value.toString()");
        }
      }
      int idType = md.getColumnType(1);
      return idType == Types.BIGINT || idType == Types.INTEGER || idType == Types.SMALLINT;
    } catch (SQLException e) {
      throw new IllegalStateException("the users table " + table + " with columns " + columns + " cannot be read ("
          + e.getMessage() + "); create it (see AppUsers.createTable) or configure its names with"
          + " AppUsers.builder(dataSource)", e);
    }
  }

  private record Mapping(String column, String name, Function<Object, ?> converter) {}

  /**
   * Names the host's users table, its id column and the columns the engine reads, each with the
   * attribute name templates and audience conditions use. Column and table names are plain SQL
   * identifiers (letters, digits, {@code _}; the table may be {@code schema.table}). Not
   * thread-safe.
   */
  public static final class Builder {
    private final DataSource dataSource;
    private String table = "app_users";
    private String idColumn = "id";
    private final List<Mapping> mappings = new ArrayList<>();
    private final Set<String> names = new HashSet<>();

    private Builder(DataSource dataSource) {
      if (dataSource == null) {
        throw new IllegalArgumentException("dataSource is required; pass the DataSource of the host's database");
      }
      this.dataSource = dataSource;
    }

    /** The table (default {@code app_users}), optionally {@code schema.table}. */
    public Builder table(String name) {
      this.table = checked("table", TABLE, name);
      return this;
    }

    /** The column holding the user id (default {@code id}): text, or a number column for numeric ids. */
    public Builder idColumn(String name) {
      this.idColumn = checked("idColumn", NAME, name);
      return this;
    }

    /** Reads {@code column} as attribute {@code name}, converted by the rules of {@link AppUsers}. */
    public Builder attribute(String column, String name) {
      return add(column, name, null);
    }

    /**
     * Reads {@code column} as attribute {@code name} through {@code converter}, which receives the
     * non-null {@code getObject} value and returns a String, Boolean, number, list or map (or
     * {@code null} for no attribute), e.g. {@code attribute("signed_up", "signedUp", v -> v.toString())}.
     */
    public Builder attribute(String column, String name, Function<Object, ?> converter) {
      if (converter == null) {
        throw new IllegalArgumentException("converter of column " + column + " is null; use attribute(column, name)");
      }
      return add(column, name, converter);
    }

    private Builder add(String column, String name, Function<Object, ?> converter) {
      checked("column", NAME, column);
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("the attribute name of column " + column + " is blank");
      }
      if (!names.add(name)) {
        throw new IllegalArgumentException("attribute '" + name + "' is mapped twice; map each attribute from one"
            + " column");
      }
      mappings.add(new Mapping(column, name, converter));
      return this;
    }

    /**
     * Builds the adapter.
     *
     * @throws IllegalArgumentException when no attribute is mapped
     * @throws IllegalStateException when the table or a column cannot be read, or a column without
     *     a converter is of a type the engine does not keep
     */
    public AppUsers build() {
      return new AppUsers(this);
    }

    private static String checked(String what, Pattern pattern, String name) {
      if (name == null || !pattern.matcher(name).matches()) {
        throw new IllegalArgumentException(what + " '" + name + "' is not a plain SQL name; use letters, digits"
            + " and '_', starting with a letter" + (pattern == TABLE ? " (schema.table allowed)" : ""));
      }
      return name;
    }
  }
}
