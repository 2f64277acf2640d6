package dev.nudge;

import dev.nudge.internal.Checks;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a campaign step sends: a title and a body, optional fields passed to the transports, and
 * optional locale variants.
 *
 * <p>The title, body, deep link and data values are templates: {@code {{event.item_name}}},
 * {@code {{user.first_name | default: "there"}}}, {@code {{campaign.id}}} (see the README).
 * A device gets the variant of its locale ({@code fa-IR}, then {@code fa}, then this message);
 * a variant's fields left unset fall back to this message's.
 *
 * <p>Immutable and thread-safe.
 */
public final class Message {
  private final String title;
  private final String subtitle;
  private final String body;
  private final boolean dataOnly;
  private final String deepLink;
  private final String imageUrl;
  private final Map<String, String> data;
  private final String sound;
  private final Integer badge;
  private final String collapseKey;
  private final Duration ttl;
  private final Priority priority;
  private final String category;
  private final String threadId;
  private final String channel;
  private final InterruptionLevel interruptionLevel;
  private final Map<String, Message> locales;

  private Message(Builder b) {
    this.title = b.title;
    this.subtitle = b.subtitle;
    this.body = b.body;
    this.dataOnly = b.dataOnly;
    this.deepLink = b.deepLink;
    this.imageUrl = b.imageUrl;
    this.data = Collections.unmodifiableMap(new LinkedHashMap<>(b.data));
    this.sound = b.sound;
    this.badge = b.badge;
    this.collapseKey = b.collapseKey;
    this.ttl = b.ttl;
    this.priority = b.priority;
    this.category = b.category;
    this.threadId = b.threadId;
    this.channel = b.channel;
    this.interruptionLevel = b.interruptionLevel;
    this.locales = Collections.unmodifiableMap(new LinkedHashMap<>(b.locales));
  }

  /** Starts a message with a title and a body (both templates). */
  public static Builder of(String title, String body) {
    return new Builder().title(title).body(body);
  }

  /** Starts an empty message; used for locale variants that override only some fields. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Starts a data-only message: nothing is shown, the app receives the {@link Builder#data data}
   * in the background (APNs {@code apns-push-type: background} with {@code content-available},
   * which Apple requires to be sent at priority 5; an FCM message without a notification block).
   * It needs at least one data entry and takes no title, subtitle, body, image, sound or badge.
   */
  public static Builder dataOnly() {
    Builder b = new Builder();
    b.dataOnly = true;
    return b;
  }

  /** The title template. */
  public String title() {
    return title;
  }

  /** The subtitle template (shown under the title on iOS), if any. */
  public Optional<String> subtitle() {
    return Optional.ofNullable(subtitle);
  }

  /** The body template. */
  public String body() {
    return body;
  }

  /** Whether this is a data-only (background) message: see {@link #dataOnly()}. */
  public boolean isDataOnly() {
    return dataOnly;
  }

  /** The link opened when the notification is tapped (a template). */
  public Optional<String> deepLink() {
    return Optional.ofNullable(deepLink);
  }

  /** An image shown with the notification. */
  public Optional<String> imageUrl() {
    return Optional.ofNullable(imageUrl);
  }

  /** Custom key/value data delivered to the app; values are templates. */
  public Map<String, String> data() {
    return data;
  }

  /** The sound to play. */
  public Optional<String> sound() {
    return Optional.ofNullable(sound);
  }

  /** The app icon badge number. */
  public Optional<Integer> badge() {
    return Optional.ofNullable(badge);
  }

  /** Notifications with the same collapse key replace each other on the device. */
  public Optional<String> collapseKey() {
    return Optional.ofNullable(collapseKey);
  }

  /**
   * How long the platform should keep trying to deliver an undelivered notification. Unset, a
   * notification expires with its reminder ({@code expireAfter}); with neither, the transport's
   * own default applies (one day for the APNs and FCM transports, not the platforms' longer ones).
   */
  public Optional<Duration> ttl() {
    return Optional.ofNullable(ttl);
  }

  /** Delivery priority; {@link Priority#HIGH} unless set. */
  public Priority priority() {
    return priority == null ? Priority.HIGH : priority;
  }

  /**
   * The notification category the app registered, which selects its action buttons (APNs
   * {@code category}; Android has no such field and ignores it).
   */
  public Optional<String> category() {
    return Optional.ofNullable(category);
  }

  /** Notifications with the same thread id are grouped together on the device (APNs {@code thread-id}). */
  public Optional<String> threadId() {
    return Optional.ofNullable(threadId);
  }

  /**
   * The Android notification channel the app created ({@code android.notification.channel_id});
   * unset, the app's default channel.
   */
  public Optional<String> channel() {
    return Optional.ofNullable(channel);
  }

  /** How urgently it may interrupt the user; unset means the platform's default (active). */
  public Optional<InterruptionLevel> interruptionLevel() {
    return Optional.ofNullable(interruptionLevel);
  }

  /** Locale variants by BCP 47 tag ({@code fa}, {@code fa-IR}). */
  public Map<String, Message> locales() {
    return locales;
  }

  /**
   * The variant for a device locale: the exact tag, then its language, then this message. The
   * variant's unset fields are filled from this message.
   */
  public Message forLocale(String languageTag) {
    if (languageTag == null || locales.isEmpty()) {
      return this;
    }
    Message v = locales.get(languageTag);
    if (v == null) {
      int dash = languageTag.indexOf('-');
      if (dash > 0) {
        v = locales.get(languageTag.substring(0, dash));
      }
    }
    return v == null ? this : v.over(this);
  }

  private Message over(Message base) {
    Builder b = new Builder();
    b.title = title != null ? title : base.title;
    b.subtitle = subtitle != null ? subtitle : base.subtitle;
    b.body = body != null ? body : base.body;
    b.dataOnly = base.dataOnly;
    b.deepLink = deepLink != null ? deepLink : base.deepLink;
    b.imageUrl = imageUrl != null ? imageUrl : base.imageUrl;
    b.data.putAll(base.data);
    b.data.putAll(data);
    b.sound = sound != null ? sound : base.sound;
    b.badge = badge != null ? badge : base.badge;
    b.collapseKey = collapseKey != null ? collapseKey : base.collapseKey;
    b.ttl = ttl != null ? ttl : base.ttl;
    b.priority = priority != null ? priority : base.priority;
    b.category = category != null ? category : base.category;
    b.threadId = threadId != null ? threadId : base.threadId;
    b.channel = channel != null ? channel : base.channel;
    b.interruptionLevel = interruptionLevel != null ? interruptionLevel : base.interruptionLevel;
    return new Message(b);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Message m && Objects.equals(title, m.title) && Objects.equals(body, m.body)
        && Objects.equals(subtitle, m.subtitle) && dataOnly == m.dataOnly
        && Objects.equals(category, m.category) && Objects.equals(threadId, m.threadId)
        && Objects.equals(channel, m.channel)
        && interruptionLevel == m.interruptionLevel
        && Objects.equals(deepLink, m.deepLink) && Objects.equals(imageUrl, m.imageUrl)
        && data.equals(m.data) && Objects.equals(sound, m.sound) && Objects.equals(badge, m.badge)
        && Objects.equals(collapseKey, m.collapseKey) && Objects.equals(ttl, m.ttl)
        && priority == m.priority && locales.equals(m.locales);
  }

  @Override
  public int hashCode() {
    return Objects.hash(title, subtitle, body, dataOnly, deepLink, imageUrl, data, sound, badge, collapseKey, ttl,
        priority, category, threadId, channel, interruptionLevel, locales);
  }

  @Override
  public String toString() {
    return "Message{" + (dataOnly ? "dataOnly, data=" + data.keySet() : "title=" + title + ", body=" + body)
        + (locales.isEmpty() ? "" : ", locales=" + locales.keySet()) + "}";
  }

  /** Builds a {@link Message}; not thread-safe. */
  public static final class Builder {
    /** APNs' limit on {@code apns-collapse-id}, which a collapse key becomes. */
    public static final int MAX_COLLAPSE_KEY_BYTES = 64;

    private String title;
    private String subtitle;
    private String body;
    private boolean dataOnly;
    private String deepLink;
    private String imageUrl;
    private final Map<String, String> data = new LinkedHashMap<>();
    private String sound;
    private Integer badge;
    private String collapseKey;
    private Duration ttl;
    private Priority priority;
    private String category;
    private String threadId;
    private String channel;
    private InterruptionLevel interruptionLevel;
    private final Map<String, Message> locales = new LinkedHashMap<>();

    private Builder() {}

    /** The title template. */
    public Builder title(String title) {
      this.title = title;
      return this;
    }

    /** The subtitle template, shown under the title on iOS. */
    public Builder subtitle(String subtitle) {
      this.subtitle = subtitle;
      return this;
    }

    /** The body template. */
    public Builder body(String body) {
      this.body = body;
      return this;
    }

    /** The link opened on tap (a template). */
    public Builder deepLink(String deepLink) {
      this.deepLink = deepLink;
      return this;
    }

    /** An image URL shown with the notification. */
    public Builder image(String imageUrl) {
      this.imageUrl = imageUrl;
      return this;
    }

    /** Adds one custom data entry; the value is a template. */
    public Builder data(String key, String valueTemplate) {
      Checks.name("message data key", key);
      data.put(key, Checks.notNull("message data '" + key + "'", valueTemplate));
      return this;
    }

    /** The sound to play. */
    public Builder sound(String sound) {
      this.sound = sound;
      return this;
    }

    /** The badge number. */
    public Builder badge(int badge) {
      if (badge < 0) {
        throw new IllegalArgumentException("message badge is " + badge + "; use zero or more");
      }
      this.badge = badge;
      return this;
    }

    /**
     * Notifications with the same key replace each other on the device. Without one, each
     * reminder is its own collapse identity (so a resend replaces only its own first copy). At
     * most {@value #MAX_COLLAPSE_KEY_BYTES} bytes in UTF-8, APNs' limit for {@code apns-collapse-id}.
     */
    public Builder collapseKey(String collapseKey) {
      if (collapseKey != null) {
        if (collapseKey.isBlank()) {
          throw new IllegalArgumentException("message collapseKey is blank; give a key or leave it unset");
        }
        int bytes = collapseKey.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes > MAX_COLLAPSE_KEY_BYTES) {
          throw new IllegalArgumentException("message collapseKey is " + bytes + " bytes in UTF-8; APNs allows at most "
              + MAX_COLLAPSE_KEY_BYTES + " (apns-collapse-id), use a shorter key");
        }
      }
      this.collapseKey = collapseKey;
      return this;
    }

    /** The notification category the app registered (action buttons). */
    public Builder category(String category) {
      this.category = category == null ? null : Checks.name("message category", category);
      return this;
    }

    /** Groups notifications with the same thread id on the device. */
    public Builder threadId(String threadId) {
      this.threadId = threadId == null ? null : Checks.name("message threadId", threadId);
      return this;
    }

    /** The Android notification channel id the app created. */
    public Builder channel(String channelId) {
      this.channel = channelId == null ? null : Checks.name("message channel", channelId);
      return this;
    }

    /** How urgently the notification may interrupt the user. */
    public Builder interruptionLevel(InterruptionLevel level) {
      this.interruptionLevel = Checks.notNull("message interruptionLevel", level);
      return this;
    }

    /** How long the platform keeps trying to deliver. */
    public Builder ttl(Duration ttl) {
      this.ttl = Checks.nonNegative("message ttl", ttl);
      return this;
    }

    /** Delivery priority. */
    public Builder priority(Priority priority) {
      this.priority = Checks.notNull("message priority", priority);
      return this;
    }

    /**
     * Adds the variant for a BCP 47 tag ({@code fa}, {@code fa-IR}); its unset fields fall back to
     * this message's. Build the variant with {@link Message#builder()}.
     */
    public Builder locale(String languageTag, Message variant) {
      Checks.name("message locale tag", languageTag);
      Checks.languageTag("message locale tag", languageTag);
      Checks.notNull("message locale '" + languageTag + "' variant", variant);
      if (!variant.locales.isEmpty()) {
        throw new IllegalArgumentException("message locale '" + languageTag
            + "' variant has locale variants of its own; nest only one level");
      }
      locales.put(languageTag, variant);
      return this;
    }

    /**
     * Builds the message. A message with locale variants, or one used directly in a step, needs a
     * title and a body; a variant may leave either unset.
     *
     * @throws IllegalArgumentException when a template is blank
     */
    public Message build() {
      if (dataOnly) {
        return buildDataOnly();
      }
      if (subtitle != null && subtitle.isBlank()) {
        throw new IllegalArgumentException("message subtitle is blank; give text or leave it unset");
      }
      if (title != null && title.isBlank()) {
        throw new IllegalArgumentException("message title is blank; give text or leave it unset in a variant");
      }
      if (body != null && body.isBlank()) {
        throw new IllegalArgumentException("message body is blank; give text or leave it unset in a variant");
      }
      return new Message(this);
    }

    private Message buildDataOnly() {
      String shown = title != null ? "title" : subtitle != null ? "subtitle" : body != null ? "body"
          : imageUrl != null ? "image" : sound != null ? "sound" : badge != null ? "badge"
          : interruptionLevel != null ? "interruptionLevel" : null;
      if (shown != null) {
        throw new IllegalArgumentException("data-only message has a " + shown
            + "; a data-only message shows nothing, use Message.of(title, body) for a visible one");
      }
      if (data.isEmpty() && locales.values().stream().allMatch(v -> v.data.isEmpty())) {
        throw new IllegalArgumentException("data-only message has no data; add at least one data(key, value)");
      }
      for (Map.Entry<String, Message> v : locales.entrySet()) {
        Message m = v.getValue();
        if (m.title != null || m.subtitle != null || m.body != null || m.imageUrl != null || m.sound != null
            || m.badge != null) {
          throw new IllegalArgumentException("data-only message's locale '" + v.getKey()
              + "' variant shows text, an image, a sound or a badge; give it data only");
        }
      }
      return new Message(this);
    }
  }
}
