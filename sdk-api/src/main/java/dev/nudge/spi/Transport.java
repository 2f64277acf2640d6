package dev.nudge.spi;

import dev.nudge.Device;
import dev.nudge.Platform;
import java.util.concurrent.CompletableFuture;

/**
 * Sends notifications to the devices of one {@link Platform}. Implementations are thread-safe.
 *
 * <p>What the engine expects: {@link #send} is called on one of the engine's delivery workers
 * (or the host's executor, if it gave one), never on a store or scheduler thread, with at most
 * the engine's {@code maxInFlight} sends outstanding across all transports; further sends wait in
 * the engine's queue until a future completes. A transport should return at once and complete the
 * future when the platform answers. One that blocks (a synchronous HTTP client) works too: it
 * occupies a delivery worker while it blocks, so more workers send more. The future's answer is
 * settled on a delivery worker, whatever thread completes it. The outcome is data
 * ({@link SendResult}); an exception thrown here, a {@code null} future and an exceptional future
 * all mean the outcome is unknown and are retried like {@link SendResult.Retry}.
 */
public interface Transport extends AutoCloseable {
  /** The platform this transport serves. */
  Platform platform();

  /**
   * Sends one notification to one device. The future completes with the platform's answer; it
   * completes exceptionally only when the outcome is unknown (e.g. a connection failure), which
   * the engine treats like {@link SendResult.Retry}. The notification's {@code collapseId} should
   * reach the platform, so that a resend after a crash replaces the first copy.
   */
  CompletableFuture<SendResult> send(Device device, RenderedNotification notification);

  /**
   * The token to store for a device that registers with {@code token} on this platform: checked,
   * and in the transport's canonical form (so one subscription written two ways is one device).
   * {@code Nudge.registerDevice} and {@code registerDevices} call it on the caller's thread and
   * refuse what it refuses; {@code removeDevice} and {@code deactivateDevice} use it to look the
   * token up, falling back to the token as given. A token registered straight into a
   * {@link DeviceStore} is not checked, and a wrapper of another transport should forward this
   * call. The default returns {@code token} as given.
   *
   * @throws IllegalArgumentException saying what is wrong with the token and how to fix it
   */
  default String registrationToken(String token) {
    return token;
  }

  /** Releases connections; in-flight sends may complete first. The default does nothing. */
  @Override
  default void close() {}
}
