package dev.nudge.spi;

import dev.nudge.Device;
import java.time.Instant;

/**
 * The result of one delivery attempt to one device.
 *
 * @param at when the result arrived
 * @param reminderId the reminder
 * @param campaignId the campaign id
 * @param step the step index
 * @param device the device (its token redacted by {@code toString})
 * @param result what the transport said
 */
public record DeliveryReport(Instant at, String reminderId, String campaignId, int step, Device device,
    SendResult result) {}
