package dev.nudge.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What a {@link Transport} made of one notification to one device. A rejection or a request to
 * retry is a value, not an exception; transports throw only for programming errors.
 */
public sealed interface SendResult permits SendResult.Accepted, SendResult.Rejected, SendResult.Retry {

  /** The platform accepted the notification. */
  static Accepted accepted(String providerId) {
    return new Accepted(providerId);
  }

  /** The platform refused it for good; {@code tokenDead} when the token will never work again. */
  static Rejected rejected(String reason, boolean tokenDead) {
    return new Rejected(reason, tokenDead, null);
  }

  /** Try again later, not before {@code retryAfter} when the platform said so ({@code null} otherwise). */
  static Retry retry(String reason, Duration retryAfter) {
    return new Retry(reason, retryAfter);
  }

  /**
   * Accepted by the platform.
   *
   * @param providerId the platform's id for it (APNs id, FCM message name), may be {@code null}
   */
  record Accepted(String providerId) implements SendResult {}

  /**
   * Refused for good.
   *
   * @param reason the platform's reason, e.g. {@code BadDeviceToken}, {@code UNREGISTERED}
   * @param tokenDead whether the device token is invalid and must not be used again
   * @param invalidSince when the platform says the token became invalid, if it said
   */
  record Rejected(String reason, boolean tokenDead, Instant invalidSince) implements SendResult {
    /** When the token became invalid, if known. */
    public Optional<Instant> invalidSinceTime() {
      return Optional.ofNullable(invalidSince);
    }
  }

  /**
   * Not delivered now; may succeed later (throttling, platform outage, network error).
   *
   * @param reason what happened
   * @param retryAfter the platform's hint, {@code null} when none
   */
  record Retry(String reason, Duration retryAfter) implements SendResult {}
}
