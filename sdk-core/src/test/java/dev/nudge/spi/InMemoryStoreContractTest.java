package dev.nudge.spi;

import dev.nudge.store.memory.InMemoryStore;
import java.time.Clock;
import java.time.Duration;

/** The in-memory store against the store contract. */
class InMemoryStoreContractTest extends StoreContract {
  @Override
  protected NudgeStore newStore(Clock clock) {
    return new InMemoryStore(clock, Duration.ofDays(7));
  }
}
