package dev.nudge.examples;

/** {@link AppUsersTckTest} on PostgreSQL. */
class AppUsersPostgreSqlTckTest extends AppUsersTckTest {
  @Override
  HostDatabases database() {
    return HostDatabases.POSTGRESQL;
  }
}
