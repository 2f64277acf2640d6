package dev.nudge.examples;

import dev.nudge.spi.DeviceStore;
import dev.nudge.store.tck.DeviceStoreTck;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;

/**
 * The store test kit's device tests on {@link AppDevices} over the example table
 * {@code app_devices}, on H2; the subclasses run them on PostgreSQL and MariaDB (skipped without
 * their URLs, failed on CI; see {@link HostDatabases}). A host runs the same against its own
 * table and adapter.
 */
class AppDevicesTckTest extends DeviceStoreTck {
  private DataSource db;

  /** The database the tests run on. */
  HostDatabases database() {
    return HostDatabases.H2;
  }

  @Override
  protected DeviceStore newDeviceStore() {
    db = database().open();
    AppDevices.createTable(db);
    return new AppDevices(db);
  }

  @AfterEach
  void closeDatabase() {
    if (db != null) {
      HostDatabases.close(db);
    }
  }
}
