package dev.nudge.core;

import java.util.concurrent.Executor;

/**
 * The delivery workers: the engine's own pool or the host's executor. Every task they run is
 * marked, so work that is already on a delivery worker can go on there instead of being handed
 * over again ({@link #onWorker}), while work that arrives on another thread (a store's, a
 * transport's I/O thread) is handed over. Thread-safe.
 */
final class DeliveryWorkers implements Executor {
  private static final ThreadLocal<Boolean> ON_WORKER = ThreadLocal.withInitial(() -> false);

  private final Executor delegate;
  /** Runs a task here when on a delivery worker, else on one. */
  final Executor here = task -> {
    if (ON_WORKER.get()) {
      task.run();
    } else {
      execute(task);
    }
  };

  DeliveryWorkers(Executor delegate) {
    this.delegate = delegate;
  }

  /** Whether the current thread is running a delivery worker's task. */
  static boolean onWorker() {
    return ON_WORKER.get();
  }

  @Override
  public void execute(Runnable task) {
    delegate.execute(() -> {
      boolean outer = ON_WORKER.get();
      ON_WORKER.set(true);
      try {
        task.run();
      } finally {
        ON_WORKER.set(outer);
      }
    });
  }
}
