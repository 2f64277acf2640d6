package dev.nudge.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * A claim on a reminder: an engine instance ({@code owner}) is resolving it until {@code until}.
 * A claim whose lease ran out may be taken over by another owner.
 *
 * @param owner the claiming engine instance
 * @param until when the lease runs out
 */
public record Claim(String owner, Instant until) {
  /** Checks that both parts are given. */
  public Claim {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(until, "until");
  }
}
