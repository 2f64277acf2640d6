package dev.nudge.store.tck;

import dev.nudge.spi.DeviceStore;
import dev.nudge.spi.NudgeStore;
import dev.nudge.spi.ReminderStore;
import dev.nudge.spi.UserStore;
import dev.nudge.testing.TestClock;
import java.time.Clock;
import org.junit.jupiter.api.Nested;

/**
 * The whole store test kit for a {@link NudgeStore}, from one factory: the tests of
 * {@link ReminderStoreTck}, {@link DeviceStoreTck} and {@link UserStoreTck} (with the write tests,
 * as a {@code NudgeStore} is a {@code WritableUserStore}), run as three JUnit 5 {@link Nested}
 * classes on stores this class asks {@link #newStore(Clock)} for, one per test:
 *
 * <pre>{@code
 * class MongoStoreTckTest extends NudgeStoreTck {
 *   @Override
 *   protected NudgeStore newStore(Clock clock) {
 *     mongo.dropDatabase("nudge_tck");
 *     return MongoStore.builder(mongo, "nudge_tck").clock(clock).build();
 *   }
 *
 *   @Override
 *   protected NudgeStore sameDataStore() {
 *     return MongoStore.builder(mongo, "nudge_tck").build(); // optional: a second instance on the same data
 *   }
 * }
 * }</pre>
 *
 * <p>With Maven, add {@code nudge-store-tck} as a test dependency next to JUnit's engine (the
 * kit brings JUnit's API and AssertJ); Surefire runs the nested classes with their enclosing class
 * and reports them as {@code MongoStoreTckTest$Reminders}, {@code $Devices} and {@code $Users}.
 *
 * <p>What is skipped, and why: without {@link #sameDataStore()} the reminder tests of sharing
 * ("this store cannot be shared"); nothing else, as a {@code NudgeStore} implements every part. A
 * store that keeps only some parts extends the part classes instead.
 */
public abstract class NudgeStoreTck {
  /**
   * A new, empty store on {@code clock}, with its default settings otherwise (event ids kept for 7
   * days). Called before each test of every part; the store is closed after it.
   */
  protected abstract NudgeStore newStore(Clock clock);

  /**
   * Another store over the same data as the one {@link #newStore} returned last, or {@code null}
   * (the default) when the store cannot be shared; see {@link ReminderStoreTck#sameDataStore()}.
   */
  protected NudgeStore sameDataStore() {
    return null;
  }

  /** {@link ReminderStoreTck} on this class's stores. */
  @Nested
  class Reminders extends ReminderStoreTck {
    @Override
    protected ReminderStore newReminderStore(Clock clock) {
      return newStore(clock);
    }

    @Override
    protected ReminderStore sameDataStore() {
      return NudgeStoreTck.this.sameDataStore();
    }
  }

  /** {@link DeviceStoreTck} on this class's stores. */
  @Nested
  class Devices extends DeviceStoreTck {
    @Override
    protected DeviceStore newDeviceStore() {
      return newStore(new TestClock(ReminderStoreTck.T0));
    }
  }

  /** {@link UserStoreTck} on this class's stores, the write tests included. */
  @Nested
  class Users extends UserStoreTck {
    @Override
    protected UserStore newUserStore() {
      return newStore(new TestClock(ReminderStoreTck.T0));
    }
  }
}
