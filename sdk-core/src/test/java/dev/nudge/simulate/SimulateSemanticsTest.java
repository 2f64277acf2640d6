package dev.nudge.simulate;

import dev.nudge.json.Campaigns;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nudge.CampaignSet;
import dev.nudge.OutcomeReport;
import dev.nudge.Platform;
import dev.nudge.StepStats;
import java.io.StringReader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every rule of {@code docs/semantics.md}, exercised the way the {@code simulate} tool runs: a
 * campaigns file and a hand-written JSON Lines log in, the exact output lines out. Times are on
 * 2026-03-01 (UTC) unless a day is given.
 */
public class SimulateSemanticsTest {
  // ---- records and time ----------------------------------------------------------------------

  @Test
  void recordsAreAppliedInTimeOrderWhateverTheirOrderInTheLog() {
    Sim sim = simulate(campaigns(CART), null,
        cartAdd("10:00", "u1", "c1", "Yoga mat"),
        ios("09:00", "u1", "t1", ""));  // registered before the cart_add, listed after it

    assertThat(sim.lines).containsExactly(
        sent("12:00", "cart", 0, "u1", "", "12:00", 1, "Still thinking?", "Yoga mat is waiting"));
  }

  @Test
  void recordsWithEqualTimesKeepTheLogOrder() {
    // cart_add then purchase at the same instant: the stop sees the reminder (triggered at or before it)
    Sim stopAfter = simulate(campaigns(CART), null,
        ios("09:00", "u1", "t1", ""),
        cartAdd("10:00", "u1", "c1", "Yoga mat"),
        event("10:00", "purchase", "u1", ""));
    assertThat(stopAfter.lines).containsExactly(cancelled("10:00", "cart", 0, "u1", "", "12:00"));

    // purchase then cart_add at the same instant: nothing to stop yet, the reminder goes out
    Sim stopBefore = simulate(campaigns(CART), null,
        ios("09:00", "u1", "t1", ""),
        event("10:00", "purchase", "u1", ""),
        cartAdd("10:00", "u1", "c1", "Yoga mat"));
    assertThat(stopBefore.lines).containsExactly(
        sent("12:00", "cart", 0, "u1", "", "12:00", 1, "Still thinking?", "Yoga mat is waiting"));
  }

  @Test
  void stopEventAtExactlyTheDueTimeWinsTheTieAndOneJustAfterComesTooLate() {
    Sim sim = simulate(campaigns(CART), null,
        ios("09:00", "u1", "t1", ""),
        ios("09:00", "u2", "t2", ""),
        cartAdd("10:00", "u1", "c1", "Yoga mat"),
        cartAdd("10:00", "u2", "c2", "Tea glasses"),
        event("12:00", "purchase", "u1", ""),
        event("2026-03-01T12:00:00.001Z", "purchase", "u2", ""));

    assertThat(sim.lines).containsExactly(
        cancelled("12:00", "cart", 0, "u1", "", "12:00"),
        sent("12:00", "cart", 0, "u2", "", "12:00", 1, "Still thinking?", "Tea glasses is waiting"));
  }

  @Test
  void remindersDueAtTheSameTimeResolveByCampaignThenUserThenKey() {
    String a = campaign("b-second", "cart_add", "\"correlateBy\": \"cart_id\",", step("PT1H", "B", "b"));
    String b = campaign("a-first", "cart_add", "\"correlateBy\": \"cart_id\",", step("PT1H", "A", "a"));
    Sim sim = simulate(campaigns(a, b), null,
        ios("09:00", "u2", "t2", ""),
        ios("09:00", "u1", "t1", ""),
        cartAdd("10:00", "u2", "k2", "x"),
        cartAdd("10:00", "u1", "k9", "x"),
        cartAdd("10:00", "u1", "k1", "x"));

    assertThat(sim.lines).containsExactly(
        sent("11:00", "a-first", 0, "u1", "k1", "11:00", 1, "A", "a"),
        sent("11:00", "a-first", 0, "u1", "k9", "11:00", 1, "A", "a"),
        sent("11:00", "a-first", 0, "u2", "k2", "11:00", 1, "A", "a"),
        sent("11:00", "b-second", 0, "u1", "k1", "11:00", 1, "B", "b"),
        sent("11:00", "b-second", 0, "u1", "k9", "11:00", 1, "B", "b"),
        sent("11:00", "b-second", 0, "u2", "k2", "11:00", 1, "B", "b"));
  }

  @Test
  void aStepCreatedWhileResolvingJoinsTheDueOrder() {
    String a = campaign("a-steps", "cart_add", "", step("PT1H", "A0", "a0") + ", " + step("PT0S", "A1", "a1"));
    String b = campaign("b-other", "cart_add", "", step("PT1H", "B0", "b0"));
    Sim sim = simulate(campaignsWithGlobalCap(2, "P1D", a, b), null,
        ios("09:00", "u1", "t1", ""),
        cartAdd("10:00", "u1", "c1", "x"));

    assertThat(sim.lines).containsExactly(
        sent("11:00", "a-steps", 0, "u1", "", "11:00", 1, "A0", "a0"),
        sent("11:00", "a-steps", 1, "u1", "", "11:00", 1, "A1", "a1"),
        suppressed("11:00", "b-other", 0, "u1", "", "FREQUENCY_CAP", "11:00"));
  }

  @Test
  void theRunEndsAtUntilAndByDefaultAfterTheLongestHorizon() {
    String[] log = {ios("09:00", "u1", "t1", ""), cartAdd("10:00", "u1", "c1", "Yoga mat")};

    Sim cut = simulate(campaigns(CART), Instant.parse("2026-03-01T12:00:00Z"), log);
    assertThat(cut.lines).isEmpty(); // due exactly at until: not resolved
    assertThat(cut.result.pending()).isEqualTo(1);

    Sim full = simulate(campaigns(CART), null, log);
    assertThat(full.lines).hasSize(1);
    assertThat(full.result.until()).isEqualTo(Instant.parse("2026-03-01T12:00:01Z"));
    assertThat(full.result.pending()).isZero();

    Sim early = simulate(campaigns(CART), Instant.parse("2026-03-01T09:30:00Z"), log);
    assertThat(early.result.applied()).isEqualTo(1);
    assertThat(early.result.pending()).isZero();
  }

  // ---- triggering --------------------------------------------------------------------------------

  @Test
  void triggerConditionsCompareNumbersAsNumbersAndNeverMatchMixedTypes() {
    String big = campaign("big-cart", "cart_add", "", step("PT1H", "Big", "{{event.total}}"))
        .replace("\"trigger\": {\"event\": \"cart_add\"}",
            "\"trigger\": {\"event\": \"cart_add\", \"where\": {\"total\": {\"gte\": 50}, \"channel\": \"app\"}}");
    Sim sim = simulate(campaigns(big), null,
        ios("09:00", "u1", "t1", ""),
        ios("09:00", "u2", "t2", ""),
        ios("09:00", "u3", "t3", ""),
        ios("09:00", "u4", "t4", ""),
        ios("09:00", "u5", "t5", ""),
        event("10:00", "cart_add", "u1", "\"total\": 80, \"channel\": \"app\""),
        event("10:00", "cart_add", "u2", "\"total\": 50.0, \"channel\": \"app\""),
        event("10:00", "cart_add", "u3", "\"total\": \"80\", \"channel\": \"app\""),   // a string: no match
        event("10:00", "cart_add", "u4", "\"total\": 49.99, \"channel\": \"app\""),
        event("10:00", "cart_add", "u5", "\"total\": 90, \"channel\": \"web\""));

    assertThat(sim.lines).containsExactly(
        sent("11:00", "big-cart", 0, "u1", "", "11:00", 1, "Big", "80"),
        sent("11:00", "big-cart", 0, "u2", "", "11:00", 1, "Big", "50"));
  }

  @Test
  void otherOperatorsAndTheAnyEventTrigger() {
    String in = campaign("in-list", "*", "", step("PT1H", "In", "b"))
        .replace("\"trigger\": {\"event\": \"*\"}",
            "\"trigger\": {\"event\": \"*\", \"where\": {\"country\": {\"in\": [\"IR\", \"TR\"]},"
                + " \"tags\": {\"contains\": \"sale\"}, \"coupon\": {\"exists\": false}, \"tier\": {\"ne\": \"gold\"}}}");
    Sim sim = simulate(campaigns(in), null,
        ios("09:00", "u1", "t1", ""),
        ios("09:00", "u2", "t2", ""),
        ios("09:00", "u3", "t3", ""),
        ios("09:00", "u4", "t4", ""),
        event("10:00", "view", "u1", "\"country\": \"IR\", \"tags\": [\"new\", \"sale\"]"),       // matches
        event("10:00", "open", "u2", "\"country\": \"TR\", \"tags\": \"big sale\", \"tier\": \"silver\""), // matches
        event("10:00", "view", "u3", "\"country\": \"IR\", \"tags\": [\"sale\"], \"coupon\": \"X\""),  // coupon exists
        event("10:00", "view", "u4", "\"country\": \"IR\", \"tags\": [\"sale\"], \"tier\": \"gold\"")); // tier is gold

    assertThat(sim.lines).containsExactly(
        sent("11:00", "in-list", 0, "u1", "", "11:00", 1, "In", "b"),
        sent("11:00", "in-list", 0, "u2", "", "11:00", 1, "In", "b"));
  }

  @Test
  void audienceReadsTheUserAttributesAsKnownAtTriggerTime() {
    String vip = campaign("vip", "cart_add", "\"audience\": {\"country\": {\"in\": [\"IR\"]}},",
        step("PT1H", "Hi {{user.first_name}}", "b"));
    Sim sim = simulate(campaigns(vip), null,
        ios("09:00", "u1", "t1", ""),
        user("09:00", "u1", "\"country\": \"DE\", \"first_name\": \"Sara\""),
        cartAdd("10:00", "u1", "c1", "x"),            // DE: not in the audience
        user("10:30", "u1", "\"country\": \"IR\""),
        cartAdd("11:00", "u1", "c2", "x"),            // IR now: triggered
        user("11:30", "u1", "\"country\": \"DE\", \"first_name\": \"Sarah\""));  // later change: still sent, new name

    assertThat(sim.lines).containsExactly(sent("12:00", "vip", 0, "u1", "", "12:00", 1, "Hi Sarah", "b"));
    assertThat(sim.result.stats().get("vip").step(0).triggered()).isEqualTo(1);
  }

  @Test
  void onceNeverTriggersAUserWhoWasSentAStep() {
    String welcome = campaign("welcome", "signup", "\"once\": true,", step("PT10M", "Welcome", "b"));
    Sim sim = simulate(campaigns(welcome), null,
        event("09:00", "signup", "u1", ""),         // no device yet: suppressed, which does not count as sent
        ios("09:30", "u1", "t1", ""),
        event("10:00", "signup", "u1", ""),         // triggered again: sent
        event("11:00", "signup", "u1", ""));        // ever sent: ignored

    assertThat(sim.lines).containsExactly(
        suppressed("09:10", "welcome", 0, "u1", "", "NO_DEVICE", "09:10"),
        sent("10:10", "welcome", 0, "u1", "", "10:10", 1, "Welcome", "b"));
    assertThat(sim.result.stats().get("welcome").step(0).ignored()).isEqualTo(1);
  }

  @Test
  void cooldownIgnoresTriggersUpToAndIncludingItsEnd() {
    String c = campaign("cool", "cart_add", "\"cooldown\": \"PT24H\",", step("PT1H", "T", "{{event.item_name}}"));
    Sim sim = simulate(campaigns(c), null,
        ios("09:00", "u1", "t1", ""),
        cartAdd("10:00", "u1", "c1", "first"),                       // sent at 11:00
        cartAdd("2026-03-02T11:00:00Z", "u1", "c2", "at the end"),   // last send at t - 24h: ignored
        cartAdd("2026-03-02T11:00:01Z", "u1", "c3", "after"));       // just after: triggered

    assertThat(sim.lines).containsExactly(
        sent("11:00", "cool", 0, "u1", "", "11:00", 1, "T", "first"),
        sent("2026-03-02T12:00:01Z", "cool", 0, "u1", "", "2026-03-02T12:00:01Z", 1, "T", "after"));
    assertThat(sim.result.stats().get("cool").step(0).ignored()).isEqualTo(1);
  }

  // ---- pending reminders and re-entry ---------------------------------------------------------

  @Test
  void correlationGivesEachValueItsOwnReminderAndAMissingValueTheEmptyKey() {
    String c = campaign("cart", "cart_add", "\"correlateBy\": \"cart_id\", \"stopEvents\": [\"purchase\"],",
        step("PT2H", "T", "{{event.item_name}}"));
    Sim sim = simulate(campaigns(c), null,
        ios("09:00", "u1", "t1", ""),
        ios("09:00", "u2", "t2", ""),
        cartAdd("10:00", "u1", "c1", "one"),
        cartAdd("10:00", "u1", "c2", "two"),
        event("10:00", "cart_add", "u1", "\"item_name\": \"none\""),
        event("11:00", "purchase", "u1", "\"cart_id\": \"c1\""),     // stops c1 only
        cartAdd("10:00", "u2", "c1", "other user"),
        event("11:00", "purchase", "u2", ""));                       // no cart_id: stops all of u2's

    assertThat(sim.lines).containsExactly(
        cancelled("11:00", "cart", 0, "u1", "c1", "12:00"),
        cancelled("11:00", "cart", 0, "u2", "c1", "12:00"),
        sent("12:00", "cart", 0, "u1", "", "12:00", 1, "T", "none"),
        sent("12:00", "cart", 0, "u1", "c2", "12:00", 1, "T", "two"));
  }

  @Test
  void restartReplacesThePendingReminderWithOneFromTheNewTrigger() {
    Sim sim = simulate(campaigns(CART), null,
        ios("09:00", "u1", "t1", ""),
        cartAdd("10:00", "u1", "c1", "Yoga mat"),
        cartAdd("11:00", "u1", "c1", "Tea glasses"));

    assertThat(sim.lines).containsExactly(
        sent("13:00", "cart", 0, "u1", "", "13:00", 1, "Still thinking?", "Tea glasses is waiting"));
    assertThat(sim.result.stats().get("cart").step(0).restarted()).isEqualTo(1);
  }

  @Test
  void keepFirstIgnoresANewTriggerWhileOneIsPending() {
    String c = CART.replace("\"stopEvents\"", "\"reentry\": \"KEEP_FIRST\", \"stopEvents\"");
    Sim sim = simulate(campaigns(c), null,
        ios("09:00", "u1", "t1", ""),
        cartAdd("10:00", "u1", "c1", "Yoga mat"),
        cartAdd("11:00", "u1", "c1", "Tea glasses"),
        cartAdd("13:00", "u1", "c1", "Rug"));     // nothing pending any more: triggered

    assertThat(sim.lines).containsExactly(
        sent("12:00", "cart", 0, "u1", "", "12:00", 1, "Still thinking?", "Yoga mat is waiting"),
        sent("15:00", "cart", 0, "u1", "", "15:00", 1, "Still thinking?", "Rug is waiting"));
    assertThat(sim.result.stats().get("cart").step(0).ignored()).isEqualTo(1);
  }

  @Test
  void laterStepIsDueItsDelayAfterThePreviousStepWasResolved() {
    // step 0 waits for the quiet hours to end; step 1 counts from then, and follows a suppression too
    String c = campaign("steps", "cart_add", "\"policy\": {\"quietHours\": {\"start\": \"22:00\", \"end\": \"08:00\"}},",
        step("PT2H", "S0", "{{event.item_name}}") + ", " + step("PT1H", "S1", "{{event.item_name}}") + ", "
            + step("PT30M", "S2", "{{event.item_name}}"));
    Sim sim = simulate(campaigns(c), null,
        ios("09:00", "u1", "t1", ""),
        cartAdd("21:00", "u1", "c1", "Rug"),
        device("2026-03-02T08:30:00Z", "u1", null, "t1", "\"active\": false"),
        ios("2026-03-02T09:10:00Z", "u1", "t1", ""));

    assertThat(sim.lines).containsExactly(
        sent("2026-03-02T08:00:00Z", "steps", 0, "u1", "", "23:00", 1, "S0", "Rug"),
        suppressed("2026-03-02T09:00:00Z", "steps", 1, "u1", "", "NO_DEVICE", "2026-03-02T09:00:00Z"),
        sent("2026-03-02T09:30:00Z", "steps", 2, "u1", "", "2026-03-02T09:30:00Z", 1, "S2", "Rug"));
  }

  // ---- stopping ------------------------------------------------------------------------------------

  @Test
  void stopEventEndsTheRestOfTheSequence() {
    String c = campaign("steps", "cart_add", "\"stopEvents\": [\"purchase\"],",
        step("PT1H", "S0", "b") + ", " + step("PT1H", "S1", "b"));
    Sim sim = simulate(campaigns(c), null,
        ios("09:00", "u1", "t1", ""),
        cartAdd("10:00", "u1", "c1", "Rug"),
        event("11:30", "purchase", "u1", ""));

    assertThat(sim.lines).containsExactly(
        sent("11:00", "steps", 0, "u1", "", "11:00", 1, "S0", "b"),
        cancelled("11:30", "steps", 1, "u1", "", "12:00"));
  }

  @Test
  void anEventThatStopsAndTriggersTheSameCampaignStopsFirst() {
    // with KEEP_FIRST, triggering first would be ignored and the stop would then cancel everything
    String c = campaign("cart", "cart_add", "\"stopEvents\": [\"cart_add\"], \"reentry\": \"KEEP_FIRST\",",
        step("PT2H", "T", "{{event.item_name}}"));
    Sim sim = simulate(campaigns(c), null,
        ios("09:00", "u1", "t1", ""),
        cartAdd("10:00", "u1", "c1", "Yoga mat"),
        cartAdd("11:00", "u1", "c1", "Tea glasses"));

    assertThat(sim.lines).containsExactly(
        cancelled("11:00", "cart", 0, "u1", "", "12:00"),
        sent("13:00", "cart", 0, "u1", "", "13:00", 1, "T", "Tea glasses"));
  }

  // ---- resolving -----------------------------------------------------------------------------------

  @Test
  void quietHoursWrapMidnightInTheDevicesZoneAndKeepTheDueTime() {
    String c = campaign("quiet", "cart_add", "\"policy\": {\"quietHours\": {\"start\": \"22:00\", \"end\": \"08:00\"}},",
        step("PT2H", "T", "b"));
    Sim sim = simulate(campaigns(c), null,
        ios("09:00", "teh", "t1", ", \"zone\": \"Asia/Tehran\""),      // 19:00Z is 22:30 in Tehran
        ios("09:00", "utc", "t2", ""),                                // 19:00Z is outside 22-08 UTC
        ios("09:00", "attr", "t3", ""),
        user("09:00", "attr", "\"zone\": \"Asia/Tokyo\""),            // no device zone: the attribute (04:00 in Tokyo)
        ios("09:00", "two", "t4", ", \"zone\": \"Europe/London\""),
        ios("09:30", "two", "t5", ", \"zone\": \"Asia/Tehran\""),     // most recently registered zone wins
        event("17:00", "cart_add", "teh", ""),
        event("17:00", "cart_add", "utc", ""),
        event("17:00", "cart_add", "attr", ""),
        event("17:00", "cart_add", "two", ""));

    assertThat(sim.lines).containsExactly(
        sent("19:00", "quiet", 0, "utc", "", "19:00", 1, "T", "b"),
        sent("23:00", "quiet", 0, "attr", "", "19:00", 1, "T", "b"),             // 08:00 in Tokyo
        sent("2026-03-02T04:30:00Z", "quiet", 0, "teh", "", "19:00", 1, "T", "b"), // 08:00 in Tehran
        sent("2026-03-02T04:30:00Z", "quiet", 0, "two", "", "19:00", 2, "T", "b"));
  }

  @Test
  void deferralPastExpiryEndsExpiredAtTheDueTimeAndExpiryCountsFromTheOriginalDueTime() {
    String c = campaign("quiet", "cart_add",
        "\"policy\": {\"quietHours\": {\"start\": \"22:00\", \"end\": \"08:00\"}, \"expireAfter\": \"PT10H\"},",
        step("PT2H", "T", "b") + ", " + step("PT1H", "Next", "b"));
    Sim sim = simulate(campaigns(c), null,
        ios("09:00", "u1", "t1", ""),
        ios("09:00", "u2", "t2", ""),
        event("20:30", "cart_add", "u1", ""),       // due 22:30, expires 08:30: the window ends first
        event("21:00", "cart_add", "u2", ""));      // due 23:00, expires 09:00

    assertThat(sim.lines).containsExactly(
        sent("2026-03-02T08:00:00Z", "quiet", 0, "u1", "", "22:30", 1, "T", "b"),
        sent("2026-03-02T08:00:00Z", "quiet", 0, "u2", "", "23:00", 1, "T", "b"),
        sent("2026-03-02T09:00:00Z", "quiet", 1, "u1", "", "2026-03-02T09:00:00Z", 1, "Next", "b"),
        sent("2026-03-02T09:00:00Z", "quiet", 1, "u2", "", "2026-03-02T09:00:00Z", 1, "Next", "b"));

    // due 22:30, expires 00:30, the window ends at 08:00: expired at once, at its due time; the next
    // step is due an hour after that and meets the same fate
    Sim expired = simulate(campaigns(c.replace("PT10H", "PT2H")), null,
        ios("09:00", "u1", "t1", ""),
        event("20:30", "cart_add", "u1", ""));
    assertThat(expired.lines).containsExactly(
        expired("22:30", "quiet", 0, "u1", "", "22:30"),
        expired("23:30", "quiet", 1, "u1", "", "23:30"));
    assertThat(expired.result.stats().get("quiet").total().expired()).isEqualTo(2);
  }

  @Test
  void campaignFrequencyCapSuppressesWithinItsSlidingWindow() {
    String c = campaign("cart", "cart_add", "\"correlateBy\": \"cart_id\","
        + " \"policy\": {\"frequencyCap\": {\"max\": 1, \"per\": \"PT3H\"}},", step("PT1H", "T", "{{event.cart_id}}"));
    Sim sim = simulate(campaigns(c), null,
        ios("09:00", "u1", "t1", ""),
        cartAdd("10:00", "u1", "c1", "x"),
        cartAdd("10:30", "u1", "c2", "x"),     // 11:30: one send in (08:30, 11:30]
        cartAdd("13:00", "u1", "c3", "x"));    // 14:00: the 11:00 send is out of (11:00, 14:00]

    assertThat(sim.lines).containsExactly(
        sent("11:00", "cart", 0, "u1", "c1", "11:00", 1, "T", "c1"),
        suppressed("11:30", "cart", 0, "u1", "c2", "FREQUENCY_CAP", "11:30"),
        sent("14:00", "cart", 0, "u1", "c3", "14:00", 1, "T", "c3"));
  }

  @Test
  void globalFrequencyCapCountsSendsOfEveryCampaign() {
    String a = campaign("a", "cart_add", "", step("PT1H", "A", "a"));
    String b = campaign("b", "cart_add", "", step("PT2H", "B", "b"));
    Sim sim = simulate(campaignsWithGlobalCap(1, "P1D", a, b), null,
        ios("09:00", "u1", "t1", ""),
        cartAdd("10:00", "u1", "c1", "x"));

    assertThat(sim.lines).containsExactly(
        sent("11:00", "a", 0, "u1", "", "11:00", 1, "A", "a"),
        suppressed("12:00", "b", 0, "u1", "", "FREQUENCY_CAP", "12:00"));
  }

  @Test
  void userWithoutAnActiveDeviceIsSuppressedForNoDevice() {
    Sim sim = simulate(campaigns(CART), null,
        cartAdd("10:00", "u1", "c1", "Yoga mat"),
        ios("10:00", "u2", "t2", ""),
        device("10:30", "u2", "IOS", "t2", "\"active\": false"),
        cartAdd("11:00", "u2", "c1", "Rug"),
        ios("15:00", "u2", "t2", ""),                // registered again: active again
        cartAdd("15:00", "u2", "c1", "Mat"));

    assertThat(sim.lines).containsExactly(
        suppressed("12:00", "cart", 0, "u1", "", "NO_DEVICE", "12:00"),
        suppressed("13:00", "cart", 0, "u2", "", "NO_DEVICE", "13:00"),
        sent("17:00", "cart", 0, "u2", "", "17:00", 1, "Still thinking?", "Mat is waiting"));
  }

  @Test
  void placeholderWithoutValueOrDefaultSuppressesForMissingValue() {
    String c = campaign("named", "cart_add", "", step("PT1H", "Hi {{user.first_name}}",
        "{{event.item_name | default: \"your item\"}} waits"));
    Sim sim = simulate(campaigns(c), null,
        ios("09:00", "u1", "t1", ""),
        ios("09:00", "u2", "t2", ""),
        user("09:00", "u2", "\"first_name\": \"Sara\""),
        event("10:00", "cart_add", "u1", ""),
        event("10:00", "cart_add", "u2", ""));

    assertThat(sim.lines).containsExactly(
        suppressed("11:00", "named", 0, "u1", "", "MISSING_VALUE", "11:00"),
        sent("11:00", "named", 0, "u2", "", "11:00", 1, "Hi Sara", "your item waits"));
  }

  @Test
  void eachDeviceGetsItsLocaleVariantThenItsLanguageThenTheDefault() {
    String c = """
        {"id": "intl", "trigger": {"event": "cart_add"},
         "steps": [{"delay": "PT1H", "message": {"title": "Hello", "body": "Default",
           "locales": {"fa": {"title": "سلام", "body": "فارسی"}, "fa-IR": {"body": "ایران"}}}}]}""";
    Sim sim = simulate(campaigns(c), null,
        ios("09:00", "ir", "t1", ", \"locale\": \"fa-IR\""),
        ios("09:00", "af", "t2", ", \"locale\": \"fa-AF\""),
        ios("09:00", "us", "t3", ", \"locale\": \"en-US\""),
        ios("09:00", "both", "t4", ", \"locale\": \"en\""),
        device("09:05", "both", "ANDROID", "t5", "\"locale\": \"fa-IR\""),
        event("10:00", "cart_add", "af", ""),
        event("10:00", "cart_add", "both", ""),
        event("10:00", "cart_add", "ir", ""),
        event("10:00", "cart_add", "us", ""));

    assertThat(sim.lines).containsExactly(
        sent("11:00", "intl", 0, "af", "", "11:00", 1, "سلام", "فارسی"),
        sent("11:00", "intl", 0, "both", "", "11:00", 2, "Hello", "Default"),   // the first device's variant
        sent("11:00", "intl", 0, "ir", "", "11:00", 1, "Hello", "ایران"),   // unset fields come from the default
        sent("11:00", "intl", 0, "us", "", "11:00", 1, "Hello", "Default"));
  }

  // ---- goals and statistics ------------------------------------------------------------------------

  @Test
  void goalEventWithinTheWindowCountsTheSendAsConvertedInTheStats() {
    String c = CART.replace("\"stopEvents\": [\"purchase\"]", "\"goal\": {\"event\": \"purchase\", \"within\": \"PT6H\"}");
    Sim sim = simulate(campaigns(c), null,
        ios("09:00", "u1", "t1", ""),
        ios("09:00", "u2", "t2", ""),
        cartAdd("10:00", "u1", "c1", "x"),
        cartAdd("10:00", "u2", "c2", "x"),
        event("18:00", "purchase", "u1", ""),     // 6 h after the 12:00 send: inside (12:00, 18:00]
        event("18:01", "purchase", "u2", ""));    // outside

    StepStats total = sim.result.stats().get("cart").total();
    StepStats first = sim.result.stats().get("cart").step(0);
    assertThat(total.converted()).isEqualTo(1);
    assertThat(first.converted()).isEqualTo(1);
    assertThat(first.sent()).isEqualTo(2);
    assertThat(first.accepted()).containsEntry(Platform.IOS, 2L);
    assertThat(sim.result.records()).isEqualTo(6);
    assertThat(sim.result.badLines()).isZero();
  }

  // ---- the log ---------------------------------------------------------------------------------------

  @Test
  void badLinesAreReportedWithTheirNumberCountedAndSkipped() {
    Sim sim = simulate(campaigns(CART), null,
        ios("09:00", "u1", "t1", ""),
        "{\"type\":\"event\",\"name\":\"cart_add\"",                                           // 2: truncated
        "{\"type\":\"click\",\"occurredAt\":\"2026-03-01T10:00:00Z\"}",                          // 3: unknown type
        "{\"type\":\"event\",\"name\":\"cart_add\",\"userId\":\"u1\"}",                          // 4: no time
        "{\"type\":\"device\",\"userId\":\"u1\",\"platform\":\"symbian\",\"token\":\"x\",\"occurredAt\":\"2026-03-01T09:00:00Z\"}",
        "",                                                                                       // 6: blank, fine
        "{\"type\":\"event\",\"name\":\"cart_add\",\"userId\":\"u1\",\"occuredAt\":\"2026-03-01T10:00:00Z\"}",
        "{\"type\":\"user\",\"userId\":\"u1\",\"attributes\":{\"zone\":null},\"occurredAt\":\"2026-03-01T09:00:00Z\"}",
        cartAdd("10:00", "u1", "c1", "Yoga mat"));

    assertThat(sim.lines).containsExactly(
        sent("12:00", "cart", 0, "u1", "", "12:00", 1, "Still thinking?", "Yoga mat is waiting"));
    assertThat(sim.result.badLines()).isEqualTo(6);
    assertThat(sim.result.records()).isEqualTo(2);
    assertThat(sim.result.lines()).isEqualTo(9);
    assertThat(sim.bad).extracting(SimulationRun.BadLine::line).containsExactly(2L, 3L, 4L, 5L, 7L, 8L);
    assertThat(sim.bad.get(0).problem()).startsWith("not valid JSON: ");
    assertThat(sim.bad.get(1).problem()).isEqualTo("unknown type \"click\"; expected event, device, user or consent");
    assertThat(sim.bad.get(2).problem()).isEqualTo("\"occurredAt\" is required");
    assertThat(sim.bad.get(3).problem()).isEqualTo("\"platform\" \"symbian\" is not one of ios, android, web");
    assertThat(sim.bad.get(4).problem()).isEqualTo("unknown field \"occuredAt\" for type event;"
        + " expected type, id, name, userId, occurredAt, properties, source");
    assertThat(sim.bad.get(5).problem()).contains("'zone'").contains("null");
  }

  @Test
  void aZoneThatNamesNoTimeZoneAndAMalformedLocaleAreBadLines() {
    Sim sim = simulate(campaigns(CART), null,
        ios("09:00", "u1", "t1", ""),
        user("09:00", "u1", "\"zone\": \"Mars/Olympus\""),
        user("09:00", "u1", "\"zone\": 3"),
        ios("09:00", "u2", "t2", ", \"locale\": \"en_US\""),
        cartAdd("10:00", "u1", "c1", "Yoga mat"));

    assertThat(sim.lines).containsExactly(
        sent("12:00", "cart", 0, "u1", "", "12:00", 1, "Still thinking?", "Yoga mat is waiting"));
    assertThat(sim.bad).extracting(SimulationRun.BadLine::line).containsExactly(2L, 3L, 4L);
    assertThat(sim.bad.get(0).problem()).isEqualTo("user 'u1' attribute zone \"Mars/Olympus\" names no time"
        + " zone; use an IANA zone id such as Europe/Paris or America/New_York");
    assertThat(sim.bad.get(1).problem()).contains("attribute zone is 3").contains("IANA time zone");
    assertThat(sim.bad.get(2).problem()).isEqualTo("device locale \"en_US\" is not a BCP 47 language tag;"
        + " use \"en-US\" (BCP 47 separates with hyphens, not underscores)");
  }

  @Test
  void platformIsCaseInsensitiveAndTheSameEventIdIsAppliedOnce() {
    Sim sim = simulate(campaigns(CART), null,
        device("09:00", "u1", "Android", "a1", ""),
        "{\"type\":\"event\",\"id\":\"e1\",\"name\":\"cart_add\",\"userId\":\"u1\",\"occurredAt\":\"2026-03-01T10:00:00Z\","
            + "\"properties\":{\"item_name\":\"Mat\"}}",
        "{\"type\":\"event\",\"id\":\"e1\",\"name\":\"cart_add\",\"userId\":\"u1\",\"occurredAt\":\"2026-03-01T11:00:00Z\","
            + "\"properties\":{\"item_name\":\"Rug\"}}");

    assertThat(sim.lines).containsExactly(
        sent("12:00", "cart", 0, "u1", "", "12:00", 1, "Still thinking?", "Mat is waiting"));
  }

  @Test
  void occurredAtTakesIsoInstantsWithFractionsAndOffsets() {
    Sim sim = simulate(campaigns(CART), null,
        ios("2026-03-01T12:30:00+03:30", "u1", "t1", ""),               // 09:00Z
        cartAdd("2026-03-01T10:00:00.5Z", "u1", "c1", "Mat"),
        cartAdd("2026-03-01T10:00:00.123456789Z", "u2", "c2", "Rug"),
        ios("2026-03-01T09:00:00Z", "u2", "t2", ""),
        "{\"type\":\"event\",\"name\":\"x\",\"userId\":\"u1\",\"occurredAt\":\"2026-02-30T10:00:00Z\"}");

    assertThat(sim.lines).containsExactly(
        sent("2026-03-01T12:00:00.123456789Z", "cart", 0, "u2", "", "2026-03-01T12:00:00.123456789Z", 1,
            "Still thinking?", "Rug is waiting"),
        sent("2026-03-01T12:00:00.500Z", "cart", 0, "u1", "", "2026-03-01T12:00:00.500Z", 1,
            "Still thinking?", "Mat is waiting"));
    assertThat(sim.bad).singleElement().satisfies(b -> assertThat(b.problem())
        .isEqualTo("\"occurredAt\" \"2026-02-30T10:00:00Z\" is not an ISO-8601 instant such as 2026-03-01T10:00:00Z"));
    for (String t : List.of("2026-03-01T10:00:00Z", "2024-02-29T23:59:59.999Z", "1970-01-01T00:00:00.000000001Z")) {
      assertThat(SimulationRun.LineParser.utcInstant(t)).isEqualTo(Instant.parse(t));
    }
  }

  // ================================================================================== fixtures

  public static final String CART = """
      {"id": "cart", "trigger": {"event": "cart_add"}, "stopEvents": ["purchase"],
       "steps": [{"delay": "PT2H", "message": {"title": "Still thinking?", "body": "{{event.item_name}} is waiting"}}]}""";

  public record Sim(List<String> lines, List<SimulationRun.BadLine> bad, SimulationRun.Result result, CampaignSet set) {}

  public static Sim simulate(String campaignsJson, Instant until, String... log) {
    CampaignSet set = Campaigns.fromJson(campaignsJson);
    List<String> lines = new ArrayList<>();
    List<SimulationRun.BadLine> bad = new ArrayList<>();
    SimulationRun.Result result = SimulationRun.of(set).until(until)
        .onOutcome(r -> lines.add(line(r)))
        .onBadLine(bad::add)
        .run(new StringReader(String.join("\n", log)));
    return new Sim(lines, bad, result, set);
  }

  /** An outcome in the form of the expected lines below ({@link #out}). */
  private static String line(OutcomeReport r) {
    return out(r.at().toString(), r.campaignId(), r.step(), r.userId(), r.key(), r.outcome().name(),
        r.reason() == null ? null : r.reason().name(), r.dueAt() == null ? null : r.dueAt().toString(), r.devices(),
        r.title(), r.body());
  }

  public static String campaigns(String... campaigns) {
    return "{\"campaigns\": [" + String.join(",\n", campaigns) + "]}";
  }

  public static String campaignsWithGlobalCap(int max, String per, String... campaigns) {
    return "{\"settings\": {\"globalFrequencyCap\": {\"max\": " + max + ", \"per\": \"" + per + "\"}},"
        + " \"campaigns\": [" + String.join(",\n", campaigns) + "]}";
  }

  /** A campaign; {@code extra} is a run of fields ending with a comma (or empty). */
  public static String campaign(String id, String trigger, String extra, String steps) {
    return "{\"id\": \"" + id + "\", \"trigger\": {\"event\": \"" + trigger + "\"}, " + extra
        + " \"steps\": [" + steps + "]}";
  }

  public static String step(String delay, String title, String body) {
    return "{\"delay\": \"" + delay + "\", \"message\": {\"title\": " + quote(title) + ", \"body\": " + quote(body) + "}}";
  }

  // ---- log lines

  public static String event(String at, String name, String user, String properties) {
    return "{\"type\":\"event\",\"name\":\"" + name + "\",\"userId\":\"" + user + "\",\"occurredAt\":\"" + time(at)
        + "\",\"properties\":{" + properties + "}}";
  }

  public static String cartAdd(String at, String user, String cartId, String item) {
    return event(at, "cart_add", user, "\"cart_id\":\"" + cartId + "\",\"item_name\":\"" + item + "\"");
  }

  /** An iOS device; {@code extra} starts with a comma. */
  public static String ios(String at, String user, String token, String extra) {
    return "{\"type\":\"device\",\"userId\":\"" + user + "\",\"platform\":\"ios\",\"token\":\"" + token
        + "\",\"occurredAt\":\"" + time(at) + "\"" + extra + "}";
  }

  public static String device(String at, String user, String platform, String token, String extra) {
    return "{\"type\":\"device\",\"userId\":\"" + user + "\","
        + (platform == null ? "" : "\"platform\":\"" + platform + "\",")
        + "\"token\":\"" + token + "\",\"occurredAt\":\"" + time(at) + "\"" + (extra.isEmpty() ? "" : "," + extra) + "}";
  }

  public static String user(String at, String user, String attributes) {
    return "{\"type\":\"user\",\"userId\":\"" + user + "\",\"attributes\":{" + attributes + "},\"occurredAt\":\""
        + time(at) + "\"}";
  }

  // ---- expected output lines, spelled out independently of the code under test

  public static String sent(String at, String campaign, int step, String user, String key, String dueAt, int devices,
      String title, String body) {
    return out(at, campaign, step, user, key, "SENT", null, dueAt, devices, title, body);
  }

  public static String cancelled(String at, String campaign, int step, String user, String key, String dueAt) {
    return out(at, campaign, step, user, key, "CANCELLED", null, dueAt, 0, null, null);
  }

  public static String suppressed(String at, String campaign, int step, String user, String key, String reason, String dueAt) {
    return out(at, campaign, step, user, key, "SUPPRESSED", reason, dueAt, 0, null, null);
  }

  public static String expired(String at, String campaign, int step, String user, String key, String dueAt) {
    return out(at, campaign, step, user, key, "EXPIRED", null, dueAt, 0, null, null);
  }

  public static String out(String at, String campaign, int step, String user, String key, String outcome, String reason,
      String dueAt, int devices, String title, String body) {
    return "{\"at\":\"" + time(at) + "\",\"campaign\":\"" + campaign + "\",\"step\":" + step + ",\"userId\":\"" + user
        + "\",\"key\":" + quote(key) + ",\"outcome\":\"" + outcome + "\",\"reason\":" + quote(reason)
        + ",\"dueAt\":" + quote(dueAt == null ? null : time(dueAt)) + ",\"devices\":" + devices + ",\"title\":" + quote(title)
        + ",\"body\":" + quote(body) + "}";
  }

  /** {@code "12:00"} is that time on 2026-03-01 (UTC); anything else is a full instant. */
  public static String time(String t) {
    return t.length() == 5 ? "2026-03-01T" + t + ":00Z" : t;
  }

  public static String quote(String s) {
    return s == null ? "null" : "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
