package dev.nudge.core;

import static java.time.Duration.ofHours;
import static java.time.Duration.ofMinutes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nudge.Campaign;
import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.Message;
import dev.nudge.Outcome;
import dev.nudge.OutcomeReport;
import dev.nudge.Platform;
import dev.nudge.SuppressionReason;
import dev.nudge.spi.NudgeListener;
import dev.nudge.testing.RecordingTransport;
import dev.nudge.testing.TestClock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Consent categories: opted-out users are suppressed and counted; required categories always go. */
class ConsentTest {
  private static final Instant START = Instant.parse("2026-03-01T10:00:00Z");

  private final TestClock clock = new TestClock(START);
  private final RecordingTransport ios = RecordingTransport.ios();
  private final List<OutcomeReport> outcomes = new CopyOnWriteArrayList<>();

  private Nudge engine() {
    Nudge nudge = Nudge.builder().clock(clock).transport(ios).requiredCategory("security")
        .listener(new NudgeListener() {
          @Override
          public void onOutcome(OutcomeReport report) {
            outcomes.add(report);
          }
        }).build();
    nudge.define(Campaign.named("cart").triggeredBy("cart_add").correlatedBy("cart_id").after(ofHours(2))
        .send(Message.of("Your cart", "is waiting").build()).build());
    nudge.define(Campaign.named("saved").category("reminders").triggeredBy("save").after(ofHours(1))
        .send(Message.of("Saved for later", "Read it now").build()).build());
    nudge.define(Campaign.named("new-login").category("security").triggeredBy("login_new_device")
        .after(ofMinutes(1)).send(Message.of("New sign-in", "Was it you?").build()).build());
    for (String user : List.of("u1", "u2")) {
      nudge.registerDevice(Device.of(user, Platform.IOS, "t-" + user).build());
    }
    return nudge;
  }

  private static void trigger(Nudge nudge, String user) {
    nudge.trackAndWait(Event.named("cart_add").user(user).property("cart_id", "c1").build());
    nudge.trackAndWait(Event.named("save").user(user).build());
    nudge.trackAndWait(Event.named("login_new_device").user(user).build());
  }

  private List<String> sentTo(String token) {
    return ios.deliveriesTo(token).stream().map(d -> d.notification().title()).sorted().toList();
  }

  @Test
  void anOptedOutUsersReminderEndsSuppressedOptedOutAndTheRequiredCategoryStillArrives() {
    try (Nudge nudge = engine()) {
      assertThat(Campaign.named("x").triggeredBy("e").send(Message.of("t", "b").build()).build().category())
          .isEqualTo("marketing");
      trigger(nudge, "u1");
      trigger(nudge, "u2");
      nudge.optOut("u1", "marketing");
      assertThat(nudge.consent("u1")).isEqualTo(Map.of("marketing", false));
      assertThat(nudge.consent("u2")).isEmpty();

      clock.advance(ofHours(3));
      nudge.runDue().join();

      assertThat(sentTo("t-u1")).containsExactly("New sign-in", "Saved for later");
      assertThat(sentTo("t-u2")).containsExactly("New sign-in", "Saved for later", "Your cart");
      assertThat(outcomes).filteredOn(o -> o.outcome() == Outcome.SUPPRESSED).singleElement().satisfies(o -> {
        assertThat(o.userId()).isEqualTo("u1");
        assertThat(o.campaignId()).isEqualTo("cart");
        assertThat(o.reason()).isEqualTo(SuppressionReason.OPTED_OUT);
      });
      assertThat(nudge.stats("cart").step(0).suppressed(SuppressionReason.OPTED_OUT))
          .as("the audience it would have reached is still counted").isEqualTo(1);
      assertThat(nudge.stats("cart").step(0).sent()).isEqualTo(1);
    }
  }

  @Test
  void optOutAllLeavesOnlyTheRequiredCategoryAndOptInOpensOneAgain() {
    try (Nudge nudge = engine()) {
      nudge.optOutAll("u1");
      nudge.optIn("u1", "reminders");
      assertThat(nudge.consent("u1")).containsExactly(Map.entry("*", false), Map.entry("reminders", true));
      trigger(nudge, "u1");
      clock.advance(ofHours(3));
      nudge.runDue().join();
      assertThat(sentTo("t-u1")).containsExactly("New sign-in", "Saved for later");

      ios.clear();
      nudge.optInAll("u1");
      assertThat(nudge.consent("u1")).isEmpty();
      trigger(nudge, "u1");
      clock.advance(ofHours(3));
      nudge.runDue().join();
      assertThat(sentTo("t-u1")).containsExactly("New sign-in", "Saved for later", "Your cart");
    }
  }

  @Test
  void consentChoicesAreCheckedAndARequiredCategoryCannotBeOptedOutOf() {
    try (Nudge nudge = engine()) {
      assertThatThrownBy(() -> nudge.optOut("u1", "security")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("category 'security' is required");
      assertThatThrownBy(() -> nudge.optOut("u1", "Marketing!")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("category is 'Marketing!'").hasMessageContaining("lowercase letters");
      assertThatThrownBy(() -> nudge.optIn(" ", "marketing")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("userId is blank");
      assertThatThrownBy(() -> Campaign.named("c").category("").triggeredBy("e")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("campaign 'c' category is ''");
      nudge.optOut("u1", "marketing");
      nudge.optIn("u1", "marketing");
      assertThat(nudge.consent("u1")).as("opting back in to the default keeps nothing apart").isEmpty();
    }
  }
}
