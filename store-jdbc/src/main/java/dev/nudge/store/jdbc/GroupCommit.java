package dev.nudge.store.jdbc;

import static dev.nudge.store.jdbc.BulkInsert.Type.BIGINT;
import static dev.nudge.store.jdbc.BulkInsert.Type.BOOLEAN;
import static dev.nudge.store.jdbc.BulkInsert.Type.INTEGER;
import static dev.nudge.store.jdbc.BulkInsert.Type.TEXT;

import dev.nudge.spi.Counter;
import dev.nudge.spi.Reminder;
import dev.nudge.spi.SendRecord;
import dev.nudge.spi.UserChanges;
import dev.nudge.spi.UserRecords;
import dev.nudge.spi.UserState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * Group commit: units of work queue up per lane (a user always maps to the same lane, so one
 * user's units keep their call order), and each lane's committer thread applies up to
 * {@code maxBatch} queued units in one transaction:
 *
 * <ol>
 *   <li>create the missing user rows and lock every user row of the batch, in user-id order;
 *   <li>read those users' reminders (locking them against concurrent claims), sends and
 *       last-sent times, one query per table;
 *   <li>run the units in call order against these rows in memory (a unit that throws is undone
 *       and fails alone); event ids the units asked about are looked up in one query, and the
 *       units run again when one of them turns out to be known;
 *   <li>write the difference with batched statements, commit, and only then complete the
 *       units' futures, on the callback executor.
 * </ol>
 *
 * <p>A deadlock, serialization failure or unique-key race runs the whole batch once more; a data
 * error the database rejects splits the batch so that only the offending unit fails; any other
 * failure (the database is down) fails every unit of the batch, and nothing of it is applied.
 * Thread-safe.
 */
final class GroupCommit implements AutoCloseable {
  /**
   * Failed commits are logged at DEBUG only: each caller gets the failure, and the engine reports
   * a store outage once, not once per batch.
   */
  private static final System.Logger LOG = System.getLogger(JdbcStore.class.getName());

  /** The ledger of a read's copy of a state: a read records no event id. */
  private static final UserState.EventLedger NO_EVENTS = new UserState.EventLedger() {
    @Override
    public boolean record(String eventId, String userId, java.time.Instant at) {
      throw new IllegalStateException("a read of user " + userId + "'s state recorded event id " + eventId
          + "; reads (ReminderStore.read) must not change the state: use atomically for changes");
    }

    @Override
    public void forget(String eventId) {}
  };

  /** One call of {@code atomically}, waiting in a lane. */
  private static final class Unit<T> {
    final String userId;
    final Function<UserState, T> work;
    /** A read ({@link JdbcStore#read}): it neither creates the user's lock row nor may it change anything. */
    final boolean readOnly;
    final CompletableFuture<T> future = new CompletableFuture<>();
    Object result;
    Throwable failure;

    Unit(String userId, Function<UserState, T> work, boolean readOnly) {
      this.userId = userId;
      this.work = work;
      this.readOnly = readOnly;
    }

    void run(UserState state) {
      try {
        if (readOnly) {
          // On a copy: the user's state is never touched, whatever the work does.
          UserState copy = UserState.load(state.records(), NO_EVENTS);
          Object value = copy.apply(work);
          if (!copy.changes().isEmpty()) {
            throw new IllegalStateException("a read of user " + userId + "'s state changed it; reads"
                + " (ReminderStore.read) must not change the state: use atomically for changes");
          }
          result = value;
        } else {
          result = state.apply(work);
        }
        failure = null;
      } catch (RuntimeException | Error e) {
        result = null;
        failure = e;
      }
    }

    @SuppressWarnings("unchecked")
    void complete() {
      if (failure != null) {
        future.completeExceptionally(failure);
      } else {
        future.complete((T) result);
      }
    }
  }

  private final DataSource dataSource;
  private final Dialect dialect;
  private final Tables t;
  private final Clock clock;
  private final Duration retention;
  private final int maxBatch;
  private final ExecutorService callbacks;
  private final Lane[] lanes;
  /** Counter rows are spread over this many shards per counter (see {@link Lane#shard}). */
  static final int SHARDS = 16;
  private final ReentrantReadWriteLock closing = new ReentrantReadWriteLock();
  /** On embedded H2, the claims kept in this process and their gate (see {@link H2Claims}); else null. */
  private final H2Claims h2;
  private volatile boolean closed;

  GroupCommit(DataSource dataSource, Dialect dialect, Tables tables, Clock clock, Duration retention, int maxBatch,
      int laneCount, ExecutorService callbacks, H2Claims h2) {
    this.dataSource = dataSource;
    this.h2 = h2;
    this.dialect = dialect;
    this.t = tables;
    this.clock = clock;
    this.retention = retention;
    this.maxBatch = maxBatch;
    this.callbacks = callbacks;
    this.lanes = new Lane[laneCount];
    // Each lane of each store instance starts at a random shard, so instances sharing a database
    // rarely write the same counter row (a collision only makes one commit wait for the other).
    int salt = java.util.concurrent.ThreadLocalRandom.current().nextInt(SHARDS);
    for (int i = 0; i < laneCount; i++) {
      lanes[i] = new Lane(i, Math.floorMod(salt + i, SHARDS));
    }
    for (Lane lane : lanes) {
      lane.thread.start();
    }
  }

  <T> CompletableFuture<T> submit(String userId, Function<UserState, T> work, boolean readOnly) {
    Unit<T> unit = new Unit<>(userId, work, readOnly);
    ReentrantReadWriteLock.ReadLock lock = closing.readLock();
    lock.lock();
    try {
      if (closed) {
        return CompletableFuture.failedFuture(new IllegalStateException("the JdbcStore is closed; build a new one"));
      }
      lanes[Math.floorMod(userId.hashCode(), lanes.length)].queue.add(unit);
    } finally {
      lock.unlock();
    }
    return unit.future;
  }

  /** Stops taking units, commits the queued ones, and stops the committer threads. */
  @Override
  public void close() {
    closing.writeLock().lock();
    try {
      closed = true;
    } finally {
      closing.writeLock().unlock();
    }
    for (Lane lane : lanes) {
      try {
        lane.thread.join(TimeUnit.SECONDS.toMillis(60));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      lane.thread.interrupt();
      for (Unit<?> u; (u = lane.queue.poll()) != null; ) {
        u.future.completeExceptionally(new IllegalStateException("the JdbcStore closed before this unit was applied"));
      }
    }
  }

  /** One committer thread and its queue. */
  private final class Lane implements Runnable {
    final LinkedBlockingQueue<Unit<?>> queue = new LinkedBlockingQueue<>();
    final Thread thread;
    final boolean prunes;
    /** The counter shard this lane's transactions add to. */
    final int shard;
    long nextPrune = System.nanoTime();
    /**
     * On H2, the connection this lane keeps between batches (always in a transaction), or null:
     * H2's pool rolls a connection back when it is borrowed and returned, and on H2 each such
     * rollback makes the store write a chunk of every map's unsaved pages, the other lane's
     * uncommitted ones included, so borrowing per batch tripled the chunks written.
     */
    Connection held;
    /** Elsewhere, the connection borrowed for the batch being committed. */
    Connection borrowed;

    Lane(int index, int shard) {
      this.shard = shard;
      this.thread = new Thread(this, "nudge-jdbc-commit-" + index);
      this.thread.setDaemon(true);
      this.prunes = index == 0;
    }

    @Override
    public void run() {
      try {
        loop();
      } finally {
        release(this, true);
      }
    }

    private void loop() {
      List<Unit<?>> batch = new ArrayList<>(maxBatch);
      while (true) {
        Unit<?> first;
        try {
          first = queue.poll(100, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          return;
        }
        if (first != null) {
          batch.add(first);
          queue.drainTo(batch, maxBatch - 1);
          commit(batch, this);
          batch.clear();
        } else if (closed) {
          return;
        }
        if (prunes && System.nanoTime() - nextPrune >= 0) {
          nextPrune = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
          pruneEventIds();
        }
      }
    }
  }

  // ------------------------------------------------------------------ one batch

  private void commit(List<Unit<?>> units, Lane lane) {
    for (int attempt = 1; ; attempt++) {
      try {
        apply(units, lane);
        break;
      } catch (SQLException e) {
        if (attempt == 1 && dialect.retryable(e)) {
          continue;
        }
        if (units.size() > 1 && isDataError(e)) {
          // One unit wrote something the database refuses: find it by committing them one by one.
          for (Unit<?> u : units) {
            commit(List.of(u), lane);
          }
          return;
        }
        failAll(units, e);
        return;
      } catch (RuntimeException | Error e) {
        failAll(units, e);
        return;
      }
    }
    List<Unit<?>> done = List.copyOf(units);
    callbacks.execute(() -> done.forEach(Unit::complete));
  }

  private void failAll(List<Unit<?>> units, Throwable cause) {
    String why = cause instanceof SQLException s
        ? "SQLState " + s.getSQLState() + ": " + s.getMessage() : String.valueOf(cause);
    IllegalStateException failure = new IllegalStateException("the JdbcStore could not commit " + units.size()
        + " unit(s) of work to the " + t.prefix + "* tables on " + dialect + "; nothing of them was applied"
        + " and the caller may retry (" + why + ")", cause);
    LOG.log(System.Logger.Level.DEBUG, failure.getMessage());
    List<Unit<?>> failed = List.copyOf(units);
    callbacks.execute(() -> failed.forEach(u -> u.future.completeExceptionally(failure)));
  }

  private static boolean isDataError(SQLException e) {
    String state = e.getSQLState();
    return state != null && (state.startsWith("22") || (state.startsWith("23") && !state.equals("23505")));
  }

  private void apply(List<Unit<?>> units, Lane lane) throws SQLException {
    TreeMap<String, UserRecords.Builder> loading = new TreeMap<>();
    java.util.Set<String> writers = new java.util.TreeSet<>();
    for (Unit<?> u : units) {
      loading.computeIfAbsent(u.userId, UserRecords::builder);
      if (!u.readOnly) {
        writers.add(u.userId);
      }
    }
    List<String> userIds = new ArrayList<>(loading.keySet());
    Connection c = connection(lane);
    boolean ok = false;
    if (h2 != null) {
      h2.gate.readLock().lock();
    }
    try {
      if (dialect == Dialect.MYSQL && c.getTransactionIsolation() != Connection.TRANSACTION_READ_COMMITTED) {
        c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
      }
      try {
        lockUsers(c, userIds, writers, loading);
        load(c, userIds, loading);
        Map<String, UserRecords> loaded = new TreeMap<>();
        loading.forEach((user, b) -> loaded.put(user, b.build()));
        long now = EpochMicros.of(clock.instant());
        EventIds events = new EventIds();
        List<UserChanges> changes = runUnits(c, units, loaded, events, now - retention.toNanos() / 1_000);
        Counts counts = new Counts();
        for (UserChanges ch : changes) {
          for (Counter k : ch.counts()) {
            counts.add(k.campaignId(), k.step(), k.name(), k.value());
          }
        }
        write(c, loaded, changes, events, now);
        writeCounts(c, counts, lane.shard);
        c.commit();
        ok = true;
        if (h2 != null) {
          releaseSettledClaims(loaded, changes);
        }
      } catch (SQLException | RuntimeException | Error e) {
        try {
          c.rollback();
        } catch (SQLException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
    } finally {
      if (h2 != null) {
        h2.gate.readLock().unlock();
      }
      // A held connection that failed is given back (the pool checks it) and a fresh one borrowed
      // for the next batch.
      release(lane, !ok);
    }
  }

  /** The lane's held connection on H2 (borrowed once), elsewhere one borrowed for this batch. */
  private Connection connection(Lane lane) throws SQLException {
    if (lane.held != null) {
      return lane.held;
    }
    Connection c = dataSource.getConnection();
    try {
      c.setAutoCommit(false);
    } catch (SQLException | RuntimeException e) {
      closeQuietly(c, true);
      throw e;
    }
    if (dialect == Dialect.H2) {
      lane.held = c;
    } else {
      lane.borrowed = c;
    }
    return c;
  }

  /** Gives back a connection borrowed for one batch, and a held one when {@code drop}. */
  private void release(Lane lane, boolean drop) {
    if (lane.borrowed != null) {
      closeQuietly(lane.borrowed, true);
      lane.borrowed = null;
    }
    if (drop && lane.held != null) {
      closeQuietly(lane.held, true);
      lane.held = null;
    }
  }

  private static void closeQuietly(Connection c, boolean autoCommit) {
    try {
      if (autoCommit) {
        c.setAutoCommit(true);
      }
    } catch (SQLException | RuntimeException ignored) {
      // The connection is going back to the pool broken; the pool validates it.
    }
    try {
      c.close();
    } catch (SQLException | RuntimeException ignored) {
      // Nothing more to do with it.
    }
  }

  /**
   * Locks the users' rows (their units are serialized across instances) and reads their consent.
   * A user whose units only read gets no row made for them: reading a forgotten or unknown user
   * leaves no trace (their existing row, if any, is locked all the same).
   *
   * <p>Existing rows are always locked in user id order, by one statement, so that two instances
   * cannot each hold a row the other waits for: when every user of the batch writes, the insert
   * of the missing rows locks them all (MySQL's upsert locks existing rows too); when some only
   * read, the sorted {@code SELECT ... FOR UPDATE} comes first and the writers' missing rows are
   * made after it.
   */
  private void lockUsers(Connection c, List<String> userIds, java.util.Set<String> writers,
      Map<String, UserRecords.Builder> slices) throws SQLException {
    if (dialect == Dialect.H2) {
      // Embedded H2 has one process: the lanes already serialize each user's units.
      readConsent(c, userIds, slices, false);
      return;
    }
    if (writers.size() == userIds.size()) {
      insertMissing(c, userIds);
      readConsent(c, userIds, slices, true);
      return;
    }
    java.util.Set<String> found = readConsent(c, userIds, slices, true);
    List<String> missing = new ArrayList<>();
    for (String w : writers) {
      if (!found.contains(w)) {
        missing.add(w);
      }
    }
    if (!missing.isEmpty()) {
      insertMissing(c, missing);
      readConsent(c, missing, slices, true); // another instance may have made one meanwhile
    }
  }

  private void insertMissing(Connection c, List<String> userIds) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(dialect.insertMissingUsers(t.users, userIds.size()))) {
      dialect.bind(c, ps, 1, userIds);
      ps.executeUpdate();
    }
  }

  /** Reads (and, with {@code lock}, locks in user id order) the users' rows; returns the users found. */
  private java.util.Set<String> readConsent(Connection c, List<String> userIds,
      Map<String, UserRecords.Builder> slices, boolean lock) throws SQLException {
    String select = "SELECT user_id, consent_json FROM " + t.users + " WHERE " + dialect.anyOf("user_id", userIds.size())
        + (lock ? " ORDER BY user_id FOR UPDATE" : "");
    java.util.Set<String> found = new java.util.HashSet<>();
    try (PreparedStatement ps = c.prepareStatement(select)) {
      dialect.bind(c, ps, 1, userIds);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          found.add(rs.getString(1));
          String consent = rs.getString(2);
          if (consent != null) {
            UserRecords.Builder slice = slices.get(rs.getString(1));
            JsonValues.readMap(consent).forEach((category, allowed) -> slice.consent(category, (Boolean) allowed));
          }
        }
      }
    }
    return found;
  }

  private void load(Connection c, List<String> userIds, Map<String, UserRecords.Builder> slices) throws SQLException {
    String in = dialect.anyOf("user_id", userIds.size());
    try (PreparedStatement ps = c.prepareStatement("SELECT " + Tables.REMINDER_COLUMNS + " FROM " + t.reminders
        + " WHERE " + in + " FOR UPDATE")) {
      dialect.bind(c, ps, 1, userIds);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          StoredReminder s = Tables.readReminder(rs);
          if (h2 != null) {
            s = withClaim(s);
          }
          slices.get(s.reminder().userId()).reminder(s.reminder(), s.claim());
        }
      }
    }
    try (PreparedStatement ps = c.prepareStatement("SELECT user_id, reminder_id, campaign_id, step, sent_at, converted"
        + " FROM " + t.sends + " WHERE " + in + " ORDER BY sent_at, reminder_id")) {
      dialect.bind(c, ps, 1, userIds);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          SendRecord s = new SendRecord(rs.getString(2), rs.getString(3), rs.getInt(4),
              EpochMicros.toInstant(rs.getLong(5)), rs.getBoolean(6));
          slices.get(rs.getString(1)).send(s);
        }
      }
    }
    try (PreparedStatement ps = c.prepareStatement("SELECT user_id, campaign_id, sent_at FROM " + t.lastSent
        + " WHERE " + in)) {
      dialect.bind(c, ps, 1, userIds);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          slices.get(rs.getString(1)).lastSent(rs.getString(2), EpochMicros.toInstant(rs.getLong(3)));
        }
      }
    }
  }

  /** On H2, the row with its claim as this process holds it (the row's own claim columns are unused). */
  private StoredReminder withClaim(StoredReminder row) {
    H2Claims.Claim claim = h2.get(row.reminder().id());
    if (claim == null) {
      return row.owner() == null ? row : StoredReminder.pending(row.reminder());
    }
    return new StoredReminder(row.reminder(), claim.owner(), EpochMicros.toInstant(claim.until()));
  }

  /**
   * On H2, after the commit: drops the claims of the reminders the batch deleted or saved as
   * pending, still under the gate, so that no claim sees them claimed and gone or changed.
   */
  private void releaseSettledClaims(Map<String, UserRecords> loaded, List<UserChanges> changes) {
    for (UserChanges ch : changes) {
      UserRecords before = loaded.get(ch.userId());
      for (String id : ch.deleted()) {
        before.claim(id).ifPresent(claim -> h2.release(id, claim.owner()));
      }
      for (Reminder r : ch.updated()) {
        before.claim(r.id()).ifPresent(claim -> h2.release(r.id(), claim.owner()));
      }
    }
  }

  /** Runs the units on their users' states until no event id turns out known; returns what they changed. */
  private List<UserChanges> runUnits(Connection c, List<Unit<?>> units, Map<String, UserRecords> loaded,
      EventIds events, long retainedSince) throws SQLException {
    while (true) {
      events.startPass();
      Map<String, UserState> states = new TreeMap<>();
      loaded.forEach((user, records) -> states.put(user, UserState.load(records, events)));
      for (Unit<?> u : units) {
        u.run(states.get(u.userId));
      }
      if (!events.unknown.isEmpty() && lookUp(c, events, retainedSince)) {
        continue;
      }
      List<UserChanges> out = new ArrayList<>(states.size());
      for (UserState state : states.values()) {
        UserChanges ch = state.changes();
        if (!ch.isEmpty()) {
          out.add(ch);
        }
      }
      return out;
    }
  }

  /** Looks the pass's new event ids up; true when one is known, so the units must run again. */
  private boolean lookUp(Connection c, EventIds events, long retainedSince) throws SQLException {
    List<String> ask = new ArrayList<>(events.unknown);
    events.looked.addAll(ask);
    boolean rerun = false;
    try (PreparedStatement ps = c.prepareStatement("SELECT event_id, seen_at FROM " + t.events + " WHERE "
        + dialect.anyOf("event_id", ask.size()))) {
      dialect.bind(c, ps, 1, ask);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          long seenAt = rs.getLong(2);
          if (seenAt >= retainedSince) {
            events.known.add(rs.getString(1));
            rerun = true;
          } else {
            events.expired.put(rs.getString(1), seenAt);
          }
        }
      }
    }
    return rerun;
  }

  private void write(Connection c, Map<String, UserRecords> loaded, List<UserChanges> changes, EventIds events,
      long now) throws SQLException {
    List<String> deleted = new ArrayList<>();
    List<StoredReminder> inserted = new ArrayList<>();
    List<StoredReminder> updated = new ArrayList<>();
    List<String> sendsDeleted = new ArrayList<>();
    List<SendRecord> sendsInserted = new ArrayList<>();
    List<String> sendsInsertedUser = new ArrayList<>();
    List<SendRecord> sendsUpdated = new ArrayList<>();
    List<String[]> lastDeleted = new ArrayList<>();
    List<Object[]> lastInserted = new ArrayList<>();
    List<Object[]> lastUpdated = new ArrayList<>();
    List<String> consentUsers = new ArrayList<>();
    List<String> consentJson = new ArrayList<>();
    for (UserChanges ch : changes) {
      ch.consent().ifPresent(consent -> {
        consentUsers.add(ch.userId());
        consentJson.add(consent.isEmpty() ? null : JsonValues.write(new TreeMap<String, Object>(consent)));
      });
      deleted.addAll(ch.deleted());
      for (Reminder r : ch.updated()) {
        updated.add(StoredReminder.pending(r));
      }
      for (Reminder r : ch.inserted()) {
        inserted.add(StoredReminder.pending(r));
      }
      sendsDeleted.addAll(ch.deletedSends());
      sendsUpdated.addAll(ch.updatedSends());
      for (SendRecord r : ch.insertedSends()) {
        sendsInserted.add(r);
        sendsInsertedUser.add(ch.userId());
      }
      for (String campaign : ch.lastSentRemoved()) {
        lastDeleted.add(new String[] {ch.userId(), campaign});
      }
      Map<String, Instant> before = loaded.get(ch.userId()).lastSent();
      ch.lastSent().forEach((campaign, at) ->
          (before.containsKey(campaign) ? lastUpdated : lastInserted).add(new Object[] {ch.userId(), campaign, at}));
    }

    if (!consentUsers.isEmpty()) {
      if (dialect == Dialect.H2) { // elsewhere lockUsers made the rows
        try (PreparedStatement ps = c.prepareStatement(dialect.insertMissingUsers(t.users, consentUsers.size()))) {
          dialect.bind(c, ps, 1, consentUsers);
          ps.executeUpdate();
        }
      }
      try (PreparedStatement ps = c.prepareStatement("UPDATE " + t.users + " SET consent_json = ? WHERE user_id = ?")) {
        for (int i = 0; i < consentUsers.size(); i++) {
          ps.setString(1, consentJson.get(i));
          ps.setString(2, consentUsers.get(i));
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
    deleteByIds(c, t.reminders, "id", deleted);
    if (!updated.isEmpty()) {
      try (PreparedStatement ps = c.prepareStatement(t.updateReminder())) {
        for (StoredReminder r : updated) {
          Tables.bindReminderUpdate(ps, r);
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
    BulkInsert reminderRows = t.reminderInserts();
    for (StoredReminder r : inserted) {
      reminderRows.add(Tables.reminderValues(r));
    }
    reminderRows.execute(c, dialect);
    deleteByIds(c, t.sends, "reminder_id", sendsDeleted);
    if (!sendsUpdated.isEmpty()) {
      try (PreparedStatement ps = c.prepareStatement("UPDATE " + t.sends
          + " SET campaign_id = ?, step = ?, sent_at = ?, converted = ? WHERE reminder_id = ?")) {
        for (SendRecord r : sendsUpdated) {
          ps.setString(1, r.campaignId());
          ps.setInt(2, r.step());
          ps.setLong(3, EpochMicros.of(r.sentAt()));
          ps.setBoolean(4, r.converted());
          ps.setString(5, r.reminderId());
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
    BulkInsert sendRows = new BulkInsert(t.sends, "reminder_id, user_id, campaign_id, step, sent_at, converted",
        TEXT, TEXT, TEXT, INTEGER, BIGINT, BOOLEAN);
    for (int i = 0; i < sendsInserted.size(); i++) {
      SendRecord r = sendsInserted.get(i);
      sendRows.add(r.reminderId(), sendsInsertedUser.get(i), r.campaignId(), r.step(), EpochMicros.of(r.sentAt()),
          r.converted());
    }
    sendRows.execute(c, dialect);
    if (!lastDeleted.isEmpty()) {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + t.lastSent
          + " WHERE user_id = ? AND campaign_id = ?")) {
        for (String[] k : lastDeleted) {
          ps.setString(1, k[0]);
          ps.setString(2, k[1]);
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
    if (!lastUpdated.isEmpty()) {
      try (PreparedStatement ps = c.prepareStatement("UPDATE " + t.lastSent
          + " SET sent_at = ? WHERE user_id = ? AND campaign_id = ?")) {
        for (Object[] row : lastUpdated) {
          ps.setLong(1, EpochMicros.of((Instant) row[2]));
          ps.setString(2, (String) row[0]);
          ps.setString(3, (String) row[1]);
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
    BulkInsert lastRows = new BulkInsert(t.lastSent, "user_id, campaign_id, sent_at", TEXT, TEXT, BIGINT);
    for (Object[] row : lastInserted) {
      lastRows.add(row[0], row[1], EpochMicros.of((Instant) row[2]));
    }
    lastRows.execute(c, dialect);
    if (!events.recorded.isEmpty()) {
      List<String> stale = new ArrayList<>();
      for (String id : events.recorded.keySet()) {
        if (events.expired.containsKey(id)) {
          stale.add(id);
        }
      }
      if (!stale.isEmpty()) {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + t.events + " WHERE event_id = ?")) {
          for (String id : stale) {
            ps.setString(1, id);
            ps.addBatch();
          }
          ps.executeBatch();
        }
      }
      BulkInsert eventRows = new BulkInsert(t.events, "event_id, seen_at, user_id", TEXT, BIGINT, TEXT);
      events.recorded.forEach((id, user) -> eventRows.add(id, now, user));
      eventRows.execute(c, dialect);
    }
    List<String> forgotten = new ArrayList<>();
    for (UserChanges ch : changes) {
      if (ch.forgotten()) {
        forgotten.add(ch.userId());
      }
    }
    // After the event ids: an id a forgotten user's unit recorded goes with them.
    deleteByIds(c, t.events, "user_id", forgotten);
    deleteByIds(c, t.devices, "user_id", forgotten);
    deleteByIds(c, t.users, "user_id", forgotten);
  }

  /** Deletes rows by key, a few hundred keys per statement. */
  private void deleteByIds(Connection c, String table, String column, List<String> ids) throws SQLException {
    for (int from = 0; from < ids.size(); from += 512) {
      List<String> chunk = ids.subList(from, Math.min(ids.size(), from + 512));
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE "
          + dialect.anyOf(column, chunk.size()))) {
        dialect.bind(c, ps, 1, chunk);
        ps.executeUpdate();
      }
    }
  }

  /** Adds the batch's counter deltas to this lane's shard rows, in key order, in one batch. */
  private void writeCounts(Connection c, Counts counts, int shard) throws SQLException {
    Map<Counts.Key, Long> deltas = counts.nonZero();
    if (deltas.isEmpty()) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement(dialect.addToCounter(t.counters))) {
      for (Map.Entry<Counts.Key, Long> e : deltas.entrySet()) {
        ps.setString(1, e.getKey().campaignId());
        ps.setInt(2, e.getKey().step());
        ps.setString(3, e.getKey().counter());
        ps.setInt(4, shard);
        ps.setLong(5, e.getValue());
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  /** Deletes event ids past the retention; lane 0 runs it about once a minute. */
  void pruneEventIds() {
    long cutoff = EpochMicros.of(clock.instant()) - retention.toNanos() / 1_000;
    try (Connection c = dataSource.getConnection();
         PreparedStatement ps = c.prepareStatement("DELETE FROM " + t.events + " WHERE seen_at < ?")) {
      c.setAutoCommit(true);
      ps.setLong(1, cutoff);
      ps.executeUpdate();
    } catch (SQLException e) {
      LOG.log(System.Logger.Level.DEBUG, "pruning expired event ids failed; trying again later", e);
    }
  }
}
