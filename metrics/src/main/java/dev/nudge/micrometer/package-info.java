/**
 * Nudge's metrics in Micrometer: {@link dev.nudge.micrometer.NudgeMetrics}, registered on the
 * engine's builder as a listener, exports the statistics counters, the send latency and the
 * reminder gauges to the host's {@code MeterRegistry}.
 */
package dev.nudge.micrometer;
