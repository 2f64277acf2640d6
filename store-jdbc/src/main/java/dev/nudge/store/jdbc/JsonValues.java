package dev.nudge.store.jdbc;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.math.BigInteger;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Trigger properties, user attributes and device lists as JSON text. Numbers keep their kind: a
 * number written without a fraction or exponent reads back as {@code Long} (or
 * {@code BigInteger} beyond the long range), any other as {@code Double}; a whole double is
 * written as {@code 3.0} so it stays a {@code Double} ({@code BigDecimal} reads back as
 * {@code Double}). Thread-safe.
 */
final class JsonValues {
  private static final Gson GSON = new Gson();

  private JsonValues() {}

  static String write(Map<String, Object> values) {
    if (values instanceof Lazy lazy) {
      return lazy.json; // read from a row and passed on unchanged: the same text, not parsed
    }
    return values == null || values.isEmpty() ? "{}" : GSON.toJson(tree(values));
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
    return values == null || values.isEmpty() ? null : GSON.toJson(values);
  }

  static Map<String, Object> readMap(String json) {
    if (json == null || json.equals("{}")) {
      return Map.of();
    }
    return map(JsonParser.parseString(json).getAsJsonObject());
  }

  static List<String> readList(String json) {
    if (json == null) {
      return List.of();
    }
    JsonArray a = JsonParser.parseString(json).getAsJsonArray();
    List<String> out = new ArrayList<>(a.size());
    for (JsonElement e : a) {
      out.add(e.getAsString());
    }
    return out;
  }

  private static JsonElement tree(Object v) {
    if (v instanceof String s) {
      return new JsonPrimitive(s);
    }
    if (v instanceof Boolean b) {
      return new JsonPrimitive(b);
    }
    if (v instanceof Double || v instanceof Float) {
      // Written as Double.toString does: always with a '.' or an exponent, so it reads back as a Double.
      return new JsonPrimitive(((Number) v).doubleValue());
    }
    if (v instanceof Number n) {
      return new JsonPrimitive(n);
    }
    if (v instanceof Map<?, ?> m) {
      JsonObject o = new JsonObject();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        o.add(String.valueOf(e.getKey()), tree(e.getValue()));
      }
      return o;
    }
    if (v instanceof List<?> l) {
      JsonArray a = new JsonArray(l.size());
      for (Object item : l) {
        a.add(tree(item));
      }
      return a;
    }
    throw new IllegalArgumentException("cannot store a value of type " + (v == null ? "null" : v.getClass().getName())
        + "; properties and attributes hold strings, numbers, booleans, lists and maps");
  }

  private static Map<String, Object> map(JsonObject o) {
    Map<String, Object> out = new LinkedHashMap<>(Math.max(4, o.size() * 2));
    for (Map.Entry<String, JsonElement> e : o.entrySet()) {
      out.put(e.getKey(), value(e.getValue()));
    }
    return Collections.unmodifiableMap(out);
  }

  private static Object value(JsonElement e) {
    if (e.isJsonObject()) {
      return map(e.getAsJsonObject());
    }
    if (e.isJsonArray()) {
      JsonArray a = e.getAsJsonArray();
      List<Object> out = new ArrayList<>(a.size());
      for (JsonElement item : a) {
        out.add(value(item));
      }
      return Collections.unmodifiableList(out);
    }
    JsonPrimitive p = e.getAsJsonPrimitive();
    if (p.isBoolean()) {
      return p.getAsBoolean();
    }
    if (p.isString()) {
      return p.getAsString();
    }
    String text = p.getAsNumber().toString();
    if (text.indexOf('.') >= 0 || text.indexOf('e') >= 0 || text.indexOf('E') >= 0) {
      return Double.parseDouble(text);
    }
    BigInteger big = new BigInteger(text);
    return big.bitLength() < 64 ? (Object) big.longValue() : big;
  }
}
