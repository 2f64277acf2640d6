package dev.nudge.core;

import dev.nudge.Campaign;
import dev.nudge.CancelReason;
import dev.nudge.Event;
import dev.nudge.Goal;
import dev.nudge.Outcome;
import dev.nudge.OutcomeReport;
import dev.nudge.Reentry;
import dev.nudge.TrackResult;
import dev.nudge.spi.Counter;
import dev.nudge.spi.ReminderStore;
import dev.nudge.spi.UserStore;
import dev.nudge.spi.Reminder;
import dev.nudge.spi.SendRecord;
import dev.nudge.spi.UserState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Applies one tracked event: stops (cancellations), goal conversions and triggers, in that order,
 * as one unit of work on the user's state, counters included; reports only once the store
 * committed it.
 * Thread-safe.
 */
final class Ingest {
  private static final CompletableFuture<TrackResult> NOTHING =
      CompletableFuture.completedFuture(new TrackResult(false, 0, 0, 0, 0, 0));

  private final Clock clock;
  private final ReminderStore store;
  private final UserStore users;
  private final RuleIndex rules;
  private final Listeners listeners;
  private final ReminderIds ids;

  Ingest(Clock clock, ReminderStore store, UserStore users, RuleIndex rules, Listeners listeners, ReminderIds ids) {
    this.clock = clock;
    this.store = store;
    this.users = users;
    this.rules = rules;
    this.listeners = listeners;
    this.ids = ids;
  }

  CompletableFuture<TrackResult> track(Event input) {
    Event event = input.occurredAt().isPresent() ? input : input.at(clock.instant());
    RuleIndex.Rules r = rules.rulesFor(event.name());
    if (r.isEmpty() && event.id().isEmpty()) {
      return NOTHING;
    }
    List<CompiledCampaign> triggered = matchingTriggers(r.triggers(), event);
    if (triggered.isEmpty() && r.stops().isEmpty() && r.goals().isEmpty() && event.id().isEmpty()) {
      return NOTHING;
    }
    boolean wait = !Listeners.onListenerThread(); // a listener's own call must not wait for listeners
    return store.atomically(event.userId(), state -> apply(state, event, r, triggered))
        .thenCompose(fx -> publish(fx, wait));
  }

  private List<CompiledCampaign> matchingTriggers(List<CompiledCampaign> candidates, Event event) {
    if (candidates.isEmpty()) {
      return List.of();
    }
    List<CompiledCampaign> out = new ArrayList<>(candidates.size());
    Map<String, Object> attributes = null;
    for (CompiledCampaign c : candidates) {
      if (!ConditionMatcher.matchesAll(c.campaign.where(), event.properties())) {
        continue;
      }
      if (!c.campaign.audience().isEmpty()) {
        if (attributes == null) {
          attributes = users.attributes(event.userId());
        }
        if (!ConditionMatcher.matchesAll(c.campaign.audience(), attributes)) {
          continue;
        }
      }
      out.add(c);
    }
    return out;
  }

  /** The unit of work; must act only through {@code state} (a store may run it twice). */
  private Effects apply(UserState state, Event event, RuleIndex.Rules r, List<CompiledCampaign> triggered) {
    Instant at = event.occurredAt().orElseThrow();
    if (event.id().isPresent() && !state.recordEvent(event.id().get(), at)) {
      return Effects.DUPLICATE;
    }
    Effects fx = new Effects(at);
    for (CompiledCampaign c : r.stops()) {
      Optional<String> corr = c.campaign.correlateBy();
      Object stopValue = corr.map(event::property).orElse(null);
      for (Reminder pending : state.pending(c.id)) {
        boolean keyMatches = stopValue == null || pending.key().equals(Values.text(stopValue));
        if (keyMatches && !pending.triggeredAt().isAfter(at)) {
          end(state, fx, pending);
        }
      }
    }
    for (CompiledCampaign c : r.goals()) {
      Goal goal = c.campaign.goal().orElseThrow();
      for (SendRecord s : state.sends()) {
        // A send still being delivered (its reminder still stored) is not yet SENT: not counted.
        if (s.campaignId().equals(c.id) && !s.converted() && s.sentAt().isBefore(at)
            && !at.isAfter(s.sentAt().plus(goal.within())) && state.reminder(s.reminderId()).isEmpty()) {
          state.updateSend(s.asConverted());
          state.count(c.id, s.step(), Counter.CONVERTED, 1);
          fx.converted.add(s);
        }
      }
    }
    for (CompiledCampaign c : triggered) {
      Campaign k = c.campaign;
      state.count(c.id, 0, Counter.TRIGGERED, 1);
      if (k.once() && state.lastSent(c.id).isPresent()) {
        ignore(state, fx, c);
        continue;
      }
      if (k.cooldown().isPresent()) {
        Optional<Instant> last = state.lastSent(c.id);
        if (last.isPresent() && !last.get().isBefore(at.minus(k.cooldown().get()))) {
          ignore(state, fx, c);
          continue;
        }
      }
      String key = k.correlateBy().map(p -> Values.text(event.property(p))).orElse("");
      Optional<Reminder> existing = state.pending(c.id, key);
      if (existing.isPresent() && k.reentry() == Reentry.KEEP_FIRST) {
        ignore(state, fx, c);
        continue;
      }
      if (existing.isPresent() && existing.get().accepted() > 0) {
        end(state, fx, existing.get()); // between two tries, already delivered: it was sent
        existing = Optional.empty();
      } else if (existing.isPresent() && existing.get().attempt() > 0) {
        state.forgetSend(existing.get().id()); // between two tries, delivered to no device
      }
      Duration delay = k.steps().get(0).delay();
      Reminder fresh = Reminder.create(ids.next(), c.id, 0, event.userId(), key, at, event.properties(),
          at.plus(delay));
      state.save(fresh);
      state.count(c.id, 0, Counter.SCHEDULED, 1);
      fx.scheduled++;
      if (existing.isPresent()) {
        state.count(c.id, 0, Counter.RESTARTED, 1);
        fx.restarted++;
      }
    }
    return fx;
  }

  /**
   * Ends a reminder that is stopped, cancelled, forgotten or replaced before its sequence is
   * over. Between two delivery tries it may already have reached a device: then it ends
   * {@code SENT} (the tries still to do are dropped, and no next step follows); otherwise it
   * ends {@code CANCELLED} and a send it had started, delivered to no device, is forgotten
   * (unless a try may be in flight: a claimed reminder keeps its send).
   */
  private static void end(UserState state, Effects fx, Reminder r) {
    state.delete(r.id());
    if (r.accepted() > 0) {
      state.count(r.campaignId(), r.step(), Counter.SENT, 1);
      fx.sent.add(r);
      return;
    }
    if (r.attempt() > 0 && state.claim(r.id()).isEmpty()) {
      // Between two tries and reaching no device: no send. One claimed (a try in flight, or an
      // instance that died during one) may have reached a device: its send is kept.
      state.forgetSend(r.id());
    }
    state.count(r.campaignId(), r.step(), Counter.CANCELLED, 1);
    fx.cancelled.add(r);
  }

  private static void ignore(UserState state, Effects fx, CompiledCampaign c) {
    state.count(c.id, 0, Counter.IGNORED, 1);
    fx.ignored++;
  }

  /**
   * Cancels every pending reminder of one campaign for one user (the campaign was removed), with
   * {@code CANCELLED} outcomes; claims whose lease ran out (their instance died) are in
   * {@code ids} and cancelled too. Completes with how many, once the listeners were told.
   */
  CompletableFuture<Integer> cancelAll(String userId, String campaignId, java.util.Set<String> ids) {
    return cancelWhere(userId, null, (state, r, now) -> r.campaignId().equals(campaignId)
        && (ids.contains(r.id()) || state.claim(r.id()).isEmpty()), false);
  }

  /**
   * Cancels a user's pending reminders of one campaign, of one key or (with {@code key} null) all
   * keys, for the host, reported with {@link CancelReason#HOST_CANCELLED}. A reminder an instance
   * is sending is left to that instance; one whose claim ran out (its instance died) is cancelled.
   */
  CompletableFuture<Integer> cancel(String userId, String campaignId, String key) {
    return cancelWhere(userId, CancelReason.HOST_CANCELLED, (state, r, now) -> r.campaignId().equals(campaignId)
        && (key == null || r.key().equals(key))
        && state.claim(r.id()).map(c -> c.until().isBefore(now)).orElse(true), false);
  }

  /**
   * Forgets a user in the reminder store, in one unit: every reminder (pending, held or being
   * sent) ends {@code CANCELLED}, reported with {@link CancelReason#USER_FORGOTTEN}; then send
   * history, last-sent times, consent and recorded event ids go (see
   * {@link dev.nudge.spi.UserState#forget()}).
   */
  CompletableFuture<Integer> forget(String userId) {
    return cancelWhere(userId, CancelReason.USER_FORGOTTEN, (state, r, now) -> true, true);
  }

  /** Which of a user's reminders a cancellation ends. */
  private interface Selection {
    boolean test(UserState state, Reminder r, Instant now);
  }

  /**
   * Ends the selected reminders of a user {@code CANCELLED} in one unit, counted, then (with
   * {@code forget}) forgets the user; completes with how many, once the listeners were told.
   */
  private CompletableFuture<Integer> cancelWhere(String userId, CancelReason reason, Selection selection,
      boolean forget) {
    boolean wait = !Listeners.onListenerThread();
    return store.atomically(userId, state -> {
      Effects fx = new Effects(clock.instant());
      fx.reason = reason;
      for (Reminder r : state.reminders()) {
        if (selection.test(state, r, fx.at)) {
          end(state, fx, r);
        }
      }
      if (forget) {
        state.forget();
      }
      return fx;
    }).thenCompose(fx -> publish(fx, wait).thenApply(ignored -> fx.cancelled.size() + fx.sent.size()));
  }

  /**
   * Reports the cancellations to the listeners; completes once they were told, or at once when
   * {@code wait} is false.
   */
  private CompletableFuture<TrackResult> publish(Effects fx, boolean wait) {
    if (fx == Effects.DUPLICATE) {
      return CompletableFuture.completedFuture(TrackResult.DUPLICATE);
    }
    TrackResult result = new TrackResult(false, fx.scheduled, fx.restarted, fx.ignored, fx.cancelled.size(),
        fx.converted.size());
    if (fx.cancelled.isEmpty() && fx.sent.isEmpty()) {
      return CompletableFuture.completedFuture(result);
    }
    List<OutcomeReport> reports = new ArrayList<>(fx.cancelled.size() + fx.sent.size());
    for (Reminder s : fx.sent) {
      reports.add(new OutcomeReport(s.sentAt(), s.campaignId(), s.step(), s.userId(), s.key(),
          Outcome.SENT, null, s.dueAt(), s.accepted(), null, null));
    }
    for (Reminder c : fx.cancelled) {
      reports.add(new OutcomeReport(fx.at, c.campaignId(), c.step(), c.userId(), c.key(),
          Outcome.CANCELLED, fx.reason, c.dueAt(), 0, null, null));
    }
    CompletableFuture<Void> told = listeners.onOutcomes(reports);
    return wait ? told.thenApply(ignored -> result) : CompletableFuture.completedFuture(result);
  }

  /** What one event did, collected inside the unit of work and published after it. */
  private static final class Effects {
    static final Effects DUPLICATE = new Effects(Instant.EPOCH);

    final Instant at;
    int scheduled;
    int ignored;
    int restarted;
    CancelReason reason; // of the cancellations, when the host asked for them
    final List<Reminder> cancelled = new ArrayList<>(0);
    /** Ended between two delivery tries, after a device had accepted. */
    final List<Reminder> sent = new ArrayList<>(0);
    final List<SendRecord> converted = new ArrayList<>(0);

    Effects(Instant at) {
      this.at = at;
    }
  }
}
