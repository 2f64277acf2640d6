package dev.nudge.core;

import dev.nudge.Device;
import dev.nudge.FrequencyCap;
import dev.nudge.Outcome;
import dev.nudge.OutcomeReport;
import dev.nudge.Step;
import dev.nudge.SuppressionReason;
import dev.nudge.spi.ClockScheduler;
import dev.nudge.spi.Counter;
import dev.nudge.spi.DeliveryReport;
import dev.nudge.spi.NudgeStore;
import dev.nudge.spi.Reminder;
import dev.nudge.spi.RenderedNotification;
import dev.nudge.spi.SendRecord;
import dev.nudge.spi.SendResult;
import dev.nudge.spi.UserState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The state machine of one claimed reminder. Before the unit of work: the user's devices and
 * attributes are read and the step is rendered ({@link NotificationRenderer}). In the unit: the
 * {@link Policy} decides on a first attempt (pass, defer, or end), then devices and message
 * (no device, missing value), and the decision is stored. After it, on a delivery worker: the
 * {@link Dispatcher} sends, and the outcome of the attempt (sent, retried later, failed, expired)
 * is stored in one more unit. Listeners hear of each outcome once it is stored. Thread-safe.
 */
final class Resolver {
  /** What the engine needs to resolve reminders; fixed at build time. */
  record Settings(String owner, Duration lease, Duration maxRetryWindow, Backoff backoff, FrequencyCap globalCap) {}

  private final Clock clock;
  private final NudgeStore store;
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
  private volatile Duration historyRetention = Duration.ZERO;

  Resolver(Clock clock, NudgeStore store, RuleIndex rules, Listeners listeners, ReminderIds ids,
      Dispatcher dispatcher, DeliveryWorkers workers, ClockScheduler timer, StoreOutage outage, Settings settings) {
    this.clock = clock;
    this.store = store;
    this.rules = rules;
    this.listeners = listeners;
    this.ids = ids;
    this.policy = Policy.standard(settings.globalCap());
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
   * deferred, retried later, or ended) and its outcome, if any, was reported.
   */
  CompletableFuture<Void> resolve(Reminder r) {
    CompiledCampaign c = rules.get(r.campaignId());
    List<Device> devices = store.activeDevices(r.userId());
    Map<String, Object> attributes = store.attributes(r.userId());
    NotificationRenderer.Rendered rendered = c == null || r.step() >= c.steps.size()
        ? NotificationRenderer.Rendered.NONE
        : renderer.render(c, r, devices, attributes, clock.instant(), expiry(r, c));
    // "now" is read inside the unit: if the store makes it wait (or retry), expiry and quiet
    // hours are judged when the decision is really taken.
    return storeOutcome(r, state -> decide(state, r, c, devices, attributes, rendered, clock.instant()))
        .thenComposeAsync(this::act, workers);
  }

  // ------------------------------------------------------------------ decision (unit of work)

  /** What the unit of work decided; acted on after it committed. */
  private sealed interface Decision {
    Decision NOTHING = new Nothing();

    /** Nothing to do: no longer ours, or deferred (stored as pending again). */
    record Nothing() implements Decision {}

    record Ended(Reminder reminder, Outcome outcome, SuppressionReason reason, Instant at, int devices,
        RenderedNotification first) implements Decision {}

    record Send(Reminder reminder, CompiledCampaign campaign, List<NotificationRenderer.Target> targets,
        Instant deadline, RenderedNotification first) implements Decision {}
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
    if (c == null || r.step() >= c.steps.size()) {
      // Only remove() takes a campaign away from under a claim (claims are of known campaigns),
      // and a redefinition may drop steps: either way this reminder's sequence is over.
      return finish(state, r, c, Outcome.CANCELLED, null, t, 0, null);
    }
    Instant expiry = expiry(r, c);
    if (r.attempt() == 0) {
      Policy.Verdict v = policy.check(new Policy.Subject(r, c, QuietWindow.zoneOf(devices, attributes),
          state.sends(), t, expiry));
      if (v instanceof Policy.Verdict.Defer d) {
        state.save(r.withFireAt(d.until()));
        return Decision.NOTHING;
      }
      if (v instanceof Policy.Verdict.End e) {
        return finish(state, r, c, e.outcome(), e.reason(), e.at(), 0, null);
      }
    } else if (t.isAfter(deadline(r, expiry)) && t.isAfter(r.fireAt().plus(settings.lease()))) {
      // A retry resolved past its deadline and more than a lease late: the engine was stopped
      // meanwhile. (The last try is due at the deadline itself and resolved a moment later.)
      return r.accepted() > 0
          ? finish(state, r, c, Outcome.SENT, null, r.sentAt(), r.accepted(), rendered.first())
          : finish(state, r, c, Outcome.EXPIRED, null, deadline(r, expiry), 0, null);
    }
    List<NotificationRenderer.Target> targets = rendered.toTry(r);
    if (targets.isEmpty() || rendered.missingValue()) {
      if (r.accepted() > 0) {
        return finish(state, r, c, Outcome.SENT, null, r.sentAt(), r.accepted(), rendered.first());
      }
      SuppressionReason why = rendered.missingValue() ? SuppressionReason.MISSING_VALUE : SuppressionReason.NO_DEVICE;
      return finish(state, r, c, Outcome.SUPPRESSED, why, t, 0, null);
    }
    if (r.attempt() == 0) {
      state.recordSend(new SendRecord(r.id(), c.id, r.step(), t, false));
      state.pruneSends(t.minus(historyRetention));
    }
    RenderedNotification first = rendered.first() != null ? rendered.first() : targets.get(0).notification();
    return new Decision.Send(r, c, targets, deadline(r, expiry), first);
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
   * schedules the next step due at {@code at} plus its delay.
   */
  private Decision.Ended finish(UserState state, Reminder r, CompiledCampaign c, Outcome outcome,
      SuppressionReason reason, Instant at, int devices, RenderedNotification first) {
    state.delete(r.id());
    if (outcome != Outcome.SENT && r.attempt() > 0) {
      state.forgetSend(r.id());
    }
    state.count(r.campaignId(), r.step(), counterOf(outcome, reason), 1);
    boolean continues = outcome == Outcome.SENT || outcome == Outcome.SUPPRESSED || outcome == Outcome.EXPIRED;
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
      return deliver(s);
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

  private CompletableFuture<Void> deliver(Decision.Send send) {
    List<NotificationRenderer.Target> targets = send.targets();
    @SuppressWarnings("unchecked")
    CompletableFuture<SendResult>[] results = new CompletableFuture[targets.size()];
    for (int i = 0; i < results.length; i++) {
      results[i] = dispatcher.send(targets.get(i).device(), targets.get(i).notification());
    }
    // Settled on a delivery worker: here when the answers came on one, else handed over.
    return CompletableFuture.allOf(results).thenComposeAsync(ignored -> {
      List<SendResult> answers = new ArrayList<>(results.length);
      for (CompletableFuture<SendResult> f : results) {
        answers.add(f.join());
      }
      return settle(send, answers);
    }, workers.here);
  }

  /** Stores what one delivery attempt did: sent, retried later, failed or expired. */
  private CompletableFuture<Void> settle(Decision.Send send, List<SendResult> results) {
    Reminder r = send.reminder();
    Instant now = clock.instant();
    Map<String, Long> counts = new HashMap<>();
    int accepted = 0;
    List<String> retry = new ArrayList<>();
    Duration retryAfter = null;
    CompletableFuture<Void> told = CompletableFuture.completedFuture(null);
    for (int i = 0; i < results.size(); i++) {
      Device device = send.targets().get(i).device();
      SendResult result = results.get(i);
      told = listeners.onDelivery(new DeliveryReport(now, r.id(), r.campaignId(), r.step(), device, result));
      if (result instanceof SendResult.Accepted) {
        accepted++;
        counts.merge(Counter.accepted(device.platform()), 1L, Long::sum);
      } else if (result instanceof SendResult.Rejected rejected) {
        counts.merge(Counter.rejected(device.platform()), 1L, Long::sum);
        if (rejected.tokenDead()) {
          Device gone = store.deactivate(device.platform(), device.token());
          if (gone != null) {
            counts.merge(Counter.INVALID_TOKENS, 1L, Long::sum);
            told = listeners.onDeviceDeactivated(gone, rejected.reason());
          }
        }
      } else if (result instanceof SendResult.Retry again) {
        retry.add(deviceKey(device));
        if (again.retryAfter() != null && (retryAfter == null || again.retryAfter().compareTo(retryAfter) > 0)) {
          retryAfter = again.retryAfter();
        }
      }
    }
    int total = r.accepted() + accepted;
    // A send counts from the first device that accepted it.
    Instant sentAt = r.sentAt() != null ? r.sentAt() : accepted > 0 ? now : null;
    Instant deadline = send.deadline();
    CompletableFuture<Void> reported = told;
    if (!retry.isEmpty() && now.isBefore(deadline)) {
      // The last try is at the deadline itself: sending at exactly the expiry is still in time.
      Instant next = now.plus(settings.backoff().delay(r.attempt() + 1, retryAfter));
      Reminder later = r.afterAttempt(sentAt, next.isAfter(deadline) ? deadline : next, retry, accepted);
      return storeOutcome(r, state -> {
        countAll(state, r, counts);
        if (state.isClaimedBy(r.id(), settings.owner())) {
          state.save(later);
        }
        return null;
      }).thenCompose(ignored -> reported);
    }
    Outcome outcome = total > 0 ? Outcome.SENT : retry.isEmpty() ? Outcome.FAILED : Outcome.EXPIRED;
    // Retries end at the deadline: that is when the reminder expired, though the last try's
    // answer may come a moment later.
    Instant at = outcome == Outcome.SENT ? sentAt : outcome == Outcome.EXPIRED && now.isAfter(deadline) ? deadline : now;
    Reminder settled = r.afterAttempt(sentAt, r.fireAt(), List.of(), accepted);
    return storeOutcome(r, state -> {
      countAll(state, r, counts);
      return state.isClaimedBy(r.id(), settings.owner())
          ? finish(state, settled, send.campaign(), outcome, null, at, total, send.first()) : null;
    }).thenComposeAsync(ended -> reported.thenCompose(x -> report(ended)), workers.here);
  }

  /**
   * Stores a decision or what a delivery attempt did, for a reminder this instance has claimed.
   * A store that is down is retried with backoff on the clock (up to {@code maxRetryWindow})
   * rather than leaving the claim to run out, when the reminder would be claimed and, if it had
   * gone out already, sent again; no other instance can claim it while the store is down. The
   * outage is logged once, not once per unit that waits.
   */
  private <T> CompletableFuture<T> storeOutcome(Reminder r, Function<UserState, T> work) {
    Instant deadline = clock.instant().plus(settings.maxRetryWindow());
    return storeOutcome(r, work, 0, deadline);
  }

  private <T> CompletableFuture<T> storeOutcome(Reminder r, Function<UserState, T> work, int attempt,
      Instant deadline) {
    CompletableFuture<T> tried;
    long ticket = outage.ticket();
    try {
      tried = store.atomically(r.userId(), work);
    } catch (RuntimeException e) {
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
      outage.failed("storing the outcome of a reminder", error);
      Instant next = clock.instant().plusMillis(Math.min(5_000, 100L << Math.min(attempt, 6)));
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
      timer.schedule(next, () -> workers.execute(() -> storeOutcome(r, work, attempt + 1, deadline)
          .whenComplete((v, e) -> {
            if (e != null) {
              again.completeExceptionally(e);
            } else {
              again.complete(v);
            }
          })));
      return again;
    }).thenCompose(f -> f);
  }

  /** Counts the deliveries of one attempt; they happened, whoever holds the reminder now. */
  private static void countAll(UserState state, Reminder r, Map<String, Long> counts) {
    counts.forEach((name, delta) -> state.count(r.campaignId(), r.step(), name, delta));
  }

  static String deviceKey(Device d) {
    return d.platform().name() + ':' + d.token();
  }
}
