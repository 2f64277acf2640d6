package dev.nudge.examples;

/** {@link AppDevicesTckTest} on PostgreSQL. */
class AppDevicesPostgreSqlTckTest extends AppDevicesTckTest {
  @Override
  HostDatabases database() {
    return HostDatabases.POSTGRESQL;
  }
}
