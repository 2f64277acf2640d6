package dev.nudge.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
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
   * An HTTP {@code Retry-After} header as a wait from {@code now}, for {@link #retry}: seconds, or
   * an HTTP date in any of the three forms RFC 9110 has recipients accept (IMF-fixdate, RFC 850,
   * asctime); {@code null} when absent or unreadable, zero for a past date. For transports.
   */
  static Duration retryAfterHeader(String header, Instant now) {
    if (header == null || header.isBlank()) {
      return null;
    }
    String v = header.trim();
    if (v.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return v.length() > 12 ? null : Duration.ofSeconds(Long.parseLong(v));
    }
    Instant at = dev.nudge.internal.HttpDates.parse(v);
    if (at == null) {
      return null;
    }
    Duration d = Duration.between(now, at);
    return d.isNegative() ? Duration.ZERO : d;
  }

  /**
   * Accepted by the platform.
   *
   * @param providerId the platform's id for it (APNs id, FCM message name), may be {@code null}
   */
  record Accepted(String providerId) implements SendResult {}

  /** Refused for good. Immutable. */
  final class Rejected implements SendResult {
    private final String reason;
    private final boolean tokenDead;
    private final Instant invalidSince;

    /**
     * A refusal.
     *
     * @param reason the platform's reason, e.g. {@code BadDeviceToken}, {@code UNREGISTERED}
     * @param tokenDead whether the device token is invalid and must not be used again
     * @param invalidSince when the platform says the token became invalid, {@code null} when it
     *     did not say
     */
    public Rejected(String reason, boolean tokenDead, Instant invalidSince) {
      this.reason = Objects.requireNonNull(reason, "reason");
      this.tokenDead = tokenDead;
      this.invalidSince = invalidSince;
    }

    /** The platform's reason, e.g. {@code BadDeviceToken}, {@code UNREGISTERED}. */
    public String reason() {
      return reason;
    }

    /** Whether the device token is invalid and must not be used again. */
    public boolean tokenDead() {
      return tokenDead;
    }

    /** When the platform says the token became invalid, if it said. */
    public Optional<Instant> invalidSince() {
      return Optional.ofNullable(invalidSince);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Rejected r && r.reason.equals(reason) && r.tokenDead == tokenDead
          && Objects.equals(r.invalidSince, invalidSince);
    }

    @Override
    public int hashCode() {
      return Objects.hash(reason, tokenDead, invalidSince);
    }

    @Override
    public String toString() {
      return "Rejected[reason=" + reason + ", tokenDead=" + tokenDead
          + (invalidSince == null ? "" : ", invalidSince=" + invalidSince) + "]";
    }
  }

  /** Not delivered now; may succeed later (throttling, platform outage, network error). Immutable. */
  final class Retry implements SendResult {
    private final String reason;
    private final Duration retryAfter;

    /**
     * A request to try again.
     *
     * @param reason what happened
     * @param retryAfter the platform's hint, {@code null} when none
     */
    public Retry(String reason, Duration retryAfter) {
      this.reason = Objects.requireNonNull(reason, "reason");
      this.retryAfter = retryAfter;
    }

    /** What happened. */
    public String reason() {
      return reason;
    }

    /** Not before this long, when the platform said. */
    public Optional<Duration> retryAfter() {
      return Optional.ofNullable(retryAfter);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Retry r && r.reason.equals(reason) && Objects.equals(r.retryAfter, retryAfter);
    }

    @Override
    public int hashCode() {
      return Objects.hash(reason, retryAfter);
    }

    @Override
    public String toString() {
      return "Retry[reason=" + reason + (retryAfter == null ? "" : ", retryAfter=" + retryAfter) + "]";
    }
  }
}
