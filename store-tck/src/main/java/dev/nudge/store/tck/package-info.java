/**
 * The store test kit: the promises every store keeps, as abstract JUnit 5 test classes a store
 * module extends with a factory for its store. {@link dev.nudge.store.tck.NudgeStoreTck} tests a
 * whole {@link dev.nudge.spi.NudgeStore}; {@link dev.nudge.store.tck.ReminderStoreTck},
 * {@link dev.nudge.store.tck.DeviceStoreTck} and {@link dev.nudge.store.tck.UserStoreTck} test one
 * part each, for an adapter that implements only that part (a host's own table of push tokens or
 * of users). Tests a store cannot take part in are skipped with the reason, never passed.
 */
package dev.nudge.store.tck;
