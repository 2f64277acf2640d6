package dev.nudge.examples;

import dev.nudge.Device;
import dev.nudge.Platform;
import dev.nudge.spi.DeviceStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * A {@link DeviceStore} over the host's own table of push tokens, on plain JDBC: <b>copy and
 * adapt</b> it to your schema rather than depending on it. Give it to the engine with
 * {@code Nudge.builder().devices(new AppDevices(dataSource))}; your own code may keep writing the
 * table as it does today (a login inserts a row), and the engine reads it on every send and sets
 * {@code active = false} on a token the platform says is dead.
 *
 * <p>The table, by default ({@link #createTable} makes it, for the example and tests; your table
 * already exists):
 *
 * <pre>
 * app_devices(id       identity, the order of first registration
 *             user_id  text      the user (a numeric column works too: ids are bound as numbers)
 *             platform text      a {@link Platform} name: IOS, ANDROID, WEB
 *             token    text      the push token; unique with platform
 *             locale   text      a BCP 47 tag (en-US), may be null
 *             zone     text      an IANA zone id (Europe/Paris), may be null
 *             active   boolean   false once the platform said the token is dead)
 * </pre>
 *
 * <p>What the table must keep, and how this class keeps it:
 * <ul>
 *   <li><b>Identity</b>: a device is its platform and token, compared exactly (a unique key on
 *       both, with a case- and space-sensitive collation: {@code utf8mb4_nopad_bin} or
 *       {@code ascii_nopad_bin} on MariaDB, where the default collation would make {@code abc}
 *       and {@code ABC } one token). Registering a known token updates its row in place.
 *   <li><b>Order</b>: a user's devices are listed in the order they were first registered, here
 *       by the identity column {@code id}, which every insert takes from the database's own
 *       counter. Moving a token to another user is a first registration there, so the row is
 *       deleted and inserted again (it gets a new {@code id}); columns of your own on that row
 *       take their defaults. A {@code created_at} timestamp would keep the row, but two
 *       registrations within its precision would tie, and ties leave the order to the database.
 *   <li><b>Active</b>: a dead token is marked, not deleted, so a later registration of the same
 *       token (the app reinstalled) makes it active again in its old position.
 * </ul>
 *
 * <p>The SQL is the same on H2, PostgreSQL and MariaDB: {@code SELECT ... FOR UPDATE} then
 * {@code UPDATE}, {@code INSERT} or {@code DELETE} in one transaction (no {@code MERGE} or
 * {@code ON CONFLICT}, whose spelling differs). Two instances registering the same new token at
 * once meet at the unique key; the loser's transaction is tried once more, and then finds the row.
 * Names are configurable ({@link #builder}); they are used unquoted, as your DDL most likely
 * declared them. A row with a platform this engine does not know is not listed; a locale or zone
 * that does not parse is read as absent (logged once).
 *
 * <p>Thread-safe: it keeps no state but the data source, which should be a connection pool.
 */
public final class AppDevices implements DeviceStore {
  private static final System.Logger LOG = System.getLogger(AppDevices.class.getName());
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");
  private static final Pattern TABLE = Pattern.compile("([A-Za-z_][A-Za-z0-9_]{0,62}\\.)?[A-Za-z_][A-Za-z0-9_]{0,62}");
  /** Tokens per {@code IN (...)} list in {@link #registerAll}: well under every driver's parameter limit. */
  private static final int IN_LIST = 500;

  private final DataSource dataSource;
  private final String table;
  private final String id;
  private final String userId;
  private final String platform;
  private final String token;
  private final String locale;
  private final String zone;
  private final String active;
  /** Whether the user id column is a number column: user ids are then bound with setLong. */
  private final boolean numericUserIds;
  private final AtomicBoolean badLocaleLogged = new AtomicBoolean();
  private final AtomicBoolean badZoneLogged = new AtomicBoolean();
  private final AtomicBoolean unknownPlatformLogged = new AtomicBoolean();

  /** The adapter over the default table {@code app_devices} and its default column names. */
  public AppDevices(DataSource dataSource) {
    this(builder(dataSource));
  }

  private AppDevices(Builder b) {
    this.dataSource = b.dataSource;
    this.table = b.table;
    this.id = b.id;
    this.userId = b.userId;
    this.platform = b.platform;
    this.token = b.token;
    this.locale = b.locale;
    this.zone = b.zone;
    this.active = b.active;
    this.numericUserIds = checkColumns();
  }

  /** Starts configuring the adapter over a table whose name or column names differ from the defaults. */
  public static Builder builder(DataSource dataSource) {
    return new Builder(dataSource);
  }

  /**
   * Creates the default table {@code app_devices} if it does not exist, on H2, PostgreSQL or
   * MariaDB: for the example and tests only, since a host has its table.
   */
  public static void createTable(DataSource dataSource) {
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
      String product = c.getMetaData().getDatabaseProductName();
      if (product.equals("MariaDB")) {
        // Binary, no-pad collations: tokens and user ids compare exactly, trailing spaces included.
        // ASCII tokens keep the unique key within InnoDB's 3072 bytes.
        s.execute("CREATE TABLE IF NOT EXISTS app_devices ("
            + " id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
            + " user_id VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,"
            + " platform VARCHAR(16) CHARACTER SET ascii COLLATE ascii_nopad_bin NOT NULL,"
            + " token VARCHAR(2048) CHARACTER SET ascii COLLATE ascii_nopad_bin NOT NULL,"
            + " locale VARCHAR(64), zone VARCHAR(64), active BOOLEAN NOT NULL DEFAULT TRUE,"
            + " UNIQUE KEY app_devices_token (platform, token), KEY app_devices_user (user_id, id)"
            + ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
      } else if (product.equals("H2") || product.equals("PostgreSQL")) {
        // 2048 characters: a PostgreSQL B-tree entry holds at most about 2700 bytes.
        s.execute("CREATE TABLE IF NOT EXISTS app_devices ("
            + " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
            + " user_id VARCHAR(256) NOT NULL, platform VARCHAR(16) NOT NULL, token VARCHAR(2048) NOT NULL,"
            + " locale VARCHAR(64), zone VARCHAR(64), active BOOLEAN NOT NULL DEFAULT TRUE,"
            + " CONSTRAINT app_devices_token UNIQUE (platform, token))");
        s.execute("CREATE INDEX IF NOT EXISTS app_devices_user ON app_devices (user_id, id)");
      } else {
        throw new IllegalStateException("createTable knows H2, PostgreSQL and MariaDB, not " + product
            + "; create the table with your own DDL (see docs/host-tables.md)");
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not create the table app_devices: " + e.getMessage(), e);
    }
  }

  // ------------------------------------------------------------------ DeviceStore

  @Override
  public void register(Device device) {
    Objects.requireNonNull(device, "device");
    inTransaction("register device " + device, c -> {
      String owner = lockOwner(c, device.platform(), device.token());
      if (owner != null && owner.equals(device.userId())) {
        update(c, List.of(device)); // refreshed in place: keeps its position
        return null;
      }
      if (owner != null) {
        delete(c, List.of(device)); // moving to another user is a first registration there
      }
      insert(c, List.of(device));
      return null;
    });
  }

  /**
   * Registers the devices in one transaction: one locking query per platform and 500 tokens for
   * the rows already there, then batched deletes, updates and inserts, with the outcome of
   * {@link #register} one after the other.
   */
  @Override
  public void registerAll(Collection<Device> devices) {
    List<Device> all = List.copyOf(devices); // rejects null elements
    if (all.isEmpty()) {
      return;
    }
    inTransaction("register " + all.size() + " devices", c -> {
      Map<Key, String> owners = lockOwners(c, all);
      // Replay in order: the last registration of a token wins; one that changes user (or was
      // not there) is a first registration, positioned where it happened.
      Map<Key, Registration> rows = new LinkedHashMap<>();
      for (int i = 0; i < all.size(); i++) {
        Device d = all.get(i);
        Key key = new Key(d.platform(), d.token());
        Registration before = rows.get(key);
        String owner = before != null ? before.device.userId() : owners.get(key);
        boolean sameUser = d.userId().equals(owner);
        rows.put(key, sameUser && before != null ? new Registration(d, before.insert, before.position)
            : new Registration(d, !sameUser, i));
      }
      List<Device> deletes = new ArrayList<>();
      List<Device> updates = new ArrayList<>();
      List<Registration> inserts = new ArrayList<>();
      for (Map.Entry<Key, Registration> e : rows.entrySet()) {
        Registration r = e.getValue();
        if (!r.insert) {
          updates.add(r.device);
        } else {
          if (owners.containsKey(e.getKey())) {
            deletes.add(r.device);
          }
          inserts.add(r);
        }
      }
      inserts.sort((a, b) -> Integer.compare(a.position, b.position)); // ids follow registration order
      delete(c, deletes);
      update(c, updates);
      insert(c, inserts.stream().map(r -> r.device).toList());
      return null;
    });
  }

  @Override
  public boolean remove(String userId, Platform platform, String token) {
    if (!userIdFits(userId)) {
      return false;
    }
    return inTransaction("remove a device of user " + userId, c -> {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE " + this.userId + " = ? AND "
          + this.platform + " = ? AND " + this.token + " = ?")) {
        bindUserId(ps, 1, userId);
        ps.setString(2, platform.name());
        ps.setString(3, token);
        return ps.executeUpdate() > 0;
      }
    });
  }
  @Override
  public int removeAll(String userId) {
    if (!userIdFits(userId)) {
      return 0;
    }
    return inTransaction("remove the devices of user " + userId, c -> {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE " + this.userId + " = ?")) {
        bindUserId(ps, 1, userId);
        return ps.executeUpdate();
      }
    });
  }


  @Override
  public Optional<Device> deactivate(Platform platform, String token) {
    return Optional.ofNullable(inTransaction("deactivate device " + platform + " " + Device.redact(token), c -> {
      Device found = null;
      try (PreparedStatement ps = c.prepareStatement("SELECT " + userId + ", " + locale + ", " + zone + " FROM " + table
          + " WHERE " + this.platform + " = ? AND " + this.token + " = ? AND " + active + " = TRUE FOR UPDATE")) {
        ps.setString(1, platform.name());
        ps.setString(2, token);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            found = device(rs.getString(1), platform, token, rs.getString(2), rs.getString(3));
          }
        }
      }
      if (found != null) {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + table + " SET " + active + " = FALSE WHERE "
            + this.platform + " = ? AND " + this.token + " = ?")) {
          ps.setString(1, platform.name());
          ps.setString(2, token);
          ps.executeUpdate();
        }
      }
      return found;
    }));
  }

  @Override
  public List<Device> activeDevices(String userId) {
    if (!userIdFits(userId)) {
      return List.of();
    }
    try (Connection c = dataSource.getConnection();
         PreparedStatement ps = c.prepareStatement("SELECT " + platform + ", " + token + ", " + locale + ", " + zone
             + " FROM " + table + " WHERE " + this.userId + " = ? AND " + active + " = TRUE ORDER BY " + id)) {
      bindUserId(ps, 1, userId);
      List<Device> out = new ArrayList<>(2);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Platform p = platform(rs.getString(1));
          if (p != null) {
            out.add(device(userId, p, rs.getString(2), rs.getString(3), rs.getString(4)));
          }
        }
      }
      return out;
    } catch (SQLException e) {
      throw failure("read the devices of user " + userId, e);
    }
  }

  @Override
  public String toString() {
    return "AppDevices{" + table + "}";
  }

  // ------------------------------------------------------------------ statements

  /** The owner of a token, its row locked until the transaction ends; {@code null} when unknown. */
  private String lockOwner(Connection c, Platform p, String t) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT " + userId + " FROM " + table + " WHERE " + platform
        + " = ? AND " + token + " = ? FOR UPDATE")) {
      ps.setString(1, p.name());
      ps.setString(2, t);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  /** The owners of the known tokens among {@code devices}, their rows locked, in one order in every transaction. */
  private Map<Key, String> lockOwners(Connection c, List<Device> devices) throws SQLException {
    Map<Platform, List<String>> tokens = new TreeMap<>();
    for (Device d : devices) {
      tokens.computeIfAbsent(d.platform(), p -> new ArrayList<>()).add(d.token());
    }
    Map<Key, String> owners = new HashMap<>();
    for (Map.Entry<Platform, List<String>> e : tokens.entrySet()) {
      List<String> sorted = e.getValue().stream().distinct().sorted().toList();
      for (int from = 0; from < sorted.size(); from += IN_LIST) {
        List<String> part = sorted.subList(from, Math.min(sorted.size(), from + IN_LIST));
        String marks = String.join(",", java.util.Collections.nCopies(part.size(), "?"));
        try (PreparedStatement ps = c.prepareStatement("SELECT " + token + ", " + userId + " FROM " + table
            + " WHERE " + platform + " = ? AND " + token + " IN (" + marks + ") ORDER BY " + token + " FOR UPDATE")) {
          ps.setString(1, e.getKey().name());
          for (int i = 0; i < part.size(); i++) {
            ps.setString(i + 2, part.get(i));
          }
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              owners.put(new Key(e.getKey(), rs.getString(1)), rs.getString(2));
            }
          }
        }
      }
    }
    return owners;
  }

  private void insert(Connection c, List<Device> devices) throws SQLException {
    if (devices.isEmpty()) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (" + userId + ", " + platform + ", "
        + token + ", " + locale + ", " + zone + ", " + active + ") VALUES (?, ?, ?, ?, ?, TRUE)")) {
      for (Device d : devices) {
        bindUserId(ps, 1, d.userId());
        ps.setString(2, d.platform().name());
        ps.setString(3, d.token());
        ps.setString(4, d.locale().orElse(null));
        ps.setString(5, d.zone().map(ZoneId::getId).orElse(null));
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  private void update(Connection c, List<Device> devices) throws SQLException {
    if (devices.isEmpty()) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement("UPDATE " + table + " SET " + locale + " = ?, " + zone + " = ?, "
        + active + " = TRUE WHERE " + platform + " = ? AND " + token + " = ?")) {
      for (Device d : devices) {
        ps.setString(1, d.locale().orElse(null));
        ps.setString(2, d.zone().map(ZoneId::getId).orElse(null));
        ps.setString(3, d.platform().name());
        ps.setString(4, d.token());
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  private void delete(Connection c, List<Device> devices) throws SQLException {
    if (devices.isEmpty()) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE " + platform + " = ? AND "
        + token + " = ?")) {
      for (Device d : devices) {
        ps.setString(1, d.platform().name());
        ps.setString(2, d.token());
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  // ------------------------------------------------------------------ rows

  private Device device(String user, Platform p, String t, String localeTag, String zoneId) {
    Device.Builder b = Device.of(user, p, t);
    if (localeTag != null) {
      try {
        Device.of(user, p, t).locale(localeTag).build(); // Device checks the tag is BCP 47
        b.locale(localeTag);
      } catch (IllegalArgumentException e) {
        warnOnce(badLocaleLogged, table + "." + locale + " holds '" + localeTag + "', not a BCP 47 tag; such"
            + " devices are read without a locale (logged once)");
      }
    }
    if (zoneId != null) {
      try {
        b.zone(ZoneId.of(zoneId));
      } catch (DateTimeException e) {
        warnOnce(badZoneLogged, table + "." + zone + " holds '" + zoneId + "', not an IANA zone id; such"
            + " devices are read without a zone (logged once)");
      }
    }
    return b.build();
  }

  private Platform platform(String name) {
    try {
      return Platform.valueOf(name);
    } catch (IllegalArgumentException | NullPointerException e) {
      warnOnce(unknownPlatformLogged, table + "." + platform + " holds '" + name + "', not one of "
          + java.util.Arrays.toString(Platform.values()) + "; such rows are not sent to (logged once)");
      return null;
    }
  }

  private static void warnOnce(AtomicBoolean logged, String message) {
    if (logged.compareAndSet(false, true)) {
      LOG.log(System.Logger.Level.WARNING, message);
    }
  }

  /** Whether {@code user} can be in the user id column (any text does; a numeric column takes numbers). */
  private boolean userIdFits(String user) {
    return !numericUserIds || parseLong(user) != null;
  }

  private void bindUserId(PreparedStatement ps, int index, String user) throws SQLException {
    if (!numericUserIds) {
      ps.setString(index, user);
      return;
    }
    Long n = parseLong(user);
    if (n == null) {
      throw new IllegalArgumentException("user id '" + user + "' is not a number, and " + table + "." + userId
          + " is a number column; register devices of numeric user ids only");
    }
    ps.setLong(index, n);
  }

  private static Long parseLong(String s) {
    try {
      return Long.valueOf(s);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** Checks that the table and its columns exist (a typo fails here, not at the first send); whether user ids are numbers. */
  private boolean checkColumns() {
    String columns = String.join(", ", id, userId, platform, token, locale, zone, active);
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT " + columns + " FROM " + table + " WHERE 1 = 0")) {
      ResultSetMetaData md = rs.getMetaData();
      int type = md.getColumnType(2);
      return type == Types.BIGINT || type == Types.INTEGER || type == Types.SMALLINT;
    } catch (SQLException e) {
      throw new IllegalStateException("the device table " + table + " with columns " + columns + " cannot be read ("
          + e.getMessage() + "); create it (see AppDevices.createTable) or configure its names with"
          + " AppDevices.builder(dataSource)", e);
    }
  }

  // ------------------------------------------------------------------ transactions

  private interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  /**
   * Runs {@code work} in one transaction, tried once more after a unique-key violation (another
   * instance inserted the same new token first) or a deadlock.
   */
  private <T> T inTransaction(String what, Work<T> work) {
    for (int attempt = 1; ; attempt++) {
      try (Connection c = dataSource.getConnection()) {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
          T result = work.run(c);
          c.commit();
          return result;
        } catch (SQLException | RuntimeException e) {
          try {
            c.rollback();
          } catch (SQLException rollback) {
            e.addSuppressed(rollback);
          }
          throw e;
        } finally {
          c.setAutoCommit(autoCommit);
        }
      } catch (SQLException e) {
        if (attempt == 1 && retryable(e)) {
          continue;
        }
        throw failure(what, e);
      }
    }
  }

  private static boolean retryable(SQLException e) {
    for (SQLException x = e; x != null; x = x.getNextException()) {
      String state = x.getSQLState();
      if (state != null && (state.startsWith("23") || state.equals("40001") || state.equals("40P01"))) {
        return true;
      }
    }
    return false;
  }

  private IllegalStateException failure(String what, SQLException e) {
    return new IllegalStateException("AppDevices could not " + what + " in " + table + ": SQLState "
        + e.getSQLState() + ": " + e.getMessage(), e);
  }

  private record Key(Platform platform, String token) {}

  private record Registration(Device device, boolean insert, int position) {}

  /**
   * Names the host's table and columns, where they differ from {@code app_devices(id, user_id,
   * platform, token, locale, zone, active)}. Names are plain SQL identifiers (letters, digits,
   * {@code _}; the table may be {@code schema.table}). Not thread-safe.
   */
  public static final class Builder {
    private final DataSource dataSource;
    private String table = "app_devices";
    private String id = "id";
    private String userId = "user_id";
    private String platform = "platform";
    private String token = "token";
    private String locale = "locale";
    private String zone = "zone";
    private String active = "active";

    private Builder(DataSource dataSource) {
      if (dataSource == null) {
        throw new IllegalArgumentException("dataSource is required; pass the DataSource of the host's database");
      }
      this.dataSource = dataSource;
    }

    /** The table (default {@code app_devices}), optionally {@code schema.table}. */
    public Builder table(String name) {
      this.table = checked("table", TABLE, name);
      return this;
    }

    /** The column that orders a user's devices by first registration: an identity or auto-increment key (default {@code id}). */
    public Builder orderColumn(String name) {
      this.id = checked("orderColumn", NAME, name);
      return this;
    }

    /** The user id column (default {@code user_id}); text, or a number column for numeric user ids. */
    public Builder userIdColumn(String name) {
      this.userId = checked("userIdColumn", NAME, name);
      return this;
    }

    /** The platform column, holding {@code IOS}, {@code ANDROID} or {@code WEB} (default {@code platform}). */
    public Builder platformColumn(String name) {
      this.platform = checked("platformColumn", NAME, name);
      return this;
    }

    /** The push token column (default {@code token}). */
    public Builder tokenColumn(String name) {
      this.token = checked("tokenColumn", NAME, name);
      return this;
    }

    /** The BCP 47 locale column (default {@code locale}). */
    public Builder localeColumn(String name) {
      this.locale = checked("localeColumn", NAME, name);
      return this;
    }

    /** The IANA time zone column (default {@code zone}). */
    public Builder zoneColumn(String name) {
      this.zone = checked("zoneColumn", NAME, name);
      return this;
    }

    /** The boolean active column (default {@code active}). */
    public Builder activeColumn(String name) {
      this.active = checked("activeColumn", NAME, name);
      return this;
    }

    /**
     * Builds the adapter.
     *
     * @throws IllegalStateException when the table or one of its columns cannot be read
     */
    public AppDevices build() {
      return new AppDevices(this);
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
