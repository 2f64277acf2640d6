package dev.nudge.store.jdbc;

import static java.time.Duration.ofHours;
import static java.time.Duration.ofMinutes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nudge.Campaign;
import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.Message;
import dev.nudge.Platform;
import dev.nudge.StepStats;
import dev.nudge.TrackResult;
import dev.nudge.core.Nudge;
import dev.nudge.spi.NudgeListener;
import dev.nudge.testing.RecordingTransport;
import dev.nudge.testing.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine on the JDBC store (H2 file): the product's scenarios, and a restart. */
class JdbcEngineTest {
  private static final Instant START = Instant.parse("2026-03-01T10:00:00Z");

  @TempDir
  Path dir;

  private final TestClock clock = new TestClock(START);
  private final RecordingTransport ios = RecordingTransport.ios();

  static Campaign cartAbandonment() {
    return Campaign.named("cart-abandonment")
        .triggeredBy("cart_add").correlatedBy("cart_id")
        .cancelledBy("purchase")
        .after(ofHours(2)).send(Message.of(
            "Still thinking, {{user.first_name | default: \"there\"}}?",
            "{{event.item_name}} is waiting in your cart").build())
        .after(ofHours(24)).send(Message.of("Last call", "{{event.item_name}} is still in your cart").build())
        .goal("purchase", Duration.ofDays(1))
        .build();
  }

  private final List<String> errors = new java.util.concurrent.CopyOnWriteArrayList<>();

  private Nudge engine(JdbcStore store) {
    return Nudge.builder().clock(clock).store(store).transport(ios).listener(new NudgeListener() {
      @Override
      public void onError(String context, Throwable error) {
        errors.add(context + ": " + error);
      }
    }).build();
  }

  private JdbcStore fileStore() {
    return JdbcStore.builder(dir.resolve("nudge")).clock(clock).build();
  }

  @Test
  void cartReminderIsSentOnTimeAndCancelledByPurchaseOnTheWeb() {
    try (Nudge nudge = engine(fileStore())) {
      nudge.define(cartAbandonment());
      nudge.registerDevice(Device.of("sara", Platform.IOS, "token-sara").locale("en-US").build());
      nudge.registerDevice(Device.of("omid", Platform.IOS, "token-omid").build());
      nudge.setUserAttributes("sara", Map.of("first_name", "Sara"));

      TrackResult added = nudge.trackAndWait(Event.named("cart_add").user("sara").id("evt-1")
          .property("cart_id", "c-1").property("item_name", "Trail running shoes").build());
      assertThat(added.scheduled()).isEqualTo(1);
      assertThat(nudge.trackAndWait(Event.named("cart_add").user("sara").id("evt-1")
          .property("cart_id", "c-1").property("item_name", "Trail running shoes").build()).duplicate()).isTrue();
      nudge.trackAndWait(Event.named("cart_add").user("omid")
          .property("cart_id", "c-2").property("item_name", "Yoga mat").build());
      clock.advance(ofMinutes(30));
      assertThat(nudge.trackAndWait(Event.named("purchase").user("omid").property("cart_id", "c-2").build())
          .cancelled()).isEqualTo(1);
      assertThat(nudge.pendingReminders()).isEqualTo(1);

      clock.advance(ofHours(2));
      nudge.runDue().join();
      assertThat(ios.deliveriesTo("token-omid")).isEmpty();
      assertThat(ios.deliveriesTo("token-sara")).singleElement().satisfies(d -> {
        assertThat(d.notification().title()).isEqualTo("Still thinking, Sara?");
        assertThat(d.notification().body()).isEqualTo("Trail running shoes is waiting in your cart");
      });
      assertThat(nudge.pendingReminders()).as("step 2 is scheduled").isEqualTo(1);

      // Sara buys within a day of the first reminder: converted, and the last call is cancelled.
      clock.advance(ofHours(3));
      TrackResult purchase = nudge.trackAndWait(Event.named("purchase").user("sara").property("cart_id", "c-1").build());
      assertThat(purchase.converted()).isEqualTo(1);
      assertThat(purchase.cancelled()).isEqualTo(1);
      clock.advance(ofHours(30));
      nudge.runDue().join();
      assertThat(ios.deliveries()).hasSize(1);
      assertThat(nudge.pendingReminders()).isZero();

      StepStats first = nudge.stats("cart-abandonment").step(0);
      assertThat(first.sent()).isEqualTo(1);
      assertThat(first.cancelled()).isEqualTo(1);
      assertThat(first.converted()).isEqualTo(1);
      assertThat(nudge.stats("cart-abandonment").step(1).cancelled()).isEqualTo(1);
    }
  }

  @Test
  void pendingRemindersSurviveARestartAndAreEachSentOnce() {
    int users = 5_000;
    int cartsPerUser = 2;
    try (Nudge first = engine(fileStore())) {
      first.define(cartAbandonment());
      List<CompletableFuture<TrackResult>> tracked = new ArrayList<>();
      for (int u = 0; u < users; u++) {
        String user = "user-" + u;
        first.registerDevice(Device.of(user, Platform.IOS, "token-" + u).build());
        for (int c = 0; c < cartsPerUser; c++) {
          // Spread over an hour, so the reminders come due over an hour too.
          Instant at = START.plusMillis((u * cartsPerUser + c) * 360L);
          tracked.add(first.track(Event.named("cart_add").user(user).at(at)
              .property("cart_id", "cart-" + u + "-" + c).property("item_name", "Item " + c).build()));
        }
      }
      tracked.forEach(CompletableFuture::join);
      assertThat(first.pendingReminders()).isEqualTo(10_000);
    }

    try (Nudge second = engine(fileStore())) {
      second.define(cartAbandonment());
      assertThat(second.pendingReminders()).isEqualTo(10_000);
      clock.set(START.plus(ofHours(2)).plus(ofMinutes(30)));
      second.runDue().join();
      int halfway = ios.deliveries().size();
      assertThat(errors).isEmpty();
      assertThat(halfway).isBetween(4_000, 6_000);
      clock.set(START.plus(ofHours(3)).plusSeconds(1));
      second.runDue().join();
      second.runDue().join();

      Map<String, Long> perReminder = ios.deliveries().stream()
          .collect(Collectors.groupingBy(d -> d.notification().reminderId(), Collectors.counting()));
      assertThat(errors).isEmpty();
      assertThat(perReminder).hasSize(10_000);
      assertThat(perReminder.values()).containsOnly(1L);
      assertThat(second.stats("cart-abandonment").step(0).sent()).isEqualTo(10_000);
      assertThat(second.pendingReminders()).as("the second steps").isEqualTo(10_000);
      Map<String, Long> perToken = ios.deliveries().stream()
          .collect(Collectors.groupingBy(d -> d.device().token(), Collectors.counting()));
      assertThat(perToken).hasSize(users).allSatisfy((token, n) -> assertThat(n).isEqualTo(2L));
    }
  }

  @Test
  void theH2ConveniencesWorkWithoutAnythingElse() {
    try (JdbcStore store = JdbcStore.h2InMemory("conveniences")) {
      assertThat(store.dialect()).isEqualTo(Dialect.H2);
      assertThat(store.tablePrefix()).isEqualTo("nudge_");
      Function<dev.nudge.spi.UserState, Boolean> record = s -> s.recordEvent("e", START);
      assertThat(store.atomically("u", record).join()).isTrue();
      assertThat(store.atomically("u", record).join()).isFalse();
    }
    try (JdbcStore store = JdbcStore.h2(dir.resolve("plain.mv.db"))) {
      store.register(Device.of("u", Platform.ANDROID, "t").build());
    }
    try (JdbcStore store = JdbcStore.h2(dir.resolve("plain"))) {
      assertThat(store.activeDevices("u")).hasSize(1);
    }
  }
}
