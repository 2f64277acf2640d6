package dev.nudge.json;

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
import dev.nudge.internal.Json;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
  private static final Set<String> SETTINGS_FIELDS = fields("globalFrequencyCap", "requiredCategories");
  private static final Set<String> CAMPAIGN_FIELDS = fields("id", "trigger", "audience", "stopEvents",
      "correlateBy", "reentry", "once", "cooldown", "steps", "policy", "goal", "category");
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
    Object root = Json.read(json);
    At at = At.ROOT;
    Map<String, Object> file = object(root, at, FILE_FIELDS);
    FrequencyCap global = null;
    Set<String> requiredCategories = new java.util.TreeSet<>();
    Object settings = field(file, "settings");
    if (settings != null) {
      At s = at.field("settings");
      Map<String, Object> o = object(settings, s, SETTINGS_FIELDS);
      Object cap = field(o, "globalFrequencyCap");
      if (cap != null) {
        global = cap(cap, s.field("globalFrequencyCap"));
      }
      Object required = field(o, "requiredCategories");
      if (required != null) {
        List<Object> a = array(required, s.field("requiredCategories"));
        for (int i = 0; i < a.size(); i++) {
          At r = s.field("requiredCategories").index(i);
          String category = string(a.get(i), r);
          guard(r, () -> Campaign.checkCategory("category", category));
          requiredCategories.add(category);
        }
      }
    }
    Object list = field(file, "campaigns");
    if (list == null) {
      throw at.error("\"campaigns\" is required; give a list of campaigns (it may be empty)");
    }
    List<Object> array = array(list, at.field("campaigns"));
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
    return new CampaignSet(campaigns, global, requiredCategories);
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
    return campaign(Json.read(requireJson(json)), At.ROOT);
  }

  private static String requireJson(String json) {
    if (json == null) {
      throw new IllegalArgumentException("json is required; pass the text of a campaigns file");
    }
    return json;
  }

  private static Campaign campaign(Object e, At at) {
    // Name the campaign in every error, as soon as its id is known.
    if (e instanceof Map<?, ?> o && o.get("id") instanceof String id) {
      at = at.named(id);
    }
    Map<String, Object> o = object(e, at, CAMPAIGN_FIELDS);
    String id = requiredString(o, "id", at);
    Campaign.Builder b = Campaign.named(id);
    Object triggerElement = field(o, "trigger");
    if (triggerElement == null) {
      throw at.error("\"trigger\" is required; give {\"event\": \"cart_add\"} (or \"*\" for any event)");
    }
    At t = at.field("trigger");
    Map<String, Object> trigger = object(triggerElement, t, TRIGGER_FIELDS);
    String event = requiredString(trigger, "event", t);
    guard(t.field("event"), () -> b.triggeredBy(event));
    Object where = field(trigger, "where");
    if (where != null) {
      for (Condition c : conditions(where, t.field("where"))) {
        b.where(c);
      }
    }
    Object audience = field(o, "audience");
    if (audience != null) {
      for (Condition c : conditions(audience, at.field("audience"))) {
        b.audience(c);
      }
    }
    Object stops = field(o, "stopEvents");
    if (stops != null) {
      List<Object> a = array(stops, at.field("stopEvents"));
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
    String category = optionalString(o, "category", at);
    if (category != null) {
      guard(at.field("category"), () -> b.category(category));
    }
    Object reentry = field(o, "reentry");
    if (reentry != null) {
      b.reentry(enumValue(reentry, at.field("reentry"), Reentry.class));
    }
    Object once = field(o, "once");
    if (once != null) {
      b.once(bool(once, at.field("once")));
    }
    Object cooldown = field(o, "cooldown");
    if (cooldown != null) {
      Duration d = duration(cooldown, at.field("cooldown"));
      guard(at.field("cooldown"), () -> b.cooldown(d));
    }
    Object stepsElement = field(o, "steps");
    if (stepsElement == null) {
      throw at.error("\"steps\" is required; give at least one {\"delay\": \"PT2H\", \"message\": {...}}");
    }
    List<Object> steps = array(stepsElement, at.field("steps"));
    if (steps.isEmpty()) {
      throw at.field("steps").error("no steps; give at least one {\"delay\": \"PT2H\", \"message\": {...}}");
    }
    for (int i = 0; i < steps.size(); i++) {
      Step step = step(steps.get(i), at.field("steps").index(i));
      b.step(step.delay(), step.message());
    }
    Object policy = field(o, "policy");
    if (policy != null) {
      b.policy(policy(policy, at.field("policy")));
    }
    Object goal = field(o, "goal");
    if (goal != null) {
      At g = at.field("goal");
      Map<String, Object> go = object(goal, g, GOAL_FIELDS);
      String goalEvent = requiredString(go, "event", g);
      Duration within = requiredDuration(go, "within", g);
      guard(g, () -> b.goal(goalEvent, within));
    }
    Campaign[] built = new Campaign[1];
    guard(at, () -> built[0] = b.build());
    return built[0];
  }

  private static Step step(Object e, At at) {
    Map<String, Object> o = object(e, at, STEP_FIELDS);
    Object delayElement = field(o, "delay");
    Duration delay = delayElement == null ? Duration.ZERO : duration(delayElement, at.field("delay"));
    Object message = field(o, "message");
    if (message == null) {
      throw at.error("\"message\" is required; give {\"title\": \"...\", \"body\": \"...\"}");
    }
    Message m = message(message, at.field("message"), false);
    Step[] step = new Step[1];
    guard(at, () -> step[0] = new Step(delay, m));
    return step[0];
  }

  private static Message message(Object e, At at, boolean variant) {
    Map<String, Object> o = object(e, at, variant ? VARIANT_FIELDS : MESSAGE_FIELDS);
    Object dataOnlyField = variant ? null : field(o, "dataOnly");
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
    Object level = field(o, "interruptionLevel");
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
    Object data = field(o, "data");
    if (data != null) {
      At d = at.field("data");
      Map<String, Object> dataObject = object(data, d, null);
      for (Map.Entry<String, Object> entry : dataObject.entrySet()) {
        At k = d.field(entry.getKey());
        String value = string(entry.getValue(), k);
        guard(k, () -> b.data(entry.getKey(), value));
      }
    }
    String sound = optionalString(o, "sound", at);
    if (sound != null) {
      b.sound(sound);
    }
    Object badge = field(o, "badge");
    if (badge != null) {
      int n = integer(badge, at.field("badge"));
      guard(at.field("badge"), () -> b.badge(n));
    }
    String collapseKey = optionalString(o, "collapseKey", at);
    if (collapseKey != null) {
      guard(at.field("collapseKey"), () -> b.collapseKey(collapseKey));
    }
    Object ttl = field(o, "ttl");
    if (ttl != null) {
      Duration d = duration(ttl, at.field("ttl"));
      guard(at.field("ttl"), () -> b.ttl(d));
    }
    Object priority = field(o, "priority");
    if (priority != null) {
      b.priority(enumValue(priority, at.field("priority"), Priority.class));
    }
    Object locales = field(o, "locales");
    if (locales != null) {
      At l = at.field("locales");
      for (Map.Entry<String, Object> entry : object(locales, l, null).entrySet()) {
        At tag = l.field(entry.getKey());
        Message v = message(entry.getValue(), tag, true);
        guard(tag, () -> b.locale(entry.getKey(), v));
      }
    }
    Message[] built = new Message[1];
    guard(at, () -> built[0] = b.build());
    return built[0];
  }

  private static DeliveryPolicy policy(Object e, At at) {
    Map<String, Object> o = object(e, at, POLICY_FIELDS);
    DeliveryPolicy.Builder b = DeliveryPolicy.builder();
    Object quiet = field(o, "quietHours");
    if (quiet != null) {
      At q = at.field("quietHours");
      Map<String, Object> qo = object(quiet, q, QUIET_FIELDS);
      LocalTime start = requiredTime(qo, "start", q);
      LocalTime end = requiredTime(qo, "end", q);
      QuietHours[] window = new QuietHours[1];
      guard(q, () -> window[0] = new QuietHours(start, end));
      b.quietHours(window[0]);
    }
    Object cap = field(o, "frequencyCap");
    if (cap != null) {
      FrequencyCap c = cap(cap, at.field("frequencyCap"));
      b.frequencyCap(c.max(), c.per());
    }
    Object expire = field(o, "expireAfter");
    if (expire != null) {
      Duration d = duration(expire, at.field("expireAfter"));
      guard(at.field("expireAfter"), () -> b.expireAfter(d));
    }
    return b.build();
  }

  private static FrequencyCap cap(Object e, At at) {
    Map<String, Object> o = object(e, at, CAP_FIELDS);
    Object maxElement = field(o, "max");
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
  private static List<Condition> conditions(Object e, At at) {
    List<Condition> out = new ArrayList<>();
    if (e instanceof List<?> groups) {
      for (int i = 0; i < groups.size(); i++) {
        out.addAll(conditionObject(groups.get(i), at.index(i)));
      }
      return out;
    }
    return conditionObject(e, at);
  }

  private static List<Condition> conditionObject(Object e, At at) {
    List<Condition> out = new ArrayList<>();
    for (Map.Entry<String, Object> entry : object(e, at, null).entrySet()) {
      String field = entry.getKey();
      At f = at.field(field);
      Object spec = entry.getValue();
      if (spec instanceof Map<?, ?> ops) {
        if (ops.isEmpty()) {
          throw f.error("no operator; give a value to compare with, or {\"gte\": 50}-style operators ("
              + operatorNames() + ")");
        }
        for (Map.Entry<?, ?> op : ops.entrySet()) {
          At o = f.field((String) op.getKey());
          Condition.Operator operator = operator((String) op.getKey(), o);
          Object operand = operand(op.getValue(), o, operator);
          guard(o, () -> out.add(Condition.of(field, operator, operand)));
        }
      } else if (spec instanceof List) {
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

  private static Object operand(Object e, At at, Condition.Operator op) {
    if (op == Condition.Operator.IN) {
      if (!(e instanceof List<?> a)) {
        throw at.error("\"in\" needs a list of values, e.g. [\"IR\", \"TR\"], was " + describe(e));
      }
      List<Object> values = new ArrayList<>();
      for (int i = 0; i < a.size(); i++) {
        values.add(scalar(a.get(i), at.index(i)));
      }
      return values;
    }
    if (op == Condition.Operator.EXISTS) {
      if (!(e instanceof Boolean b)) {
        throw at.error("\"exists\" needs true or false, was " + describe(e));
      }
      return b;
    }
    return scalar(e, at);
  }

  private static Object scalar(Object e, At at) {
    if (e instanceof String || e instanceof Boolean || e instanceof Number) {
      return e; // a number as Json read it: Long, BigInteger or Double
    }
    throw at.error("expected a string, number or boolean, was " + describe(e));
  }

  // ------------------------------------------------------------------ typed fields

  private static Object field(Map<String, Object> o, String name) {
    return o.get(name); // null when absent or JSON null
  }

  private static Map<String, Object> object(Object e, At at, Set<String> allowed) {
    if (!(e instanceof Map<?, ?> map)) {
      throw at.error("expected an object {...}, was " + describe(e));
    }
    @SuppressWarnings("unchecked") // as Json reads it: string keys
    Map<String, Object> o = (Map<String, Object>) map;
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

  private static List<Object> array(Object e, At at) {
    if (!(e instanceof List<?> list)) {
      throw at.error("expected a list [...], was " + describe(e));
    }
    @SuppressWarnings("unchecked")
    List<Object> items = (List<Object>) list;
    return items;
  }

  private static String string(Object e, At at) {
    if (e instanceof String s) {
      return s;
    }
    throw at.error("expected a string, was " + describe(e));
  }

  private static String optionalString(Map<String, Object> o, String name, At at) {
    Object e = field(o, name);
    return e == null ? null : string(e, at.field(name));
  }

  private static String requiredString(Map<String, Object> o, String name, At at) {
    Object e = field(o, name);
    if (e == null) {
      throw at.error("\"" + name + "\" is required");
    }
    return string(e, at.field(name));
  }

  private static boolean bool(Object e, At at) {
    if (e instanceof Boolean b) {
      return b;
    }
    throw at.error("expected true or false, was " + describe(e));
  }

  private static int integer(Object e, At at) {
    if (e instanceof Long n && n >= Integer.MIN_VALUE && n <= Integer.MAX_VALUE) {
      return n.intValue();
    }
    throw at.error("expected a whole number, was " + describe(e));
  }

  private static Duration duration(Object e, At at) {
    if (!(e instanceof String text)) {
      throw at.error("expected an ISO-8601 duration string such as \"PT2H\" or \"P7D\", was " + describe(e));
    }
    try {
      return Checks.duration(at.name(), text);
    } catch (IllegalArgumentException x) {
      throw at.error(x.getMessage(), x);
    }
  }

  private static Duration requiredDuration(Map<String, Object> o, String name, At at) {
    Object e = field(o, name);
    if (e == null) {
      throw at.error("\"" + name + "\" is required; give an ISO-8601 duration such as \"P1D\"");
    }
    return duration(e, at.field(name));
  }

  private static LocalTime requiredTime(Map<String, Object> o, String name, At at) {
    Object e = field(o, name);
    if (e == null) {
      throw at.error("\"" + name + "\" is required; give a time of day such as \"22:00\"");
    }
    At f = at.field(name);
    if (!(e instanceof String text)) {
      throw f.error("expected a time of day string such as \"22:00\", was " + describe(e));
    }
    try {
      return Checks.timeOfDay("quietHours " + name, text);
    } catch (IllegalArgumentException x) {
      throw f.error(x.getMessage(), x);
    }
  }

  private static <E extends Enum<E>> E enumValue(Object e, At at, Class<E> type) {
    E[] values = type.getEnumConstants();
    List<String> names = new ArrayList<>();
    for (E v : values) {
      names.add(v.name());
    }
    if (e instanceof String text) {
      for (E v : values) {
        if (v.name().equalsIgnoreCase(text)) {
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

  // ================================================================== writing

  /** Writes a campaigns file, pretty-printed; {@link #fromJson(String)} reads it back equal. */
  public static String toJson(CampaignSet set) {
    if (set == null) {
      throw new IllegalArgumentException("campaign set is required");
    }
    Map<String, Object> file = new LinkedHashMap<>();
    Map<String, Object> settings = new LinkedHashMap<>();
    if (set.globalFrequencyCap() != null) {
      settings.put("globalFrequencyCap", capJson(set.globalFrequencyCap()));
    }
    if (!set.requiredCategories().isEmpty()) {
      settings.put("requiredCategories", List.copyOf(set.requiredCategories()));
    }
    if (!settings.isEmpty()) {
      file.put("settings", settings);
    }
    List<Object> campaigns = new ArrayList<>();
    for (Campaign c : set.campaigns()) {
      campaigns.add(campaignJson(c));
    }
    file.put("campaigns", campaigns);
    return Json.writeIndented(file);
  }

  /** Writes one campaign object, pretty-printed; {@link #campaignFromJson} reads it back equal. */
  public static String toJson(Campaign campaign) {
    if (campaign == null) {
      throw new IllegalArgumentException("campaign is required");
    }
    return Json.writeIndented(campaignJson(campaign));
  }

  private static Map<String, Object> campaignJson(Campaign c) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("id", c.id());
    Map<String, Object> trigger = new LinkedHashMap<>();
    trigger.put("event", c.trigger());
    if (!c.where().isEmpty()) {
      trigger.put("where", conditionsJson(c.where()));
    }
    o.put("trigger", trigger);
    if (!c.audience().isEmpty()) {
      o.put("audience", conditionsJson(c.audience()));
    }
    if (!c.stopEvents().isEmpty()) {
      o.put("stopEvents", List.copyOf(c.stopEvents()));
    }
    c.correlateBy().ifPresent(p -> o.put("correlateBy", p));
    if (!c.category().equals(Campaign.DEFAULT_CATEGORY)) {
      o.put("category", c.category());
    }
    if (c.reentry() != Reentry.RESTART) {
      o.put("reentry", c.reentry().name());
    }
    if (c.once()) {
      o.put("once", true);
    }
    c.cooldown().ifPresent(d -> o.put("cooldown", d.toString()));
    List<Object> steps = new ArrayList<>();
    for (Step s : c.steps()) {
      Map<String, Object> step = new LinkedHashMap<>();
      step.put("delay", s.delay().toString());
      step.put("message", messageJson(s.message(), false));
      steps.add(step);
    }
    o.put("steps", steps);
    DeliveryPolicy p = c.policy();
    if (!p.equals(DeliveryPolicy.NONE)) {
      Map<String, Object> policy = new LinkedHashMap<>();
      p.quietHours().ifPresent(q -> {
        Map<String, Object> quiet = new LinkedHashMap<>();
        quiet.put("start", q.start().toString());
        quiet.put("end", q.end().toString());
        policy.put("quietHours", quiet);
      });
      p.frequencyCap().ifPresent(cap -> policy.put("frequencyCap", capJson(cap)));
      p.expireAfter().ifPresent(d -> policy.put("expireAfter", d.toString()));
      o.put("policy", policy);
    }
    c.goal().ifPresent(g -> {
      Map<String, Object> goal = new LinkedHashMap<>();
      goal.put("event", g.event());
      goal.put("within", g.within().toString());
      o.put("goal", goal);
    });
    return o;
  }

  private static Map<String, Object> capJson(FrequencyCap cap) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("max", (long) cap.max()); // a Long, as Json reads a whole number
    o.put("per", cap.per().toString());
    return o;
  }

  /**
   * Conditions in their shortest faithful form: one object grouping each field's operators, or,
   * when that would reorder them or repeat an operator of a field, a list of such objects.
   */
  private static Object conditionsJson(List<Condition> conditions) {
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
      Map<String, Object> o = new LinkedHashMap<>();
      groups.forEach(g -> o.put(g.get(0).field(), groupJson(g)));
      return o;
    }
    List<Object> list = new ArrayList<>();
    for (List<Condition> g : groups) {
      list.add(Map.of(g.get(0).field(), groupJson(g)));
    }
    return list;
  }

  private static Object groupJson(List<Condition> group) {
    if (group.size() == 1 && group.get(0).operator() == Condition.Operator.EQ) {
      return group.get(0).operand();
    }
    Map<String, Object> ops = new LinkedHashMap<>();
    for (Condition c : group) {
      ops.put(c.operator().name().toLowerCase(Locale.ROOT), c.operand()); // strings, booleans, numbers, lists of those
    }
    return ops;
  }

  private static Map<String, Object> messageJson(Message m, boolean variant) {
    Map<String, Object> o = new LinkedHashMap<>();
    if (m.isDataOnly() && !variant) {
      o.put("dataOnly", true);
    }
    if (m.title() != null) {
      o.put("title", m.title());
    }
    m.subtitle().ifPresent(v -> o.put("subtitle", v));
    if (m.body() != null) {
      o.put("body", m.body());
    }
    m.deepLink().ifPresent(v -> o.put("deepLink", v));
    m.imageUrl().ifPresent(v -> o.put("image", v));
    if (!m.data().isEmpty()) {
      o.put("data", new LinkedHashMap<String, Object>(m.data()));
    }
    m.sound().ifPresent(v -> o.put("sound", v));
    m.badge().ifPresent(v -> o.put("badge", (long) v)); // a Long, as Json reads a whole number
    m.collapseKey().ifPresent(v -> o.put("collapseKey", v));
    m.ttl().ifPresent(v -> o.put("ttl", v.toString()));
    m.category().ifPresent(v -> o.put("category", v));
    m.threadId().ifPresent(v -> o.put("threadId", v));
    m.channel().ifPresent(v -> o.put("channel", v));
    m.interruptionLevel().ifPresent(v -> o.put("interruptionLevel", v.name()));
    if (!m.locales().isEmpty()) {
      Map<String, Object> locales = new LinkedHashMap<>();
      m.locales().forEach((tag, v) -> locales.put(tag, messageJson(v, true)));
      o.put("locales", locales);
    }
    // Message reads an unset priority as HIGH, yet an explicit HIGH differs from an unset one (a
    // variant's unset priority falls back to the default message's). Write HIGH only when
    // leaving it out would read back as a different message.
    if (m.priority() != Priority.HIGH || !message(o, At.ROOT, variant).equals(m)) {
      o.put("priority", m.priority().name());
    }
    return o;
  }

  // ------------------------------------------------------------------ errors

  private static String describe(Object e) {
    String text = Json.write(e);
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
