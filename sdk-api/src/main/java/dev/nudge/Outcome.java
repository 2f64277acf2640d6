package dev.nudge;

/** How a reminder ended. Every reminder ends in exactly one outcome. */
public enum Outcome {
  /** Sent to at least one of the user's devices. */
  SENT,
  /**
   * Cancelled: by a stop event, by replacing or removing the campaign or its step, or by the host
   * (see {@link CancelReason}).
   */
  CANCELLED,
  /** Not sent because of the delivery policy or missing data; see {@link SuppressionReason}. */
  SUPPRESSED,
  /** Could not be sent before its expiry. */
  EXPIRED,
  /** Every device rejected it permanently. */
  FAILED
}
