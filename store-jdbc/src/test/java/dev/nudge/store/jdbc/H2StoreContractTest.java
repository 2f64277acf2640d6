package dev.nudge.store.jdbc;

import dev.nudge.spi.NudgeStore;
import dev.nudge.spi.StoreContract;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicInteger;

/** The JDBC store on in-memory H2 against the store contract. */
class H2StoreContractTest extends StoreContract {
  private static final AtomicInteger DATABASES = new AtomicInteger();

  @Override
  protected NudgeStore newStore(Clock clock) {
    return JdbcStore.builder(pool("contract-" + DATABASES.incrementAndGet())).clock(clock).build();
  }

  private static javax.sql.DataSource pool(String name) {
    // A fresh named in-memory database per test, alive while the pool holds a connection.
    return org.h2.jdbcx.JdbcConnectionPool.create("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1", "sa", "");
  }
}
