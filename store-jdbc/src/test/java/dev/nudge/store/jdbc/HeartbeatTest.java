package dev.nudge.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.Platform;
import dev.nudge.core.Nudge;
import dev.nudge.spi.NudgeStore;
import dev.nudge.spi.RenderedNotification;
import dev.nudge.spi.Reminder;
import dev.nudge.spi.SendResult;
import dev.nudge.spi.Transport;
import dev.nudge.testing.TestClock;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A started engine renews the lease of a reminder whose send outlasts it, so no other instance
 * takes the reminder over while the send is in flight; once the send completes it is settled
 * once. The engine's clock is moved far past the first lease; the heartbeat renews from it.
 */
class HeartbeatTest {
  private static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");
  private static final Duration LEASE = Duration.ofSeconds(3); // a heartbeat every second of the clock

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aSlowSendKeepsItsClaim() {
    TestClock clock = new TestClock(T0);
    CompletableFuture<SendResult> answer = new CompletableFuture<>();
    AtomicInteger sends = new AtomicInteger();
    List<Instant> renewedUntil = new CopyOnWriteArrayList<>();
    try (JdbcStore jdbc = JdbcStore.h2InMemory("heartbeat")) {
      NudgeStore store = recordingRenewals(jdbc, renewedUntil);
      try (Nudge nudge = Nudge.builder().clock(clock).store(store).instanceId("A").lease(LEASE)
          .pollInterval(Duration.ofSeconds(1)).sendTimeout(Duration.ofHours(2)).transport(new Transport() {
            @Override
            public Platform platform() {
              return Platform.IOS;
            }

            @Override
            public CompletableFuture<SendResult> send(Device device, RenderedNotification n) {
              sends.incrementAndGet();
              Await.changed();
              return answer; // answered when the test says so
            }
          }).listener(new dev.nudge.spi.NudgeListener() {
            @Override
            public void onOutcome(dev.nudge.OutcomeReport report) {
              Await.changed(); // settled
            }
          }).build()) {
        nudge.define(Shoppers.campaign("slow"));
        nudge.registerDevice(Device.of("u1", Platform.IOS, "token-1").build());
        nudge.trackAndWait(Event.named("cart_add").user("u1").at(T0).property("item_name", "Lamp").build());
        clock.set(T0.plus(Duration.ofMinutes(2)));
        nudge.start();
        Await.until("the send is in flight", Duration.ofSeconds(10), () -> sends.get() == 1, () -> sends + " sends");

        // Far past the first lease on the engine's clock: only the heartbeat keeps the claim.
        // Heartbeats are scheduled on the engine's clock: moving it an hour runs an hour of them.
        Instant later = clock.instant().plus(Duration.ofHours(1));
        clock.set(later);
        Await.until("a heartbeat renewed the lease past " + later, Duration.ofSeconds(30),
            () -> renewedUntil.stream().anyMatch(until -> until.isAfter(later)), renewedUntil::toString);
        List<Reminder> takenOver = jdbc.claimDue(later, Set.of("slow"), 10, LEASE, "B");
        assertThat(takenOver).as("another instance claims nothing while the send is in flight").isEmpty();

        answer.complete(SendResult.accepted(null));
        Await.until("the reminder is settled", Duration.ofSeconds(10), () -> nudge.pendingReminders() == 0,
            () -> nudge.pendingReminders() + " pending");
        assertThat(nudge.stats("slow").step(0).sent()).isEqualTo(1);
        assertThat(sends.get()).isEqualTo(1);
      }
    }
  }

  /** {@code store}, noting the {@code until} of each renewal that extended a claim. */
  private static NudgeStore recordingRenewals(NudgeStore store, List<Instant> renewedUntil) {
    return (NudgeStore) Proxy.newProxyInstance(NudgeStore.class.getClassLoader(), new Class<?>[] {NudgeStore.class},
        (proxy, method, args) -> {
          Object result;
          try {
            result = method.invoke(store, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
          if (method.getName().equals("renewLeases") && (Integer) result > 0) {
            renewedUntil.add((Instant) args[2]);
            Await.changed();
          }
          return result;
        });
  }
}
