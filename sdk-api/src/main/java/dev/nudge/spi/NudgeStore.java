package dev.nudge.spi;

/**
 * A store that keeps everything the engine needs: reminders, devices and user attributes. The
 * builder's {@code store(NudgeStore)} uses it for all three parts; {@code reminders(...)},
 * {@code devices(...)} and {@code users(...)} take the parts from different places.
 */
public interface NudgeStore extends ReminderStore, DeviceStore, WritableUserStore {}
