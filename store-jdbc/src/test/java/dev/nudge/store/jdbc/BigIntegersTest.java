package dev.nudge.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nudge.Campaign;
import dev.nudge.CampaignSet;
import dev.nudge.OutcomeReport;
import dev.nudge.json.Campaigns;
import dev.nudge.simulate.SimulationRun;
import java.io.StringReader;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A whole number beyond the long range (an order id of 20 digits) is the same value, a
 * {@code BigInteger}, wherever Nudge reads JSON: a campaigns file, a simulation log and the JDBC
 * store's columns.
 */
class BigIntegersTest {
  private static final String ORDER = "12345678901234567891"; // not exact as a double: ...567891 -> ...567936
  private static final BigInteger ORDER_ID = new BigInteger(ORDER);

  private static final String CAMPAIGN = """
      {"id": "order", "trigger": {"event": "order_placed", "where": {"order_id": %s}},
       "steps": [{"delay": "PT1H", "message": {"title": "Order {{event.order_id}}", "body": "on its way"}}]}"""
      .formatted(ORDER);

  @Test
  void aCampaignsFileKeepsTheIntegerItWas() {
    Campaign c = Campaigns.campaignFromJson(CAMPAIGN);

    assertThat(c.where().get(0).operand()).isEqualTo(ORDER_ID);
    assertThat(Campaigns.campaignFromJson(Campaigns.toJson(c))).isEqualTo(c);
  }

  @Test
  void anEventLogLineKeepsItAndMatchesTheCampaignsCondition() {
    CampaignSet set = Campaigns.fromJson("{\"campaigns\": [" + CAMPAIGN + "]}");
    List<OutcomeReport> outcomes = new ArrayList<>();
    List<SimulationRun.BadLine> bad = new ArrayList<>();

    SimulationRun.of(set).onOutcome(outcomes::add).onBadLine(bad::add).run(new StringReader(String.join("\n",
        "{\"type\":\"device\",\"userId\":\"u1\",\"platform\":\"ios\",\"token\":\"t1\",\"occurredAt\":\"2026-03-01T09:00:00Z\"}",
        "{\"type\":\"event\",\"name\":\"order_placed\",\"userId\":\"u1\",\"occurredAt\":\"2026-03-01T10:00:00Z\","
            + "\"properties\":{\"order_id\":" + ORDER + "}}",
        "{\"type\":\"event\",\"name\":\"order_placed\",\"userId\":\"u2\",\"occurredAt\":\"2026-03-01T10:00:00Z\","
            + "\"properties\":{\"order_id\":12345678901234567890}}")));

    assertThat(bad).isEmpty();
    assertThat(outcomes).singleElement().satisfies(o -> {
      assertThat(o.userId()).isEqualTo("u1");
      assertThat(o.title()).isEqualTo("Order " + ORDER);
    });
  }

  @Test
  void theJdbcStoresColumnsKeepIt() {
    Map<String, Object> trigger = Map.of("order_id", ORDER_ID);
    String json = JsonValues.write(trigger);

    assertThat(json).isEqualTo("{\"order_id\":" + ORDER + "}");
    assertThat(JsonValues.readMap(json).get("order_id")).isEqualTo(ORDER_ID);
    assertThat(JsonValues.readMapLazily(json).get("order_id")).isEqualTo(ORDER_ID);
  }
}
