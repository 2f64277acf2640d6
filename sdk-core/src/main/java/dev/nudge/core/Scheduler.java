package dev.nudge.core;

import dev.nudge.spi.ClockScheduler;
import dev.nudge.spi.Reminder;
import dev.nudge.spi.ReminderStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Claims due reminders in batches and hands them to the {@link Resolver}, on one owned thread.
 * A run resolves everything whose fire time is strictly before the clock's "now" when the run
 * starts, including steps that become due while it runs, and ends when all of it is settled.
 * Reminders are decided in due order: each claimed batch is handed to the store as one unit of
 * work per reminder, in that order, without waiting (the store keeps one user's units in call
 * order); different users proceed in parallel.
 */
final class Scheduler implements AutoCloseable {
  /** Claim settings. */
  record Settings(String owner, int batchSize, Duration lease) {}

  private final Clock clock;
  private final ReminderStore store;
  private final RuleIndex rules;
  private final Listeners listeners;
  private final Resolver resolver;
  private final ClockScheduler timer;
  private final StoreOutage outage;
  private final Settings settings;
  private final ExecutorService loop = Executors.newSingleThreadExecutor(named("nudge-scheduler"));
  /**
   * Heartbeats and housekeeping: a thread of their own, so lease renewals never wait behind the
   * sends they protect (a blocking transport may occupy every delivery worker).
   */
  private final ExecutorService upkeep = Executors.newSingleThreadExecutor(named("nudge-upkeep"));
  private final AtomicBoolean queued = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  /** Longest pause between polls after consecutive failed runs. */
  private static final Duration MAX_PAUSE = Duration.ofMinutes(1);
  private volatile Duration pollInterval = Duration.ofSeconds(1);
  private volatile int failures;
  private volatile Instant pausedUntil = Instant.MIN;
  private final List<Every> periodic = new java.util.concurrent.CopyOnWriteArrayList<>();
  private static final Duration HOUSEKEEPING = Duration.ofMinutes(1);
  private final LongAdder failedResolves = new LongAdder();
  /** Reminders this instance holds claims on while it resolves them, for lease heartbeats. */
  private final Map<String, Reminder> claimed = new ConcurrentHashMap<>();

  Scheduler(Clock clock, ReminderStore store, RuleIndex rules, Resolver resolver, ClockScheduler timer,
      StoreOutage outage, Listeners listeners, Settings settings) {
    this.clock = clock;
    this.listeners = listeners;
    this.rules = rules;
    this.store = store;
    this.resolver = resolver;
    this.timer = timer;
    this.outage = outage;
    this.settings = settings;
  }

  /** Runs once on the scheduler thread; completes with the count of reminders processed. */
  CompletableFuture<Integer> runDue() {
    return CompletableFuture.supplyAsync(() -> drain(clock.instant()), loop);
  }

  /**
   * Polls every {@code interval} of the clock from now on, and renews the leases of what this
   * instance holds every third of a lease.
   */
  void start(Duration interval, Runnable housekeeping) {
    pollInterval = interval;
    Instant now = clock.instant();
    Duration beat = settings.lease().dividedBy(3);
    periodic.add(new Every(HOUSEKEEPING, () -> upkeep.execute(() -> {
      long ticket = outage.ticket();
      try {
        housekeeping.run();
      } catch (RuntimeException e) {
        outage.failed("housekeeping", e, ticket);
      }
    })).start(now.plus(HOUSEKEEPING))); // a host defines its campaigns right after start()
    periodic.add(new Every(interval, this::poll).start(now));
    periodic.add(new Every(beat.isZero() ? Duration.ofMillis(1) : beat, () -> upkeep.execute(this::heartbeat))
        .start(now.plus(beat)));
  }

  /** A task run every {@code interval} of the clock, from its first instant until closed. */
  private final class Every {
    private final Duration interval;
    private final Runnable task;
    private ClockScheduler.Scheduled next; // guarded by this

    Every(Duration interval, Runnable task) {
      this.interval = interval;
      this.task = task;
    }

    Every start(Instant first) {
      ClockScheduler.Scheduled h = timer.schedule(first, this::run);
      synchronized (this) {
        if (next == null) { // unless it already ran (a TestClock runs what is due at once) and rearmed
          next = h;
        }
      }
      return this;
    }

    private void run() {
      if (closed.get()) {
        return;
      }
      long ticket = outage.ticket();
      try {
        task.run();
      } catch (RuntimeException e) {
        if (!closed.get()) {
          outage.failed("a timed task of the scheduler", e, ticket);
        }
      } finally {
        if (!closed.get()) {
          ClockScheduler.Scheduled h = timer.schedule(clock.instant().plus(interval), this::run);
          synchronized (this) {
            next = h;
          }
        }
      }
    }

    synchronized void cancel() {
      ClockScheduler.Scheduled n = next;
      if (n != null) {
        n.cancel();
      }
    }
  }

  private void poll() {
    if (clock.instant().isBefore(pausedUntil)) {
      return; // backing off after failed runs (e.g. the store is down)
    }
    if (!queued.compareAndSet(false, true)) {
      return; // the previous run is still going
    }
    long ticket = outage.ticket();
    try {
      runDue().whenComplete((n, error) -> {
        queued.set(false);
        if (error == null) {
          failures = 0;
          outage.succeeded(ticket);
          return;
        }
        failures++;
        Duration pause = pollInterval.multipliedBy(1L << Math.min(failures - 1, 16));
        if (pause.compareTo(MAX_PAUSE) > 0) {
          pause = MAX_PAUSE;
        }
        pausedUntil = clock.instant().plus(pause);
        outage.failed("looking for due reminders", error, ticket);
      });
    } catch (RuntimeException e) {
      queued.set(false); // rejected: shutting down
    }
  }

  /**
   * Resolves every reminder firing strictly before {@code before}, on the calling thread, and
   * waits until all of it is settled. Callers other than {@link #runDue()} (the simulator) must
   * not run concurrently with it.
   */
  int drain(Instant before) {
    int processed = 0;
    List<CompletableFuture<Void>> settling = new ArrayList<>();
    // Claims are bounded: only a couple of batches are claimed ahead of what has settled (other
    // instances take the rest), so without heartbeats a lease outlasts the wait before it.
    int maxUnsettled = Math.max(2 * settings.batchSize(), 2);
    // Only campaigns this engine defines: the others' reminders are held, not resolved. Paused
    // campaigns' reminders wait in the store (read once per run, so a pause on any instance
    // holds here from the next run on).
    Set<String> claimable = new java.util.HashSet<>(rules.ids());
    claimable.removeAll(store.pausedCampaigns());
    while (true) {
      if (settling.size() >= maxUnsettled) {
        CompletableFuture.allOf(settling.toArray(CompletableFuture[]::new)).join();
        settling.clear();
      }
      List<Reminder> batch = claimable.isEmpty() ? List.of() : store.claimDue(before, claimable, settings.batchSize(),
          settings.lease(),
          settings.owner());
      if (batch.isEmpty()) {
        if (settling.isEmpty()) {
          return processed;
        }
        // Settling may schedule steps or retries that are already due: wait, then claim again.
        CompletableFuture.allOf(settling.toArray(CompletableFuture[]::new)).join();
        settling.clear();
        continue;
      }
      // Decided in due order without waiting for one another: the store applies one user's units
      // in call order, so a user's second reminder sees what deciding the first one stored, and
      // a group-committing store can decide the whole batch in one transaction.
      for (Reminder r : batch) {
        if (claimed.putIfAbsent(r.id(), r) != null) {
          // Still being resolved by an earlier run of this instance (e.g. its outcome is waiting
          // for the store to come back); claiming it again only renewed our lease.
          continue;
        }
        processed++;
        long ticket = outage.ticket();
        settling.add(resolveSafely(r).handle((ok, error) -> {
          claimed.remove(r.id());
          if (error != null) {
            // Its decision or outcome could not be stored (counted as an outage there) or the
            // engine failed: the claim runs out and the reminder is resolved again.
            failedResolves.increment();
            if (EngineFault.in(error)) {
              listeners.onError("resolving " + r + " failed; it is tried again when its lease runs out", error);
            } else {
              outage.failed("resolving a claimed reminder", error, ticket);
            }
          }
          return null;
        }));
      }
    }
  }

  /** Extends the leases of reminders still being resolved, so slow sends keep their claim. */
  private void heartbeat() {
    if (claimed.isEmpty()) {
      return;
    }
    long ticket = outage.ticket();
    try {
      store.renewLeases(List.copyOf(claimed.values()), settings.owner(), clock.instant().plus(settings.lease()));
    } catch (RuntimeException e) {
      outage.failed("renewing the leases of reminders being sent", e, ticket);
    }
  }

  private CompletableFuture<Void> resolveSafely(Reminder r) {
    try {
      return resolver.resolve(r);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Stops polling, lets the current run (and its in-flight sends) finish, then stops the thread. */
  @Override
  public void close() {
    close(Duration.ofSeconds(30));
  }

  void close(Duration grace) {
    closed.set(true);
    upkeep.shutdown();
    periodic.forEach(Every::cancel);
    loop.shutdown();
    try {
      if (!loop.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        loop.shutdownNow();
      }
    } catch (InterruptedException e) {
      loop.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  static ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
