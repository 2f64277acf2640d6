package dev.nudge.examples;

/** {@link AppDevicesTckTest} on MariaDB. */
class AppDevicesMariaDbTckTest extends AppDevicesTckTest {
  @Override
  HostDatabases database() {
    return HostDatabases.MARIADB;
  }
}
