package dev.nudge.examples;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The meters of a registry as lines a person reads: {@code name{tag=value,...}  value}, sorted by
 * name and tags, values in one column. Counters and timers that counted nothing are left out
 * (every campaign step registers about twenty series at zero); gauges are always shown.
 */
final class PrintedMeters {
  private PrintedMeters() {}

  /** Prints the meters of {@code registry} whose name starts with {@code prefix}. */
  static void print(MeterRegistry registry, String prefix, PrintStream out) {
    // Reading every meter once first is what a scrape does: the series of campaign steps seen
    // meanwhile are registered by it, and show from the next read on.
    registry.getMeters().forEach(m -> m.measure().forEach(ms -> ms.getValue()));
    Map<String, String> lines = new TreeMap<>();
    int zero = 0;
    for (Meter m : registry.getMeters()) {
      if (!m.getId().getName().startsWith(prefix)) {
        continue;
      }
      String value = value(m);
      if (value == null) {
        zero++;
      } else {
        lines.put(id(m), value);
      }
    }
    int width = lines.keySet().stream().mapToInt(String::length).max().orElse(0);
    List<String> out2 = new ArrayList<>();
    lines.forEach((id, value) -> out2.add("  " + id + " ".repeat(width - id.length() + 2) + value));
    out2.forEach(out::println);
    out.printf("  (%d more counters and timers at zero not shown)%n", zero);
  }

  private static String id(Meter m) {
    List<Tag> tags = m.getId().getTags();
    return m.getId().getName() + (tags.isEmpty() ? ""
        : tags.stream().map(t -> t.getKey() + "=" + t.getValue()).collect(Collectors.joining(",", "{", "}")));
  }

  /** The value as printed, or {@code null} for a counter or timer that counted nothing. */
  private static String value(Meter m) {
    if (m instanceof FunctionCounter c) {
      return count(c.count());
    }
    if (m instanceof Counter c) {
      return count(c.count());
    }
    if (m instanceof TimeGauge g) {
      return number(g.value(TimeUnit.SECONDS)) + " s";
    }
    if (m instanceof Gauge g) {
      return number(g.value());
    }
    if (m instanceof Timer t) {
      return t.count() == 0 ? null : String.format(Locale.ROOT, "count %d, mean %.3f s, max %.3f s", t.count(),
          t.mean(TimeUnit.SECONDS), t.max(TimeUnit.SECONDS));
    }
    return null;
  }

  private static String count(double v) {
    return v == 0 ? null : number(v);
  }

  private static String number(double v) {
    return Double.isNaN(v) ? "NaN" : v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.3f", v);
  }
}
