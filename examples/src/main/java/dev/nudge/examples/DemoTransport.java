package dev.nudge.examples;

import dev.nudge.Device;
import dev.nudge.Platform;
import dev.nudge.spi.RenderedNotification;
import dev.nudge.spi.SendResult;
import dev.nudge.spi.Transport;
import dev.nudge.transport.webpush.WebPushSubscription;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-process stand-in for APNs, FCM or a browser's Web Push service, so the demo runs without
 * credentials or network.
 *
 * <p>It answers the way the real services do, and deterministically: tokens in the dead set are
 * rejected as unregistered (the app was uninstalled) or gone (the browser unsubscribed), and about
 * one delivery in twenty is throttled on its first attempt with a retry-after hint, then accepted
 * when the engine retries. Which deliveries are throttled depends only on the token (for a browser,
 * its subscription's endpoint: its keys are random), campaign and step, so every run of the demo
 * prints the same figures.
 *
 * <p>Thread-safe.
 */
final class DemoTransport implements Transport {
  /** Roughly one first attempt in this many is throttled. */
  private static final int THROTTLE_ONE_IN = 20;

  private final Platform platform;
  private final Clock clock;
  private final Set<String> deadTokens;
  private final Duration retryAfter;
  private final Map<String, Integer> attempts = new ConcurrentHashMap<>();
  private final AtomicLong sends = new AtomicLong();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong throttled = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();

  /**
   * A transport for {@code platform}.
   *
   * @param clock the engine's clock, used for the time a dead token became invalid
   * @param deadTokens tokens the platform reports as no longer registered
   * @param retryAfter the hint sent with a throttled answer
   */
  DemoTransport(Platform platform, Clock clock, Set<String> deadTokens, Duration retryAfter) {
    this.platform = Objects.requireNonNull(platform, "platform");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.deadTokens = Set.copyOf(deadTokens);
    this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
  }

  @Override
  public Platform platform() {
    return platform;
  }

  @Override
  public CompletableFuture<SendResult> send(Device device, RenderedNotification n) {
    sends.incrementAndGet();
    String delivery = identity(device) + '|' + n.campaignId() + '|' + n.step();
    int attempt = attempts.merge(delivery, 1, Integer::sum);
    SendResult result;
    if (deadTokens.contains(device.token())) {
      rejected.incrementAndGet();
      result = switch (platform) {
        // APNs answers 410 Unregistered with the time the token stopped being valid.
        case IOS -> new SendResult.Rejected("Unregistered", true, clock.instant().minus(Duration.ofDays(3)));
        case ANDROID -> SendResult.rejected("UNREGISTERED", true);
        case WEB -> SendResult.rejected("Gone (410): the browser unsubscribed", true);
      };
    } else if (attempt == 1 && Math.floorMod(delivery.hashCode(), THROTTLE_ONE_IN) == 0) {
      throttled.incrementAndGet();
      result = SendResult.retry(switch (platform) {
        case IOS -> "TooManyRequests";
        case ANDROID -> "QUOTA_EXCEEDED";
        case WEB -> "Too Many Requests (429)";
      }, retryAfter);
    } else {
      accepted.incrementAndGet();
      result = SendResult.accepted(platform.name().toLowerCase() + "-" + sends.get());
    }
    return CompletableFuture.completedFuture(result);
  }

  /**
   * What decides a device's answers: its token, or for a browser its subscription's endpoint (the
   * token also holds the subscription's keys, generated at random).
   */
  private String identity(Device device) {
    return platform == Platform.WEB ? WebPushSubscription.parse(device.token()).endpoint() : device.token();
  }

  /** One line saying what this transport answered. */
  String summary() {
    return String.format("%-7s %4d attempts: %4d accepted, %2d throttled (retried later), %2d rejected (%s)",
        platform, sends.get(), accepted.get(), throttled.get(), rejected.get(),
        platform == Platform.WEB ? "subscription gone" : "token unregistered");
  }
}
