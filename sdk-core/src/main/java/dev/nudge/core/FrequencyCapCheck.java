package dev.nudge.core;

import dev.nudge.FrequencyCap;
import dev.nudge.Outcome;
import dev.nudge.SuppressionReason;
import dev.nudge.spi.SendRecord;
import java.time.Instant;
import java.util.List;

/**
 * A frequency cap {@code max M per D}: suppresses the send when the user was already sent M steps
 * (of this campaign, or of any campaign for the global cap) in {@code (now - D, now]}.
 */
final class FrequencyCapCheck implements Policy.Check {
  private final FrequencyCap global; // null: the campaign's own cap
  private final boolean perCampaign;

  private FrequencyCapCheck(FrequencyCap global, boolean perCampaign) {
    this.global = global;
    this.perCampaign = perCampaign;
  }

  /** The campaign's own cap, if it has one. */
  static FrequencyCapCheck perCampaign() {
    return new FrequencyCapCheck(null, true);
  }

  /** The cap across all campaigns; {@code null} for none. */
  static FrequencyCapCheck global(FrequencyCap cap) {
    return new FrequencyCapCheck(cap, false);
  }

  @Override
  public Policy.Verdict check(Policy.Subject s) {
    FrequencyCap cap = perCampaign ? s.campaign().campaign.policy().frequencyCap().orElse(null) : global;
    if (cap == null) {
      return Policy.Verdict.PASS;
    }
    String campaignId = perCampaign ? s.campaign().id : null;
    if (countSince(s.sends(), campaignId, s.now(), cap) >= cap.max()) {
      return new Policy.Verdict.End(Outcome.SUPPRESSED, SuppressionReason.FREQUENCY_CAP, s.now());
    }
    return Policy.Verdict.PASS;
  }

  private static int countSince(List<SendRecord> sends, String campaignId, Instant t, FrequencyCap cap) {
    Instant from = t.minus(cap.per());
    int n = 0;
    for (SendRecord s : sends) {
      if ((campaignId == null || s.campaignId().equals(campaignId)) && s.sentAt().isAfter(from)
          && !s.sentAt().isAfter(t)) {
        n++;
      }
    }
    return n;
  }
}
