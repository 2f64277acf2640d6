package dev.nudge;

/** Why a reminder was {@link Outcome#SUPPRESSED}. */
public enum SuppressionReason implements OutcomeReason {
  /** The user already had the most sends the campaign or global cap allows. */
  FREQUENCY_CAP,
  /** The user has no active device. */
  NO_DEVICE,
  /** A template placeholder had no value and no default. */
  MISSING_VALUE,
  /**
   * The user opted out of the campaign's category (or of every category), which the engine does
   * not mark required.
   */
  OPTED_OUT
}
