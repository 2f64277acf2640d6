package dev.nudge.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * How {@link AppUsers} maps a host's columns, on H2, PostgreSQL and MariaDB: each JDBC type to
 * one of the engine's kinds, numeric user ids, a column of another type refused (or taken through
 * a converter), and a typo found when the adapter is built rather than at the first send.
 */
class AppUsersTest {

  /** A host's customers table, nothing like app_users: a numeric id and columns of many types. */
  private static DataSource customers(HostDatabases database) {
    DataSource ds = database.open();
    boolean maria = database == HostDatabases.MARIADB;
    HostDatabases.execute(ds, "DROP TABLE IF EXISTS customers",
        "CREATE TABLE customers (customer_id BIGINT NOT NULL PRIMARY KEY, given_name VARCHAR(100),"
            + " bio " + (database == HostDatabases.H2 ? "CLOB" : "TEXT") + ", newsletter BOOLEAN, visits INTEGER,"
            + " points SMALLINT, lifetime_points NUMERIC(30), balance DECIMAL(10, 2), rating REAL,"
            + " score " + (maria ? "DOUBLE" : "DOUBLE PRECISION") + ", signed_up DATE, country CHAR(2))"
            + (maria ? " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4" : ""),
        "INSERT INTO customers VALUES (42, 'Sara', 'Runs trails', TRUE, 7, 3, 10000000000000000000000000,"
            + " 12.00, 0.1, 3.0, DATE '2025-01-31', 'IR')",
        "INSERT INTO customers (customer_id, given_name) VALUES (43, 'Reza')");
    return ds;
  }

  private static AppUsers.Builder mapped(DataSource ds) {
    return AppUsers.builder(ds).table("customers").idColumn("customer_id")
        .attribute("given_name", "firstName")
        .attribute("bio", "bio")
        .attribute("newsletter", "newsletter")
        .attribute("visits", "visits")
        .attribute("points", "points")
        .attribute("lifetime_points", "lifetimePoints")
        .attribute("balance", "balance")
        .attribute("rating", "rating")
        .attribute("score", "score")
        .attribute("country", "country");
  }

  @ParameterizedTest
  @EnumSource(HostDatabases.class)
  void eachColumnIsReadAsOneOfTheEnginesKinds(HostDatabases database) {
    DataSource ds = customers(database);
    try {
      AppUsers users = mapped(ds).attribute("signed_up", "signedUp", date -> date.toString()).build();

      Map<String, Object> expected = new LinkedHashMap<>();
      expected.put("firstName", "Sara");
      expected.put("bio", "Runs trails");
      expected.put("newsletter", true);
      expected.put("visits", 7L);
      expected.put("points", 3L);
      expected.put("lifetimePoints", BigInteger.TEN.pow(25));
      expected.put("balance", 12.0); // DECIMAL(10, 2): scale 2, so a Double, even when whole
      expected.put("rating", 0.1); // REAL: the float's digits, not 0.10000000149011612
      expected.put("score", 3.0);
      expected.put("country", "IR");
      expected.put("signedUp", "2025-01-31");
      Map<String, Object> sara = users.attributes("42");
      assertThat(sara).isEqualTo(expected);
      assertThat(sara.get("balance")).isInstanceOf(Double.class);
      assertThat(sara.get("points")).isInstanceOf(Long.class);
      assertThat(sara.get("newsletter")).as("BOOLEAN, TINYINT(1) on MariaDB").isInstanceOf(Boolean.class);

      assertThat(users.attributes("43")).as("NULL columns are no attributes").isEqualTo(Map.of("firstName", "Reza"));
      assertThat(users.attributes("44")).isEmpty();
      assertThat(users.attributes("sara")).as("not a number: no row can have it").isEmpty();
    } finally {
      HostDatabases.close(ds);
    }
  }

  @ParameterizedTest
  @EnumSource(HostDatabases.class)
  void aColumnOfAnotherTypeIsRefusedWhenTheAdapterIsBuilt(HostDatabases database) {
    DataSource ds = customers(database);
    try {
      assertThatThrownBy(() -> mapped(ds).attribute("signed_up", "signedUp").build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("customers.signed_up")
          .hasMessageContaining("java.sql.Date")
          .hasMessageContaining("attribute(\"signed_up\", \"signedUp\", converter)");
    } finally {
      HostDatabases.close(ds);
    }
  }

  @Test
  void aTypoInAColumnNameFailsWhenTheAdapterIsBuilt() {
    DataSource ds = HostDatabases.H2.open();
    try {
      AppUsers.createTable(ds);
      assertThatThrownBy(() -> AppUsers.builder(ds).attribute("frist_name", "firstName").build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("the users table app_users with columns id, frist_name cannot be read");
      assertThatThrownBy(() -> AppUsers.builder(ds).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("no attribute is mapped");
      assertThatThrownBy(() -> AppUsers.builder(ds).attribute("first_name", "name").attribute("country", "name"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("attribute 'name' is mapped twice");
      assertThatThrownBy(() -> AppUsers.builder(ds).table("app_users; DROP TABLE app_users"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("is not a plain SQL name");
    } finally {
      HostDatabases.close(ds);
    }
  }

  @Test
  void aNumberTheEngineCannotKeepIsNoAttribute() {
    DataSource ds = HostDatabases.H2.open();
    try {
      AppUsers.createTable(ds);
      HostDatabases.execute(ds, "INSERT INTO app_users (id, first_name, lifetime_value) VALUES ('u1', 'Sara', 'NaN')");
      assertThat(new AppUsers(ds).attributes("u1")).isEqualTo(Map.of("firstName", "Sara", "vip", false));
    } finally {
      HostDatabases.close(ds);
    }
  }
}
