package dev.nudge.spi;

import dev.nudge.Device;
import dev.nudge.OutcomeReport;

/**
 * Observes the engine: every reminder outcome, every delivery attempt, every deactivated token
 * and every error. Called on the engine's one listener thread, in the order things happened,
 * never on a store thread or a delivery worker; keep it fast and never block: the engine's
 * {@code runDue()} completes only after its reports were delivered. A listener may call
 * {@code track} or {@code remove} (they then do not wait for listeners), but not {@code runDue}.
 * An exception thrown by a listener is counted and ignored; the first of each listener is logged.
 */
public interface NudgeListener {
  /**
   * The engine this listener was given to was built: {@code engine} tells its store's figures
   * (pending, held and due reminders, counters) whenever asked, e.g. for a metrics binder to read
   * on a scrape. Called once per engine, on the thread that calls {@code build()}, before it
   * returns and before anything else is reported; an exception thrown here fails the build. Keep
   * it short: store the reference, register what reads it later.
   */
  default void onBind(EngineStatus engine) {}

  /** A reminder reached its outcome (after the outcome was stored). */
  default void onOutcome(OutcomeReport report) {}

  /** A transport answered one delivery attempt. */
  default void onDelivery(DeliveryReport report) {}

  /** A device's token was found dead and deactivated. */
  default void onDeviceDeactivated(Device device, String reason) {}

  /** Something failed that the engine recovered from (e.g. a store outage during a poll). */
  default void onError(String context, Throwable error) {}
}
