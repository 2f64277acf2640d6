package dev.nudge.core;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Whether the store is reachable, as the engine's own calls find it, so that an outage is
 * reported once when it starts (with the one stack trace) and once when it ends (how long, how
 * many units of work waited and how many tries failed), whatever the number of units that
 * waited. Thread-safe.
 */
final class StoreOutage {
  private static final System.Logger LOG = System.getLogger("dev.nudge");

  private final Clock clock;
  private final Listeners listeners;
  private Instant since; // null while the store is reachable
  /** {@code since != null}, read without the lock on every successful call. */
  private volatile boolean ongoing;
  private long failedTries;
  private long waitingUnits;
  private long waitedUnits;
  private long outages;
  private final java.util.concurrent.atomic.AtomicLong tickets = new java.util.concurrent.atomic.AtomicLong();
  private long startTicket;
  private long endTicket;
  private long lateFailures;

  StoreOutage(Clock clock, Listeners listeners) {
    this.clock = clock;
    this.listeners = listeners;
  }

  /**
   * A call to the store that took {@code ticket} failed; {@code what} says what it was for. The
   * first failure of an outage is logged and reported to the listeners, the rest are counted. A
   * failure of a call that started before the last outage ended (its answer came late, e.g. on a
   * store's callback thread) is counted but starts no new outage: it says nothing of the store now.
   */
  void failed(String what, Throwable error, long ticket) {
    synchronized (this) {
      if (since == null && ticket < endTicket) {
        lateFailures++;
        return;
      }
      failedTries++;
      if (since != null) {
        return;
      }
      since = clock.instant();
      ongoing = true;
      startTicket = tickets.incrementAndGet(); // calls that start from now on read this or later
      outages++;
    }
    listeners.onError("the store is unreachable or failing (" + what + " failed); the engine waits"
        + " for it and retries, and logs once more when it is back", error);
  }

  /** A unit of work starts waiting for the store to come back. */
  synchronized void waiting() {
    waitingUnits++;
    waitedUnits++;
  }

  /** A unit of work stopped waiting (it was applied, or it gave up). */
  synchronized void doneWaiting() {
    waitingUnits--;
  }

  /**
   * Taken before each call to the store: a call that started before an outage may still succeed
   * during it (its connection was open), which says nothing of the store now.
   */
  long ticket() {
    return tickets.get();
  }

  /**
   * A call to the store that took {@code ticket} succeeded: ends the outage, if there was one and
   * the call started after it, with one log line.
   */
  void succeeded(long ticket) {
    if (!ongoing) {
      return;
    }
    String line;
    synchronized (this) {
      if (since == null || ticket < startTicket) {
        return;
      }
      Duration down = Duration.between(since, clock.instant());
      line = "the store is reachable again after " + down + "; " + waitedUnits
          + " unit(s) of work had to wait for it; " + failedTries + " tries failed meanwhile";
      since = null;
      ongoing = false;
      endTicket = tickets.incrementAndGet(); // calls that start from now on read this or later
      failedTries = 0;
      waitedUnits = 0;
    }
    LOG.log(Level.INFO, line);
  }

  /** Failures of calls that started before an outage ended and answered after it. */
  synchronized long lateFailures() {
    return lateFailures;
  }

  /** Whether an outage is going on. */
  boolean ongoing() {
    return ongoing;
  }

  /** Outages seen since the engine started. */
  synchronized long outages() {
    return outages;
  }
}
