package dev.nudge.benchmarks;

import dev.nudge.Campaign;
import dev.nudge.Event;
import dev.nudge.Message;
import dev.nudge.TrackResult;
import dev.nudge.core.Nudge;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** The workload every benchmark shares: the README's cart campaign and how events are tracked. */
final class Workload {
  /** The campaign's id. */
  static final String CAMPAIGN = "cart-abandonment";
  /** Events a benchmark thread tracks without waiting. */
  static final int BATCH = 1_000;

  private Workload() {}

  /** The README's campaign, with one step: the benchmarks never get to a second one. */
  static Campaign campaign() {
    return Campaign.named(CAMPAIGN)
        .triggeredBy("cart_add").correlatedBy("cart_id").cancelledBy("purchase")
        .after(Duration.ofHours(2))
        .send(Message.of("Still thinking, {{user.first_name | default: \"there\"}}?",
            "{{event.item_name}} is waiting in your cart").build())
        .goal("purchase", Duration.ofDays(1))
        .build();
  }

  /**
   * Tracks events without waiting, up to {@link #BATCH} at a time, then waits for the batch. A
   * batch is also cut before an event whose user still has one in flight, so a purchase is
   * tracked only after its cart_add was stored, as it would be in a shop.
   *
   * @return reminders scheduled and cancelled, as the engine reported them
   */
  static long[] trackInBatches(Nudge nudge, List<Event> events) {
    long scheduled = 0;
    long cancelled = 0;
    List<CompletableFuture<TrackResult>> inFlight = new ArrayList<>(BATCH);
    Set<String> usersInFlight = new HashSet<>();
    for (Event e : events) {
      if (inFlight.size() >= BATCH || usersInFlight.contains(e.userId())) {
        for (CompletableFuture<TrackResult> f : inFlight) {
          TrackResult r = f.join();
          scheduled += r.scheduled();
          cancelled += r.cancelled();
        }
        inFlight.clear();
        usersInFlight.clear();
      }
      inFlight.add(nudge.track(e));
      usersInFlight.add(e.userId());
    }
    for (CompletableFuture<TrackResult> f : inFlight) {
      TrackResult r = f.join();
      scheduled += r.scheduled();
      cancelled += r.cancelled();
    }
    return new long[] {scheduled, cancelled};
  }

  /** Prints the JVM the figures come from: its name, version, processors and heap. */
  static void printJvm() {
    System.out.printf("JVM: %s %s, %d processors, max heap %,d MB%n", System.getProperty("java.vm.name"),
        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20);
  }
}
