package dev.nudge.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nudge.Campaign;
import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.Message;
import dev.nudge.Platform;
import dev.nudge.TrackResult;
import dev.nudge.core.Nudge;
import dev.nudge.spi.NudgeStore;
import dev.nudge.spi.RenderedNotification;
import dev.nudge.spi.SendResult;
import dev.nudge.spi.TemplateContext;
import dev.nudge.spi.TemplateRenderer;
import dev.nudge.spi.Transport;
import dev.nudge.spi.UserState;
import dev.nudge.testing.TestClock;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Who runs what, on the embedded H2 store, whose units of work run on its own threads: the store's
 * threads run engine rules only, the delivery workers call transports, templates are rendered
 * outside any unit of work, and a send that takes its time holds up nobody else's events.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PipelineThreadsTest {
  private static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");

  @Test
  void otherUsersEventsAreStoredWhileEverySendIsStillInFlight() throws Exception {
    TestClock clock = new TestClock(T0);
    List<CompletableFuture<SendResult>> held = new CopyOnWriteArrayList<>();
    Transport holding = transport(Platform.IOS, (device, n) -> {
      CompletableFuture<SendResult> answer = new CompletableFuture<>();
      held.add(answer);
      Await.changed();
      return answer; // answered when the test says so
    });
    try (Nudge nudge = Nudge.builder().clock(clock).store(JdbcStore.h2InMemory("held-open"))
        .transport(holding).maxInFlight(4).build()) {
      nudge.define(Shoppers.campaign("cart"));
      for (int u = 0; u < 40; u++) {
        nudge.registerDevice(Device.of("due-" + u, Platform.IOS, "token-" + u).build());
        nudge.track(Event.named("cart_add").user("due-" + u).at(T0).property("item_name", "Lamp").build()).join();
      }
      clock.set(T0.plus(Duration.ofMinutes(5)));
      CompletableFuture<Integer> run = nudge.runDue();
      awaitSize(held, 4);

      // Every slot is taken by a send the test holds open, and 36 more wait for one: meanwhile
      // the events of other users are stored, each future completing on its own.
      List<CompletableFuture<TrackResult>> others = new ArrayList<>();
      for (int u = 0; u < 200; u++) {
        others.add(nudge.track(Event.named("cart_add").user("other-" + u).property("item_name", "Tea").build()));
      }
      for (CompletableFuture<TrackResult> f : others) {
        assertThat(f.get(10, TimeUnit.SECONDS).scheduled()).isEqualTo(1);
      }
      assertThat(held).as("no send beyond the in-flight limit").hasSize(4);
      assertThat(run).isNotDone();

      // Answering frees the slots one by one; every due reminder goes out.
      for (int answered = 0; answered < 40; answered++) {
        awaitSize(held, answered + 1);
        held.get(answered).complete(SendResult.accepted(null));
      }
      assertThat(run.get(10, TimeUnit.SECONDS)).isEqualTo(40);
      assertThat(nudge.stats("cart").step(0).sent()).isEqualTo(40);
    }
  }

  @Test
  void noTemplateAndNoTransportRunsInsideAUnitOfWorkOrOnAStoreThread() {
    TestClock clock = new TestClock(T0);
    ThreadLocal<Boolean> inUnit = ThreadLocal.withInitial(() -> false);
    List<String> violations = new CopyOnWriteArrayList<>();
    Set<String> transportThreads = ConcurrentHashMap.newKeySet();
    Set<String> renderThreads = ConcurrentHashMap.newKeySet();
    Set<String> listenerThreads = ConcurrentHashMap.newKeySet();
    List<Integer> renders = new CopyOnWriteArrayList<>();
    TemplateRenderer checking = source -> {
      return context -> {
        renders.add(1);
        renderThreads.add(prefix(Thread.currentThread().getName()));
        if (inUnit.get()) {
          violations.add("template rendered inside a unit of work: " + source);
        }
        return Optional.of(render(source, context));
      };
    };
    Set<String> retried = ConcurrentHashMap.newKeySet();
    Transport checkingTransport = transport(Platform.IOS, (device, n) -> {
      transportThreads.add(prefix(Thread.currentThread().getName()));
      if (inUnit.get()) {
        violations.add("transport called inside a unit of work");
      }
      // The first send to every other device asks for a retry: the retry is rendered and sent again.
      boolean retry = Integer.parseInt(device.token().substring(6)) % 2 == 0 && retried.add(device.token());
      return CompletableFuture.completedFuture(retry ? SendResult.retry("busy", Duration.ofSeconds(5))
          : SendResult.accepted(null));
    });
    try (JdbcStore jdbc = JdbcStore.h2InMemory("no-host-code-in-units");
         Nudge nudge = Nudge.builder().clock(clock).store(markingUnits(jdbc, inUnit))
             .templateRenderer(checking).transport(checkingTransport).threads(2)
             .listener(new dev.nudge.spi.NudgeListener() {
               @Override
               public void onOutcome(dev.nudge.OutcomeReport report) {
                 listenerThreads.add(prefix(Thread.currentThread().getName()));
                 if (inUnit.get()) {
                   violations.add("listener called inside a unit of work");
                 }
               }
             }).build()) {
      nudge.define(Campaign.named("cart").triggeredBy("cart_add")
          .after(Duration.ofMinutes(1)).send(Message.of("Hi {{user.name}}", "{{event.item_name}}").build())
          .build());
      for (int u = 0; u < 20; u++) {
        nudge.registerDevice(Device.of("u" + u, Platform.IOS, "token-" + u).build());
        nudge.setUserAttributes("u" + u, java.util.Map.of("name", "Sara"));
        nudge.track(Event.named("cart_add").user("u" + u).at(T0).property("item_name", "Lamp").build()).join();
      }
      clock.set(T0.plus(Duration.ofMinutes(2)));
      nudge.runDue().join();
      clock.set(T0.plus(Duration.ofMinutes(10)));
      nudge.runDue().join();
      assertThat(nudge.stats("cart").step(0).sent()).isEqualTo(20);
    }
    assertThat(renders).as("templates were rendered").isNotEmpty();
    assertThat(retried).as("devices retried").hasSize(10);
    assertThat(violations).isEmpty();
    assertThat(transportThreads).containsExactly("nudge-delivery");
    assertThat(renderThreads).as("rendered on the delivery workers, not the scheduler or the store")
        .containsExactly("nudge-delivery");
    assertThat(listenerThreads).containsExactly("nudge-listener");
  }

  // ---- helpers

  private interface Send {
    CompletableFuture<SendResult> send(Device device, RenderedNotification n);
  }

  private static Transport transport(Platform platform, Send send) {
    return new Transport() {
      @Override
      public Platform platform() {
        return platform;
      }

      @Override
      public CompletableFuture<SendResult> send(Device device, RenderedNotification notification) {
        return send.send(device, notification);
      }
    };
  }

  /** {@code store}, with {@code inUnit} true on a thread while it runs the work of a unit. */
  @SuppressWarnings("unchecked")
  private static NudgeStore markingUnits(NudgeStore store, ThreadLocal<Boolean> inUnit) {
    return (NudgeStore) Proxy.newProxyInstance(NudgeStore.class.getClassLoader(), new Class<?>[] {NudgeStore.class},
        (proxy, method, args) -> {
          if (method.getName().equals("atomically")) {
            Function<UserState, Object> work = (Function<UserState, Object>) args[1];
            args = new Object[] {args[0], (Function<UserState, Object>) state -> {
              inUnit.set(true);
              try {
                return work.apply(state);
              } finally {
                inUnit.set(false);
              }
            }};
          }
          try {
            return method.invoke(store, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  /** A tiny renderer for this test: {@code {{event.X}}} and {@code {{user.X}}}. */
  private static String render(String source, TemplateContext context) {
    String out = source;
    for (var e : context.event().entrySet()) {
      out = out.replace("{{event." + e.getKey() + "}}", String.valueOf(e.getValue()));
    }
    for (var e : context.user().entrySet()) {
      out = out.replace("{{user." + e.getKey() + "}}", String.valueOf(e.getValue()));
    }
    return out;
  }

  private static String prefix(String threadName) {
    return threadName.replaceAll("-\\d+$", "");
  }

  private static void awaitSize(List<?> list, int size) {
    Await.until(size + " sends in flight", Duration.ofSeconds(10), () -> list.size() >= size,
        () -> list.size() + " sends");
  }
}
