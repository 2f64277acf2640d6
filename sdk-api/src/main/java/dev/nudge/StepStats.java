package dev.nudge;

import java.util.EnumMap;
import java.util.Map;

/**
 * Counters of one campaign step (or, from {@link CampaignStats#total()}, of a whole campaign).
 * Trigger counters ({@code triggered, scheduled, restarted, ignored}) belong to step 0.
 *
 * @param step the step index, or -1 for a campaign total
 * @param triggered trigger events that matched the campaign's conditions
 * @param scheduled reminders created (triggers and later steps)
 * @param restarted pending reminders replaced by a new trigger ({@code RESTART})
 * @param ignored triggers ignored by {@code KEEP_FIRST}, {@code once} or {@code cooldown}
 * @param cancelled reminders cancelled: by a stop event, by {@code cancel} or {@code forgetUser}, or with
 *     their campaign or step removed
 * @param suppressed suppressed reminders by reason
 * @param expired reminders expired
 * @param sent reminders sent to at least one device
 * @param failed reminders every device rejected
 * @param accepted device deliveries accepted, by platform
 * @param rejected device deliveries rejected permanently, by platform
 * @param invalidTokens device tokens found dead and deactivated
 * @param converted sends followed by the goal event within its window
 */
public record StepStats(int step, long triggered, long scheduled, long restarted, long ignored,
    long cancelled, Map<SuppressionReason, Long> suppressed, long expired, long sent, long failed,
    Map<Platform, Long> accepted, Map<Platform, Long> rejected, long invalidTokens, long converted) {

  /** Copies the maps. */
  public StepStats {
    suppressed = Map.copyOf(suppressed);
    accepted = Map.copyOf(accepted);
    rejected = Map.copyOf(rejected);
  }

  /** Suppressions for every reason. */
  public long suppressedTotal() {
    return suppressed.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Suppressions for one reason. */
  public long suppressed(SuppressionReason reason) {
    return suppressed.getOrDefault(reason, 0L);
  }

  /** Accepted deliveries on every platform. */
  public long acceptedTotal() {
    return accepted.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Rejected deliveries on every platform. */
  public long rejectedTotal() {
    return rejected.values().stream().mapToLong(Long::longValue).sum();
  }

  StepStats plus(StepStats o) {
    return new StepStats(-1, triggered + o.triggered, scheduled + o.scheduled, restarted + o.restarted,
        ignored + o.ignored, cancelled + o.cancelled, sum(suppressed, o.suppressed, SuppressionReason.class),
        expired + o.expired, sent + o.sent, failed + o.failed, sum(accepted, o.accepted, Platform.class),
        sum(rejected, o.rejected, Platform.class), invalidTokens + o.invalidTokens, converted + o.converted);
  }

  static StepStats empty(int step) {
    return new StepStats(step, 0, 0, 0, 0, 0, Map.of(), 0, 0, 0, Map.of(), Map.of(), 0, 0);
  }

  private static <K extends Enum<K>> Map<K, Long> sum(Map<K, Long> a, Map<K, Long> b, Class<K> type) {
    Map<K, Long> out = new EnumMap<>(type);
    out.putAll(a);
    b.forEach((k, v) -> out.merge(k, v, Long::sum));
    return out;
  }
}
