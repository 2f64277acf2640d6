package dev.nudge.core;

import dev.nudge.Outcome;
import dev.nudge.QuietHours;
import java.time.Instant;
import java.util.Optional;

/**
 * Quiet hours in the user's zone: a reminder inside the window is deferred to the window's end;
 * when that end lies past its expiry it ends {@code EXPIRED} now, at the instant it is being
 * resolved (never earlier: a reminder deferred once may find itself in another window when the
 * user's zone changed meanwhile).
 */
final class QuietHoursCheck implements Policy.Check {
  @Override
  public Policy.Verdict check(Policy.Subject s) {
    Optional<QuietHours> quiet = s.campaign().campaign.policy().quietHours();
    if (quiet.isEmpty()) {
      return Policy.Verdict.PASS;
    }
    Instant end = QuietWindow.deferral(quiet.get(), s.zone(), s.now());
    if (end == null) {
      return Policy.Verdict.PASS;
    }
    if (s.expiry() != null && end.isAfter(s.expiry())) {
      return new Policy.Verdict.End(Outcome.EXPIRED, null, s.now());
    }
    return new Policy.Verdict.Defer(end);
  }
}
