package dev.nudge.examples;

import static java.time.Duration.ofHours;
import static java.time.Duration.ofMinutes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nudge.Campaign;
import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.Message;
import dev.nudge.Platform;
import dev.nudge.StepStats;
import dev.nudge.core.Nudge;
import dev.nudge.spi.SendResult;
import dev.nudge.store.jdbc.JdbcStore;
import dev.nudge.testing.RecordingTransport;
import dev.nudge.testing.TestClock;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The engine over a host's own tables: reminders in the JDBC store, devices in the host's
 * {@code app_devices} (through {@link AppDevices}) and attributes in its {@code app_users}
 * (through {@link AppUsers}), all in one H2 database, on a test clock. The host's rows are
 * written with the host's own SQL, as its application does.
 */
class HostTablesTest {
  private static final Instant START = Instant.parse("2026-03-01T10:00:00Z");

  private final TestClock clock = new TestClock(START);
  private final RecordingTransport ios = RecordingTransport.ios();
  private final RecordingTransport android = RecordingTransport.android();
  private DataSource db;
  /** The host's database as AppUsers sees it, counting reads of a user's row. */
  private CountingDataSource usersDb;
  private JdbcStore reminders;
  private AppDevices devices;
  private AppUsers users;

  @BeforeEach
  void hostDatabase() {
    db = HostDatabases.H2.open();
    AppDevices.createTable(db);
    AppUsers.createTable(db);
    insertUser("sara", "Sara", "IR", true, 3, 120.5);
    insertUser("reza", "Reza", "IR", false, 0, null);
    insertDevice("sara", "IOS", "ios-token-sara", "fa-IR", "Asia/Tehran");
    insertDevice("sara", "ANDROID", "android-token-sara", "en-US", null);
    insertDevice("reza", "IOS", "ios-token-reza", null, null);
    reminders = JdbcStore.builder(db).clock(clock).build();
    devices = new AppDevices(db);
    usersDb = new CountingDataSource(db, sql -> sql.contains("FROM app_users WHERE id = ?"));
    users = new AppUsers(usersDb);
  }

  @AfterEach
  void close() {
    reminders.close();
    HostDatabases.close(db);
  }

  private Nudge engine() {
    return Nudge.builder().clock(clock)
        .reminders(reminders).devices(devices).users(users)
        .userCache(1_000, ofMinutes(1))
        .transport(ios).transport(android)
        .build();
  }

  private static Campaign cartAbandonment() {
    return Campaign.named("cart-abandonment")
        .triggeredBy("cart_add").correlatedBy("cart_id")
        .cancelledBy("purchase")
        .after(ofHours(2)).send(Message.of("Still thinking, {{user.firstName}}?",
            "{{event.item_name}} is waiting in your cart").build())
        .build();
  }

  private static Event cartAdd(String user, String cartId, String item) {
    return Event.named("cart_add").user(user).property("cart_id", cartId).property("item_name", item).build();
  }

  @Test
  void cartReminderGreetsTheUserByTheFirstNameInTheHostsTableOnEachDeviceInItsTable() {
    try (Nudge nudge = engine()) {
      nudge.define(cartAbandonment());
      assertThat(nudge.devices("sara")).as("the host's rows, in first-registration order").containsExactly(
          Device.of("sara", Platform.IOS, "ios-token-sara").locale("fa-IR").zone(ZoneId.of("Asia/Tehran")).build(),
          Device.of("sara", Platform.ANDROID, "android-token-sara").locale("en-US").build());

      nudge.trackAndWait(cartAdd("sara", "c-1", "Trail running shoes"));
      clock.advance(ofHours(2).plusSeconds(1));
      nudge.runDue().join();

      for (RecordingTransport.Delivery d : List.of(single(ios, "ios-token-sara"), single(android, "android-token-sara"))) {
        assertThat(d.notification().title()).isEqualTo("Still thinking, Sara?");
        assertThat(d.notification().body()).isEqualTo("Trail running shoes is waiting in your cart");
      }
      assertThat(ios.deliveriesTo("ios-token-reza")).isEmpty();
      StepStats total = nudge.stats("cart-abandonment").total();
      assertThat(total.sent()).isEqualTo(1);
      assertThat(total.accepted()).isEqualTo(Map.of(Platform.IOS, 1L, Platform.ANDROID, 1L));
    }
  }

  @Test
  void aDeadTokenIsMarkedInactiveInTheHostsTable() {
    android.answerNext("android-token-sara", SendResult.rejected("UNREGISTERED", true));
    try (Nudge nudge = engine()) {
      nudge.define(cartAbandonment());
      nudge.trackAndWait(cartAdd("sara", "c-1", "Yoga mat"));
      clock.advance(ofHours(2).plusSeconds(1));
      nudge.runDue().join();

      assertThat(single(ios, "ios-token-sara").result()).isInstanceOf(SendResult.Accepted.class);
      assertThat(active("android-token-sara")).as("app_devices.active of the dead token").isFalse();
      assertThat(active("ios-token-sara")).isTrue();
      assertThat(nudge.devices("sara")).extracting(Device::token).containsExactly("ios-token-sara");
      assertThat(nudge.stats("cart-abandonment").total().invalidTokens()).isEqualTo(1);

      // The app is installed again: registering the token through the engine reactivates the row in place.
      nudge.registerDevice(Device.of("sara", Platform.ANDROID, "android-token-sara").locale("en-US").build());
      assertThat(active("android-token-sara")).isTrue();
      assertThat(nudge.devices("sara")).extracting(Device::token)
          .containsExactly("ios-token-sara", "android-token-sara");
    }
  }

  @Test
  void aThousandSendsToOneUserReadTheirRowOncePerCacheExpiry() {
    try (Nudge nudge = engine()) {
      nudge.define(cartAbandonment());
      // Ten batches of 100 carts, a minute apart: each batch comes due a minute after the one before.
      List<CompletableFuture<?>> tracked = new ArrayList<>();
      for (int batch = 0; batch < 10; batch++) {
        clock.set(START.plus(ofMinutes(batch)));
        for (int i = 0; i < 100; i++) {
          tracked.add(nudge.track(cartAdd("reza", "cart-" + batch + "-" + i, "Item " + i)));
        }
      }
      CompletableFuture.allOf(tracked.toArray(CompletableFuture[]::new)).join();
      assertThat(usersDb.queries()).as("no audience condition: tracking reads no user").isZero();

      clock.set(START.plus(ofHours(2)).plusSeconds(30));
      List<Long> readsAfterEachBatch = new ArrayList<>();
      for (int batch = 0; batch < 10; batch++) {
        if (batch == 5) {
          update("UPDATE app_users SET first_name = 'Rezā' WHERE id = 'reza'"); // shows after the next expiry
        }
        assertThat(nudge.runDue().join()).as("reminders resolved in batch " + batch).isEqualTo(100);
        readsAfterEachBatch.add(usersDb.queries());
        clock.advance(ofMinutes(1));
      }

      assertThat(ios.deliveriesTo("ios-token-reza")).hasSize(1_000);
      assertThat(nudge.stats("cart-abandonment").total().sent()).isEqualTo(1_000);
      assertThat(readsAfterEachBatch).as("one read of reza's row per minute (cache expiry), not one per send")
          .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
      assertThat(ios.deliveriesTo("ios-token-reza")).extracting(d -> d.notification().title())
          .containsOnly("Still thinking, Reza?", "Still thinking, Rezā?")
          .filteredOn(t -> t.contains("Rezā")).hasSize(500);
    }
  }

  @Test
  void setUserAttributesIsRefusedBecauseTheHostOwnsItsUsers() {
    try (Nudge nudge = engine()) {
      assertThatThrownBy(() -> nudge.setUserAttributes("sara", Map.of("firstName", "Sarah")))
          .isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("the host owns its users")
          .hasMessageContaining(AppUsers.class.getName());
      assertThat(nudge.userAttributes("sara")).as("the mapped columns of sara's row, typed")
          .isEqualTo(Map.of("firstName", "Sara", "country", "IR", "vip", true, "orders", 3L, "lifetimeValue", 120.5));
      assertThat(nudge.userAttributes("reza")).as("a NULL column is no attribute")
          .isEqualTo(Map.of("firstName", "Reza", "country", "IR", "vip", false, "orders", 0L));
      assertThat(nudge.userAttributes("nobody")).isEmpty();
    }
  }

  @Test
  void theBuilderRefusesRemindersAndDevicesWithoutUsers() {
    assertThatThrownBy(() -> Nudge.builder().clock(clock).reminders(reminders).devices(devices).transport(ios).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("users(...) is missing");
  }

  // ------------------------------------------------------------------ the host's own SQL

  private static RecordingTransport.Delivery single(RecordingTransport transport, String token) {
    List<RecordingTransport.Delivery> sent = transport.deliveriesTo(token);
    assertThat(sent).as("deliveries to " + token).hasSize(1);
    return sent.get(0);
  }

  private void insertUser(String id, String firstName, String country, boolean vip, int orders, Double value) {
    try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("INSERT INTO app_users"
        + " (id, first_name, country, vip, orders, lifetime_value, email) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      ps.setString(1, id);
      ps.setString(2, firstName);
      ps.setString(3, country);
      ps.setBoolean(4, vip);
      ps.setInt(5, orders);
      ps.setObject(6, value);
      ps.setString(7, id + "@example.com");
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private void insertDevice(String user, String platform, String token, String locale, String zone) {
    try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("INSERT INTO app_devices"
        + " (user_id, platform, token, locale, zone) VALUES (?, ?, ?, ?, ?)")) {
      ps.setString(1, user);
      ps.setString(2, platform);
      ps.setString(3, token);
      ps.setString(4, locale);
      ps.setString(5, zone);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private boolean active(String token) {
    try (Connection c = db.getConnection();
         PreparedStatement ps = c.prepareStatement("SELECT active FROM app_devices WHERE token = ?")) {
      ps.setString(1, token);
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).as("a row for " + token).isTrue();
        return rs.getBoolean(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private void update(String sql) {
    HostDatabases.execute(db, sql);
  }
}
