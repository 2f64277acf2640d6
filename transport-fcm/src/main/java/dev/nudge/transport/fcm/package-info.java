/**
 * Android (and FCM web) delivery over the FCM HTTP v1 API with OkHttp: {@link
 * dev.nudge.transport.fcm.FcmTransport}.
 */
package dev.nudge.transport.fcm;
