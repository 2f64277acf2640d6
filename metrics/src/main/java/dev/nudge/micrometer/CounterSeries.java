package dev.nudge.micrometer;

import dev.nudge.Outcome;
import dev.nudge.Platform;
import dev.nudge.SuppressionReason;
import dev.nudge.spi.Counter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;

/**
 * Which meter one of the store's statistics counters is exported as: its name and the tags it
 * adds to {@code campaign} and {@code step}. Every tag value comes from an enum or a fixed word,
 * never from a counter name as it is, so the tag set stays bounded whatever a store holds. The
 * description is one per meter name, as Prometheus wants it.
 *
 * @param counter the store's counter name (see {@link Counter})
 * @param meter the meter name
 * @param tags the tags besides {@code campaign} and {@code step}
 * @param description the meter's description
 */
record CounterSeries(String counter, String meter, Tags tags, String description) {
  static final String TRIGGERED = "nudge.triggered";
  static final String SCHEDULED = "nudge.scheduled";
  static final String RESTARTED = "nudge.restarted";
  static final String IGNORED = "nudge.ignored";
  static final String OUTCOMES = "nudge.outcomes";
  static final String DELIVERIES = "nudge.deliveries";
  static final String INVALID_TOKENS = "nudge.invalid.tokens";
  static final String CONVERTED = "nudge.converted";
  /** The {@code reason} of an outcome that has none (every outcome but {@code SUPPRESSED}). */
  static final String NO_REASON = "NONE";

  /** The series of a counter name, or {@code null} for a name this binder does not know. */
  static CounterSeries of(String counter) {
    switch (counter) {
      case Counter.TRIGGERED:
        return new CounterSeries(counter, TRIGGERED, Tags.empty(), "Trigger events that matched the campaign's conditions");
      case Counter.SCHEDULED:
        return new CounterSeries(counter, SCHEDULED, Tags.empty(), "Reminders created (by triggers and by later steps)");
      case Counter.RESTARTED:
        return new CounterSeries(counter, RESTARTED, Tags.empty(), "Pending reminders replaced by a new trigger (RESTART)");
      case Counter.IGNORED:
        return new CounterSeries(counter, IGNORED, Tags.empty(), "Triggers ignored by KEEP_FIRST, once or cooldown");
      case Counter.SENT:
        return outcome(counter, Outcome.SENT, NO_REASON);
      case Counter.CANCELLED:
        return outcome(counter, Outcome.CANCELLED, NO_REASON);
      case Counter.EXPIRED:
        return outcome(counter, Outcome.EXPIRED, NO_REASON);
      case Counter.FAILED:
        return outcome(counter, Outcome.FAILED, NO_REASON);
      case Counter.INVALID_TOKENS:
        return new CounterSeries(counter, INVALID_TOKENS, Tags.empty(), "Device tokens found dead and deactivated");
      case Counter.CONVERTED:
        return new CounterSeries(counter, CONVERTED, Tags.empty(), "Sends followed by the goal event within its window");
      default:
        break;
    }
    for (SuppressionReason reason : SuppressionReason.values()) {
      if (counter.equals(Counter.suppressed(reason))) {
        return outcome(counter, Outcome.SUPPRESSED, reason.name());
      }
    }
    for (Platform platform : Platform.values()) {
      if (counter.equals(Counter.accepted(platform))) {
        return delivery(counter, platform, "ACCEPTED");
      }
      if (counter.equals(Counter.rejected(platform))) {
        return delivery(counter, platform, "REJECTED");
      }
    }
    return null;
  }

  /**
   * Every series of one step, registered up front (at zero) so that a rate over them is right
   * from the first count: the trigger counters on step 0 only, where they are counted.
   */
  static List<CounterSeries> ofStep(int step) {
    List<String> names = new ArrayList<>();
    if (step == 0) {
      names.addAll(List.of(Counter.TRIGGERED, Counter.RESTARTED, Counter.IGNORED));
    }
    names.addAll(List.of(Counter.SCHEDULED, Counter.SENT, Counter.CANCELLED, Counter.EXPIRED, Counter.FAILED));
    for (SuppressionReason reason : SuppressionReason.values()) {
      names.add(Counter.suppressed(reason));
    }
    for (Platform platform : Platform.values()) {
      names.add(Counter.accepted(platform));
      names.add(Counter.rejected(platform));
    }
    names.add(Counter.INVALID_TOKENS);
    names.add(Counter.CONVERTED);
    return names.stream().map(CounterSeries::of).toList();
  }

  private static CounterSeries outcome(String counter, Outcome outcome, String reason) {
    return new CounterSeries(counter, OUTCOMES, Tags.of(Tag.of("outcome", outcome.name()), Tag.of("reason", reason)),
        "Reminders that reached an outcome, by outcome and (for SUPPRESSED) reason");
  }

  private static CounterSeries delivery(String counter, Platform platform, String result) {
    return new CounterSeries(counter, DELIVERIES, Tags.of(Tag.of("platform", platform.name()), Tag.of("result", result)),
        "Device deliveries the platform accepted, or rejected for good, by platform and result");
  }
}
