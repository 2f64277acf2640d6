package dev.nudge.spi;

import dev.nudge.Device;
import dev.nudge.Platform;
import java.util.List;

/** Keeps users' devices. Implementations are thread-safe. */
public interface DeviceStore {
  /**
   * Registers a device, or updates it: a token is identified by platform and token, so
   * registering a known token moves it to this user, refreshes its locale and zone, and makes it
   * active again. A device keeps its first-registration position in its user's list.
   */
  void register(Device device);

  /** Removes a user's device; false when there was none. */
  boolean remove(String userId, Platform platform, String token);

  /**
   * Marks a token inactive (the platform said it is dead) until it is registered again.
   *
   * @return the device it belonged to when it was active, {@code null} otherwise
   */
  Device deactivate(Platform platform, String token);

  /** The user's active devices, in the order they were first registered. */
  List<Device> activeDevices(String userId);
}
