package dev.nudge.store.jdbc;

import dev.nudge.Device;
import dev.nudge.Platform;
import dev.nudge.spi.RenderedNotification;
import dev.nudge.spi.SendResult;
import dev.nudge.spi.Transport;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * An iOS transport the test opens and closes like a gate instead of pacing it in real time: an
 * accepted send goes to the sink and answers at once; while the gate is closed sends are held
 * (their futures open) until the test releases them. Every change calls {@link Await#changed()}.
 * Thread-safe if the sink is.
 */
final class GatedTransport implements Transport {
  private final BiConsumer<Device, RenderedNotification> sink;
  private final Deque<Held> held = new ArrayDeque<>();
  private int acceptAtOnce; // Integer.MAX_VALUE: open
  private Runnable onFirstHold = () -> { };

  private record Held(Device device, RenderedNotification notification, CompletableFuture<SendResult> answer) {}

  private GatedTransport(int acceptAtOnce, BiConsumer<Device, RenderedNotification> sink) {
    this.acceptAtOnce = acceptAtOnce;
    this.sink = sink;
  }

  /** Accepts every send at once. */
  static GatedTransport open(BiConsumer<Device, RenderedNotification> sink) {
    return new GatedTransport(Integer.MAX_VALUE, sink);
  }

  /** Holds every send until {@link #release} or {@link #open()}. */
  static GatedTransport closed(BiConsumer<Device, RenderedNotification> sink) {
    return new GatedTransport(0, sink);
  }

  /** Accepts the first {@code n} sends, then holds the rest; {@code onFirstHold} runs at the first. */
  static GatedTransport acceptingFirst(int n, Runnable onFirstHold, BiConsumer<Device, RenderedNotification> sink) {
    GatedTransport t = new GatedTransport(n, sink);
    t.onFirstHold = onFirstHold;
    return t;
  }

  @Override
  public Platform platform() {
    return Platform.IOS;
  }

  @Override
  public CompletableFuture<SendResult> send(Device device, RenderedNotification notification) {
    try {
      synchronized (this) {
        if (acceptAtOnce > 0) {
          if (acceptAtOnce != Integer.MAX_VALUE) {
            acceptAtOnce--;
          }
          sink.accept(device, notification);
          return CompletableFuture.completedFuture(SendResult.accepted(null));
        }
        Held h = new Held(device, notification, new CompletableFuture<>());
        if (held.isEmpty() && onFirstHold != null) {
          onFirstHold.run();
          onFirstHold = null;
        }
        held.add(h);
        return h.answer;
      }
    } finally {
      Await.changed();
    }
  }

  /** Sends held now. */
  synchronized int held() {
    return held.size();
  }

  /** Accepts the {@code n} oldest held sends (fewer when fewer are held). */
  void release(int n) {
    List<Held> out = new ArrayList<>(n);
    synchronized (this) {
      while (out.size() < n && !held.isEmpty()) {
        out.add(held.poll());
      }
    }
    answer(out);
  }

  /** Accepts every held send and, from now on, every send at once. */
  void open() {
    List<Held> out;
    synchronized (this) {
      acceptAtOnce = Integer.MAX_VALUE;
      out = new ArrayList<>(held);
      held.clear();
    }
    answer(out);
  }

  private void answer(List<Held> sends) {
    for (Held h : sends) { // outside the lock: the engine settles on the completing thread
      sink.accept(h.device, h.notification);
      h.answer.complete(SendResult.accepted(null));
    }
    Await.changed();
  }
}
