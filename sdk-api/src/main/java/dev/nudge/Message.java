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
  private final String body;
  private final String deepLink;
  private final String imageUrl;
  private final Map<String, String> data;
  private final String sound;
  private final Integer badge;
  private final String collapseKey;
  private final Duration ttl;
  private final Priority priority;
  private final Map<String, Message> locales;

  private Message(Builder b) {
    this.title = b.title;
    this.body = b.body;
    this.deepLink = b.deepLink;
    this.imageUrl = b.imageUrl;
    this.data = Collections.unmodifiableMap(new LinkedHashMap<>(b.data));
    this.sound = b.sound;
    this.badge = b.badge;
    this.collapseKey = b.collapseKey;
    this.ttl = b.ttl;
    this.priority = b.priority;
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

  /** The title template. */
  public String title() {
    return title;
  }

  /** The body template. */
  public String body() {
    return body;
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

  /** How long the platform should keep trying to deliver an undelivered notification. */
  public Optional<Duration> ttl() {
    return Optional.ofNullable(ttl);
  }

  /** Delivery priority; {@link Priority#HIGH} unless set. */
  public Priority priority() {
    return priority == null ? Priority.HIGH : priority;
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
    b.body = body != null ? body : base.body;
    b.deepLink = deepLink != null ? deepLink : base.deepLink;
    b.imageUrl = imageUrl != null ? imageUrl : base.imageUrl;
    b.data.putAll(base.data);
    b.data.putAll(data);
    b.sound = sound != null ? sound : base.sound;
    b.badge = badge != null ? badge : base.badge;
    b.collapseKey = collapseKey != null ? collapseKey : base.collapseKey;
    b.ttl = ttl != null ? ttl : base.ttl;
    b.priority = priority != null ? priority : base.priority;
    return new Message(b);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Message m && Objects.equals(title, m.title) && Objects.equals(body, m.body)
        && Objects.equals(deepLink, m.deepLink) && Objects.equals(imageUrl, m.imageUrl)
        && data.equals(m.data) && Objects.equals(sound, m.sound) && Objects.equals(badge, m.badge)
        && Objects.equals(collapseKey, m.collapseKey) && Objects.equals(ttl, m.ttl)
        && priority == m.priority && locales.equals(m.locales);
  }

  @Override
  public int hashCode() {
    return Objects.hash(title, body, deepLink, imageUrl, data, sound, badge, collapseKey, ttl, priority, locales);
  }

  @Override
  public String toString() {
    return "Message{title=" + title + ", body=" + body + (locales.isEmpty() ? "" : ", locales=" + locales.keySet()) + "}";
  }

  /** Builds a {@link Message}; not thread-safe. */
  public static final class Builder {
    private String title;
    private String body;
    private String deepLink;
    private String imageUrl;
    private final Map<String, String> data = new LinkedHashMap<>();
    private String sound;
    private Integer badge;
    private String collapseKey;
    private Duration ttl;
    private Priority priority;
    private final Map<String, Message> locales = new LinkedHashMap<>();

    private Builder() {}

    /** The title template. */
    public Builder title(String title) {
      this.title = title;
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

    /** Notifications with the same key replace each other on the device. */
    public Builder collapseKey(String collapseKey) {
      this.collapseKey = collapseKey;
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
      if (title != null && title.isBlank()) {
        throw new IllegalArgumentException("message title is blank; give text or leave it unset in a variant");
      }
      if (body != null && body.isBlank()) {
        throw new IllegalArgumentException("message body is blank; give text or leave it unset in a variant");
      }
      return new Message(this);
    }
  }
}
