package dev.nudge;

import dev.nudge.internal.Checks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A behaviour-triggered campaign: when a user does the trigger event (and the conditions hold),
 * send them a sequence of messages after delays, unless a stop event comes first.
 *
 * <pre>{@code
 * Campaign cart = Campaign.named("cart-abandonment")
 *     .triggeredBy("cart_add").where(Condition.gte("total", 50))
 *     .cancelledBy("purchase").correlatedBy("cart_id")
 *     .after(Duration.ofHours(2)).send(Message.of("Still thinking?", "{{event.item_name}} is waiting").build())
 *     .goal("purchase", Duration.ofDays(1))
 *     .build();
 * }</pre>
 *
 * <p>Immutable and thread-safe; see {@code docs/semantics.md} for the exact rules.
 */
public final class Campaign {
  /** The trigger that matches every event (for inactivity campaigns). */
  public static final String ANY_EVENT = "*";

  private final String id;
  private final String trigger;
  private final List<Condition> where;
  private final List<Condition> audience;
  private final Set<String> stopEvents;
  private final String correlateBy;
  private final Reentry reentry;
  private final boolean once;
  private final Duration cooldown;
  private final List<Step> steps;
  private final DeliveryPolicy policy;
  private final Goal goal;
  private final String category;

  private Campaign(Builder b) {
    this.id = b.id;
    this.trigger = b.trigger;
    this.where = List.copyOf(b.where);
    this.audience = List.copyOf(b.audience);
    this.stopEvents = Collections.unmodifiableSet(new LinkedHashSet<>(b.stopEvents));
    this.correlateBy = b.correlateBy;
    this.reentry = b.reentry;
    this.once = b.once;
    this.cooldown = b.cooldown;
    this.steps = List.copyOf(b.steps);
    this.policy = b.policy;
    this.goal = b.goal;
    this.category = b.category;
  }

  /** The category of a campaign that sets none. */
  public static final String DEFAULT_CATEGORY = "marketing";

  private static final java.util.regex.Pattern CATEGORY = java.util.regex.Pattern.compile("[a-z][a-z0-9_.-]{0,63}");

  /**
   * Checks a consent category name (as {@link Builder#category} takes it) and returns it.
   *
   * @throws IllegalArgumentException naming {@code field} when the name is null or malformed
   */
  public static String checkCategory(String field, String category) {
    if (category == null || !CATEGORY.matcher(category).matches()) {
      throw new IllegalArgumentException(field + " is " + (category == null ? "null" : "'" + category + "'")
          + "; use lowercase letters, digits, '_', '-' or '.', starting with a letter, at most 64 characters"
          + " (e.g. marketing, reminders, transactional)");
    }
    return category;
  }

  /** Starts a campaign with a stable id (used for statistics, re-definition and removal). */
  public static Builder named(String id) {
    return new Builder(id);
  }

  /** A builder holding every setting of this campaign, to derive a variant. */
  public Builder toBuilder() {
    Builder b = new Builder(id);
    b.trigger = trigger;
    b.where.addAll(where);
    b.audience.addAll(audience);
    b.stopEvents.addAll(stopEvents);
    b.correlateBy = correlateBy;
    b.reentry = reentry;
    b.once = once;
    b.cooldown = cooldown;
    b.steps.addAll(steps);
    b.policy = policy;
    b.goal = goal;
    b.category = category;
    return b;
  }

  /** The stable id. */
  public String id() {
    return id;
  }

  /** The trigger event name, or {@link #ANY_EVENT}. */
  public String trigger() {
    return trigger;
  }

  /** Conditions on the trigger event's properties; all must hold. */
  public List<Condition> where() {
    return where;
  }

  /** Conditions on the user's attributes at trigger time; all must hold. */
  public List<Condition> audience() {
    return audience;
  }

  /** Events that cancel the user's pending reminders of this campaign. */
  public Set<String> stopEvents() {
    return stopEvents;
  }

  /** The trigger property that gives each value (each cart) its own reminder. */
  public Optional<String> correlateBy() {
    return Optional.ofNullable(correlateBy);
  }

  /** What a trigger does while a reminder for its key is pending. */
  public Reentry reentry() {
    return reentry;
  }

  /** Whether a user who was ever sent this campaign is never triggered again. */
  public boolean once() {
    return once;
  }

  /** Triggers within this long after the campaign's last send to the user are ignored. */
  public Optional<Duration> cooldown() {
    return Optional.ofNullable(cooldown);
  }

  /** The steps, in order; at least one. */
  public List<Step> steps() {
    return steps;
  }

  /** The delivery policy. */
  public DeliveryPolicy policy() {
    return policy;
  }

  /** The goal that counts sends as converted, if any. */
  public Optional<Goal> goal() {
    return Optional.ofNullable(goal);
  }

  /**
   * The consent category users opt in to or out of (e.g. {@code marketing}, {@code reminders},
   * {@code transactional}); {@value #DEFAULT_CATEGORY} unless set. A user opted out of it is not
   * sent this campaign (its reminders end {@code SUPPRESSED}, {@code OPTED_OUT}), unless the engine
   * marks the category required.
   */
  public String category() {
    return category;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Campaign c && id.equals(c.id) && trigger.equals(c.trigger)
        && where.equals(c.where) && audience.equals(c.audience) && stopEvents.equals(c.stopEvents)
        && Objects.equals(correlateBy, c.correlateBy) && reentry == c.reentry && once == c.once
        && Objects.equals(cooldown, c.cooldown) && steps.equals(c.steps) && policy.equals(c.policy)
        && Objects.equals(goal, c.goal) && category.equals(c.category);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, trigger, where, audience, stopEvents, correlateBy, reentry, once, cooldown,
        steps, policy, goal, category);
  }

  @Override
  public String toString() {
    return "Campaign{id=" + id + ", category=" + category + ", trigger=" + trigger + ", stopEvents=" + stopEvents
        + ", steps=" + steps.size() + "}";
  }

  /** Builds a {@link Campaign}; not thread-safe. */
  public static final class Builder {
    private final String id;
    private String trigger;
    private final List<Condition> where = new ArrayList<>();
    private final List<Condition> audience = new ArrayList<>();
    private final Set<String> stopEvents = new LinkedHashSet<>();
    private String correlateBy;
    private Reentry reentry = Reentry.RESTART;
    private boolean once;
    private Duration cooldown;
    private final List<Step> steps = new ArrayList<>();
    private Duration nextDelay = Duration.ZERO;
    private DeliveryPolicy policy = DeliveryPolicy.NONE;
    private Goal goal;
    private String category = DEFAULT_CATEGORY;

    private Builder(String id) {
      this.id = id;
    }

    /** The event that starts the campaign ({@link #ANY_EVENT} for any event). */
    public Builder triggeredBy(String eventName) {
      this.trigger = eventName;
      return this;
    }

    /** Adds conditions on the trigger event's properties. */
    public Builder where(Condition... conditions) {
      for (Condition c : conditions) {
        where.add(Checks.notNull("campaign '" + id + "' where condition", c));
      }
      return this;
    }

    /** Adds conditions on the user's attributes. */
    public Builder audience(Condition... conditions) {
      for (Condition c : conditions) {
        audience.add(Checks.notNull("campaign '" + id + "' audience condition", c));
      }
      return this;
    }

    /** Adds stop events: each cancels the user's pending reminders of this campaign. */
    public Builder cancelledBy(String... eventNames) {
      for (String name : eventNames) {
        stopEvents.add(Checks.name("campaign '" + id + "' stop event", name));
      }
      return this;
    }

    /** Gives each value of this trigger property its own reminder; stop events match it. */
    public Builder correlatedBy(String property) {
      this.correlateBy = Checks.name("campaign '" + id + "' correlatedBy", property);
      return this;
    }

    /** What a new trigger does while a reminder for its key is pending (default RESTART). */
    public Builder reentry(Reentry reentry) {
      this.reentry = Checks.notNull("campaign '" + id + "' reentry", reentry);
      return this;
    }

    /** A user who was ever sent this campaign is never triggered again. */
    public Builder once() {
      this.once = true;
      return this;
    }

    /** Sets {@link #once()} on or off. */
    public Builder once(boolean once) {
      this.once = once;
      return this;
    }

    /** Ignore triggers within {@code cooldown} after the campaign's last send to the user. */
    public Builder cooldown(Duration cooldown) {
      this.cooldown = Checks.positive("campaign '" + id + "' cooldown", cooldown);
      return this;
    }

    /** Sets the delay of the next step added with {@link #send(Message)}. */
    public Builder after(Duration delay) {
      this.nextDelay = Checks.nonNegative("campaign '" + id + "' step " + steps.size() + " delay", delay);
      return this;
    }

    /** Adds a step sending {@code message} after the delay last given to {@link #after}. */
    public Builder send(Message message) {
      return step(nextDelay, message);
    }

    /** Adds a step. */
    public Builder step(Duration delay, Message message) {
      String where = "campaign '" + id + "' step " + steps.size();
      try {
        steps.add(new Step(delay, message));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
      }
      nextDelay = Duration.ZERO;
      return this;
    }

    /** The delivery policy. */
    public Builder policy(DeliveryPolicy policy) {
      this.policy = Checks.notNull("campaign '" + id + "' policy", policy);
      return this;
    }

    /** Counts a send as converted when the user does {@code event} within {@code within}. */
    public Builder goal(String event, Duration within) {
      this.goal = new Goal(event, within);
      return this;
    }

    /**
     * The consent category (default {@value Campaign#DEFAULT_CATEGORY}): lowercase letters, digits,
     * {@code _}, {@code -} and {@code .}, starting with a letter, at most 64 characters.
     */
    public Builder category(String category) {
      this.category = Campaign.checkCategory("campaign '" + id + "' category", category);
      return this;
    }

    /**
     * Validates and builds the campaign.
     *
     * @throws IllegalArgumentException naming the field when the id or trigger is missing or
     *     invalid, or there is no step
     */
    public Campaign build() {
      Checks.name("campaign id", id);
      if (trigger == null) {
        throw new IllegalArgumentException("campaign '" + id + "' has no trigger; call triggeredBy(eventName)");
      }
      Checks.name("campaign '" + id + "' trigger", trigger);
      if (steps.isEmpty()) {
        throw new IllegalArgumentException("campaign '" + id + "' has no steps; add one with after(delay).send(message)");
      }
      return new Campaign(this);
    }
  }
}
