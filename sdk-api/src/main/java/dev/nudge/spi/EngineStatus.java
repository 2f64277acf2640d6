package dev.nudge.spi;

import dev.nudge.Campaign;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * What one engine can tell about itself and its store, for a metrics binder or a health check:
 * given to each {@link NudgeListener} once, by {@link NudgeListener#onBind}, when the engine is
 * built. Plain Java types only, so the engine depends on no metrics library.
 *
 * <p>Each method reads the engine's store when it is called, so its cost is the store's (noted
 * per method); nothing is cached here. A caller that reads on every scrape should keep what it
 * read for a while, as {@code nudge-micrometer} does. The store figures are the store's: with
 * several engines on one shared store, every engine reports the same totals.
 *
 * <p>Thread-safe: may be called from any thread, also after the engine was closed (a closed
 * store may then throw). Never call it from a store thread.
 */
public interface EngineStatus {
  /** The engine's clock: the time every figure here is measured on. */
  Clock clock();

  /**
   * Every statistics counter as the store keeps them, across every engine sharing the store
   * ({@link ReminderStore#counters}: a map walk in memory, one grouped query on a JDBC store).
   */
  List<Counter> counters();

  /** The campaigns this engine defines now, by id (in memory; cheap). */
  List<Campaign> campaigns();

  /**
   * Reminders in the store, pending or being sent, held ones included ({@link ReminderStore#size}:
   * a counter in memory, a {@code COUNT(*)} on a JDBC store).
   */
  long pendingReminders();

  /**
   * Reminders in the store whose campaign this engine does not define, so it neither sends nor
   * cancels them. Counts the store's reminders per campaign ({@link ReminderStore#countByCampaign}:
   * a walk over every user in memory, a full scan of the reminders table on a JDBC store).
   */
  long heldReminders();

  /**
   * The reminders due at the clock's instant and not resolved yet (pending or being sent, held
   * ones included), with the earliest fire time among them; empty when the store cannot count
   * them cheaply ({@link ReminderStore#due}: the due part of the fire-time index in memory and on
   * a JDBC store, so nearly free when nothing is late).
   */
  Optional<DueReminders> dueReminders();
}
