package dev.nudge.transport.apns;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds the requests outstanding at APNs without blocking a caller: a request over the limit
 * waits in a queue and starts when an earlier one is answered. Each started task must call
 * {@link #release()} exactly once when its answer (or failure) arrives. While nothing waits, a
 * caller takes a slot directly ({@link #tryAcquire()}) and starts its request itself, without
 * the queue. Lock-free and thread-safe; a task that is answered at once (e.g. by a closed client)
 * does not recurse.
 */
final class StreamLimit {
  private final int limit;
  private final AtomicInteger outstanding = new AtomicInteger();
  private final Queue<Runnable> waiting = new ConcurrentLinkedQueue<>();
  private final AtomicInteger drainRequests = new AtomicInteger();

  StreamLimit(int limit) {
    this.limit = limit;
  }

  /**
   * Takes a slot for a request the caller starts itself, if one is free and nothing waits (so
   * that a waiting request is not overtaken); the caller must {@link #release()} it.
   */
  boolean tryAcquire() {
    if (!waiting.isEmpty()) {
      return false;
    }
    for (int n = outstanding.get(); n < limit; n = outstanding.get()) {
      if (outstanding.compareAndSet(n, n + 1)) {
        return true;
      }
    }
    return false;
  }

  /** Starts {@code task} now if under the limit, else once a slot is free. */
  void submit(Runnable task) {
    waiting.add(task);
    drain();
  }

  /** Frees the slot of a started task. */
  void release() {
    outstanding.decrementAndGet();
    drain();
  }

  /** Requests started and not yet answered. */
  int outstanding() {
    return outstanding.get();
  }

  /** Requests waiting for a slot. */
  int waiting() {
    return waiting.size();
  }

  private void drain() {
    if (drainRequests.getAndIncrement() != 0) {
      return; // the thread draining now sees the change on its next turn
    }
    do {
      while (true) {
        int n = outstanding.get();
        if (n >= limit) {
          break;
        }
        if (!outstanding.compareAndSet(n, n + 1)) {
          continue; // a caller took a slot directly meanwhile
        }
        Runnable task = waiting.poll();
        if (task == null) {
          outstanding.decrementAndGet();
          break;
        }
        try {
          task.run();
        } catch (Throwable t) { // a task must release its own slot; one that threw cannot be trusted to
          outstanding.decrementAndGet();
          if (t instanceof VirtualMachineError vm) {
            drainRequests.set(0); // the next submit or release drains again
            throw vm;
          }
        }
      }
    } while (drainRequests.decrementAndGet() != 0);
  }
}
