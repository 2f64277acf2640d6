package dev.nudge.core;

import dev.nudge.Device;
import dev.nudge.FrequencyCap;
import dev.nudge.Message;
import dev.nudge.Outcome;
import dev.nudge.OutcomeReport;
import dev.nudge.Platform;
import dev.nudge.Step;
import dev.nudge.SuppressionReason;
import dev.nudge.spi.Counter;
import dev.nudge.spi.DeliveryReport;
import dev.nudge.spi.NudgeStore;
import dev.nudge.spi.Reminder;
import dev.nudge.spi.RenderedNotification;
import dev.nudge.spi.SendRecord;
import dev.nudge.spi.SendResult;
import dev.nudge.spi.TemplateContext;
import dev.nudge.spi.TemplateRenderer.Template;
import dev.nudge.spi.Transport;
import dev.nudge.spi.UserState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Resolves one claimed reminder, in the order {@code SEMANTICS.md} gives: expiry, quiet hours,
 * frequency caps, devices, message; then fans the send out to the user's devices through each
 * platform's transport, retries what the platform asks to retry, retires dead tokens, and stores
 * the outcome. Each stage is a step of {@link #decide}; later policies (consent, rich templates)
 * slot in there. Thread-safe.
 */
final class Resolver {
  /** What the engine needs to resolve reminders; fixed at build time. */
  record Settings(String owner, Duration maxRetryWindow, Backoff backoff, FrequencyCap globalCap) {}

  private final Clock clock;
  private final NudgeStore store;
  private final RuleIndex rules;
  private final Listeners listeners;
  private final ReminderIds ids;
  private final Map<Platform, Transport> transports;
  private final Semaphore inFlight;
  private final Executor workers;
  private final Settings settings;
  private volatile Duration historyRetention = Duration.ZERO;

  Resolver(Clock clock, NudgeStore store, RuleIndex rules, Listeners listeners,
      ReminderIds ids, Map<Platform, Transport> transports, int maxInFlight, Executor workers,
      Settings settings) {
    this.clock = clock;
    this.store = store;
    this.rules = rules;
    this.listeners = listeners;
    this.ids = ids;
    this.transports = Map.copyOf(transports);
    this.inFlight = new Semaphore(maxInFlight);
    this.workers = workers;
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
   * Decides what to do with a claimed reminder and stores the decision. The returned future
   * completes once the decision is stored; its value completes once the reminder is settled
   * (delivered, deferred, retried later, or ended).
   */
  CompletableFuture<CompletableFuture<Void>> resolve(Reminder r) {
    CompiledCampaign c = rules.get(r.campaignId());
    List<Device> devices = store.activeDevices(r.userId());
    Map<String, Object> attributes = store.attributes(r.userId());
    // "now" is read inside the unit: if the store makes it wait (or retry), expiry and quiet
    // hours are judged when the decision is really taken.
    return storeOutcome(r, state -> decide(state, r, c, devices, attributes, clock.instant()))
        .thenApply(d -> d.act(this));
  }

  // ------------------------------------------------------------------ decision (unit of work)

  /**
   * The decision, taken at {@code t}: a reminder is resolved when the engine gets to it, so step
   * timing, caps and quiet hours use that instant (the simulate tool steps its clock to each due
   * time, so there it is the due time).
   */
  private Decision decide(UserState state, Reminder r, CompiledCampaign c, List<Device> devices,
      Map<String, Object> attributes, Instant t) {
    if (!state.isClaimedBy(r.id(), settings.owner())) {
      return Decision.NOTHING; // cancelled, replaced or taken over meanwhile
    }
    if (c == null || r.step() >= c.steps.size()) {
      return finish(state, r, c, Outcome.CANCELLED, null, t);
    }
    Instant expiry = expiry(r, c);
    if (r.attempt() == 0) {
      if (expiry != null && !t.isBefore(expiry)) {
        return finish(state, r, c, Outcome.EXPIRED, null, expiry);
      }
      var quiet = c.campaign.policy().quietHours();
      if (quiet.isPresent()) {
        Instant end = QuietWindow.deferral(quiet.get(), QuietWindow.zoneOf(devices, attributes), t);
        if (end != null) {
          if (expiry != null && !end.isBefore(expiry)) {
            return finish(state, r, c, Outcome.EXPIRED, null, r.dueAt());
          }
          state.save(r.withFireAt(end));
          return Decision.NOTHING;
        }
      }
      if (capReached(state.sends(), c, t)) {
        return finish(state, r, c, Outcome.SUPPRESSED, SuppressionReason.FREQUENCY_CAP, t);
      }
    }
    List<Device> targets = r.attempt() == 0 ? devices : stillPending(devices, r.pendingDevices());
    if (targets.isEmpty()) {
      return r.accepted() > 0
          ? finish(state, r, c, Outcome.SENT, null, r.sentAt())
          : finish(state, r, c, Outcome.SUPPRESSED, SuppressionReason.NO_DEVICE, t);
    }
    CompiledCampaign.CompiledStep step = c.steps.get(r.step());
    TemplateContext ctx = new TemplateContext(c.id, r.trigger(), attributes);
    Instant sentAt = r.sentAt() != null ? r.sentAt() : t;
    Instant expiresAt = notificationExpiry(step.step(), sentAt, expiry);
    Map<CompiledCampaign.CompiledMessage, RenderedNotification> byVariant = new IdentityHashMap<>();
    List<Target> sends = new ArrayList<>(targets.size());
    for (Device d : targets) {
      CompiledCampaign.CompiledMessage m = step.forLocale(d.locale());
      RenderedNotification n = byVariant.get(m);
      if (n == null) {
        n = render(m, ctx, r, expiresAt);
        if (n == null) {
          return r.accepted() > 0
              ? finish(state, r, c, Outcome.SENT, null, sentAt)
              : finish(state, r, c, Outcome.SUPPRESSED, SuppressionReason.MISSING_VALUE, t);
        }
        byVariant.put(m, n);
      }
      sends.add(new Target(d, n));
    }
    RenderedNotification first = r.attempt() == 0 || devices.isEmpty() ? sends.get(0).notification
        : Optional.ofNullable(render(step.forLocale(devices.get(0).locale()), ctx, r, expiresAt))
            .orElse(sends.get(0).notification);
    if (r.attempt() == 0) {
      state.recordSend(new SendRecord(r.id(), c.id, r.step(), t, false));
      state.pruneSends(t.minus(historyRetention));
    }
    return new Decision.Send(r, c, sends, sentAt, expiry, first);
  }

  private static List<Device> stillPending(List<Device> devices, List<String> pending) {
    List<Device> out = new ArrayList<>(pending.size());
    for (Device d : devices) {
      if (pending.contains(deviceKey(d))) {
        out.add(d);
      }
    }
    return out;
  }

  private boolean capReached(List<SendRecord> sends, CompiledCampaign c, Instant t) {
    Optional<FrequencyCap> cap = c.campaign.policy().frequencyCap();
    if (cap.isPresent() && countSince(sends, c.id, t, cap.get()) >= cap.get().max()) {
      return true;
    }
    FrequencyCap global = settings.globalCap();
    return global != null && countSince(sends, null, t, global) >= global.max();
  }

  private static int countSince(List<SendRecord> sends, String campaignId, Instant t, FrequencyCap cap) {
    Instant from = t.minus(cap.per());
    int n = 0;
    for (SendRecord s : sends) {
      if ((campaignId == null || s.campaignId().equals(campaignId)) && s.sentAt().isAfter(from)
          && !s.sentAt().isAfter(t)) {
        n++;
      }
    }
    return n;
  }

  private Instant expiry(Reminder r, CompiledCampaign c) {
    return c.campaign.policy().expireAfter().map(e -> r.dueAt().plus(e)).orElse(null);
  }

  private static Instant notificationExpiry(Step step, Instant sentAt, Instant expiry) {
    Optional<Duration> ttl = step.message().ttl();
    return ttl.isPresent() ? sentAt.plus(ttl.get()) : expiry;
  }

  /** Renders one variant; {@code null} when a placeholder has no value and no default. */
  private static RenderedNotification render(CompiledCampaign.CompiledMessage m, TemplateContext ctx,
      Reminder r, Instant expiresAt) {
    Optional<String> title = m.title().render(ctx);
    Optional<String> body = m.body().render(ctx);
    if (title.isEmpty() || body.isEmpty()) {
      return null;
    }
    String link = null;
    if (m.deepLink() != null) {
      Optional<String> l = m.deepLink().render(ctx);
      if (l.isEmpty()) {
        return null;
      }
      link = l.get();
    }
    Map<String, String> data = new LinkedHashMap<>();
    for (Map.Entry<String, Template> e : m.data().entrySet()) {
      Optional<String> v = e.getValue().render(ctx);
      if (v.isEmpty()) {
        return null;
      }
      data.put(e.getKey(), v.get());
    }
    Message msg = m.message();
    String collapseId = msg.collapseKey().orElse(r.id());
    return new RenderedNotification(r.id(), r.campaignId(), r.step(), collapseId, title.get(), body.get(),
        link, msg.imageUrl().orElse(null), data, msg.sound().orElse(null), msg.badge().orElse(null),
        msg.priority(), expiresAt);
  }

  /**
   * Ends a reminder inside the unit of work: deletes it and, after a send, suppression or expiry,
   * schedules the next step due at {@code at} plus its delay.
   */
  private Decision.Ended finish(UserState state, Reminder r, CompiledCampaign c, Outcome outcome,
      SuppressionReason reason, Instant at) {
    state.delete(r.id());
    if (outcome != Outcome.SENT && r.sentAt() != null) {
      state.forgetSend(r.id());
    }
    state.count(r.campaignId(), r.step(), counterOf(outcome, reason), 1);
    Reminder next = null;
    boolean continues = outcome == Outcome.SENT || outcome == Outcome.SUPPRESSED || outcome == Outcome.EXPIRED;
    if (continues && c != null && r.step() + 1 < c.steps.size()) {
      Step step = c.campaign.steps().get(r.step() + 1);
      next = Reminder.create(ids.next(), c.id, r.step() + 1, r.userId(), r.key(), r.triggeredAt(),
          r.trigger(), at.plus(step.delay()));
      state.save(next);
      state.count(c.id, next.step(), Counter.SCHEDULED, 1);
    }
    return new Decision.Ended(r, outcome, reason, at, next);
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

  private record Target(Device device, RenderedNotification notification) {}

  /** A stored decision, acted on after the unit of work committed. */
  private sealed interface Decision {
    Decision NOTHING = new Nothing();

    CompletableFuture<Void> act(Resolver resolver);

    record Nothing() implements Decision {
      @Override
      public CompletableFuture<Void> act(Resolver resolver) {
        return CompletableFuture.completedFuture(null);
      }
    }

    record Ended(Reminder reminder, Outcome outcome, SuppressionReason reason, Instant at, Reminder next)
        implements Decision {
      @Override
      public CompletableFuture<Void> act(Resolver resolver) {
        resolver.published(this, reminder.accepted(), null);
        return CompletableFuture.completedFuture(null);
      }
    }

    record Send(Reminder reminder, CompiledCampaign campaign, List<Target> targets, Instant sentAt,
        Instant expiry, RenderedNotification first) implements Decision {
      @Override
      public CompletableFuture<Void> act(Resolver resolver) {
        return resolver.deliver(this);
      }
    }
  }

  private void published(Decision.Ended e, int devices, RenderedNotification first) {
    Reminder r = e.reminder();
    boolean sent = e.outcome() == Outcome.SENT && first != null;
    listeners.onOutcome(new OutcomeReport(e.at(), r.campaignId(), r.step(), r.userId(), r.key(),
        e.outcome(), e.reason(), r.dueAt(), e.outcome() == Outcome.SENT ? devices : 0,
        sent ? first.title() : null, sent ? first.body() : null));
  }

  private CompletableFuture<Void> deliver(Decision.Send send) {
    List<CompletableFuture<SendResult>> results = new ArrayList<>(send.targets().size());
    for (Target target : send.targets()) {
      results.add(sendOne(target));
    }
    return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
        .thenComposeAsync(ignored -> settle(send, results.stream().map(CompletableFuture::join).toList()),
            workers);
  }

  private CompletableFuture<SendResult> sendOne(Target target) {
    Transport transport = transports.get(target.device().platform());
    if (transport == null) {
      return CompletableFuture.completedFuture(SendResult.rejected(
          "no transport configured for platform " + target.device().platform(), false));
    }
    inFlight.acquireUninterruptibly();
    CompletableFuture<SendResult> f;
    try {
      f = transport.send(target.device(), target.notification());
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    return f.handle((result, error) -> {
      inFlight.release();
      if (error != null || result == null) {
        String why = error == null ? "transport returned no result" : String.valueOf(error);
        return SendResult.retry(why, null);
      }
      return result;
    });
  }

  private CompletableFuture<Void> settle(Decision.Send send, List<SendResult> results) {
    Reminder r = send.reminder();
    Instant now = clock.instant();
    Map<String, Long> counts = new HashMap<>();
    int accepted = 0;
    List<String> retry = new ArrayList<>();
    Duration retryAfter = null;
    for (int i = 0; i < results.size(); i++) {
      Device device = send.targets().get(i).device();
      SendResult result = results.get(i);
      listeners.onDelivery(new DeliveryReport(now, r.id(), r.campaignId(), r.step(), device, result));
      if (result instanceof SendResult.Accepted) {
        accepted++;
        counts.merge(Counter.accepted(device.platform()), 1L, Long::sum);
      } else if (result instanceof SendResult.Rejected rejected) {
        counts.merge(Counter.rejected(device.platform()), 1L, Long::sum);
        if (rejected.tokenDead()) {
          Device gone = store.deactivate(device.platform(), device.token());
          if (gone != null) {
            counts.merge(Counter.INVALID_TOKENS, 1L, Long::sum);
            listeners.onDeviceDeactivated(gone, rejected.reason());
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
    Instant deadline = send.expiry() != null ? send.expiry() : r.dueAt().plus(settings.maxRetryWindow());
    if (!retry.isEmpty()) {
      Instant next = now.plus(settings.backoff().delay(r.attempt() + 1, retryAfter));
      if (next.isBefore(deadline)) {
        Reminder later = r.afterAttempt(send.sentAt(), next, retry, accepted);
        return storeOutcome(r, state -> {
          countAll(state, r, counts);
          if (state.isClaimedBy(r.id(), settings.owner())) {
            state.save(later);
          }
          return null;
        }).thenApply(ignored -> null);
      }
    }
    Outcome outcome = total > 0 ? Outcome.SENT : retry.isEmpty() ? Outcome.FAILED : Outcome.EXPIRED;
    // Giving up happens now, when the next retry would land past the deadline.
    Instant at = outcome == Outcome.EXPIRED ? now : send.sentAt();
    Reminder settled = r.afterAttempt(send.sentAt(), r.fireAt(), List.of(), accepted);
    int devices = total;
    return storeOutcome(r, state -> {
      countAll(state, r, counts);
      return state.isClaimedBy(r.id(), settings.owner())
          ? finish(state, settled, send.campaign(), outcome, null, at) : null;
    })
        .thenAccept(ended -> {
          if (ended != null) {
            published(ended, devices, send.first());
          }
        });
  }

  /**
   * Stores a decision or what a delivery attempt did, for a reminder this instance has claimed.
   * A store that is down is retried with backoff (up to {@code maxRetryWindow}) rather than
   * leaving the claim to run out, when the reminder would be claimed and, if it had gone out
   * already, sent again; no other instance can claim it while the store is down. Meanwhile the
   * scheduler waits, which it would anyway.
   */
  private <T> CompletableFuture<T> storeOutcome(Reminder r, Function<UserState, T> work) {
    long deadline = System.nanoTime() + settings.maxRetryWindow().toNanos();
    return storeOutcome(r, work, 0, deadline);
  }

  private <T> CompletableFuture<T> storeOutcome(Reminder r, Function<UserState, T> work, int attempt,
      long deadline) {
    return store.atomically(r.userId(), work).handle((value, error) -> {
      if (error == null) {
        return CompletableFuture.completedFuture(value);
      }
      long wait = Math.min(5_000, 100L << Math.min(attempt, 6));
      if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(wait) - deadline > 0) {
        return CompletableFuture.<T>failedFuture(error);
      }
      if (attempt == 0) {
        listeners.onError("storing the outcome of " + r + " failed; retrying until the store is back", error);
      }
      return CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(wait, TimeUnit.MILLISECONDS, workers))
          .thenCompose(ignored -> storeOutcome(r, work, attempt + 1, deadline));
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
