package dev.nudge;

/**
 * What tracking one event did, once its effects are stored.
 *
 * @param duplicate the event's id was seen before, so nothing was applied
 * @param scheduled reminders scheduled (including restarts)
 * @param restarted pending reminders replaced by this trigger
 * @param ignored triggers ignored ({@code KEEP_FIRST}, {@code once}, {@code cooldown})
 * @param cancelled pending reminders cancelled by this stop event
 * @param converted sends counted as converted by this goal event
 */
public record TrackResult(boolean duplicate, int scheduled, int restarted, int ignored, int cancelled,
    int converted) {
  /** The result of an event applied before (same id). */
  public static final TrackResult DUPLICATE = new TrackResult(true, 0, 0, 0, 0, 0);
}
