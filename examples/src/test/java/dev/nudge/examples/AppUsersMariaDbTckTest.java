package dev.nudge.examples;

/** {@link AppUsersTckTest} on MariaDB. */
class AppUsersMariaDbTckTest extends AppUsersTckTest {
  @Override
  HostDatabases database() {
    return HostDatabases.MARIADB;
  }
}
