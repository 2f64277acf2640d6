package dev.nudge;

/** What a trigger does for a key that already has a pending reminder. */
public enum Reentry {
  /** Replace the pending reminder with a fresh step-0 reminder from the new trigger (default). */
  RESTART,
  /** Keep the pending reminder and ignore the new trigger. */
  KEEP_FIRST
}
