package dev.nudge.spi;

import dev.nudge.Priority;
import java.time.Instant;
import java.util.Map;

/**
 * One user's notification for one device, rendered and ready for a transport.
 *
 * @param reminderId the reminder it delivers
 * @param campaignId the campaign
 * @param step the step index
 * @param collapseId identity derived from the reminder id: a transport passes it as APNs
 *     {@code apns-collapse-id} / FCM collapse key and tag, so a resend replaces the first copy
 * @param title rendered title
 * @param body rendered body
 * @param deepLink rendered link opened on tap, or {@code null}
 * @param imageUrl image URL, or {@code null}
 * @param data rendered custom data
 * @param sound sound name, or {@code null}
 * @param badge badge number, or {@code null}
 * @param priority delivery priority
 * @param expiresAt after this the platform should give up delivering, or {@code null}
 */
public record RenderedNotification(String reminderId, String campaignId, int step, String collapseId,
    String title, String body, String deepLink, String imageUrl, Map<String, String> data,
    String sound, Integer badge, Priority priority, Instant expiresAt) {
  /** Copies the data map. */
  public RenderedNotification {
    data = Map.copyOf(data);
  }
}
