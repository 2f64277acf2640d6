package dev.nudge.store.jdbc;

import static java.time.Duration.ofHours;
import static java.time.Duration.ofMinutes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nudge.Campaign;
import dev.nudge.CancelReason;
import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.Message;
import dev.nudge.Outcome;
import dev.nudge.OutcomeReport;
import dev.nudge.PendingReminder;
import dev.nudge.Platform;
import dev.nudge.SuppressionReason;
import dev.nudge.core.Nudge;
import dev.nudge.spi.NudgeListener;
import dev.nudge.testing.RecordingTransport;
import dev.nudge.testing.TestClock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What an operator does to one user, on two engines sharing one PostgreSQL database: consent
 * given on one instance holds on the other, a user's pending reminders are listed and cancelled
 * from either, and a forgotten user is gone from every table for both.
 */
class OperatorControlsPostgresTest {
  private static final Instant START = Instant.parse("2026-03-01T10:00:00Z");
  private static final String PREFIX = "ops_";

  private final TestClock clock = new TestClock(START);
  private final RecordingTransport ios = RecordingTransport.ios();
  private final List<OutcomeReport> outcomes = new CopyOnWriteArrayList<>();
  private DataSource database;
  private Nudge a;
  private Nudge b;

  @BeforeEach
  void twoEnginesOnOneDatabase() {
    database = TestDatabases.postgres(); // skips (locally) or fails (CI) without a server
    TestDatabases.dropTables(database, PREFIX);
    a = engine("a");
    b = engine("b");
  }

  @AfterEach
  void close() {
    if (a != null) {
      a.close();
      b.close();
    }
    if (database != null) {
      TestDatabases.dropTables(database, PREFIX);
      TestDatabases.close(database);
    }
  }

  private Nudge engine(String instance) {
    Nudge nudge = Nudge.builder().clock(clock).instanceId(instance).transport(ios).requiredCategory("security")
        .store(JdbcStore.builder(database).tablePrefix(PREFIX).clock(clock).build())
        .listener(new NudgeListener() {
          @Override
          public void onOutcome(OutcomeReport report) {
            outcomes.add(report);
          }
        }).build();
    nudge.define(Campaign.named("cart").triggeredBy("cart_add").correlatedBy("cart_id").after(ofHours(2))
        .send(Message.of("Your cart", "is waiting").build()).build());
    nudge.define(Campaign.named("new-login").category("security").triggeredBy("login_new_device")
        .after(ofMinutes(1)).send(Message.of("New sign-in", "Was it you?").build()).build());
    return nudge;
  }

  @Test
  void anOptOutOnOneInstanceSuppressesTheSendOfTheOtherAndARequiredCategoryStillArrives() {
    a.registerDevice(Device.of("u1", Platform.IOS, "t-u1").build());
    a.registerDevice(Device.of("u2", Platform.IOS, "t-u2").build());
    for (String user : List.of("u1", "u2")) {
      a.trackAndWait(Event.named("cart_add").user(user).property("cart_id", "c1").build());
      a.trackAndWait(Event.named("login_new_device").user(user).build());
    }
    a.optOutAll("u1");
    assertThat(b.consent("u1")).containsEntry("*", false);

    clock.advance(ofHours(3));
    assertThat(b.runDue().join()).as("the other instance resolves them all").isEqualTo(4);

    assertThat(ios.deliveriesTo("t-u1")).extracting(d -> d.notification().title()).containsExactly("New sign-in");
    assertThat(ios.deliveriesTo("t-u2")).extracting(d -> d.notification().title())
        .containsExactlyInAnyOrder("New sign-in", "Your cart");
    assertThat(outcomes).filteredOn(o -> o.outcome() == Outcome.SUPPRESSED).singleElement().satisfies(o -> {
      assertThat(o.userId()).isEqualTo("u1");
      assertThat(o.reason()).isEqualTo(SuppressionReason.OPTED_OUT);
    });
    assertThat(a.stats("cart").step(0).suppressed(SuppressionReason.OPTED_OUT)).isEqualTo(1);
  }

  @Test
  void forgetUserOnOneInstanceLeavesNothingOfTheUserInAnyTableAndTheOtherSendsThemNothing() throws Exception {
    for (String user : List.of("sara-7f3", "omid-2c9")) {
      a.registerDevice(Device.of(user, Platform.IOS, "t-" + user).build());
      a.setUserAttributes(user, java.util.Map.of("first_name", user));
      a.optOut(user, "marketing");
      a.trackAndWait(Event.named("login_new_device").user(user).id("login-" + user).build());
      a.trackAndWait(Event.named("cart_add").user(user).id("cart-" + user).property("cart_id", "c-" + user).build());
    }
    clock.advance(ofMinutes(2));
    assertThat(b.runDue().join()).as("the security notices").isEqualTo(2);
    assertThat(rowsMentioning("sara-7f3")).as("before: the user is in several tables").hasSizeGreaterThan(4);
    String export = b.exportUser("sara-7f3");
    assertThat(export).as("what the other instance stored, read from this one")
        .contains("\"token\": \"t-sara-7f3\"", "\"first_name\": \"sara-7f3\"", "\"marketing\": false",
            "\"campaignId\": \"cart\"", "\"key\": \"c-sara-7f3\"", "\"campaignId\": \"new-login\"")
        .doesNotContain("omid");

    assertThat(a.forgetUser("sara-7f3")).as("the pending cart reminder").isEqualTo(1);

    assertThat(rowsMentioning("sara-7f3")).as("every table of the schema, every column").isEmpty();
    assertThat(rowsMentioning("omid-2c9")).hasSizeGreaterThan(4);
    // A support tool reading the forgotten user afterwards, on either instance, leaves no trace.
    assertThat(b.pending("sara-7f3")).isEmpty();
    assertThat(a.consent("sara-7f3")).isEmpty();
    assertThat(b.exportUser("sara-7f3")).doesNotContain("c-sara-7f3");
    assertThat(rowsMentioning("sara-7f3")).as("after reads of the forgotten user").isEmpty();
    ios.clear();
    clock.advance(ofHours(3));
    b.runDue().join();
    assertThat(ios.deliveriesTo("t-sara-7f3")).isEmpty();
    assertThat(a.stats("new-login").step(0).sent()).as("counters keep their totals").isEqualTo(2);
    assertThat(outcomes).filteredOn(o -> o.reason() == CancelReason.USER_FORGOTTEN).singleElement()
        .satisfies(o -> assertThat(o.userId()).isEqualTo("sara-7f3"));
  }

  /** Every cell of every table of this store that mentions {@code text}, as "table.column=value". */
  private List<String> rowsMentioning(String text) throws java.sql.SQLException {
    List<String> found = new java.util.ArrayList<>();
    try (java.sql.Connection c = database.getConnection()) {
      List<String> tables = new java.util.ArrayList<>();
      try (java.sql.ResultSet rs = c.getMetaData().getTables(null, null, PREFIX + "%", new String[] {"TABLE"})) {
        while (rs.next()) {
          tables.add(rs.getString("TABLE_NAME"));
        }
      }
      assertThat(tables).as("the store's tables").hasSizeGreaterThanOrEqualTo(8);
      for (String table : tables) {
        try (java.sql.Statement st = c.createStatement(); java.sql.ResultSet rs = st.executeQuery("SELECT * FROM " + table)) {
          int columns = rs.getMetaData().getColumnCount();
          while (rs.next()) {
            for (int i = 1; i <= columns; i++) {
              String value = rs.getString(i);
              if (value != null && value.contains(text)) {
                found.add(table + "." + rs.getMetaData().getColumnName(i) + "=" + value);
              }
            }
          }
        }
      }
    }
    return found;
  }

  @Test
  void aPauseOnOneInstanceStopsSendsOnBothAndResumeSendsWhatIsWithinExpiryAndExpiresTheRest() {
    for (Nudge n : List.of(a, b)) {
      n.define(Campaign.named("cart").triggeredBy("cart_add").correlatedBy("cart_id").after(ofHours(2))
          .send(Message.of("Your cart", "{{event.cart_id}}").build())
          .policy(dev.nudge.DeliveryPolicy.builder().expireAfter(ofHours(1)).build()).build());
    }
    a.registerDevice(Device.of("u1", Platform.IOS, "t1").build());
    a.trackAndWait(Event.named("cart_add").user("u1").property("cart_id", "early").build());
    a.pause("cart");
    assertThat(b.pausedCampaigns()).containsExactly("cart");
    clock.advance(ofMinutes(30));
    b.trackAndWait(Event.named("cart_add").user("u1").property("cart_id", "late").build());

    clock.advance(ofHours(2).plusMinutes(45)); // early expired at 13:00; late (due 12:30) expires 13:30
    assertThat(a.runDue().join()).isZero();
    assertThat(b.runDue().join()).isZero();
    assertThat(ios.deliveries()).isEmpty();
    assertThat(a.pending("u1")).hasSize(2);

    b.resume("cart");
    assertThat(a.runDue().join() + b.runDue().join()).isEqualTo(2);
    assertThat(outcomes).extracting(OutcomeReport::key, OutcomeReport::outcome).containsExactlyInAnyOrder(
        org.assertj.core.groups.Tuple.tuple("early", Outcome.EXPIRED), org.assertj.core.groups.Tuple.tuple("late", Outcome.SENT));
    assertThat(ios.deliveries()).extracting(d -> d.notification().body()).containsExactly("late");
  }

  @Test
  void aUsersPendingRemindersAreListedAndCancelledFromEitherInstance() {
    a.trackAndWait(Event.named("cart_add").user("u1").property("cart_id", "c1").build());
    a.trackAndWait(Event.named("cart_add").user("u1").property("cart_id", "c2").build());
    a.trackAndWait(Event.named("cart_add").user("u2").property("cart_id", "c9").build());

    assertThat(b.pending("u1")).extracting(PendingReminder::key).containsExactly("c1", "c2");
    assertThat(b.cancel("u1", "cart", "c1")).isEqualTo(1);
    assertThat(a.pending("u1")).extracting(PendingReminder::key).containsExactly("c2");
    assertThat(a.cancel("u1", "cart")).isEqualTo(1);
    assertThat(b.pending("u1")).isEmpty();
    assertThat(b.pending("u2")).hasSize(1);
    assertThat(outcomes).hasSize(2).allSatisfy(o -> {
      assertThat(o.outcome()).isEqualTo(Outcome.CANCELLED);
      assertThat(o.reason()).isEqualTo(CancelReason.HOST_CANCELLED);
    });
    assertThat(b.stats("cart").step(0).cancelled()).isEqualTo(2);
  }
}
