package dev.nudge.store.jdbc;

import dev.nudge.internal.Json;
import java.util.AbstractMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Trigger properties, user attributes and device lists as JSON text, read and written by
 * {@link Json}: numbers keep their kind ({@code Long}, {@code BigInteger} beyond the long range,
 * {@code Double}, a whole double written as {@code 3.0}; a {@code BigDecimal} reads back as a
 * {@code Double}, or as a whole number when it is one), as {@link Json} says; a {@code null}
 * value (the engine passes none: events and attributes refuse it) is JSON {@code null} and reads
 * back as {@code null}. What is JDBC's own is the lazy map over a row's text and the device-list
 * column. Thread-safe.
 */
final class JsonValues {
  private JsonValues() {}

  static String write(Map<String, Object> values) {
    if (values instanceof Lazy lazy) {
      return lazy.json; // read from a row and passed on unchanged: the same text, not parsed
    }
    return values == null || values.isEmpty() ? "{}" : Json.write(values);
  }

  /**
   * A JSON object from a row, parsed on first use: a group-commit batch reads every reminder of
   * its users, and most of them are only carried along (or not touched at all).
   */
  static Map<String, Object> readMapLazily(String json) {
    return json == null || json.equals("{}") ? Map.of() : new Lazy(json);
  }

  /** An unmodifiable map over JSON text, parsed once when first read. Thread-safe. */
  private static final class Lazy extends AbstractMap<String, Object> {
    final String json;
    private volatile Map<String, Object> parsed;

    Lazy(String json) {
      this.json = json;
    }

    private Map<String, Object> parsed() {
      Map<String, Object> m = parsed;
      if (m == null) {
        m = readMap(json);
        parsed = m;
      }
      return m;
    }

    @Override
    public Set<Entry<String, Object>> entrySet() {
      return parsed().entrySet();
    }

    @Override
    public Object get(Object key) {
      return parsed().get(key);
    }

    @Override
    public boolean containsKey(Object key) {
      return parsed().containsKey(key);
    }

    @Override
    public int size() {
      return parsed().size();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Lazy other && other.json.equals(json) || super.equals(o);
    }

    @Override
    public int hashCode() {
      return parsed().hashCode();
    }
  }

  static String writeList(List<String> values) {
    return values == null || values.isEmpty() ? null : Json.write(values);
  }

  static Map<String, Object> readMap(String json) {
    if (json == null || json.equals("{}")) {
      return Map.of();
    }
    if (!(Json.read(json) instanceof Map<?, ?> map)) {
      throw new IllegalArgumentException("a JSON column of properties or attributes holds " + abbreviated(json)
          + ", not an object {...}");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> values = (Map<String, Object>) map;
    return values;
  }

  static List<String> readList(String json) {
    if (json == null) {
      return List.of();
    }
    if (Json.read(json) instanceof List<?> list && list.stream().allMatch(String.class::isInstance)) {
      @SuppressWarnings("unchecked")
      List<String> tokens = (List<String>) list;
      return tokens;
    }
    throw new IllegalArgumentException("the pending devices column holds " + abbreviated(json)
        + ", not a list of strings [...]");
  }

  private static String abbreviated(String json) {
    return json.length() > 60 ? json.substring(0, 57) + "..." : json;
  }
}
