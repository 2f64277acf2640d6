package dev.nudge.store.jdbc;

import dev.nudge.Campaign;
import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.Message;
import dev.nudge.Platform;
import dev.nudge.TrackResult;
import dev.nudge.core.Nudge;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntFunction;

/**
 * Bulk set-up through the public API: {@code user-N} with one iOS device {@code token-N} each,
 * and their events, from several threads (each device registration is a transaction of its own;
 * events group-commit).
 */
final class Shoppers {
  private Shoppers() {}

  /**
   * A cart reminder one minute after {@code cart_add}, with a purchase goal: the goal keeps the
   * send history for a day, so the sends table shows every send.
   */
  static Campaign campaign(String name) {
    return Campaign.named(name)
        .triggeredBy("cart_add")
        .after(Duration.ofMinutes(1)).send(Message.of("Still there?", "{{event.item_name}} is in your cart").build())
        .goal("purchase", Duration.ofDays(1))
        .build();
  }

  static String user(int n) {
    return "user-" + n;
  }

  /** Registers one device for each of users {@code 0 .. users-1}. */
  static void registerDevices(Nudge nudge, int users) {
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<CompletableFuture<Void>> done = new ArrayList<>(users);
      for (int u = 0; u < users; u++) {
        Device device = Device.of(user(u), Platform.IOS, "token-" + u).build();
        done.add(CompletableFuture.runAsync(() -> nudge.registerDevice(device), pool));
      }
      CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).join();
    } finally {
      pool.shutdown();
    }
  }

  /** Tracks {@code count} events made by {@code event} from 4 threads; waits until all are stored. */
  static void track(Nudge nudge, int count, IntFunction<Event> event) {
    int threads = 4;
    List<CompletableFuture<List<CompletableFuture<TrackResult>>>> callers = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int t = 0; t < threads; t++) {
        int first = t;
        callers.add(CompletableFuture.supplyAsync(() -> {
          List<CompletableFuture<TrackResult>> tracked = new ArrayList<>();
          for (int i = first; i < count; i += threads) {
            tracked.add(nudge.track(event.apply(i)));
          }
          return tracked;
        }, pool));
      }
      for (CompletableFuture<List<CompletableFuture<TrackResult>>> caller : callers) {
        caller.join().forEach(CompletableFuture::join);
      }
    } finally {
      pool.shutdown();
    }
  }
}
