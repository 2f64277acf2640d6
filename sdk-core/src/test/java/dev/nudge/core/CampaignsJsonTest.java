package dev.nudge.core;

import dev.nudge.json.Campaigns;
import static java.time.Duration.ofDays;
import static java.time.Duration.ofHours;
import static java.time.Duration.ofMinutes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nudge.Campaign;
import dev.nudge.CampaignSet;
import dev.nudge.Condition;
import dev.nudge.DeliveryPolicy;
import dev.nudge.FrequencyCap;
import dev.nudge.Message;
import dev.nudge.Priority;
import dev.nudge.QuietHours;
import dev.nudge.Reentry;
import java.io.StringReader;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Campaigns as JSON: every builder feature round-trips, and every mistake names where it is. */
class CampaignsJsonTest {
  /** The campaign of issue 3, verbatim apart from the locale texts. */
  static final String ISSUE_EXAMPLE = """
      {"settings": {"globalFrequencyCap": {"max": 3, "per": "P1D"}},
       "campaigns": [
      {"id": "cart-abandonment",
       "trigger": {"event": "cart_add", "where": {"total": {"gte": 50}, "channel": "app"}},
       "audience": {"country": {"in": ["IR", "TR"]}},
       "stopEvents": ["purchase"], "correlateBy": "cart_id", "reentry": "RESTART",
       "once": false, "cooldown": "P7D",
       "steps": [{"delay": "PT2H", "message": {"title": "Still thinking?",
                   "body": "{{event.item_name}} is waiting in your cart",
                   "locales": {"fa": {"title": "هنوز فکر می‌کنی؟", "body": "{{event.item_name}} در سبد توست"}}}},
                 {"delay": "PT24H", "message": {"title": "Last call", "body": "Still there"}}],
       "policy": {"quietHours": {"start": "22:00", "end": "08:00"},
                  "frequencyCap": {"max": 2, "per": "P1D"}, "expireAfter": "PT12H"},
       "goal": {"event": "purchase", "within": "P1D"}}
      ]}
      """;

  @Test
  void issueExampleReadsAsTheBuilderWouldBuildIt() {
    CampaignSet set = Campaigns.fromJson(new StringReader(ISSUE_EXAMPLE));

    Campaign expected = Campaign.named("cart-abandonment")
        .triggeredBy("cart_add").where(Condition.gte("total", 50), Condition.eq("channel", "app"))
        .audience(Condition.in("country", List.of("IR", "TR")))
        .cancelledBy("purchase").correlatedBy("cart_id").reentry(Reentry.RESTART).cooldown(ofDays(7))
        .after(ofHours(2)).send(Message.of("Still thinking?", "{{event.item_name}} is waiting in your cart")
            .locale("fa", Message.builder().title("هنوز فکر می‌کنی؟").body("{{event.item_name}} در سبد توست").build())
            .build())
        .after(ofHours(24)).send(Message.of("Last call", "Still there").build())
        .policy(DeliveryPolicy.builder().quietHours(QuietHours.between("22:00", "08:00"))
            .frequencyCap(2, ofDays(1)).expireAfter(ofHours(12)).build())
        .goal("purchase", ofDays(1))
        .build();
    assertThat(set.campaigns()).containsExactly(expected);
    assertThat(set.globalFrequencyCap()).isEqualTo(new FrequencyCap(3, ofDays(1)));
    assertThat(set.campaigns().get(0).where().get(0).operand()).isEqualTo(50L);
  }

  @Test
  void everyBuilderFeatureRoundTrips() {
    Message fullMessage = Message.of("Hi {{user.first_name | default: \"there\"}}", "{{event.items | join: \", \"}}")
        .deepLink("shop://cart/{{event.cart_id}}").image("https://cdn.example/cart.png")
        .data("cart_id", "{{event.cart_id}}").data("kind", "reminder")
        .sound("chime.caf").badge(3).collapseKey("cart").ttl(ofHours(6)).priority(Priority.NORMAL)
        .subtitle("{{event.item_name}}").category("CART").threadId("carts").channel("reminders")
        .interruptionLevel(dev.nudge.InterruptionLevel.TIME_SENSITIVE)
        .locale("fa", Message.builder().title("سلام").build())
        .locale("fa-IR", Message.builder().body("سبد <شما>").priority(Priority.HIGH).data("kind", "یادآوری").build())
        .build();
    Campaign everything = Campaign.named("everything").category("reminders").triggeredBy("cart_add")
        .where(Condition.eq("channel", "app"), Condition.eq("count", 3), Condition.eq("ratio", 0.5),
            Condition.eq("gift", true), Condition.ne("coupon", "NONE"), Condition.gt("total", 10),
            Condition.gte("total", 50.5), Condition.lt("total", 1000), Condition.lte("items", 20L),
            Condition.in("country", List.of("IR", 7L, 2.5, false)), Condition.exists("cart_id", true),
            Condition.exists("test", false), Condition.contains("tags", "sale"))
        .audience(Condition.eq("plan", "pro"), Condition.gte("age", 18))
        .cancelledBy("purchase", "cart_clear").correlatedBy("cart_id").reentry(Reentry.KEEP_FIRST)
        .once().cooldown(ofDays(7).plusHours(12))
        .after(Duration.ZERO).send(Message.of("Now", "At once").priority(Priority.HIGH).build())
        .after(ofMinutes(90)).send(fullMessage)
        .after(Duration.ofSeconds(45)).send(Message.of("Plain", "No options").build())
        .after(ofMinutes(5)).send(Message.dataOnly().data("refresh", "{{event.cart_id}}")
            .locale("fa", Message.builder().data("lang", "fa").build()).build())
        .policy(DeliveryPolicy.builder().quietHours(QuietHours.between("21:30", "07:15"))
            .frequencyCap(2, ofHours(36)).expireAfter(ofHours(12)).build())
        .goal("purchase", ofDays(2))
        .build();
    Campaign reordered = Campaign.named("reordered").triggeredBy(Campaign.ANY_EVENT)
        // a field that comes back after another, and an operator repeated on one field
        .where(Condition.gte("total", 10), Condition.eq("channel", "web"), Condition.lt("total", 99),
            Condition.ne("tier", "a"), Condition.ne("tier", "b"))
        .after(ofDays(7)).send(Message.of("We miss you", "Come back").build())
        .policy(DeliveryPolicy.builder().expireAfter(ofDays(1)).build())
        .build();
    Campaign minimal = Campaign.named("minimal").triggeredBy("signup")
        .after(ofMinutes(10)).send(Message.of("Welcome", "Hello").build()).build();
    CampaignSet set = new CampaignSet(List.of(everything, reordered, minimal), new FrequencyCap(3, ofDays(1)),
        java.util.Set.of("security", "transactional"));

    String json = Campaigns.toJson(set);
    CampaignSet back = Campaigns.fromJson(json);

    assertThat(back).isEqualTo(set);
    assertThat(Campaigns.toJson(back)).isEqualTo(json);
    assertThat(Campaigns.fromJson(Campaigns.toJson(CampaignSet.of(minimal)))).isEqualTo(CampaignSet.of(minimal));
    for (Campaign c : set.campaigns()) {
      assertThat(Campaigns.campaignFromJson(Campaigns.toJson(c))).isEqualTo(c);
    }
    // the explicit HIGH of step 0 and of the fa-IR variant survive; unset priorities stay unset
    assertThat(back.campaigns().get(0).steps().get(0).message())
        .isNotEqualTo(Message.of("Now", "At once").build());
    assertThat(back.campaigns().get(0).steps().get(2).message()).isEqualTo(Message.of("Plain", "No options").build());
  }

  @Test
  void aMalformedCategoryIsReportedWithItsPath() {
    String bad = "{\"campaigns\": [{\"id\": \"c\", \"category\": \"Promo\", \"trigger\": {\"event\": \"e\"},"
        + " \"steps\": [{\"delay\": \"PT1H\", \"message\": {\"title\": \"t\", \"body\": \"b\"}}]}]}";
    assertThatThrownBy(() -> Campaigns.fromJson(bad)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("campaign 'c' at campaigns[0].category: campaign 'c' category is 'Promo'; use lowercase");
    assertThatThrownBy(() -> Campaigns.fromJson("{\"settings\": {\"requiredCategories\": [\"Security\"]}, \"campaigns\": []}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("at settings.requiredCategories[0]: category is 'Security'");
  }

  @Test
  void writingOmitsDefaultsAndUsesIsoDurations() {
    Campaign c = Campaign.named("welcome").triggeredBy("signup").where(Condition.eq("plan", "free"))
        .after(ofHours(2)).send(Message.of("Welcome", "Hello").build()).build();

    assertThat(Campaigns.toJson(c)).isEqualTo("""
        {
          "id": "welcome",
          "trigger": {
            "event": "signup",
            "where": {
              "plan": "free"
            }
          },
          "steps": [
            {
              "delay": "PT2H",
              "message": {
                "title": "Welcome",
                "body": "Hello"
              }
            }
          ]
        }""");
  }

  @Test
  void bareValueMeansEqAndSeveralOperatorsMeanSeveralConditions() {
    Campaign c = Campaigns.campaignFromJson("""
        {"id": "c", "trigger": {"event": "cart_add",
          "where": {"channel": "app", "total": {"gte": 50, "lt": 500.5}, "gift": true, "tags": {"contains": "sale"},
                    "coupon": {"exists": false, "ne": "X"}}},
         "steps": [{"delay": "PT1H", "message": {"title": "t", "body": "b"}}]}
        """);

    assertThat(c.where()).containsExactly(Condition.eq("channel", "app"), Condition.gte("total", 50L),
        Condition.lt("total", 500.5), Condition.eq("gift", true), Condition.contains("tags", "sale"),
        Condition.exists("coupon", false), Condition.ne("coupon", "X"));
    assertThat(c.where().get(1).operand()).isInstanceOf(Long.class);
    assertThat(c.where().get(2).operand()).isInstanceOf(Double.class);
  }

  @Test
  void badDurationNamesTheCampaignThePathAndTheFix() {
    String json = ISSUE_EXAMPLE.replace("\"PT24H\"", "\"2 hours\"");

    assertThatThrownBy(() -> Campaigns.fromJson(json))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("campaign 'cart-abandonment' at campaigns[0].steps[1].delay: delay \"2 hours\" is not an"
            + " ISO-8601 duration such as \"PT2H\" or \"P7D\"");
  }

  @Test
  void weeksMonthsAndYearsAreRefusedWithTheDaysToWriteInstead() {
    assertThatThrownBy(() -> Campaigns.fromJson(ISSUE_EXAMPLE.replace("\"P7D\"", "\"P1W\"")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("campaign 'cart-abandonment' at campaigns[0].cooldown: cooldown \"P1W\" is not an ISO-8601"
            + " duration Java accepts: Java durations take days, not weeks; use \"P7D\" for one week");
    assertThatThrownBy(() -> Campaigns.fromJson(ISSUE_EXAMPLE.replace("\"PT24H\"", "\"P1M\"")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at campaigns[0].steps[1].delay: delay \"P1M\"")
        .hasMessageContaining("days, not months or years").hasMessageContaining("\"P30D\"");
  }

  @Test
  void unknownOperatorIsRejectedWithItsPath() {
    String json = ISSUE_EXAMPLE.replace("{\"gte\": 50}", "{\"gteq\": 50}");

    assertThatThrownBy(() -> Campaigns.fromJson(json))
        .hasMessage("campaign 'cart-abandonment' at campaigns[0].trigger.where.total.gteq: unknown operator"
            + " \"gteq\"; expected one of eq, ne, gt, gte, lt, lte, in, exists, contains; did you mean \"gte\"?");
  }

  @Test
  void unknownFieldIsATypoNotSomethingToIgnore() {
    String json = ISSUE_EXAMPLE.replace("{\"delay\": \"PT24H\"", "{\"dealy\": \"PT24H\"");

    assertThatThrownBy(() -> Campaigns.fromJson(json))
        .hasMessage("campaign 'cart-abandonment' at campaigns[0].steps[1].dealy: unknown field \"dealy\";"
            + " expected one of delay, message; did you mean \"delay\"?");
    assertThatThrownBy(() -> Campaigns.fromJson(ISSUE_EXAMPLE.replace("\"expireAfter\"", "\"expiresAfter\"")))
        .hasMessageStartingWith("campaign 'cart-abandonment' at campaigns[0].policy.expiresAfter: unknown field");
    assertThatThrownBy(() -> Campaigns.fromJson(ISSUE_EXAMPLE.replace("\"settings\"", "\"setting\"")))
        .hasMessageStartingWith("at setting: unknown field \"setting\"; expected one of settings, campaigns");
    assertThatThrownBy(() -> Campaigns.fromJson(ISSUE_EXAMPLE.replace("{\"title\": \"Last call\"",
        "{\"titel\": \"Last call\"")))
        .hasMessageStartingWith("campaign 'cart-abandonment' at campaigns[0].steps[1].message.titel: unknown field");
  }

  @Test
  void missingTriggerIsRejected() {
    String json = """
        {"campaigns": [
          {"id": "ok", "trigger": {"event": "a"}, "steps": [{"delay": "PT1H", "message": {"title": "t", "body": "b"}}]},
          {"id": "welcome", "steps": [{"delay": "PT1H", "message": {"title": "t", "body": "b"}}]}]}
        """;

    assertThatThrownBy(() -> Campaigns.fromJson(json))
        .hasMessage("campaign 'welcome' at campaigns[1]: \"trigger\" is required; give {\"event\": \"cart_add\"}"
            + " (or \"*\" for any event)");
  }

  @Test
  void typeMistakesNameThePath() {
    assertThatThrownBy(() -> Campaigns.fromJson(ISSUE_EXAMPLE.replace("\"max\": 2", "\"max\": \"two\"")))
        .hasMessage("campaign 'cart-abandonment' at campaigns[0].policy.frequencyCap.max: expected a whole number,"
            + " was \"two\"");
    assertThatThrownBy(() -> Campaigns.fromJson(ISSUE_EXAMPLE.replace("\"22:00\"", "\"10pm\"")))
        .hasMessage("campaign 'cart-abandonment' at campaigns[0].policy.quietHours.start: quietHours start \"10pm\""
            + " is not a time"
            + " of day HH:mm (e.g. 22:00)");
    assertThatThrownBy(() -> Campaigns.fromJson(ISSUE_EXAMPLE.replace("\"RESTART\"", "\"AGAIN\"")))
        .hasMessage("campaign 'cart-abandonment' at campaigns[0].reentry: \"AGAIN\" is not one of RESTART, KEEP_FIRST");
    assertThatThrownBy(() -> Campaigns.fromJson(ISSUE_EXAMPLE.replace("{\"in\": [\"IR\", \"TR\"]}", "[\"IR\", \"TR\"]")))
        .hasMessage("campaign 'cart-abandonment' at campaigns[0].audience.country: a bare list is ambiguous;"
            + " write {\"in\": [\"IR\",\"TR\"]} for one of several values");
    assertThatThrownBy(() -> Campaigns.fromJson(ISSUE_EXAMPLE.replace("\"once\": false", "\"once\": \"no\"")))
        .hasMessage("campaign 'cart-abandonment' at campaigns[0].once: expected true or false, was \"no\"");
  }

  @Test
  void builderRejectionsAreWrappedWithThePath() {
    assertThatThrownBy(() -> Campaigns.fromJson(ISSUE_EXAMPLE.replace("\"max\": 2", "\"max\": 0")))
        .hasMessage("campaign 'cart-abandonment' at campaigns[0].policy.frequencyCap: frequencyCap max is 0;"
            + " use 1 or more");
    assertThatThrownBy(() -> Campaigns.fromJson(ISSUE_EXAMPLE.replace("\"P7D\"", "\"-P7D\"")))
        .hasMessage("campaign 'cart-abandonment' at campaigns[0].cooldown: campaign 'cart-abandonment' cooldown"
            + " must be positive, was PT-168H; use a positive duration");
    assertThatThrownBy(() -> Campaigns.fromJson(ISSUE_EXAMPLE.replace("{\"gte\": 50}", "{\"gte\": true}")))
        .hasMessage("campaign 'cart-abandonment' at campaigns[0].trigger.where.total.gte: condition on 'total'"
            + " (gte) cannot order booleans; compare a number or a string");
  }

  @Test
  void duplicateCampaignIdsAndDuplicateFieldsAreRejected() {
    String twice = """
        {"campaigns": [
          {"id": "a", "trigger": {"event": "x"}, "steps": [{"delay": "PT1H", "message": {"title": "t", "body": "b"}}]},
          {"id": "a", "trigger": {"event": "y"}, "steps": [{"delay": "PT1H", "message": {"title": "t", "body": "b"}}]}]}
        """;
    assertThatThrownBy(() -> Campaigns.fromJson(twice))
        .hasMessage("campaign 'a' at campaigns[1].id: duplicate campaign id; campaigns[0] has the same id,"
            + " and ids must be unique");
    assertThatThrownBy(() -> Campaigns.fromJson(ISSUE_EXAMPLE.replace("\"once\": false", "\"once\": false, \"once\": true")))
        .hasMessageStartingWith("at campaigns[0].once: field \"once\" is given twice");
    Campaign a = Campaign.named("a").triggeredBy("x").send(Message.of("t", "b").build()).build();
    assertThatThrownBy(() -> new CampaignSet(List.of(a, a), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("campaigns[1] has id 'a', the same as campaigns[0]; campaign ids must be unique");
  }

  @Test
  void invalidJsonIsRejectedWithWhereItBroke() {
    assertThatThrownBy(() -> Campaigns.fromJson("{\"campaigns\": [ {\"id\": \"a\" ]}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("not valid JSON: ")
        .hasMessageContaining("line 1");
    assertThatThrownBy(() -> Campaigns.fromJson("{\"campaigns\": []} trailing"))
        .hasMessageStartingWith("not valid JSON");
    assertThatThrownBy(() -> Campaigns.fromJson("[]"))
        .hasMessage("at $: expected an object {...}, was []");
    assertThatThrownBy(() -> Campaigns.fromJson("{}"))
        .hasMessage("at $: \"campaigns\" is required; give a list of campaigns (it may be empty)");
  }

  @Test
  void stepMessageNeedsTitleAndBodyButAVariantDoesNot() {
    assertThatThrownBy(() -> Campaigns.campaignFromJson("""
        {"id": "c", "trigger": {"event": "a"}, "steps": [{"delay": "PT1H", "message": {"title": "t"}}]}"""))
        .hasMessage("campaign 'c' at steps[0].message: \"body\" is required");
    Campaign c = Campaigns.campaignFromJson("""
        {"id": "c", "trigger": {"event": "a"}, "steps": [{"message": {"title": "t", "body": "b",
          "locales": {"fa": {"body": "ب"}}}}]}""");
    assertThat(c.steps().get(0).delay()).isZero();
    assertThat(c.steps().get(0).message().forLocale("fa-IR").title()).isEqualTo("t");
    assertThat(c.steps().get(0).message().forLocale("fa-IR").body()).isEqualTo("ب");
  }
}
