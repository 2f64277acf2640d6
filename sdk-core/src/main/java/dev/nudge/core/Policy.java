package dev.nudge.core;

import dev.nudge.Outcome;
import dev.nudge.SuppressionReason;
import dev.nudge.spi.Reminder;
import dev.nudge.spi.SendRecord;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The delivery policy of a reminder's first attempt: an ordered list of checks, each with one
 * job, the first that does not pass deciding. The order (docs/semantics.md): expiry, consent,
 * quiet hours, the campaign's frequency cap, the global one. Later checks (send rates) are added
 * to the list without touching the others. Immutable and thread-safe; runs inside the
 * unit of work that stores its verdict, so it reads only what it is given.
 */
final class Policy {
  /** One check of the policy. Implementations are stateless. */
  interface Check {
    Verdict check(Subject subject);
  }

  /**
   * What a check looks at.
   *
   * @param reminder the claimed reminder
   * @param campaign its campaign
   * @param zone the user's time zone
   * @param sends the user's recent sends, oldest first
   * @param now the instant the decision is taken
   * @param expiry the reminder's original due time plus the campaign's {@code expireAfter}, or
   *     {@code null}
   * @param allows whether the user allows a consent category (their stored choice)
   */
  record Subject(Reminder reminder, CompiledCampaign campaign, ZoneId zone, List<SendRecord> sends,
      Instant now, Instant expiry, Predicate<String> allows) {}

  /** A check's answer. */
  sealed interface Verdict {
    Verdict PASS = new Pass();

    /** Nothing against sending now. */
    record Pass() implements Verdict {}

    /** Not now: act on the reminder again at {@code until} (always after the decision's instant). */
    record Defer(Instant until) implements Verdict {}

    /** The reminder ends here with this outcome, reason (suppressions only) and instant. */
    record End(Outcome outcome, SuppressionReason reason, Instant at) implements Verdict {}
  }

  private final List<Check> checks;

  Policy(List<Check> checks) {
    this.checks = List.copyOf(checks);
  }

  /**
   * The standard policy: expiry, consent (with the engine's {@code required} categories), quiet
   * hours, campaign cap, then {@code global} (may be null).
   */
  static Policy standard(dev.nudge.FrequencyCap global, Set<String> required) {
    return new Policy(List.of(new ExpiryCheck(), new ConsentCheck(required), new QuietHoursCheck(),
        FrequencyCapCheck.perCampaign(), FrequencyCapCheck.global(global)));
  }

  /** The first verdict other than pass, or pass. */
  Verdict check(Subject subject) {
    for (Check c : checks) {
      Verdict v = c.check(subject);
      if (!(v instanceof Verdict.Pass)) {
        return v;
      }
    }
    return Verdict.PASS;
  }
}
