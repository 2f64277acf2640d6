package dev.nudge.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.nudge.CampaignSet;
import dev.nudge.Outcome;
import dev.nudge.OutcomeReport;
import dev.nudge.Platform;
import dev.nudge.SuppressionReason;
import dev.nudge.json.Campaigns;
import dev.nudge.simulate.SimulationRun;
import java.io.StringReader;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The simulate command's output lines: one per outcome, and the counters of a run. */
class SimulateOutputTest {
  private static final Instant NOON = Instant.parse("2026-03-01T12:00:00Z");

  @Test
  void anOutcomeIsOneLineWithEveryKeyInOrderAndNullForWhatIsAbsent() {
    assertThat(SimulateOutput.outcomeJson(new OutcomeReport(NOON, "cart", 0, "u1", "", Outcome.CANCELLED, null,
        NOON, 0, null, null)))
        .isEqualTo("{\"at\":\"2026-03-01T12:00:00Z\",\"campaign\":\"cart\",\"step\":0,\"userId\":\"u1\",\"key\":\"\","
            + "\"outcome\":\"CANCELLED\",\"reason\":null,\"dueAt\":\"2026-03-01T12:00:00Z\",\"devices\":0,"
            + "\"title\":null,\"body\":null}");
    assertThat(SimulateOutput.outcomeJson(new OutcomeReport(NOON, "cart", 1, "u1", "c1", Outcome.SUPPRESSED,
        SuppressionReason.FREQUENCY_CAP, NOON, 0, "<Sale> \"now\"", "هنوز")))
        .contains("\"reason\":\"FREQUENCY_CAP\"", "\"title\":\"<Sale> \\\"now\\\"\"", "\"body\":\"هنوز\"");
  }

  @Test
  void theStatsListEveryStepReasonAndPlatformZerosIncluded() {
    CampaignSet set = Campaigns.fromJson("""
        {"campaigns": [{"id": "cart", "trigger": {"event": "cart_add"}, "stopEvents": ["purchase"],
          "goal": {"event": "purchase", "within": "PT6H"},
          "steps": [{"delay": "PT2H", "message": {"title": "T", "body": "b"}},
                    {"delay": "PT24H", "message": {"title": "T2", "body": "b2"}}]}]}""");
    String log = String.join("\n",
        "{\"type\":\"device\",\"userId\":\"u1\",\"platform\":\"ios\",\"token\":\"t1\",\"occurredAt\":\"2026-03-01T09:00:00Z\"}",
        "{\"type\":\"event\",\"name\":\"cart_add\",\"userId\":\"u1\",\"occurredAt\":\"2026-03-01T10:00:00Z\"}",
        "{\"type\":\"event\",\"name\":\"purchase\",\"userId\":\"u1\",\"occurredAt\":\"2026-03-01T13:00:00Z\"}");
    SimulationRun.Result result = SimulationRun.of(set).run(new StringReader(log));

    JsonObject stats = JsonParser.parseString(SimulateOutput.statsJson(result, set)).getAsJsonObject();

    assertThat(stats.keySet()).containsExactly("lines", "records", "badLines", "applied", "start", "until",
        "outcomes", "pending", "campaigns");
    assertThat(stats.get("records").getAsLong()).isEqualTo(3);
    assertThat(stats.get("start").getAsString()).isEqualTo("2026-03-01T09:00:00Z");
    JsonObject cart = stats.getAsJsonObject("campaigns").getAsJsonObject("cart");
    assertThat(cart.getAsJsonObject("total").get("converted").getAsLong()).isEqualTo(1);
    JsonArray steps = cart.getAsJsonArray("steps");
    assertThat(steps).hasSize(2);
    JsonObject first = steps.get(0).getAsJsonObject();
    assertThat(first.get("step").getAsInt()).isZero();
    assertThat(first.get("sent").getAsLong()).isEqualTo(1);
    assertThat(first.get("converted").getAsLong()).isEqualTo(1);
    assertThat(first.getAsJsonObject("accepted").get("IOS").getAsLong()).isEqualTo(1);
    assertThat(first.getAsJsonObject("suppressed").keySet())
        .containsExactlyElementsOf(Arrays.stream(SuppressionReason.values()).map(Enum::name).toList());
    assertThat(first.getAsJsonObject("rejected").keySet())
        .containsExactlyElementsOf(Arrays.stream(Platform.values()).map(Enum::name).toList());
    JsonObject second = steps.get(1).getAsJsonObject();
    assertThat(second.get("step").getAsInt()).isEqualTo(1);
    assertThat(second.get("sent").getAsLong()).isZero();
  }
}
