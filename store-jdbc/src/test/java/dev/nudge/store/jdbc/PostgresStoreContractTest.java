package dev.nudge.store.jdbc;

import dev.nudge.spi.NudgeStore;
import dev.nudge.store.tck.NudgeStoreTck;
import java.time.Clock;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;

/** The JDBC store on PostgreSQL ({@code NUDGE_TEST_POSTGRES_URL}) against the store test kit. */
class PostgresStoreContractTest extends NudgeStoreTck {
  private static final String PREFIX = "nt_contract_";
  private static DataSource dataSource;

  @AfterAll
  static void disconnect() {
    if (dataSource != null) {
      TestDatabases.dropTables(dataSource, PREFIX);
      TestDatabases.close(dataSource);
    }
  }

  @Override
  protected NudgeStore newStore(Clock clock) {
    if (dataSource == null) {
      dataSource = TestDatabases.postgres(); // skips (locally) or fails (CI) each test without a server
    }
    TestDatabases.dropTables(dataSource, PREFIX);
    JdbcStore store = JdbcStore.builder(dataSource).tablePrefix(PREFIX).clock(clock).build();
    org.assertj.core.api.Assertions.assertThat(store.dialect()).isEqualTo(Dialect.POSTGRESQL);
    return store;
  }

  @Override
  protected NudgeStore sameDataStore() {
    return JdbcStore.builder(dataSource).tablePrefix(PREFIX).build();
  }
}
