/**
 * iOS delivery over the Apple Push Notification service with Pushy: {@link
 * dev.nudge.transport.apns.ApnsTransport}.
 */
package dev.nudge.transport.apns;
