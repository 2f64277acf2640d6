package dev.nudge.simulate;

import dev.nudge.core.Nudge;
import dev.nudge.core.internal.EngineAccess;

import dev.nudge.json.Campaigns;
import dev.nudge.Campaign;
import dev.nudge.CampaignSet;
import dev.nudge.CampaignStats;
import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.OutcomeReport;
import dev.nudge.Platform;
import dev.nudge.Source;
import dev.nudge.internal.Checks;
import dev.nudge.internal.Json;
import dev.nudge.spi.NudgeListener;
import dev.nudge.spi.SendResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Replays a log of records (JSON Lines) through campaigns on a {@link Simulator}: the code path of
 * the {@code simulate} tool, reusable by tests and benchmarks.
 *
 * <pre>{@code
 * SimulationRun.Result result = SimulationRun.of(Campaigns.fromJson(campaignsFile))
 *     .onOutcome(report -> out.println(report.campaignId() + " " + report.outcome() + " " + report.userId()))
 *     .onBadLine(bad -> err.println("line " + bad.line() + ": " + bad.problem()))
 *     .run(eventsReader);
 * }</pre>
 *
 * <p>Each line is one record, {@code event}, {@code device} or {@code user}, with an
 * {@code occurredAt} instant (see {@code docs/simulate.md}), in strict JSON whose numbers read as
 * everywhere in Nudge: a whole number is a {@code Long}, or a {@code BigInteger} beyond the long
 * range; any other a {@code Double}. A line that cannot be read is
 * reported with its number and skipped; blank lines are ignored. All records are read first and
 * then applied in time order, records with equal times in the order of the log; before each
 * record every reminder due strictly before its time is resolved (see {@code docs/semantics.md}).
 * The run ends at {@code until} (default: the last record's time plus the campaigns' longest
 * horizon): reminders due before it are resolved, records at or after it are not applied.
 *
 * <p>Records are kept in a compact form (no JSON trees), so a log of a million events fits in a
 * few hundred megabytes. A run is single-threaded; a builder may be reused for several runs but
 * is not thread-safe. Outcomes are reported in resolution order on the calling thread.
 */
public final class SimulationRun {
  /** How often progress is reported, in lines read and records applied, by default. */
  public static final long DEFAULT_PROGRESS_EVERY = 100_000;

  /** The phase a progress report is about. */
  public enum Phase {
    /** Reading and checking lines; {@code total} is unknown (-1). */
    READ,
    /** Applying records in time order. */
    RUN
  }

  /** Receives progress reports, on the running thread. */
  @FunctionalInterface
  public interface Progress {
    /**
     * A progress report.
     *
     * @param phase what is being done
     * @param done lines read or records applied so far
     * @param total records to apply, or -1 while reading
     * @param simulatedTime the simulated clock while running, {@code null} while reading
     */
    void report(Phase phase, long done, long total, Instant simulatedTime);
  }

  /**
   * A line that could not be read (or applied); it was skipped.
   *
   * @param line the line number, from 1
   * @param problem what is wrong with it
   */
  public record BadLine(long line, String problem) {}

  /**
   * What a run did.
   *
   * @param lines lines read (blank ones included)
   * @param records records read and kept
   * @param badLines lines skipped because they could not be read or applied
   * @param applied records applied (those before {@code until})
   * @param start the simulated start: the first record's time ({@code null} for an empty log)
   * @param until where the run stopped ({@code null} for an empty log without {@code until})
   * @param outcomes outcome reports produced
   * @param pending reminders still pending at {@code until}
   * @param stats the counters of every campaign of the set, in the set's order (zeros for a
   *     campaign that counted nothing)
   */
  public record Result(long lines, long records, long badLines, long applied, Instant start, Instant until,
      long outcomes, long pending, Map<String, CampaignStats> stats) {}

  private final CampaignSet campaigns;
  private Instant until;
  private Consumer<OutcomeReport> onOutcome = r -> {};
  private Consumer<BadLine> onBadLine = b -> {};
  private Progress progress = (phase, done, total, t) -> {};
  private long progressEvery = DEFAULT_PROGRESS_EVERY;

  private SimulationRun(CampaignSet campaigns) {
    this.campaigns = campaigns;
  }

  /** A run of these campaigns (with the set's global frequency cap). */
  public static SimulationRun of(CampaignSet campaigns) {
    if (campaigns == null) {
      throw new IllegalArgumentException("campaigns are required; read them with Campaigns.fromJson");
    }
    return new SimulationRun(campaigns);
  }

  /** Where the run stops; {@code null} for the default (last record plus the longest horizon). */
  public SimulationRun until(Instant until) {
    this.until = until;
    return this;
  }

  /** Receives every outcome, in resolution order. An exception it throws ends the run. */
  public SimulationRun onOutcome(Consumer<OutcomeReport> consumer) {
    this.onOutcome = Objects.requireNonNull(consumer, "onOutcome");
    return this;
  }

  /** Receives every bad line as it is found. */
  public SimulationRun onBadLine(Consumer<BadLine> consumer) {
    this.onBadLine = Objects.requireNonNull(consumer, "onBadLine");
    return this;
  }

  /** Receives progress every {@code every} lines read and records applied. */
  public SimulationRun onProgress(long every, Progress progress) {
    if (every < 1) {
      throw new IllegalArgumentException("progress interval is " + every + "; use 1 or more");
    }
    this.progressEvery = every;
    this.progress = Objects.requireNonNull(progress, "progress");
    return this;
  }

  /**
   * Reads the whole log, then replays it.
   *
   * @throws UncheckedIOException when reading fails
   * @throws IllegalArgumentException when a campaign's template is invalid
   * @throws IllegalStateException when the engine reported an error during the run
   */
  public Result run(Reader jsonLines) {
    Log log = read(jsonLines);
    return replay(log);
  }

  // ================================================================== running

  private Result replay(Log log) {
    List<Record> records = log.records;
    records.sort(Record.TIME_ORDER); // stable: equal times keep the log's order
    Instant start = records.isEmpty() ? until : records.get(0).time();
    if (start == null) {
      return new Result(log.lines, 0, log.bad, 0, null, null, 0, 0, emptyStats());
    }
    if (until != null && until.isBefore(start)) {
      start = until;
    }
    Sink sink = new Sink(onOutcome);
    long applied = 0;
    long bad = log.bad;
    Instant end;
    long pending;
    Map<String, CampaignStats> live;
    try (Simulator sim = Simulator.create(start, campaigns, sink)) {
      // With scripted answers a retried send may still be tried for the retry window (24 hours).
      boolean retries = records.stream().anyMatch(r -> r instanceof DeviceRecord d && !d.answers.isEmpty());
      end = until != null ? until
          : records.get(records.size() - 1).time().plus(sim.horizon()).plus(retries ? Duration.ofDays(1) : Duration.ZERO);
      long total = records.size();
      progress.report(Phase.RUN, 0, total, start);
      for (int i = 0; i < records.size(); i++) {
        Record r = records.get(i);
        Instant t = r.time();
        if (!t.isBefore(end)) {
          break;
        }
        sim.advanceTo(t);
        sink.check();
        try {
          r.applyTo(sim);
          applied++;
        } catch (IllegalArgumentException e) {
          bad++;
          onBadLine.accept(new BadLine(r.line, e.getMessage()));
        }
        sink.check();
        records.set(i, null); // applied: let it go
        if ((i + 1) % progressEvery == 0) {
          progress.report(Phase.RUN, i + 1, total, t);
        }
      }
      sim.advanceTo(end);
      sink.check();
      pending = sim.pending();
      live = sim.stats();
    }
    Map<String, CampaignStats> stats = new LinkedHashMap<>();
    for (Campaign c : campaigns.campaigns()) {
      stats.put(c.id(), live.getOrDefault(c.id(), new CampaignStats(c.id(), List.of())));
    }
    return new Result(log.lines, records.size(), bad, applied, start, end, sink.count, pending, stats);
  }

  private Map<String, CampaignStats> emptyStats() {
    Map<String, CampaignStats> stats = new LinkedHashMap<>();
    for (Campaign c : campaigns.campaigns()) {
      stats.put(c.id(), new CampaignStats(c.id(), List.of()));
    }
    return stats;
  }

  /** Passes outcomes on; remembers the first failure (the engine would only log it). */
  private static final class Sink implements NudgeListener {
    private final Consumer<OutcomeReport> consumer;
    long count;
    RuntimeException failure;
    String errorContext;
    Throwable error;

    Sink(Consumer<OutcomeReport> consumer) {
      this.consumer = consumer;
    }

    @Override
    public void onOutcome(OutcomeReport report) {
      if (failure != null) {
        return;
      }
      count++;
      try {
        consumer.accept(report);
      } catch (RuntimeException e) {
        failure = e;
      }
    }

    @Override
    public void onError(String context, Throwable e) {
      if (error == null) {
        errorContext = context;
        error = e;
      }
    }

    void check() {
      if (failure != null) {
        throw failure;
      }
      if (error != null) {
        throw new IllegalStateException("the engine failed during the simulation: " + errorContext, error);
      }
    }
  }

  // ================================================================== reading

  private static final class Log {
    final List<Record> records = new ArrayList<>();
    long lines;
    long bad;
  }

  private Log read(Reader in) {
    Log log = new Log();
    LineParser parser = new LineParser();
    BufferedReader lines = in instanceof BufferedReader b ? b : new BufferedReader(in, 1 << 16);
    try {
      String line;
      while ((line = lines.readLine()) != null) {
        long n = ++log.lines;
        if (!line.isBlank()) {
          try {
            log.records.add(parser.parse(line, n));
          } catch (IllegalArgumentException e) {
            log.bad++;
            onBadLine.accept(new BadLine(n, e.getMessage()));
          }
        }
        if (n % progressEvery == 0) {
          progress.report(Phase.READ, n, -1, null);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading the log failed after line " + log.lines, e);
    }
    return log;
  }

  /** One record, as compact as is convenient: no JSON, shared strings, no maps for events. */
  private abstract static class Record {
    static final Comparator<Record> TIME_ORDER =
        Comparator.<Record>comparingLong(r -> r.second).thenComparingInt(r -> r.nano);

    final long second;
    final int nano;
    final int line;

    Record(Instant at, long line) {
      this.second = at.getEpochSecond();
      this.nano = at.getNano();
      this.line = (int) Math.min(line, Integer.MAX_VALUE);
    }

    Instant time() {
      return Instant.ofEpochSecond(second, nano);
    }

    abstract void applyTo(Simulator sim);
  }

  private static final class EventRecord extends Record {
    final String name;
    final String userId;
    final String id;
    final Source source;
    final Object[] properties; // key, value, key, value, ...

    EventRecord(Instant at, long line, String name, String userId, String id, Source source, Object[] properties) {
      super(at, line);
      this.name = name;
      this.userId = userId;
      this.id = id;
      this.source = source;
      this.properties = properties;
    }

    Event toEvent() {
      Event.Builder b = Event.named(name).user(userId).id(id).source(source).at(time());
      for (int i = 0; i < properties.length; i += 2) {
        b.property((String) properties[i], properties[i + 1]);
      }
      return b.build();
    }

    @Override
    void applyTo(Simulator sim) {
      sim.track(toEvent());
    }
  }

  private static final class DeviceRecord extends Record {
    final Device device; // null: deactivate
    final Platform platform; // null: any platform
    final String token;
    final List<SendResult> answers;

    DeviceRecord(Instant at, long line, Device device, Platform platform, String token, List<SendResult> answers) {
      super(at, line);
      this.device = device;
      this.platform = platform;
      this.token = token;
      this.answers = answers;
    }

    @Override
    void applyTo(Simulator sim) {
      if (device != null) {
        sim.registerDevice(device);
        if (!answers.isEmpty()) {
          sim.answerNext(platform, token, answers);
        }
      } else if (platform != null) {
        sim.deactivateDevice(platform, token);
      } else {
        for (Platform p : Platform.values()) {
          sim.deactivateDevice(p, token);
        }
      }
    }
  }

  private static final class UserRecord extends Record {
    final String userId;
    final Map<String, Object> attributes;

    UserRecord(Instant at, long line, String userId, Map<String, Object> attributes) {
      super(at, line);
      this.userId = userId;
      this.attributes = attributes;
    }

    @Override
    void applyTo(Simulator sim) {
      sim.setUserAttributes(userId, attributes);
    }
  }

  private static final class ConsentRecord extends Record {
    final String userId;
    final String category;
    final boolean allowed;

    ConsentRecord(Instant at, long line, String userId, String category, boolean allowed) {
      super(at, line);
      this.userId = userId;
      this.category = category;
      this.allowed = allowed;
    }

    @Override
    void applyTo(Simulator sim) {
      sim.consent(userId, category, allowed);
    }
  }

  /** Parses one line into a record; every problem is an {@link IllegalArgumentException}. */
  static final class LineParser {
    private final Map<String, String> shared = new HashMap<>();

    /** One copy of each name, user id and key, however many records carry it. */
    private String share(String s) {
      if (s == null || s.length() > 64) {
        return s;
      }
      String known = shared.putIfAbsent(s, s);
      return known == null ? s : known;
    }

    Record parse(String line, long n) {
      if (!(Json.read(new StringReader(line), this::share) instanceof Map<?, ?> fields)) {
        throw new IllegalArgumentException("expected a JSON object {...} per line");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> f = (Map<String, Object>) fields;
      Object type = f.get("type");
      if (type == null) {
        throw new IllegalArgumentException("\"type\" is required: event, device, user or consent");
      }
      return switch (String.valueOf(type)) {
        case "event" -> event(f, n);
        case "device" -> device(f, n);
        case "user" -> user(f, n);
        case "consent" -> consent(f, n);
        default -> throw new IllegalArgumentException("unknown type " + quote(type)
            + "; expected event, device, user or consent");
      };
    }

    private Record event(Map<String, Object> f, long n) {
      allow(f, "type", "id", "name", "userId", "occurredAt", "properties", "source");
      Instant at = instant(f);
      String name = share(string(f, "name", true));
      String userId = share(string(f, "userId", true));
      String id = string(f, "id", false);
      String sourceName = string(f, "source", false);
      Source source = null;
      if (sourceName != null) {
        source = enumValue(Source.class, "source", sourceName);
      }
      Object props = f.get("properties");
      Object[] pairs = new Object[0];
      if (props != null) {
        if (!(props instanceof Map<?, ?> map)) {
          throw new IllegalArgumentException("\"properties\" must be an object, was " + quote(props));
        }
        pairs = new Object[map.size() * 2];
        int i = 0;
        for (Map.Entry<?, ?> e : map.entrySet()) {
          pairs[i++] = e.getKey();
          pairs[i++] = e.getValue();
        }
      }
      EventRecord r = new EventRecord(at, n, name, userId, id, source, pairs);
      r.toEvent(); // checks names, limits and values now, so a bad line is reported with its number
      return r;
    }

    private Record device(Map<String, Object> f, long n) {
      allow(f, "type", "userId", "platform", "token", "locale", "zone", "active", "answers", "occurredAt");
      Instant at = instant(f);
      String token = string(f, "token", true);
      String platformName = string(f, "platform", false);
      Platform platform = platformName == null ? null : enumValue(Platform.class, "platform", platformName);
      Object active = f.getOrDefault("active", Boolean.TRUE);
      if (!(active instanceof Boolean)) {
        throw new IllegalArgumentException("\"active\" must be true or false, was " + quote(active));
      }
      if (!(Boolean) active) {
        return new DeviceRecord(at, n, null, platform, token, List.of());
      }
      String userId = share(string(f, "userId", true));
      if (platform == null) {
        throw new IllegalArgumentException("\"platform\" is required to register a device: ios, android or web");
      }
      Device.Builder d = Device.of(userId, platform, token).locale(share(string(f, "locale", false)));
      String zone = string(f, "zone", false);
      if (zone != null) {
        try {
          d.zone(ZoneId.of(zone));
        } catch (DateTimeException e) {
          throw new IllegalArgumentException("\"zone\" " + quote(zone) + " is not a time zone id such as Asia/Tehran");
        }
      }
      return new DeviceRecord(at, n, d.build(), platform, token, answers(f.get("answers")));
    }

    /**
     * A device's scripted answers: {@code accepted}, {@code rejected}, {@code dead} (rejected, the
     * token is dead), {@code retry} or {@code retry PT30S} (with a retry-after).
     */
    private static List<SendResult> answers(Object value) {
      if (value == null) {
        return List.of();
      }
      if (!(value instanceof List<?> list)) {
        throw new IllegalArgumentException("\"answers\" must be a list such as [\"retry\", \"accepted\"], was "
            + quote(value));
      }
      List<SendResult> out = new ArrayList<>(list.size());
      for (Object a : list) {
        String s = a instanceof String str ? str.trim() : null;
        if ("accepted".equals(s)) {
          out.add(SendResult.accepted(null));
        } else if ("rejected".equals(s)) {
          out.add(SendResult.rejected("rejected (scripted)", false));
        } else if ("dead".equals(s)) {
          out.add(SendResult.rejected("token dead (scripted)", true));
        } else if ("retry".equals(s)) {
          out.add(SendResult.retry("retry (scripted)", null));
        } else if (s != null && s.startsWith("retry ")) {
          out.add(SendResult.retry("retry (scripted)", Checks.duration("answers retry-after", s.substring(6).trim())));
        } else {
          throw new IllegalArgumentException("\"answers\" item " + quote(a) + " is not one of accepted, rejected,"
              + " dead, retry or \"retry PT30S\" (a retry-after)");
        }
      }
      return List.copyOf(out);
    }

    private Record user(Map<String, Object> f, long n) {
      allow(f, "type", "userId", "attributes", "occurredAt");
      Instant at = instant(f);
      String userId = share(string(f, "userId", true));
      Object attributes = f.get("attributes");
      if (!(attributes instanceof Map<?, ?> map)) {
        throw new IllegalArgumentException("\"attributes\" is required and must be an object, was "
            + (attributes == null ? "missing" : quote(attributes)));
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> values = (Map<String, Object>) map;
      return new UserRecord(at, n, userId, EngineAccess.get().checkedAttributes(userId, values));
    }

    private Record consent(Map<String, Object> f, long n) {
      allow(f, "type", "userId", "optOut", "optIn", "occurredAt");
      Instant at = instant(f);
      String userId = share(string(f, "userId", true));
      String out = string(f, "optOut", false);
      String in = string(f, "optIn", false);
      if ((out == null) == (in == null)) {
        throw new IllegalArgumentException("a consent record has one of \"optOut\" or \"optIn\": a category,"
            + " or \"*\" for every category");
      }
      String category = out != null ? out : in;
      if (!category.equals("*")) {
        dev.nudge.Campaign.checkCategory(out != null ? "\"optOut\"" : "\"optIn\"", category);
      }
      return new ConsentRecord(at, n, userId, share(category), in != null);
    }

    private static void allow(Map<String, Object> f, String... names) {
      for (String key : f.keySet()) {
        boolean known = false;
        for (String name : names) {
          known |= name.equals(key);
        }
        if (!known) {
          throw new IllegalArgumentException("unknown field \"" + key + "\" for type " + f.get("type")
              + "; expected " + String.join(", ", names));
        }
      }
    }

    private static Instant instant(Map<String, Object> f) {
      String text = string(f, "occurredAt", true);
      Instant fast = utcInstant(text);
      if (fast != null) {
        return fast;
      }
      try {
        return Instant.parse(text);
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("\"occurredAt\" " + quote(text)
            + " is not an ISO-8601 instant such as 2026-03-01T10:00:00Z");
      }
    }

    /**
     * The common {@code 2026-03-01T10:00:00Z} / {@code ...00.250Z} form without the general
     * parser, which costs more than the rest of a line; {@code null} for anything else (which
     * then goes through {@link Instant#parse}).
     */
    static Instant utcInstant(String s) {
      int n = s.length();
      if (n < 20 || n > 30 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T'
          || s.charAt(13) != ':' || s.charAt(16) != ':' || s.charAt(n - 1) != 'Z') {
        return null;
      }
      int year = digits(s, 0, 4);
      int month = digits(s, 5, 7);
      int day = digits(s, 8, 10);
      int hour = digits(s, 11, 13);
      int minute = digits(s, 14, 16);
      int second = digits(s, 17, 19);
      int nano = 0;
      if (n > 20) {
        if (s.charAt(19) != '.' || n == 21) {
          return null;
        }
        int fraction = digits(s, 20, n - 1);
        if (fraction < 0) {
          return null;
        }
        nano = fraction;
        for (int i = n - 1 - 20; i < 9; i++) {
          nano *= 10;
        }
      }
      if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59
          || second < 0 || second > 59 || day > java.time.YearMonth.of(year, month).lengthOfMonth()) {
        return null;
      }
      long epochDay = java.time.LocalDate.of(year, month, day).toEpochDay();
      return Instant.ofEpochSecond(epochDay * 86_400 + hour * 3600 + minute * 60 + second, nano);
    }

    /** The decimal number in {@code s[from, to)}, or -1 when a character is not a digit. */
    private static int digits(String s, int from, int to) {
      int v = 0;
      for (int i = from; i < to; i++) {
        char c = s.charAt(i);
        if (c < '0' || c > '9') {
          return -1;
        }
        v = v * 10 + (c - '0');
      }
      return v;
    }

    private static String string(Map<String, Object> f, String name, boolean required) {
      Object v = f.get(name);
      if (v == null) {
        if (required) {
          throw new IllegalArgumentException("\"" + name + "\" is required");
        }
        return null;
      }
      if (!(v instanceof String s)) {
        throw new IllegalArgumentException("\"" + name + "\" must be a string, was " + quote(v));
      }
      return s;
    }

    private static <E extends Enum<E>> E enumValue(Class<E> type, String field, String text) {
      for (E e : type.getEnumConstants()) {
        if (e.name().equalsIgnoreCase(text)) {
          return e;
        }
      }
      List<String> names = new ArrayList<>();
      for (E e : type.getEnumConstants()) {
        names.add(e.name().toLowerCase(Locale.ROOT));
      }
      throw new IllegalArgumentException("\"" + field + "\" " + quote(text) + " is not one of "
          + String.join(", ", names));
    }

    private static String quote(Object v) {
      String s = v instanceof String text ? '"' + text + '"' : String.valueOf(v);
      return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }
  }
}
