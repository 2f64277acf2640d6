package dev.nudge.spi;

import dev.nudge.Device;
import java.time.Duration;
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
 * @param latency how long the answer took, on the engine's clock: from handing the notification
 *     to the transport to its answer (to the send timeout when there was none in time); zero when
 *     the notification never reached a transport (none configured for the platform, the delivery
 *     executor refused the send)
 */
public record DeliveryReport(Instant at, String reminderId, String campaignId, int step, Device device,
    SendResult result, Duration latency) {}
