package dev.nudge.store.jdbc;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The claims on one embedded H2 database's reminders, kept in this process instead of in the
 * reminder rows. One {@link JdbcStore} of the process opens a database and table prefix at a
 * time ({@link #open} refuses a second): its committer lanes are what keeps each user's units
 * of work in order on H2, where no user row is locked, so every engine of the process shares
 * that store.
 *
 * <p>Only one process can open an embedded H2 database, so nobody outside it could see a claim
 * written to a row: writing it (and the lease renewals) would only cost a row update, two index
 * updates and a commit per reminder. A process that dies loses its claims with it, which is what
 * a lease that ran out would give, without the wait: after a restart the unsettled reminders are
 * claimable at once.
 *
 * <p>{@link #gate}: each group-commit transaction holds the read side from its first statement
 * until it has committed and released the claims of the reminders it settled; a claim holds the
 * write side while it reads the due rows and takes them. So a claim sees no half-applied
 * transaction, and never takes a reminder that a transaction is settling. Thread-safe.
 */
final class H2Claims {
  /** A claim: who holds it, and its lease end in microseconds since the epoch. */
  record Claim(String owner, long until) {}

  private static final ConcurrentHashMap<String, H2Claims> OPEN = new ConcurrentHashMap<>();

  /** Fair, so that a claim is not starved by committers taking turns. */
  final ReentrantReadWriteLock gate = new ReentrantReadWriteLock(true);
  private final ConcurrentHashMap<String, Claim> claims = new ConcurrentHashMap<>();
  private final String key;

  private H2Claims(String key) {
    this.key = key;
  }

  /**
   * The claims of this database and prefix ({@code key}, as {@code what} names it for people),
   * until {@link #close}.
   *
   * @throws IllegalStateException when another store of this process has them open
   */
  static H2Claims open(String key, String what) {
    H2Claims mine = new H2Claims(key);
    if (OPEN.putIfAbsent(key, mine) != null) {
      throw new IllegalStateException("another JdbcStore of this process already uses " + what + "; on H2 one"
          + " store serves every engine of the process: pass that store to each Nudge builder, or close it first");
    }
    return mine;
  }

  /** Lets another store open the database; this store's claims are dropped. */
  void close() {
    OPEN.remove(key, this);
  }

  /** The claim on this reminder, or {@code null}. */
  Claim get(String reminderId) {
    return claims.get(reminderId);
  }

  /** How many reminders are claimed (live or run-out leases). */
  int size() {
    return claims.size();
  }

  /** Whether a claim that blocks others holds this reminder at {@code now} (its lease not run out). */
  boolean held(String reminderId, long now) {
    Claim c = claims.get(reminderId);
    return c != null && c.until() >= now;
  }

  /**
   * Claims this reminder unless a claim whose lease has not run out at {@code now} holds it;
   * called under the gate's write side.
   *
   * @return whether it was claimed
   */
  boolean take(String reminderId, Claim claim, long now) {
    // Atomic, so that a lease renewed meanwhile (renew takes no gate) is never overwritten.
    return claims.compute(reminderId, (id, c) -> c == null || c.until() < now ? claim : c) == claim;
  }

  /** Drops {@code owner}'s claim on this reminder (it was settled, saved as pending or deleted). */
  void release(String reminderId, String owner) {
    claims.computeIfPresent(reminderId, (id, c) -> c.owner().equals(owner) ? null : c);
  }

  /**
   * Extends {@code owner}'s claims on these reminders to {@code until}, leaving others' claims,
   * released reminders and leases already running that long alone.
   *
   * @return how many were extended
   */
  int renew(Collection<String> reminderIds, String owner, long until) {
    int renewed = 0;
    for (String id : reminderIds) {
      Claim before = claims.get(id);
      if (before != null && before.owner().equals(owner) && before.until() < until
          && claims.replace(id, before, new Claim(owner, until))) {
        renewed++;
      }
    }
    return renewed;
  }
}
