package dev.nudge;

/**
 * How urgently a notification may interrupt the user (iOS 15 and later; other platforms ignore
 * it). APNs sends it as the payload's {@code interruption-level}.
 */
public enum InterruptionLevel {
  /** Added to the notification list without lighting the screen or playing a sound. */
  PASSIVE,
  /** Presented at once, lighting the screen and playing a sound if one is set (the default). */
  ACTIVE,
  /** Presented at once and may break through a Focus; needs the Time Sensitive capability. */
  TIME_SENSITIVE,
  /**
   * Presented at once, bypassing the mute switch and Focus; needs an entitlement Apple grants for
   * health, safety and security uses only.
   */
  CRITICAL
}
