package dev.nudge.spi;

import java.time.Instant;

/**
 * One send in a user's history, kept for frequency caps and goal conversion.
 *
 * @param reminderId the reminder that was sent
 * @param campaignId its campaign
 * @param step its step
 * @param sentAt when it was sent
 * @param converted whether a goal event has counted it
 */
public record SendRecord(String reminderId, String campaignId, int step, Instant sentAt, boolean converted) {
  /** This record, counted as converted. */
  public SendRecord asConverted() {
    return new SendRecord(reminderId, campaignId, step, sentAt, true);
  }
}
