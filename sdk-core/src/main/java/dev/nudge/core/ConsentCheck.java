package dev.nudge.core;

import dev.nudge.Outcome;
import dev.nudge.SuppressionReason;
import java.util.Set;

/**
 * Consent: a reminder of a category the user opted out of (on its own, or with every category)
 * ends {@code SUPPRESSED} with {@code OPTED_OUT} when it is resolved, and is counted, so the
 * campaign's statistics still show the audience it would have reached. A category the engine
 * marks required (e.g. security notices) is always sent.
 */
final class ConsentCheck implements Policy.Check {
  private final Set<String> required;

  ConsentCheck(Set<String> required) {
    this.required = Set.copyOf(required);
  }

  @Override
  public Policy.Verdict check(Policy.Subject s) {
    String category = s.campaign().campaign.category();
    if (required.contains(category) || s.allows().test(category)) {
      return Policy.Verdict.PASS;
    }
    return new Policy.Verdict.End(Outcome.SUPPRESSED, SuppressionReason.OPTED_OUT, s.now());
  }
}
