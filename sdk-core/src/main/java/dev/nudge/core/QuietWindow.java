package dev.nudge.core;

import dev.nudge.Device;
import dev.nudge.QuietHours;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneRules;
import java.util.List;
import java.util.Map;

/** Quiet hours in the user's zone: whether an instant falls inside, and when the window ends. */
final class QuietWindow {
  private QuietWindow() {}

  /**
   * The end of the quiet window that {@code t} falls in, or {@code null} when {@code t} is outside
   * it. The window is {@code [start, end)} of the local day and may wrap midnight. The end is the
   * first instant after {@code t} whose local time is the window's end, so it is exact across
   * daylight-saving changes: on the night the clocks go back, a time inside the window during the
   * repeated hour ends at the end of that same pass; an end that does not exist that day (the
   * clocks jumped over it) is the instant of the jump. Always after {@code t}.
   */
  static Instant deferral(QuietHours quiet, ZoneId zone, Instant t) {
    LocalDateTime local = LocalDateTime.ofInstant(t, zone);
    LocalTime time = local.toLocalTime();
    LocalTime start = quiet.start();
    LocalTime end = quiet.end();
    boolean wraps = start.isAfter(end);
    boolean inside = wraps
        ? !time.isBefore(start) || time.isBefore(end)
        : !time.isBefore(start) && time.isBefore(end);
    if (!inside) {
      return null;
    }
    LocalDate endDay = wraps && !time.isBefore(start) ? local.toLocalDate().plusDays(1) : local.toLocalDate();
    ZoneRules rules = zone.getRules();
    // Two tries cover a local end that came before t in the repeated hour; a third is a guard.
    for (int day = 0; day < 3; day++) {
      LocalDateTime endLocal = LocalDateTime.of(endDay.plusDays(day), end);
      List<ZoneOffset> offsets = rules.getValidOffsets(endLocal);
      if (offsets.isEmpty()) {
        Instant jump = rules.getTransition(endLocal).getInstant();
        if (jump.isAfter(t)) {
          return jump;
        }
        continue;
      }
      for (ZoneOffset offset : offsets) { // earlier instant first
        Instant candidate = endLocal.toInstant(offset);
        if (candidate.isAfter(t)) {
          return candidate;
        }
      }
    }
    throw new IllegalStateException("no end of quiet hours " + quiet + " after " + t + " in " + zone);
  }

  /**
   * The user's zone: that of the most recently registered active device that has one, else the
   * user attribute {@code zone}, else UTC.
   */
  static ZoneId zoneOf(List<Device> devices, Map<String, Object> attributes) {
    for (int i = devices.size() - 1; i >= 0; i--) {
      if (devices.get(i).zone().isPresent()) {
        return devices.get(i).zone().get();
      }
    }
    if (attributes.get("zone") instanceof String id) {
      try {
        return ZoneId.of(id);
      } catch (DateTimeException e) {
        return ZoneOffset.UTC;
      }
    }
    return ZoneOffset.UTC;
  }
}
