package dev.nudge.transport.apns;

import com.eatthepath.pushy.apns.PushNotificationResponse;
import dev.nudge.spi.SendResult;
import java.util.Map;
import java.util.Set;

/**
 * Maps APNs' answers to {@link SendResult}s, by the {@code reason} names of Apple's "Handling
 * notification responses from APNs". Stateless.
 */
final class ApnsResponses {
  /** The token will never work again for this app: the device is deactivated. */
  static final Set<String> DEAD_TOKEN = Set.of("Unregistered", "ExpiredToken", "BadDeviceToken",
      "DeviceTokenNotForTopic");

  /** APNs or the connection is busy or failing: the send is tried again with backoff. */
  static final Set<String> RETRY = Set.of("TooManyRequests", "InternalServerError", "ServiceUnavailable",
      "Shutdown", "IdleTimeout");

  /** What a reason means for the host, appended to the reason name in statistics and reports. */
  private static final Map<String, String> HINTS = Map.ofEntries(
      Map.entry("Unregistered", "the app was removed from the device or its notifications were turned off"),
      Map.entry("ExpiredToken", "the device token has expired"),
      Map.entry("BadDeviceToken", "the token is malformed, or is a development (sandbox) token sent to the"
          + " production gateway or a production token sent to the development one; check that the app build"
          + " matches the gateway"),
      Map.entry("DeviceTokenNotForTopic", "the token belongs to another app than the topic (bundle id)"),
      Map.entry("BadTopic", "the topic (bundle id) is not valid for these credentials"),
      Map.entry("TopicDisallowed", "these credentials may not send to this topic"),
      Map.entry("MissingTopic", "no topic was sent"),
      Map.entry("BadCollapseId", "the collapse id is over 64 bytes"),
      Map.entry("PayloadTooLarge", "the payload is over 4096 bytes"),
      Map.entry("PayloadEmpty", "the payload is empty"),
      Map.entry("BadExpirationDate", "the apns-expiration header is not valid"),
      Map.entry("BadPriority", "the apns-priority header is not valid"),
      Map.entry("BadMessageId", "the apns-id header is not a UUID"),
      Map.entry("InvalidPushType", "the apns-push-type header is not valid"),
      Map.entry("InvalidProviderToken", "the provider token does not verify: check the signing key, its key id"
          + " and the team id"),
      Map.entry("ExpiredProviderToken", "the provider token is over an hour old: check this machine's clock"),
      Map.entry("MissingProviderToken", "no provider token and no client certificate was sent"),
      Map.entry("TooManyProviderTokenUpdates", "the provider token was renewed too often"),
      Map.entry("BadCertificate", "the client certificate is not valid"),
      Map.entry("BadCertificateEnvironment", "the client certificate is for the other environment"),
      Map.entry("Forbidden", "the request is not allowed for these credentials"),
      Map.entry("BadPath", "the request path is not valid"),
      Map.entry("MethodNotAllowed", "only POST is allowed"));

  private ApnsResponses() {}

  static SendResult map(PushNotificationResponse<?> response) {
    if (response.isAccepted()) {
      return SendResult.accepted(response.getApnsId() == null ? null : response.getApnsId().toString());
    }
    int status = response.getStatusCode();
    String name = response.getRejectionReason().orElse(null);
    String reason = describe(name, status);
    // A reason Apple adds later is judged by its status: busy or failing servers are tried again.
    boolean known = name != null && (RETRY.contains(name) || HINTS.containsKey(name));
    if (known ? RETRY.contains(name) : status == 429 || status >= 500) {
      return SendResult.retry(reason, null);
    }
    if (name != null && DEAD_TOKEN.contains(name)) {
      return new SendResult.Rejected(reason, true, response.getTokenInvalidationTimestamp().orElse(null));
    }
    if (name == null && status == 410) { // "The device token is no longer active for the topic."
      return new SendResult.Rejected(reason, true, response.getTokenInvalidationTimestamp().orElse(null));
    }
    return SendResult.rejected(reason, false);
  }

  /** {@code "BadTopic (400): the topic ..."}; an unknown reason keeps its name. */
  static String describe(String name, int status) {
    String head = (name == null ? "HTTP " + status : name + " (" + status + ")");
    String hint = name == null ? null : HINTS.get(name);
    return hint == null ? head : head + ": " + hint;
  }
}
