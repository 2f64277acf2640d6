package dev.nudge.examples;

import dev.nudge.Campaign;
import dev.nudge.CampaignSet;
import dev.nudge.CampaignStats;
import dev.nudge.StepStats;
import dev.nudge.json.Campaigns;
import dev.nudge.simulate.SimulationRun;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;

/**
 * The {@code simulate} command: replays a JSON Lines log of events, devices and users through a
 * campaigns file on a virtual clock, with the real engine, and writes what would have happened.
 *
 * <pre>
 * simulate --campaigns FILE --events FILE [--until INSTANT] [--out FILE] [--stats FILE]
 * </pre>
 *
 * <p>One JSON line per resolved reminder goes to {@code --out} (default: standard output), the
 * counters as JSON to {@code --stats}; the console gets bad lines and progress (standard error)
 * and a table of the counters (standard error when the outcomes go to standard output). Exit
 * codes: 0 done (even with bad lines), 1 a malformed campaigns file or a failed read or write,
 * 2 a usage error. The formats are in {@code docs/simulate.md}.
 */
public final class Simulate {
  static final String USAGE = """
      usage: simulate --campaigns FILE --events FILE [--until INSTANT] [--out FILE] [--stats FILE]
        --campaigns FILE  campaigns as JSON: {"settings": {...}, "campaigns": [...]}
        --events FILE     the log, JSON Lines: one event, device, user or consent record per line
        --until INSTANT   stop there, e.g. 2026-03-08T00:00:00Z (default: the last record's time
                          plus the longest time a campaign can still act)
        --out FILE        write one JSON line per outcome there (default: standard output)
        --stats FILE      write the per-campaign, per-step counters there as JSON""";

  private Simulate() {}

  /** Runs the command and exits with its code. */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /**
   * Runs the command.
   *
   * @return the exit code: 0 done, 1 malformed campaigns or an I/O failure, 2 a usage error
   */
  public static int run(String[] args, PrintStream stdout, PrintStream stderr) {
    Options o;
    try {
      o = Options.parse(args);
    } catch (UsageException e) {
      if (e.getMessage() != null) {
        stderr.println("simulate: " + e.getMessage());
      }
      stderr.println(USAGE);
      return e.getMessage() == null ? 0 : 2;
    }
    CampaignSet campaigns;
    try (Reader in = Files.newBufferedReader(o.campaigns, StandardCharsets.UTF_8)) {
      campaigns = Campaigns.fromJson(in);
    } catch (IllegalArgumentException e) {
      stderr.println("simulate: " + o.campaigns + ": " + e.getMessage());
      return 1;
    } catch (IOException | UncheckedIOException e) {
      stderr.println("simulate: cannot read " + o.campaigns + ": " + e.getMessage());
      return 1;
    }
    PrintStream console = o.out == null ? stderr : stdout;
    long started = System.nanoTime();
    SimulationRun.Result result;
    try (Writer out = o.out == null
        ? new BufferedWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8), 1 << 16)
        : Files.newBufferedWriter(o.out, StandardCharsets.UTF_8);
        Reader events = Files.newBufferedReader(o.events, StandardCharsets.UTF_8)) {
      result = SimulationRun.of(campaigns)
          .until(o.until)
          .onOutcome(report -> {
            try {
              out.write(SimulateOutput.outcomeJson(report));
              out.write('\n');
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          })
          .onBadLine(bad -> stderr.println(o.events + ":" + bad.line() + ": skipped: " + bad.problem()))
          .onProgress(SimulationRun.DEFAULT_PROGRESS_EVERY, (phase, done, total, t) -> {
            if (phase == SimulationRun.Phase.READ) {
              stderr.printf(Locale.ROOT, "read %,d lines%n", done);
            } else if (done > 0) {
              stderr.printf(Locale.ROOT, "applied %,d of %,d records (%d%%), simulated time %s%n",
                  done, total, done * 100 / total, t);
            } else if (total >= SimulationRun.DEFAULT_PROGRESS_EVERY) {
              stderr.printf(Locale.ROOT, "replaying %,d records from %s%n", total, t);
            }
          })
          .run(events);
      out.flush();
      if (o.out == null) {
        stdout.flush();
      }
    } catch (IOException | UncheckedIOException e) {
      stderr.println("simulate: " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
      return 1;
    } catch (IllegalArgumentException | IllegalStateException e) {
      stderr.println("simulate: " + e.getMessage());
      return 1;
    }
    if (o.stats != null) {
      try {
        Files.writeString(o.stats, SimulateOutput.statsJson(result, campaigns) + "\n", StandardCharsets.UTF_8);
      } catch (IOException e) {
        stderr.println("simulate: cannot write " + o.stats + ": " + e.getMessage());
        return 1;
      }
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    console.print(table(result, campaigns));
    console.printf(Locale.ROOT, "%,d records (%,d applied) from %s until %s: %,d outcomes, %,d still pending,"
            + " %,d bad lines; %.1f s%n", result.records(), result.applied(), result.start(), result.until(),
        result.outcomes(), result.pending(), result.badLines(), seconds);
    console.flush();
    return 0;
  }

  /** The counters as a fixed-width table: one row per campaign step and one per campaign total. */
  static String table(SimulationRun.Result result, CampaignSet campaigns) {
    int width = "campaign".length();
    for (Campaign c : campaigns.campaigns()) {
      width = Math.max(width, c.id().length());
    }
    String row = "%-" + width + "s %5s %9s %9s %9s %9s %9s %10s %9s %9s %9s %9s%n";
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, row, "campaign", "step", "triggered", "scheduled", "restarted",
        "ignored", "cancelled", "suppressed", "expired", "sent", "failed", "converted"));
    for (Campaign c : campaigns.campaigns()) {
      CampaignStats stats = result.stats().get(c.id());
      for (int i = 0; i < c.steps().size(); i++) {
        out.append(line(row, c.id(), String.valueOf(i), stats.step(i)));
      }
      if (c.steps().size() > 1) {
        out.append(line(row, c.id(), "all", stats.total()));
      }
    }
    return out.toString();
  }

  private static String line(String row, String id, String step, StepStats s) {
    return String.format(Locale.ROOT, row, id, step, s.triggered(), s.scheduled(), s.restarted(), s.ignored(),
        s.cancelled(), s.suppressedTotal(), s.expired(), s.sent(), s.failed(), s.converted());
  }

  /** A usage error; no message means help was asked for. */
  private static final class UsageException extends Exception {
    UsageException(String message) {
      super(message);
    }
  }

  private record Options(Path campaigns, Path events, Instant until, Path out, Path stats) {
    static Options parse(String[] args) throws UsageException {
      Path campaigns = null;
      Path events = null;
      Instant until = null;
      Path out = null;
      Path stats = null;
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        if (arg.equals("--help") || arg.equals("-h")) {
          throw new UsageException(null);
        }
        String value;
        int eq = arg.indexOf('=');
        String name = eq > 0 ? arg.substring(0, eq) : arg;
        if (!name.startsWith("--")) {
          throw new UsageException("unexpected argument '" + arg + "'");
        }
        if (!List.of("--campaigns", "--events", "--until", "--out", "--stats").contains(name)) {
          throw new UsageException("unknown option '" + name + "'");
        }
        if (eq > 0) {
          value = arg.substring(eq + 1);
        } else if (i + 1 < args.length) {
          value = args[++i];
        } else {
          throw new UsageException(name + " needs a value");
        }
        switch (name) {
          case "--campaigns" -> campaigns = readable(name, value);
          case "--events" -> events = readable(name, value);
          case "--until" -> {
            try {
              until = Instant.parse(value);
            } catch (DateTimeParseException e) {
              throw new UsageException("--until '" + value + "' is not an instant such as 2026-03-08T00:00:00Z");
            }
          }
          case "--out" -> out = Path.of(value);
          case "--stats" -> stats = Path.of(value);
          default -> throw new UsageException("unknown option '" + name + "'");
        }
      }
      if (campaigns == null) {
        throw new UsageException("--campaigns is required");
      }
      if (events == null) {
        throw new UsageException("--events is required");
      }
      return new Options(campaigns, events, until, out, stats);
    }

    private static Path readable(String option, String value) throws UsageException {
      Path p = Path.of(value);
      if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
        throw new UsageException(option + " " + value + ": no such readable file");
      }
      return p;
    }
  }
}
