package dev.nudge.core;

import static java.time.Duration.ofHours;
import static java.time.Duration.ofMinutes;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.nudge.Campaign;
import dev.nudge.CancelReason;
import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.Message;
import dev.nudge.Outcome;
import dev.nudge.OutcomeReport;
import dev.nudge.Platform;
import dev.nudge.spi.NudgeListener;
import dev.nudge.testing.RecordingTransport;
import dev.nudge.testing.TestClock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** A user's data: exported for an access request, forgotten for a deletion request. */
class UsersDataTest {
  private static final Instant START = Instant.parse("2026-03-01T10:00:00Z");

  private final TestClock clock = new TestClock(START);
  private final RecordingTransport ios = RecordingTransport.ios();
  private final List<OutcomeReport> outcomes = new CopyOnWriteArrayList<>();

  private Nudge engine() {
    Nudge nudge = Nudge.builder().clock(clock).transport(ios).listener(new NudgeListener() {
      @Override
      public void onOutcome(OutcomeReport report) {
        outcomes.add(report);
      }
    }).build();
    nudge.define(Campaign.named("welcome").triggeredBy("signup").after(ofMinutes(10))
        .send(Message.of("Welcome", "Hi").build()).build());
    nudge.define(Campaign.named("cart").triggeredBy("cart_add").correlatedBy("cart_id").after(ofHours(2))
        .send(Message.of("Your cart", "{{event.item}}").build()).build());
    return nudge;
  }

  private static void fill(Nudge nudge, String user) {
    nudge.registerDevice(Device.of(user, Platform.IOS, "t-" + user).locale("en-US").build());
    nudge.setUserAttributes(user, Map.of("first_name", user.toUpperCase()));
    nudge.optOut(user, "reminders");
    nudge.trackAndWait(Event.named("signup").user(user).id("signup-" + user).build());
  }

  @Test
  void exportHoldsWhatWasStoredAboutTheUserAndNothingOfOthers() {
    try (Nudge nudge = engine()) {
      fill(nudge, "sara");
      fill(nudge, "omid");
      clock.advance(ofMinutes(11));
      nudge.runDue().join();
      nudge.trackAndWait(Event.named("cart_add").user("sara").property("cart_id", "c1").property("item", "Socks")
          .build());

      JsonObject doc = JsonParser.parseString(nudge.exportUser("sara")).getAsJsonObject();

      assertThat(doc.get("userId").getAsString()).isEqualTo("sara");
      assertThat(doc.get("exportedAt").getAsString()).isEqualTo("2026-03-01T10:11:00Z");
      assertThat(doc.getAsJsonObject("attributes").toString()).isEqualTo("{\"first_name\":\"SARA\"}");
      assertThat(doc.getAsJsonObject("consent").toString()).isEqualTo("{\"reminders\":false}");
      assertThat(doc.getAsJsonArray("devices").toString())
          .isEqualTo("[{\"platform\":\"IOS\",\"token\":\"t-sara\",\"locale\":\"en-US\",\"zone\":null}]");
      assertThat(doc.getAsJsonArray("pendingReminders").toString()).isEqualTo("[{\"campaignId\":\"cart\",\"step\":0,"
          + "\"key\":\"c1\",\"dueAt\":\"2026-03-01T12:11:00Z\",\"nextAttemptAt\":\"2026-03-01T12:11:00Z\","
          + "\"held\":false,\"sending\":false,\"trigger\":{\"cart_id\":\"c1\",\"item\":\"Socks\"}}]");
      assertThat(doc.getAsJsonArray("recentSends").toString()).isEqualTo("[{\"campaignId\":\"welcome\",\"step\":0,"
          + "\"sentAt\":\"2026-03-01T10:11:00Z\",\"converted\":false}]");
      assertThat(doc.toString()).doesNotContain("omid", "OMID");

      JsonObject nobody = JsonParser.parseString(nudge.exportUser("nobody")).getAsJsonObject();
      assertThat(nobody.getAsJsonArray("devices")).isEmpty();
      assertThat(nobody.getAsJsonArray("pendingReminders")).isEmpty();
    }
  }

  @Test
  void forgetUserDeletesEverythingOfTheUserReportsTheirRemindersOnceAndKeepsTheCounters() {
    try (Nudge nudge = engine()) {
      fill(nudge, "sara");
      fill(nudge, "omid");
      nudge.trackAndWait(Event.named("cart_add").user("sara").property("cart_id", "c1").build());
      clock.advance(ofMinutes(11));
      nudge.runDue().join();
      assertThat(nudge.stats("welcome").step(0).sent()).isEqualTo(2);

      assertThat(nudge.forgetUser("sara")).as("the cart reminder").isEqualTo(1);

      assertThat(outcomes).filteredOn(o -> o.outcome() == Outcome.CANCELLED).singleElement().satisfies(o -> {
        assertThat(o.userId()).isEqualTo("sara");
        assertThat(o.reason()).isEqualTo(CancelReason.USER_FORGOTTEN);
      });
      assertThat(nudge.pending("sara")).isEmpty();
      assertThat(nudge.devices("sara")).isEmpty();
      assertThat(nudge.userAttributes("sara")).isEmpty();
      assertThat(nudge.consent("sara")).isEmpty();
      JsonObject doc = JsonParser.parseString(nudge.exportUser("sara")).getAsJsonObject();
      assertThat(doc.getAsJsonArray("recentSends")).isEmpty();
      assertThat(nudge.stats("welcome").step(0).sent()).as("counters keep their totals").isEqualTo(2);
      assertThat(nudge.stats("cart").step(0).cancelled()).isEqualTo(1);
      assertThat(nudge.forgetUser("sara")).as("idempotent").isZero();

      assertThat(nudge.trackAndWait(Event.named("signup").user("sara").id("signup-sara").build()).duplicate())
          .as("their processed event ids are forgotten too").isFalse();
      assertThat(nudge.devices("omid")).hasSize(1);
      assertThat(nudge.userAttributes("omid")).containsEntry("first_name", "OMID");
      assertThat(nudge.consent("omid")).containsEntry("reminders", false);
      assertThat(nudge.trackAndWait(Event.named("signup").user("omid").id("signup-omid").build()).duplicate())
          .as("other users' ids are kept").isTrue();
      clock.advance(ofHours(3));
      ios.clear();
      nudge.runDue().join();
      assertThat(ios.deliveriesTo("t-sara")).isEmpty();
    }
  }
}
