package dev.nudge.core;

import dev.nudge.Outcome;

/**
 * {@code expireAfter E}: a reminder not sent by its original due time + E ends {@code EXPIRED} at
 * that instant. "By" includes the instant itself, so a reminder resolved at exactly due + E may
 * still be sent.
 */
final class ExpiryCheck implements Policy.Check {
  @Override
  public Policy.Verdict check(Policy.Subject s) {
    if (s.expiry() != null && s.now().isAfter(s.expiry())) {
      return new Policy.Verdict.End(Outcome.EXPIRED, null, s.expiry());
    }
    return Policy.Verdict.PASS;
  }
}
