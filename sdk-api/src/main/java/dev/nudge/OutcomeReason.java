package dev.nudge;

/**
 * Why a reminder ended as it did, when the outcome alone does not say: a
 * {@link SuppressionReason} for {@link Outcome#SUPPRESSED}, a {@link CancelReason} for some
 * {@link Outcome#CANCELLED} ones. Reported in {@link OutcomeReport#reason()}.
 */
public sealed interface OutcomeReason permits SuppressionReason, CancelReason {
  /** The reason's constant name, e.g. {@code OPTED_OUT}: stable, fit for logs and metric tags. */
  String name();
}
