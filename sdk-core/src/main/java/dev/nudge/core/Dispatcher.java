package dev.nudge.core;

import dev.nudge.Device;
import dev.nudge.Platform;
import dev.nudge.spi.ClockScheduler;
import dev.nudge.spi.Counter;
import dev.nudge.spi.DeliveryReport;
import dev.nudge.spi.DeviceStore;
import dev.nudge.spi.DeviceToken;
import dev.nudge.spi.Reminder;
import dev.nudge.spi.RenderedNotification;
import dev.nudge.spi.SendResult;
import dev.nudge.spi.Transport;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Delivery: hands rendered notifications to the platforms' transports on the delivery workers,
 * with at most {@code maxInFlight} sends in flight, and turns their answers into one attempt's
 * result: devices that accepted, devices to try again and when (exponential backoff with jitter,
 * never sooner than the platform's retry-after), dead tokens retired.
 *
 * <p>A send over the limit waits in a queue for a slot; no thread ever blocks on one: a slot is
 * freed when a transport answers (or does not within {@code sendTimeout}, which counts as a
 * retry), and whoever frees it starts the next queued send on a worker. A transport that blocks
 * in {@code send} occupies a worker while it does, so more workers send more. No store thread
 * and no scheduler thread calls a transport. Thread-safe.
 */
final class Dispatcher {
  private static final System.Logger LOG = System.getLogger("dev.nudge");

  private final Map<Platform, Transport> transports;
  private final Executor workers;
  private final int maxInFlight;
  private final Duration sendTimeout;
  private final Backoff backoff;
  private final Clock clock;
  private final ClockScheduler timer;
  private final DeviceStore devices;
  private final Listeners listeners;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger pumpRequests = new AtomicInteger();
  private final Queue<Send> queue = new ConcurrentLinkedQueue<>();
  private final Set<Platform> thrown = ConcurrentHashMap.newKeySet();

  Dispatcher(Map<Platform, Transport> transports, Executor workers, int maxInFlight, Duration sendTimeout,
      Backoff backoff, Clock clock, ClockScheduler timer, DeviceStore devices, Listeners listeners) {
    this.transports = transports.isEmpty() ? Map.of() : new EnumMap<>(transports);
    this.workers = workers;
    this.maxInFlight = maxInFlight;
    this.sendTimeout = sendTimeout;
    this.backoff = backoff;
    this.clock = clock;
    this.timer = timer;
    this.devices = devices;
    this.listeners = listeners;
  }

  /** One device and the notification it gets. */
  record Target(Device device, RenderedNotification notification) {}

  /**
   * What one delivery attempt did.
   *
   * @param accepted devices that accepted
   * @param retry the devices to try again, as {@code PLATFORM:token}
   * @param retryAfter the longest retry-after a platform asked for, or {@code null}
   * @param counts the delivery counters to add (accepted, rejected, invalid tokens)
   * @param told completes once the listeners heard of every answer
   */
  record Attempt(int accepted, List<DeviceToken> retry, Duration retryAfter, Map<String, Long> counts,
      CompletableFuture<Void> told) {
    /**
     * When to try again after attempt number {@code attempt}: the backoff, capped at the
     * deadline (the last try is at the deadline itself); {@code null} when nothing is to be
     * retried or the deadline has come.
     */
    Instant nextTry(Backoff backoff, int attempt, Instant now, Instant deadline) {
      if (retry.isEmpty() || !now.isBefore(deadline)) {
        return null;
      }
      Instant next = now.plus(backoff.delay(attempt, retryAfter));
      return next.isAfter(deadline) ? deadline : next;
    }
  }

  /** The backoff of retried attempts. */
  Backoff backoff() {
    return backoff;
  }

  /**
   * Sends {@code r}'s notifications to their devices and completes, on a delivery worker, with
   * what the attempt did: answers reported, dead tokens deactivated, counters to store.
   */
  CompletableFuture<Attempt> deliver(Reminder r, List<Target> targets, Executor settleOn) {
    @SuppressWarnings("unchecked")
    CompletableFuture<Answer>[] results = new CompletableFuture[targets.size()];
    for (int i = 0; i < results.length; i++) {
      results[i] = send(targets.get(i).device(), targets.get(i).notification());
    }
    return CompletableFuture.allOf(results).thenApplyAsync(ignored -> {
      Instant now = clock.instant();
      Map<String, Long> counts = new HashMap<>();
      int accepted = 0;
      List<DeviceToken> retry = new ArrayList<>();
      Duration retryAfter = null;
      CompletableFuture<Void> told = CompletableFuture.completedFuture(null);
      for (int i = 0; i < results.length; i++) {
        Device device = targets.get(i).device();
        Answer answer = results[i].join();
        SendResult result = answer.result();
        told = listeners.onDelivery(new DeliveryReport(now, r.id(), r.campaignId(), r.step(), device, result,
            answer.latency()));
        if (result instanceof SendResult.Accepted) {
          accepted++;
          counts.merge(Counter.accepted(device.platform()), 1L, Long::sum);
        } else if (result instanceof SendResult.Rejected rejected) {
          counts.merge(Counter.rejected(device.platform()), 1L, Long::sum);
          if (rejected.tokenDead()) {
            Optional<Device> gone = devices.deactivate(device.platform(), device.token());
            if (gone.isPresent()) {
              counts.merge(Counter.INVALID_TOKENS, 1L, Long::sum);
              told = listeners.onDeviceDeactivated(gone.get(), rejected.invalidSince()
                  .map(t -> rejected.reason() + " (the platform says the token is invalid since " + t + ")")
                  .orElse(rejected.reason()));
            }
          }
        } else if (result instanceof SendResult.Retry again) {
          retry.add(DeviceToken.of(device));
          Duration hint = again.retryAfter().orElse(null);
          if (hint != null && (retryAfter == null || hint.compareTo(retryAfter) > 0)) {
            retryAfter = hint;
          }
        }
      }
      return new Attempt(accepted, List.copyOf(retry), retryAfter, counts, told);
    }, settleOn);
  }

  /**
   * A platform's answer to one send and how long it took on the clock, from handing the
   * notification to the transport (zero when it never got there).
   */
  record Answer(SendResult result, Duration latency) {}

  /**
   * Sends one notification to one device; the future completes with the platform's answer. A
   * transport's exceptional future, a {@code null} result, a thrown exception or no answer within
   * the send timeout is a {@link SendResult.Retry}: the outcome is unknown.
   */
  CompletableFuture<Answer> send(Device device, RenderedNotification notification) {
    Transport transport = transports.get(device.platform());
    if (transport == null) {
      return CompletableFuture.completedFuture(new Answer(SendResult.rejected(
          "no transport configured for platform " + device.platform(), false), Duration.ZERO));
    }
    Send send = new Send(transport, device, notification);
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

  /**
   * Starts queued sends while slots are free. One thread pumps at a time and a request made
   * meanwhile makes it go round once more, so an executor that runs tasks at once never recurses.
   */
  private void pump() {
    if (pumpRequests.getAndIncrement() != 0) {
      return;
    }
    do {
      while (!queue.isEmpty() && takeSlot()) {
        Send send = queue.poll();
        if (send == null) {
          inFlight.decrementAndGet();
          break;
        }
        try {
          workers.execute(() -> call(send));
        } catch (RejectedExecutionException e) {
          send.finish(SendResult.retry("the delivery executor refused the send (" + e.getMessage() + ")", null));
        }
      }
    } while (pumpRequests.decrementAndGet() != 0);
  }

  private void call(Send send) {
    CompletableFuture<SendResult> f;
    Instant handedOver = clock.instant();
    send.handedOver = handedOver;
    try {
      f = send.transport.send(send.device, send.notification);
      if (f == null) {
        f = CompletableFuture.completedFuture(null);
      }
    } catch (RuntimeException | Error e) {
      if (thrown.add(send.transport.platform())) { // once per transport: it is a programming error
        LOG.log(System.Logger.Level.WARNING, "the " + send.transport.platform() + " transport threw from send();"
            + " the sends are retried (logged once)", e);
      }
      send.finish(SendResult.retry("the transport threw " + e, null)); // the slot is freed either way
      if (e instanceof VirtualMachineError vm) {
        throw vm;
      }
      return;
    }
    if (!f.isDone()) {
      send.armTimeout(handedOver);
      if (f.isDone()) {
        send.cancelTimeout(); // answered meanwhile
      }
    }
    f.whenComplete((result, error) -> {
      if (error != null || result == null) {
        send.finish(SendResult.retry(error == null ? "transport returned no result" : String.valueOf(error), null));
      } else {
        send.finish(result);
      }
    });
  }

  /** One send; it finishes once, with the transport's answer or its timeout, whichever is first. */
  private final class Send {
    final Transport transport;
    final Device device;
    final RenderedNotification notification;
    final CompletableFuture<Answer> result = new CompletableFuture<>();
    private final AtomicBoolean finished = new AtomicBoolean();
    private volatile ClockScheduler.Scheduled timeout;
    /** When the transport was given it; {@code null} while it waits for a slot or a worker. */
    volatile Instant handedOver;

    Send(Transport transport, Device device, RenderedNotification notification) {
      this.transport = transport;
      this.device = device;
      this.notification = notification;
    }

    /** Arms the timeout from the instant the send was handed to the transport (past instants fire at once). */
    void armTimeout(Instant handedOver) {
      try {
        timeout = timer.schedule(handedOver.plus(sendTimeout), () -> finish(SendResult.retry(
            "no answer from the " + transport.platform() + " transport within " + sendTimeout, null)));
      } catch (RejectedExecutionException e) {
        // closing: the transport's own answer finishes it
      }
    }

    void cancelTimeout() {
      ClockScheduler.Scheduled t = timeout;
      if (t != null) {
        t.cancel();
      }
    }

    void finish(SendResult answer) {
      if (!finished.compareAndSet(false, true)) {
        return; // answered after its timeout (or timed out after its answer): the first one counts
      }
      Duration took = latency();
      cancelTimeout();
      inFlight.decrementAndGet();
      pump();
      result.complete(new Answer(answer, took));
    }

    /** From handing it to the transport until now; zero when it never got there (or the clock went back). */
    private Duration latency() {
      Instant start = handedOver;
      if (start == null) {
        return Duration.ZERO;
      }
      Duration d = Duration.between(start, clock.instant());
      return d.isNegative() ? Duration.ZERO : d;
    }
  }
}
