package dev.nudge.core;

import dev.nudge.Device;
import dev.nudge.OutcomeReport;
import dev.nudge.spi.DeliveryReport;
import dev.nudge.spi.NudgeListener;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.LongAdder;

/**
 * Fans engine events out to the host's listeners, on the listeners' own thread (one thread, so
 * the host sees events in the order they happened), never on a store thread or a delivery
 * worker. A throwing listener is logged, never fatal. Each method's future completes once the
 * listeners were told, so a run of due reminders completes after its reports. Thread-safe.
 */
final class Listeners {
  private static final System.Logger LOG = System.getLogger("dev.nudge");
  private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

  private final List<NudgeListener> listeners;
  private final Executor executor;
  private final LongAdder failures = new LongAdder();

  /** Listeners called on {@code executor}, which must run tasks in submission order. */
  Listeners(List<NudgeListener> listeners, Executor executor) {
    this.listeners = List.copyOf(listeners);
    this.executor = executor;
  }

  CompletableFuture<Void> onOutcome(OutcomeReport report) {
    return tell(l -> l.onOutcome(report));
  }

  CompletableFuture<Void> onOutcomes(List<OutcomeReport> reports) {
    if (reports.isEmpty()) {
      return DONE;
    }
    return tell(l -> reports.forEach(l::onOutcome));
  }

  CompletableFuture<Void> onDelivery(DeliveryReport report) {
    return tell(l -> l.onDelivery(report));
  }

  CompletableFuture<Void> onDeviceDeactivated(Device device, String reason) {
    return tell(l -> l.onDeviceDeactivated(device, reason));
  }

  /** Logs the error (once, here) and tells the listeners. */
  CompletableFuture<Void> onError(String context, Throwable error) {
    LOG.log(Level.WARNING, context, error);
    return tell(l -> l.onError(context, error));
  }

  /** Listener failures so far. */
  long failures() {
    return failures.sum();
  }

  private interface Call {
    void on(NudgeListener l);
  }

  private CompletableFuture<Void> tell(Call call) {
    if (listeners.isEmpty()) {
      return DONE;
    }
    try {
      return CompletableFuture.runAsync(() -> {
        for (NudgeListener l : listeners) {
          try {
            call.on(l);
          } catch (RuntimeException e) {
            failures.increment();
            LOG.log(Level.WARNING, "listener " + l.getClass().getName() + " threw; ignored", e);
          }
        }
      }, executor);
    } catch (RejectedExecutionException e) {
      return DONE; // closed
    }
  }
}
