/**
 * Replaying a log of events through campaigns on a virtual clock, with the real engine: {@link
 * dev.nudge.simulate.SimulationRun} (the {@code simulate} tool's engine) and {@link
 * dev.nudge.simulate.Simulator}.
 */
package dev.nudge.simulate;
