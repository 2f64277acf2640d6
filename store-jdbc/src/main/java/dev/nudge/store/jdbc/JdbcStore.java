package dev.nudge.store.jdbc;

import dev.nudge.Device;
import dev.nudge.Platform;
import dev.nudge.spi.Counter;
import dev.nudge.spi.DueReminders;
import dev.nudge.spi.NudgeStore;
import dev.nudge.spi.Reminder;
import dev.nudge.spi.UserState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.HashMap;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcConnectionPool;

/**
 * A durable {@link NudgeStore} over plain JDBC: pending reminders, per-user send history, event
 * ids, devices and user attributes in a handful of tables (H2, PostgreSQL, MySQL 8 or
 * MariaDB 10.6+). Several engines may share one PostgreSQL or MySQL database: each due reminder
 * is claimed by one of them ({@code FOR UPDATE SKIP LOCKED}, under a lease), and one user's units
 * of work serialize on that user's row. An embedded H2 database belongs to one process: one store
 * per database and table prefix serves all of its engines ({@link Builder#build()} refuses a
 * second while the first is open), and keeps the claims in memory.
 *
 * <pre>{@code
 * JdbcStore store = JdbcStore.builder(dataSource)      // the host's pool
 *     .tablePrefix("nudge_")
 *     .build();                                        // creates or migrates the tables
 * Nudge nudge = Nudge.builder().store(store).transport(apns).build().start();
 * }</pre>
 *
 * <p><b>Group commit.</b> {@link #atomically} queues the unit of work; a committer thread applies
 * up to {@link Builder#maxBatchSize} queued units in one transaction and completes their futures
 * only after the commit, so an acknowledged unit is durable. When the database cannot be reached
 * the futures fail fast with an {@link IllegalStateException} and nothing is applied.
 * Futures complete on the store's callback threads ({@code nudge-jdbc-callback-*}).
 *
 * <p><b>Time.</b> Instants are kept as microseconds since the epoch (finer digits truncated);
 * the store's clock measures the event-id retention only. Claims use the instants the caller
 * passes.
 *
 * <p>Thread-safe. {@link #close()} commits what is queued, stops the threads and, for the H2
 * conveniences, closes the database; a host-given {@code DataSource} stays open.
 */
public final class JdbcStore implements NudgeStore {
  /** Most ids in one claim statement. */
  private static final int CLAIM_CHUNK = 512;
  private static final Pattern PREFIX = Pattern.compile("[a-z][a-z0-9_]{0,29}");

  private final DataSource dataSource;
  private final Dialect dialect;
  private final Tables t;
  private final JdbcConnectionPool ownedPool;
  private final ExecutorService callbacks;
  private final GroupCommit commits;
  private final java.time.Clock clock; // when a campaign was paused
  /** On H2, the claims kept in this process (see {@link H2Claims}); else null. */
  private final H2Claims h2;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** On H2, a connection kept between short transactions (claims, leases, devices), or null. */
  private final java.util.concurrent.atomic.AtomicReference<Connection> spare =
      new java.util.concurrent.atomic.AtomicReference<>();
  /**
   * Devices and attributes of the users whose reminders were just claimed, read in two queries
   * per claim instead of two per reminder, and used for {@link #PREFETCH_NANOS} unless this
   * store changes them meanwhile.
   */
  private final ConcurrentHashMap<String, Prefetched> prefetched = new ConcurrentHashMap<>();
  private static final long PREFETCH_NANOS = TimeUnit.SECONDS.toNanos(2);

  private record Prefetched(List<Device> devices, Map<String, Object> attributes, long readAt) {
    boolean fresh() {
      return System.nanoTime() - readAt < PREFETCH_NANOS;
    }
  }

  private JdbcStore(Builder b, Dialect dialect, H2Claims h2) {
    this.dataSource = b.dataSource;
    this.h2 = h2;
    this.dialect = dialect;
    this.t = new Tables(b.tablePrefix);
    this.ownedPool = b.ownedPool;
    AtomicInteger n = new AtomicInteger();
    this.callbacks = Executors.newCachedThreadPool(r -> {
      Thread thread = new Thread(r, "nudge-jdbc-callback-" + n.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    // H2 writes one chunk per commit on the committing thread: two lanes keep one writing while
    // the other runs its statements. A server database overlaps more commits (each waits for its
    // log flush), so four lanes there.
    int committers = b.committers != null ? b.committers : dialect == Dialect.H2 ? 2 : 4;
    // H2's cost is mostly per commit (each writes a chunk of changed pages): fewer, larger ones.
    int maxBatch = b.maxBatchSize != null ? b.maxBatchSize : dialect == Dialect.H2 ? 2000 : 500;
    this.commits = new GroupCommit(dataSource, dialect, t, b.clock, b.eventIdRetention, maxBatch,
        committers, callbacks, h2);
    this.clock = b.clock;
  }

  /** Starts configuring a store over the host's {@code dataSource} (ideally a connection pool). */
  public static Builder builder(DataSource dataSource) {
    if (dataSource == null) {
      throw new IllegalArgumentException("dataSource is required; pass the host application's DataSource");
    }
    return new Builder(dataSource, null);
  }

  /**
   * Starts configuring a store in an H2 database file of its own ({@code file} names the
   * database; H2 adds {@code .mv.db}), with an H2 connection pool that the store closes.
   */
  public static Builder builder(Path h2File) {
    if (h2File == null) {
      throw new IllegalArgumentException("h2File is required, e.g. Path.of(\"data/nudge\")");
    }
    String name = h2File.toAbsolutePath().toString();
    if (name.endsWith(".mv.db")) {
      name = name.substring(0, name.length() - ".mv.db".length());
    }
    // WRITE_DELAY=0: every commit is written to the file before it returns (no 0.5 s window).
    return h2Pool("jdbc:h2:file:" + name + ";WRITE_DELAY=0;LOCK_TIMEOUT=10000;QUERY_CACHE_SIZE=64");
  }

  /** A store in an H2 database file, with every default (see {@link #builder(Path)}). */
  public static JdbcStore h2(Path file) {
    return builder(file).build();
  }

  /**
   * A store in a named in-memory H2 database, gone when the store closes: for tests and demos
   * that want the JDBC code path without a file.
   */
  public static JdbcStore h2InMemory(String name) {
    if (name == null || !name.matches("[A-Za-z0-9_-]{1,64}")) {
      throw new IllegalArgumentException("in-memory H2 database name must be 1-64 letters, digits, '_' or '-', was "
          + name);
    }
    return h2Pool("jdbc:h2:mem:" + name + ";LOCK_TIMEOUT=10000;QUERY_CACHE_SIZE=64").build();
  }

  private static Builder h2Pool(String url) {
    JdbcConnectionPool pool = JdbcConnectionPool.create(url, "sa", "");
    pool.setMaxConnections(32);
    Builder b = new Builder(pool, pool);
    b.dialect = Dialect.H2;
    return b;
  }

  /** The dialect in use (detected or configured). */
  public Dialect dialect() {
    return dialect;
  }

  /** The table-name prefix in use. */
  public String tablePrefix() {
    return t.prefix;
  }

  // ------------------------------------------------------------------ reminders

  @Override
  public <T> CompletableFuture<T> atomically(String userId, Function<UserState, T> work) {
    Objects.requireNonNull(userId, "userId");
    Objects.requireNonNull(work, "work");
    return commits.submit(userId, work, false);
  }

  /**
   * Runs a read in the user's lane, in the same transactions as the writes, on a copy of the
   * user's state; it creates no row for a user that has none, so reading a forgotten or unknown
   * user leaves no trace of them. A read that changes the state (or records an event id) fails
   * with an {@link IllegalStateException}, alone, and nothing of it is written. A user who has a
   * row is read under its lock; a read of one who has none is not serialized with another
   * instance's first unit for them, and may see part of it.
   */
  @Override
  public <T> CompletableFuture<T> read(String userId, Function<UserState, T> work) {
    Objects.requireNonNull(userId, "userId");
    Objects.requireNonNull(work, "work");
    return commits.submit(userId, work, true);
  }

  @Override
  public List<Reminder> claimDue(Instant before, Set<String> campaignIds, int max, Duration lease, String owner) {
    if (max <= 0 || campaignIds.isEmpty()) {
      return List.of();
    }
    List<String> campaigns = List.copyOf(campaignIds);
    String ofCampaigns = " AND " + dialect.anyOf("campaign_id", campaigns.size());
    long now = EpochMicros.of(before);
    long until = EpochMicros.of(before.plus(lease));
    List<Reminder> claimed = new ArrayList<>(Math.min(max, 512));
    String expired = "SELECT id FROM " + t.reminders + " WHERE owner IS NOT NULL AND lease_until < ?"
        + ofCampaigns + " ORDER BY lease_until LIMIT ?";
    String due = "SELECT id FROM " + t.reminders + " WHERE owner IS NULL AND fire_at < ?"
        + ofCampaigns + " ORDER BY fire_at, campaign_id, user_id, rkey, id LIMIT ?";
    try {
      if (dialect == Dialect.POSTGRESQL) {
        // One statement per phase: pick, lock (skipping rows another instance holds) and claim.
        inTransaction(c -> {
          claimed.clear(); // a retried transaction starts over
          // Both phases read their index in order and stop at the LIMIT. The planner would choose
          // that only with fresh statistics: right after a burst of new reminders it estimates a
          // few rows, reads them all and sorts them, on every claim (the row locks sit between the
          // sort and the LIMIT, so the sort cannot stop early). Sorting is ruled out for this
          // transaction, and with it the JIT compilation such a plan's cost would start.
          try (java.sql.Statement s = c.createStatement()) {
            s.execute("SELECT set_config('enable_sort', 'off', true), set_config('jit', 'off', true)");
          }
          for (String pick : List.of(expired, due)) {
            if (claimed.size() >= max) {
              break;
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + t.reminders
                + " SET owner = ?, lease_until = ? WHERE id = ANY(ARRAY(" + pick + " FOR UPDATE SKIP LOCKED))"
                + " RETURNING " + Tables.REMINDER_COLUMNS)) {
              ps.setString(1, owner);
              ps.setLong(2, until);
              ps.setLong(3, now);
              ps.setInt(dialect.bind(c, ps, 4, campaigns), max - claimed.size());
              try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                  claimed.add(Tables.readReminder(rs).reminder());
                }
              }
            }
          }
          return null;
        }, "claim due reminders");
      } else if (h2 != null) {
        // Embedded H2: the claims live in this process (see H2Claims). Under the gate's write
        // side no group-commit transaction is open, so the due rows read here are as committed,
        // and none is being settled. The connection is borrowed before the gate is taken.
        try (Connection c = dataSource.getConnection()) {
          c.setAutoCommit(true);
          java.util.concurrent.locks.Lock gate = h2.gate.writeLock();
          gate.lock();
          try {
            H2Claims.Claim claim = new H2Claims.Claim(owner, until);
            for (StoredReminder s : pickUnclaimed(c, now, campaigns, max)) {
              if (h2.take(s.reminder().id(), claim, now)) {
                claimed.add(s.reminder());
              }
            }
          } finally {
            gate.unlock();
          }
        }
      } else {
        inTransaction(c -> {
          List<String> ids = lockClaimable(c, expired, due, campaigns, max, now, claimed);
          updateClaims(c, ids, owner, until);
          return null;
        }, "claim due reminders");
      }
    } catch (SQLException e) {
      throw failure("claim due reminders", e);
    }
    claimed.sort(Reminder.DUE_ORDER);
    prefetch(claimed);
    return claimed;
  }

  /**
   * MySQL/MariaDB: reads and locks up to {@code max} claimable rows into {@code claimed} (cleared
   * first), skipping rows other transactions hold: expired leases, then due reminders; returns
   * their ids.
   */
  private List<String> lockClaimable(Connection c, String expired, String due, List<String> campaigns, int max,
      long now, List<Reminder> claimed) throws SQLException {
    claimed.clear();
    List<String> ids = new ArrayList<>();
    for (String pick : List.of(expired, due)) {
      if (claimed.size() >= max) {
        break;
      }
      String select = pick.replace("SELECT id FROM", "SELECT " + Tables.REMINDER_COLUMNS + " FROM");
      try (PreparedStatement ps = c.prepareStatement(select + " FOR UPDATE SKIP LOCKED")) {
        ps.setLong(1, now);
        ps.setInt(dialect.bind(c, ps, 2, campaigns), max - claimed.size());
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            Reminder r = Tables.readReminder(rs).reminder();
            claimed.add(r);
            ids.add(r.id());
          }
        }
      }
    }
    return ids;
  }

  /** Sets owner and lease on these rows (locked by the caller), {@value #CLAIM_CHUNK} per statement. */
  private void updateClaims(Connection c, List<String> ids, String owner, long until) throws SQLException {
    for (int from = 0; from < ids.size(); from += CLAIM_CHUNK) {
      List<String> chunk = ids.subList(from, Math.min(ids.size(), from + CLAIM_CHUNK));
      try (PreparedStatement ps = c.prepareStatement("UPDATE " + t.reminders
          + " SET owner = ?, lease_until = ? WHERE " + dialect.anyOf("id", chunk.size()))) {
        ps.setString(1, owner);
        ps.setLong(2, until);
        dialect.bind(c, ps, 3, chunk);
        ps.executeUpdate();
      }
    }
  }

  /**
   * On H2: up to {@code max} reminders firing before {@code now} in due order that no live claim
   * holds (a claim whose lease ran out may be taken over), read past the rows this process has
   * claimed; the caller takes them.
   */
  private List<StoredReminder> pickUnclaimed(Connection c, long now, List<String> campaigns, int max)
      throws SQLException {
    List<StoredReminder> picked = new ArrayList<>(Math.min(max, 512));
    try (PreparedStatement ps = c.prepareStatement("SELECT " + Tables.REMINDER_COLUMNS + " FROM " + t.reminders
        + " WHERE fire_at < ? AND " + dialect.anyOf("campaign_id", campaigns.size())
        + " ORDER BY fire_at, campaign_id, user_id, rkey, id LIMIT ?")) {
      ps.setLong(1, now);
      ps.setLong(dialect.bind(c, ps, 2, campaigns), (long) max + h2.size());
      try (ResultSet rs = ps.executeQuery()) {
        while (picked.size() < max && rs.next()) {
          if (!h2.held(rs.getString(1), now)) {
            picked.add(Tables.readReminder(rs));
          }
        }
      }
    }
    return picked;
  }

  /** Reads the devices and attributes of the claimed reminders' users, two queries in all. */
  private void prefetch(List<Reminder> claimed) {
    prefetched.values().removeIf(p -> !p.fresh());
    if (claimed.isEmpty()) {
      return;
    }
    List<String> userIds = claimed.stream().map(Reminder::userId).distinct().toList();
    long readAt = System.nanoTime();
    Map<String, List<Device>> devices = new java.util.HashMap<>();
    Map<String, Map<String, Object>> attributes = new java.util.HashMap<>();
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(true);
      try (PreparedStatement ps = c.prepareStatement("SELECT user_id, platform, token, locale, zone FROM " + t.devices
          + " WHERE " + dialect.anyOf("user_id", userIds.size()) + " AND active = TRUE ORDER BY seq")) {
        dialect.bind(c, ps, 1, userIds);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            devices.computeIfAbsent(rs.getString(1), u -> new ArrayList<>(2)).add(
                device(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)));
          }
        }
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT user_id, attributes_json FROM " + t.users + " WHERE "
          + dialect.anyOf("user_id", userIds.size()))) {
        dialect.bind(c, ps, 1, userIds);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            attributes.put(rs.getString(1), JsonValues.readMap(rs.getString(2)));
          }
        }
      }
    } catch (SQLException e) {
      return; // The reads fall back to one query each.
    }
    for (String u : userIds) {
      prefetched.put(u, new Prefetched(List.copyOf(devices.getOrDefault(u, List.of())),
          attributes.getOrDefault(u, Map.of()), readAt));
    }
  }

  /**
   * Extends {@code owner}'s claims on these reminders to {@code until}, in one short transaction
   * per few hundred reminders. A claim another instance took over, a reminder settled or
   * released meanwhile, and a lease already running to {@code until} or later are left alone.
   */
  @Override
  public int renewLeases(Collection<Reminder> claimed, String owner, Instant until) {
    Objects.requireNonNull(owner, "owner");
    long untilMicros = EpochMicros.of(until);
    // Sorted, so concurrent renewals and claims lock rows in one order.
    List<String> ids = claimed.stream().map(Reminder::id).distinct().sorted().toList();
    if (h2 != null) {
      return h2.renew(ids, owner, untilMicros);
    }
    int renewed = 0;
    for (int from = 0; from < ids.size(); from += 500) {
      List<String> chunk = ids.subList(from, Math.min(ids.size(), from + 500));
      renewed += inTransactionUnchecked(c -> {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + t.reminders + " SET lease_until = ? WHERE "
            + dialect.anyOf("id", chunk.size()) + " AND owner = ? AND lease_until < ?")) {
          ps.setLong(1, untilMicros);
          int i = dialect.bind(c, ps, 2, chunk);
          ps.setString(i++, owner);
          ps.setLong(i, untilMicros);
          return ps.executeUpdate();
        }
      }, "renew " + chunk.size() + " lease(s) of " + owner);
    }
    return renewed;
  }

  /** Every counter, summed over its shard rows (one query). */
  @Override
  public List<Counter> counters() {
    return query("read the counters", "SELECT campaign_id, step, counter, SUM(amount) FROM " + t.counters
        + " GROUP BY campaign_id, step, counter", ps -> {}, rs -> {
          List<Counter> out = new ArrayList<>();
          while (rs.next()) {
            out.add(new Counter(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getLong(4)));
          }
          return out;
        });
  }

  @Override
  public Set<String> pausedCampaigns() {
    return query("read the paused campaigns", "SELECT campaign_id FROM " + t.paused, ps -> {}, rs -> {
      Set<String> out = new java.util.TreeSet<>();
      while (rs.next()) {
        out.add(rs.getString(1));
      }
      return Collections.unmodifiableSet(out);
    });
  }

  @Override
  public void setPaused(String campaignId, boolean paused) {
    if (!paused) {
      update("resume campaign " + campaignId, "DELETE FROM " + t.paused + " WHERE campaign_id = ?",
          ps -> ps.setString(1, campaignId));
      return;
    }
    inTransactionUnchecked(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM " + t.paused + " WHERE campaign_id = ?")) {
        ps.setString(1, campaignId);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            return null; // paused already; a race with another instance lands here on the retry
          }
        }
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + t.paused + " (campaign_id, paused_at) VALUES (?, ?)")) {
        ps.setString(1, campaignId);
        ps.setLong(2, EpochMicros.of(clock.instant()));
        ps.executeUpdate();
      }
      return null;
    }, "pause campaign " + campaignId);
  }

  @Override
  public Optional<Instant> nextFireAt() {
    return Optional.ofNullable(earliestFireAt());
  }

  private Instant earliestFireAt() {
    if (h2 != null) {
      // The first row in due order that this process has not claimed, read while no claim runs.
      try (Connection c = dataSource.getConnection();
           PreparedStatement ps = c.prepareStatement("SELECT id, fire_at FROM " + t.reminders
               + " ORDER BY fire_at, campaign_id, user_id, rkey, id LIMIT ?")) {
        c.setAutoCommit(true);
        java.util.concurrent.locks.Lock gate = h2.gate.readLock();
        gate.lock();
        try {
          ps.setLong(1, h2.size() + 1L);
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              if (h2.get(rs.getString(1)) == null) {
                return EpochMicros.toInstant(rs.getLong(2));
              }
            }
            return null;
          }
        } finally {
          gate.unlock();
        }
      } catch (SQLException e) {
        throw failure("find the next fire time", e);
      }
    }
    return query("find the next fire time", "SELECT MIN(fire_at) FROM " + t.reminders + " WHERE owner IS NULL",
        ps -> {}, rs -> {
          long micros = rs.next() ? rs.getLong(1) : 0;
          return rs.wasNull() ? null : EpochMicros.toInstant(micros);
        });
  }

  @Override
  public long size() {
    return query("count reminders", "SELECT COUNT(*) FROM " + t.reminders, ps -> {}, rs -> {
      rs.next();
      return rs.getLong(1);
    });
  }

  /**
   * Reads the part of the fire-time index before {@code before}. On PostgreSQL and MySQL in two
   * parts, pending rows and claimed rows, each on its own index; on H2, whose claims are kept in
   * this process and not in the rows, every row in one.
   */
  @Override
  public Optional<DueReminders> due(Instant before) {
    long at = EpochMicros.of(before);
    String part = "SELECT COUNT(*), MIN(fire_at) FROM " + t.reminders + " WHERE ";
    String sql = h2 != null ? part + "fire_at < ?"
        : part + "owner IS NULL AND fire_at < ? UNION ALL " + part + "owner IS NOT NULL AND fire_at < ?";
    return Optional.of(query("count the due reminders", sql, ps -> {
      ps.setLong(1, at);
      if (h2 == null) {
        ps.setLong(2, at);
      }
    }, rs -> {
      long count = 0;
      long earliest = Long.MAX_VALUE;
      while (rs.next()) {
        long n = rs.getLong(1);
        long min = rs.getLong(2);
        if (n > 0 && !rs.wasNull()) {
          count += n;
          earliest = Math.min(earliest, min);
        }
      }
      return count == 0 ? DueReminders.NONE : new DueReminders(count, EpochMicros.toInstant(earliest));
    }));
  }

  @Override
  public Map<String, Long> countByCampaign() {
    return query("count reminders by campaign", "SELECT campaign_id, COUNT(*) FROM " + t.reminders
        + " GROUP BY campaign_id", ps -> {}, rs -> {
          Map<String, Long> out = new java.util.TreeMap<>();
          while (rs.next()) {
            out.put(rs.getString(1), rs.getLong(2));
          }
          return out;
        });
  }

  @Override
  public List<Reminder> pendingOf(String campaignId, Instant now, int max) {
    Objects.requireNonNull(campaignId, "campaignId");
    if (max <= 0) {
      return List.of();
    }
    long at = EpochMicros.of(now);
    List<Reminder> found = query("read a campaign's pending reminders", "SELECT " + Tables.REMINDER_COLUMNS
        + " FROM " + t.reminders + " WHERE campaign_id = ? AND (owner IS NULL OR lease_until < ?)"
        + " ORDER BY fire_at, campaign_id, user_id, rkey, id LIMIT ?", ps -> {
          ps.setString(1, campaignId);
          ps.setLong(2, at);
          ps.setInt(3, max + (h2 == null ? 0 : h2.size()));
        }, rs -> {
          List<Reminder> out = new ArrayList<>();
          while (rs.next()) {
            out.add(Tables.readReminder(rs).reminder());
          }
          return out;
        });
    if (h2 != null) { // on H2 a claim lives in this process, not in the row
      found.removeIf(r -> h2.held(r.id(), at));
    }
    return found.size() > max ? List.copyOf(found.subList(0, max)) : found;
  }

  // ------------------------------------------------------------------ devices

  /**
   * Registers or refreshes one device: a known token of the same user is updated in place (it
   * keeps its first-registration position); a token of another user moves, as a first
   * registration there.
   */
  @Override
  public void register(Device device) {
    Objects.requireNonNull(device, "device");
    inTransactionUnchecked(c -> {
      registerChunk(c, List.of(device));
      return null;
    }, "register device " + device);
  }

  /**
   * Registers the devices in one transaction per 500, with one query for the tokens already known
   * and batched writes, with the outcome of registering them one by one in order.
   */
  @Override
  public void registerAll(Collection<Device> devices) {
    List<Device> all = new ArrayList<>(devices);
    for (Device d : all) {
      Objects.requireNonNull(d, "device");
    }
    for (int from = 0; from < all.size(); from += 500) {
      List<Device> chunk = all.subList(from, Math.min(all.size(), from + 500));
      inTransactionUnchecked(c -> {
        registerChunk(c, chunk);
        return null;
      }, "register " + chunk.size() + " devices");
    }
  }

  /** A row to write: the device as last registered, and whether it is a new row (else updated in place). */
  private record Registration(Device device, boolean insert, int position) {}

  private void registerChunk(Connection c, List<Device> chunk) throws SQLException {
    Map<String, Device> byKey = new LinkedHashMap<>();
    for (Device d : chunk) {
      byKey.putIfAbsent(deviceKey(d.platform(), d.token()), d);
    }
    List<String> keys = new ArrayList<>(byKey.keySet());
    java.util.Collections.sort(keys); // lock rows in one order in every transaction
    Map<String, String> owners = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT device_key, user_id FROM " + t.devices + " WHERE "
        + dialect.anyOf("device_key", keys.size()) + " ORDER BY device_key FOR UPDATE")) {
      dialect.bind(c, ps, 1, keys);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          owners.put(rs.getString(1), rs.getString(2));
        }
      }
    }
    // Replay the registrations in order: a token that changes user is a first registration there.
    Map<String, Registration> rows = new HashMap<>();
    for (int i = 0; i < chunk.size(); i++) {
      Device d = chunk.get(i);
      String key = deviceKey(d.platform(), d.token());
      Registration before = rows.get(key);
      String owner = before != null ? before.device().userId() : owners.get(key);
      boolean sameUser = d.userId().equals(owner);
      rows.put(key, sameUser && before != null ? new Registration(d, before.insert(), before.position())
          : new Registration(d, !sameUser, i));
    }
    List<String> delete = new ArrayList<>();
    List<Registration> inserts = new ArrayList<>();
    List<Registration> updates = new ArrayList<>();
    for (Map.Entry<String, Registration> e : rows.entrySet()) {
      Registration r = e.getValue();
      String owner = owners.get(e.getKey());
      if (owner != null) {
        prefetched.remove(owner);
      }
      prefetched.remove(r.device().userId());
      if (r.insert()) {
        if (owner != null) {
          delete.add(e.getKey());
        }
        inserts.add(r);
      } else {
        updates.add(r);
      }
    }
    if (!delete.isEmpty()) {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + t.devices + " WHERE "
          + dialect.anyOf("device_key", delete.size()))) {
        dialect.bind(c, ps, 1, delete);
        ps.executeUpdate();
      }
    }
    if (!updates.isEmpty()) {
      try (PreparedStatement ps = c.prepareStatement("UPDATE " + t.devices
          + " SET locale = ?, zone = ?, active = TRUE WHERE device_key = ?")) {
        for (Registration r : updates) {
          ps.setString(1, r.device().locale().orElse(null));
          ps.setString(2, r.device().zone().map(ZoneId::getId).orElse(null));
          ps.setString(3, deviceKey(r.device().platform(), r.device().token()));
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
    if (!inserts.isEmpty()) {
      inserts.sort(java.util.Comparator.comparingInt(Registration::position));
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + t.devices
          + " (device_key, platform, token, user_id, locale, zone, active) VALUES (?,?,?,?,?,?,TRUE)")) {
        for (Registration r : inserts) {
          Device d = r.device();
          ps.setString(1, deviceKey(d.platform(), d.token()));
          ps.setString(2, d.platform().name());
          ps.setString(3, d.token());
          ps.setString(4, d.userId());
          ps.setString(5, d.locale().orElse(null));
          ps.setString(6, d.zone().map(ZoneId::getId).orElse(null));
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
  }

  @Override
  public boolean remove(String userId, Platform platform, String token) {
    prefetched.remove(userId);
    return update("remove a device of user " + userId, "DELETE FROM " + t.devices
        + " WHERE device_key = ? AND user_id = ?", ps -> {
          ps.setString(1, deviceKey(platform, token));
          ps.setString(2, userId);
        }) > 0;
  }

  @Override
  public int removeAll(String userId) {
    prefetched.remove(userId);
    int removed = update("remove the devices of user " + userId, "DELETE FROM " + t.devices + " WHERE user_id = ?",
        ps -> ps.setString(1, userId));
    prefetched.remove(userId);
    return removed;
  }

  @Override
  public void removeUser(String userId) {
    prefetched.remove(userId);
    update("remove the attributes of user " + userId, "UPDATE " + t.users + " SET attributes_json = NULL"
        + " WHERE user_id = ? AND attributes_json IS NOT NULL", ps -> ps.setString(1, userId));
    prefetched.remove(userId);
  }

  @Override
  public Optional<Device> deactivate(Platform platform, String token) {
    String key = deviceKey(platform, token);
    return Optional.ofNullable(inTransactionUnchecked(c -> {
      Device found = null;
      try (PreparedStatement ps = c.prepareStatement("SELECT user_id, platform, token, locale, zone FROM " + t.devices
          + " WHERE device_key = ? AND active = TRUE FOR UPDATE")) {
        ps.setString(1, key);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            found = device(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5));
          }
        }
      }
      if (found != null) {
        prefetched.remove(found.userId());
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + t.devices + " SET active = FALSE WHERE device_key = ?")) {
          ps.setString(1, key);
          ps.executeUpdate();
        }
      }
      return found;
    }, "deactivate device " + platform + " " + Device.redact(token)));
  }

  @Override
  public List<Device> activeDevices(String userId) {
    Prefetched p = prefetched.get(userId);
    if (p != null && p.fresh()) {
      return p.devices();
    }
    return query("read the devices of user " + userId, "SELECT user_id, platform, token, locale, zone FROM " + t.devices
        + " WHERE user_id = ? AND active = TRUE ORDER BY seq", ps -> ps.setString(1, userId), rs -> {
          List<Device> out = new ArrayList<>(2);
          while (rs.next()) {
            out.add(device(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)));
          }
          return out;
        });
  }

  private static Device device(String userId, String platform, String token, String locale, String zone) {
    return Device.of(userId, Platform.valueOf(platform), token).locale(locale)
        .zone(zone == null ? null : ZoneId.of(zone)).build();
  }

  /** SHA-256 of platform and token, hex: a fixed-size key for tokens of any length. */
  static String deviceKey(Platform platform, String token) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha.digest((platform.name() + "\n" + token).getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  // ------------------------------------------------------------------ attributes

  @Override
  public void setAttributes(String userId, Map<String, Object> attributes) {
    Objects.requireNonNull(attributes, "attributes");
    String json = JsonValues.write(attributes); // fails on unstorable values before touching the database
    updateAttributes(userId, old -> {
      Map<String, Object> merged = new LinkedHashMap<>(old);
      merged.putAll(JsonValues.readMap(json));
      return merged;
    }, true);
  }

  @Override
  public void removeAttribute(String userId, String name) {
    updateAttributes(userId, old -> {
      if (!old.containsKey(name)) {
        return null;
      }
      Map<String, Object> copy = new LinkedHashMap<>(old);
      copy.remove(name);
      return copy;
    }, false);
  }

  private void updateAttributes(String userId, Function<Map<String, Object>, Map<String, Object>> change,
      boolean create) {
    prefetched.remove(userId);
    inTransactionUnchecked(c -> {
      if (create) {
        try (PreparedStatement ps = c.prepareStatement(dialect.insertMissingUsers(t.users, 1))) {
          dialect.bind(c, ps, 1, List.of(userId));
          ps.executeUpdate();
        }
      }
      Map<String, Object> old = null;
      try (PreparedStatement ps = c.prepareStatement("SELECT attributes_json FROM " + t.users
          + " WHERE user_id = ? FOR UPDATE")) {
        ps.setString(1, userId);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            old = JsonValues.readMap(rs.getString(1));
          }
        }
      }
      if (old == null) {
        return null;
      }
      Map<String, Object> updated = change.apply(old);
      if (updated != null) {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + t.users + " SET attributes_json = ? WHERE user_id = ?")) {
          ps.setString(1, updated.isEmpty() ? null : JsonValues.write(updated));
          ps.setString(2, userId);
          ps.executeUpdate();
        }
      }
      return null;
    }, "update the attributes of user " + userId);
  }

  @Override
  public Map<String, Object> attributes(String userId) {
    Prefetched p = prefetched.get(userId);
    if (p != null && p.fresh()) {
      return p.attributes();
    }
    return query("read the attributes of user " + userId, "SELECT attributes_json FROM " + t.users + " WHERE user_id = ?",
        ps -> ps.setString(1, userId), rs -> rs.next() ? JsonValues.readMap(rs.getString(1)) : Map.of());
  }

  // ------------------------------------------------------------------ lifecycle

  /** Commits the queued units, stops the committer threads and closes an owned H2 database. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    commits.close();
    if (h2 != null) {
      h2.close();
    }
    Connection kept = spare.getAndSet(null);
    if (kept != null) {
      try {
        kept.setAutoCommit(true);
        kept.close();
      } catch (SQLException ignored) {
        // Closing anyway.
      }
    }
    callbacks.shutdown();
    try {
      callbacks.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (ownedPool != null) {
      ownedPool.dispose();
    }
  }

  // ------------------------------------------------------------------ JDBC plumbing

  @FunctionalInterface
  private interface SqlWork<T> {
    T run(Connection c) throws SQLException;
  }

  @FunctionalInterface
  private interface Binder {
    void bind(PreparedStatement ps) throws SQLException;
  }

  @FunctionalInterface
  private interface Reader<T> {
    T read(ResultSet rs) throws SQLException;
  }

  /** One query in autocommit mode. */
  private <T> T query(String what, String sql, Binder binder, Reader<T> reader) {
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      c.setAutoCommit(true);
      binder.bind(ps);
      try (ResultSet rs = ps.executeQuery()) {
        return reader.read(rs);
      }
    } catch (SQLException e) {
      throw failure(what, e);
    }
  }

  /** One update in autocommit mode; the count of rows it changed. */
  private int update(String what, String sql, Binder binder) {
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      c.setAutoCommit(true);
      binder.bind(ps);
      return ps.executeUpdate();
    } catch (SQLException e) {
      throw failure(what, e);
    }
  }

  /** Runs {@code work} in a transaction, once more after a deadlock or a unique-key race. */
  private <T> T inTransaction(SqlWork<T> work, String what) throws SQLException {
    for (int attempt = 1; ; attempt++) {
      Connection c = dialect == Dialect.H2 && attempt == 1 ? spare.getAndSet(null) : null;
      boolean reused = c != null;
      if (c == null) {
        c = dataSource.getConnection();
      }
      boolean keep = false;
      try {
        c.setAutoCommit(false);
        try {
          T result = work.run(c);
          c.commit();
          keep = dialect == Dialect.H2;
          return result;
        } catch (SQLException | RuntimeException e) {
          try {
            c.rollback();
          } catch (SQLException suppressed) {
            e.addSuppressed(suppressed);
          }
          throw e;
        }
      } catch (SQLException e) {
        if (!reused && (attempt >= 2 || !dialect.retryable(e))) {
          throw e;
        }
        // A kept H2 connection that failed is dropped and the work runs once on a fresh one.
      } finally {
        if (keep && !closed.get() && spare.compareAndSet(null, c)) {
          // Kept (still in manual-commit mode) for the next transaction: on H2 the pool's
          // rollback of a returned or borrowed connection makes the store write a chunk.
        } else {
          try {
            c.setAutoCommit(true);
          } catch (SQLException ignored) {
            // A broken connection; the pool deals with it.
          }
          try {
            c.close();
          } catch (SQLException ignored) {
            // Nothing more to do with it.
          }
        }
      }
    }
  }

  private <T> T inTransactionUnchecked(SqlWork<T> work, String what) {
    try {
      return inTransaction(work, what);
    } catch (SQLException e) {
      throw failure(what, e);
    }
  }

  private IllegalStateException failure(String what, SQLException e) {
    return new IllegalStateException("the JdbcStore could not " + what + " on " + dialect + " (tables "
        + t.prefix + "*): SQLState " + e.getSQLState() + ": " + e.getMessage(), e);
  }

  /**
   * Opens the claims of this H2 database and table prefix for a new store (see {@link H2Claims}):
   * the database is named by its file, or by its in-memory name as the URL spells it.
   *
   * @throws IllegalStateException for an H2 server URL (other processes could use the database,
   *     and claims on H2 are kept in the process), or when another store of this process has the
   *     database and prefix open
   */
  private static H2Claims openH2Claims(DataSource dataSource, String prefix) throws SQLException {
    String url;
    String path;
    try (Connection c = dataSource.getConnection();
         java.sql.Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT DATABASE_PATH()")) {
      url = String.valueOf(c.getMetaData().getURL());
      rs.next();
      path = rs.getString(1);
    }
    if (url.startsWith("jdbc:h2:tcp:") || url.startsWith("jdbc:h2:ssl:")) {
      throw new IllegalStateException("JdbcStore keeps the claims on H2 reminders in its process, and " + url
          + " is an H2 server that other processes can use, so they could send the same reminders: open the"
          + " database embedded (jdbc:h2:file:...) from one process, or share reminders between processes on"
          + " PostgreSQL or MySQL/MariaDB");
    }
    String name = path != null ? path : url.replaceFirst("^jdbc:h2:", "").replaceFirst(";.*$", "");
    return H2Claims.open(name + "|" + prefix, "the H2 database " + name + " with table prefix " + prefix);
  }

  // ------------------------------------------------------------------ builder

  /**
   * Configures a {@link JdbcStore}; validates at {@link #build()}, which also creates or migrates
   * the tables (unless {@link #createSchema(boolean) createSchema(false)}). Not thread-safe.
   */
  public static final class Builder {
    private final DataSource dataSource;
    private final JdbcConnectionPool ownedPool;
    private Dialect dialect;
    private String tablePrefix = "nudge_";
    private boolean createSchema = true;
    private Clock clock = Clock.systemUTC();
    private Duration eventIdRetention = Duration.ofDays(7);
    private Integer maxBatchSize;
    private Integer committers;

    private Builder(DataSource dataSource, JdbcConnectionPool ownedPool) {
      this.dataSource = dataSource;
      this.ownedPool = ownedPool;
    }

    /** The database's dialect; detected from the connection's metadata when not set. */
    public Builder dialect(Dialect dialect) {
      this.dialect = Objects.requireNonNull(dialect, "dialect");
      return this;
    }

    /**
     * Prefix of every table name (default {@code nudge_}): a lower-case letter, then up to 29
     * lower-case letters, digits or underscores. Lets several stores share one schema.
     */
    public Builder tablePrefix(String prefix) {
      this.tablePrefix = prefix;
      return this;
    }

    /**
     * Whether {@link #build()} creates the tables and applies newer migrations (default true).
     * When false it only checks that the schema version is current, for databases whose DDL a
     * DBA applies from the shipped resources.
     */
    public Builder createSchema(boolean createSchema) {
      this.createSchema = createSchema;
      return this;
    }

    /** The clock the event-id retention is measured on (default the system clock, UTC). */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** How long an event id is remembered for idempotency (default 7 days). */
    public Builder eventIdRetention(Duration retention) {
      this.eventIdRetention = retention;
      return this;
    }

    /** Most units of work committed in one transaction (default 2000 on H2, 500 elsewhere). */
    public Builder maxBatchSize(int units) {
      this.maxBatchSize = units;
      return this;
    }

    /**
     * Committer threads, each with its own connection and transaction (default 2 on H2: one runs
     * its statements while the other's commit writes to the file; 4 elsewhere, so several commits
     * wait for the server's log flush at once). A user always goes to the same committer, so one
     * user's units keep their order.
     */
    public Builder committers(int threads) {
      this.committers = threads;
      return this;
    }

    /**
     * Validates the settings, detects the dialect, creates or checks the schema and starts the
     * committer threads.
     *
     * @throws IllegalArgumentException for an invalid setting, naming it
     * @throws IllegalStateException when the database cannot be reached or its schema is not
     *     usable; on H2, also for a server URL, or while another store of this process has the
     *     same database and table prefix open
     */
    public JdbcStore build() {
      if (tablePrefix == null || !PREFIX.matcher(tablePrefix).matches()) {
        throw new IllegalArgumentException("tablePrefix '" + tablePrefix + "' is not usable in table names; use a"
            + " lower-case letter followed by up to 29 lower-case letters, digits or '_', such as nudge_");
      }
      if (clock == null) {
        throw new IllegalArgumentException("clock is required; pass Clock.systemUTC() or a test clock");
      }
      if (eventIdRetention == null || eventIdRetention.isNegative() || eventIdRetention.isZero()) {
        throw new IllegalArgumentException("eventIdRetention must be positive, was " + eventIdRetention);
      }
      if (maxBatchSize != null && (maxBatchSize < 1 || maxBatchSize > 10_000)) {
        throw new IllegalArgumentException("maxBatchSize must be between 1 and 10000, was " + maxBatchSize);
      }
      if (committers != null && (committers < 1 || committers > 64)) {
        throw new IllegalArgumentException("committers must be between 1 and 64, was " + committers);
      }
      Tables tables = new Tables(tablePrefix);
      H2Claims claims = null;
      try {
        Dialect d = dialect;
        if (d == null) {
          try (Connection c = dataSource.getConnection()) {
            d = Dialect.detect(c.getMetaData());
          }
        }
        if (createSchema) {
          Schema.migrate(dataSource, d, tables);
        } else {
          Schema.verify(dataSource, tables);
        }
        if (d == Dialect.H2) {
          claims = openH2Claims(dataSource, tablePrefix);
        }
        return new JdbcStore(this, d, claims);
      } catch (SQLException e) {
        release(claims);
        throw new IllegalStateException("the JdbcStore could not prepare its tables (prefix " + tablePrefix
            + "): SQLState " + e.getSQLState() + ": " + e.getMessage(), e);
      } catch (RuntimeException e) {
        release(claims);
        throw e;
      }
    }

    private void release(H2Claims claims) {
      if (claims != null) {
        claims.close();
      }
      if (ownedPool != null) {
        ownedPool.dispose();
      }
    }
  }
}
