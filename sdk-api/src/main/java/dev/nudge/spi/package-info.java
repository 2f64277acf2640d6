/**
 * What plug-ins implement: stores ({@link dev.nudge.spi.ReminderStore},
 * {@link dev.nudge.spi.DeviceStore}, {@link dev.nudge.spi.UserStore}), transports
 * ({@link dev.nudge.spi.Transport}), template renderers and listeners.
 */
package dev.nudge.spi;
