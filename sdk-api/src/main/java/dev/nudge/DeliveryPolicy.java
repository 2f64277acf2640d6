package dev.nudge;

import dev.nudge.internal.Checks;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a campaign's due reminders are delivered: quiet hours in the user's zone, a per-user
 * frequency cap for the campaign, and expiry. Unset parts do not apply. Immutable.
 */
public final class DeliveryPolicy {
  /** A policy with nothing set. */
  public static final DeliveryPolicy NONE = new Builder().build();

  private final QuietHours quietHours;
  private final FrequencyCap frequencyCap;
  private final Duration expireAfter;

  private DeliveryPolicy(Builder b) {
    this.quietHours = b.quietHours;
    this.frequencyCap = b.frequencyCap;
    this.expireAfter = b.expireAfter;
  }

  /** Starts a policy. */
  public static Builder builder() {
    return new Builder();
  }

  /** The quiet-hours window, if any. */
  public Optional<QuietHours> quietHours() {
    return Optional.ofNullable(quietHours);
  }

  /** The per-user cap for this campaign, if any. */
  public Optional<FrequencyCap> frequencyCap() {
    return Optional.ofNullable(frequencyCap);
  }

  /** A reminder not sent by its due time plus this is resolved {@code EXPIRED}. */
  public Optional<Duration> expireAfter() {
    return Optional.ofNullable(expireAfter);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DeliveryPolicy p && Objects.equals(quietHours, p.quietHours)
        && Objects.equals(frequencyCap, p.frequencyCap) && Objects.equals(expireAfter, p.expireAfter);
  }

  @Override
  public int hashCode() {
    return Objects.hash(quietHours, frequencyCap, expireAfter);
  }

  @Override
  public String toString() {
    return "DeliveryPolicy{quietHours=" + quietHours + ", frequencyCap=" + frequencyCap
        + ", expireAfter=" + expireAfter + "}";
  }

  /** Builds a {@link DeliveryPolicy}; not thread-safe. */
  public static final class Builder {
    private QuietHours quietHours;
    private FrequencyCap frequencyCap;
    private Duration expireAfter;

    private Builder() {}

    /** Nothing is sent in {@code [start, end)} of the user's local day. */
    public Builder quietHours(QuietHours window) {
      this.quietHours = window;
      return this;
    }

    /** At most {@code max} sends of this campaign per user in any window of {@code per}. */
    public Builder frequencyCap(int max, Duration per) {
      this.frequencyCap = new FrequencyCap(max, per);
      return this;
    }

    /** Drop a reminder that cannot be sent within {@code expireAfter} of its due time. */
    public Builder expireAfter(Duration expireAfter) {
      this.expireAfter = Checks.positive("policy expireAfter", expireAfter);
      return this;
    }

    /** Builds the policy. */
    public DeliveryPolicy build() {
      return new DeliveryPolicy(this);
    }
  }
}
