package dev.nudge.benchmarks;

import dev.nudge.Campaign;
import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.Message;
import dev.nudge.Platform;
import dev.nudge.TrackResult;
import dev.nudge.core.Nudge;
import dev.nudge.spi.RenderedNotification;
import dev.nudge.spi.SendResult;
import dev.nudge.spi.Transport;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiFunction;
import javax.sql.DataSource;

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

  /**
   * Gives each of {@code users} users ({@code prefix + i}) its device, the first name Sam and a
   * cart_add, tracked without waiting, {@link #BATCH} at a time; returns once all are stored.
   */
  static void scheduleCarts(Nudge nudge, String prefix, int users, BiFunction<String, Integer, Device> device) {
    List<CompletableFuture<TrackResult>> inFlight = new ArrayList<>(BATCH);
    for (int i = 0; i < users; i++) {
      String user = prefix + i;
      nudge.registerDevice(device.apply(user, i));
      nudge.setUserAttributes(user, Map.of("first_name", "Sam"));
      inFlight.add(nudge.track(cartAdd(user, i, null)));
      if (inFlight.size() == BATCH) {
        inFlight.forEach(CompletableFuture::join);
        inFlight.clear();
      }
    }
    inFlight.forEach(CompletableFuture::join);
  }

  /** Prints the JVM the figures come from: its name, version, processors and heap. */
  static void printJvm() {
    System.out.printf("JVM: %s %s, %d processors, max heap %,d MB%n", System.getProperty("java.vm.name"),
        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20);
  }

  /** The four cart items, by event number. */
  static String item(int i) {
    return ITEMS[i & 3];
  }

  private static final String[] ITEMS = {
      "Trail running shoes", "Noise-cancelling headphones", "Espresso grinder", "Linen duvet cover"};

  /** Event {@code i}: {@code user} adds cart {@code c<i>} with one item, at {@code at} (null: now). */
  static Event cartAdd(String user, int i, Instant at) {
    Event.Builder b = Event.named("cart_add").user(user);
    if (at != null) {
      b.at(at);
    }
    return b.property("cart_id", "c" + i).property("item_name", item(i)).property("price", 49.5 + (i & 63)).build();
  }

  /** The store's tables, dropped before a run on a server database. */
  private static final List<String> TABLES =
      List.of("reminders", "users", "devices", "sends", "last_sent", "events", "counters", "paused", "schema_version");

  /** Drops the JDBC store's tables with this prefix, so each run starts empty. */
  static void dropTables(DataSource ds, String prefix) {
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      for (String table : TABLES) {
        s.execute("DROP TABLE IF EXISTS " + prefix + table);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot reach PostgreSQL at --pg-url: " + e.getMessage(), e);
    }
  }

  /** Accepts every notification at once, like a push service with no latency; counts them. */
  static final class NoopTransport implements Transport {
    private final Platform platform;
    private final LongAdder sends = new LongAdder();

    NoopTransport(Platform platform) {
      this.platform = platform;
    }

    @Override
    public Platform platform() {
      return platform;
    }

    @Override
    public CompletableFuture<SendResult> send(Device device, RenderedNotification notification) {
      sends.increment();
      return CompletableFuture.completedFuture(SendResult.accepted(null));
    }

    long sends() {
      return sends.sum();
    }
  }
}
