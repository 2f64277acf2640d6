package dev.nudge.store.jdbc;

import dev.nudge.Device;
import dev.nudge.Platform;
import dev.nudge.spi.RenderedNotification;
import dev.nudge.spi.SendResult;
import dev.nudge.spi.Transport;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * An accepting iOS transport that takes {@code pause} per send on a few threads of its own, like
 * a platform at a bounded rate, and hands each notification to a sink before it answers. With a
 * zero pause it answers on the caller's thread. Thread-safe if the sink is.
 */
final class PacedTransport implements Transport {
  private final long pauseNanos;
  private final ExecutorService senders;
  private final BiConsumer<Device, RenderedNotification> sink;

  PacedTransport(Duration pause, int threads, BiConsumer<Device, RenderedNotification> sink) {
    this.pauseNanos = pause.toNanos();
    this.sink = sink;
    AtomicInteger n = new AtomicInteger();
    this.senders = pauseNanos == 0 ? null : Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "paced-transport-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public Platform platform() {
    return Platform.IOS;
  }

  @Override
  public CompletableFuture<SendResult> send(Device device, RenderedNotification notification) {
    if (senders == null) {
      sink.accept(device, notification);
      return CompletableFuture.completedFuture(SendResult.accepted(null));
    }
    return CompletableFuture.supplyAsync(() -> {
      pause();
      sink.accept(device, notification);
      return SendResult.accepted(null);
    }, senders);
  }

  private void pause() {
    long until = System.nanoTime() + pauseNanos;
    for (long left = pauseNanos; left > 0; left = until - System.nanoTime()) {
      try {
        TimeUnit.NANOSECONDS.sleep(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Override
  public void close() {
    if (senders != null) {
      senders.shutdown();
      try {
        senders.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
