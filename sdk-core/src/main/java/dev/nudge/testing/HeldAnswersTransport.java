package dev.nudge.testing;

import dev.nudge.Device;
import dev.nudge.Platform;
import dev.nudge.spi.RenderedNotification;
import dev.nudge.spi.SendResult;
import dev.nudge.spi.Transport;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A transport that answers when the test says: each send waits, unanswered, until the test takes
 * it with {@link #next} and completes it. For testing what happens while a platform is slow to
 * answer (latency on a test clock, reminders being sent, timeouts). Thread-safe.
 */
public final class HeldAnswersTransport implements Transport {
  private final Platform platform;
  private final BlockingQueue<CompletableFuture<SendResult>> waiting = new LinkedBlockingQueue<>();

  /** A transport for {@code platform} whose sends wait for the test's answer. */
  public HeldAnswersTransport(Platform platform) {
    this.platform = Objects.requireNonNull(platform, "platform");
  }

  @Override
  public Platform platform() {
    return platform;
  }

  @Override
  public CompletableFuture<SendResult> send(Device device, RenderedNotification notification) {
    CompletableFuture<SendResult> answer = new CompletableFuture<>();
    waiting.add(answer);
    return answer;
  }

  /**
   * The oldest send not yet taken, to complete with its answer; waits up to {@code seconds} of
   * real time for the engine's worker to make it, and {@code null} when none came.
   */
  public CompletableFuture<SendResult> next(long seconds) throws InterruptedException {
    return waiting.poll(seconds, TimeUnit.SECONDS);
  }
}
