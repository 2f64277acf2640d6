package dev.nudge.core;

import dev.nudge.Device;
import dev.nudge.OutcomeReport;
import dev.nudge.spi.DeliveryReport;
import dev.nudge.spi.NudgeListener;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/** Fans engine events out to the host's listeners; a throwing listener is logged, never fatal. */
final class Listeners implements NudgeListener {
  private static final System.Logger LOG = System.getLogger("dev.nudge");

  private final List<NudgeListener> listeners;
  private final LongAdder failures = new LongAdder();

  Listeners(List<NudgeListener> listeners) {
    this.listeners = List.copyOf(listeners);
  }

  @Override
  public void onOutcome(OutcomeReport report) {
    for (NudgeListener l : listeners) {
      try {
        l.onOutcome(report);
      } catch (RuntimeException e) {
        failed(l, e);
      }
    }
  }

  @Override
  public void onDelivery(DeliveryReport report) {
    for (NudgeListener l : listeners) {
      try {
        l.onDelivery(report);
      } catch (RuntimeException e) {
        failed(l, e);
      }
    }
  }

  @Override
  public void onDeviceDeactivated(Device device, String reason) {
    for (NudgeListener l : listeners) {
      try {
        l.onDeviceDeactivated(device, reason);
      } catch (RuntimeException e) {
        failed(l, e);
      }
    }
  }

  @Override
  public void onError(String context, Throwable error) {
    LOG.log(Level.WARNING, context, error);
    for (NudgeListener l : listeners) {
      try {
        l.onError(context, error);
      } catch (RuntimeException e) {
        failed(l, e);
      }
    }
  }

  private void failed(NudgeListener l, RuntimeException e) {
    failures.increment();
    LOG.log(Level.WARNING, "listener " + l.getClass().getName() + " threw; ignored", e);
  }
}
