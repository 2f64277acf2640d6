package dev.nudge.core;

import dev.nudge.spi.TemplateContext;
import dev.nudge.spi.TemplateRenderer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The default {@link TemplateRenderer}: {@code {{ root.NAME | filter | filter }}} placeholders in
 * literal text.
 *
 * <p>Roots are {@code event.NAME} (a trigger event property), {@code user.NAME} (a user attribute)
 * and {@code campaign.id}. Filters, applied left to right: {@code default: "text"} (used only when
 * the value is missing), {@code join: ", "} (a list's items with the separator), {@code count} (a
 * list's size), {@code upper} and {@code lower}. Nothing else is evaluated. A template is parsed
 * once by {@link #compile}; every syntax mistake is reported there, so rendering never throws for
 * a template that compiled. Rendering returns empty when a placeholder has no value and no default.
 *
 * <p>Stateless and thread-safe; compiled templates are immutable and thread-safe.
 */
final class PlaceholderRenderer implements TemplateRenderer {

  private static final String ALLOWED_ROOTS = "allowed roots are event, user, campaign";
  private static final String FILTER_NAMES = "default, join, count, upper, lower";
  /** Marks a value that is absent; distinct from every value a map can hold. */
  private static final Object MISSING = new Object();

  @Override
  public Template compile(String source) {
    if (source == null) {
      throw new IllegalArgumentException("template source is null; pass a string (it may be empty)");
    }
    List<Object> parts = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    int i = 0;
    int n = source.length();
    while (i < n) {
      int open = source.indexOf("{{", i);
      if (open < 0) {
        literal.append(source, i, n);
        break;
      }
      literal.append(source, i, open);
      Parser parser = new Parser(source, open);
      Placeholder placeholder = parser.parse();
      if (literal.length() > 0) {
        parts.add(literal.toString());
        literal.setLength(0);
      }
      parts.add(placeholder);
      i = parser.end;
    }
    if (literal.length() > 0) {
      parts.add(literal.toString());
    }
    return new CompiledTemplate(source, parts.toArray());
  }

  // ---------------------------------------------------------------------------------------------
  // Compiled form

  private enum Root {
    EVENT,
    USER,
    CAMPAIGN_ID
  }

  private enum FilterKind {
    DEFAULT,
    JOIN,
    COUNT,
    UPPER,
    LOWER
  }

  private record Filter(FilterKind kind, String argument) {
    Object apply(Object value) {
      switch (kind) {
        case DEFAULT:
          return value == MISSING ? argument : value;
        case JOIN:
          return value instanceof Collection<?> items ? Values.join(items, argument) : value;
        case COUNT:
          if (value instanceof Collection<?> items) {
            return (long) items.size();
          }
          if (value instanceof Map<?, ?> map) {
            return (long) map.size();
          }
          // A single present value is one item; a missing one stays missing for a later default.
          return value == MISSING ? MISSING : 1L;
        case UPPER:
        case LOWER:
          return changeCase(value, kind == FilterKind.UPPER);
        default:
          throw new AssertionError(kind);
      }
    }

    /** Upper/lower-cases text; on a list, each item, so that a later {@code join} still works. */
    private static Object changeCase(Object value, boolean upper) {
      if (value == MISSING) {
        return MISSING;
      }
      if (value instanceof Collection<?> items) {
        List<Object> out = new ArrayList<>(items.size());
        for (Object item : items) {
          out.add(changeCase(item, upper));
        }
        return out;
      }
      String text = Values.text(value);
      // ROOT, not the JVM's default locale: the same template must render the same everywhere.
      return upper ? text.toUpperCase(Locale.ROOT) : text.toLowerCase(Locale.ROOT);
    }
  }

  /** One placeholder; {@code text} is as written, for messages. */
  private static final class Placeholder {
    private final String text;
    private final Root root;
    private final String name;
    private final Filter[] filters;

    Placeholder(String text, Root root, String name, Filter[] filters) {
      this.text = text;
      this.root = root;
      this.name = name;
      this.filters = filters;
    }

    /** The value to insert, or {@link #MISSING}. */
    Object evaluate(TemplateContext context) {
      Object value = lookup(context);
      for (Filter filter : filters) {
        value = filter.apply(value);
      }
      return value;
    }

    private Object lookup(TemplateContext context) {
      Object value;
      switch (root) {
        case EVENT:
          value = get(context.event(), name);
          break;
        case USER:
          value = get(context.user(), name);
          break;
        case CAMPAIGN_ID:
          value = context.campaignId();
          break;
        default:
          throw new AssertionError(root);
      }
      return value == null ? MISSING : value;
    }

    private static Object get(Map<String, Object> values, String key) {
      return values == null ? null : values.get(key);
    }

    @Override
    public String toString() {
      return text;
    }
  }

  /**
   * Parts are {@code String} literals and {@link Placeholder}s, in order. A template with no
   * placeholder keeps its text as {@code constant} and renders without building anything.
   */
  private static final class CompiledTemplate implements Template {
    private final String source;
    private final Object[] parts;
    private final Optional<String> constant;
    private final int literalLength;

    CompiledTemplate(String source, Object[] parts) {
      this.source = source;
      this.parts = parts;
      int length = 0;
      boolean constant = true;
      for (Object part : parts) {
        if (part instanceof String s) {
          length += s.length();
        } else {
          constant = false;
        }
      }
      this.literalLength = length;
      this.constant = constant ? Optional.of(source) : null;
    }

    @Override
    public Optional<String> render(TemplateContext context) {
      if (constant != null) {
        return constant;
      }
      if (context == null) {
        throw new IllegalArgumentException("template context is null; pass the campaign id, event and user values");
      }
      StringBuilder out = new StringBuilder(literalLength + 16 * parts.length);
      for (Object part : parts) {
        if (part instanceof String s) {
          out.append(s);
        } else {
          Object value = ((Placeholder) part).evaluate(context);
          if (value == MISSING) {
            return Optional.empty();
          }
          Values.appendText(out, value);
        }
      }
      return Optional.of(out.toString());
    }

    @Override
    public String toString() {
      return "Template{" + source + "}";
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Parsing

  /** Parses one placeholder starting at {@code {{}; afterwards {@link #end} is just past its {@code }}}. */
  private static final class Parser {
    private final String source;
    private final int start;
    private int pos;
    int end;

    Parser(String source, int start) {
      this.source = source;
      this.start = start;
      this.pos = start + 2;
    }

    Placeholder parse() {
      skipSpace();
      if (atClose()) {
        throw error("is empty; write a value such as {{event.NAME}}, {{user.NAME}} or {{campaign.id}}");
      }
      if (atEnd()) {
        throw unclosed();
      }
      List<String> path = new ArrayList<>(2);
      path.add(name("a root (event, user or campaign)"));
      while (peek() == '.') {
        pos++;
        path.add(name("a property name after '.'"));
      }
      skipSpace();
      List<Filter> filters = new ArrayList<>();
      while (peek() == '|') {
        pos++;
        skipSpace();
        filters.add(filter());
        skipSpace();
      }
      if (atEnd() || source.indexOf("}}", pos) < 0) {
        throw unclosed();
      }
      if (!atClose()) {
        if (peek() == '(') {
          throw error("has '(' at column " + column() + ", but templates call no methods; write "
              + "{{root.NAME | filter}} with the filters " + FILTER_NAMES);
        }
        throw error("has unexpected " + describeHere() + " at column " + column()
            + "; names use letters, digits, '_' and '-', filters follow '|', and '}}' ends the placeholder");
      }
      end = pos + 2;
      String text = source.substring(start, end);
      Root root = root(path, text);
      return new Placeholder(text, root, root == Root.CAMPAIGN_ID ? "id" : path.get(1),
          filters.toArray(new Filter[0]));
    }

    private Root root(List<String> path, String text) {
      String root = path.get(0);
      switch (root) {
        case "event":
        case "user":
          if (path.size() == 1) {
            throw new IllegalArgumentException("placeholder " + text + " names no " + root
                + " property; write " + root + ".NAME, e.g. {{" + root + ".first_name}}");
          }
          if (path.size() > 2) {
            throw new IllegalArgumentException("placeholder " + text + " reads nested property '"
                + String.join(".", path.subList(1, path.size())) + "'; only a single name is supported"
                + ", e.g. {{" + root + "." + path.get(1) + "}}; put the value in a top-level "
                + (root.equals("event") ? "event property" : "user attribute"));
          }
          return root.equals("event") ? Root.EVENT : Root.USER;
        case "campaign":
          if (path.size() == 1) {
            throw new IllegalArgumentException("placeholder " + text
                + " names no campaign property; write {{campaign.id}}, the only one supported");
          }
          if (path.size() != 2 || !path.get(1).equals("id")) {
            throw new IllegalArgumentException("placeholder " + text + " reads campaign property '"
                + String.join(".", path.subList(1, path.size()))
                + "'; only {{campaign.id}} is supported; pass other values as event properties");
          }
          return Root.CAMPAIGN_ID;
        default:
          throw new IllegalArgumentException("placeholder " + text + " uses root '" + root + "'; "
              + ALLOWED_ROOTS + ", e.g. {{event." + (path.size() > 1 ? path.get(path.size() - 1) : root) + "}}");
      }
    }

    private Filter filter() {
      if (atClose() || peek() == '|' || atEnd()) {
        throw error("has an empty filter after '|'; name a filter (" + FILTER_NAMES + ") or remove the '|'");
      }
      String name = name("a filter name");
      FilterKind kind = switch (name) {
        case "default" -> FilterKind.DEFAULT;
        case "join" -> FilterKind.JOIN;
        case "count" -> FilterKind.COUNT;
        case "upper" -> FilterKind.UPPER;
        case "lower" -> FilterKind.LOWER;
        default -> throw error("uses unknown filter '" + name + "'; allowed: " + FILTER_NAMES);
      };
      skipSpace();
      boolean takesArgument = kind == FilterKind.DEFAULT || kind == FilterKind.JOIN;
      String example = kind == FilterKind.DEFAULT ? "default: \"there\"" : "join: \", \"";
      if (peek() != ':') {
        if (takesArgument) {
          throw error("uses filter '" + name + "' without its text; write " + example);
        }
        return new Filter(kind, null);
      }
      if (!takesArgument) {
        throw error("gives filter '" + name + "' an argument, but it takes none; write '| " + name
            + "' alone");
      }
      pos++;
      skipSpace();
      if (peek() != '"') {
        throw error("gives filter '" + name + "' an argument that is not a double-quoted string; write "
            + example);
      }
      return new Filter(kind, string());
    }

    /** A double-quoted string literal with {@code \"} and {@code \\} escapes; pos is at the quote. */
    private String string() {
      int quote = pos++;
      StringBuilder out = new StringBuilder();
      while (pos < source.length()) {
        char c = source.charAt(pos++);
        if (c == '"') {
          return out.toString();
        }
        if (c == '\\') {
          if (pos >= source.length()) {
            break;
          }
          char escaped = source.charAt(pos++);
          if (escaped != '"' && escaped != '\\') {
            throw error("has unsupported escape '\\" + escaped + "' in a string; only \\\" and \\\\ "
                + "are allowed (write other characters as they are)");
          }
          out.append(escaped);
        } else {
          out.append(c);
        }
      }
      throw error("has an unterminated string literal starting at column " + (quote - start + 1)
          + "; close it with a double quote (write \\\" for a quote inside it)");
    }

    /** An identifier: letters, digits, '_' and '-'. */
    private String name(String what) {
      int from = pos;
      while (pos < source.length() && isNameChar(source.charAt(pos))) {
        pos++;
      }
      if (pos == from) {
        if (atEnd() || source.indexOf("}}", pos) < 0) {
          throw unclosed();
        }
        throw error("has unexpected " + describeHere() + " at column " + column() + " where " + what
            + " belongs; names use letters, digits, '_' and '-'");
      }
      return source.substring(from, pos);
    }

    private static boolean isNameChar(char c) {
      return Character.isLetterOrDigit(c) || c == '_' || c == '-';
    }

    private void skipSpace() {
      while (pos < source.length() && Character.isWhitespace(source.charAt(pos))) {
        pos++;
      }
    }

    private boolean atEnd() {
      return pos >= source.length();
    }

    private boolean atClose() {
      return source.startsWith("}}", pos);
    }

    private char peek() {
      return pos < source.length() ? source.charAt(pos) : '\0';
    }

    private int column() {
      return pos - start + 1;
    }

    private String describeHere() {
      if (atEnd()) {
        return "end of template";
      }
      if (atClose()) {
        return "'}}'";
      }
      int to = pos;
      while (to < source.length() && to - pos < 20 && !Character.isWhitespace(source.charAt(to))
          && !source.startsWith("}}", to)) {
        to++;
      }
      return "'" + source.substring(pos, Math.max(to, pos + 1)) + "'";
    }

    /**
     * The placeholder as the author probably meant it: up to the first {@code }}} after the
     * mistake, else the first one at all (an unterminated string swallows it), else the rest of
     * the template, shortened.
     */
    private String shownText() {
      int close = source.indexOf("}}", pos);
      if (close < 0) {
        close = source.indexOf("}}", start + 2);
      }
      String text = close >= 0 ? source.substring(start, close + 2) : source.substring(start);
      return text.length() > 80 ? text.substring(0, 77) + "..." : text;
    }

    private IllegalArgumentException error(String problem) {
      return new IllegalArgumentException("placeholder " + shownText() + " " + problem);
    }

    private IllegalArgumentException unclosed() {
      String text = source.substring(start);
      if (text.length() > 40) {
        text = text.substring(0, 37) + "...";
      }
      return new IllegalArgumentException("placeholder " + text + " at index " + start
          + " is not closed; end it with '}}'");
    }
  }
}
