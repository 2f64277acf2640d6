package dev.nudge;

import dev.nudge.internal.Checks;
import java.time.Duration;

/**
 * One step of a campaign: the delay before it is due and the message it sends. Step 0 is due at
 * the trigger's time plus its delay; step k at the time step k-1 was resolved plus its delay.
 *
 * @param delay zero or positive
 * @param message what is sent
 */
public record Step(Duration delay, Message message) {
  /** Validates the step. */
  public Step {
    Checks.nonNegative("step delay", delay);
    Checks.notNull("step message", message);
    if (!message.isDataOnly() && (message.title() == null || message.body() == null)) {
      throw new IllegalArgumentException("step message needs a title and a body; use Message.of(title, body),"
          + " or Message.dataOnly() for a background message");
    }
  }
}
