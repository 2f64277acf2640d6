package dev.nudge.core;

import static dev.nudge.core.ConditionMatcher.matches;
import static dev.nudge.core.ConditionMatcher.matchesAll;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nudge.Condition;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConditionMatcherTest {

  private static Map<String, Object> total(Object value) {
    return Map.of("total", value);
  }

  // --- eq / ne -----------------------------------------------------------------------------

  @Test
  void eqMatchesAnEqualString() {
    assertThat(matches(Condition.eq("plan", "gold"), Map.of("plan", "gold"))).isTrue();
    assertThat(matches(Condition.eq("plan", "gold"), Map.of("plan", "Gold"))).isFalse();
  }

  @Test
  void eqComparesNumbersByValueWhateverTheirType() {
    assertThat(matches(Condition.eq("total", 80), total(80.0))).isTrue();
    assertThat(matches(Condition.eq("total", 80.0), total(80L))).isTrue();
    assertThat(matches(Condition.eq("total", 80), total(new BigDecimal("80.00")))).isTrue();
    assertThat(matches(Condition.eq("total", 80), total(BigInteger.valueOf(80)))).isTrue();
    assertThat(matches(Condition.eq("total", 12.5), total(new BigDecimal("12.50")))).isTrue();
    assertThat(matches(Condition.eq("total", 0.1), total(new BigDecimal("0.1")))).isTrue();
    assertThat(matches(Condition.eq("total", 80), total(80.5))).isFalse();
  }

  @Test
  void eqKeepsLongPrecisionAgainstDoubles() {
    long big = (1L << 53) + 1;
    assertThat(matches(Condition.eq("total", (double) (1L << 53)), total(big))).isFalse();
    assertThat(matches(Condition.eq("total", big), total(big))).isTrue();
  }

  @Test
  void negativeZeroEqualsZero() {
    assertThat(matches(Condition.eq("total", 0), total(-0.0))).isTrue();
    assertThat(matches(Condition.eq("total", -0.0), total(0.0))).isTrue();
  }

  @Test
  void eqBetweenStringAndNumberNeverMatches() {
    assertThat(matches(Condition.eq("total", "80"), total(80L))).isFalse();
    assertThat(matches(Condition.eq("total", 80), total("80"))).isFalse();
  }

  @Test
  void eqComparesBooleans() {
    assertThat(matches(Condition.eq("vip", true), Map.of("vip", true))).isTrue();
    assertThat(matches(Condition.eq("vip", true), Map.of("vip", false))).isFalse();
    assertThat(matches(Condition.eq("vip", true), Map.of("vip", "true"))).isFalse();
    assertThat(matches(Condition.eq("vip", true), Map.of("vip", 1L))).isFalse();
  }

  @Test
  void eqDoesNotMatchAListValue() {
    assertThat(matches(Condition.eq("tags", "a"), Map.of("tags", List.of("a")))).isFalse();
  }

  @Test
  void neMatchesADifferentValue() {
    assertThat(matches(Condition.ne("plan", "gold"), Map.of("plan", "silver"))).isTrue();
    assertThat(matches(Condition.ne("plan", "gold"), Map.of("plan", "gold"))).isFalse();
    assertThat(matches(Condition.ne("vip", true), Map.of("vip", false))).isTrue();
  }

  @Test
  void neFailsForNumbersEqualByValue() {
    assertThat(matches(Condition.ne("total", 80), total(80.0))).isFalse();
    assertThat(matches(Condition.ne("total", 80), total(new BigDecimal("80.0")))).isFalse();
  }

  @Test
  void neBetweenMixedTypesMatchesBecauseTheyAreNotEqual() {
    assertThat(matches(Condition.ne("total", "80"), total(80L))).isTrue();
    assertThat(matches(Condition.ne("vip", true), Map.of("vip", "true"))).isTrue();
  }

  @Test
  void neOnAMissingKeyMatches() {
    assertThat(matches(Condition.ne("plan", "gold"), Map.of())).isTrue();
  }

  // --- ordering ----------------------------------------------------------------------------

  @Test
  void orderingComparesNumbers() {
    assertThat(matches(Condition.gt("total", 80), total(81L))).isTrue();
    assertThat(matches(Condition.gt("total", 80), total(80L))).isFalse();
    assertThat(matches(Condition.gte("total", 80), total(80L))).isTrue();
    assertThat(matches(Condition.gte("total", 80), total(79L))).isFalse();
    assertThat(matches(Condition.lt("total", 80), total(79L))).isTrue();
    assertThat(matches(Condition.lt("total", 80), total(80L))).isFalse();
    assertThat(matches(Condition.lte("total", 80), total(80L))).isTrue();
    assertThat(matches(Condition.lte("total", 80), total(81L))).isFalse();
  }

  @Test
  void orderingMixesWholeAndFractionalNumbersExactly() {
    assertThat(matches(Condition.gt("total", 80), total(80.5))).isTrue();
    assertThat(matches(Condition.lt("total", 80.5), total(80L))).isTrue();
    assertThat(matches(Condition.gt("total", -80), total(-80.5))).isFalse();
    assertThat(matches(Condition.lt("total", -80), total(-80.5))).isTrue();
    assertThat(matches(Condition.gte("total", 80.0), total(80L))).isTrue();
    assertThat(matches(Condition.lte("total", 80), total(80.0))).isTrue();
    assertThat(matches(Condition.gt("total", (double) (1L << 53)), total((1L << 53) + 1))).isTrue();
    assertThat(matches(Condition.lt("total", 9.3e18), total(Long.MAX_VALUE))).isTrue();
    assertThat(matches(Condition.gt("total", -9.3e18), total(Long.MIN_VALUE))).isTrue();
  }

  @Test
  void orderingComparesBigNumbers() {
    assertThat(matches(Condition.gt("total", 99.99), total(new BigDecimal("100.00")))).isTrue();
    assertThat(matches(Condition.lt("total", Long.MAX_VALUE),
        total(new BigInteger("9223372036854775808")))).isFalse();
    assertThat(matches(Condition.gt("total", Long.MAX_VALUE),
        total(new BigInteger("9223372036854775808")))).isTrue();
  }

  @Test
  void orderingComparesStringsLexicographically() {
    assertThat(matches(Condition.gt("name", "a"), Map.of("name", "b"))).isTrue();
    assertThat(matches(Condition.lt("name", "a"), Map.of("name", "B"))).isTrue();
    assertThat(matches(Condition.lt("version", "9"), Map.of("version", "10"))).isTrue();
    assertThat(matches(Condition.gte("day", "2024-05-01"), Map.of("day", "2024-05-01"))).isTrue();
    assertThat(matches(Condition.lte("day", "2024-05-01"), Map.of("day", "2024-05-02"))).isFalse();
  }

  @Test
  void orderingBetweenMixedTypesNeverMatches() {
    Map<String, Object> text = total("10");
    assertThat(matches(Condition.gt("total", 5), text)).isFalse();
    assertThat(matches(Condition.gte("total", 5), text)).isFalse();
    assertThat(matches(Condition.lt("total", 50), text)).isFalse();
    assertThat(matches(Condition.lte("total", 50), text)).isFalse();
    Map<String, Object> number = total(10L);
    assertThat(matches(Condition.gt("total", "1"), number)).isFalse();
    assertThat(matches(Condition.lt("total", "9"), number)).isFalse();
  }

  @Test
  void booleansAreNeverOrdered() {
    Map<String, Object> flag = Map.of("vip", true);
    assertThat(matches(Condition.gt("vip", 0), flag)).isFalse();
    assertThat(matches(Condition.gte("vip", 0), flag)).isFalse();
    assertThat(matches(Condition.lt("vip", 2), flag)).isFalse();
    assertThat(matches(Condition.lte("vip", "z"), flag)).isFalse();
  }

  @Test
  void notANumberMatchesOnlyNe() {
    Map<String, Object> nan = total(Double.NaN);
    assertThat(matches(Condition.eq("total", 1), nan)).isFalse();
    assertThat(matches(Condition.gt("total", 1), nan)).isFalse();
    assertThat(matches(Condition.gte("total", 1), nan)).isFalse();
    assertThat(matches(Condition.lt("total", 1), nan)).isFalse();
    assertThat(matches(Condition.lte("total", 1), nan)).isFalse();
    assertThat(matches(Condition.ne("total", 1), nan)).isTrue();
  }

  // --- in ----------------------------------------------------------------------------------

  @Test
  void inMatchesAValueInTheList() {
    Condition plan = Condition.in("plan", List.of("gold", "silver"));
    assertThat(matches(plan, Map.of("plan", "silver"))).isTrue();
    assertThat(matches(plan, Map.of("plan", "bronze"))).isFalse();
  }

  @Test
  void inComparesNumbersByValueAndNeverAcrossTypes() {
    Condition qty = Condition.in("qty", List.of(1, 2, 3));
    assertThat(matches(qty, Map.of("qty", 2.0))).isTrue();
    assertThat(matches(qty, Map.of("qty", new BigDecimal("3.00")))).isTrue();
    assertThat(matches(qty, Map.of("qty", 2.5))).isFalse();
    assertThat(matches(qty, Map.of("qty", "2"))).isFalse();
    assertThat(matches(Condition.in("qty", List.of("2", true)), Map.of("qty", 2L))).isFalse();
  }

  @Test
  void inWithAnEmptyListNeverMatches() {
    assertThat(matches(Condition.in("plan", List.of()), Map.of("plan", "gold"))).isFalse();
  }

  // --- exists ------------------------------------------------------------------------------

  @Test
  void existsTrueMatchesAPresentKeyWhateverItsValue() {
    assertThat(matches(Condition.exists("coupon", true), Map.of("coupon", ""))).isTrue();
    assertThat(matches(Condition.exists("coupon", true), Map.of("coupon", false))).isTrue();
    assertThat(matches(Condition.exists("coupon", true), Map.of())).isFalse();
  }

  @Test
  void existsFalseMatchesOnlyAnAbsentKey() {
    assertThat(matches(Condition.exists("coupon", false), Map.of())).isTrue();
    assertThat(matches(Condition.exists("coupon", false), Map.of("coupon", "X"))).isFalse();
  }

  @Test
  void aKeyMappedToNullCountsAsMissing() {
    Map<String, Object> values = new HashMap<>();
    values.put("coupon", null);
    assertThat(matches(Condition.exists("coupon", true), values)).isFalse();
    assertThat(matches(Condition.exists("coupon", false), values)).isTrue();
    assertThat(matches(Condition.ne("coupon", "X"), values)).isTrue();
    assertThat(matches(Condition.eq("coupon", "X"), values)).isFalse();
  }

  // --- contains ----------------------------------------------------------------------------

  @Test
  void containsMatchesAListHoldingTheValue() {
    Map<String, Object> tags = Map.of("tags", List.of("sale", "shoes"));
    assertThat(matches(Condition.contains("tags", "shoes"), tags)).isTrue();
    assertThat(matches(Condition.contains("tags", "hats"), tags)).isFalse();
    assertThat(matches(Condition.contains("tags", "sho"), tags)).isFalse();
  }

  @Test
  void containsComparesListNumbersByValueAndNeverAcrossTypes() {
    assertThat(matches(Condition.contains("ids", 2.0), Map.of("ids", List.of(1L, 2L)))).isTrue();
    assertThat(matches(Condition.contains("ids", 2), Map.of("ids", List.of(new BigDecimal("2.0"))))).isTrue();
    assertThat(matches(Condition.contains("ids", 2), Map.of("ids", List.of("2")))).isFalse();
    assertThat(matches(Condition.contains("ids", "2"), Map.of("ids", List.of(2L)))).isFalse();
  }

  @Test
  void containsMatchesASubstringOfAStringValue() {
    assertThat(matches(Condition.contains("plan", "gold"), Map.of("plan", "premium-gold"))).isTrue();
    assertThat(matches(Condition.contains("plan", "GOLD"), Map.of("plan", "premium-gold"))).isFalse();
    assertThat(matches(Condition.contains("plan", ""), Map.of("plan", "x"))).isTrue();
  }

  @Test
  void containsNeverMatchesAcrossStringsAndOtherTypes() {
    assertThat(matches(Condition.contains("note", 80), Map.of("note", "order 80"))).isFalse();
    assertThat(matches(Condition.contains("total", "8"), total(80L))).isFalse();
    assertThat(matches(Condition.contains("vip", true), Map.of("vip", true))).isFalse();
  }

  // --- missing keys ------------------------------------------------------------------------

  @Test
  void conditionOnAMissingKeyIsFalseExceptNeAndExistsFalse() {
    Map<String, Object> none = Map.of("other", "x");
    assertThat(matches(Condition.eq("plan", "gold"), none)).isFalse();
    assertThat(matches(Condition.gt("total", 0), none)).isFalse();
    assertThat(matches(Condition.gte("total", 0), none)).isFalse();
    assertThat(matches(Condition.lt("total", 0), none)).isFalse();
    assertThat(matches(Condition.lte("total", 0), none)).isFalse();
    assertThat(matches(Condition.in("plan", List.of("gold")), none)).isFalse();
    assertThat(matches(Condition.contains("tags", "a"), none)).isFalse();
    assertThat(matches(Condition.exists("plan", true), none)).isFalse();
    assertThat(matches(Condition.ne("plan", "gold"), none)).isTrue();
    assertThat(matches(Condition.exists("plan", false), none)).isTrue();
  }

  // --- all ---------------------------------------------------------------------------------

  @Test
  void matchesAllRequiresEveryCondition() {
    Map<String, Object> cart = Map.of("total", 80.0, "currency", "EUR");
    List<Condition> both = List.of(Condition.gte("total", 50), Condition.eq("currency", "EUR"));
    assertThat(matchesAll(both, cart)).isTrue();
    List<Condition> oneFails = List.of(Condition.gte("total", 50), Condition.eq("currency", "USD"));
    assertThat(matchesAll(oneFails, cart)).isFalse();
    assertThat(matchesAll(List.of(Condition.eq("currency", "USD"), Condition.gte("total", 50)), cart))
        .isFalse();
  }

  @Test
  void noConditionsMatchAnything() {
    assertThat(matchesAll(List.of(), Map.of())).isTrue();
  }
}
