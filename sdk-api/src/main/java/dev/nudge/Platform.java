package dev.nudge;

/** The push platform a device is reached through. */
public enum Platform {
  /** Apple devices, reached through APNs. */
  IOS,
  /** Android devices, reached through FCM. */
  ANDROID,
  /** Browsers, reached through web push. */
  WEB
}
