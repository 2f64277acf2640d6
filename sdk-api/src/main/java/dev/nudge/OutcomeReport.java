package dev.nudge;

import java.time.Instant;

/**
 * How one reminder ended, as reported to listeners and written by {@code simulate}.
 *
 * @param at when it happened
 * @param campaignId the campaign id
 * @param step the step index (0 for the first)
 * @param userId the user
 * @param key the correlation value; empty when the campaign has no {@code correlatedBy}
 * @param outcome the outcome
 * @param reason why: a {@link SuppressionReason} when {@code SUPPRESSED}, a {@link CancelReason} when
 *     the host cancelled it, {@code null} otherwise
 * @param dueAt the reminder's due time before any quiet-hour deferral
 * @param devices how many devices it was sent to; 0 unless {@code SENT}
 * @param title the rendered title for the user's first device, {@code null} unless {@code SENT}
 *     (and for a send a stop, cancel or restart ended between two delivery tries, whose rendering
 *     is not kept)
 * @param body the rendered body for the user's first device, {@code null} when {@code title} is
 */
public record OutcomeReport(Instant at, String campaignId, int step, String userId, String key,
    Outcome outcome, OutcomeReason reason, Instant dueAt, int devices, String title, String body) {}
