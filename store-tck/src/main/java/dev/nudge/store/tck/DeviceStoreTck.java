package dev.nudge.store.tck;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nudge.Device;
import dev.nudge.Platform;
import dev.nudge.spi.DeviceStore;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The promises of {@link DeviceStore} (see its Javadoc), as tests: registering one device or many
 * ({@link DeviceStore#registerAll}: as one by one, the last of duplicates winning), moving a token
 * to another user, removing, deactivating a dead token, and the order of a user's active devices
 * (first registration). For Nudge's own stores and for an adapter over the host's table of push
 * tokens alike: extend this class and return a store over fresh, empty data from
 * {@link #newDeviceStore()}.
 *
 * <pre>{@code
 * class PushTokensTableTckTest extends DeviceStoreTck {
 *   @Override
 *   protected DeviceStore newDeviceStore() {
 *     database.truncate("push_tokens");
 *     return new PushTokensDeviceStore(database.dataSource());
 *   }
 * }
 * }</pre>
 *
 * <p>A store that is {@link AutoCloseable} is closed after each test. Nothing is skipped.
 */
public abstract class DeviceStoreTck {
  /** The store under test: new and empty for each test. */
  protected DeviceStore store;

  /** A new store over empty data. Called before each test. */
  protected abstract DeviceStore newDeviceStore();

  @BeforeEach
  void openStore() {
    store = newDeviceStore();
  }

  @AfterEach
  void closeStore() throws Exception {
    if (store instanceof AutoCloseable closeable) {
      closeable.close();
    }
  }

  // ------------------------------------------------------------------ one device

  @Test
  void removeAllRemovesEveryDeviceOfThatUserActiveOrNot() {
    store.register(Device.of("u1", Platform.IOS, "u1-a").build());
    store.register(Device.of("u1", Platform.ANDROID, "u1-b").build());
    store.register(Device.of("u1", Platform.IOS, "u1-dead").build());
    store.register(Device.of("u2", Platform.IOS, "u2-a").build());
    assertThat(store.deactivate(Platform.IOS, "u1-dead")).isPresent();

    assertThat(store.removeAll("u1")).isEqualTo(3);
    assertThat(store.removeAll("u1")).isZero();
    assertThat(store.activeDevices("u1")).isEmpty();
    assertThat(store.activeDevices("u2")).extracting(Device::token).containsExactly("u2-a");
    assertThat(store.deactivate(Platform.IOS, "u1-dead")).as("the deactivated one is gone too").isEmpty();
    store.register(Device.of("u3", Platform.IOS, "u1-a").build());
    assertThat(store.activeDevices("u3")).as("its token is free for another user").hasSize(1);
  }

  @Test
  void devicesKeepTheirFirstRegistrationOrder() {
    Device a = Device.of("u1", Platform.IOS, "token-a").locale("fa-IR").zone(ZoneId.of("Asia/Tehran")).build();
    Device b = Device.of("u1", Platform.ANDROID, "token-b").build();
    Device c = Device.of("u1", Platform.IOS, "token-c").locale("en").build();
    store.register(a);
    store.register(b);
    store.register(c);
    assertThat(store.activeDevices("u1")).containsExactly(a, b, c);
    assertThat(store.activeDevices("u2")).isEmpty();

    Device aAgain = Device.of("u1", Platform.IOS, "token-a").locale("en-US").build();
    store.register(aAgain);
    assertThat(store.activeDevices("u1")).as("refreshed in place").containsExactly(aAgain, b, c);
  }

  @Test
  void theSameTokenOnAnotherPlatformIsAnotherDevice() {
    Device ios = Device.of("u1", Platform.IOS, "shared").build();
    Device android = Device.of("u1", Platform.ANDROID, "shared").build();
    store.register(ios);
    store.register(android);
    assertThat(store.activeDevices("u1")).containsExactly(ios, android);
    assertThat(store.remove("u1", Platform.ANDROID, "shared")).isTrue();
    assertThat(store.activeDevices("u1")).containsExactly(ios);
  }

  @Test
  void aDeactivatedDeviceIsReturnedOnceAndComesBackInPlaceWhenRegisteredAgain() {
    Device a = Device.of("u1", Platform.IOS, "token-a").build();
    Device b = Device.of("u1", Platform.ANDROID, "token-b").locale("de").build();
    Device c = Device.of("u1", Platform.IOS, "token-c").build();
    store.register(a);
    store.register(b);
    store.register(c);
    assertThat(store.deactivate(Platform.ANDROID, "token-b")).contains(b);
    assertThat(store.deactivate(Platform.ANDROID, "token-b")).isEmpty();
    assertThat(store.deactivate(Platform.IOS, "token-b")).isEmpty();
    assertThat(store.deactivate(Platform.IOS, "unknown")).isEmpty();
    assertThat(store.activeDevices("u1")).containsExactly(a, c);

    store.register(b);
    assertThat(store.activeDevices("u1")).containsExactly(a, b, c);
  }

  @Test
  void registeringAKnownTokenForAnotherUserMovesIt() {
    Device a = Device.of("u1", Platform.IOS, "token-a").build();
    Device b = Device.of("u1", Platform.IOS, "token-b").build();
    store.register(a);
    store.register(b);
    Device moved = Device.of("u2", Platform.IOS, "token-a").locale("fr").build();
    store.register(moved);
    assertThat(store.activeDevices("u1")).containsExactly(b);
    assertThat(store.activeDevices("u2")).containsExactly(moved);
    assertThat(store.remove("u1", Platform.IOS, "token-a")).as("no longer u1's").isFalse();

    store.register(a);
    assertThat(store.activeDevices("u1")).as("a new first registration for u1").containsExactly(b, a);
    assertThat(store.activeDevices("u2")).isEmpty();
  }

  @Test
  void removeDeletesOneDevice() {
    Device a = Device.of("u1", Platform.IOS, "token-a").build();
    store.register(a);
    assertThat(store.remove("u2", Platform.IOS, "token-a")).isFalse();
    assertThat(store.remove("u1", Platform.IOS, "token-a")).isTrue();
    assertThat(store.remove("u1", Platform.IOS, "token-a")).isFalse();
    assertThat(store.activeDevices("u1")).isEmpty();
    assertThat(store.deactivate(Platform.IOS, "token-a")).isEmpty();
  }


  @Test
  void aUserIdWithATrailingSpaceHasOtherDevices() {
    Device a = Device.of("u1", Platform.IOS, "token-a").build();
    Device b = Device.of("u1 ", Platform.IOS, "token-b").build();
    store.register(a);
    store.register(b);
    assertThat(store.activeDevices("u1")).containsExactly(a);
    assertThat(store.activeDevices("u1 ")).containsExactly(b);
    assertThat(store.remove("u1", Platform.IOS, "token-b")).isFalse();
  }

  // ------------------------------------------------------------------ many devices

  @Test
  void registerAllKeepsFirstRegistrationOrderAndTheLastOfDuplicates() {
    Device a = Device.of("u1", Platform.IOS, "token-a").locale("en").build();
    Device b = Device.of("u1", Platform.ANDROID, "token-b").build();
    Device c = Device.of("u2", Platform.IOS, "token-c").build();
    Device aLater = Device.of("u1", Platform.IOS, "token-a").locale("fr").zone(ZoneId.of("Europe/Paris")).build();
    Device sameTokenOtherPlatform = Device.of("u1", Platform.ANDROID, "token-a").build();
    store.registerAll(List.of(a, b, c, aLater, sameTokenOtherPlatform));
    assertThat(store.activeDevices("u1")).containsExactly(aLater, b, sameTokenOtherPlatform);
    assertThat(store.activeDevices("u2")).containsExactly(c);
  }

  @Test
  void registerAllIsRegisterOneAfterTheOther() {
    Device a = Device.of("u1", Platform.IOS, "token-a").build();
    Device b = Device.of("u1", Platform.IOS, "token-b").build();
    Device c = Device.of("u1", Platform.ANDROID, "token-c").build();
    store.register(a);
    store.register(b);
    store.register(c);
    assertThat(store.deactivate(Platform.ANDROID, "token-c")).contains(c);

    Device aToU2 = Device.of("u2", Platform.IOS, "token-a").locale("de").build();
    Device bRefreshed = Device.of("u1", Platform.IOS, "token-b").locale("fa-IR").build();
    Device d = Device.of("u2", Platform.ANDROID, "token-d").build();
    store.registerAll(List.of(aToU2, bRefreshed, d, c));
    assertThat(store.activeDevices("u1")).as("b refreshed in place, c active again in place")
        .containsExactly(bRefreshed, c);
    assertThat(store.activeDevices("u2")).as("a moved to u2: a first registration there").containsExactly(aToU2, d);
    assertThat(store.remove("u1", Platform.IOS, "token-a")).as("no longer u1's").isFalse();
  }

  @Test
  void registerAllMovesATokenAwayAndBackInOneBatch() {
    Device a = Device.of("u1", Platform.IOS, "token-a").build();
    Device e = Device.of("u1", Platform.IOS, "token-e").build();
    store.register(a);
    store.register(e);
    Device aToU2 = Device.of("u2", Platform.IOS, "token-a").build();
    Device aBack = Device.of("u1", Platform.IOS, "token-a").locale("en").build();
    store.registerAll(List.of(aToU2, aBack));
    assertThat(store.activeDevices("u1")).as("back in u1: a new first registration, after e")
        .containsExactly(e, aBack);
    assertThat(store.activeDevices("u2")).isEmpty();
  }

  @Test
  void registerAllOfNothingChangesNothing() {
    Device a = Device.of("u1", Platform.IOS, "token-a").build();
    store.register(a);
    store.registerAll(List.of());
    assertThat(store.activeDevices("u1")).containsExactly(a);
  }

  @Test
  void registerAllOfManyUsersKeepsEachUsersOrder() {
    List<Device> devices = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      devices.add(Device.of("u" + (i % 7), i % 2 == 0 ? Platform.IOS : Platform.ANDROID, "token-" + (299 - i)).build());
    }
    store.registerAll(devices);
    for (int u = 0; u < 7; u++) {
      String user = "u" + u;
      assertThat(store.activeDevices(user)).as(user)
          .containsExactlyElementsOf(devices.stream().filter(d -> d.userId().equals(user)).toList());
    }
  }

  @Test
  void aDeactivatedTokenRegisteredForAnotherUserMovesThere() {
    Device a = Device.of("u1", Platform.IOS, "token-a").build();
    store.register(a);
    assertThat(store.deactivate(Platform.IOS, "token-a")).contains(a);
    Device moved = Device.of("u2", Platform.IOS, "token-a").build();
    store.register(moved);
    assertThat(store.activeDevices("u1")).isEmpty();
    assertThat(store.activeDevices("u2")).containsExactly(moved);
    assertThat(store.deactivate(Platform.IOS, "token-a")).as("u2's now").contains(moved);
  }
}
