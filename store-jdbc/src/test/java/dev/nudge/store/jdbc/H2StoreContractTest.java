package dev.nudge.store.jdbc;

import dev.nudge.spi.NudgeStore;
import dev.nudge.store.tck.NudgeStoreTck;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicInteger;

/** The JDBC store on in-memory H2 against the store test kit. */
class H2StoreContractTest extends NudgeStoreTck {
  private static final AtomicInteger DATABASES = new AtomicInteger();

  private javax.sql.DataSource current;

  @Override
  protected NudgeStore newStore(Clock clock) {
    current = pool("contract-" + DATABASES.incrementAndGet());
    return JdbcStore.builder(current).clock(clock).build();
  }

  // No sameDataStore(): on H2 one store per database and prefix serves the whole process, and a
  // second one is refused (H2ClaimsTest); the shared-data tests run on PostgreSQL and MariaDB.

  private static javax.sql.DataSource pool(String name) {
    // A fresh named in-memory database per test, alive while the pool holds a connection.
    return org.h2.jdbcx.JdbcConnectionPool.create("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1", "sa", "");
  }
}
