package dev.nudge;

import java.time.Instant;
import java.util.Objects;

/**
 * One reminder Nudge keeps for a user and has not resolved yet, as {@code Nudge.pending(userId)}
 * lists it (for support tools and users' access requests).
 *
 * @param campaignId the campaign
 * @param step the step index (0 for the first)
 * @param userId the user
 * @param key the correlation value; empty when the campaign has no {@code correlatedBy}
 * @param dueAt when it is due; expiry counts from it
 * @param nextAttemptAt when the engine acts on it next: the due time, or later after a quiet-hours
 *     deferral or a retry
 * @param held whether the engine that listed it holds it because it does not define the campaign
 *     (or the step): it is neither sent nor cancelled until the campaign is defined or removed
 * @param sending whether an instance has claimed it and is sending it right now; such a reminder
 *     is not cancelled by {@code cancel}, it ends as that instance decides
 */
public record PendingReminder(String campaignId, int step, String userId, String key, Instant dueAt,
    Instant nextAttemptAt, boolean held, boolean sending) {
  /** Checks that no field is missing. */
  public PendingReminder {
    Objects.requireNonNull(campaignId, "campaignId");
    Objects.requireNonNull(userId, "userId");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(dueAt, "dueAt");
    Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
  }
}
