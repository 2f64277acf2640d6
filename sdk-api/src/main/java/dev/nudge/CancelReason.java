package dev.nudge;

/**
 * Why a reminder was {@link Outcome#CANCELLED} by the host rather than by the campaign's own
 * rules. A reminder cancelled by a stop event, replaced by a new trigger, or ended because its
 * campaign or step was removed reports no reason.
 */
public enum CancelReason implements OutcomeReason {
  /** The host cancelled it: {@code Nudge.cancel(userId, campaignId)} or with a key. */
  HOST_CANCELLED,
  /** The user's data was deleted: {@code Nudge.forgetUser(userId)}. */
  USER_FORGOTTEN
}
