/**
 * A test kit for code that embeds Nudge: a settable clock and a transport that records what it
 * was given. Drive the engine with {@link dev.nudge.core.Nudge#runDue()} after moving the clock;
 * no test needs to sleep.
 */
package dev.nudge.testing;
