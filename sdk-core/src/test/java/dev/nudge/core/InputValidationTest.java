package dev.nudge.core;

import dev.nudge.store.memory.InMemoryStore;
import static java.time.Duration.ofHours;
import static java.time.Duration.ofMinutes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nudge.Campaign;
import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.Message;
import dev.nudge.Outcome;
import dev.nudge.Platform;
import dev.nudge.QuietHours;
import dev.nudge.TrackResult;
import dev.nudge.internal.Checks;
import dev.nudge.spi.NudgeListener;
import dev.nudge.testing.RecordingTransport;
import java.time.Duration;
import java.time.LocalTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bad input from the host is refused with an {@link IllegalArgumentException} that names the field
 * and the problem, and the engine goes on serving every other user.
 */
class InputValidationTest {
  private static final String NAME_256 = "e".repeat(256);
  private static final String NAME_257 = "e".repeat(257);

  private Fixture f;
  private Nudge nudge;

  @BeforeEach
  void setUp() {
    f = new Fixture();
    nudge = f.nudge;
    nudge.define(Fixture.cartCampaign().build());
    f.registerIos("bystander", "ios-bystander");
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  /** A valid user tracked after the bad input still gets their cart reminder. */
  private void assertOtherUsersAreStillServed() {
    int before = f.ios.deliveriesTo("ios-bystander").size();
    f.track(Fixture.cartAdd("bystander", "Blue sneakers"));
    f.advance(ofHours(2).plusMinutes(1));
    assertThat(f.ios.deliveriesTo("ios-bystander")).hasSize(before + 1);
    assertThat(f.ios.deliveriesTo("ios-bystander").get(before).notification().body())
        .isEqualTo("Blue sneakers is waiting in your cart");
  }

  // ---- events ------------------------------------------------------------------------------------

  @Test
  void blankEventNameIsRefused() {
    assertThatThrownBy(() -> nudge.track(Event.named("  ").user("u1").build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("event name").hasMessageContaining("blank");
    assertOtherUsersAreStillServed();
  }

  @Test
  void eventNameOf257CharactersIsRefused() {
    assertThatThrownBy(() -> nudge.track(Event.named(NAME_257).user("u1").build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("event name").hasMessageContaining("257").hasMessageContaining("256");
    assertOtherUsersAreStillServed();
  }

  @Test
  void blankUserIdIsRefused() {
    assertThatThrownBy(() -> nudge.track(Fixture.cartAdd(" ", "Blue sneakers").build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("userId").hasMessageContaining("blank");
    assertThatThrownBy(() -> nudge.track(Event.named("cart_add").build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("userId").hasMessageContaining("required");
    assertOtherUsersAreStillServed();
  }

  @Test
  void userIdOf257CharactersIsRefused() {
    assertThatThrownBy(() -> nudge.track(Fixture.cartAdd("u".repeat(257), "Blue sneakers").build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("userId").hasMessageContaining("257").hasMessageContaining("256");
    assertOtherUsersAreStillServed();
  }

  @Test
  void eventNameAndUserIdOf256CharactersAreServed() {
    String user = "u".repeat(256);
    nudge.define(Campaign.named("long-names").triggeredBy(NAME_256)
        .after(ofMinutes(5)).send(Message.of("Hello", "Long names work").build()).build());
    f.registerIos(user, "ios-long");

    TrackResult tracked = f.track(Event.named(NAME_256).user(user));
    assertThat(tracked.scheduled()).isEqualTo(1);
    f.advance(ofMinutes(6));

    assertThat(f.ios.deliveriesTo("ios-long")).hasSize(1);
    assertThat(f.single(Outcome.SENT).userId()).isEqualTo(user);
  }

  @Test
  void moreThan100PropertiesAreRefused() {
    Map<String, Object> hundred = new LinkedHashMap<>();
    for (int i = 1; i < 100; i++) {
      hundred.put("p" + i, i);
    }
    Map<String, Object> hundredAndOne = new LinkedHashMap<>(hundred);
    hundredAndOne.put("p100", 100); // with item_name: 101

    assertThatThrownBy(() -> nudge.track(Fixture.cartAdd("u1", "Blue sneakers").properties(hundredAndOne).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cart_add").hasMessageContaining("101 properties").hasMessageContaining("100");

    // item_name plus 99 more: exactly at the limit
    f.registerIos("u1", "ios-u1");
    f.track(Fixture.cartAdd("u1", "Blue sneakers").properties(hundred));
    f.advance(ofHours(2).plusMinutes(1));
    assertThat(f.ios.deliveriesTo("ios-u1")).hasSize(1);
    assertOtherUsersAreStillServed();
  }

  @Test
  void moreThan16KibOfPropertiesAreRefused() {
    // "item_name" + "Shoes" = 14 bytes, "note" = 4 bytes: 16366 characters of note fill 16 KiB exactly
    String fits = "n".repeat(16 * 1024 - 14 - 4);
    String tooMuch = fits + "n";

    assertThatThrownBy(() -> nudge.track(Fixture.cartAdd("u1", "Shoes").property("note", tooMuch).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cart_add").hasMessageContaining("16385 bytes").hasMessageContaining("16384");

    f.registerIos("u1", "ios-u1");
    f.track(Fixture.cartAdd("u1", "Shoes").property("note", fits));
    f.advance(ofHours(2).plusMinutes(1));
    assertThat(f.ios.deliveriesTo("ios-u1")).hasSize(1);
    assertOtherUsersAreStillServed();
  }

  @Test
  void unsupportedPropertyValueTypeIsRefused() {
    assertThatThrownBy(() -> nudge.track(Fixture.cartAdd("u1", "Blue sneakers").property("gift", new Object()).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'gift'").hasMessageContaining("unsupported type");
    assertOtherUsersAreStillServed();
  }

  // ---- devices and users -------------------------------------------------------------------------

  @Test
  void deviceLocaleWithAnUnderscoreIsRefusedWithTheHyphenatedTag() {
    assertThatThrownBy(() -> f.register(Device.of("u1", Platform.IOS, "ios-u1").locale("en_US")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("device locale \"en_US\" is not a BCP 47 language tag; use \"en-US\""
            + " (BCP 47 separates with hyphens, not underscores)");
    assertThat(nudge.devices("u1")).isEmpty();
    assertOtherUsersAreStillServed();
  }

  @Test
  void deviceLocaleThatIsNoLanguageTagIsRefused() {
    assertThatThrownBy(() -> f.register(Device.of("u1", Platform.IOS, "ios-u1").locale("not a locale!")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("device locale \"not a locale!\" is not a BCP 47 language tag; use a BCP 47 tag such as"
            + " en-US or fa-IR");
    assertThatThrownBy(() -> f.register(Device.of("u1", Platform.IOS, "ios-u1").locale("")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("device locale is blank; use a BCP 47 tag such as en-US or fa-IR");
    assertThat(nudge.devices("u1")).isEmpty();
    assertOtherUsersAreStillServed();
  }

  @Test
  void wellFormedDeviceLocalesAreAccepted() {
    for (String tag : List.of("en", "en-US", "fa-IR", "zh-Hant-TW", "sr-Latn")) {
      assertThat(Device.of("u1", Platform.IOS, "ios-" + tag).locale(tag).build().locale()).contains(tag);
    }
  }

  @Test
  void messageLocaleVariantThatIsNoLanguageTagIsRefused() {
    Message variant = Message.of("Salut", "Ton panier").build();
    assertThatThrownBy(() -> Message.of("Hi", "Your cart").locale("fr_FR", variant))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("message locale tag").hasMessageContaining("\"fr_FR\"")
        .hasMessageContaining("use \"fr-FR\"");
  }

  @Test
  void zoneAttributeThatNamesNoTimeZoneIsRefused() {
    assertThatThrownBy(() -> nudge.setUserAttributes("u1", Map.of("zone", "Mars/Olympus")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("user 'u1' attribute zone \"Mars/Olympus\" names no time zone; use an IANA zone id such as"
            + " Europe/Paris or America/New_York");
    assertThat(nudge.userAttributes("u1")).doesNotContainKey("zone");
    assertOtherUsersAreStillServed();
  }

  @Test
  void zoneAttributeThatIsNotAStringIsRefused() {
    assertThatThrownBy(() -> nudge.setUserAttributes("u1", Map.of("zone", 3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("user 'u1' attribute zone is 3").hasMessageContaining("Europe/Paris");
    assertThat(nudge.userAttributes("u1")).doesNotContainKey("zone");
  }

  @Test
  void zoneAttributeThatNamesAZoneIsKept() {
    nudge.setUserAttributes("u1", Map.of("zone", "Europe/Paris", "first_name", "Ana"));
    assertThat(nudge.userAttributes("u1")).containsEntry("zone", "Europe/Paris");
  }

  @Test
  void blankUserIdOfAttributesIsRefused() {
    assertThatThrownBy(() -> nudge.setUserAttributes(" ", Map.of("first_name", "Ana")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("userId is blank; pass a non-blank string");
  }

  // ---- quiet hours and durations -----------------------------------------------------------------

  @Test
  void quietHoursOutsideTheDayAreRefusedAsTimesOfDay() {
    assertThatThrownBy(() -> QuietHours.between("25:00", "08:00"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("quietHours start \"25:00\" is not a time of day HH:mm (e.g. 22:00)");
    assertThatThrownBy(() -> QuietHours.between("22:00", "8pm"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("quietHours end \"8pm\" is not a time of day HH:mm (e.g. 22:00)");
    assertThat(QuietHours.between("22:00", "08:00").end()).isEqualTo(LocalTime.of(8, 0));
  }

  @Test
  void durationInWeeksIsRefusedWithTheDaysToWriteInstead() {
    assertThatThrownBy(() -> Checks.duration("cooldown", "P1W"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cooldown \"P1W\" is not an ISO-8601 duration Java accepts: Java durations take days,"
            + " not weeks; use \"P7D\" for one week");
    assertThatThrownBy(() -> Checks.duration("delay", "P2WT3H"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageEndingWith("not weeks; use \"P14DT3H\"");
  }

  @Test
  void durationInMonthsOrYearsIsRefusedWithDaysAsTheFix() {
    for (String text : List.of("P1M", "P1Y", "P1Y2M")) {
      assertThatThrownBy(() -> Checks.duration("expireAfter", text))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("expireAfter \"" + text + "\" is not an ISO-8601 duration Java accepts")
          .hasMessageContaining("days, not months or years").hasMessageContaining("\"P30D\"");
    }
  }

  @Test
  void durationThatIsNotIsoIsRefusedWithAnExample() {
    assertThatThrownBy(() -> Checks.duration("delay", "2 hours"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("delay \"2 hours\" is not an ISO-8601 duration such as \"PT2H\" or \"P7D\"");
    assertThat(Checks.duration("delay", "P7DT2H")).isEqualTo(Duration.ofDays(7).plusHours(2));
  }

  // ---- engine configuration ----------------------------------------------------------------------

  @Test
  void engineWithoutTransportIsRefusedByBuild() {
    assertThatThrownBy(() -> Nudge.builder().clock(f.clock).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("no transport configured: add one with transport(...) for each platform you send to");
  }

  @Test
  void leaseShorterThanTwoPollIntervalsIsRefusedByBuild() {
    assertThatThrownBy(() -> Nudge.builder().transport(RecordingTransport.ios())
        .lease(Duration.ofSeconds(1)).pollInterval(Duration.ofSeconds(5)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("lease (PT1S) must be at least twice pollInterval (PT5S)")
        .hasMessageContaining("set lease(PT10S) or more, or a shorter pollInterval");
    assertThatThrownBy(() -> Nudge.builder().transport(RecordingTransport.ios())
        .lease(Duration.ofSeconds(9)).pollInterval(Duration.ofSeconds(5)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lease (PT9S)");
    // the default lease (5 min) against a poll interval of a few minutes
    assertThatThrownBy(() -> Nudge.builder().transport(RecordingTransport.ios())
        .pollInterval(Duration.ofMinutes(3)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("lease (PT5M)");

    Nudge.builder().transport(RecordingTransport.ios())
        .lease(Duration.ofSeconds(10)).pollInterval(Duration.ofSeconds(5)).build().close();
  }

  @Test
  void pollIntervalBelowOneMillisecondIsRefused() {
    assertThatThrownBy(() -> Nudge.builder().pollInterval(Duration.ofNanos(500)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pollInterval (PT0.0000005S) is shorter than 1 ms; use 1 ms or more");
    assertThatThrownBy(() -> Nudge.builder().pollInterval(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pollInterval").hasMessageContaining("PT0S").hasMessageContaining("positive");
  }

  @Test
  void settingsGivenTwiceAreRefusedAtTheSecondCall() {
    Map<String, Consumer<Nudge.Builder>> settings = new LinkedHashMap<>();
    settings.put("clock", b -> b.clock(f.clock));
    settings.put("store", b -> b.store(new InMemoryStore(f.clock, Duration.ofDays(1))));
    settings.put("templateRenderer", b -> b.templateRenderer(new PlaceholderRenderer()));
    settings.put("globalFrequencyCap", b -> b.globalFrequencyCap(3, Duration.ofDays(1)));
    settings.put("threads", b -> b.threads(2));
    settings.put("maxInFlight", b -> b.maxInFlight(10));
    settings.put("claimBatchSize", b -> b.claimBatchSize(10));
    settings.put("pollInterval", b -> b.pollInterval(Duration.ofSeconds(1)));
    settings.put("lease", b -> b.lease(Duration.ofMinutes(1)));
    settings.put("retryBackoff", b -> b.retryBackoff(Duration.ofSeconds(1), Duration.ofMinutes(1)));
    settings.put("maxRetryWindow", b -> b.maxRetryWindow(Duration.ofHours(1)));
    settings.put("shutdownGrace", b -> b.shutdownGrace(Duration.ofSeconds(1)));
    settings.put("instanceId", b -> b.instanceId("node-1"));
    settings.forEach((name, set) -> {
      Nudge.Builder b = Nudge.builder();
      set.accept(b);
      assertThatThrownBy(() -> set.accept(b)).as(name)
          .isInstanceOf(IllegalStateException.class)
          .hasMessage(name + " is already set; set it once");
    });
  }

  @Test
  void listenersAddUpAndTransportsAddUpOnePerPlatform() {
    Nudge.Builder b = Nudge.builder().clock(f.clock)
        .listener(new NudgeListener() {}).listener(new NudgeListener() {})
        .transport(RecordingTransport.ios()).transport(RecordingTransport.android());
    assertThatThrownBy(() -> b.transport(RecordingTransport.ios()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a transport for IOS is already set; give one per platform");
    b.build().close();
  }

  @Test
  void retryBackoffMaxShorterThanInitialIsRefused() {
    assertThatThrownBy(() -> Nudge.builder().retryBackoff(Duration.ofMinutes(1), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("retryBackoff max (PT1S) is shorter than initial (PT1M); give a max of at least PT1M");
  }

  // ---- campaigns ---------------------------------------------------------------------------------

  @Test
  void campaignWithoutTriggerIsRefused() {
    assertThatThrownBy(() -> nudge.define(Campaign.named("no-trigger")
        .after(ofHours(1)).send(Message.of("Hi", "There").build()).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no-trigger").hasMessageContaining("no trigger");
    assertThat(nudge.campaign("no-trigger")).isEmpty();
    assertOtherUsersAreStillServed();
  }

  @Test
  void campaignWithoutStepsIsRefused() {
    assertThatThrownBy(() -> nudge.define(Campaign.named("no-steps").triggeredBy("cart_add").build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no-steps").hasMessageContaining("no steps");
    assertThat(nudge.campaign("no-steps")).isEmpty();
    assertOtherUsersAreStillServed();
  }

  @Test
  void negativeDelayIsRefused() {
    assertThatThrownBy(() -> nudge.define(Campaign.named("backwards").triggeredBy("cart_add")
        .after(ofHours(-1)).send(Message.of("Hi", "There").build()).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("backwards").hasMessageContaining("delay").hasMessageContaining("negative");
    assertThat(nudge.campaign("backwards")).isEmpty();
    assertOtherUsersAreStillServed();
  }

  @Test
  void placeholderOutsideTheAllowedRootsIsRefusedByDefine() {
    Campaign leaky = Campaign.named("leaky").triggeredBy("cart_add")
        .after(ofHours(1)).send(Message.of("Hi", "Your environment: {{system.env}}").build()).build();

    assertThatThrownBy(() -> nudge.define(leaky))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("leaky").hasMessageContaining("system");
    assertThat(nudge.campaign("leaky")).isEmpty();
    assertThat(nudge.campaigns()).extracting(Campaign::id).containsExactly("cart");
    assertOtherUsersAreStillServed();
    assertThat(f.deliveries()).noneMatch(d -> d.notification().body().contains("environment"));
  }

  @Test
  void removingAnUnknownCampaignIsRefused() {
    assertThatThrownBy(() -> nudge.remove("no-such-campaign"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no-such-campaign").hasMessageFindingMatch("(?i)unknown");
    assertThat(nudge.campaign("cart")).isPresent();
    assertOtherUsersAreStillServed();
  }
}
