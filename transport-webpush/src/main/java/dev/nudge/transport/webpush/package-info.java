/**
 * Browser and desktop delivery over the standard Web Push protocol: {@link
 * dev.nudge.transport.webpush.WebPushTransport}, with browser subscriptions as devices ({@link
 * dev.nudge.transport.webpush.WebPushSubscription}) and the application server's VAPID key pair
 * ({@link dev.nudge.transport.webpush.VapidKeys}).
 */
package dev.nudge.transport.webpush;
