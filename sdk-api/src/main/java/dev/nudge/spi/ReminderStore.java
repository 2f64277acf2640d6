package dev.nudge.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Keeps pending reminders and per-user campaign state (idempotency ids, send history) durably.
 *
 * <p>Every change goes through {@link #atomically}: the engine reads and writes one user's state
 * in a unit of work that the store applies all or nothing, in the order calls were made for that
 * user. A store may group the units of many concurrent calls into one transaction (group commit);
 * the returned future completes only once the unit is durable. The rules of a user's state inside
 * a unit are not the store's to write: it loads the user's {@link UserRecords} into a
 * {@link UserState}, runs the units through {@link UserState#apply}, and stores what they left.
 *
 * <p>What every store keeps (the store test kit, {@code nudge-store-tck}, checks each point):
 * <ul>
 *   <li><b>Time</b>: instants to the microsecond at least (finer digits may be truncated towards
 *       the past), about 290,000 years either side of 1970.
 *   <li><b>Values</b>: a reminder's trigger properties come back equal to what was saved, as the
 *       engine normalizes them: {@code String}, {@code Boolean}, {@code Long}, {@code BigInteger}
 *       beyond the long range, {@code Double} (a whole double stays a {@code Double}), and lists
 *       and maps of those (map order may change).
 *   <li><b>Order</b>: {@link Reminder#DUE_ORDER}, with strings compared as
 *       {@link String#compareTo} (a binary collation in SQL) at least for ASCII.
 *   <li><b>Event ids</b>: remembered for a retention window measured on the store's clock, 7 days
 *       unless the host configures the store otherwise; a duplicate within it is refused.
 *   <li><b>Claims</b>: a live claim is exclusive across every store instance on the same data;
 *       one whose lease ran out may be taken over, which {@link UserState#isClaimedBy} then shows.
 *   <li><b>Sharing</b>: several engine instances may use stores on the same data (the JDBC store
 *       on one database); units of one user serialize across them. A store that cannot share
 *       (in memory) says so in its documentation.
 * </ul>
 *
 * <p>Implementations are thread-safe.
 */
public interface ReminderStore extends AutoCloseable {
  /**
   * Runs {@code work} atomically on {@code userId}'s state and completes with its result once the
   * changes are durable. The work may run on another thread and, if the store retries a
   * transaction, more than once: it must act only through the {@link UserState} it is given.
   * When the store cannot apply it (e.g. the database is down), the future completes
   * exceptionally and nothing of the work is applied.
   */
  <T> CompletableFuture<T> atomically(String userId, Function<UserState, T> work);

  /**
   * Runs {@code work} on {@code userId}'s state to read it: what the engine lists or exports
   * for the host. The work must not change the state; a store may refuse work that does (its
   * future then fails with an {@link IllegalStateException}). Unlike {@link #atomically}, a store
   * may serve it without taking or creating anything for the user, so reading a user who was
   * forgotten, or never seen, leaves no trace of them. The default runs it as
   * {@link #atomically}; a wrapper of another store should forward this call.
   */
  default <T> CompletableFuture<T> read(String userId, Function<UserState, T> work) {
    return atomically(userId, work);
  }

  /**
   * Claims up to {@code max} pending reminders of the campaigns {@code campaignIds} whose
   * {@code fireAt} is strictly before {@code before}, in {@link Reminder#DUE_ORDER}, for {@code owner} until {@code lease} has passed. A claim whose lease ran out is
   * claimable again. Reminders of other campaigns are left alone: the engine claims only what it
   * knows how to resolve, and holds the rest (after a restart, before the host defined them).
   */
  List<Reminder> claimDue(Instant before, Set<String> campaignIds, int max, Duration lease, String owner);

  /**
   * Up to {@code max} reminders of one campaign, of any user, that no live claim holds at
   * {@code now} (pending ones, and claims whose lease ran out), in {@link Reminder#DUE_ORDER}; the
   * engine cancels
   * them, user by user, when the campaign is removed.
   */
  List<Reminder> pendingOf(String campaignId, Instant now, int max);

  /** Pending and claimed reminders per campaign id (campaigns with none are absent). */
  Map<String, Long> countByCampaign();

  /**
   * Extends the claims that {@code owner} still holds on these reminders until {@code until}
   * (a heartbeat for long sends), so no other instance takes them over meanwhile.
   *
   * @return how many claims were extended
   */
  int renewLeases(Collection<Reminder> claimed, String owner, Instant until);

  /** Every statistics counter, across all instances sharing this store. */
  List<Counter> counters();

  /** The earliest {@code fireAt} of any pending (not claimed) reminder; empty when there is none. */
  Optional<Instant> nextFireAt();

  /**
   * The campaigns paused with {@link #setPaused}: the engine leaves their reminders unclaimed.
   * Read by every instance on shared data, once per run.
   */
  Set<String> pausedCampaigns();

  /** Pauses a campaign (or, with {@code paused} false, resumes it); idempotent, and kept across restarts. */
  void setPaused(String campaignId, boolean paused);

  /** Pending and claimed reminders in the store. */
  long size();

  /**
   * The reminders whose {@code fireAt} is strictly before {@code before} and that are still in
   * the store, pending or claimed, of every campaign (held ones too): how many, and the earliest
   * fire time among them. It is the backlog a health check or a metrics gauge watches, read now
   * and then, never by the engine's own work; a store that keeps a fire-time index should answer
   * from the part of it before {@code before}, so that it costs almost nothing while nothing is
   * late.
   *
   * <p>The default returns empty: this store cannot count them cheaply, and metrics then show no
   * figure for them. The in-memory store and {@code JdbcStore} count them; a store that wraps
   * another should pass this on to it.
   */
  default Optional<DueReminders> due(Instant before) {
    return Optional.empty();
  }

  /** Releases resources; the default does nothing. */
  @Override
  default void close() {}
}
