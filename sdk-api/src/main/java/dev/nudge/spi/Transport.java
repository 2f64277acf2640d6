package dev.nudge.spi;

import dev.nudge.Device;
import dev.nudge.Platform;
import java.util.concurrent.CompletableFuture;

/**
 * Sends notifications to the devices of one {@link Platform}. Implementations are thread-safe
 * and asynchronous: {@link #send} returns at once.
 */
public interface Transport extends AutoCloseable {
  /** The platform this transport serves. */
  Platform platform();

  /**
   * Sends one notification to one device. The future completes with the platform's answer; it
   * completes exceptionally only when the outcome is unknown (e.g. a connection failure), which
   * the engine treats like {@link SendResult.Retry}.
   */
  CompletableFuture<SendResult> send(Device device, RenderedNotification notification);

  /** Releases connections; in-flight sends may complete first. The default does nothing. */
  @Override
  default void close() {}
}
