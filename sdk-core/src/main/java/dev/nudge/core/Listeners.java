package dev.nudge.core;

import dev.nudge.Device;
import dev.nudge.OutcomeReport;
import dev.nudge.spi.DeliveryReport;
import dev.nudge.spi.EngineStatus;
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

  private static final ThreadLocal<Boolean> ON_LISTENER = ThreadLocal.withInitial(() -> false);

  private final List<NudgeListener> listeners;
  /** The listeners that observe each kind of report: telling one that does not would do nothing. */
  private final List<NudgeListener> outcomes;
  private final List<NudgeListener> deliveries;
  private final List<NudgeListener> deactivations;
  private final Executor executor;
  private final LongAdder failures = new LongAdder();
  private final java.util.Set<NudgeListener> logged = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** Listeners called on {@code executor}, which must run tasks in submission order. */
  Listeners(List<NudgeListener> listeners, Executor executor) {
    this.listeners = List.copyOf(listeners);
    this.outcomes = overriding(this.listeners, "onOutcome", OutcomeReport.class);
    this.deliveries = overriding(this.listeners, "onDelivery", DeliveryReport.class);
    this.deactivations = overriding(this.listeners, "onDeviceDeactivated", Device.class, String.class);
    this.executor = executor;
  }

  /**
   * The listeners whose class overrides {@code method}. The others' default does nothing, and a
   * report no listener observes is not handed to the listener thread at all: a {@code track} that
   * cancels waits for its outcomes to be told, so a listener that only watches deliveries (a
   * metrics binder) would otherwise slow every stop event down.
   */
  private static List<NudgeListener> overriding(List<NudgeListener> all, String method, Class<?>... parameters) {
    List<NudgeListener> out = new java.util.ArrayList<>(all.size());
    for (NudgeListener l : all) {
      try {
        if (l.getClass().getMethod(method, parameters).getDeclaringClass() != NudgeListener.class) {
          out.add(l);
        }
      } catch (NoSuchMethodException e) {
        out.add(l); // not expected: NudgeListener declares it; telling it is the safe side
      }
    }
    return List.copyOf(out);
  }

  /**
   * Tells every listener, on the calling thread (the one building the engine), what it can read
   * about the engine; a listener that throws fails the build, since it could not set itself up.
   */
  void bind(EngineStatus status) {
    for (NudgeListener l : listeners) {
      l.onBind(status);
    }
  }

  CompletableFuture<Void> onOutcome(OutcomeReport report) {
    return tell(outcomes, l -> l.onOutcome(report));
  }

  CompletableFuture<Void> onOutcomes(List<OutcomeReport> reports) {
    if (reports.isEmpty()) {
      return DONE;
    }
    return tell(outcomes, l -> reports.forEach(l::onOutcome));
  }

  CompletableFuture<Void> onDelivery(DeliveryReport report) {
    return tell(deliveries, l -> l.onDelivery(report));
  }

  CompletableFuture<Void> onDeviceDeactivated(Device device, String reason) {
    return tell(deactivations, l -> l.onDeviceDeactivated(device, reason));
  }

  /** Logs the error (once, here) and tells the listeners. */
  CompletableFuture<Void> onError(String context, Throwable error) {
    LOG.log(Level.WARNING, context, error);
    return tell(listeners, l -> l.onError(context, error));
  }

  /**
   * Whether the current thread is telling listeners: an engine call made from a listener must
   * not wait for listeners to be told, which would be waiting for itself.
   */
  static boolean onListenerThread() {
    return ON_LISTENER.get();
  }

  /** Listener failures so far. */
  long failures() {
    return failures.sum();
  }

  /** Counts a listener's failure; logs the first of each listener with its stack trace. */
  private void failed(NudgeListener l, Throwable e) {
    failures.increment();
    if (logged.add(l)) {
      LOG.log(Level.WARNING, "listener " + l.getClass().getName() + " threw; ignored (later failures of this"
          + " listener are logged at DEBUG and counted)", e);
    } else {
      LOG.log(Level.DEBUG, "listener " + l.getClass().getName() + " threw; ignored", e);
    }
  }

  private interface Call {
    void on(NudgeListener l);
  }

  private CompletableFuture<Void> tell(List<NudgeListener> to, Call call) {
    if (to.isEmpty()) {
      return DONE;
    }
    try {
      return CompletableFuture.runAsync(() -> {
        boolean outer = ON_LISTENER.get();
        ON_LISTENER.set(true);
        try {
          for (NudgeListener l : to) {
            try {
              call.on(l);
            } catch (RuntimeException | Error e) {
              if (e instanceof VirtualMachineError vm) {
                throw vm;
              }
              failed(l, e);
            }
          }
        } finally {
          ON_LISTENER.set(outer);
        }
      }, executor);
    } catch (RejectedExecutionException e) {
      return DONE; // closed
    }
  }
}
