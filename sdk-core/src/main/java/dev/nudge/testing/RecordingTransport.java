package dev.nudge.testing;

import dev.nudge.Device;
import dev.nudge.Platform;
import dev.nudge.spi.RenderedNotification;
import dev.nudge.spi.SendResult;
import dev.nudge.spi.Transport;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A {@link Transport} that records every notification it is given and answers with scripted
 * results: accepted unless told otherwise. Thread-safe.
 */
public final class RecordingTransport implements Transport {
  /**
   * One recorded send.
   *
   * @param device the device
   * @param notification what was sent
   * @param result what this transport answered
   */
  public record Delivery(Device device, RenderedNotification notification, SendResult result) {}

  private final Platform platform;
  private final List<Delivery> deliveries = new ArrayList<>();
  private final Map<String, Deque<SendResult>> scripted = new HashMap<>();
  private Function<Device, SendResult> responder = d -> SendResult.accepted(null);

  /** A transport for {@code platform} that accepts everything. */
  public RecordingTransport(Platform platform) {
    this.platform = Objects.requireNonNull(platform, "platform");
  }

  /** An accepting iOS transport. */
  public static RecordingTransport ios() {
    return new RecordingTransport(Platform.IOS);
  }

  /** An accepting Android transport. */
  public static RecordingTransport android() {
    return new RecordingTransport(Platform.ANDROID);
  }

  /** Answers every send (not scripted per token) with {@code responder}'s result. */
  public synchronized RecordingTransport answer(Function<Device, SendResult> responder) {
    this.responder = Objects.requireNonNull(responder, "responder");
    return this;
  }

  /** Answers the next sends to {@code token} with {@code results}, in order, then as usual. */
  public synchronized RecordingTransport answerNext(String token, SendResult... results) {
    Deque<SendResult> q = scripted.computeIfAbsent(token, t -> new ArrayDeque<>());
    q.addAll(List.of(results));
    return this;
  }

  @Override
  public Platform platform() {
    return platform;
  }

  @Override
  public synchronized CompletableFuture<SendResult> send(Device device, RenderedNotification notification) {
    Deque<SendResult> q = scripted.get(device.token());
    SendResult result = q != null && !q.isEmpty() ? q.poll() : responder.apply(device);
    deliveries.add(new Delivery(device, notification, result));
    return CompletableFuture.completedFuture(result);
  }

  /** Every send so far, in order. */
  public synchronized List<Delivery> deliveries() {
    return List.copyOf(deliveries);
  }

  /** The sends to one token, in order. */
  public synchronized List<Delivery> deliveriesTo(String token) {
    return deliveries.stream().filter(d -> d.device().token().equals(token)).toList();
  }

  /** Forgets the recorded sends (scripted answers stay). */
  public synchronized void clear() {
    deliveries.clear();
  }
}
