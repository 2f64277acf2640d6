package dev.nudge.spi;

import dev.nudge.Device;
import dev.nudge.OutcomeReport;

/**
 * Observes the engine: every reminder outcome, every delivery attempt, every deactivated token
 * and every error. Called on engine threads; keep it fast and never block. An exception thrown by
 * a listener is logged and ignored.
 */
public interface NudgeListener {
  /** A reminder reached its outcome (after the outcome was stored). */
  default void onOutcome(OutcomeReport report) {}

  /** A transport answered one delivery attempt. */
  default void onDelivery(DeliveryReport report) {}

  /** A device's token was found dead and deactivated. */
  default void onDeviceDeactivated(Device device, String reason) {}

  /** Something failed that the engine recovered from (e.g. a store outage during a poll). */
  default void onError(String context, Throwable error) {}
}
