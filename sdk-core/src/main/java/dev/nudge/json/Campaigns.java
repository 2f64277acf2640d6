package dev.nudge.json;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.nudge.Campaign;
import dev.nudge.CampaignSet;
import dev.nudge.Condition;
import dev.nudge.DeliveryPolicy;
import dev.nudge.FrequencyCap;
import dev.nudge.Goal;
import dev.nudge.InterruptionLevel;
import dev.nudge.Message;
import dev.nudge.Priority;
import dev.nudge.QuietHours;
import dev.nudge.Reentry;
import dev.nudge.Step;
import dev.nudge.internal.Checks;
import dev.nudge.internal.JsonNumbers;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Campaigns as JSON: reads and writes the campaigns file of the {@code simulate} tool and of
 * hosts that keep campaigns in configuration.
 *
 * <pre>{@code
 * {"settings": {"globalFrequencyCap": {"max": 3, "per": "P1D"}},
 *  "campaigns": [{"id": "cart-abandonment",
 *                 "trigger": {"event": "cart_add", "where": {"total": {"gte": 50}, "channel": "app"}},
 *                 "stopEvents": ["purchase"], "correlateBy": "cart_id",
 *                 "steps": [{"delay": "PT2H", "message": {"title": "Still thinking?", "body": "..."}}]}]}
 * }</pre>
 *
 * <p>Every builder feature has a JSON form, so {@code fromJson(toJson(set))} equals {@code set}.
 * Durations are ISO-8601 ({@code PT2H}, {@code P7D}), times of day {@code HH:mm}. In
 * {@code where} and {@code audience} a bare value means {@code eq}; an object holds operators
 * ({@code eq ne gt gte lt lte in exists contains}), several operators meaning several conditions.
 * Unknown fields are errors, so a typo is caught rather than ignored. Every error is an
 * {@link IllegalArgumentException} naming the campaign, the JSON path and the problem:
 * {@code campaign 'cart-abandonment' at campaigns[0].steps[1].delay: "2 hours" is not an
 * ISO-8601 duration (e.g. PT2H)}. The format is documented in {@code docs/simulate.md}.
 *
 * <p>Stateless and thread-safe.
 */
public final class Campaigns {
  private static final Set<String> FILE_FIELDS = fields("settings", "campaigns");
  private static final Set<String> SETTINGS_FIELDS = fields("globalFrequencyCap");
  private static final Set<String> CAMPAIGN_FIELDS = fields("id", "trigger", "audience", "stopEvents",
      "correlateBy", "reentry", "once", "cooldown", "steps", "policy", "goal");
  private static final Set<String> TRIGGER_FIELDS = fields("event", "where");
  private static final Set<String> STEP_FIELDS = fields("delay", "message");
  private static final Set<String> MESSAGE_FIELDS = fields("title", "subtitle", "body", "dataOnly", "deepLink",
      "image", "data", "sound", "badge", "collapseKey", "ttl", "priority", "category", "threadId", "channel",
      "interruptionLevel", "locales");
  private static final Set<String> VARIANT_FIELDS = fields("title", "subtitle", "body", "deepLink", "image", "data",
      "sound", "badge", "collapseKey", "ttl", "priority", "category", "threadId", "channel", "interruptionLevel");
  private static final Set<String> POLICY_FIELDS = fields("quietHours", "frequencyCap", "expireAfter");
  private static final Set<String> QUIET_FIELDS = fields("start", "end");
  private static final Set<String> CAP_FIELDS = fields("max", "per");
  private static final Set<String> GOAL_FIELDS = fields("event", "within");

  private Campaigns() {}

  // ================================================================== reading

  /**
   * Reads a campaigns file: {@code {"settings": {...}, "campaigns": [...]}}.
   *
   * @throws IllegalArgumentException naming the campaign, the JSON path and the problem
   * @throws UncheckedIOException when the reader fails
   */
  public static CampaignSet fromJson(Reader json) {
    JsonElement root = parse(json);
    At at = At.ROOT;
    JsonObject file = object(root, at, FILE_FIELDS);
    FrequencyCap global = null;
    JsonElement settings = field(file, "settings");
    if (settings != null) {
      At s = at.field("settings");
      JsonObject o = object(settings, s, SETTINGS_FIELDS);
      JsonElement cap = field(o, "globalFrequencyCap");
      if (cap != null) {
        global = cap(cap, s.field("globalFrequencyCap"));
      }
    }
    JsonElement list = field(file, "campaigns");
    if (list == null) {
      throw at.error("\"campaigns\" is required; give a list of campaigns (it may be empty)");
    }
    JsonArray array = array(list, at.field("campaigns"));
    List<Campaign> campaigns = new ArrayList<>(array.size());
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < array.size(); i++) {
      At c = at.field("campaigns").index(i);
      Campaign campaign = campaign(array.get(i), c);
      Integer first = seen.putIfAbsent(campaign.id(), i);
      if (first != null) {
        throw c.named(campaign.id()).field("id").error("duplicate campaign id; campaigns[" + first
            + "] has the same id, and ids must be unique");
      }
      campaigns.add(campaign);
    }
    return new CampaignSet(campaigns, global);
  }

  /**
   * Reads a campaigns file from a string.
   *
   * @throws IllegalArgumentException naming the campaign, the JSON path and the problem
   */
  public static CampaignSet fromJson(String json) {
    return fromJson(new StringReader(requireJson(json)));
  }

  /**
   * Reads one campaign object (the form of one element of a file's {@code campaigns}); paths in
   * errors are relative to it.
   *
   * @throws IllegalArgumentException naming the campaign, the JSON path and the problem
   */
  public static Campaign campaignFromJson(String json) {
    return campaign(parse(new StringReader(requireJson(json))), At.ROOT);
  }

  private static String requireJson(String json) {
    if (json == null) {
      throw new IllegalArgumentException("json is required; pass the text of a campaigns file");
    }
    return json;
  }

  private static Campaign campaign(JsonElement e, At at) {
    // Name the campaign in every error, as soon as its id is known.
    if (e instanceof JsonObject o && o.get("id") instanceof JsonPrimitive p && p.isString()) {
      at = at.named(p.getAsString());
    }
    JsonObject o = object(e, at, CAMPAIGN_FIELDS);
    String id = requiredString(o, "id", at);
    Campaign.Builder b = Campaign.named(id);
    JsonElement triggerElement = field(o, "trigger");
    if (triggerElement == null) {
      throw at.error("\"trigger\" is required; give {\"event\": \"cart_add\"} (or \"*\" for any event)");
    }
    At t = at.field("trigger");
    JsonObject trigger = object(triggerElement, t, TRIGGER_FIELDS);
    String event = requiredString(trigger, "event", t);
    guard(t.field("event"), () -> b.triggeredBy(event));
    JsonElement where = field(trigger, "where");
    if (where != null) {
      for (Condition c : conditions(where, t.field("where"))) {
        b.where(c);
      }
    }
    JsonElement audience = field(o, "audience");
    if (audience != null) {
      for (Condition c : conditions(audience, at.field("audience"))) {
        b.audience(c);
      }
    }
    JsonElement stops = field(o, "stopEvents");
    if (stops != null) {
      JsonArray a = array(stops, at.field("stopEvents"));
      for (int i = 0; i < a.size(); i++) {
        At s = at.field("stopEvents").index(i);
        String name = string(a.get(i), s);
        guard(s, () -> b.cancelledBy(name));
      }
    }
    String correlateBy = optionalString(o, "correlateBy", at);
    if (correlateBy != null) {
      guard(at.field("correlateBy"), () -> b.correlatedBy(correlateBy));
    }
    JsonElement reentry = field(o, "reentry");
    if (reentry != null) {
      b.reentry(enumValue(reentry, at.field("reentry"), Reentry.class));
    }
    JsonElement once = field(o, "once");
    if (once != null) {
      b.once(bool(once, at.field("once")));
    }
    JsonElement cooldown = field(o, "cooldown");
    if (cooldown != null) {
      Duration d = duration(cooldown, at.field("cooldown"));
      guard(at.field("cooldown"), () -> b.cooldown(d));
    }
    JsonElement stepsElement = field(o, "steps");
    if (stepsElement == null) {
      throw at.error("\"steps\" is required; give at least one {\"delay\": \"PT2H\", \"message\": {...}}");
    }
    JsonArray steps = array(stepsElement, at.field("steps"));
    if (steps.isEmpty()) {
      throw at.field("steps").error("no steps; give at least one {\"delay\": \"PT2H\", \"message\": {...}}");
    }
    for (int i = 0; i < steps.size(); i++) {
      Step step = step(steps.get(i), at.field("steps").index(i));
      b.step(step.delay(), step.message());
    }
    JsonElement policy = field(o, "policy");
    if (policy != null) {
      b.policy(policy(policy, at.field("policy")));
    }
    JsonElement goal = field(o, "goal");
    if (goal != null) {
      At g = at.field("goal");
      JsonObject go = object(goal, g, GOAL_FIELDS);
      String goalEvent = requiredString(go, "event", g);
      Duration within = requiredDuration(go, "within", g);
      guard(g, () -> b.goal(goalEvent, within));
    }
    Campaign[] built = new Campaign[1];
    guard(at, () -> built[0] = b.build());
    return built[0];
  }

  private static Step step(JsonElement e, At at) {
    JsonObject o = object(e, at, STEP_FIELDS);
    JsonElement delayElement = field(o, "delay");
    Duration delay = delayElement == null ? Duration.ZERO : duration(delayElement, at.field("delay"));
    JsonElement message = field(o, "message");
    if (message == null) {
      throw at.error("\"message\" is required; give {\"title\": \"...\", \"body\": \"...\"}");
    }
    Message m = message(message, at.field("message"), false);
    Step[] step = new Step[1];
    guard(at, () -> step[0] = new Step(delay, m));
    return step[0];
  }

  private static Message message(JsonElement e, At at, boolean variant) {
    JsonObject o = object(e, at, variant ? VARIANT_FIELDS : MESSAGE_FIELDS);
    JsonElement dataOnlyField = variant ? null : field(o, "dataOnly");
    boolean dataOnly = dataOnlyField != null && bool(dataOnlyField, at.field("dataOnly"));
    Message.Builder b = dataOnly ? Message.dataOnly() : Message.builder();
    String title = variant || dataOnly ? optionalString(o, "title", at) : requiredString(o, "title", at);
    String body = variant || dataOnly ? optionalString(o, "body", at) : requiredString(o, "body", at);
    b.title(title).body(body);
    b.subtitle(optionalString(o, "subtitle", at));
    String category = optionalString(o, "category", at);
    guard(at.field("category"), () -> b.category(category));
    String threadId = optionalString(o, "threadId", at);
    guard(at.field("threadId"), () -> b.threadId(threadId));
    String channel = optionalString(o, "channel", at);
    guard(at.field("channel"), () -> b.channel(channel));
    JsonElement level = field(o, "interruptionLevel");
    if (level != null) {
      b.interruptionLevel(enumValue(level, at.field("interruptionLevel"), InterruptionLevel.class));
    }
    String deepLink = optionalString(o, "deepLink", at);
    if (deepLink != null) {
      b.deepLink(deepLink);
    }
    String image = optionalString(o, "image", at);
    if (image != null) {
      b.image(image);
    }
    JsonElement data = field(o, "data");
    if (data != null) {
      At d = at.field("data");
      JsonObject dataObject = object(data, d, null);
      for (Map.Entry<String, JsonElement> entry : dataObject.entrySet()) {
        At k = d.field(entry.getKey());
        String value = string(entry.getValue(), k);
        guard(k, () -> b.data(entry.getKey(), value));
      }
    }
    String sound = optionalString(o, "sound", at);
    if (sound != null) {
      b.sound(sound);
    }
    JsonElement badge = field(o, "badge");
    if (badge != null) {
      int n = integer(badge, at.field("badge"));
      guard(at.field("badge"), () -> b.badge(n));
    }
    String collapseKey = optionalString(o, "collapseKey", at);
    if (collapseKey != null) {
      guard(at.field("collapseKey"), () -> b.collapseKey(collapseKey));
    }
    JsonElement ttl = field(o, "ttl");
    if (ttl != null) {
      Duration d = duration(ttl, at.field("ttl"));
      guard(at.field("ttl"), () -> b.ttl(d));
    }
    JsonElement priority = field(o, "priority");
    if (priority != null) {
      b.priority(enumValue(priority, at.field("priority"), Priority.class));
    }
    JsonElement locales = field(o, "locales");
    if (locales != null) {
      At l = at.field("locales");
      for (Map.Entry<String, JsonElement> entry : object(locales, l, null).entrySet()) {
        At tag = l.field(entry.getKey());
        Message v = message(entry.getValue(), tag, true);
        guard(tag, () -> b.locale(entry.getKey(), v));
      }
    }
    Message[] built = new Message[1];
    guard(at, () -> built[0] = b.build());
    return built[0];
  }

  private static DeliveryPolicy policy(JsonElement e, At at) {
    JsonObject o = object(e, at, POLICY_FIELDS);
    DeliveryPolicy.Builder b = DeliveryPolicy.builder();
    JsonElement quiet = field(o, "quietHours");
    if (quiet != null) {
      At q = at.field("quietHours");
      JsonObject qo = object(quiet, q, QUIET_FIELDS);
      LocalTime start = requiredTime(qo, "start", q);
      LocalTime end = requiredTime(qo, "end", q);
      QuietHours[] window = new QuietHours[1];
      guard(q, () -> window[0] = new QuietHours(start, end));
      b.quietHours(window[0]);
    }
    JsonElement cap = field(o, "frequencyCap");
    if (cap != null) {
      FrequencyCap c = cap(cap, at.field("frequencyCap"));
      b.frequencyCap(c.max(), c.per());
    }
    JsonElement expire = field(o, "expireAfter");
    if (expire != null) {
      Duration d = duration(expire, at.field("expireAfter"));
      guard(at.field("expireAfter"), () -> b.expireAfter(d));
    }
    return b.build();
  }

  private static FrequencyCap cap(JsonElement e, At at) {
    JsonObject o = object(e, at, CAP_FIELDS);
    JsonElement maxElement = field(o, "max");
    if (maxElement == null) {
      throw at.error("\"max\" is required; give the most sends allowed in the window, e.g. 2");
    }
    int max = integer(maxElement, at.field("max"));
    Duration per = requiredDuration(o, "per", at);
    FrequencyCap[] cap = new FrequencyCap[1];
    guard(at, () -> cap[0] = new FrequencyCap(max, per));
    return cap[0];
  }

  /** {@code {"total": {"gte": 50}, "channel": "app"}}, or a list of such objects. */
  private static List<Condition> conditions(JsonElement e, At at) {
    List<Condition> out = new ArrayList<>();
    if (e.isJsonArray()) {
      JsonArray groups = e.getAsJsonArray();
      for (int i = 0; i < groups.size(); i++) {
        out.addAll(conditionObject(groups.get(i), at.index(i)));
      }
      return out;
    }
    return conditionObject(e, at);
  }

  private static List<Condition> conditionObject(JsonElement e, At at) {
    List<Condition> out = new ArrayList<>();
    for (Map.Entry<String, JsonElement> entry : object(e, at, null).entrySet()) {
      String field = entry.getKey();
      At f = at.field(field);
      JsonElement spec = entry.getValue();
      if (spec.isJsonObject()) {
        JsonObject ops = spec.getAsJsonObject();
        if (ops.isEmpty()) {
          throw f.error("no operator; give a value to compare with, or {\"gte\": 50}-style operators ("
              + operatorNames() + ")");
        }
        for (Map.Entry<String, JsonElement> op : ops.entrySet()) {
          At o = f.field(op.getKey());
          Condition.Operator operator = operator(op.getKey(), o);
          Object operand = operand(op.getValue(), o, operator);
          guard(o, () -> out.add(Condition.of(field, operator, operand)));
        }
      } else if (spec.isJsonArray()) {
        throw f.error("a bare list is ambiguous; write {\"in\": " + describe(spec) + "} for one of several values");
      } else {
        Object operand = scalar(spec, f);
        guard(f, () -> out.add(Condition.eq(field, operand)));
      }
    }
    return out;
  }

  private static Condition.Operator operator(String name, At at) {
    for (Condition.Operator op : Condition.Operator.values()) {
      if (op.name().toLowerCase(Locale.ROOT).equals(name)) {
        return op;
      }
    }
    throw at.error("unknown operator \"" + name + "\"; expected one of " + operatorNames()
        + suggestion(name, operatorSet()));
  }

  private static Object operand(JsonElement e, At at, Condition.Operator op) {
    if (op == Condition.Operator.IN) {
      if (!e.isJsonArray()) {
        throw at.error("\"in\" needs a list of values, e.g. [\"IR\", \"TR\"], was " + describe(e));
      }
      List<Object> values = new ArrayList<>();
      JsonArray a = e.getAsJsonArray();
      for (int i = 0; i < a.size(); i++) {
        values.add(scalar(a.get(i), at.index(i)));
      }
      return values;
    }
    if (op == Condition.Operator.EXISTS) {
      if (!(e instanceof JsonPrimitive p && p.isBoolean())) {
        throw at.error("\"exists\" needs true or false, was " + describe(e));
      }
      return p.getAsBoolean();
    }
    return scalar(e, at);
  }

  private static Object scalar(JsonElement e, At at) {
    if (e instanceof JsonPrimitive p) {
      if (p.isString()) {
        return p.getAsString();
      }
      if (p.isBoolean()) {
        return p.getAsBoolean();
      }
      return p.getAsNumber(); // Long or Double, as parsed
    }
    throw at.error("expected a string, number or boolean, was " + describe(e));
  }

  // ------------------------------------------------------------------ typed fields

  private static JsonElement field(JsonObject o, String name) {
    JsonElement e = o.get(name);
    return e == null || e.isJsonNull() ? null : e;
  }

  private static JsonObject object(JsonElement e, At at, Set<String> allowed) {
    if (!e.isJsonObject()) {
      throw at.error("expected an object {...}, was " + describe(e));
    }
    JsonObject o = e.getAsJsonObject();
    if (allowed != null) {
      for (String key : o.keySet()) {
        if (!allowed.contains(key)) {
          throw at.field(key).error("unknown field \"" + key + "\"; expected one of "
              + String.join(", ", allowed) + suggestion(key, allowed));
        }
      }
    }
    return o;
  }

  private static JsonArray array(JsonElement e, At at) {
    if (!e.isJsonArray()) {
      throw at.error("expected a list [...], was " + describe(e));
    }
    return e.getAsJsonArray();
  }

  private static String string(JsonElement e, At at) {
    if (e instanceof JsonPrimitive p && p.isString()) {
      return p.getAsString();
    }
    throw at.error("expected a string, was " + describe(e));
  }

  private static String optionalString(JsonObject o, String name, At at) {
    JsonElement e = field(o, name);
    return e == null ? null : string(e, at.field(name));
  }

  private static String requiredString(JsonObject o, String name, At at) {
    JsonElement e = field(o, name);
    if (e == null) {
      throw at.error("\"" + name + "\" is required");
    }
    return string(e, at.field(name));
  }

  private static boolean bool(JsonElement e, At at) {
    if (e instanceof JsonPrimitive p && p.isBoolean()) {
      return p.getAsBoolean();
    }
    throw at.error("expected true or false, was " + describe(e));
  }

  private static int integer(JsonElement e, At at) {
    if (e instanceof JsonPrimitive p && p.isNumber() && p.getAsNumber() instanceof Long n
        && n >= Integer.MIN_VALUE && n <= Integer.MAX_VALUE) {
      return n.intValue();
    }
    throw at.error("expected a whole number, was " + describe(e));
  }

  private static Duration duration(JsonElement e, At at) {
    if (!(e instanceof JsonPrimitive p && p.isString())) {
      throw at.error("expected an ISO-8601 duration string such as \"PT2H\" or \"P7D\", was " + describe(e));
    }
    try {
      return Checks.duration(at.name(), p.getAsString());
    } catch (IllegalArgumentException x) {
      throw at.error(x.getMessage(), x);
    }
  }

  private static Duration requiredDuration(JsonObject o, String name, At at) {
    JsonElement e = field(o, name);
    if (e == null) {
      throw at.error("\"" + name + "\" is required; give an ISO-8601 duration such as \"P1D\"");
    }
    return duration(e, at.field(name));
  }

  private static LocalTime requiredTime(JsonObject o, String name, At at) {
    JsonElement e = field(o, name);
    if (e == null) {
      throw at.error("\"" + name + "\" is required; give a time of day such as \"22:00\"");
    }
    At f = at.field(name);
    if (!(e instanceof JsonPrimitive p && p.isString())) {
      throw f.error("expected a time of day string such as \"22:00\", was " + describe(e));
    }
    try {
      return Checks.timeOfDay("quietHours " + name, p.getAsString());
    } catch (IllegalArgumentException x) {
      throw f.error(x.getMessage(), x);
    }
  }

  private static <E extends Enum<E>> E enumValue(JsonElement e, At at, Class<E> type) {
    E[] values = type.getEnumConstants();
    List<String> names = new ArrayList<>();
    for (E v : values) {
      names.add(v.name());
    }
    if (e instanceof JsonPrimitive p && p.isString()) {
      for (E v : values) {
        if (v.name().equalsIgnoreCase(p.getAsString())) {
          return v;
        }
      }
    }
    throw at.error(describe(e) + " is not one of " + String.join(", ", names));
  }

  /** Runs a builder call, turning its {@link IllegalArgumentException} into one with the path. */
  private static void guard(At at, Runnable call) {
    try {
      call.run();
    } catch (IllegalArgumentException e) {
      throw at.error(e.getMessage(), e);
    }
  }

  // ------------------------------------------------------------------ parsing

  /**
   * Parses strictly into a tree: numbers become {@code Long} when whole (and in range) and
   * {@code Double} otherwise, and a field given twice in one object is an error (the second
   * would otherwise silently win).
   */
  private static JsonElement parse(Reader json) {
    JsonReader in = new JsonReader(json);
    in.setStrictness(Strictness.STRICT);
    try {
      JsonElement root = read(in);
      if (in.peek() != JsonToken.END_DOCUMENT) {
        throw new IllegalArgumentException("not valid JSON: text after the end of the document at "
            + jsonPath(in.getPath()));
      }
      return root;
    } catch (NumberFormatException | IllegalStateException e) {
      throw new IllegalArgumentException("not valid JSON: " + firstLine(e.getMessage()), e);
    } catch (com.google.gson.stream.MalformedJsonException | java.io.EOFException e) {
      throw new IllegalArgumentException("not valid JSON: " + firstLine(e.getMessage()), e);
    } catch (IOException e) {
      throw new UncheckedIOException("reading campaigns failed", e);
    }
  }

  private static JsonElement read(JsonReader in) throws IOException {
    switch (in.peek()) {
      case BEGIN_OBJECT -> {
        JsonObject o = new JsonObject();
        in.beginObject();
        while (in.hasNext()) {
          String name = in.nextName();
          if (o.has(name)) {
            throw new IllegalArgumentException("at " + jsonPath(in.getPath()) + ": field \"" + name
                + "\" is given twice; give it once");
          }
          o.add(name, read(in));
        }
        in.endObject();
        return o;
      }
      case BEGIN_ARRAY -> {
        JsonArray a = new JsonArray();
        in.beginArray();
        while (in.hasNext()) {
          a.add(read(in));
        }
        in.endArray();
        return a;
      }
      case STRING -> {
        return new JsonPrimitive(in.nextString());
      }
      case NUMBER -> {
        return new JsonPrimitive(JsonNumbers.of(in.nextString()));
      }
      case BOOLEAN -> {
        return new JsonPrimitive(in.nextBoolean());
      }
      case NULL -> {
        in.nextNull();
        return JsonNull.INSTANCE;
      }
      default -> throw new IllegalArgumentException("not valid JSON: unexpected " + in.peek() + " at "
          + jsonPath(in.getPath()));
    }
  }

  /** Gson's message without its trailing link to the troubleshooting guide. */
  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }

  private static String jsonPath(String gsonPath) {
    String p = gsonPath.startsWith("$.") ? gsonPath.substring(2) : gsonPath.substring(1);
    return p.isEmpty() ? "$" : p;
  }

  // ================================================================== writing

  /** Writes a campaigns file, pretty-printed; {@link #fromJson(String)} reads it back equal. */
  public static String toJson(CampaignSet set) {
    if (set == null) {
      throw new IllegalArgumentException("campaign set is required");
    }
    JsonObject file = new JsonObject();
    if (set.globalFrequencyCap() != null) {
      JsonObject settings = new JsonObject();
      settings.add("globalFrequencyCap", capJson(set.globalFrequencyCap()));
      file.add("settings", settings);
    }
    JsonArray campaigns = new JsonArray();
    for (Campaign c : set.campaigns()) {
      campaigns.add(campaignJson(c));
    }
    file.add("campaigns", campaigns);
    return pretty(file);
  }

  /** Writes one campaign object, pretty-printed; {@link #campaignFromJson} reads it back equal. */
  public static String toJson(Campaign campaign) {
    if (campaign == null) {
      throw new IllegalArgumentException("campaign is required");
    }
    return pretty(campaignJson(campaign));
  }

  private static String pretty(JsonElement e) {
    return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(e);
  }

  private static JsonObject campaignJson(Campaign c) {
    JsonObject o = new JsonObject();
    o.addProperty("id", c.id());
    JsonObject trigger = new JsonObject();
    trigger.addProperty("event", c.trigger());
    if (!c.where().isEmpty()) {
      trigger.add("where", conditionsJson(c.where()));
    }
    o.add("trigger", trigger);
    if (!c.audience().isEmpty()) {
      o.add("audience", conditionsJson(c.audience()));
    }
    if (!c.stopEvents().isEmpty()) {
      JsonArray stops = new JsonArray();
      c.stopEvents().forEach(stops::add);
      o.add("stopEvents", stops);
    }
    c.correlateBy().ifPresent(p -> o.addProperty("correlateBy", p));
    if (c.reentry() != Reentry.RESTART) {
      o.addProperty("reentry", c.reentry().name());
    }
    if (c.once()) {
      o.addProperty("once", true);
    }
    c.cooldown().ifPresent(d -> o.addProperty("cooldown", d.toString()));
    JsonArray steps = new JsonArray();
    for (Step s : c.steps()) {
      JsonObject step = new JsonObject();
      step.addProperty("delay", s.delay().toString());
      step.add("message", messageJson(s.message(), false));
      steps.add(step);
    }
    o.add("steps", steps);
    DeliveryPolicy p = c.policy();
    if (!p.equals(DeliveryPolicy.NONE)) {
      JsonObject policy = new JsonObject();
      p.quietHours().ifPresent(q -> {
        JsonObject quiet = new JsonObject();
        quiet.addProperty("start", q.start().toString());
        quiet.addProperty("end", q.end().toString());
        policy.add("quietHours", quiet);
      });
      p.frequencyCap().ifPresent(cap -> policy.add("frequencyCap", capJson(cap)));
      p.expireAfter().ifPresent(d -> policy.addProperty("expireAfter", d.toString()));
      o.add("policy", policy);
    }
    c.goal().ifPresent(g -> {
      JsonObject goal = new JsonObject();
      goal.addProperty("event", g.event());
      goal.addProperty("within", g.within().toString());
      o.add("goal", goal);
    });
    return o;
  }

  private static JsonObject capJson(FrequencyCap cap) {
    JsonObject o = new JsonObject();
    o.addProperty("max", cap.max());
    o.addProperty("per", cap.per().toString());
    return o;
  }

  /**
   * Conditions in their shortest faithful form: one object grouping each field's operators, or,
   * when that would reorder them or repeat an operator of a field, a list of such objects.
   */
  private static JsonElement conditionsJson(List<Condition> conditions) {
    List<List<Condition>> groups = new ArrayList<>();
    for (Condition c : conditions) {
      List<Condition> last = groups.isEmpty() ? null : groups.get(groups.size() - 1);
      if (last != null && last.get(0).field().equals(c.field())
          && last.stream().noneMatch(x -> x.operator() == c.operator())) {
        last.add(c);
      } else {
        List<Condition> group = new ArrayList<>();
        group.add(c);
        groups.add(group);
      }
    }
    Set<String> fields = new LinkedHashSet<>();
    boolean oneObject = true;
    for (List<Condition> g : groups) {
      oneObject &= fields.add(g.get(0).field());
    }
    if (oneObject) {
      JsonObject o = new JsonObject();
      groups.forEach(g -> o.add(g.get(0).field(), groupJson(g)));
      return o;
    }
    JsonArray list = new JsonArray();
    for (List<Condition> g : groups) {
      JsonObject o = new JsonObject();
      o.add(g.get(0).field(), groupJson(g));
      list.add(o);
    }
    return list;
  }

  private static JsonElement groupJson(List<Condition> group) {
    if (group.size() == 1 && group.get(0).operator() == Condition.Operator.EQ) {
      return operandJson(group.get(0).operand());
    }
    JsonObject ops = new JsonObject();
    for (Condition c : group) {
      ops.add(c.operator().name().toLowerCase(Locale.ROOT), operandJson(c.operand()));
    }
    return ops;
  }

  private static JsonElement operandJson(Object v) {
    if (v instanceof List<?> list) {
      JsonArray a = new JsonArray();
      list.forEach(item -> a.add(operandJson(item)));
      return a;
    }
    if (v instanceof String s) {
      return new JsonPrimitive(s);
    }
    if (v instanceof Boolean b) {
      return new JsonPrimitive(b);
    }
    return new JsonPrimitive((Number) v);
  }

  private static JsonObject messageJson(Message m, boolean variant) {
    JsonObject o = new JsonObject();
    if (m.isDataOnly() && !variant) {
      o.addProperty("dataOnly", true);
    }
    if (m.title() != null) {
      o.addProperty("title", m.title());
    }
    m.subtitle().ifPresent(v -> o.addProperty("subtitle", v));
    if (m.body() != null) {
      o.addProperty("body", m.body());
    }
    m.deepLink().ifPresent(v -> o.addProperty("deepLink", v));
    m.imageUrl().ifPresent(v -> o.addProperty("image", v));
    if (!m.data().isEmpty()) {
      JsonObject data = new JsonObject();
      m.data().forEach(data::addProperty);
      o.add("data", data);
    }
    m.sound().ifPresent(v -> o.addProperty("sound", v));
    m.badge().ifPresent(v -> o.addProperty("badge", v));
    m.collapseKey().ifPresent(v -> o.addProperty("collapseKey", v));
    m.ttl().ifPresent(v -> o.addProperty("ttl", v.toString()));
    m.category().ifPresent(v -> o.addProperty("category", v));
    m.threadId().ifPresent(v -> o.addProperty("threadId", v));
    m.channel().ifPresent(v -> o.addProperty("channel", v));
    m.interruptionLevel().ifPresent(v -> o.addProperty("interruptionLevel", v.name()));
    if (!m.locales().isEmpty()) {
      JsonObject locales = new JsonObject();
      m.locales().forEach((tag, v) -> locales.add(tag, messageJson(v, true)));
      o.add("locales", locales);
    }
    // Message reads an unset priority as HIGH, yet an explicit HIGH differs from an unset one (a
    // variant's unset priority falls back to the default message's). Write HIGH only when
    // leaving it out would read back as a different message.
    if (m.priority() != Priority.HIGH || !message(o, At.ROOT, variant).equals(m)) {
      o.addProperty("priority", m.priority().name());
    }
    return o;
  }

  // ------------------------------------------------------------------ errors

  private static String describe(JsonElement e) {
    String text = e.toString();
    return text.length() > 60 ? text.substring(0, 57) + "..." : text;
  }

  private static String operatorNames() {
    return String.join(", ", operatorSet());
  }

  private static Set<String> operatorSet() {
    Set<String> names = new LinkedHashSet<>();
    for (Condition.Operator op : Condition.Operator.values()) {
      names.add(op.name().toLowerCase(Locale.ROOT));
    }
    return names;
  }

  /** {@code "; did you mean \"delay\"?"} for a near miss, else nothing. */
  private static String suggestion(String given, Set<String> known) {
    String best = null;
    int bestDistance = 3;
    for (String k : known) {
      int d = distance(given.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        bestDistance = d;
        best = k;
      }
    }
    return best == null ? "" : "; did you mean \"" + best + "\"?";
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  private static Set<String> fields(String... names) {
    return new LinkedHashSet<>(List.of(names));
  }

  /** Where in the document a value is, and which campaign it belongs to. */
  private record At(String campaign, String path) {
    static final At ROOT = new At(null, "");

    At named(String id) {
      return new At(id, path);
    }

    At field(String name) {
      return new At(campaign, path.isEmpty() ? name : path + "." + name);
    }

    At index(int i) {
      return new At(campaign, path + "[" + i + "]");
    }

    /** The last field name of the path, e.g. {@code delay} of {@code campaigns[0].steps[1].delay}. */
    String name() {
      return path.substring(path.lastIndexOf('.') + 1);
    }

    IllegalArgumentException error(String problem) {
      return error(problem, null);
    }

    IllegalArgumentException error(String problem, Throwable cause) {
      String where = (campaign == null ? "" : "campaign '" + campaign + "' ") + "at "
          + (path.isEmpty() ? "$" : path) + ": ";
      return new IllegalArgumentException(where + problem, cause);
    }
  }
}
