package dev.nudge.store.tck;

import dev.nudge.spi.NudgeStore;
import dev.nudge.store.memory.InMemoryStore;
import java.time.Clock;
import java.time.Duration;

/** The in-memory store against the whole kit; it cannot be shared, so the sharing tests skip. */
class InMemoryStoreTckTest extends NudgeStoreTck {
  @Override
  protected NudgeStore newStore(Clock clock) {
    return new InMemoryStore(clock, Duration.ofDays(7));
  }
}
