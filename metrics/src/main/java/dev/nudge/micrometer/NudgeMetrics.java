package dev.nudge.micrometer;

import dev.nudge.Campaign;
import dev.nudge.Platform;
import dev.nudge.spi.Counter;
import dev.nudge.spi.DeliveryReport;
import dev.nudge.spi.DueReminders;
import dev.nudge.spi.EngineStatus;
import dev.nudge.spi.NudgeListener;
import dev.nudge.spi.SendResult;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Exports one Nudge engine to a Micrometer {@link MeterRegistry}: the statistics counters per
 * campaign, step and outcome, the send latency per platform, and gauges of pending, held and due
 * reminders. Registered in one line, as a listener of the engine:
 *
 * <pre>{@code
 * Nudge nudge = Nudge.builder().transport(apns).listener(NudgeMetrics.of(registry)).build();
 * }</pre>
 *
 * <p><b>Meters</b> (names as Micrometer writes them; Prometheus adds {@code _total} to counters
 * and {@code _seconds} to times):
 * <ul>
 *   <li>counters, tagged {@code campaign} and {@code step}: {@code nudge.triggered},
 *       {@code nudge.scheduled}, {@code nudge.restarted}, {@code nudge.ignored},
 *       {@code nudge.outcomes} (also {@code outcome}, an {@code Outcome} name, and {@code reason},
 *       a {@code SuppressionReason} name or {@code NONE}), {@code nudge.deliveries} (also
 *       {@code platform} and {@code result}: {@code ACCEPTED} or {@code REJECTED}),
 *       {@code nudge.invalid.tokens}, {@code nudge.converted};
 *   <li>the timer {@code nudge.send.latency}, tagged {@code platform} and {@code result}
 *       ({@code ACCEPTED}, {@code REJECTED}, {@code RETRY}): from handing a notification to the
 *       transport to its answer, on the engine's clock;
 *   <li>gauges {@code nudge.reminders.pending}, {@code nudge.reminders.held},
 *       {@code nudge.reminders.due} and the time gauge {@code nudge.reminders.due.lag} (now minus
 *       the earliest fire time of the due reminders; 0 when none is due).
 * </ul>
 *
 * <p><b>Where the figures come from.</b> The counters are the store's own statistics counters
 * ({@code Nudge.stats()}), read as {@link FunctionCounter}s: they count what listeners never see
 * (triggers on {@code track}, conversions), change in the same transaction as what they count,
 * survive restarts on a durable store and are the totals of every engine sharing the store. So
 * with several instances on one database each exports the same totals: aggregate them with
 * {@code max}, not {@code sum} (likewise the gauges). The timer is this instance's own. A
 * counter never goes down here: a read lower than the last one keeps the last.
 *
 * <p><b>Cost.</b> The counters and gauges read one snapshot, taken again at most every
 * {@link Builder#refreshEvery refreshEvery} (10 s by default) on the engine's clock when a meter
 * is read, so a scrape costs at most one read of each: the counters (one grouped query on a JDBC
 * store), the reminder count and the due reminders (the due part of the fire-time index). The
 * held reminders are counted at most every {@link Builder#refreshHeldEvery refreshHeldEvery}
 * (1 minute), since that count scans the store. The reads run on the thread that reads the meter
 * (the scrape), never on an engine thread; {@link #onDelivery} only records into a timer.
 *
 * <p><b>Bounded tags.</b> Campaign ids are the host's code-defined ids; the counters of more than
 * {@link Builder#maxCampaigns maxCampaigns} distinct ids (100 by default: a store keeps the
 * counters of removed campaigns too) are summed under {@code campaign="_other"}, once and for
 * good, so every series stays monotonic. Every other tag value is an enum constant or a fixed
 * word; no user id, token or message text is ever a tag. Every series of a campaign step is
 * registered at zero when the step is first seen (defined or counted), about 20 per step.
 *
 * <p>One {@code NudgeMetrics} per engine; engines exporting to one registry need tags that tell
 * them apart ({@link Builder#tags}). Thread-safe. {@link #close()} removes its meters.
 */
public final class NudgeMetrics implements NudgeListener, AutoCloseable {
  /** The {@code campaign} tag of the counters beyond {@link Builder#maxCampaigns}. */
  public static final String OTHER_CAMPAIGNS = "_other";

  static final String PENDING = "nudge.reminders.pending";
  static final String HELD = "nudge.reminders.held";
  static final String DUE = "nudge.reminders.due";
  static final String DUE_LAG = "nudge.reminders.due.lag";
  static final String LATENCY = "nudge.send.latency";
  static final String ERRORS = "nudge.metrics.read.errors";
  private static final Set<String> OWN_TAGS = Set.of("campaign", "step", "outcome", "reason", "platform", "result");
  private static final String[] RESULTS = {"ACCEPTED", "REJECTED", "RETRY"};
  private static final System.Logger LOG = System.getLogger("dev.nudge.micrometer");

  private final MeterRegistry registry;
  private final Tags tags;
  private final Duration refreshEvery;
  private final Duration heldEvery;
  private final int maxCampaigns;
  private final List<Meter> meters = new ArrayList<>(); // guarded by this
  /** The latest count of each series, never lower than an earlier one. */
  private final Map<Series, Long> counts = new ConcurrentHashMap<>();
  private final Set<Series> registered = new HashSet<>(); // guarded by this
  private final Set<Step> registeredSteps = new HashSet<>(); // guarded by this
  private final Set<String> admitted = new HashSet<>(); // guarded by this
  private final Set<String> unknownCounters = new HashSet<>(); // guarded by this
  private volatile Timer[] latency;
  private volatile EngineStatus engine;
  private Figures figures; // guarded by this
  /** When the held reminders were last counted (the one read that scans the store), or {@code null}. */
  private Instant heldAt; // guarded by this
  private double held = Double.NaN; // guarded by this
  private io.micrometer.core.instrument.Counter errors;
  private boolean failing; // guarded by this
  private boolean overflowLogged; // guarded by this
  private boolean closed; // guarded by this

  /** One counter series: the campaign tag ({@link #OTHER_CAMPAIGNS} beyond the cap), step and counter name. */
  private record Series(String campaign, int step, String counter) {}

  /** A campaign step whose series are registered. */
  private record Step(String campaign, int step) {}

  /** The gauges' figures at one instant; NaN for what could not be read. */
  private record Figures(Instant at, double pending, double held, double due, double lagSeconds) {}

  private NudgeMetrics(Builder b) {
    this.registry = b.registry;
    this.tags = b.tags;
    this.refreshEvery = b.refreshEvery;
    this.heldEvery = b.heldEvery;
    this.maxCampaigns = b.maxCampaigns;
  }

  /**
   * A binder with the defaults: no extra tags, a snapshot every 10 s, the held reminders counted
   * every minute, 100 campaign ids.
   */
  public static NudgeMetrics of(MeterRegistry registry) {
    return builder(registry).build();
  }

  /**
   * Starts configuring a binder for {@code registry}.
   *
   * @throws IllegalArgumentException when {@code registry} is {@code null}
   */
  public static Builder builder(MeterRegistry registry) {
    if (registry == null) {
      throw new IllegalArgumentException("registry is required; pass the MeterRegistry to export to");
    }
    return new Builder(registry);
  }

  /**
   * Registers the meters, reading the engine's counters once to register those a durable store
   * already holds (a store that cannot be read then is retried at the first scrape).
   *
   * @throws IllegalStateException when this binder is already bound to an engine, or the registry
   *     already has Nudge meters with the same tags (another engine's)
   */
  @Override
  public void onBind(EngineStatus engine) {
    Objects.requireNonNull(engine, "engine");
    synchronized (this) {
      if (this.engine != null) {
        throw new IllegalStateException("this NudgeMetrics is already bound to an engine; create one per engine, "
            + "each with tags that tell them apart, e.g. NudgeMetrics.builder(registry).tags(\"instance\", id).build()");
      }
      if (closed) {
        throw new IllegalStateException("this NudgeMetrics is closed; create a new one");
      }
      if (registry.find(PENDING).tags(tags).gauge() != null) {
        throw new IllegalStateException("the registry already has Nudge meters with the tags " + tags
            + " (another engine's NudgeMetrics); give each engine's NudgeMetrics tags that tell them apart, e.g. "
            + "NudgeMetrics.builder(registry).tags(\"instance\", id).build()");
      }
      this.engine = engine;
      gauge(PENDING, "Reminders in the store, pending or being sent (held ones included)", Figures::pending);
      gauge(HELD, "Reminders whose campaign this engine does not define: neither sent nor cancelled", Figures::held);
      gauge(DUE, "Reminders whose fire time has passed and that are not resolved yet (NaN when the store cannot count"
          + " them)", Figures::due);
      meters.add(TimeGauge.builder(DUE_LAG, this, TimeUnit.SECONDS, m -> m.figures().lagSeconds())
          .description("How long the earliest due reminder has waited: now minus its fire time (0 when none is due)")
          .tags(tags).register(registry));
      errors = io.micrometer.core.instrument.Counter.builder(ERRORS)
          .description("Reads of the engine's figures for these metrics that failed (e.g. the store was down)")
          .tags(tags).register(registry);
      meters.add(errors);
      Timer[] timers = new Timer[Platform.values().length * RESULTS.length];
      for (Platform p : Platform.values()) {
        for (int r = 0; r < RESULTS.length; r++) {
          Timer t = Timer.builder(LATENCY)
              .description("From handing a notification to the platform's transport to its answer (to the send"
                  + " timeout when none came in time), on the engine's clock")
              .tags(tags).tag("platform", p.name()).tag("result", RESULTS[r]).register(registry);
          meters.add(t);
          timers[p.ordinal() * RESULTS.length + r] = t;
        }
      }
      latency = timers;
      try {
        absorb(engine.counters(), engine.campaigns());
      } catch (RuntimeException e) {
        failed(e);
      }
    }
  }

  /** Records how long the transport took to answer, on the listener thread; never blocks. */
  @Override
  public void onDelivery(DeliveryReport report) {
    Timer[] timers = latency;
    if (timers == null || report.latency() == null) {
      return;
    }
    int result = report.result() instanceof SendResult.Accepted ? 0
        : report.result() instanceof SendResult.Rejected ? 1 : 2;
    timers[report.device().platform().ordinal() * RESULTS.length + result].record(report.latency());
  }

  /** Removes every meter this binder registered; it reads the engine no more. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Meter m : meters) {
      registry.remove(m);
    }
    meters.clear();
  }

  @Override
  public String toString() {
    return "NudgeMetrics" + tags.stream().map(t -> t.getKey() + "=" + t.getValue()).toList();
  }

  // ------------------------------------------------------------------ reading the engine

  private void gauge(String name, String description, ToDoubleFunction<Figures> value) {
    meters.add(Gauge.builder(name, this, m -> value.applyAsDouble(m.figures()))
        .description(description).tags(tags).register(registry));
  }

  /** The figures, read again when older than {@code refreshEvery} (or the clock went back). */
  private synchronized Figures figures() {
    EngineStatus e = engine;
    Instant now = e.clock().instant();
    if (closed || (figures != null && !now.isBefore(figures.at()) && now.isBefore(figures.at().plus(refreshEvery)))) {
      return figures != null ? figures : new Figures(now, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
    try {
      List<Counter> counters = e.counters();
      List<Campaign> campaigns = e.campaigns();
      long pending = e.pendingReminders();
      if (heldAt == null || now.isBefore(heldAt) || !now.isBefore(heldAt.plus(heldEvery))) {
        held = Double.NaN; // unknown, should the count fail
        held = e.heldReminders();
        heldAt = now;
      }
      DueReminders due = e.dueReminders().orElse(null);
      absorb(counters, campaigns);
      figures = new Figures(now, pending, held, due == null ? Double.NaN : due.count(),
          due == null ? Double.NaN : due.oldestLag(now).toNanos() / 1e9);
      failing = false;
    } catch (RuntimeException ex) {
      failed(ex);
      figures = new Figures(now, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
    return figures;
  }

  /** Counts a failed read; logs the first of a run of failures. */
  private void failed(RuntimeException e) {
    errors.increment();
    if (!failing) {
      failing = true;
      LOG.log(Level.WARNING, "reading the Nudge engine's figures for metrics failed; the counters keep their last"
          + " values and the gauges show NaN until a read succeeds (later failures are counted in " + ERRORS + ")", e);
    }
  }

  /**
   * Takes in a counters snapshot: admits campaign ids up to the cap (defined ones first),
   * registers every series of each step seen, and keeps each series' count, never lower than
   * before.
   */
  private void absorb(List<Counter> counters, List<Campaign> campaigns) {
    for (Campaign c : campaigns) {
      admit(c.id());
    }
    Set<String> seen = new TreeSet<>();
    counters.forEach(c -> seen.add(c.campaignId()));
    seen.forEach(this::admit);

    Map<Series, Long> sums = new HashMap<>();
    for (Counter c : counters) {
      if (CounterSeries.of(c.name()) == null) {
        if (unknownCounters.add(c.name())) {
          LOG.log(Level.DEBUG, "the counter '" + c.name() + "' is not exported: this NudgeMetrics does not know it");
        }
        continue;
      }
      String campaign = admitted.contains(c.campaignId()) ? c.campaignId() : OTHER_CAMPAIGNS;
      sums.merge(new Series(campaign, c.step(), c.name()), c.value(), Long::sum);
    }
    for (Campaign c : campaigns) {
      if (admitted.contains(c.id())) {
        for (int step = 0; step < c.steps().size(); step++) {
          registerStep(c.id(), step);
        }
      }
    }
    for (Series s : sums.keySet()) {
      registerStep(s.campaign(), s.step());
      register(s); // a counter outside the step's usual set (a trigger counter on a later step)
    }
    sums.forEach((s, v) -> counts.merge(s, v, Math::max));
  }

  private void admit(String campaignId) {
    if (admitted.contains(campaignId)) {
      return;
    }
    if (admitted.size() < maxCampaigns) {
      admitted.add(campaignId);
    } else if (!overflowLogged) {
      overflowLogged = true;
      LOG.log(Level.WARNING, "more than " + maxCampaigns + " campaign ids have counters: campaign '" + campaignId
          + "' and later ones are exported under campaign=\"" + OTHER_CAMPAIGNS + "\"; raise"
          + " NudgeMetrics.builder(registry).maxCampaigns(n) to see them apart");
    }
  }

  private void registerStep(String campaign, int step) {
    if (!registeredSteps.add(new Step(campaign, step))) {
      return;
    }
    for (CounterSeries cs : CounterSeries.ofStep(step)) {
      register(new Series(campaign, step, cs.counter()));
    }
  }

  private void register(Series s) {
    if (closed || !registered.add(s)) {
      return;
    }
    CounterSeries cs = CounterSeries.of(s.counter());
    meters.add(FunctionCounter.builder(cs.meter(), this, m -> m.count(s))
        .description(cs.description())
        .tags(tags).tag("campaign", s.campaign()).tag("step", Integer.toString(s.step())).tags(cs.tags())
        .register(registry));
  }

  private double count(Series s) {
    figures(); // takes a fresh snapshot when the last one is too old
    return counts.getOrDefault(s, 0L);
  }

  /**
   * Configures a {@link NudgeMetrics}; each setting is checked as it is given. Not thread-safe.
   */
  public static final class Builder {
    private final MeterRegistry registry;
    private Tags tags = Tags.empty();
    private Duration refreshEvery = Duration.ofSeconds(10);
    private Duration heldEvery = Duration.ofMinutes(1);
    private int maxCampaigns = 100;

    private Builder(MeterRegistry registry) {
      this.registry = registry;
    }

    /**
     * Tags added to every meter, as key and value pairs, e.g. {@code tags("instance", "api-1")}:
     * what tells engines apart that export to one registry.
     *
     * @throws IllegalArgumentException when the count is odd, a key or value is {@code null} or
     *     blank, or a key is one that NudgeMetrics sets itself ({@code campaign}, {@code step},
     *     {@code outcome}, {@code reason}, {@code platform}, {@code result})
     */
    public Builder tags(String... keyValues) {
      if (keyValues == null || keyValues.length % 2 != 0) {
        throw new IllegalArgumentException("tags must be key and value pairs, got "
            + (keyValues == null ? "null" : keyValues.length + " strings") + "; e.g. tags(\"instance\", \"api-1\")");
      }
      List<Tag> list = new ArrayList<>();
      for (int i = 0; i < keyValues.length; i += 2) {
        String key = keyValues[i];
        String value = keyValues[i + 1];
        if (key == null || key.isBlank()) {
          throw new IllegalArgumentException("tags: key " + (i / 2 + 1) + " is " + (key == null ? "null" : "blank")
              + "; give a non-blank key");
        }
        if (OWN_TAGS.contains(key)) {
          throw new IllegalArgumentException("tags: the key '" + key + "' is one NudgeMetrics sets itself "
              + new TreeSet<>(OWN_TAGS) + "; choose another key");
        }
        if (value == null || value.isBlank()) {
          throw new IllegalArgumentException("tags: the value of '" + key + "' is " + (value == null ? "null" : "blank")
              + "; give a non-blank value");
        }
        list.add(Tag.of(key, value));
      }
      this.tags = Tags.of(list);
      return this;
    }

    /**
     * How long one read of the engine's figures serves the counters and gauges (default 10 s, on
     * the engine's clock): within it, every meter shows the same snapshot, so a scrape reads the
     * store once. Zero reads again on every meter read (for tests).
     *
     * @throws IllegalArgumentException when {@code refreshEvery} is {@code null} or negative
     */
    public Builder refreshEvery(Duration refreshEvery) {
      if (refreshEvery == null || refreshEvery.isNegative()) {
        throw new IllegalArgumentException("refreshEvery must be zero or positive, was " + refreshEvery
            + "; e.g. Duration.ofSeconds(10)");
      }
      this.refreshEvery = refreshEvery;
      return this;
    }

    /**
     * How long one count of the held reminders serves the {@code nudge.reminders.held} gauge
     * (default 1 minute, on the engine's clock; it is read with a snapshot once this has passed).
     * It is the one figure that scans the store: the reminders per campaign, a walk over every
     * user in memory (about 150 ms for 200,000 users on two cores) and a full scan of the
     * reminders table on a JDBC store. Held reminders change rarely: after a restart, until the
     * host defines its campaigns again. Zero counts them with every snapshot (for tests).
     *
     * @throws IllegalArgumentException when {@code heldEvery} is {@code null} or negative
     */
    public Builder refreshHeldEvery(Duration heldEvery) {
      if (heldEvery == null || heldEvery.isNegative()) {
        throw new IllegalArgumentException("refreshHeldEvery must be zero or positive, was " + heldEvery
            + "; e.g. Duration.ofMinutes(1)");
      }
      this.heldEvery = heldEvery;
      return this;
    }

    /**
     * The most campaign ids exported apart (default 100); the counters of later ones are summed
     * under {@code campaign="_other"}.
     *
     * @throws IllegalArgumentException when {@code maxCampaigns} is less than 1
     */
    public Builder maxCampaigns(int maxCampaigns) {
      if (maxCampaigns < 1) {
        throw new IllegalArgumentException("maxCampaigns must be at least 1, was " + maxCampaigns);
      }
      this.maxCampaigns = maxCampaigns;
      return this;
    }

    /** Builds the binder; give it to the engine with {@code Nudge.builder().listener(...)}. */
    public NudgeMetrics build() {
      return new NudgeMetrics(this);
    }
  }
}
