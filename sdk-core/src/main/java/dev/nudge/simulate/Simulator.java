package dev.nudge.simulate;

import dev.nudge.core.Nudge;
import dev.nudge.core.internal.EngineAccess;

import dev.nudge.Campaign;
import dev.nudge.CampaignStats;
import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.FrequencyCap;
import dev.nudge.Platform;
import dev.nudge.Step;
import dev.nudge.TrackResult;
import dev.nudge.spi.NudgeListener;
import dev.nudge.spi.RenderedNotification;
import dev.nudge.spi.SendResult;
import dev.nudge.spi.Transport;
import dev.nudge.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Replays a campaign's life on a virtual clock through the real engine (same rule index,
 * scheduler, policy and renderer, the in-memory store), behind {@link SimulationRun} and the
 * {@code simulate} tool. Every device accepts every notification, unless its answers were
 * scripted ({@link #answerNext}); retries then wait the backoff without jitter, so a run repeats.
 *
 * <p>Apply records in time order: {@link #advanceTo(Instant)} first resolves, each at its own due
 * time, every reminder due strictly before the record's time; then apply the record. Reminders
 * due exactly at that time are resolved by the next advance, so a record wins a tie. Not
 * thread-safe: one thread drives a simulator.
 */
public final class Simulator implements AutoCloseable {
  private static final CompletableFuture<SendResult> ACCEPTED =
      CompletableFuture.completedFuture(SendResult.accepted(null));

  private final TestClock clock;
  private final java.util.Map<String, java.util.Deque<SendResult>> answers = new java.util.HashMap<>();
  private final Nudge nudge;
  private final Duration horizon;

  private Simulator(Instant start, Collection<Campaign> campaigns, FrequencyCap globalCap,
      Collection<String> requiredCategories, NudgeListener listener) {
    this.clock = new TestClock(start);
    // One claim at a time: a step created while resolving joins the due order at once, ahead of
    // later reminders due at the same instant (docs/semantics.md). Claims are cheap in memory.
    Nudge.Builder b = EngineAccess.get().directExecution(Nudge.builder().clock(clock)).claimBatchSize(1);
    if (globalCap != null) {
      b.globalFrequencyCap(globalCap.max(), globalCap.per());
    }
    requiredCategories.forEach(b::requiredCategory);
    if (listener != null) {
      b.listener(listener);
    }
    for (Platform p : Platform.values()) {
      b.transport(new Transport() {
        @Override
        public Platform platform() {
          return p;
        }

        @Override
        public CompletableFuture<SendResult> send(Device device, RenderedNotification notification) {
          java.util.Deque<SendResult> next = answers.get(device.platform().name() + ':' + device.token());
          SendResult scripted = next == null ? null : next.poll();
          return scripted == null ? ACCEPTED : CompletableFuture.completedFuture(scripted);
        }
      });
    }
    this.nudge = b.build();
    Duration longest = Duration.ZERO;
    for (Campaign c : campaigns) {
      nudge.define(c);
      Duration h = horizonOf(c);
      if (h.compareTo(longest) > 0) {
        longest = h;
      }
    }
    this.horizon = longest;
  }

  /**
   * A simulator whose clock starts at {@code start}, with these campaigns, an optional global
   * frequency cap and an optional listener that receives every outcome.
   *
   * @throws IllegalArgumentException when a campaign's template is invalid
   */
  public static Simulator create(Instant start, Collection<Campaign> campaigns, FrequencyCap globalCap,
      NudgeListener listener) {
    return new Simulator(start, campaigns, globalCap, java.util.Set.of(), listener);
  }

  /**
   * A simulator whose clock starts at {@code start}, with a campaign set (its campaigns, global
   * cap and required consent categories) and an optional listener that receives every outcome.
   *
   * @throws IllegalArgumentException when a campaign's template is invalid
   */
  public static Simulator create(Instant start, dev.nudge.CampaignSet set, NudgeListener listener) {
    return new Simulator(start, set.campaigns(), set.globalFrequencyCap(), set.requiredCategories(), listener);
  }

  /** How long after the last trigger a campaign can still resolve something. */
  static Duration horizonOf(Campaign c) {
    Duration h = Duration.ZERO;
    for (Step s : c.steps()) {
      h = h.plus(s.delay());
      if (c.policy().quietHours().isPresent()) {
        h = h.plusDays(1); // a step may wait up to a day for its quiet hours to end
      }
    }
    return h.plusSeconds(1);
  }

  /** The longest horizon of the campaigns: how long after the last record to keep running. */
  public Duration horizon() {
    return horizon;
  }

  /** The simulated "now". */
  public Instant now() {
    return clock.instant();
  }

  /**
   * Resolves every reminder due strictly before {@code t}, in due order and each at its own due
   * time, then moves the clock to {@code t}. The clock never moves backwards.
   */
  public void advanceTo(Instant t) {
    while (true) {
      Instant next = EngineAccess.get().nextFireAt(nudge);
      if (next == null || !next.isBefore(t)) {
        break;
      }
      if (next.isAfter(clock.instant())) {
        clock.set(next);
      }
      EngineAccess.get().resolveThrough(nudge, clock.instant());
    }
    if (t.isAfter(clock.instant())) {
      clock.set(t);
    }
  }

  /**
   * Scripts the answers of the next sends to a device, in order; once they are used up the device
   * accepts again. Replaces what was scripted for it before.
   */
  public void answerNext(Platform platform, String token, java.util.List<SendResult> results) {
    answers.put(platform.name() + ':' + token, new java.util.ArrayDeque<>(results));
  }

  /** Tracks an event at the current time (its own {@code occurredAt}, if set, is kept). */
  public TrackResult track(Event event) {
    return nudge.trackAndWait(event);
  }

  /** Registers a device (or makes its token active again). */
  public void registerDevice(Device device) {
    nudge.registerDevice(device);
  }

  /** Deactivates a token until it is registered again (a device record with {@code active: false}). */
  public boolean deactivateDevice(Platform platform, String token) {
    return nudge.deactivateDevice(platform, token);
  }

  /** Merges user attributes. */
  public void setUserAttributes(String userId, Map<String, ?> attributes) {
    nudge.setUserAttributes(userId, attributes);
  }

  /**
   * Records a user's consent choice (a consent record): {@code allowed} false opts them out of
   * {@code category}, true in again; the category {@code "*"} stands for every category.
   */
  public void consent(String userId, String category, boolean allowed) {
    if (category.equals("*")) {
      if (allowed) {
        nudge.optInAll(userId);
      } else {
        nudge.optOutAll(userId);
      }
    } else if (allowed) {
      nudge.optIn(userId, category);
    } else {
      nudge.optOut(userId, category);
    }
  }

  /** Live statistics per campaign. */
  public Map<String, CampaignStats> stats() {
    return nudge.stats();
  }

  /** Reminders still pending. */
  public long pending() {
    return nudge.pendingReminders();
  }

  @Override
  public void close() {
    nudge.close();
  }
}
