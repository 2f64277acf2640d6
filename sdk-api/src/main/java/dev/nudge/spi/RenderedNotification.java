package dev.nudge.spi;

import dev.nudge.InterruptionLevel;
import dev.nudge.Priority;
import dev.nudge.internal.Checks;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One user's notification for one device, rendered and ready for a transport. The engine makes
 * them; a test of a transport builds one with {@link #builder(String, String, int)}.
 *
 * <p>A data-only notification ({@link #isDataOnly()}) has no title and no body: the app receives
 * its data in the background.
 *
 * @param reminderId the reminder it delivers
 * @param campaignId the campaign
 * @param step the step index
 * @param collapseId the message's collapse key, else the reminder id (at most 64 bytes in UTF-8):
 *     a transport passes it as APNs {@code apns-collapse-id}, FCM collapse key and tag, Web Push
 *     {@code Topic}, so a resend after a crash replaces the first copy instead of adding a second
 * @param title rendered title, {@code null} when data-only
 * @param subtitle rendered subtitle, or {@code null}
 * @param body rendered body, {@code null} when data-only
 * @param deepLink rendered link opened on tap, or {@code null}
 * @param imageUrl image URL, or {@code null}
 * @param data rendered custom data
 * @param sound sound name, or {@code null}
 * @param badge badge number, or {@code null}
 * @param category the app's notification category (action buttons), or {@code null}
 * @param threadId groups notifications on the device, or {@code null}
 * @param channel the Android notification channel id, or {@code null}
 * @param interruptionLevel how urgently it may interrupt, or {@code null} for the platform's default
 * @param priority delivery priority
 * @param expiresAt after this the platform should give up delivering, or {@code null} for the
 *     platform's own default
 */
public record RenderedNotification(String reminderId, String campaignId, int step, String collapseId,
    String title, String subtitle, String body, String deepLink, String imageUrl, Map<String, String> data,
    String sound, Integer badge, String category, String threadId, String channel,
    InterruptionLevel interruptionLevel,
    Priority priority, Instant expiresAt) {
  /** Validates the required fields and copies the data map. */
  public RenderedNotification {
    Checks.notNull("notification reminderId", reminderId);
    Checks.notNull("notification campaignId", campaignId);
    Checks.notNull("notification collapseId", collapseId);
    Checks.notNull("notification priority", priority);
    if ((title == null) != (body == null)) {
      throw new IllegalArgumentException("notification has a " + (title == null ? "body" : "title")
          + " but no " + (title == null ? "title" : "body") + "; give both, or neither for a data-only notification");
    }
    data = Map.copyOf(data);
  }

  /** Whether it carries data only (no title and no body): a background notification. */
  public boolean isDataOnly() {
    return title == null;
  }

  /** Starts a notification; the collapse id defaults to the reminder id. */
  public static Builder builder(String reminderId, String campaignId, int step) {
    return new Builder(reminderId, campaignId, step);
  }

  /** Builds a {@link RenderedNotification}; not thread-safe. */
  public static final class Builder {
    private final String reminderId;
    private final String campaignId;
    private final int step;
    private String collapseId;
    private String title;
    private String subtitle;
    private String body;
    private String deepLink;
    private String imageUrl;
    private final Map<String, String> data = new LinkedHashMap<>();
    private String sound;
    private Integer badge;
    private String category;
    private String threadId;
    private String channel;
    private InterruptionLevel interruptionLevel;
    private Priority priority = Priority.HIGH;
    private Instant expiresAt;

    private Builder(String reminderId, String campaignId, int step) {
      this.reminderId = Objects.requireNonNull(reminderId, "reminderId");
      this.campaignId = Objects.requireNonNull(campaignId, "campaignId");
      this.step = step;
    }

    /** The collapse identity; the reminder id unless set. */
    public Builder collapseId(String collapseId) {
      this.collapseId = collapseId;
      return this;
    }

    /** Title and body; leave both unset for a data-only notification. */
    public Builder text(String title, String body) {
      this.title = title;
      this.body = body;
      return this;
    }

    /** The subtitle. */
    public Builder subtitle(String subtitle) {
      this.subtitle = subtitle;
      return this;
    }

    /** The link opened on tap. */
    public Builder deepLink(String deepLink) {
      this.deepLink = deepLink;
      return this;
    }

    /** The image URL. */
    public Builder imageUrl(String imageUrl) {
      this.imageUrl = imageUrl;
      return this;
    }

    /** Adds one data entry. */
    public Builder data(String key, String value) {
      data.put(key, value);
      return this;
    }

    /** The sound name. */
    public Builder sound(String sound) {
      this.sound = sound;
      return this;
    }

    /** The badge number. */
    public Builder badge(Integer badge) {
      this.badge = badge;
      return this;
    }

    /** The notification category. */
    public Builder category(String category) {
      this.category = category;
      return this;
    }

    /** The thread id. */
    public Builder threadId(String threadId) {
      this.threadId = threadId;
      return this;
    }

    /** The Android notification channel id. */
    public Builder channel(String channel) {
      this.channel = channel;
      return this;
    }

    /** The interruption level. */
    public Builder interruptionLevel(InterruptionLevel interruptionLevel) {
      this.interruptionLevel = interruptionLevel;
      return this;
    }

    /** The priority; {@link Priority#HIGH} unless set. */
    public Builder priority(Priority priority) {
      this.priority = priority;
      return this;
    }

    /** When the platform should give up delivering. */
    public Builder expiresAt(Instant expiresAt) {
      this.expiresAt = expiresAt;
      return this;
    }

    /** Builds the notification. */
    public RenderedNotification build() {
      return new RenderedNotification(reminderId, campaignId, step, collapseId == null ? reminderId : collapseId,
          title, subtitle, body, deepLink, imageUrl, data, sound, badge, category, threadId, channel, interruptionLevel,
          priority, expiresAt);
    }
  }
}
