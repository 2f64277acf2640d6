package dev.nudge.transport.fcm;

import com.google.gson.JsonObject;
import dev.nudge.Platform;
import dev.nudge.Priority;
import dev.nudge.spi.RenderedNotification;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Turns a {@link RenderedNotification} into the body of an FCM HTTP v1 {@code messages:send}
 * request: {@code notification}, {@code data}, and an {@code android} block (or a
 * {@code webpush} block for web tokens registered through FCM), and {@code fcm_options}. A
 * message FCM would refuse for its form is refused here, before sending. Immutable and
 * thread-safe.
 */
final class FcmRequests {
  /** FCM's limit on a message's payload (notification and data, keys and values). */
  static final int MAX_PAYLOAD_BYTES = 4096;
  /** FCM keeps an undelivered message at most four weeks. */
  static final Duration MAX_TTL = Duration.ofDays(28);
  /** {@code fcm_options.analytics_label}: {@code ^[a-zA-Z0-9-_.~%]{1,50}$}. */
  static final int MAX_LABEL_LENGTH = 50;

  private final Platform platform;
  private final String deepLinkKey;
  private final Duration defaultTimeToLive;
  private final Clock clock;

  FcmRequests(Platform platform, String deepLinkKey, Duration defaultTimeToLive, Clock clock) {
    this.platform = platform;
    this.deepLinkKey = deepLinkKey;
    this.defaultTimeToLive = defaultTimeToLive;
    this.clock = clock;
  }

  /** A request body, or the reason FCM would refuse it. */
  sealed interface Request permits Ready, Refused {}

  /** Ready to send. */
  record Ready(String body) implements Request {}

  /** Refused before sending. */
  record Refused(String reason) implements Request {}

  Request toRequest(String token, RenderedNotification n) {
    for (String key : n.data().keySet()) {
      if (key.equals("from") || key.equals("message_type") || key.startsWith("google") || key.startsWith("gcm")
          || key.equals(deepLinkKey)) {
        return new Refused("data key '" + key + "' is reserved by FCM" + (key.equals(deepLinkKey)
            ? " (here for the deep link)" : " (from, message_type, google*, gcm*)") + "; rename it (not sent)");
      }
    }
    JsonObject data = new JsonObject();
    n.data().forEach(data::addProperty);
    if (n.deepLink() != null && platform == Platform.ANDROID) {
      data.addProperty(deepLinkKey, n.deepLink());
    }
    JsonObject notification = null;
    if (!n.isDataOnly()) {
      notification = new JsonObject();
      notification.addProperty("title", n.title());
      notification.addProperty("body", n.body());
      if (n.imageUrl() != null) {
        notification.addProperty("image", n.imageUrl());
      }
    }
    JsonObject platformBlock = platform == Platform.WEB ? webpush(n) : android(n);
    int bytes = bytes(notification) + bytes(data) + bytes(platformBlock.getAsJsonObject("notification"));
    if (bytes > MAX_PAYLOAD_BYTES) {
      return new Refused("message too big: the FCM payload is " + bytes + " bytes; FCM accepts at most "
          + MAX_PAYLOAD_BYTES + ", shorten the title, body or data (not sent)");
    }
    JsonObject message = new JsonObject();
    message.addProperty("token", token);
    if (notification != null) {
      message.add("notification", notification);
    }
    if (data.size() > 0) {
      message.add("data", data);
    }
    message.add(platform == Platform.WEB ? "webpush" : "android", platformBlock);
    JsonObject options = new JsonObject();
    options.addProperty("analytics_label", analyticsLabel(n.campaignId()));
    message.add("fcm_options", options);
    JsonObject body = new JsonObject();
    body.add("message", message);
    return new Ready(body.toString());
  }

  private JsonObject android(RenderedNotification n) {
    JsonObject android = new JsonObject();
    android.addProperty("priority", n.priority() == Priority.NORMAL ? "NORMAL" : "HIGH");
    android.addProperty("ttl", ttl(n.expiresAt()).toSeconds() + "s");
    android.addProperty("collapse_key", n.collapseId());
    if (!n.isDataOnly()) {
      JsonObject notification = new JsonObject();
      // The same tag replaces a shown notification: a resend after a crash does not show twice.
      notification.addProperty("tag", n.collapseId());
      if (n.channel() != null) {
        notification.addProperty("channel_id", n.channel());
      }
      if (n.sound() != null) {
        notification.addProperty("sound", n.sound());
      }
      if (n.badge() != null) {
        notification.addProperty("notification_count", n.badge());
      }
      android.add("notification", notification);
    }
    return android;
  }

  private JsonObject webpush(RenderedNotification n) {
    JsonObject webpush = new JsonObject();
    JsonObject headers = new JsonObject();
    headers.addProperty("TTL", String.valueOf(ttl(n.expiresAt()).toSeconds()));
    headers.addProperty("Urgency", n.priority() == Priority.NORMAL ? "normal" : "high");
    webpush.add("headers", headers);
    if (!n.isDataOnly()) {
      JsonObject notification = new JsonObject();
      notification.addProperty("tag", n.collapseId());
      if (n.imageUrl() != null) {
        notification.addProperty("image", n.imageUrl());
      }
      webpush.add("notification", notification);
    }
    if (n.deepLink() != null) {
      if (n.deepLink().startsWith("https://")) {
        JsonObject options = new JsonObject();
        options.addProperty("link", n.deepLink()); // FCM opens only an HTTPS link from a web notification
        webpush.add("fcm_options", options);
      } else {
        JsonObject data = new JsonObject();
        data.addProperty(deepLinkKey, n.deepLink());
        webpush.add("data", mergedData(n, data));
      }
    }
    return webpush;
  }

  private static JsonObject mergedData(RenderedNotification n, JsonObject extra) {
    JsonObject data = new JsonObject();
    n.data().forEach(data::addProperty);
    extra.entrySet().forEach(e -> data.add(e.getKey(), e.getValue()));
    return data;
  }

  /** From now to the expiry, within FCM's 0 to 28 days; the default when there is no expiry. */
  Duration ttl(Instant expiresAt) {
    Duration ttl = expiresAt == null ? defaultTimeToLive : Duration.between(clock.instant(), expiresAt);
    if (ttl.isNegative()) {
      return Duration.ZERO; // deliver now or never
    }
    return ttl.compareTo(MAX_TTL) > 0 ? MAX_TTL : ttl;
  }

  /** The campaign id within FCM's label rules: other characters become {@code _}, at most 50. */
  static String analyticsLabel(String campaignId) {
    StringBuilder b = new StringBuilder(Math.min(campaignId.length(), MAX_LABEL_LENGTH));
    for (int i = 0; i < campaignId.length() && b.length() < MAX_LABEL_LENGTH; i++) {
      char c = campaignId.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '-' || c == '_' || c == '.' || c == '~' || c == '%';
      b.append(ok ? c : '_');
    }
    return b.toString();
  }

  private static int bytes(JsonObject o) {
    return o == null ? 0 : o.toString().getBytes(StandardCharsets.UTF_8).length;
  }
}
