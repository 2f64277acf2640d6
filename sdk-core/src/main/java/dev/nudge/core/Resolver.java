package dev.nudge.core;

import dev.nudge.Device;
import dev.nudge.FrequencyCap;
import dev.nudge.Outcome;
import dev.nudge.OutcomeReport;
import dev.nudge.Step;
import dev.nudge.SuppressionReason;
import dev.nudge.core.Dispatcher.Target;
import dev.nudge.spi.ClockScheduler;
import dev.nudge.spi.Counter;
import dev.nudge.spi.DeviceStore;
import dev.nudge.spi.ReminderStore;
import dev.nudge.spi.UserStore;
import dev.nudge.spi.Reminder;
import dev.nudge.spi.RenderedNotification;
import dev.nudge.spi.SendRecord;
import dev.nudge.spi.UserState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * The state machine of one claimed reminder. On a delivery worker, before the unit of work: the
 * user's devices and attributes are read and the step is rendered ({@link NotificationRenderer}).
 * In the unit: the {@link Policy} decides on a first attempt (pass, defer, or end), then devices
 * and message (no device, missing value), and the decision is stored. After it: the
 * {@link Dispatcher} delivers, and the attempt's outcome (sent, tried again later, failed,
 * expired) is stored in one more unit. Listeners hear of each outcome once it is stored. One
 * user's reminders are decided in the order they were handed over. Thread-safe.
 */
final class Resolver {
  private static final System.Logger LOG = System.getLogger("dev.nudge");

  /**
   * What the engine needs to resolve reminders; fixed at build time.
   *
   * @param lateness how late past its deadline the last try of a retried send may still be made
   *     (it is due at the deadline and resolved a moment after)
   */
  record Settings(String owner, Duration lateness, Duration maxRetryWindow, FrequencyCap globalCap,
      Set<String> requiredCategories) {
    Settings {
      requiredCategories = Set.copyOf(requiredCategories);
    }
  }

  private final Clock clock;
  private final ReminderStore store;
  private final DeviceStore devices;
  private final UserStore users;
  private final RuleIndex rules;
  private final Listeners listeners;
  private final ReminderIds ids;
  private final Policy policy;
  private final NotificationRenderer renderer = new NotificationRenderer();
  private final Dispatcher dispatcher;
  private final DeliveryWorkers workers;
  private final ClockScheduler timer;
  private final StoreOutage outage;
  private final Settings settings;
  /** Per user, the last reminder handed over whose unit of work is not yet with the store. */
  private final Map<String, CompletableFuture<?>> submittedOfUser = new ConcurrentHashMap<>();
  private final Set<String> renderFailuresLogged = ConcurrentHashMap.newKeySet();
  private volatile Duration historyRetention = Duration.ZERO;

  Resolver(Clock clock, ReminderStore store, DeviceStore devices, UserStore users, RuleIndex rules, Listeners listeners, ReminderIds ids,
      Dispatcher dispatcher, DeliveryWorkers workers, ClockScheduler timer, StoreOutage outage, Settings settings) {
    this.clock = clock;
    this.store = store;
    this.devices = devices;
    this.users = users;
    this.rules = rules;
    this.listeners = listeners;
    this.ids = ids;
    this.policy = Policy.standard(settings.globalCap(), settings.requiredCategories());
    this.dispatcher = dispatcher;
    this.workers = workers;
    this.timer = timer;
    this.outage = outage;
    this.settings = settings;
  }

  /** Recomputes how long send history must be kept: the longest cap or goal window. */
  void campaignsChanged() {
    Duration longest = settings.globalCap() == null ? Duration.ZERO : settings.globalCap().per();
    for (CompiledCampaign c : rules.all()) {
      Optional<FrequencyCap> cap = c.campaign.policy().frequencyCap();
      if (cap.isPresent() && cap.get().per().compareTo(longest) > 0) {
        longest = cap.get().per();
      }
      if (c.campaign.goal().isPresent() && c.campaign.goal().get().within().compareTo(longest) > 0) {
        longest = c.campaign.goal().get().within();
      }
    }
    historyRetention = longest;
  }

  /**
   * Resolves a claimed reminder: completes once it is settled for this claim (delivered,
   * deferred, retried later, or ended) and its outcome, if any, was reported. The work starts on
   * a delivery worker; a user's units of work reach the store in the order their reminders were
   * handed over, so a user's second reminder sees what deciding the first one stored.
   */
  CompletableFuture<Void> resolve(Reminder r) {
    CompletableFuture<Void> submitted = new CompletableFuture<>();
    CompletableFuture<?> before = submittedOfUser.put(r.userId(), submitted);
    CompletableFuture<Decision> decided = new CompletableFuture<>();
    Runnable start = () -> {
      CompletableFuture<Decision> f;
      try {
        f = decide(r);
      } catch (RuntimeException | Error e) { // the store could not be read, or the engine failed
        f = CompletableFuture.failedFuture(e);
      } finally {
        // The unit is handed to the store (which applies one user's units in call order): the
        // user's next reminder may go ahead.
        submittedOfUser.remove(r.userId(), submitted);
        submitted.complete(null);
      }
      f.whenComplete((d, e) -> {
        if (e != null) {
          decided.completeExceptionally(e);
        } else {
          decided.complete(d);
        }
      });
    };
    Runnable handOver = () -> {
      try {
        workers.execute(start);
      } catch (RejectedExecutionException e) { // closing
        submittedOfUser.remove(r.userId(), submitted);
        submitted.complete(null);
        decided.completeExceptionally(e);
      }
    };
    if (before == null || before.isDone()) {
      handOver.run();
    } else {
      before.whenComplete((x, e) -> handOver.run());
    }
    return decided.thenComposeAsync(this::act, workers.here);
  }

  /**
   * Reads the user's devices and attributes, renders the step and hands the decision's unit of
   * work to the store; the future completes once the decision is stored.
   */
  private CompletableFuture<Decision> decide(Reminder r) {
    CompiledCampaign c = rules.get(r.campaignId());
    List<Device> devices = this.devices.activeDevices(r.userId());
    Map<String, Object> attributes = users.attributes(r.userId());
    NotificationRenderer.Rendered rendered = c == null || r.step() >= c.steps.size()
        ? NotificationRenderer.Rendered.NONE
        : renderer.render(c, r, devices, attributes, clock.instant(), expiry(r, c));
    if (rendered.error() != null && renderFailuresLogged.add(r.campaignId() + "#" + r.step())) {
      LOG.log(System.Logger.Level.WARNING, "rendering campaign '" + r.campaignId() + "' step " + r.step()
          + " failed; its reminders end FAILED (logged once per step)", rendered.error());
    }
    // "now" is read inside the unit: if the store makes it wait (or retry), expiry and quiet
    // hours are judged when the decision is really taken.
    return storeOutcome(r, state -> decide(state, r, c, devices, attributes, rendered, clock.instant()));
  }

  // ------------------------------------------------------------------ decision (unit of work)

  /** What the unit of work decided; acted on after it committed. */
  private sealed interface Decision {
    Decision NOTHING = new Nothing();

    /** Nothing to do: no longer ours, or deferred (stored as pending again). */
    record Nothing() implements Decision {}

    record Ended(Reminder reminder, Outcome outcome, SuppressionReason reason, Instant at, int devices,
        RenderedNotification first) implements Decision {}

    record Send(Reminder reminder, List<Target> targets, Instant deadline, RenderedNotification first)
        implements Decision {}
  }

  /**
   * The decision at {@code t}: a reminder is resolved when the engine gets to it, so step timing,
   * caps and quiet hours use that instant (the simulate tool steps its clock to each due time, so
   * there it is the due time).
   */
  private Decision decide(UserState state, Reminder r, CompiledCampaign c, List<Device> devices,
      Map<String, Object> attributes, NotificationRenderer.Rendered rendered, Instant t) {
    if (!state.isClaimedBy(r.id(), settings.owner())) {
      return Decision.NOTHING; // cancelled, replaced or taken over meanwhile
    }
    if (c == null || rules.get(r.campaignId()) == null || r.step() >= c.steps.size()) {
      // Claims are of defined campaigns: only remove() takes one away from under a claim, and a
      // redefinition may drop steps. Either way this reminder's sequence is over.
      return finish(state, r, Outcome.CANCELLED, null, t, 0, null);
    }
    Instant expiry = expiry(r, c);
    Instant deadline = deadline(r, expiry);
    if (r.attempt() == 0) {
      Policy.Verdict v = policy.check(new Policy.Subject(r, c, QuietWindow.zoneOf(devices, attributes),
          state.sends(), t, expiry, state::allows));
      if (v instanceof Policy.Verdict.Defer d) {
        state.save(r.withFireAt(d.until()));
        return Decision.NOTHING;
      }
      if (v instanceof Policy.Verdict.End e) {
        return finish(state, r, e.outcome(), e.reason(), e.at(), 0, null);
      }
    } else if (t.isAfter(deadline.plus(settings.lateness()))) {
      // The last try is due at the deadline; this one comes too late (the engine was stopped).
      return r.accepted() > 0
          ? finish(state, r, Outcome.SENT, null, r.sentAt(), r.accepted(), rendered.first())
          : finish(state, r, Outcome.EXPIRED, null, deadline, 0, null);
    } else if (!settings.requiredCategories().contains(c.campaign.category()) && !state.allows(c.campaign.category())) {
      // The user opted out between two tries: no device is tried again.
      return r.accepted() > 0
          ? finish(state, r, Outcome.SENT, null, r.sentAt(), r.accepted(), rendered.first())
          : finish(state, r, Outcome.SUPPRESSED, SuppressionReason.OPTED_OUT, t, 0, null);
    }
    if (rendered.error() != null) {
      return r.accepted() > 0
          ? finish(state, r, Outcome.SENT, null, r.sentAt(), r.accepted(), null)
          : finish(state, r, Outcome.FAILED, null, t, 0, null);
    }
    List<Target> targets = rendered.toTry(r);
    if (targets.isEmpty() || rendered.missingValue()) {
      if (r.accepted() > 0) {
        return finish(state, r, Outcome.SENT, null, r.sentAt(), r.accepted(), rendered.first());
      }
      SuppressionReason why = rendered.missingValue() ? SuppressionReason.MISSING_VALUE : SuppressionReason.NO_DEVICE;
      return finish(state, r, Outcome.SUPPRESSED, why, t, 0, null);
    }
    if (r.attempt() == 0) {
      state.recordSend(new SendRecord(r.id(), c.id, r.step(), t, false));
      state.pruneSends(t.minus(historyRetention));
    }
    RenderedNotification first = rendered.first() != null ? rendered.first() : targets.get(0).notification();
    return new Decision.Send(r, targets, deadline, first);
  }

  private Instant expiry(Reminder r, CompiledCampaign c) {
    return c.campaign.policy().expireAfter().map(e -> r.dueAt().plus(e)).orElse(null);
  }

  /** Retries go on until the expiry, or without one for {@code maxRetryWindow} after the due time. */
  private Instant deadline(Reminder r, Instant expiry) {
    return expiry != null ? expiry : r.dueAt().plus(settings.maxRetryWindow());
  }

  /**
   * Ends a reminder inside the unit of work: deletes it and, after a send, suppression or expiry,
   * schedules the next step of the campaign's current definition, due at {@code at} plus its
   * delay (none when the campaign was removed meanwhile).
   */
  private Decision.Ended finish(UserState state, Reminder r, Outcome outcome, SuppressionReason reason,
      Instant at, int devices, RenderedNotification first) {
    state.delete(r.id());
    if (outcome != Outcome.SENT && r.attempt() > 0) {
      state.forgetSend(r.id());
    }
    state.count(r.campaignId(), r.step(), counterOf(outcome, reason), 1);
    boolean continues = outcome == Outcome.SENT || outcome == Outcome.SUPPRESSED || outcome == Outcome.EXPIRED;
    CompiledCampaign c = rules.get(r.campaignId());
    if (continues && c != null && r.step() + 1 < c.steps.size()) {
      Step step = c.campaign.steps().get(r.step() + 1);
      Reminder next = Reminder.create(ids.next(), c.id, r.step() + 1, r.userId(), r.key(), r.triggeredAt(),
          r.trigger(), at.plus(step.delay()));
      state.save(next);
      state.count(c.id, next.step(), Counter.SCHEDULED, 1);
    }
    return new Decision.Ended(r, outcome, reason, at, devices, first);
  }

  private static String counterOf(Outcome outcome, SuppressionReason reason) {
    return switch (outcome) {
      case SENT -> Counter.SENT;
      case CANCELLED -> Counter.CANCELLED;
      case SUPPRESSED -> Counter.suppressed(reason);
      case EXPIRED -> Counter.EXPIRED;
      case FAILED -> Counter.FAILED;
    };
  }

  // ------------------------------------------------------------------ acting on a decision

  /** Acts on a stored decision, on a delivery worker. */
  private CompletableFuture<Void> act(Decision d) {
    if (d instanceof Decision.Ended e) {
      return report(e);
    }
    if (d instanceof Decision.Send s) {
      return dispatcher.deliver(s.reminder(), s.targets(), workers.here)
          .thenCompose(attempt -> settle(s, attempt));
    }
    return CompletableFuture.completedFuture(null);
  }

  private CompletableFuture<Void> report(Decision.Ended e) {
    if (e == null) {
      return CompletableFuture.completedFuture(null);
    }
    Reminder r = e.reminder();
    boolean sent = e.outcome() == Outcome.SENT && e.first() != null;
    return listeners.onOutcome(new OutcomeReport(e.at(), r.campaignId(), r.step(), r.userId(), r.key(),
        e.outcome(), e.reason(), r.dueAt(), e.outcome() == Outcome.SENT ? e.devices() : 0,
        sent ? e.first().title() : null, sent ? e.first().body() : null));
  }

  /** Stores what one delivery attempt did: sent, tried again later, failed or expired. */
  private CompletableFuture<Void> settle(Decision.Send send, Dispatcher.Attempt attempt) {
    Reminder r = send.reminder();
    Instant now = clock.instant();
    int total = r.accepted() + attempt.accepted();
    // A send counts from the first device that accepted it.
    Instant sentAt = r.sentAt() != null ? r.sentAt() : attempt.accepted() > 0 ? now : null;
    Instant deadline = send.deadline();
    Instant nextTry = attempt.nextTry(dispatcher.backoff(), r.attempt() + 1, now, deadline);
    if (nextTry != null) {
      Reminder later = r.afterAttempt(sentAt, nextTry, attempt.retry(), attempt.accepted());
      return storeOutcome(r, state -> {
        countAll(state, r, attempt.counts());
        if (!state.isClaimedBy(r.id(), settings.owner())) {
          return null;
        }
        if (rules.get(r.campaignId()) == null) { // removed meanwhile: no further try
          return total > 0 ? finish(state, later, Outcome.SENT, null, sentAt, total, send.first())
              : finish(state, later, Outcome.CANCELLED, null, now, 0, null);
        }
        state.save(later);
        return null;
      }).thenCompose(ended -> attempt.told().thenCompose(x -> report(ended)));
    }
    Outcome outcome = total > 0 ? Outcome.SENT : attempt.retry().isEmpty() ? Outcome.FAILED : Outcome.EXPIRED;
    // Retries end at the deadline: that is when the reminder expired, though the last try's
    // answer may come a moment later.
    Instant at = outcome == Outcome.SENT ? sentAt
        : outcome == Outcome.EXPIRED && now.isAfter(deadline) ? deadline : now;
    Reminder settled = r.afterAttempt(sentAt, r.fireAt(), List.of(), attempt.accepted());
    return storeOutcome(r, state -> {
      countAll(state, r, attempt.counts());
      return state.isClaimedBy(r.id(), settings.owner())
          ? finish(state, settled, outcome, null, at, total, send.first()) : null;
    }).thenComposeAsync(ended -> attempt.told().thenCompose(x -> report(ended)), workers.here);
  }

  /**
   * Stores a decision or what a delivery attempt did, for a reminder this instance has claimed.
   * A store that cannot be reached is retried with backoff and jitter on the clock (up to
   * {@code maxRetryWindow}) rather than giving up: a reminder delivered meanwhile would be
   * claimed and sent again. The outage is logged once, not once per unit that waits. A failure
   * of the engine's own rules inside the unit is not an outage: it fails at once.
   */
  private <T> CompletableFuture<T> storeOutcome(Reminder r, Function<UserState, T> work) {
    Instant deadline = clock.instant().plus(settings.maxRetryWindow());
    Function<UserState, T> guarded = state -> {
      try {
        return work.apply(state);
      } catch (RuntimeException | AssertionError | LinkageError e) {
        throw new EngineFault(e);
      }
    };
    return storeOutcome(r, guarded, 0, deadline);
  }

  private <T> CompletableFuture<T> storeOutcome(Reminder r, Function<UserState, T> work, int attempt,
      Instant deadline) {
    CompletableFuture<T> tried;
    long ticket = outage.ticket();
    try {
      tried = store.atomically(r.userId(), work);
    } catch (RuntimeException | Error e) {
      if (e instanceof VirtualMachineError vm) {
        throw vm;
      }
      tried = CompletableFuture.failedFuture(e);
    }
    return tried.handle((value, error) -> {
      if (error == null) {
        if (attempt > 0) {
          outage.doneWaiting();
        }
        outage.succeeded(ticket);
        return CompletableFuture.completedFuture(value);
      }
      if (EngineFault.in(error)) {
        if (attempt > 0) {
          outage.doneWaiting();
        }
        return CompletableFuture.<T>failedFuture(error);
      }
      outage.failed("storing the outcome of a reminder", error, ticket);
      long backoffMs = Math.min(5_000, 100L << Math.min(attempt, 6));
      Instant next = clock.instant().plusMillis(backoffMs / 2 + ThreadLocalRandom.current().nextLong(backoffMs / 2 + 1));
      if (next.isAfter(deadline)) {
        if (attempt > 0) {
          outage.doneWaiting();
        }
        return CompletableFuture.<T>failedFuture(error);
      }
      if (attempt == 0) {
        outage.waiting();
      }
      CompletableFuture<T> again = new CompletableFuture<>();
      Runnable retry = () -> storeOutcome(r, work, attempt + 1, deadline).whenComplete((v, e) -> {
        if (e != null) {
          again.completeExceptionally(e);
        } else {
          again.complete(v);
        }
      });
      try {
        timer.schedule(next, () -> {
          try {
            workers.execute(retry);
          } catch (RejectedExecutionException closing) {
            outage.doneWaiting();
            again.completeExceptionally(error);
          }
        });
      } catch (RejectedExecutionException closing) {
        outage.doneWaiting();
        again.completeExceptionally(error);
      }
      return again;
    }).thenCompose(f -> f);
  }

  /** Counts the deliveries of one attempt; they happened, whoever holds the reminder now. */
  private static void countAll(UserState state, Reminder r, Map<String, Long> counts) {
    counts.forEach((name, delta) -> state.count(r.campaignId(), r.step(), name, delta));
  }

}
