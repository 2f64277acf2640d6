package dev.nudge.internal;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import com.google.gson.stream.MalformedJsonException;
import java.io.EOFException;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * JSON text as Java values and back: the one reading of JSON that campaigns files, simulation
 * logs and the JDBC store's JSON columns share, so a value means the same wherever it is read.
 *
 * <p>Reading is strict (RFC 8259: no comments, single quotes, unquoted names, trailing commas,
 * {@code NaN} or leading zeros); a field given twice in one object is an error (the second would
 * otherwise silently win), and so is text after the value. A JSON value becomes:
 * <ul>
 *   <li>an object: an unmodifiable {@link LinkedHashMap} in the order of its fields;
 *   <li>an array: an unmodifiable {@link List};
 *   <li>a string: a {@link String}; {@code true}/{@code false}: a {@link Boolean};
 *   <li>{@code null}: {@code null}, whether a caller accepts it is the caller's rule;
 *   <li>a number: see below.
 * </ul>
 *
 * <p><b>Numbers.</b> A number written without a fraction or an exponent ({@code 0}, {@code -12},
 * {@code 12345678901234567890}) is a {@link Long} when it fits in a long, else a
 * {@link BigInteger}; any other number ({@code 1.0}, {@code 1e3}, {@code -0.5}) is a
 * {@link Double}, and one beyond the range of a double ({@code 1E400}) is an error. These are the
 * kinds the engine keeps numbers in ({@code Event} normalizes to them), and writing keeps each
 * kind: {@code Long}, {@code Integer}, {@code Short}, {@code Byte} and {@code BigInteger} are
 * written as whole numbers; a {@code Double} or {@code Float} always with a fraction or an
 * exponent ({@code 3.0}, {@code 1.0E300}), so a whole double reads back as a {@code Double}; a
 * {@link BigDecimal} as its plain digits ({@link BigDecimal#toPlainString}), so it reads back by
 * the same rule: {@code 2.50} as the {@code Double} 2.5, {@code 100} as the {@code Long} 100 (a
 * {@code BigDecimal} is not read back as one). Non-finite numbers cannot be written.
 *
 * <p><b>Errors</b> are {@link IllegalArgumentException}s: {@code not valid JSON: expected name at
 * line 1 column 9, path campaigns[0]} for a syntax error, {@code at campaigns[0].once: field
 * "once" is given twice; give it once} for a value Nudge refuses. Paths are written as
 * {@code campaigns[0].steps[1].delay}, {@code $} for the whole document. A {@link Reader} that
 * fails is an {@link UncheckedIOException}.
 *
 * <p>Stateless and thread-safe. Internal: not API, may change without notice (see
 * {@link dev.nudge.internal}).
 */
public final class Json {
  private Json() {}

  // ================================================================== reading

  /**
   * Reads one JSON value, the whole text.
   *
   * @throws IllegalArgumentException when the text is not one valid JSON value (see above)
   */
  public static Object read(String json) {
    return read(new StringReader(Checks.notNull("json", json)), UnaryOperator.identity());
  }

  /**
   * Reads one JSON value, to the end of the reader.
   *
   * @throws IllegalArgumentException when the text is not one valid JSON value (see above)
   * @throws UncheckedIOException when the reader fails
   */
  public static Object read(Reader json) {
    return read(json, UnaryOperator.identity());
  }

  /**
   * Reads one JSON value, to the end of the reader, passing every field name through
   * {@code names} (which may, for instance, return one shared copy of each name).
   *
   * @throws IllegalArgumentException when the text is not one valid JSON value (see above)
   * @throws UncheckedIOException when the reader fails
   */
  public static Object read(Reader json, UnaryOperator<String> names) {
    JsonReader in = new JsonReader(Checks.notNull("json", json));
    in.setStrictness(Strictness.STRICT);
    try {
      Object value = value(in, names);
      JsonToken next;
      try {
        next = in.peek();
      } catch (MalformedJsonException trailing) {
        next = null; // STRICT refuses a second value before it is read
      }
      if (next != JsonToken.END_DOCUMENT) {
        throw new IllegalArgumentException("not valid JSON: text after the end of the document " + where(in));
      }
      return value;
    } catch (MalformedJsonException | EOFException e) {
      throw malformed(in, e);
    } catch (IOException e) {
      throw new UncheckedIOException("reading JSON failed: " + e.getMessage(), e);
    }
  }

  private static Object value(JsonReader in, UnaryOperator<String> names) throws IOException {
    switch (in.peek()) {
      case BEGIN_OBJECT -> {
        Map<String, Object> map = new LinkedHashMap<>();
        in.beginObject();
        while (in.hasNext()) {
          String name = names.apply(in.nextName());
          if (map.containsKey(name)) {
            throw new IllegalArgumentException("at " + path(in.getPath()) + ": field \"" + name
                + "\" is given twice; give it once");
          }
          map.put(name, value(in, names));
        }
        in.endObject();
        return Collections.unmodifiableMap(map);
      }
      case BEGIN_ARRAY -> {
        List<Object> list = new ArrayList<>();
        in.beginArray();
        while (in.hasNext()) {
          list.add(value(in, names));
        }
        in.endArray();
        return Collections.unmodifiableList(list);
      }
      case STRING -> {
        return in.nextString();
      }
      case NUMBER -> {
        String literal = in.nextString();
        Number n = number(literal);
        if (n == null) {
          throw new IllegalArgumentException("at " + path(in.getPreviousPath()) + ": the number " + literal
              + " is beyond the range of a double (about ±1.8E308); write a smaller number");
        }
        return n;
      }
      case BOOLEAN -> {
        return in.nextBoolean();
      }
      case NULL -> {
        in.nextNull();
        return null;
      }
      default -> throw new IllegalArgumentException("not valid JSON: unexpected " + in.peek() + " " + where(in));
    }
  }

  /**
   * A number literal (well-formed, as the strict reader checked it) by the rule above, or
   * {@code null} when it is a double beyond the range of one.
   */
  private static Number number(String literal) {
    for (int i = 0; i < literal.length(); i++) {
      char c = literal.charAt(i);
      if (c == '.' || c == 'e' || c == 'E') {
        double d = Double.parseDouble(literal);
        return Double.isInfinite(d) ? null : d;
      }
    }
    int digits = literal.charAt(0) == '-' ? literal.length() - 1 : literal.length();
    if (digits <= 18) {
      return Long.parseLong(literal); // at most 999,999,999,999,999,999: always fits
    }
    if (digits == 19) {
      BigInteger big = new BigInteger(literal);
      return big.bitLength() < 64 ? (Number) big.longValue() : big;
    }
    return new BigInteger(literal);
  }

  /** Gson's complaint, without its link to the troubleshooting guide and with our form of path. */
  private static IllegalArgumentException malformed(JsonReader in, IOException e) {
    String message = e.getMessage() == null ? "unreadable" : e.getMessage();
    int nl = message.indexOf('\n');
    String problem = nl < 0 ? message : message.substring(0, nl);
    String location = in.toString().substring(JsonReader.class.getSimpleName().length()); // " at line 1 column 9 path $.a"
    if (problem.endsWith(location)) {
      problem = problem.substring(0, problem.length() - location.length());
    }
    if (problem.startsWith("Use JsonReader.setStrictness")) {
      problem = "unexpected character"; // Gson's advice to read leniently is not the user's fix
    } else if (!problem.isEmpty()) {
      problem = Character.toLowerCase(problem.charAt(0)) + problem.substring(1);
    }
    return new IllegalArgumentException("not valid JSON: " + problem + " " + where(in), e);
  }

  /** {@code at line 1 column 9, path campaigns[0]}. */
  private static String where(JsonReader in) {
    String location = in.toString(); // "JsonReader at line 1 column 9 path $.campaigns[0]"
    int at = location.indexOf(" at line ");
    int path = location.lastIndexOf(" path ");
    String line = at >= 0 && path > at ? location.substring(at + 1, path) + ", " : "at ";
    return line + "path " + path(in.getPath());
  }

  /** Gson's {@code $.campaigns[0].id} as {@code campaigns[0].id}; {@code $} for the document. */
  private static String path(String gsonPath) {
    String p = gsonPath.startsWith("$.") ? gsonPath.substring(2) : gsonPath.substring(1);
    return p.isEmpty() ? "$" : p;
  }

  // ================================================================== writing

  /**
   * One value as compact JSON text; {@link #read} reads it back equal (numbers as the rule above
   * says). Takes maps (with string keys), lists, strings, booleans, numbers and {@code null}.
   *
   * @throws IllegalArgumentException naming the path of a value that JSON cannot hold
   */
  public static String write(Object value) {
    return write(value, "");
  }

  /** As {@link #write}, indented by two spaces per level, one field or item a line. */
  public static String writeIndented(Object value) {
    return write(value, "  ");
  }

  private static String write(Object value, String indent) {
    StringWriter s = new StringWriter();
    try (JsonWriter out = new JsonWriter(s)) {
      out.setStrictness(Strictness.STRICT);
      out.setHtmlSafe(false);
      out.setSerializeNulls(true);
      out.setIndent(indent);
      value(out, value);
    } catch (Unwritable e) {
      throw new IllegalArgumentException("at " + (e.path.isEmpty() ? "$" : e.path) + ": " + e.getMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return s.toString();
  }

  private static void value(JsonWriter out, Object v) throws IOException {
    if (v == null) {
      out.nullValue();
    } else if (v instanceof String s) {
      out.value(s);
    } else if (v instanceof Boolean b) {
      out.value(b.booleanValue());
    } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
      out.value(((Number) v).longValue());
    } else if (v instanceof BigInteger i) {
      out.value(i);
    } else if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        throw new Unwritable(d + " cannot be written as JSON; numbers must be finite");
      }
      out.value(d); // Double.toString: always a '.' or an exponent, so it reads back as a Double
    } else if (v instanceof BigDecimal d) {
      String plain = d.toPlainString();
      if (plain.indexOf('.') >= 0 && Double.isInfinite(d.doubleValue())) {
        throw new Unwritable(d + " is beyond the range of a double, which it would read back as");
      }
      out.jsonValue(plain);
    } else if (v instanceof Map<?, ?> map) {
      out.beginObject();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!(e.getKey() instanceof String key)) {
          throw new Unwritable("a map key of type " + (e.getKey() == null ? "null" : e.getKey().getClass().getName())
              + " cannot be written as JSON; use string keys");
        }
        out.name(key);
        try {
          value(out, e.getValue());
        } catch (Unwritable u) {
          throw u.under(key);
        }
      }
      out.endObject();
    } else if (v instanceof List<?> list) {
      out.beginArray();
      for (int i = 0; i < list.size(); i++) {
        try {
          value(out, list.get(i));
        } catch (Unwritable u) {
          throw u.under("[" + i + "]");
        }
      }
      out.endArray();
    } else {
      throw new Unwritable("a value of type " + v.getClass().getName()
          + " cannot be written as JSON; use a string, number, boolean, list or map");
    }
  }

  /** A value JSON cannot hold, with the path to it gathered on the way out. */
  private static final class Unwritable extends IllegalArgumentException {
    private String path = "";

    Unwritable(String problem) {
      super(problem);
    }

    Unwritable under(String step) {
      path = step + (path.isEmpty() || path.startsWith("[") ? path : "." + path);
      return this;
    }
  }
}
