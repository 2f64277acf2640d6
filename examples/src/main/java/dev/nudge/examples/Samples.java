package dev.nudge.examples;

import dev.nudge.Device;
import dev.nudge.Platform;
import dev.nudge.spi.RenderedNotification;
import dev.nudge.spi.SendResult;
import dev.nudge.spi.Transport;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The demo's sample notifications: the first notification each platform accepted per device
 * language and step, as the engine rendered it, whichever transport (a stand-in or a real one)
 * sent it. {@link #watch} wraps a transport; the wrapper passes every call through unchanged
 * (the check of a registering device's token too).
 * Thread-safe.
 */
final class Samples {
  /** One accepted notification and the platform that took it. */
  record Sample(Platform platform, RenderedNotification notification) {}

  private final Map<String, RenderedNotification> first = new ConcurrentHashMap<>();

  /** {@code transport}, noting what it had accepted. */
  Transport watch(Transport transport) {
    Objects.requireNonNull(transport, "transport");
    return new Transport() {
      @Override
      public Platform platform() {
        return transport.platform();
      }

      @Override
      public CompletableFuture<SendResult> send(Device device, RenderedNotification n) {
        CompletableFuture<SendResult> result = transport.send(device, n);
        return result == null ? null : result.thenApply(r -> {
          if (r instanceof SendResult.Accepted) {
            first.putIfAbsent(key(transport.platform(), language(device), n.step()), n);
          }
          return r;
        });
      }

      @Override
      public String registrationToken(String token) {
        return transport.registrationToken(token);
      }

      @Override
      public void close() {
        transport.close();
      }

      @Override
      public String toString() {
        return transport.toString();
      }
    };
  }

  /** The first accepted notification for {@code language} and {@code step}, from the first platform in {@code order} that has one. */
  Sample first(String language, int step, List<Platform> order) {
    for (Platform p : order) {
      RenderedNotification n = first.get(key(p, language, step));
      if (n != null) {
        return new Sample(p, n);
      }
    }
    return null;
  }

  private static String language(Device device) {
    String locale = device.locale().orElse("en");
    int dash = locale.indexOf('-');
    return dash > 0 ? locale.substring(0, dash) : locale;
  }

  private static String key(Platform platform, String language, int step) {
    return platform + "/" + language + "/" + step;
  }
}
