package dev.nudge.store.jdbc;

import dev.nudge.spi.NudgeStore;
import dev.nudge.spi.StoreContract;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicInteger;

/** The JDBC store on in-memory H2 against the store contract. */
class H2StoreContractTest extends StoreContract {
  private static final AtomicInteger DATABASES = new AtomicInteger();

  private javax.sql.DataSource current;
  private Clock clock;

  @Override
  protected NudgeStore newStore(Clock clock) {
    this.clock = clock;
    current = pool("contract-" + DATABASES.incrementAndGet());
    return JdbcStore.builder(current).clock(clock).build();
  }

  @Override
  protected NudgeStore sameDataStore() {
    return JdbcStore.builder(current).clock(clock).build();
  }

  private static javax.sql.DataSource pool(String name) {
    // A fresh named in-memory database per test, alive while the pool holds a connection.
    return org.h2.jdbcx.JdbcConnectionPool.create("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1", "sa", "");
  }
}
