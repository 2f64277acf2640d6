package dev.nudge;

import dev.nudge.internal.Checks;
import java.time.Duration;

/**
 * The event that counts a send as converted: a {@code SENT} step converts when the user has the
 * goal event within {@code within} after the send.
 *
 * @param event the goal event name
 * @param within the conversion window, positive
 */
public record Goal(String event, Duration within) {
  /** Validates the goal. */
  public Goal {
    Checks.name("goal event", event);
    Checks.positive("goal within", within);
  }
}
