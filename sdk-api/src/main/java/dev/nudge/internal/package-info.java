/**
 * Internal to Nudge: shared by Nudge's own modules (the engine, stores, transports) and not part
 * of its API. Anything here may change or disappear in any release without notice; do not use it
 * from application code.
 */
package dev.nudge.internal;
