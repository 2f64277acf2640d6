package dev.nudge;

/** Delivery priority passed to the transports (APNs priority 10/5, FCM HIGH/NORMAL). */
public enum Priority {
  /** Deliver at once, waking the device. */
  HIGH,
  /** Deliver when convenient for the device's battery. */
  NORMAL
}
