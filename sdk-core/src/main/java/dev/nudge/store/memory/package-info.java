/**
 * The default store: {@link dev.nudge.store.memory.InMemoryStore} keeps everything in this
 * process, and is the reference the store contract holds other stores to.
 */
package dev.nudge.store.memory;
