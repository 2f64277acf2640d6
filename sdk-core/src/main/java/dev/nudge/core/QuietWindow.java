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
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;

/** Quiet hours in the user's zone: whether an instant falls inside, and when the window ends. */
final class QuietWindow {
  private QuietWindow() {}

  /**
   * The end of the quiet window that {@code t} falls in, or {@code null} when {@code t} is outside
   * it. The window is {@code [start, end)} of the local day and may wrap midnight.
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
    return ZonedDateTime.of(endDay, end, zone).toInstant();
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
