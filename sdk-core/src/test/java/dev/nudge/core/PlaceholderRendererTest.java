package dev.nudge.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.nudge.spi.TemplateContext;
import dev.nudge.spi.TemplateRenderer.Template;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PlaceholderRendererTest {
  private final PlaceholderRenderer renderer = new PlaceholderRenderer();

  private Optional<String> render(String source, Map<String, Object> event, Map<String, Object> user) {
    return renderer.compile(source).render(new TemplateContext("cart", event, user));
  }

  private Optional<String> renderEvent(String source, Map<String, Object> event) {
    return render(source, event, Map.of());
  }

  private String compileError(String source) {
    Throwable thrown = catchThrowable(() -> renderer.compile(source));
    assertThat(thrown).isInstanceOf(IllegalArgumentException.class);
    return thrown.getMessage();
  }

  // --- roots -------------------------------------------------------------------------------

  @Test
  void eventPropertyIsInserted() {
    assertThat(renderEvent("Your cart {{event.cart_id}} is waiting", Map.of("cart_id", "c1")))
        .contains("Your cart c1 is waiting");
  }

  @Test
  void userAttributeIsInserted() {
    assertThat(render("Hi {{user.first_name}}!", Map.of(), Map.of("first_name", "Sara")))
        .contains("Hi Sara!");
  }

  @Test
  void campaignIdIsInserted() {
    assertThat(render("from {{campaign.id}}", Map.of(), Map.of())).contains("from cart");
  }

  @Test
  void eventAndUserRootsReadTheirOwnValues() {
    assertThat(render("{{event.name}}/{{user.name}}", Map.of("name", "E"), Map.of("name", "U")))
        .contains("E/U");
    assertThat(render("{{user.name}}", Map.of("name", "E"), Map.of())).isEmpty();
  }

  @Test
  void whitespaceInsidePlaceholderIsOptional() {
    Map<String, Object> event = Map.of("x", "ab");
    assertThat(renderEvent("{{event.x}}|{{ event.x }}|{{\tevent.x  |  upper\n}}|{{event.x|upper}}", event))
        .contains("ab|ab|AB|AB");
  }

  @Test
  void namesMayUseLettersDigitsUnderscoresAndDashes() {
    assertThat(renderEvent("{{event.cart-id_2}} {{event.نام}}", Map.of("cart-id_2", "c2", "نام", "مریم")))
        .contains("c2 مریم");
  }

  @Test
  void placeholdersMayBeAdjacentAndAtBothEnds() {
    assertThat(renderEvent("{{event.a}}{{event.b}} and {{event.a}}", Map.of("a", "1", "b", "2")))
        .contains("12 and 1");
  }

  // --- missing values and default ----------------------------------------------------------

  @Test
  void missingValueWithoutDefaultRendersNothing() {
    assertThat(renderEvent("Hi {{event.name}}", Map.of())).isEmpty();
  }

  @Test
  void oneMissingValueAmongPresentOnesRendersNothing() {
    assertThat(renderEvent("{{event.a}} {{event.b}} {{event.c}}", Map.of("a", "1", "c", "3"))).isEmpty();
  }

  @Test
  void missingCampaignIdRendersNothing() {
    Template template = renderer.compile("{{campaign.id}}");
    assertThat(template.render(new TemplateContext(null, Map.of(), Map.of()))).isEmpty();
  }

  @Test
  void absentEventAndUserMapsCountAsMissingValues() {
    Template template = renderer.compile("{{event.a}}{{user.b}}");
    assertThat(template.render(new TemplateContext("c", null, null))).isEmpty();
  }

  @Test
  void defaultIsUsedWhenValueIsMissing() {
    assertThat(renderEvent("Hi {{event.name | default: \"there\"}}", Map.of())).contains("Hi there");
  }

  @Test
  void defaultStopsApplyingWhenValueIsPresent() {
    assertThat(renderEvent("Hi {{event.name | default: \"there\"}}", Map.of("name", "Sara")))
        .contains("Hi Sara");
  }

  @Test
  void defaultIsNotUsedForAPresentEmptyValue() {
    assertThat(renderEvent("[{{event.name | default: \"there\"}}]", Map.of("name", ""))).contains("[]");
    assertThat(renderEvent("[{{event.items | default: \"none\"}}]", Map.of("items", List.of())))
        .contains("[]");
  }

  @Test
  void defaultTextMayBeEmpty() {
    assertThat(renderEvent("Hi{{event.name | default: \"\"}}!", Map.of())).contains("Hi!");
  }

  @Test
  void defaultTextUnescapesQuotesAndBackslashes() {
    assertThat(renderEvent("{{event.x | default: \"say \\\"hi\\\" \\\\ bye\"}}", Map.of()))
        .contains("say \"hi\" \\ bye");
  }

  @Test
  void defaultTextMayContainBracesPipesAndColons() {
    assertThat(renderEvent("{{event.x | default: \"a | b }} c: {{d}}\"}}!", Map.of()))
        .contains("a | b }} c: {{d}}!");
  }

  // --- lists: join and count ---------------------------------------------------------------

  @Test
  void listWithoutJoinRendersItsItemsSeparatedByCommaAndSpace() {
    assertThat(renderEvent("{{event.items}}", Map.of("items", List.of("shoes", "hat", "scarf"))))
        .contains("shoes, hat, scarf");
  }

  @Test
  void joinUsesTheGivenSeparator() {
    assertThat(renderEvent("{{event.items | join: \" & \"}}", Map.of("items", List.of("shoes", "hat"))))
        .contains("shoes & hat");
    assertThat(renderEvent("{{event.items | join: \"\"}}", Map.of("items", List.of("a", "b"))))
        .contains("ab");
  }

  @Test
  void joinOfAnEmptyListIsEmptyText() {
    assertThat(renderEvent("[{{event.items | join: \", \"}}]", Map.of("items", List.of()))).contains("[]");
  }

  @Test
  void joinLeavesASingleValueAsItIs() {
    assertThat(renderEvent("{{event.item | join: \"/\"}}", Map.of("item", "hat"))).contains("hat");
  }

  @Test
  void joinOfAMissingListRendersNothingUnlessDefaulted() {
    assertThat(renderEvent("{{event.items | join: \", \"}}", Map.of())).isEmpty();
    assertThat(renderEvent("{{event.items | join: \", \" | default: \"nothing\"}}", Map.of()))
        .contains("nothing");
  }

  @Test
  void countGivesTheListSize() {
    assertThat(renderEvent("{{event.items | count}} items", Map.of("items", List.of("a", "b", "c"))))
        .contains("3 items");
    assertThat(renderEvent("{{event.items | count}} items", Map.of("items", List.of())))
        .contains("0 items");
  }

  @Test
  void countOfAMissingListIsMissing() {
    assertThat(renderEvent("{{event.items | count}} items", Map.of())).isEmpty();
  }

  @Test
  void defaultAfterCountCoversAMissingList() {
    assertThat(renderEvent("{{event.items | count | default: \"no\"}} items", Map.of()))
        .contains("no items");
    assertThat(renderEvent("{{event.items | count | default: \"no\"}} items", Map.of("items", List.of("a"))))
        .contains("1 items");
  }

  @Test
  void listItemsAreFormattedLikeSingleValues() {
    assertThat(renderEvent("{{event.v}}", Map.of("v", List.of(1L, 2.0, 2.5, true, new BigDecimal("3.10")))))
        .contains("1, 2, 2.5, true, 3.1");
  }

  // --- case filters ------------------------------------------------------------------------

  @Test
  void upperAndLowerChangeCase() {
    assertThat(renderEvent("{{event.n | upper}} {{event.n | lower}}", Map.of("n", "Sara")))
        .contains("SARA sara");
  }

  @Test
  void filtersApplyLeftToRight() {
    Map<String, Object> event = Map.of("n", "Sara");
    assertThat(renderEvent("{{event.n | upper | lower}}", event)).contains("sara");
    assertThat(renderEvent("{{event.n | lower | upper}}", event)).contains("SARA");
  }

  @Test
  void defaultBeforeUpperIsUpperCasedButUpperBeforeDefaultIsNot() {
    assertThat(renderEvent("{{event.n | default: \"there\" | upper}}", Map.of())).contains("THERE");
    assertThat(renderEvent("{{event.n | upper | default: \"there\"}}", Map.of())).contains("there");
  }

  @Test
  void upperAppliesToEachListItemSoJoinStillWorks() {
    assertThat(renderEvent("{{event.items | upper | join: \"/\"}}", Map.of("items", List.of("a", "b"))))
        .contains("A/B");
    assertThat(renderEvent("{{event.items | lower}}", Map.of("items", List.of("A", "B"))))
        .contains("a, b");
  }

  @Test
  void caseFiltersIgnoreTheDefaultLocale() {
    Locale saved = Locale.getDefault();
    Locale.setDefault(Locale.forLanguageTag("tr-TR"));
    try {
      assertThat(renderEvent("{{event.w | upper}}", Map.of("w", "title"))).contains("TITLE");
    } finally {
      Locale.setDefault(saved);
    }
  }

  @Test
  void upperOnANumberUsesItsText() {
    assertThat(renderEvent("{{event.total | upper}}", Map.of("total", 80.0))).contains("80");
  }

  // --- values as text ----------------------------------------------------------------------

  @Test
  void wholeNumbersHaveNoDecimalPoint() {
    Map<String, Object> event = Map.of(
        "long", 80L, "int", 80, "double", 80.0, "float", 80.0f,
        "decimal", new BigDecimal("80.00"), "big", 1e20, "negZero", -0.0, "negative", -3.0);
    assertThat(renderEvent(
        "{{event.long}} {{event.int}} {{event.double}} {{event.float}} {{event.decimal}} {{event.big}}"
            + " {{event.negZero}} {{event.negative}}", event))
        .contains("80 80 80 80 80 100000000000000000000 0 -3");
  }

  @Test
  void fractionalNumbersUsePlainDecimalsWithoutExponent() {
    Map<String, Object> event = Map.of(
        "price", 12.5, "tenth", 0.1, "tiny", 1.5e-7, "decimal", new BigDecimal("12.50"),
        "decimalExp", new BigDecimal("1E-7"), "float", 0.1f);
    assertThat(renderEvent(
        "{{event.price}} {{event.tenth}} {{event.tiny}} {{event.decimal}} {{event.decimalExp}} {{event.float}}",
        event))
        .contains("12.5 0.1 0.00000015 12.5 0.0000001 0.1");
  }

  @Test
  void bigIntegersAreInsertedInFull() {
    assertThat(renderEvent("{{event.n}}", Map.of("n", new BigInteger("123456789012345678901234567890"))))
        .contains("123456789012345678901234567890");
  }

  @Test
  void booleansAreTrueOrFalse() {
    assertThat(renderEvent("{{event.a}}/{{event.b}}", Map.of("a", true, "b", false))).contains("true/false");
  }

  @Test
  void mapValuesRenderAsTextRatherThanFailing() {
    assertThat(renderEvent("{{event.m}}", Map.of("m", Map.of("k", "v")))).contains("{k=v}");
  }

  @Test
  void insertedValuesAreNotEvaluatedAgain() {
    assertThat(render("{{event.name}}", Map.of("name", "{{user.secret}}"), Map.of("secret", "s3cr3t")))
        .contains("{{user.secret}}");
  }

  // --- literal text ------------------------------------------------------------------------

  @Test
  void literalBracesWithoutPlaceholdersPassThrough() {
    String source = "{ not } a }} placeholder { {x} }";
    assertThat(renderEvent(source, Map.of())).contains(source);
  }

  @Test
  void templateWithoutPlaceholdersRendersItsSourceForAnyContext() {
    String source = "Your cart is waiting";
    Template template = renderer.compile(source);
    assertThat(template.render(null)).containsSame(source);
    assertThat(template.render(new TemplateContext("c", Map.of(), Map.of()))).containsSame(source);
  }

  @Test
  void emptyTemplateRendersEmptyText() {
    assertThat(renderEvent("", Map.of())).contains("");
  }

  @Test
  void persianTextPassesThroughUnchanged() {
    assertThat(render("سلام {{user.first_name}}، سبد خرید شما ({{event.count}} کالا) منتظر است 🛒",
        Map.of("count", 3L), Map.of("first_name", "مریم")))
        .contains("سلام مریم، سبد خرید شما (3 کالا) منتظر است 🛒");
  }

  @Test
  void persianTextWithoutPlaceholdersPassesThroughUnchanged() {
    String source = "\u200Fسبد خرید شما منتظر است\u200F";
    assertThat(renderEvent(source, Map.of())).contains(source);
  }

  @Test
  void compiledTemplateIsSharedSafelyAcrossThreads() {
    Template template = renderer.compile("Hi {{user.name | upper}}, {{event.items | count}} items");
    List<String> results = IntStream.range(0, 2_000).parallel()
        .mapToObj(i -> template.render(new TemplateContext("c",
            Map.of("items", List.of(1, 2, 3).subList(0, i % 3 + 1)), Map.of("name", "u" + i))).orElseThrow())
        .toList();
    for (int i = 0; i < results.size(); i++) {
      assertThat(results.get(i)).isEqualTo("Hi U" + i + ", " + (i % 3 + 1) + " items");
    }
  }

  // --- compile errors ----------------------------------------------------------------------

  @Test
  void unknownRootIsRejectedWithTheAllowedRoots() {
    assertThat(compileError("Hi {{foo.bar}}"))
        .startsWith("placeholder {{foo.bar}} uses root 'foo'; allowed roots are event, user, campaign");
  }

  @Test
  void unknownFilterIsRejectedWithTheAllowedFilters() {
    assertThat(compileError("{{event.x | shout}}"))
        .isEqualTo("placeholder {{event.x | shout}} uses unknown filter 'shout'; "
            + "allowed: default, join, count, upper, lower");
  }

  @Test
  void campaignRootSupportsOnlyId() {
    assertThat(compileError("{{campaign.name}}"))
        .startsWith("placeholder {{campaign.name}} reads campaign property 'name'; only {{campaign.id}} is supported");
    assertThat(compileError("{{campaign}}")).startsWith("placeholder {{campaign}} names no campaign property");
  }

  @Test
  void rootWithoutPropertyNameIsRejected() {
    assertThat(compileError("{{event}}")).startsWith("placeholder {{event}} names no event property; write event.NAME");
    assertThat(compileError("{{ user }}")).startsWith("placeholder {{ user }} names no user property");
  }

  @Test
  void nestedPropertyNameIsRejected() {
    assertThat(compileError("{{event.a.b}}"))
        .startsWith("placeholder {{event.a.b}} reads nested property 'a.b'; only a single name is supported");
  }

  @Test
  void emptyPlaceholderIsRejected() {
    assertThat(compileError("Hi {{}}")).startsWith("placeholder {{}} is empty; write a value such as");
    assertThat(compileError("Hi {{   }}")).startsWith("placeholder {{   }} is empty");
  }

  @Test
  void unterminatedStringLiteralIsRejected() {
    assertThat(compileError("Hi {{event.x | default: \"friend}}!"))
        .startsWith("placeholder {{event.x | default: \"friend}} has an unterminated string literal")
        .contains("close it with a double quote");
    assertThat(compileError("{{event.x | default: \"friend\\\"}}"))
        .contains("unterminated string literal");
  }

  @Test
  void unclosedPlaceholderIsRejected() {
    assertThat(compileError("Hi {{event.name")).isEqualTo("placeholder {{event.name at index 3 is not closed; end it with '}}'");
    assertThat(compileError("Hi {{event.name | upper }")).contains("{{event.name | upper }").contains("not closed");
    assertThat(compileError("Hi {{")).contains("placeholder {{ at index 3 is not closed");
  }

  @Test
  void filterThatNeedsTextIsRejectedWithoutIt() {
    assertThat(compileError("{{event.x | default}}"))
        .isEqualTo("placeholder {{event.x | default}} uses filter 'default' without its text; write default: \"there\"");
    assertThat(compileError("{{event.x | join}}")).startsWith("placeholder {{event.x | join}} uses filter 'join' without its text");
  }

  @Test
  void unquotedFilterTextIsRejected() {
    assertThat(compileError("{{event.x | default: there}}"))
        .startsWith("placeholder {{event.x | default: there}} gives filter 'default' an argument that is not a double-quoted string");
  }

  @Test
  void filterWithoutArgumentsRejectsOne() {
    assertThat(compileError("{{event.x | upper: \"y\"}}"))
        .startsWith("placeholder {{event.x | upper: \"y\"}} gives filter 'upper' an argument, but it takes none");
  }

  @Test
  void emptyFilterIsRejected() {
    assertThat(compileError("{{event.x | }}")).startsWith("placeholder {{event.x | }} has an empty filter after '|'");
    assertThat(compileError("{{event.x || upper}}")).startsWith("placeholder {{event.x || upper}} has an empty filter");
  }

  @Test
  void unsupportedEscapeIsRejected() {
    assertThat(compileError("{{event.x | default: \"a\\nb\"}}"))
        .startsWith("placeholder {{event.x | default: \"a\\nb\"}} has unsupported escape '\\n'");
  }

  @Test
  void methodCallsAreNotEvaluated() {
    assertThat(compileError("{{event.name.toUpperCase()}}"))
        .startsWith("placeholder {{event.name.toUpperCase()}} has '(' at column 25, but templates call no methods");
    // A name that looks like a method is only ever a key in the user's attributes.
    assertThat(render("{{user.getClass}}", Map.of(), Map.of())).isEmpty();
    assertThat(render("{{user.getClass}}", Map.of(), Map.of("getClass", "plain"))).contains("plain");
  }

  @Test
  void nullSourceIsRejected() {
    assertThatThrownBy(() -> renderer.compile(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("template source is null");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '~', quoteCharacter = '\'', value = {
      "Hi {{foo.bar}}!           ~ {{foo.bar}}",
      "Hi {{event.x | shout}}!   ~ {{event.x | shout}}",
      "Hi {{campaign.name}}!     ~ {{campaign.name}}",
      "Hi {{event.a.b}}!         ~ {{event.a.b}}",
      "Hi {{}}!                  ~ {{}}",
      "Hi {{event.x upper}}!     ~ {{event.x upper}}",
      "Hi {{event.total$}}!      ~ {{event.total$}}",
      "Hi {{event.x | default}}! ~ {{event.x | default}}",
      "Hi {{event.x | lower: x}}! ~ {{event.x | lower: x}}",
      "Hi {{event.x | }}!        ~ {{event.x | }}",
      "Hi {{ .x }}!              ~ {{ .x }}",
      "Hi {{event.x | upper       ~ {{event.x | upper",
      "Hi {{event.x | default: \"a}} ~ {{event.x | default: \"a}}",
  })
  void everyCompileErrorNamesThePlaceholder(String source, String placeholder) {
    assertThat(compileError(source)).startsWith("placeholder " + placeholder + " ");
  }
}
