package dev.nudge.core;

import static java.time.Duration.ofHours;
import static java.time.Duration.ofMinutes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nudge.Campaign;
import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.Message;
import dev.nudge.Platform;
import dev.nudge.spi.UserStore;
import dev.nudge.store.memory.InMemoryStore;
import dev.nudge.testing.RecordingTransport;
import dev.nudge.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The store in parts: reminders, devices and users from different places, and the users cache. */
class StorePartsTest {
  private static final Instant START = Instant.parse("2026-03-01T10:00:00Z");

  /** A host's users table, read only, counting reads. */
  static final class HostUsers implements UserStore {
    final Map<String, Map<String, Object>> rows = new ConcurrentHashMap<>();
    final AtomicInteger reads = new AtomicInteger();

    @Override
    public Map<String, Object> attributes(String userId) {
      reads.incrementAndGet();
      return rows.getOrDefault(userId, Map.of());
    }
  }

  private final TestClock clock = new TestClock(START);
  private final RecordingTransport ios = RecordingTransport.ios();

  private static Campaign cart() {
    return Campaign.named("cart").triggeredBy("cart_add").cancelledBy("purchase").correlatedBy("cart_id")
        .after(ofHours(2)).send(Message.of("Hi {{user.firstName | default: \"there\"}}", "{{event.item}}").build())
        .build();
  }

  @Test
  void partsComeFromWhereTheyAreGivenAndAReadOnlyUserStoreIsCachedOnTheEnginesClock() {
    InMemoryStore reminders = new InMemoryStore(clock, Duration.ofDays(7));
    InMemoryStore devices = new InMemoryStore(clock, Duration.ofDays(7));
    HostUsers users = new HostUsers();
    users.rows.put("u1", Map.of("firstName", "Sara"));
    try (Nudge nudge = Nudge.builder().clock(clock).transport(ios).reminders(reminders).devices(devices)
        .users(users).userCache(100, ofMinutes(5)).build()) {
      nudge.define(cart());
      nudge.registerDevice(Device.of("u1", Platform.IOS, "t1").build());
      assertThat(devices.activeDevices("u1")).hasSize(1);
      assertThat(reminders.activeDevices("u1")).as("devices go to the devices part only").isEmpty();

      for (int i = 0; i < 50; i++) {
        nudge.track(Event.named("cart_add").user("u1").property("cart_id", "c" + i).property("item", "Socks")
            .build()).join();
      }
      assertThat(reminders.size()).isEqualTo(50);
      clock.advance(ofHours(2).plusSeconds(1));
      nudge.runDue().join();
      assertThat(ios.deliveries()).hasSize(50).allSatisfy(d -> assertThat(d.notification().title()).isEqualTo("Hi Sara"));
      assertThat(users.reads).as("50 triggers and 50 sends within one expiry: one read").hasValue(1);

      users.rows.put("u1", Map.of("firstName", "Sarah"));
      assertThat(nudge.userAttributes("u1")).as("cached until it expires").containsEntry("firstName", "Sara");
      clock.advance(ofMinutes(5));
      assertThat(nudge.userAttributes("u1")).as("read again after the expiry").containsEntry("firstName", "Sarah");
      assertThat(users.reads).hasValue(2);

      assertThatThrownBy(() -> nudge.setUserAttributes("u1", Map.of("firstName", "X")))
          .isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("only reads, because the host owns its users")
          .hasMessageContaining(HostUsers.class.getName());
      assertThatThrownBy(() -> nudge.removeUserAttribute("u1", "firstName"))
          .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("host owns its users");
    }
  }

  @Test
  void aUserStoreThatReturnsNullIsReportedWithWhatToFix() {
    UserStore broken = userId -> null;
    InMemoryStore store = new InMemoryStore(clock, Duration.ofDays(7));
    try (Nudge nudge = Nudge.builder().clock(clock).transport(ios).store(store).users(broken).build()) {
      assertThatThrownBy(() -> nudge.userAttributes("u1")).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("returned null; a UserStore returns an empty map for an unknown user");
    }
  }

  @Test
  void storeIsTheShorthandAndAPartGivenApartWins() {
    InMemoryStore all = new InMemoryStore(clock, Duration.ofDays(7));
    InMemoryStore devices = new InMemoryStore(clock, Duration.ofDays(7));
    try (Nudge nudge = Nudge.builder().clock(clock).transport(ios).devices(devices).store(all).build()) {
      nudge.registerDevice(Device.of("u1", Platform.IOS, "t1").build());
      nudge.setUserAttributes("u1", Map.of("firstName", "Sara"));
      assertThat(devices.activeDevices("u1")).hasSize(1);
      assertThat(all.activeDevices("u1")).isEmpty();
      assertThat(all.attributes("u1")).containsEntry("firstName", "Sara");
      nudge.removeUserAttribute("u1", "firstName");
      nudge.removeUserAttribute("u1", "never-set");
      assertThat(nudge.userAttributes("u1")).isEmpty();
      assertThatThrownBy(() -> nudge.removeUserAttribute("u1", " ")).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void registerDevicesRegistersEveryOneAsRegisteringThemInOrderWould() {
    try (Nudge nudge = Nudge.builder().clock(clock).transport(ios).build()) {
      nudge.registerDevices(List.of(Device.of("u1", Platform.IOS, "a").build(),
          Device.of("u1", Platform.ANDROID, "b").build(), Device.of("u2", Platform.IOS, "a").locale("fa-IR").build()));
      assertThat(nudge.devices("u1")).extracting(Device::token).containsExactly("b");
      assertThat(nudge.devices("u2")).singleElement().satisfies(d -> assertThat(d.locale()).contains("fa-IR"));
      nudge.registerDevices(List.of());
      assertThatThrownBy(() -> nudge.registerDevices(java.util.Arrays.asList(Device.of("u1", Platform.IOS, "c").build(),
          null))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("devices[1] is null");
      assertThatThrownBy(() -> nudge.registerDevices(null)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void theBuilderRefusesAnIncompleteSetOfPartsAndACacheForAWritableStore() {
    InMemoryStore store = new InMemoryStore(clock, Duration.ofDays(7));
    assertThatThrownBy(() -> Nudge.builder().transport(ios).reminders(store).devices(store).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("users(...) is missing")
        .hasMessageContaining("store(NudgeStore)");
    assertThatThrownBy(() -> Nudge.builder().transport(ios).reminders(store).build())
        .hasMessageContaining("devices(...) and users(...) is missing");
    assertThatThrownBy(() -> Nudge.builder().transport(ios).store(store).userCache(10, ofMinutes(1)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("WritableUserStore");
    assertThatThrownBy(() -> Nudge.builder().userCache(0, ofMinutes(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1, was 0");
    assertThatThrownBy(() -> Nudge.builder().users(new HostUsers()).users(new HostUsers()))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("users is already set");
  }
}
