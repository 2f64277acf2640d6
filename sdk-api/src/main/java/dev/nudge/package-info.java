/**
 * Nudge's public model: campaigns, events, messages, devices, delivery policy and statistics.
 * Every type here is immutable and thread-safe.
 */
package dev.nudge;
