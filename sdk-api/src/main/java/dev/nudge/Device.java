package dev.nudge;

import dev.nudge.internal.Checks;
import java.time.ZoneId;
import java.util.Objects;
import java.util.Optional;

/**
 * One device of a user: the platform it is reached on, its push token, and the locale and time
 * zone used to pick a message variant and to apply quiet hours.
 *
 * <p>Immutable and thread-safe. A device is identified by its platform and token; registering
 * the same token again (even for another user) moves it and makes it active again. The token is
 * never shown in full by {@link #toString()}.
 */
public final class Device {
  private final String userId;
  private final Platform platform;
  private final String token;
  private final String locale;
  private final ZoneId zone;

  private Device(String userId, Platform platform, String token, String locale, ZoneId zone) {
    this.userId = userId;
    this.platform = platform;
    this.token = token;
    this.locale = locale;
    this.zone = zone;
  }

  /** Starts a device of {@code userId} on {@code platform} with push token {@code token}. */
  public static Builder of(String userId, Platform platform, String token) {
    return new Builder(userId, platform, token);
  }

  /** The owner. */
  public String userId() {
    return userId;
  }

  /** The platform. */
  public Platform platform() {
    return platform;
  }

  /** The push token (APNs device token, FCM registration token, web push endpoint). */
  public String token() {
    return token;
  }

  /** The device's locale as a BCP 47 tag, e.g. {@code fa-IR}. */
  public Optional<String> locale() {
    return Optional.ofNullable(locale);
  }

  /** The device's time zone. */
  public Optional<ZoneId> zone() {
    return Optional.ofNullable(zone);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Device d && userId.equals(d.userId) && platform == d.platform
        && token.equals(d.token) && Objects.equals(locale, d.locale) && Objects.equals(zone, d.zone);
  }

  @Override
  public int hashCode() {
    return Objects.hash(userId, platform, token, locale, zone);
  }

  @Override
  public String toString() {
    return "Device{" + platform + " " + redact(token) + ", userId=" + userId
        + (locale == null ? "" : ", locale=" + locale) + (zone == null ? "" : ", zone=" + zone) + "}";
  }

  /** The first characters of a token, enough to tell devices apart in logs. */
  public static String redact(String token) {
    return token.length() <= 8 ? "…" : token.substring(0, 6) + "…";
  }

  /** Builds a {@link Device}; not thread-safe. */
  public static final class Builder {
    private final String userId;
    private final Platform platform;
    private final String token;
    private String locale;
    private ZoneId zone;

    private Builder(String userId, Platform platform, String token) {
      this.userId = userId;
      this.platform = platform;
      this.token = token;
    }

    /**
     * The locale as a BCP 47 tag ({@code fa-IR}, {@code en}), or {@code null} for none; checked
     * to be well-formed by {@link #build()}.
     */
    public Builder locale(String languageTag) {
      this.locale = languageTag;
      return this;
    }

    /** The device's time zone. */
    public Builder zone(ZoneId zone) {
      this.zone = zone;
      return this;
    }

    /**
     * Validates and builds the device.
     *
     * @throws IllegalArgumentException when the user id or token is blank or too long, the
     *     platform is missing, or the locale is not a well-formed BCP 47 tag
     */
    public Device build() {
      Checks.name("device userId", userId);
      Checks.notNull("device platform", platform);
      if (token == null || token.isBlank()) {
        throw new IllegalArgumentException("device token is blank; pass the push token the platform issued");
      }
      if (token.length() > 4096) {
        throw new IllegalArgumentException("device token is " + token.length() + " characters long; the limit is 4096");
      }
      if (locale != null) {
        Checks.languageTag("device locale", locale);
      }
      return new Device(userId, platform, token, locale, zone);
    }
  }
}
