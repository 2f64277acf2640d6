package dev.nudge.examples;

import com.google.gson.stream.JsonWriter;
import dev.nudge.Campaign;
import dev.nudge.CampaignSet;
import dev.nudge.CampaignStats;
import dev.nudge.OutcomeReport;
import dev.nudge.Platform;
import dev.nudge.StepStats;
import dev.nudge.SuppressionReason;
import dev.nudge.simulate.SimulationRun;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * What the {@code simulate} command writes: one JSON line per outcome ({@code --out}) and the
 * counters of a run ({@code --stats}), in the formats of {@code docs/simulate.md}. Public for
 * the benchmarks, which write the same lines. Stateless and thread-safe.
 */
public final class SimulateOutput {
  private SimulateOutput() {}

  /**
   * One outcome as a JSON line (without the line break), with exactly these keys in this order:
   * {@code at, campaign, step, userId, key, outcome, reason, dueAt, devices, title, body}; absent
   * values are written as {@code null}.
   */
  public static String outcomeJson(OutcomeReport r) {
    StringWriter s = new StringWriter(256);
    try (JsonWriter w = new JsonWriter(s)) {
      w.setSerializeNulls(true);
      w.setHtmlSafe(false);
      w.beginObject();
      w.name("at").value(r.at().toString());
      w.name("campaign").value(r.campaignId());
      w.name("step").value(r.step());
      w.name("userId").value(r.userId());
      w.name("key").value(r.key());
      w.name("outcome").value(r.outcome().name());
      w.name("reason").value(r.reason() == null ? null : r.reason().name());
      w.name("dueAt").value(r.dueAt() == null ? null : r.dueAt().toString());
      w.name("devices").value(r.devices());
      w.name("title").value(r.title());
      w.name("body").value(r.body());
      w.endObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return s.toString();
  }

  /**
   * The counters of a run as pretty-printed JSON: the run's figures, then per campaign its
   * {@code total} and one entry per step (every step of the campaign, zeros included) with the
   * counters of {@code docs/semantics.md}; suppressions by reason and deliveries by platform list
   * every reason and platform.
   */
  public static String statsJson(SimulationRun.Result result, CampaignSet campaigns) {
    StringWriter s = new StringWriter();
    try (JsonWriter w = new JsonWriter(s)) {
      w.setIndent("  ");
      w.setHtmlSafe(false);
      w.setSerializeNulls(true);
      w.beginObject();
      w.name("lines").value(result.lines());
      w.name("records").value(result.records());
      w.name("badLines").value(result.badLines());
      w.name("applied").value(result.applied());
      w.name("start").value(result.start() == null ? null : result.start().toString());
      w.name("until").value(result.until() == null ? null : result.until().toString());
      w.name("outcomes").value(result.outcomes());
      w.name("pending").value(result.pending());
      w.name("campaigns").beginObject();
      for (Campaign c : campaigns.campaigns()) {
        CampaignStats stats = result.stats().getOrDefault(c.id(), new CampaignStats(c.id(), List.of()));
        w.name(c.id()).beginObject();
        w.name("total");
        writeCounters(w, stats.total(), false);
        w.name("steps").beginArray();
        int steps = Math.max(c.steps().size(), stats.steps().stream().mapToInt(x -> x.step() + 1).max().orElse(0));
        for (int i = 0; i < steps; i++) {
          writeCounters(w, stats.step(i), true);
        }
        w.endArray();
        w.endObject();
      }
      w.endObject();
      w.endObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return s.toString();
  }

  private static void writeCounters(JsonWriter w, StepStats s, boolean withStep) throws IOException {
    w.beginObject();
    if (withStep) {
      w.name("step").value(s.step());
    }
    w.name("triggered").value(s.triggered());
    w.name("scheduled").value(s.scheduled());
    w.name("restarted").value(s.restarted());
    w.name("ignored").value(s.ignored());
    w.name("cancelled").value(s.cancelled());
    w.name("suppressed").beginObject();
    for (SuppressionReason reason : SuppressionReason.values()) {
      w.name(reason.name()).value(s.suppressed(reason));
    }
    w.endObject();
    w.name("expired").value(s.expired());
    w.name("sent").value(s.sent());
    w.name("failed").value(s.failed());
    w.name("accepted").beginObject();
    for (Platform p : Platform.values()) {
      w.name(p.name()).value(s.accepted().getOrDefault(p, 0L));
    }
    w.endObject();
    w.name("rejected").beginObject();
    for (Platform p : Platform.values()) {
      w.name(p.name()).value(s.rejected().getOrDefault(p, 0L));
    }
    w.endObject();
    w.name("invalidTokens").value(s.invalidTokens());
    w.name("converted").value(s.converted());
    w.endObject();
  }
}
