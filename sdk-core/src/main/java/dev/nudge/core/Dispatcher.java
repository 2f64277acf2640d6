package dev.nudge.core;

import dev.nudge.Device;
import dev.nudge.Platform;
import dev.nudge.spi.RenderedNotification;
import dev.nudge.spi.SendResult;
import dev.nudge.spi.Transport;
import java.util.EnumMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hands rendered notifications to the platforms' transports, on its own delivery workers, with at
 * most {@code maxInFlight} sends in flight. A send over the limit waits in a queue for a slot;
 * no thread ever blocks on one: a slot is freed when a transport's future completes, and whoever
 * frees it starts the next queued send on a worker. A transport that blocks in {@code send}
 * occupies a worker while it does, so more workers send more. No store thread and no scheduler
 * thread calls a transport. Thread-safe.
 */
final class Dispatcher {
  private final Map<Platform, Transport> transports;
  private final Executor workers;
  private final int maxInFlight;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Queue<Send> queue = new ConcurrentLinkedQueue<>();

  Dispatcher(Map<Platform, Transport> transports, Executor workers, int maxInFlight) {
    this.transports = transports.isEmpty() ? Map.of() : new EnumMap<>(transports);
    this.workers = workers;
    this.maxInFlight = maxInFlight;
  }

  private record Send(Transport transport, Device device, RenderedNotification notification,
      CompletableFuture<SendResult> result) {}

  /**
   * Sends one notification to one device; the future completes with the platform's answer. A
   * transport's exceptional future, a {@code null} result or a thrown exception is a
   * {@link SendResult.Retry}: the outcome is unknown.
   */
  CompletableFuture<SendResult> send(Device device, RenderedNotification notification) {
    Transport transport = transports.get(device.platform());
    if (transport == null) {
      return CompletableFuture.completedFuture(SendResult.rejected(
          "no transport configured for platform " + device.platform(), false));
    }
    Send send = new Send(transport, device, notification, new CompletableFuture<>());
    if (DeliveryWorkers.onWorker() && queue.isEmpty() && takeSlot()) {
      call(send); // already on a delivery worker, and a slot is free: no hand-over
      return send.result;
    }
    queue.add(send);
    pump();
    return send.result;
  }

  /** Sends queued and waiting for a slot. */
  int queued() {
    return queue.size();
  }

  /** Sends in flight. */
  int inFlight() {
    return inFlight.get();
  }

  private boolean takeSlot() {
    for (int n = inFlight.get(); n < maxInFlight; n = inFlight.get()) {
      if (inFlight.compareAndSet(n, n + 1)) {
        return true;
      }
    }
    return false;
  }

  /** Starts queued sends while slots are free. Every change of queue or slots is followed by one. */
  private void pump() {
    while (!queue.isEmpty()) {
      int n = inFlight.get();
      if (n >= maxInFlight) {
        return; // the send that frees a slot pumps again
      }
      if (!inFlight.compareAndSet(n, n + 1)) {
        continue;
      }
      Send send = queue.poll();
      if (send == null) {
        inFlight.decrementAndGet();
        continue;
      }
      try {
        workers.execute(() -> call(send));
      } catch (RejectedExecutionException e) { // shutting down
        done(send, SendResult.retry("engine is shutting down", null));
      }
    }
  }

  private void call(Send send) {
    CompletableFuture<SendResult> f;
    try {
      f = send.transport.send(send.device, send.notification);
      if (f == null) {
        f = CompletableFuture.completedFuture(null);
      }
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    f.whenComplete((result, error) -> {
      if (error != null || result == null) {
        String why = error == null ? "transport returned no result" : String.valueOf(error);
        done(send, SendResult.retry(why, null));
      } else {
        done(send, result);
      }
    });
  }

  private void done(Send send, SendResult result) {
    inFlight.decrementAndGet();
    pump();
    send.result.complete(result);
  }
}
