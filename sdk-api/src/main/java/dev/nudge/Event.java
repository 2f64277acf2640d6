package dev.nudge;

import dev.nudge.internal.Checks;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Something a user did, reported by the host from any channel.
 *
 * <p>Immutable and thread-safe. Built with {@link #named(String)}:
 * <pre>{@code
 * Event.named("cart_add").user("u1").property("cart_id", "c1").property("total", 80).build();
 * }</pre>
 *
 * <p>Property values may be strings, numbers, booleans, lists and maps of those (string keys).
 * An event holds at most {@value #MAX_PROPERTIES} properties and at most {@value #MAX_PROPERTY_BYTES}
 * bytes of property data (keys and values as UTF-8 text). Names, user ids and ids are limited to
 * 256 characters. Violations are reported by {@link Builder#build()} as
 * {@link IllegalArgumentException}s naming the field.
 */
public final class Event {
  /** Most properties one event may carry. */
  public static final int MAX_PROPERTIES = 100;
  /** Most bytes of property data (keys and values, as UTF-8 text) one event may carry. */
  public static final int MAX_PROPERTY_BYTES = 16 * 1024;

  private final String id;
  private final String name;
  private final String userId;
  private final Instant occurredAt;
  private final Source source;
  private final Map<String, Object> properties;

  private Event(Builder b, Map<String, Object> properties) {
    this.id = b.id;
    this.name = b.name;
    this.userId = b.userId;
    this.occurredAt = b.occurredAt;
    this.source = b.source;
    this.properties = properties;
  }

  /** Starts an event with the given name, e.g. {@code "cart_add"}. */
  public static Builder named(String name) {
    return new Builder(name);
  }

  /** The idempotency key, if the host gave one: the same id tracked twice is applied once. */
  public Optional<String> id() {
    return Optional.ofNullable(id);
  }

  /** The event name. */
  public String name() {
    return name;
  }

  /** The user who did it. */
  public String userId() {
    return userId;
  }

  /** When it happened; empty means "now" on the engine's clock when tracked. */
  public Optional<Instant> occurredAt() {
    return Optional.ofNullable(occurredAt);
  }

  /** The channel it came from, if known. */
  public Optional<Source> source() {
    return Optional.ofNullable(source);
  }

  /** The properties, unmodifiable, in insertion order. */
  public Map<String, Object> properties() {
    return properties;
  }

  /** One property, or {@code null} when absent. */
  public Object property(String key) {
    return properties.get(key);
  }

  /**
   * Validates and copies a map of values as event properties are validated (types, counts, size),
   * e.g. user attributes.
   *
   * @param owner names the map in error messages, e.g. {@code "user 'u1' attributes"}
   * @throws IllegalArgumentException naming the entry and its problem
   */
  public static Map<String, Object> checkedValues(String owner, Map<String, ?> values) {
    Checks.notNull(owner, values);
    if (values.size() > MAX_PROPERTIES) {
      throw new IllegalArgumentException(owner + " has " + values.size() + " entries; the limit is "
          + MAX_PROPERTIES);
    }
    int[] bytes = {0};
    Map<String, Object> copy = Builder.copyMap(owner, values, bytes);
    if (bytes[0] > MAX_PROPERTY_BYTES) {
      throw new IllegalArgumentException(owner + " take " + bytes[0] + " bytes; the limit is "
          + MAX_PROPERTY_BYTES);
    }
    return copy;
  }

  /** A copy of this event with its time set, used when the host left it empty. */
  public Event at(Instant when) {
    Builder b = new Builder(name);
    b.id = id;
    b.userId = userId;
    b.occurredAt = Objects.requireNonNull(when, "when");
    b.source = source;
    return new Event(b, properties);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Event e && Objects.equals(id, e.id) && name.equals(e.name)
        && userId.equals(e.userId) && Objects.equals(occurredAt, e.occurredAt)
        && source == e.source && properties.equals(e.properties);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, name, userId, occurredAt, source, properties);
  }

  @Override
  public String toString() {
    return "Event{name=" + name + ", userId=" + userId + (id == null ? "" : ", id=" + id)
        + ", occurredAt=" + occurredAt + ", properties=" + properties.size() + "}";
  }

  /** Builds an {@link Event}; not thread-safe. */
  public static final class Builder {
    private final String name;
    private String id;
    private String userId;
    private Instant occurredAt;
    private Source source;
    private final Map<String, Object> properties = new LinkedHashMap<>();

    private Builder(String name) {
      this.name = name;
    }

    /** The user who did it (required). */
    public Builder user(String userId) {
      this.userId = userId;
      return this;
    }

    /** An idempotency key: the same id tracked twice is applied once. */
    public Builder id(String id) {
      this.id = id;
      return this;
    }

    /** When it happened; defaults to the engine clock's "now" when tracked. */
    public Builder at(Instant occurredAt) {
      this.occurredAt = occurredAt;
      return this;
    }

    /** The channel the event came from. */
    public Builder source(Source source) {
      this.source = source;
      return this;
    }

    /** Adds or replaces one property. */
    public Builder property(String key, Object value) {
      properties.put(key, value);
      return this;
    }

    /** Adds or replaces every entry of {@code values}. */
    public Builder properties(Map<String, ?> values) {
      Checks.notNull("properties", values);
      properties.putAll(values);
      return this;
    }

    /**
     * Validates and builds the event.
     *
     * @throws IllegalArgumentException naming the field when a name, id or property is invalid
     */
    public Event build() {
      Checks.name("event name", name);
      Checks.name("event '" + name + "' userId", userId);
      if (id != null) {
        Checks.name("event '" + name + "' id", id);
      }
      if (properties.size() > MAX_PROPERTIES) {
        throw new IllegalArgumentException("event '" + name + "' has " + properties.size()
            + " properties; the limit is " + MAX_PROPERTIES + "; send fewer or nest them in a map");
      }
      int[] bytes = {0};
      Map<String, Object> copy = copyMap("event '" + name + "' property", properties, bytes);
      if (bytes[0] > MAX_PROPERTY_BYTES) {
        throw new IllegalArgumentException("event '" + name + "' properties take " + bytes[0]
            + " bytes; the limit is " + MAX_PROPERTY_BYTES + "; send ids and look details up instead");
      }
      return new Event(this, copy);
    }

    private static Map<String, Object> copyMap(String where, Map<?, ?> in, int[] bytes) {
      Map<String, Object> out = new LinkedHashMap<>(Math.max(4, in.size() * 2));
      for (Map.Entry<?, ?> e : in.entrySet()) {
        if (!(e.getKey() instanceof String key)) {
          throw new IllegalArgumentException(where + " key " + e.getKey() + " is not a string");
        }
        Checks.name(where + " key", key);
        bytes[0] += utf8Length(key);
        out.put(key, copyValue(where + " '" + key + "'", e.getValue(), bytes));
      }
      return Collections.unmodifiableMap(out);
    }

    private static Object copyValue(String where, Object v, int[] bytes) {
      if (v == null) {
        throw new IllegalArgumentException(where + " is null; leave the property out instead");
      }
      if (v instanceof String s) {
        bytes[0] += utf8Length(s);
        return s;
      }
      if (v instanceof Boolean) {
        bytes[0] += 5;
        return v;
      }
      if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte
          || v instanceof BigInteger) {
        bytes[0] += v.toString().length();
        return v instanceof BigInteger ? v : ((Number) v).longValue();
      }
      if (v instanceof Double || v instanceof Float || v instanceof BigDecimal) {
        double d = ((Number) v).doubleValue();
        if (Double.isNaN(d) || Double.isInfinite(d)) {
          throw new IllegalArgumentException(where + " is " + d + "; numbers must be finite");
        }
        bytes[0] += v.toString().length();
        return v instanceof BigDecimal ? v : d;
      }
      if (v instanceof List<?> list) {
        List<Object> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
          out.add(copyValue(where + "[" + i + "]", list.get(i), bytes));
        }
        bytes[0] += 2 + list.size();
        return Collections.unmodifiableList(out);
      }
      if (v instanceof Map<?, ?> map) {
        bytes[0] += 2;
        return copyMap(where, map, bytes);
      }
      throw new IllegalArgumentException(where + " has unsupported type " + v.getClass().getName()
          + "; use a string, number, boolean, list or map");
    }

    private static int utf8Length(String s) {
      int n = s.length();
      for (int i = 0; i < s.length(); i++) {
        if (s.charAt(i) >= 0x80) {
          return s.getBytes(StandardCharsets.UTF_8).length;
        }
      }
      return n;
    }
  }
}
