package dev.nudge.transport.apns;

import com.eatthepath.pushy.apns.DeliveryPriority;
import com.eatthepath.pushy.apns.PushType;
import com.eatthepath.pushy.apns.util.ApnsPayloadBuilder;
import com.eatthepath.pushy.apns.util.InterruptionLevel;
import com.eatthepath.pushy.apns.util.SimpleApnsPayloadBuilder;
import com.eatthepath.pushy.apns.util.SimpleApnsPushNotification;
import dev.nudge.Priority;
import dev.nudge.spi.RenderedNotification;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * Turns a {@link RenderedNotification} into an APNs request: the payload (built with Pushy's
 * payload builder) and the {@code apns-*} headers. A notification APNs would refuse for its form
 * (too large, a reserved key, a collapse id over 64 bytes) is refused here, before sending, with
 * the reason. Immutable and thread-safe.
 */
final class ApnsRequests {
  /** APNs' limit on the payload of a notification other than VoIP. */
  static final int MAX_PAYLOAD_BYTES = 4096;
  /** APNs' limit on {@code apns-collapse-id}. */
  static final int MAX_COLLAPSE_ID_BYTES = 64;

  private final String topic;
  private final String deepLinkKey;
  private final String imageUrlKey;
  private final Duration defaultTimeToLive;
  private final Clock clock;

  ApnsRequests(String topic, String deepLinkKey, String imageUrlKey, Duration defaultTimeToLive, Clock clock) {
    this.topic = topic;
    this.deepLinkKey = deepLinkKey;
    this.imageUrlKey = imageUrlKey;
    this.defaultTimeToLive = defaultTimeToLive;
    this.clock = clock;
  }

  /** A request, or the reason APNs would refuse it. */
  sealed interface Request permits Ready, Refused {}

  /** Ready to send. */
  record Ready(SimpleApnsPushNotification notification) implements Request {}

  /** Refused before sending, with APNs' own reason name first. */
  record Refused(String reason) implements Request {}

  Request toRequest(String token, RenderedNotification n) {
    int collapseBytes = utf8Length(n.collapseId());
    if (collapseBytes > MAX_COLLAPSE_ID_BYTES) {
      return new Refused("BadCollapseId: the collapse id is " + collapseBytes + " bytes; APNs allows at most "
          + MAX_COLLAPSE_ID_BYTES + " (not sent)");
    }
    for (String key : n.data().keySet()) {
      if (key.equals("aps") || key.equals(deepLinkKey) || key.equals(imageUrlKey)) {
        return new Refused("data key '" + key + "' is reserved in the APNs payload (for "
            + (key.equals("aps") ? "Apple's own dictionary" : key.equals(deepLinkKey) ? "the deep link" : "the image URL")
            + "); rename it in the message (not sent)");
      }
    }
    String payload = payload(n);
    int bytes = utf8Length(payload);
    if (bytes > MAX_PAYLOAD_BYTES) {
      return new Refused("PayloadTooLarge: the APNs payload is " + bytes + " bytes; APNs accepts at most "
          + MAX_PAYLOAD_BYTES + ", shorten the title, body or data (not sent)");
    }
    boolean background = n.isDataOnly();
    // Apple: a background notification must be sent with priority 5, or APNs refuses it.
    DeliveryPriority priority = background || n.priority() == Priority.NORMAL
        ? DeliveryPriority.CONSERVE_POWER : DeliveryPriority.IMMEDIATE;
    return new Ready(new SimpleApnsPushNotification(token, topic, payload, expiration(n.expiresAt()), priority,
        background ? PushType.BACKGROUND : PushType.ALERT, n.collapseId(), apnsId(n.reminderId(), token)));
  }

  /**
   * The {@code apns-expiration}: the notification's expiry, or now plus the default time to live
   * when it has none; an expiry that is not in the future becomes 0, which tells APNs to try once
   * and never store the notification.
   */
  Instant expiration(Instant expiresAt) {
    Instant now = clock.instant();
    if (expiresAt == null) {
      return now.plus(defaultTimeToLive);
    }
    return expiresAt.isAfter(now) ? expiresAt : Instant.EPOCH;
  }

  /**
   * The same reminder to the same device has the same {@code apns-id} on every try, so APNs'
   * answers and a host's logs of a resend line up with the first attempt.
   */
  static UUID apnsId(String reminderId, String token) {
    long a = mix(fnv(reminderId, 0xcbf29ce484222325L));
    long b = mix(fnv(token, a ^ 0x9e3779b97f4a7c15L));
    // Version 8 (RFC 9562's custom layout) and the IETF variant, so it reads as a well-formed UUID.
    return new UUID((a & 0xFFFFFFFFFFFF0FFFL) | 0x8000L, (b & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L);
  }

  private static long fnv(String s, long h) {
    for (int i = 0; i < s.length(); i++) {
      h = (h ^ s.charAt(i)) * 0x100000001b3L;
    }
    return h;
  }

  private static long mix(long z) { // SplitMix64's finalizer: every input bit moves every output bit
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** The length of {@code s} in UTF-8, without encoding it. */
  static int utf8Length(String s) {
    int bytes = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes++;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else if (Character.isSurrogate(c)) {
        bytes++; // a lone surrogate is encoded as '?'
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }

  private String payload(RenderedNotification n) {
    ApnsPayloadBuilder b = new SimpleApnsPayloadBuilder();
    if (n.isDataOnly()) {
      b.setContentAvailable(true);
    } else {
      b.setAlertTitle(n.title());
      b.setAlertSubtitle(n.subtitle());
      b.setAlertBody(n.body());
      b.setBadgeNumber(n.badge());
      b.setSound(n.sound());
      b.setCategoryName(n.category());
      b.setThreadId(n.threadId());
      if (n.interruptionLevel() != null) {
        b.setInterruptionLevel(InterruptionLevel.valueOf(n.interruptionLevel().name()));
      }
      if (n.imageUrl() != null) {
        // A notification service extension downloads the image and attaches it.
        b.setMutableContent(true);
        b.addCustomProperty(imageUrlKey, n.imageUrl());
      }
    }
    if (n.deepLink() != null) {
      b.addCustomProperty(deepLinkKey, n.deepLink());
    }
    for (Map.Entry<String, String> e : n.data().entrySet()) {
      b.addCustomProperty(e.getKey(), e.getValue());
    }
    return b.build();
  }
}
