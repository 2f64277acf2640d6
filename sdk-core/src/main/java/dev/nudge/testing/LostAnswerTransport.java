package dev.nudge.testing;

import dev.nudge.Device;
import dev.nudge.Platform;
import dev.nudge.spi.RenderedNotification;
import dev.nudge.spi.SendResult;
import dev.nudge.spi.Transport;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Wraps a real transport and loses the answer to its first {@code n} sends after the platform
 * took them, as a crash or a dropped connection between the send and storing its outcome would:
 * the engine cannot know the notification went out, and sends it again. For testing that a
 * resend carries the same collapse identity. Thread-safe.
 */
public final class LostAnswerTransport implements Transport {
  private final Transport real;
  private final int lost;
  private final AtomicInteger calls = new AtomicInteger();

  private LostAnswerTransport(Transport real, int lost) {
    this.real = real;
    this.lost = lost;
  }

  /** Loses the answer to the first send of {@code real}. */
  public static LostAnswerTransport losingFirstAnswer(Transport real) {
    return new LostAnswerTransport(real, 1);
  }

  @Override
  public Platform platform() {
    return real.platform();
  }

  @Override
  public CompletableFuture<SendResult> send(Device device, RenderedNotification notification) {
    CompletableFuture<SendResult> sent = real.send(device, notification);
    if (calls.incrementAndGet() > lost) {
      return sent;
    }
    return sent.thenCompose(answer -> CompletableFuture.failedFuture(
        new IOException("the answer was lost (" + answer + ")")));
  }

  /** The real transport's check of a token. */
  @Override
  public String registrationToken(String token) {
    return real.registrationToken(token);
  }

  /** Closes the real transport. */
  @Override
  public void close() {
    real.close();
  }
}
