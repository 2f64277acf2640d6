package dev.nudge.spi;

/** A store that keeps everything the engine needs: reminders, devices and user attributes. */
public interface NudgeStore extends ReminderStore, DeviceStore, UserStore {}
