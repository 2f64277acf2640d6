package dev.nudge.core;

import dev.nudge.store.memory.InMemoryStore;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nudge.Campaign;
import dev.nudge.DeliveryPolicy;
import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.Message;
import dev.nudge.Outcome;
import dev.nudge.OutcomeReport;
import dev.nudge.Platform;
import dev.nudge.spi.NudgeListener;
import dev.nudge.spi.RenderedNotification;
import dev.nudge.spi.SendResult;
import dev.nudge.spi.TemplateRenderer;
import dev.nudge.spi.Transport;
import dev.nudge.testing.RecordingTransport;
import dev.nudge.testing.TestClock;
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
 * What the engine does when things around a due reminder go wrong: a campaign removed while its
 * send is in flight, claims left by an instance that died, a template renderer that throws, a
 * listener that calls back into the engine, a transport that never answers, a last try made too
 * late. Each ends in a counted outcome and leaves the engine running.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ResolveFailuresTest {
  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  private static final Object CHANGES = new Object();
  private static long version;

  private final TestClock clock = new TestClock(T0);
  private final List<OutcomeReport> reports = new CopyOnWriteArrayList<>();

  @Test
  void aCampaignRemovedWhileItsSendIsInFlightSchedulesNoFurtherStep() throws Exception {
    CompletableFuture<SendResult> answer = new CompletableFuture<>();
    AtomicInteger sends = new AtomicInteger();
    try (Nudge nudge = engine(transport(n -> {
      sends.incrementAndGet();
      return answer;
    })).build()) {
      nudge.define(twoSteps());
      nudge.registerDevice(Device.of("u1", Platform.IOS, "t1").build());
      nudge.trackAndWait(Event.named("cart_add").user("u1").build());
      clock.advance(Duration.ofMinutes(2));
      CompletableFuture<Integer> run = nudge.runDue();
      awaitTrue(() -> sends.get() == 1);

      assertThat(nudge.remove("cart")).as("in flight: claimed, not pending").isZero();
      answer.complete(SendResult.accepted(null));
      assertThat(run.get(10, TimeUnit.SECONDS)).isEqualTo(1);
      assertThat(reports).extracting(OutcomeReport::outcome).containsExactly(Outcome.SENT);
      assertThat(nudge.pendingReminders()).as("no step 1 of a removed campaign").isZero();
      assertThat(nudge.heldReminders()).isZero();
    }
  }

  @Test
  void removeCancelsTheClaimsOfAnInstanceThatDied() {
    InMemoryStore store = new InMemoryStore(clock, Duration.ofDays(7));
    try (Nudge nudge = engine(RecordingTransport.ios()).store(store).build()) {
      nudge.define(twoSteps());
      nudge.registerDevice(Device.of("u1", Platform.IOS, "t1").build());
      nudge.trackAndWait(Event.named("cart_add").user("u1").build());
      clock.advance(Duration.ofMinutes(2));
      // Another instance claimed it and died: its lease runs out.
      assertThat(store.claimDue(clock.instant(), Set.of("cart"), 10, Duration.ofMinutes(5), "dead")).hasSize(1);
      clock.advance(Duration.ofMinutes(6));

      assertThat(nudge.remove("cart")).isEqualTo(1);
      assertThat(reports).extracting(OutcomeReport::outcome).containsExactly(Outcome.CANCELLED);
      assertThat(nudge.pendingReminders()).isZero();
    }
  }

  @Test
  void aTemplateRendererThatThrowsEndsTheReminderFailed() {
    TemplateRenderer throwing = source -> context -> {
      throw new IllegalStateException("the host's renderer is broken");
    };
    RecordingTransport ios = RecordingTransport.ios();
    try (Nudge nudge = engine(ios).templateRenderer(throwing).build()) {
      nudge.define(twoSteps());
      for (int u = 0; u < 3; u++) {
        nudge.registerDevice(Device.of("u" + u, Platform.IOS, "t" + u).build());
        nudge.trackAndWait(Event.named("cart_add").user("u" + u).build());
      }
      clock.advance(Duration.ofMinutes(2));
      assertThat(nudge.runDue().join()).isEqualTo(3);

      assertThat(reports).hasSize(3).allMatch(r -> r.outcome() == Outcome.FAILED);
      assertThat(nudge.stats("cart").step(0).failed()).isEqualTo(3);
      assertThat(ios.deliveries()).isEmpty();
      assertThat(nudge.pendingReminders()).as("ended, not retried forever").isZero();
    }
  }

  @Test
  void aListenerThatTracksEventsDoesNotStallTheEngine() throws Exception {
    List<String> nested = new CopyOnWriteArrayList<>();
    Nudge[] engine = new Nudge[1];
    NudgeListener reentrant = new NudgeListener() {
      @Override
      public void onOutcome(OutcomeReport report) {
        if (report.outcome() == Outcome.SENT && report.campaignId().equals("cart")) {
          // A host that reacts to a send with an event that stops another campaign, and waits.
          var result = engine[0].trackAndWait(Event.named("visit").user(report.userId()).build());
          nested.add(report.userId() + " cancelled " + result.cancelled());
        }
      }
    };
    try (Nudge nudge = engine(RecordingTransport.ios()).listener(reentrant).build()) {
      engine[0] = nudge;
      nudge.define(twoSteps());
      nudge.define(Campaign.named("promo").triggeredBy("cart_add").cancelledBy("visit")
          .after(Duration.ofHours(5)).send(Message.of("New", "in").build()).build());
      nudge.registerDevice(Device.of("u1", Platform.IOS, "t1").build());
      nudge.trackAndWait(Event.named("cart_add").user("u1").build());
      clock.advance(Duration.ofMinutes(2));

      assertThat(nudge.runDue().get(10, TimeUnit.SECONDS)).isEqualTo(1);
      assertThat(nested).containsExactly("u1 cancelled 1");
      // The nested track's own report is told after the listener call that made it returns.
      awaitTrue(() -> reports.stream().anyMatch(r -> r.campaignId().equals("promo")));
      assertThat(reports).extracting(OutcomeReport::campaignId, OutcomeReport::outcome).contains(
          org.assertj.core.groups.Tuple.tuple("promo", Outcome.CANCELLED));
    }
  }

  @Test
  void aTransportThatNeverAnswersTimesOutAndTheReminderIsTriedAgain() throws Exception {
    AtomicInteger sends = new AtomicInteger();
    try (Nudge nudge = engine(transport(n -> sends.incrementAndGet() == 1
        ? new CompletableFuture<>() // never completes
        : CompletableFuture.completedFuture(SendResult.accepted(null))))
        .sendTimeout(Duration.ofSeconds(30)).build()) {
      nudge.define(twoSteps());
      nudge.registerDevice(Device.of("u1", Platform.IOS, "t1").build());
      nudge.trackAndWait(Event.named("cart_add").user("u1").build());
      clock.advance(Duration.ofMinutes(2));
      CompletableFuture<Integer> run = nudge.runDue();
      awaitTrue(() -> sends.get() == 1);
      assertThat(run).isNotDone();

      clock.advance(Duration.ofSeconds(30)); // the send times out: its slot is freed, a retry stored
      assertThat(run.get(10, TimeUnit.SECONDS)).isEqualTo(1);
      assertThat(reports).isEmpty();
      clock.advance(Duration.ofMinutes(15));
      nudge.runDue().get(10, TimeUnit.SECONDS);
      assertThat(sends.get()).isEqualTo(2);
      assertThat(reports).extracting(OutcomeReport::outcome).containsExactly(Outcome.SENT);
    }
  }

  @Test
  void aLastTryResolvedTooLateExpiresAtTheDeadlineWithoutSending() {
    AtomicInteger sends = new AtomicInteger();
    try (Nudge nudge = engine(new RecordingTransport(Platform.IOS).answer(d -> {
      sends.incrementAndGet();
      return SendResult.retry("busy", null);
    })).retryBackoff(Duration.ofMinutes(1), Duration.ofMinutes(1)).build()) {
      nudge.define(Campaign.named("cart").triggeredBy("cart_add")
          .after(Duration.ofMinutes(1)).send(Message.of("T", "b").build())
          .policy(DeliveryPolicy.builder().expireAfter(Duration.ofMinutes(30)).build()).build());
      nudge.registerDevice(Device.of("u1", Platform.IOS, "t1").build());
      nudge.trackAndWait(Event.named("cart_add").user("u1").build());
      Instant expiry = T0.plus(Duration.ofMinutes(31));
      clock.set(T0.plus(Duration.ofMinutes(2)));
      nudge.runDue().join();
      assertThat(sends.get()).isEqualTo(1);
      // The engine was stopped meanwhile: the next try comes an hour after the expiry.
      clock.set(expiry.plus(Duration.ofHours(1)));
      nudge.runDue().join();

      assertThat(sends.get()).as("no send after the expiry").isEqualTo(1);
      assertThat(reports).singleElement().satisfies(r -> {
        assertThat(r.outcome()).isEqualTo(Outcome.EXPIRED);
        assertThat(r.at()).isEqualTo(expiry);
      });
    }
  }

  @Test
  void leasesAreRenewedWhileEveryDeliveryWorkerIsBlockedInATransport() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    AtomicInteger blocked = new AtomicInteger();
    List<Instant> renewedUntil = new CopyOnWriteArrayList<>();
    InMemoryStore memory = new InMemoryStore(clock, Duration.ofDays(7));
    dev.nudge.spi.NudgeStore store = (dev.nudge.spi.NudgeStore) java.lang.reflect.Proxy.newProxyInstance(
        getClass().getClassLoader(), new Class<?>[] {dev.nudge.spi.NudgeStore.class}, (proxy, method, args) -> {
          try {
            Object result = method.invoke(memory, args);
            if (method.getName().equals("renewLeases") && (Integer) result > 0) {
              renewedUntil.add((Instant) args[2]);
              changed();
            }
            return result;
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
        });
    Duration lease = Duration.ofSeconds(3);
    try (Nudge nudge = engine(transport(n -> {
      blocked.incrementAndGet();
      changed();
      try {
        release.await(); // a host's blocking client, stuck
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return CompletableFuture.completedFuture(SendResult.accepted(null));
    })).store(store).threads(2).lease(lease).pollInterval(Duration.ofSeconds(1))
        .sendTimeout(Duration.ofHours(1)).shutdownGrace(Duration.ofSeconds(5)).build()) {
      nudge.define(twoSteps());
      for (int u = 0; u < 2; u++) {
        nudge.registerDevice(Device.of("u" + u, Platform.IOS, "t" + u).build());
        nudge.trackAndWait(Event.named("cart_add").user("u" + u).build());
      }
      clock.advance(Duration.ofMinutes(2));
      nudge.start();
      awaitTrue(() -> blocked.get() == 2); // both workers are stuck in send()

      Instant later = clock.advance(Duration.ofMinutes(1));
      awaitTrue(() -> renewedUntil.stream().anyMatch(until -> until.isAfter(later)));
      assertThat(memory.claimDue(later, Set.of("cart"), 10, lease, "another-instance"))
          .as("nothing to take over while the sends are in flight").isEmpty();
      release.countDown();
      awaitTrue(() -> reports.size() == 2);
      assertThat(reports).allMatch(r -> r.outcome() == Outcome.SENT);
    }
  }

  @Test
  void aTransportThatThrowsAnErrorFreesItsSlotAndIsTriedAgain() throws Exception {
    AtomicInteger sends = new AtomicInteger();
    try (Nudge nudge = engine(transport(n -> {
      if (sends.incrementAndGet() == 1) {
        throw new AssertionError("a host's transport with a bug");
      }
      return CompletableFuture.completedFuture(SendResult.accepted(null));
    })).maxInFlight(1).build()) {
      nudge.define(twoSteps());
      nudge.registerDevice(Device.of("u1", Platform.IOS, "t1").build());
      nudge.trackAndWait(Event.named("cart_add").user("u1").build());
      clock.advance(Duration.ofMinutes(2));
      assertThat(nudge.runDue().get(10, TimeUnit.SECONDS)).isEqualTo(1);
      clock.advance(Duration.ofMinutes(15));
      nudge.runDue().get(10, TimeUnit.SECONDS);
      assertThat(sends.get()).isEqualTo(2);
      assertThat(reports).extracting(OutcomeReport::outcome).containsExactly(Outcome.SENT);
    }
  }

  // ---- helpers

  private Nudge.Builder engine(Transport transport) {
    return Nudge.builder().clock(clock).transport(transport).listener(new NudgeListener() {
      @Override
      public void onOutcome(OutcomeReport report) {
        reports.add(report);
        changed();
      }
    });
  }

  private static Campaign twoSteps() {
    return Campaign.named("cart").triggeredBy("cart_add")
        .after(Duration.ofMinutes(1)).send(Message.of("Hi", "your cart").build())
        .after(Duration.ofHours(1)).send(Message.of("Again", "your cart").build())
        .build();
  }

  private interface Answer {
    CompletableFuture<SendResult> answer(RenderedNotification n);
  }

  private static Transport transport(Answer answer) {
    return new Transport() {
      @Override
      public Platform platform() {
        return Platform.IOS;
      }

      @Override
      public CompletableFuture<SendResult> send(Device device, RenderedNotification notification) {
        try {
          return answer.answer(notification);
        } finally {
          changed();
        }
      }
    };
  }

  /** Something a waiting test reads may have changed (a send, a report, a renewal). */
  private static void changed() {
    synchronized (CHANGES) {
      version++;
      CHANGES.notifyAll();
    }
  }

  /**
   * Waits for what the engine's own threads bring about: the condition is checked again each
   * time {@link #changed()} is called, never on a timer (the deadline only bounds a broken run).
   */
  private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      long seen;
      synchronized (CHANGES) {
        seen = version;
      }
      if (condition.getAsBoolean()) {
        return;
      }
      synchronized (CHANGES) {
        while (version == seen) {
          long left = deadline - System.nanoTime();
          assertThat(left).as("timed out waiting").isPositive();
          CHANGES.wait(Math.max(1, left / 1_000_000));
        }
      }
    }
  }

}
