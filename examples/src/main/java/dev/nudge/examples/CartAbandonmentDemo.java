package dev.nudge.examples;

import com.google.gson.JsonObject;
import dev.nudge.Campaign;
import dev.nudge.CampaignStats;
import dev.nudge.DeliveryPolicy;
import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.Message;
import dev.nudge.Outcome;
import dev.nudge.OutcomeReport;
import dev.nudge.Platform;
import dev.nudge.Priority;
import dev.nudge.Source;
import dev.nudge.StepStats;
import dev.nudge.SuppressionReason;
import dev.nudge.TrackResult;
import dev.nudge.core.Nudge;
import dev.nudge.micrometer.NudgeMetrics;
import dev.nudge.store.memory.InMemoryStore;
import dev.nudge.spi.NudgeListener;
import dev.nudge.spi.NudgeStore;
import dev.nudge.store.jdbc.JdbcStore;
import dev.nudge.spi.RenderedNotification;
import dev.nudge.testing.TestClock;
import dev.nudge.transport.apns.ApnsTransport;
import dev.nudge.transport.fcm.FcmTransport;
import dev.nudge.transport.webpush.WebPushSubscription;
import dev.nudge.transport.webpush.WebPushTransport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The cart-abandonment campaign on simulated shop traffic, one day per run.
 *
 * <p>Each day 400 new shoppers (English and Persian) add an item to their cart. About four in five
 * shop in the app, on an iOS or Android phone (some with a tablet too); the others shop on the web
 * site instead, in a browser that allowed the shop's notifications: their one device is the
 * browser's push subscription ({@link Platform#WEB}), and their carts and purchases come from the
 * web ({@link Source#WEB}). Some buy before the reminder is due (app shoppers in the app or on the
 * web site, web shoppers on the web site), the rest leave; those get a push two hours later and a
 * second one a day after that, unless they buy in between. A few of them buy because of the push,
 * which counts as a conversion.
 *
 * <p>The demo plays the web shoppers' browsers ({@link LocalBrowser}): each subscription is a real
 * one, with a P-256 key pair and a 16-byte authentication secret of its own and an endpoint
 * {@code https://push.example.invalid/push/<id>} (with {@code --webpush-mock}, the mock push
 * service's), registered as {@code Device.of(user, Platform.WEB, subscription.token())}. The ids
 * come from the seeded random; the keys and secrets are generated at random, as a browser does,
 * and change nothing the demo prints.
 *
 * <p>The engine keeps its state in an H2 file ({@code nudge-demo/demo.mv.db}) through the JDBC
 * store, so a second run continues where the first left off: the second pushes still pending at
 * the end of day 1 go out on day 2, and the statistics add up over the runs.
 *
 * <p>Time is a {@link TestClock} moved in five-minute steps (and to each event's time), with
 * {@link Nudge#runDue()} after every move, so a simulated day takes a few seconds. The push
 * services are {@link DemoTransport}s: they throttle now and then and report uninstalled apps and
 * unsubscribed browsers, so the run shows retries and token retirement. With {@code --apns-mock}
 * the iOS devices are sent to over real APNs traffic instead: the {@link ApnsTransport} talks
 * HTTP/2 over TLS, with token authentication, to Pushy's mock APNs server on loopback
 * ({@link LocalApns}), which answers the same way (throttling, unregistered tokens) and shows one
 * request as it arrived. With
 * {@code --fcm-mock} the Android devices are sent to over real FCM traffic: the
 * {@link FcmTransport} gets an access token with a generated service-account key and sends FCM
 * HTTP v1 requests over HTTP/2 and TLS to OkHttp's MockWebServer on loopback ({@link LocalFcm}),
 * which answers like Google (throttling with {@code Retry-After}, {@code UNREGISTERED}). With
 * {@code --webpush-mock} the browsers are sent to over real Web Push traffic: the
 * {@link WebPushTransport} signs VAPID tokens with a key pair generated for the run, encrypts each
 * notification for its browser ({@code aes128gcm}) and posts it over HTTP/2 and TLS to a push
 * service on OkHttp's MockWebServer on loopback ({@link LocalWebPush}), which checks the VAPID
 * token and the push headers, has the browser decrypt each message with its private key, throttles
 * now and then (429 with {@code Retry-After}), answers 410 Gone for a browser that unsubscribed and
 * shows one decrypted message as it arrived. On a later day, the browsers of the earlier days
 * subscribe again at this run's push service (their keys lived only in the run that made them),
 * and the shop replaces their old subscriptions with the new ones, as a page does on
 * {@code pushsubscriptionchange}. With all three options, the whole demo runs on the real
 * transports. Everything is seeded: each day prints the same figures on every machine.
 *
 * <p>Run it with {@code mvn -B -q install -DskipTests && mvn -B -q -pl examples exec:java
 * -Dexec.args="--apns-mock --fcm-mock --webpush-mock"}.
 */
public final class CartAbandonmentDemo {
  static final String CAMPAIGN = "cart-abandonment";
  /** The demo shop app's bundle id: the APNs topic with {@code --apns-mock}. */
  static final String BUNDLE_ID = "dev.nudge.demo.shop";
  /** The demo's options, each explained by {@link #USAGE}. */
  static final List<String> OPTIONS =
      List.of("--reset", "--memory", "--apns-mock", "--fcm-mock", "--webpush-mock", "--metrics");
  static final String USAGE = """
      usage: demo [--reset] [--memory] [--apns-mock] [--fcm-mock] [--webpush-mock] [--metrics]
        --reset         start over at day 1 (delete the H2 file under nudge-demo/)
        --memory        keep nothing: one day in memory
        --apns-mock     send to the iOS devices with the real APNs transport, over HTTP/2 and TLS with token
                        authentication, to a mock APNs server on loopback (Pushy's MockApnsServer)
        --fcm-mock      send to the Android devices with the real FCM transport, over HTTP/2 and TLS with a
                        service-account key's OAuth 2.0 token, to a mock FCM server on loopback (OkHttp's
                        MockWebServer)
        --webpush-mock  send to the web shoppers' browsers with the real Web Push transport, VAPID-signed and
                        encrypted for each browser (aes128gcm), over HTTP/2 and TLS to a mock push service on
                        loopback (OkHttp's MockWebServer) that decrypts each message with its browser's key
        --metrics       export the engine to a Micrometer registry (NudgeMetrics, nudge-micrometer) and print
                        its meters at the end
      Options combine: --apns-mock --fcm-mock --webpush-mock runs the whole demo on the real transports.""";

  private static final int THROTTLE_ONE_IN = 20;

  private static final long SEED = 20260302L;
  private static final int SHOPPERS = 400;
  /** The share of shoppers who shop on the web site, with a browser subscription, instead of the app. */
  private static final double ON_THE_WEB = 0.20;
  /** Where the web shoppers' browsers are subscribed without {@code --webpush-mock}: never contacted. */
  private static final String EXAMPLE_PUSH_SERVICE = "https://push.example.invalid/push/";
  /** Day 1 of the demo shop; each run simulates the day after the previous run's. */
  private static final Instant FIRST_DAY = Instant.parse("2026-03-02T07:00:00Z");
  private static final Duration TRAFFIC_HOURS = Duration.ofHours(12);
  private static final Duration TICK = Duration.ofMinutes(5);
  private static final Duration PROGRESS_EVERY = Duration.ofHours(6);

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("EEE HH:mm", Locale.ROOT).withZone(ZoneOffset.UTC);

  private static final String[][] CATALOG = {
      // English name, Persian name, price
      {"Trail running shoes", "کفش دویدن کوهستان", "89.90"},
      {"Noise-cancelling headphones", "هدفون حذف نویز", "199.00"},
      {"Espresso grinder", "آسیاب قهوه اسپرسو", "129.50"},
      {"Linen duvet cover", "روتختی کتان", "74.00"},
      {"Mechanical keyboard", "کیبورد مکانیکی", "109.00"},
      {"Yoga mat", "زیرانداز یوگا", "35.00"},
      {"Leather backpack", "کوله‌پشتی چرمی", "145.00"},
      {"Smart watch", "ساعت هوشمند", "249.00"},
  };
  private static final String[] ENGLISH_NAMES = {
      "Emma", "Liam", "Olivia", "Noah", "Ava", "Lucas", "Mia", "Ethan", "Zoe", "Oscar", "Grace", "Leo"};
  private static final String[] PERSIAN_NAMES = {
      "سارا", "علی", "مریم", "رضا", "نگار", "امیر", "شیرین", "کاوه", "لیلا", "بهرام"};

  /**
   * What a shopper does after adding to the cart. A web shopper has no app: whatever the plan,
   * they buy on the web site.
   */
  enum Plan { BUYS_IN_APP, BUYS_ON_WEB, LEAVES }

  /** Which push, if any, brings a shopper who left back to buy. */
  enum Persuaded { NEVER, BY_FIRST_PUSH, BY_SECOND_PUSH }

  record Shopper(String id, String firstName, String language, List<Device> devices, Plan plan,
      Persuaded persuaded, String cartId, int item, Instant cartAddAt, Duration buyAfter) {
    /** Whether the shopper shops on the web site: their one device is a browser subscription. */
    boolean onWeb() {
      return devices.get(0).platform() == Platform.WEB;
    }

    /** Where the shopper's events come from: the web site for a web shopper, else the app. */
    Source channel() {
      return onWeb() ? Source.WEB : Source.APP;
    }
  }

  /** An event the simulation will track at {@code at}; {@code seq} keeps equal times in order. */
  record Planned(Instant at, long seq, Event event) {}

  private final PrintStream out;
  private final int day;
  private final Path dir;
  private final boolean apnsMock;
  private final boolean fcmMock;
  private final boolean webPushMock;
  private final Instant start;
  private final Instant trafficFrom;
  private final Instant end;
  private final TestClock clock;
  /** With {@code --metrics}, the registry the engine's meters are in; else {@code null}. */
  private final SimpleMeterRegistry registry;
  private final Random random;
  private final Queue<OutcomeReport> sends = new ConcurrentLinkedQueue<>();
  private final Queue<String> notices = new ConcurrentLinkedQueue<>();
  private final PriorityQueue<Planned> timeline =
      new PriorityQueue<>(Comparator.comparing(Planned::at).thenComparingLong(Planned::seq));
  private final Map<String, Shopper> shoppers = new LinkedHashMap<>();
  private final Set<String> persuadedBuyers = new HashSet<>();
  private long seq;
  private int carts;
  private int purchases;
  private int webPurchases;
  private int cancelledByTrack;

  private CartAbandonmentDemo(PrintStream out, int day, Path dir, boolean apnsMock, boolean fcmMock,
      boolean webPushMock, boolean metrics) {
    this.out = out;
    this.registry = metrics ? new SimpleMeterRegistry() : null;
    this.day = day;
    this.dir = dir;
    this.apnsMock = apnsMock;
    this.fcmMock = fcmMock;
    this.webPushMock = webPushMock;
    this.start = FIRST_DAY.plus(Duration.ofDays(day - 1L));
    this.trafficFrom = start.plus(Duration.ofHours(1));
    this.end = start.plus(Duration.ofDays(1));
    this.clock = new TestClock(start);
    this.random = new Random(SEED + day);
  }

  /**
   * Runs one simulated day and prints what happened. The reminders, devices and statistics are
   * kept in an H2 file under {@code nudge-demo/} (the {@code nudge.demo.dir} system property moves
   * it), so the next run continues with the next day: the reminders left pending are sent then.
   * {@code --reset} starts over at day 1; {@code --memory} keeps nothing; {@code --apns-mock}
   * sends to the iOS devices with the real APNs transport, to a mock APNs server on loopback;
   * {@code --fcm-mock} to the Android devices with the real FCM transport, to a mock FCM server;
   * {@code --webpush-mock} to the web shoppers' browsers with the real Web Push transport, to a
   * mock push service; {@code --metrics} exports the engine to a Micrometer registry and prints
   * its meters.
   */
  public static void main(String[] args) throws IOException {
    // The Persian variant must print as Persian whatever the platform's default encoding is.
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    List<String> options = List.of(args);
    for (String a : options) {
      if (!OPTIONS.contains(a)) {
        System.err.println("unknown option " + a + "\n" + USAGE);
        System.exit(2);
      }
    }
    // Pushy's INFO lines (which SSL provider, shutting down) would interleave with the demo's output.
    PUSHY_LOG.setLevel(Level.WARNING);
    run(options, Path.of(System.getProperty("nudge.demo.dir", "nudge-demo")), out);
    out.flush();
  }

  /** Held here: java.util.logging keeps loggers weakly, and a collected one forgets its level. */
  private static final Logger PUSHY_LOG = Logger.getLogger("com.eatthepath.pushy");

  /**
   * What one run did, for tests: the day, its shoppers, the tokens of their uninstalled apps and
   * unsubscribed browsers, with {@code --apns-mock} every request the mock APNs server received,
   * with {@code --fcm-mock} every send and token request the mock FCM server received, and with
   * {@code --webpush-mock} every push request the mock push service received (else empty).
   */
  record Run(int day, List<Shopper> shoppers, Set<String> uninstalled, List<LocalApns.Received> apnsRequests,
      List<LocalFcm.Received> fcmRequests, List<LocalFcm.Grant> fcmGrants,
      List<LocalWebPush.Received> webPushRequests) {}

  /**
   * One run of the demo: the next simulated day of the store kept in {@code dir} (day 1 when it
   * is new or with {@code --reset}), or one day in memory with {@code --memory}.
   */
  static Run run(List<String> options, Path dir, PrintStream out) throws IOException {
    boolean memory = options.contains("--memory");
    if (options.contains("--reset") && Files.isDirectory(dir)) {
      try (var files = Files.walk(dir)) {
        for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(f);
        }
      }
    }
    Path dayFile = dir.resolve("last-day.txt");
    int day = memory || !Files.exists(dayFile) ? 1 : Integer.parseInt(Files.readString(dayFile).trim()) + 1;
    NudgeStore store = memory ? new InMemoryStore() : JdbcStore.h2(Files.createDirectories(dir).resolve("demo"));
    Run run = new CartAbandonmentDemo(out, day, memory ? null : dir, options.contains("--apns-mock"),
        options.contains("--fcm-mock"), options.contains("--webpush-mock"), options.contains("--metrics")).run(store);
    if (!memory) {
      Files.writeString(dayFile, day + "\n");
    }
    return run;
  }

  /** The campaign of the README: two pushes per abandoned cart, stopped by a purchase anywhere. */
  static Campaign cartAbandonment() {
    Message first = Message.of(
            "Still thinking, {{user.first_name | default: \"there\"}}?",
            "{{event.item_name}} is waiting in your cart")
        .deepLink("shop://cart/{{event.cart_id}}")
        .data("cart_id", "{{event.cart_id}}")
        .locale("fa", Message.builder()
            .title("هنوز مطمئن نیستی، {{user.first_name | default: \"دوست عزیز\"}}؟")
            .body("{{event.item_name}} در سبد خرید شما منتظر است")
            .build())
        .build();
    Message second = Message.of(
            "Last call, {{user.first_name | default: \"there\"}}",
            "{{event.item_name}} is still in your cart. Checkout takes a minute.")
        .deepLink("shop://cart/{{event.cart_id}}")
        .data("cart_id", "{{event.cart_id}}")
        .priority(Priority.NORMAL)
        .locale("fa", Message.builder()
            .title("آخرین فرصت، {{user.first_name | default: \"دوست عزیز\"}}")
            .body("{{event.item_name}} هنوز در سبد خرید شماست. خرید فقط یک دقیقه طول می‌کشد.")
            .build())
        .build();
    return Campaign.named(CAMPAIGN)
        .triggeredBy("cart_add")
        .correlatedBy("cart_id")
        .cancelledBy("purchase")
        .after(Duration.ofHours(2)).send(first)
        .after(Duration.ofHours(24)).send(second)
        .policy(DeliveryPolicy.builder().expireAfter(Duration.ofHours(12)).build())
        .goal("purchase", Duration.ofDays(1))
        .build();
  }

  private Run run(NudgeStore store) {
    // The push service first: the browsers subscribe there, so their endpoints name its port.
    try (LocalWebPush localWebPush = webPushMock ? LocalWebPush.start(clock, THROTTLE_ONE_IN) : null) {
      return run(store, localWebPush);
    }
  }

  private Run run(NudgeStore store, LocalWebPush localWebPush) {
    List<Shopper> all = shoppers(localWebPush != null ? localWebPush::subscribe
        : id -> LocalBrowser.subscribe(EXAMPLE_PUSH_SERVICE + id));
    Set<String> deadTokens = uninstalledApps(all);
    if (localWebPush != null) {
      for (Shopper s : all) {
        for (Device d : s.devices()) {
          if (d.platform() == Platform.WEB && deadTokens.contains(d.token())) {
            localWebPush.unsubscribe(WebPushSubscription.parse(d.token()).endpoint());
          }
        }
      }
    }
    // Each platform: the in-process stand-in, or the real transport to a mock server on loopback.
    DemoTransport demoApns = apnsMock ? null : new DemoTransport(Platform.IOS, clock, deadTokens, Duration.ofMinutes(10));
    DemoTransport demoFcm = fcmMock ? null : new DemoTransport(Platform.ANDROID, clock, deadTokens, Duration.ofMinutes(10));
    DemoTransport demoWeb = localWebPush != null ? null
        : new DemoTransport(Platform.WEB, clock, deadTokens, Duration.ofMinutes(10));
    Samples samples = new Samples();

    // The clock moves only between runs of runDue(), and each run completes when every send has
    // its answer: no send is in flight while the clock jumps, so none outlives sendTimeout. An FCM
    // token renewal started ahead of expiry may be (no send waits for it): the transport counts
    // its token's life from when it was asked for, as the server does at the latest.
    try (LocalApns localApns = apnsMock ? LocalApns.start(BUNDLE_ID, clock, deadTokens, THROTTLE_ONE_IN) : null;
        LocalFcm localFcm = fcmMock ? LocalFcm.start(clock, deadTokens, THROTTLE_ONE_IN) : null;
        // Closed before the servers: the engine closes its transports first.
        Nudge nudge = metered(Nudge.builder())
        .clock(clock)
        .store(store)
        .transport(samples.watch(localApns != null ? localApns.transport().clock(clock).build() : demoApns))
        .transport(samples.watch(localFcm != null ? localFcm.transport().build() : demoFcm))
        .transport(samples.watch(localWebPush != null ? localWebPush.transport().build() : demoWeb))
        .listener(new Observer())
        .retryBackoff(Duration.ofMinutes(1), Duration.ofMinutes(30))
        .build()) {
      nudge.define(cartAbandonment());
      int resubscribed = localWebPush != null && day > 1 ? resubscribe(nudge, localWebPush) : 0;
      int devices = 0;
      Map<Platform, Integer> byPlatform = new LinkedHashMap<>();
      int persian = 0;
      for (Shopper s : all) {
        for (Device d : s.devices()) {
          nudge.registerDevice(d);
          devices++;
          byPlatform.merge(d.platform(), 1, Integer::sum);
        }
        persian += s.language().equals("fa") ? 1 : 0;
        if (s.firstName() != null) {
          nudge.setUserAttributes(s.id(), Map.of("first_name", s.firstName()));
        }
      }
      plan(all);

      out.printf("Nudge cart-abandonment demo, day %d%n", day);
      if (dir == null) {
        out.println("  in memory (--memory): nothing is kept");
      } else if (day == 1) {
        out.printf("  store: H2 file %s; run again to continue with day 2 (--reset starts over)%n",
            dir.resolve("demo.mv.db"));
      } else {
        out.printf("  store: H2 file %s, continuing where day %d left off: %d reminders pending%n",
            dir.resolve("demo.mv.db"), day - 1, nudge.pendingReminders());
      }
      long webShoppers = all.stream().filter(Shopper::onWeb).count();
      out.printf("  %d shoppers (%d with locale fa, %d on the web), %d devices (%d iOS, %d Android, %d web browsers),"
              + " seed %d%n", all.size(), persian, webShoppers, devices, byPlatform.getOrDefault(Platform.IOS, 0),
          byPlatform.getOrDefault(Platform.ANDROID, 0), byPlatform.getOrDefault(Platform.WEB, 0), SEED + day);
      if (localApns != null || localFcm != null || localWebPush != null) {
        out.printf("  iOS: %s%n", localApns == null ? "in-process stand-in"
            : "ApnsTransport over HTTP/2 to a mock APNs server (--apns-mock) at " + localApns.describe());
        out.printf("  Android: %s%n", localFcm == null ? "in-process stand-in"
            : "FcmTransport over HTTP/2 to a mock FCM server (--fcm-mock) at " + localFcm.describe());
        out.printf("  Web: %s%n", localWebPush == null ? "in-process stand-in"
            : "WebPushTransport over HTTP/2 to a mock push service (--webpush-mock) at " + localWebPush.describe());
        if (resubscribed > 0) {
          out.printf("  %d browsers of earlier days subscribed again at this push service (their keys lived in the run"
              + " that made them); the shop replaced their old subscriptions%n", resubscribed);
        }
        if (localApns != null && localFcm != null && localWebPush != null) {
          out.println("  every push goes through a real transport, to mock servers on loopback: nothing leaves this"
              + " machine");
        }
      }
      out.println("  cart_add --2h--> push --24h--> second push; a purchase in the app or on the web stops it (per cart_id)");
      out.printf("  simulated clock %s to %s UTC in %d-minute steps, nudge.runDue() after each%n%n",
          TIME.format(start), TIME.format(end), TICK.toMinutes());

      simulate(nudge);

      out.println();
      printStats(nudge.stats(CAMPAIGN));
      out.println();
      out.println("Transports");
      out.println("  " + (localApns != null ? summary(localApns) : demoApns.summary()));
      out.println("  " + (localFcm != null ? summary(localFcm) : demoFcm.summary()));
      out.println("  " + (localWebPush != null ? summary(localWebPush) : demoWeb.summary()));
      out.println();
      printSamples(samples);
      if (localApns != null) {
        printApnsRequest(localApns.received());
      }
      if (localFcm != null) {
        printFcmRequest(localFcm.received());
      }
      if (localWebPush != null) {
        printWebPushRequest(localWebPush.received());
      }
      if (registry != null) {
        printMeters();
      }
      return new Run(day, all, deadTokens, localApns == null ? List.of() : localApns.received(),
          localFcm == null ? List.of() : localFcm.received(), localFcm == null ? List.of() : localFcm.grants(),
          localWebPush == null ? List.of() : localWebPush.received());
    }
  }

  /**
   * With {@code --webpush-mock} on a later day: the browsers of the earlier days' web shoppers were
   * subscribed at an earlier run's push service, gone with its keys. Each subscribes again here,
   * under its old id, and the shop replaces the old subscription with the new one, as a page does
   * when the browser fires {@code pushsubscriptionchange}. Browsers that unsubscribed stay gone (the
   * engine deactivated their devices).
   *
   * @return how many browsers subscribed again
   */
  private int resubscribe(Nudge nudge, LocalWebPush localWebPush) {
    int n = 0;
    for (int i = 1; i <= (day - 1) * SHOPPERS; i++) {
      String userId = shopperId(i);
      for (Device d : List.copyOf(nudge.devices(userId))) {
        if (d.platform() != Platform.WEB) {
          continue;
        }
        String endpoint = WebPushSubscription.parse(d.token()).endpoint();
        if (endpoint.startsWith(localWebPush.origin() + LocalWebPush.PUSH_PATH)) {
          continue; // already here
        }
        LocalBrowser browser = localWebPush.subscribe(endpoint.substring(endpoint.lastIndexOf('/') + 1));
        nudge.removeDevice(userId, Platform.WEB, d.token());
        nudge.registerDevice(Device.of(userId, Platform.WEB, browser.token()).locale(d.locale().orElse(null))
            .zone(d.zone().orElse(null)).build());
        n++;
      }
    }
    return n;
  }

  /** With {@code --metrics}: the one line that exports the engine to a Micrometer registry. */
  private Nudge.Builder metered(Nudge.Builder builder) {
    return registry == null ? builder : builder.listener(NudgeMetrics.of(registry));
  }

  private void printMeters() {
    out.println();
    out.println("Meters from NudgeMetrics (nudge-micrometer) on a SimpleMeterRegistry, sorted");
    out.println("  (send latency is on the engine's clock: the demo's simulated clock stands still while a run's sends"
        + " are answered)");
    PrintedMeters.print(registry, "nudge.", out);
  }

  private void simulate(Nudge nudge) {
    Instant nextTick = start.plus(TICK);
    Instant nextProgress = start.plus(Duration.ofHours(5));
    while (nextTick.compareTo(end) <= 0) {
      Planned p = timeline.peek();
      if (p != null && p.at().isBefore(nextTick)) {
        timeline.poll();
        moveTo(nudge, p.at());
        track(nudge, p.event());
        continue;
      }
      moveTo(nudge, nextTick);
      if (!nextTick.isBefore(nextProgress)) {
        progress(nudge);
        nextProgress = nextProgress.plus(PROGRESS_EVERY);
      }
      nextTick = nextTick.plus(TICK);
    }
  }

  /** Moves the clock and lets the engine resolve what became due, as a live poll would. */
  private void moveTo(Nudge nudge, Instant t) {
    if (t.isAfter(clock.instant())) {
      clock.set(t);
      nudge.runDue().join();
    }
    for (String notice; (notice = notices.poll()) != null; ) {
      out.println(notice);
    }
    for (OutcomeReport sent; (sent = sends.poll()) != null; ) {
      Shopper s = shoppers.get(sent.userId());
      boolean persuadedNow = s != null && (
          s.persuaded() == Persuaded.BY_FIRST_PUSH && sent.step() == 0
              || s.persuaded() == Persuaded.BY_SECOND_PUSH && sent.step() == 1);
      if (persuadedNow && persuadedBuyers.add(s.id())) {
        Instant buyAt = sent.at().plus(s.buyAfter());
        plan(buyAt.isBefore(clock.instant()) ? clock.instant() : buyAt, purchase(s, s.channel()));
      }
    }
  }

  private void track(Nudge nudge, Event event) {
    TrackResult result = nudge.track(event).join();
    cancelledByTrack += result.cancelled();
    if (event.name().equals("cart_add")) {
      carts++;
    } else {
      purchases++;
      webPurchases += event.source().orElse(Source.APP) == Source.WEB ? 1 : 0;
    }
  }

  private void progress(Nudge nudge) {
    StepStats t = nudge.stats(CAMPAIGN).total();
    long pending = nudge.pendingReminders();
    out.printf("%s  carts %3d  purchases %3d (web %2d)  pending %3d  cancelled %3d  sent %3d  converted %2d%n",
        TIME.format(clock.instant()), carts, purchases, webPurchases, pending, t.cancelled(), t.sent(),
        t.converted());
  }

  // ---- the shoppers -------------------------------------------------------------------------

  /** Shopper number {@code i}, counted over the days: day d's are (d - 1) * 400 + 1 to d * 400. */
  private static String shopperId(int i) {
    return String.format("shopper-%04d", i);
  }

  /**
   * The day's shoppers, drawn from the seeded random.
   *
   * @param browsers a browser subscribing under a subscription id, at the push service the run uses
   */
  private List<Shopper> shoppers(Function<String, LocalBrowser> browsers) {
    List<Shopper> all = new ArrayList<>();
    for (int n = 1; n <= SHOPPERS; n++) {
      int i = (day - 1) * SHOPPERS + n; // new shoppers every day
      String id = shopperId(i);
      boolean persian = random.nextDouble() < 0.25;
      String language = persian ? "fa" : "en";
      String[] names = persian ? PERSIAN_NAMES : ENGLISH_NAMES;
      String firstName = random.nextDouble() < 0.85 ? names[random.nextInt(names.length)] : null;

      List<Device> devices = new ArrayList<>();
      if (random.nextDouble() < ON_THE_WEB) {
        // Shops on the web site, in a browser that allowed the shop's notifications.
        devices.add(device(id, Platform.WEB, language, browsers));
      } else {
        Platform phone = random.nextDouble() < 0.55 ? Platform.IOS : Platform.ANDROID;
        devices.add(device(id, phone, language, browsers));
        if (random.nextDouble() < 0.15) {
          // A tablet next to the phone: an iPad, or an Android tablet.
          devices.add(device(id, random.nextBoolean() ? Platform.IOS : Platform.ANDROID, language, browsers));
        }
      }

      double r = random.nextDouble();
      Plan plan = r < 0.40 ? Plan.BUYS_IN_APP : r < 0.60 ? Plan.BUYS_ON_WEB : Plan.LEAVES;
      Persuaded persuaded = Persuaded.NEVER;
      Duration buyAfter;
      if (plan == Plan.LEAVES) {
        double p = random.nextDouble();
        persuaded = p < 0.12 ? Persuaded.BY_FIRST_PUSH : p < 0.18 ? Persuaded.BY_SECOND_PUSH : Persuaded.NEVER;
        buyAfter = Duration.ofMinutes(10 + random.nextInt(230)); // after the push that persuaded them
      } else {
        buyAfter = Duration.ofMinutes(5 + random.nextInt(110));  // before the 2h reminder is due
      }
      Instant cartAddAt = trafficFrom.plus(Duration.ofMinutes(random.nextInt((int) TRAFFIC_HOURS.toMinutes())));
      Shopper s = new Shopper(id, firstName, language, List.copyOf(devices), plan, persuaded,
          "c-" + (10_000 + i), random.nextInt(CATALOG.length), cartAddAt, buyAfter);
      all.add(s);
      shoppers.put(id, s);
    }
    return all;
  }

  private Device device(String userId, Platform platform, String language, Function<String, LocalBrowser> browsers) {
    String locale;
    ZoneId zone;
    if (language.equals("fa")) {
      locale = random.nextDouble() < 0.8 ? "fa-IR" : "fa";
      zone = ZoneId.of("Asia/Tehran");
    } else if (random.nextBoolean()) {
      locale = "en-US";
      zone = ZoneId.of("America/New_York");
    } else {
      locale = "en-GB";
      zone = ZoneId.of("Europe/London");
    }
    String token = switch (platform) {
      case IOS -> apnsToken();
      case ANDROID -> fcmToken();
      case WEB -> browsers.apply(subscriptionId()).token();
    };
    return Device.of(userId, platform, token).locale(locale).zone(zone).build();
  }

  /** A push subscription's id, the last part of its endpoint: 22 base64url characters, as random as a push service's. */
  private String subscriptionId() {
    return chars(22);
  }

  private String chars(int n) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    StringBuilder b = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      b.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return b.toString();
  }

  private String apnsToken() {
    StringBuilder b = new StringBuilder(64);
    for (int i = 0; i < 64; i++) {
      b.append(Character.forDigit(random.nextInt(16), 16));
    }
    return b.toString();
  }

  private String fcmToken() {
    return chars(22) + ":APA91b" + chars(134);
  }

  /**
   * Picks the devices whose app was uninstalled: the first device of a shopper with two devices
   * (the other one still gets the push) and the only device of two others (their push fails); and
   * the browser of a web shopper who revoked the shop's notification permission since (the
   * subscription is gone: their push fails).
   */
  private static Set<String> uninstalledApps(List<Shopper> all) {
    Set<String> dead = new HashSet<>();
    int withTwo = 0;
    int withOne = 0;
    int browsers = 0;
    for (Shopper s : all) {
      if (s.plan() != Plan.LEAVES || s.persuaded() != Persuaded.NEVER) {
        continue;
      }
      if (s.onWeb()) {
        if (browsers < 1) {
          dead.add(s.devices().get(0).token());
          browsers++;
        }
      } else if (s.devices().size() == 2 && withTwo < 1) {
        dead.add(s.devices().get(0).token());
        withTwo++;
      } else if (s.devices().size() == 1 && withOne < 2
          && s.devices().get(0).platform() == (withOne == 0 ? Platform.IOS : Platform.ANDROID)) {
        dead.add(s.devices().get(0).token());
        withOne++;
      }
    }
    return dead;
  }

  private void plan(List<Shopper> all) {
    for (Shopper s : all) {
      plan(s.cartAddAt(), Event.named("cart_add").user(s.id()).id("cart_add-" + s.cartId())
          .at(s.cartAddAt()).source(s.channel())
          .property("cart_id", s.cartId())
          .property("item_name", itemName(s))
          .property("price", Double.parseDouble(CATALOG[s.item()][2]))
          .build());
      switch (s.plan()) {
        case BUYS_IN_APP -> plan(s.cartAddAt().plus(s.buyAfter()), purchase(s, s.channel()));
        case BUYS_ON_WEB -> plan(s.cartAddAt().plus(s.buyAfter()), purchase(s, Source.WEB));
        case LEAVES -> { } // a purchase may follow a push; see moveTo
      }
    }
  }

  private void plan(Instant at, Event event) {
    timeline.add(new Planned(at, seq++, event.occurredAt().isPresent() ? event : event.at(at)));
  }

  /** The name of the shopper's cart item in the shopper's language, as the cart_add event carries it. */
  static String itemName(Shopper s) {
    return CATALOG[s.item()][s.language().equals("fa") ? 1 : 0];
  }

  private static Event purchase(Shopper s, Source source) {
    return Event.named("purchase").user(s.id()).id("order-" + s.cartId()).source(source)
        .property("cart_id", s.cartId())
        .property("total", Double.parseDouble(CATALOG[s.item()][2]))
        .build();
  }

  // ---- output ----------------------------------------------------------------------------------

  private void printStats(CampaignStats stats) {
    String[] headers = {"campaign", "step", "triggered", "scheduled", "cancelled", "suppressed", "expired",
        "sent", "failed", "accepted", "rejected", "invalid tokens", "converted"};
    List<String[]> rows = new ArrayList<>();
    for (StepStats s : stats.steps()) {
      rows.add(row(stats.campaignId(), String.valueOf(s.step()), s));
    }
    rows.add(row(stats.campaignId(), "all", stats.total()));

    int[] width = new int[headers.length];
    for (int c = 0; c < headers.length; c++) {
      width[c] = headers[c].length();
      for (String[] r : rows) {
        width[c] = Math.max(width[c], r[c].length());
      }
    }
    out.println("Statistics from nudge.stats(\"" + stats.campaignId() + "\")");
    out.println("  " + line(headers, width));
    out.println("  " + "-".repeat(line(headers, width).length()));
    for (String[] r : rows) {
      out.println("  " + line(r, width));
    }
    StepStats t = stats.total();
    out.printf("  accepted by platform: %s; suppressed by reason: %s; restarted %d, ignored %d%n",
        byKey(t.accepted()), t.suppressed().isEmpty() ? "none" : byKey(t.suppressed()), t.restarted(), t.ignored());
    out.printf("  stop events tracked by this demo cancelled %d reminders (TrackResult.cancelled)%n", cancelledByTrack);
  }

  private static String[] row(String campaign, String step, StepStats s) {
    return new String[] {campaign, step, n(s.triggered()), n(s.scheduled()), n(s.cancelled()),
        n(s.suppressedTotal()), n(s.expired()), n(s.sent()), n(s.failed()), n(s.acceptedTotal()),
        n(s.rejectedTotal()), n(s.invalidTokens()), n(s.converted())};
  }

  private static String n(long v) {
    return Long.toString(v);
  }

  /** The first column left-aligned, the numbers right-aligned. */
  private static String line(String[] cells, int[] width) {
    StringBuilder b = new StringBuilder();
    for (int c = 0; c < cells.length; c++) {
      if (c > 0) {
        b.append("  ");
      }
      String pad = " ".repeat(width[c] - cells[c].length());
      b.append(c == 0 ? cells[c] + pad : pad + cells[c]);
    }
    return b.toString();
  }

  private static <K extends Enum<K>> String byKey(Map<K, Long> counts) {
    StringBuilder b = new StringBuilder();
    counts.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e ->
        b.append(b.length() == 0 ? "" : ", ").append(e.getKey()).append(' ').append(e.getValue()));
    return b.length() == 0 ? "none" : b.toString();
  }

  private void printSamples(Samples samples) {
    out.println("Sample notifications, as rendered for one device each");
    String[][] wanted = {{"en", "0"}, {"fa", "0"}, {"en", "1"}};
    for (String[] w : wanted) {
      Samples.Sample sample = samples.first(w[0], Integer.parseInt(w[1]),
          List.of(Platform.IOS, Platform.ANDROID, Platform.WEB));
      if (sample != null) {
        RenderedNotification n = sample.notification();
        out.printf("  [%s, step %d, %s] %s%n      %s%n      deep link %s, collapse id %s%n",
            w[0], n.step(), sample.platform(), n.title(), n.body(), n.deepLink(), n.collapseId());
      }
    }
  }

  /** What the mock APNs server answered, in {@link DemoTransport#summary()}'s form. */
  private static String summary(LocalApns apns) {
    long accepted = apns.answered("accepted");
    long throttled = apns.answered("TooManyRequests");
    long unregistered = apns.answered("Unregistered");
    long other = apns.received().size() - accepted - throttled - unregistered;
    return String.format("%-7s %4d requests at the mock APNs server: %4d accepted, %2d throttled (TooManyRequests,"
            + " retried later), %2d rejected (Unregistered)%s", Platform.IOS, apns.received().size(), accepted,
        throttled, unregistered, other == 0 ? "" : ", " + other + " refused otherwise");
  }

  /** What the mock FCM server answered and how many access tokens it granted. */
  private static String summary(LocalFcm fcm) {
    long requests = fcm.received().size();
    long accepted = fcm.answered(LocalFcm.ACCEPTED);
    long throttled = fcm.answered("QUOTA_EXCEEDED");
    long unregistered = fcm.answered("UNREGISTERED");
    long other = requests - accepted - throttled - unregistered;
    long issued = fcm.grants().stream().filter(g -> g.answer().equals(LocalFcm.ISSUED)).count();
    long refused = fcm.grants().size() - issued;
    return String.format("%-7s %4d requests at the mock FCM server: %4d accepted, %2d throttled (QUOTA_EXCEEDED, retried"
            + " after Retry-After), %2d rejected (UNREGISTERED)%s; %d access tokens granted (each lives %d min on the"
            + " demo's clock)%s", Platform.ANDROID, requests, accepted, throttled, unregistered,
        other == 0 ? "" : ", " + other + " refused otherwise", issued, LocalFcm.TOKEN_LIFETIME_SECONDS / 60,
        refused == 0 ? "" : ", " + refused + " grants refused");
  }

  /** What the mock push service answered, and what its browsers decrypted. */
  private static String summary(LocalWebPush push) {
    List<LocalWebPush.Received> requests = push.received();
    long created = push.answered(LocalWebPush.CREATED);
    long throttled = push.answered(LocalWebPush.THROTTLED);
    long gone = push.answered(LocalWebPush.GONE);
    long failed = push.answered(LocalWebPush.DECRYPT_FAILED);
    long other = requests.size() - created - throttled - gone - failed;
    long decrypted = requests.stream().filter(r -> r.payload() != null).count();
    return String.format("%-7s %4d requests at the mock push service: %4d created, %2d throttled (429, retried after"
            + " Retry-After), %2d rejected (410 Gone: the browser unsubscribed)%s; %d decrypted by their browsers, %d"
            + " failed to decrypt", Platform.WEB, requests.size(), created, throttled, gone,
        other == 0 ? "" : ", " + other + " refused otherwise", decrypted, failed);
  }

  /**
   * The first created Web Push request, as the mock push service received it and its browser
   * decrypted it; the subscription id shortened (an endpoint is a capability) and the VAPID token
   * not shown.
   */
  private void printWebPushRequest(List<LocalWebPush.Received> received) {
    received.stream().filter(r -> r.answer().equals(LocalWebPush.CREATED)).findFirst().ifPresent(r -> {
      out.println();
      out.printf("One Web Push request as the mock push service received it (%s over %s, VAPID), decrypted with its"
          + " browser's private key%n", r.protocol().equals("h2") ? "HTTP/2" : "HTTP/1.1", r.tlsVersion());
      out.printf("  POST %s%s   content-encoding %s (%d bytes)   ttl %s   urgency %s   topic %s%n",
          LocalWebPush.PUSH_PATH, Device.redact(r.subscriptionId()), r.contentEncoding(), r.bodyBytes(), r.ttl(),
          r.urgency(), r.topic());
      out.printf("  authorization %s%n", r.authorization());
      out.printf("  %s%n", r.payload());
    });
  }

  /**
   * A device as the demo prints it: the start of its token; for a browser, of its subscription's
   * id (the whole subscription, with its endpoint and keys, is not shown).
   */
  private static String shown(Device device) {
    if (device.platform() != Platform.WEB) {
      return Device.redact(device.token());
    }
    String endpoint = WebPushSubscription.parse(device.token()).endpoint();
    return Device.redact(endpoint.substring(endpoint.lastIndexOf('/') + 1));
  }

  /** The first accepted FCM request, as the mock server received it; the device token shortened. */
  private void printFcmRequest(List<LocalFcm.Received> received) {
    received.stream().filter(r -> r.answer().equals(LocalFcm.ACCEPTED)).findFirst().ifPresent(r -> {
      JsonObject android = r.message().getAsJsonObject("android");
      JsonObject notification = android.getAsJsonObject("notification");
      out.println();
      out.printf("One FCM request as the mock FCM server received it (%s over %s, OAuth 2.0 access token of the"
          + " service account)%n", r.protocol().equals("h2") ? "HTTP/2" : "HTTP/1.1", r.tlsVersion());
      out.printf("  POST %s   authorization Bearer (not shown)%n", r.path());
      out.printf("  android.collapse_key %s   android.notification.tag %s   android.priority %s   android.ttl %s%n",
          text(android, "collapse_key"), notification == null ? null : text(notification, "tag"),
          text(android, "priority"), text(android, "ttl"));
      out.printf("  %s%n", r.body().replace(r.token(), Device.redact(r.token())));
    });
  }

  private static String text(JsonObject o, String field) {
    return o.has(field) ? o.get(field).getAsString() : null;
  }

  /** The first accepted APNs request, as the mock server received it. */
  private void printApnsRequest(List<LocalApns.Received> received) {
    received.stream().filter(r -> r.answer().equals("accepted")).findFirst().ifPresent(r -> {
      out.println();
      out.printf("One APNs request as the mock APNs server received it (HTTP/2 over %s, token authenticated)%n",
          r.tlsProtocol());
      out.printf("  :path /3/device/%s   apns-topic %s%n", Device.redact(r.token()), r.topic());
      out.printf("  apns-collapse-id %s   apns-push-type %s   apns-priority %d%n", r.collapseId(), r.pushType(),
          r.priority());
      out.printf("  %s%n", r.payload());
    });
  }

  /** Collects engine callbacks for the main thread: they may arrive on engine threads. */
  private final class Observer implements NudgeListener {
    @Override
    public void onOutcome(OutcomeReport report) {
      if (report.outcome() == Outcome.SENT) {
        sends.add(report);
      } else if (report.outcome() == Outcome.FAILED || report.outcome() == Outcome.SUPPRESSED
          && report.reason() == SuppressionReason.NO_DEVICE) {
        notices.add(String.format("%s    %s step %d for %s: %s%s", TIME.format(report.at()), report.campaignId(),
            report.step(), report.userId(), report.outcome(),
            report.reason() == null ? " (every device rejected it)" : " (" + report.reason() + ")"));
      }
    }

    @Override
    public void onDeviceDeactivated(Device device, String reason) {
      notices.add(String.format("%s    token retired: %s %s of %s (%s)", TIME.format(clock.instant()),
          device.platform(), shown(device), device.userId(), reason));
    }

    @Override
    public void onError(String context, Throwable error) {
      notices.add(String.format("%s    engine error in %s: %s", TIME.format(clock.instant()), context, error));
    }
  }
}
