package dev.nudge.spi;

import dev.nudge.Device;
import dev.nudge.Platform;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Keeps users' devices: Nudge's own ({@code JdbcStore}, {@code InMemoryStore}) or an adapter over
 * the host's own table of push tokens. Implementations are thread-safe.
 *
 * <p>A device is identified by its platform and token. The engine reads a user's active devices
 * on every send and deactivates a token the platform says is dead; the host registers and
 * removes devices through the engine (or writes its own table directly, for an adapter).
 */
public interface DeviceStore {
  /**
   * Registers a device, or updates it: registering a known token moves it to this user,
   * refreshes its locale and zone, and makes it active again. A device keeps its
   * first-registration position in its user's list (moving to another user is a first
   * registration there).
   */
  void register(Device device);

  /**
   * Registers many devices, as {@link #register} would one after the other (the last of two
   * devices with the same platform and token wins). A store should apply them in few
   * transactions, grouped by user; the default registers them one by one.
   */
  default void registerAll(Collection<Device> devices) {
    for (Device d : devices) {
      register(d);
    }
  }

  /** Removes a user's device; false when that user had none with this platform and token. */
  boolean remove(String userId, Platform platform, String token);

  /**
   * Marks a token inactive (the platform said it is dead) until it is registered again.
   *
   * @return the device it belonged to when it was active; empty when unknown or already inactive
   */
  Optional<Device> deactivate(Platform platform, String token);

  /** The user's active devices, in the order they were first registered. */
  List<Device> activeDevices(String userId);

  /**
   * Removes every device of a user, active or deactivated, for good (the user's data is deleted).
   *
   * @return how many devices were removed
   */
  int removeAll(String userId);
}
