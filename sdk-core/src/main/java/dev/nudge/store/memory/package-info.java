/**
 * The default store: {@link dev.nudge.store.memory.InMemoryStore} keeps everything in this
 * process. The store test kit ({@code nudge-store-tck}) holds it and every other store to the
 * same tests.
 */
package dev.nudge.store.memory;
