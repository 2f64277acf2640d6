package dev.nudge;

import dev.nudge.internal.Checks;
import java.time.Duration;

/**
 * At most {@code max} sends per user over a sliding window {@code per}.
 *
 * @param max positive
 * @param per positive window
 */
public record FrequencyCap(int max, Duration per) {
  /** Validates the cap. */
  public FrequencyCap {
    if (max < 1) {
      throw new IllegalArgumentException("frequencyCap max is " + max + "; use 1 or more");
    }
    Checks.positive("frequencyCap per", per);
  }
}
