package dev.nudge.spi;

import dev.nudge.Device;
import dev.nudge.Platform;
import java.util.Objects;

/**
 * A device as a reminder remembers it between delivery attempts: its platform and token, which
 * together identify it ({@link DeviceStore#register}). {@code toString} redacts the token.
 *
 * @param platform the platform
 * @param token the platform's device token
 */
public record DeviceToken(Platform platform, String token) {
  /** Checks that both parts are given. */
  public DeviceToken {
    Objects.requireNonNull(platform, "platform");
    Objects.requireNonNull(token, "token");
  }

  /** The platform and token of {@code device}. */
  public static DeviceToken of(Device device) {
    return new DeviceToken(device.platform(), device.token());
  }

  /** Whether {@code device} has this platform and token. */
  public boolean matches(Device device) {
    return device.platform() == platform && device.token().equals(token);
  }

  @Override
  public String toString() {
    return platform + ":" + Device.redact(token);
  }
}
