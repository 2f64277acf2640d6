package dev.nudge;

import java.util.List;

/**
 * A consistent snapshot of one campaign's counters, per step. No counter is ever ahead of the
 * stored outcomes it counts.
 *
 * @param campaignId the campaign
 * @param steps one entry per step that has counted anything, by index
 */
public record CampaignStats(String campaignId, List<StepStats> steps) {
  /** Copies the list. */
  public CampaignStats {
    steps = List.copyOf(steps);
  }

  /** The counters of one step (zeros when it has counted nothing). */
  public StepStats step(int index) {
    return steps.stream().filter(s -> s.step() == index).findFirst().orElse(StepStats.empty(index));
  }

  /** The campaign's counters summed over its steps (with {@code step} -1). */
  public StepStats total() {
    StepStats total = StepStats.empty(-1);
    for (StepStats s : steps) {
      total = total.plus(s);
    }
    return total;
  }
}
