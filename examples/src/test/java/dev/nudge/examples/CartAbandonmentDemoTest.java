package dev.nudge.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.nudge.Device;
import dev.nudge.Platform;
import dev.nudge.examples.CartAbandonmentDemo.Shopper;
import dev.nudge.examples.LocalApns.Received;
import dev.nudge.transport.webpush.WebPushSubscription;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's demo keeps its reminders in an H2 file: a second run continues the first; with
 * {@code --apns-mock --fcm-mock --webpush-mock} (the README's command) its iOS, Android and web
 * pushes travel over real APNs, FCM and Web Push traffic to mock servers. That run is made once,
 * for the tests that read it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CartAbandonmentDemoTest {
  private static final Pattern CONTINUING =
      Pattern.compile("continuing where day 1 left off: (\\d+) reminders pending");
  private static final Pattern ACCEPTED_BY_PLATFORM =
      Pattern.compile("accepted by platform: IOS (\\d+), ANDROID (\\d+), WEB (\\d+)");
  private static final Pattern SERVER_SUMMARY = Pattern.compile("IOS +(\\d+) requests at the mock APNs server: +(\\d+)"
      + " accepted, +(\\d+) throttled \\(TooManyRequests, retried later\\), +(\\d+) rejected \\(Unregistered\\)\\n");
  private static final Pattern FCM_SUMMARY = Pattern.compile("ANDROID +(\\d+) requests at the mock FCM server: +(\\d+)"
      + " accepted, +(\\d+) throttled \\(QUOTA_EXCEEDED, retried after Retry-After\\), +(\\d+) rejected"
      + " \\(UNREGISTERED\\); (\\d+) access tokens granted \\(each lives 60 min on the demo's clock\\)\\n");
  private static final Pattern WEB_PUSH_SUMMARY = Pattern.compile("WEB +(\\d+) requests at the mock push service: +(\\d+)"
      + " created, +(\\d+) throttled \\(429, retried after Retry-After\\), +(\\d+) rejected \\(410 Gone: the browser"
      + " unsubscribed\\); (\\d+) decrypted by their browsers, (\\d+) failed to decrypt\\n");
  /** The statistics' total row; its numbers, from "triggered" on, are the groups. */
  private static final Pattern TOTAL_ROW = Pattern.compile("cart-abandonment +all" + " +(\\d+)".repeat(11));
  private static final int ACCEPTED = 7;
  private static final int INVALID_TOKENS = 9;

  @TempDir
  Path dir;
  /** The demo run with the three mock servers, in memory. */
  CartAbandonmentDemo.Run real;
  String realOutput;

  @BeforeAll
  void runOnRealTransports(@TempDir Path unused) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      real = CartAbandonmentDemo.run(List.of("--apns-mock", "--fcm-mock", "--webpush-mock", "--memory"), unused, out);
    }
    realOutput = bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aSecondRunContinuesWhereTheFirstLeftOff() throws Exception {
    String first = run();
    assertThat(first).contains("Nudge cart-abandonment demo, day 1").contains("store: H2 file");
    assertThat(dir.resolve("demo.mv.db")).exists();

    String second = run();
    assertThat(second).contains("Nudge cart-abandonment demo, day 2");
    Matcher m = CONTINUING.matcher(second);
    assertThat(m.find()).as("second run's header:%n%s", second.lines().limit(3).toList()).isTrue();
    assertThat(Integer.parseInt(m.group(1))).as("reminders left pending by day 1").isPositive();

    String reset = run("--reset");
    assertThat(reset).contains("Nudge cart-abandonment demo, day 1");
    assertThat(Files.readString(dir.resolve("last-day.txt")).trim()).isEqualTo("1");
  }

  @Test
  void withApnsMockTheIosPushesArriveAtTheApnsServerOverTlsWithTheirRenderedText() {
    CartAbandonmentDemo.Run run = real;
    String output = realOutput;
    List<Received> requests = run.apnsRequests();
    Map<String, Shopper> byIosToken = run.shoppers().stream()
        .flatMap(s -> s.devices().stream().filter(d -> d.platform() == Platform.IOS).map(d -> Map.entry(d.token(), s)))
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));

    assertThat(output).contains("iOS: ApnsTransport over HTTP/2 to a mock APNs server (--apns-mock) at localhost:");
    assertThat(requests).isNotEmpty().allSatisfy(r -> {
      assertThat(r.tlsProtocol()).as("TLS of the connection").matches("TLSv1\\.[23]");
      assertThat(r.topic()).isEqualTo(CartAbandonmentDemo.BUNDLE_ID);
      assertThat(r.collapseId()).as("apns-collapse-id").isNotBlank();
      assertThat(r.pushType()).isEqualTo("alert");
      assertThat(byIosToken).as("requests go to the shoppers' iOS devices only").containsKey(r.token());
      // The server verified the provider token of every request: none was refused for it.
      assertThat(r.answer()).isIn("accepted", "TooManyRequests", "Unregistered");
    });

    // Each accepted notification carries the text rendered for its shopper (day 1 sends step 0).
    List<Received> accepted = requests.stream().filter(r -> r.answer().equals("accepted")).toList();
    assertThat(accepted).isNotEmpty().allSatisfy(r -> {
      Shopper s = byIosToken.get(r.token());
      JsonObject payload = JsonParser.parseString(r.payload()).getAsJsonObject();
      JsonObject alert = payload.getAsJsonObject("aps").getAsJsonObject("alert");
      assertThat(payload.get("cart_id").getAsString()).isEqualTo(s.cartId());
      assertThat(payload.get("deep_link").getAsString()).isEqualTo("shop://cart/" + s.cartId());
      assertThat(r.priority()).as("step 0 is sent at high priority").isEqualTo(10);
      if (s.language().equals("fa")) {
        assertThat(alert.get("title").getAsString()).isEqualTo(
            "هنوز مطمئن نیستی، " + (s.firstName() == null ? "دوست عزیز" : s.firstName()) + "؟");
        assertThat(alert.get("body").getAsString()).isEqualTo(CartAbandonmentDemo.itemName(s) + " در سبد خرید شما منتظر است");
      } else {
        assertThat(alert.get("title").getAsString()).isEqualTo(
            "Still thinking, " + (s.firstName() == null ? "there" : s.firstName()) + "?");
        assertThat(alert.get("body").getAsString()).isEqualTo(CartAbandonmentDemo.itemName(s) + " is waiting in your cart");
      }
    });
    // Sent once per device and reminder: no answer came too late and was sent again.
    assertThat(accepted.stream().map(r -> r.token() + "/" + r.collapseId()).distinct()).hasSameSizeAs(accepted);

    // Throttled sends were tried again and accepted.
    List<Received> throttled = requests.stream().filter(r -> r.answer().equals("TooManyRequests")).toList();
    assertThat(throttled).as("the server throttles now and then").isNotEmpty().allSatisfy(t ->
        assertThat(accepted).anySatisfy(a -> {
          assertThat(a.token()).isEqualTo(t.token());
          assertThat(a.collapseId()).isEqualTo(t.collapseId());
        }));

    // The uninstalled apps were told Unregistered once, then their devices were retired.
    Set<String> uninstalledIos = new HashSet<>(run.uninstalled());
    uninstalledIos.retainAll(byIosToken.keySet());
    assertThat(uninstalledIos).isNotEmpty();
    Map<String, List<String>> answersByDeadToken = requests.stream().filter(r -> uninstalledIos.contains(r.token()))
        .collect(Collectors.groupingBy(Received::token, Collectors.mapping(Received::answer, Collectors.toList())));
    assertThat(answersByDeadToken).hasSize(uninstalledIos.size())
        .allSatisfy((token, answers) -> assertThat(answers).containsExactly("Unregistered"));
    for (String token : uninstalledIos) {
      assertThat(output).contains("token retired: IOS " + Device.redact(token) + " of " + byIosToken.get(token).id()
          + " (Unregistered (410)");
    }

    // The printed figures agree with what the server received.
    Function<String, Long> count = answer -> requests.stream().filter(r -> r.answer().equals(answer)).count();
    assertThat(numbers(SERVER_SUMMARY, output)).as("requests, accepted, throttled, unregistered")
        .containsExactly((long) requests.size(), count.apply("accepted"), count.apply("TooManyRequests"),
            (long) uninstalledIos.size());
    assertThat(numbers(ACCEPTED_BY_PLATFORM, output)[0]).as("the engine's IOS accepted count")
        .isEqualTo(accepted.size());
    assertThat(numbers(TOTAL_ROW, output)[INVALID_TOKENS]).as("invalid tokens: every uninstalled app, iOS and Android")
        .isEqualTo(run.uninstalled().size());

    // One request is shown as it arrived.
    Received shown = accepted.get(0);
    assertThat(output).contains("One APNs request as the mock APNs server received it (HTTP/2 over "
            + shown.tlsProtocol())
        .contains("apns-collapse-id " + shown.collapseId() + "   apns-push-type alert   apns-priority 10")
        .contains("  " + shown.payload() + "\n");
  }

  @Test
  void withFcmMockTheAndroidPushesArriveAtTheFcmServerOverHttp2WithTheirTextAndTheRemindersCollapseIdentity() {
    String output = realOutput;
    List<LocalFcm.Received> requests = real.fcmRequests();
    Map<String, Shopper> byAndroidToken = real.shoppers().stream()
        .flatMap(s -> s.devices().stream().filter(d -> d.platform() == Platform.ANDROID)
            .map(d -> Map.entry(d.token(), s)))
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));

    assertThat(output).contains("Android: FcmTransport over HTTP/2 to a mock FCM server (--fcm-mock) at localhost:")
        .contains("every push goes through a real transport");
    assertThat(requests).isNotEmpty().allSatisfy(r -> {
      assertThat(r.path()).isEqualTo(LocalFcm.SEND_PATH);
      assertThat(r.protocol()).as("the protocol the connection negotiated").isEqualTo("h2");
      assertThat(r.tlsVersion()).matches("TLSv1\\.[23]");
      assertThat(byAndroidToken).as("requests go to the shoppers' Android devices only").containsKey(r.token());
      // Every request carried an access token the server issued and that had not expired.
      assertThat(r.answer()).isIn(LocalFcm.ACCEPTED, "QUOTA_EXCEEDED", "UNREGISTERED");
    });

    // Each accepted message carries its shopper's rendered text, and the reminder's collapse identity
    // as both the collapse key and the notification tag.
    List<LocalFcm.Received> accepted = requests.stream().filter(r -> r.answer().equals(LocalFcm.ACCEPTED)).toList();
    assertThat(accepted).isNotEmpty().allSatisfy(r -> {
      Shopper s = byAndroidToken.get(r.token());
      JsonObject message = r.message();
      JsonObject notification = message.getAsJsonObject("notification");
      JsonObject android = message.getAsJsonObject("android");
      assertThat(message.getAsJsonObject("data").get("cart_id").getAsString()).isEqualTo(s.cartId());
      assertThat(message.getAsJsonObject("data").get("deep_link").getAsString()).isEqualTo("shop://cart/" + s.cartId());
      assertThat(android.get("priority").getAsString()).as("step 0 is sent at high priority").isEqualTo("HIGH");
      assertThat(android.get("collapse_key").getAsString()).isNotBlank()
          .isEqualTo(android.getAsJsonObject("notification").get("tag").getAsString());
      if (s.language().equals("fa")) {
        assertThat(notification.get("title").getAsString()).isEqualTo(
            "هنوز مطمئن نیستی، " + (s.firstName() == null ? "دوست عزیز" : s.firstName()) + "؟");
        assertThat(notification.get("body").getAsString())
            .isEqualTo(CartAbandonmentDemo.itemName(s) + " در سبد خرید شما منتظر است");
      } else {
        assertThat(notification.get("title").getAsString()).isEqualTo(
            "Still thinking, " + (s.firstName() == null ? "there" : s.firstName()) + "?");
        assertThat(notification.get("body").getAsString())
            .isEqualTo(CartAbandonmentDemo.itemName(s) + " is waiting in your cart");
      }
    });
    assertThat(accepted).extracting(r -> byAndroidToken.get(r.token()).language()).contains("en", "fa");
    // Sent once per device and reminder; one collapse identity per reminder, whatever the platform:
    // a shopper's iPhone and Android tablet get the same one for the same reminder.
    assertThat(accepted.stream().map(r -> r.token() + "/" + collapseKey(r)).distinct()).hasSameSizeAs(accepted);
    Map<String, Set<String>> fcmKeysByShopper = accepted.stream().collect(Collectors.groupingBy(
        r -> byAndroidToken.get(r.token()).id(), Collectors.mapping(CartAbandonmentDemoTest::collapseKey,
            Collectors.toSet())));
    Map<String, Set<String>> apnsIdsByShopper = real.apnsRequests().stream()
        .filter(r -> r.answer().equals("accepted"))
        .collect(Collectors.groupingBy(r -> shopperOf(r.token()).id(), Collectors.mapping(Received::collapseId,
            Collectors.toSet())));
    Set<String> onBoth = new HashSet<>(fcmKeysByShopper.keySet());
    onBoth.retainAll(apnsIdsByShopper.keySet());
    assertThat(onBoth).as("shoppers reached on iOS and Android").isNotEmpty().allSatisfy(id ->
        assertThat(fcmKeysByShopper.get(id)).isEqualTo(apnsIdsByShopper.get(id)));
    assertThat(fcmKeysByShopper.values().stream().flatMap(Set::stream).distinct().count())
        .as("each reminder its own collapse key").isEqualTo(fcmKeysByShopper.values().stream().mapToLong(Set::size).sum());

    // Throttled sends were tried again, not before Retry-After on the demo's clock, and accepted.
    List<LocalFcm.Received> throttled = requests.stream().filter(r -> r.answer().equals("QUOTA_EXCEEDED")).toList();
    assertThat(throttled).as("the server throttles now and then").isNotEmpty().allSatisfy(t ->
        assertThat(accepted).anySatisfy(a -> {
          assertThat(a.token()).isEqualTo(t.token());
          assertThat(collapseKey(a)).isEqualTo(collapseKey(t));
          assertThat(a.at()).isAfterOrEqualTo(t.at().plusSeconds(LocalFcm.RETRY_AFTER_SECONDS));
        }));

    // The uninstalled apps were told UNREGISTERED once, then their devices were retired.
    Set<String> uninstalledAndroid = new HashSet<>(real.uninstalled());
    uninstalledAndroid.retainAll(byAndroidToken.keySet());
    assertThat(uninstalledAndroid).isNotEmpty();
    Map<String, List<String>> answersByDeadToken = requests.stream()
        .filter(r -> uninstalledAndroid.contains(r.token()))
        .collect(Collectors.groupingBy(LocalFcm.Received::token,
            Collectors.mapping(LocalFcm.Received::answer, Collectors.toList())));
    assertThat(answersByDeadToken).hasSize(uninstalledAndroid.size())
        .allSatisfy((token, answers) -> assertThat(answers).containsExactly("UNREGISTERED"));
    for (String token : uninstalledAndroid) {
      assertThat(output).contains("token retired: ANDROID " + Device.redact(token) + " of "
          + byAndroidToken.get(token).id() + " (UNREGISTERED (404)");
    }

    // One token fetch per access token's life: the first before any send, never two at once, the
    // next only when the current one is within 5 minutes of its hour, which counts from when it
    // was asked for (a renewal can reach the server after the demo's clock moved on); none refused.
    List<LocalFcm.Grant> grants = real.fcmGrants();
    assertThat(grants).isNotEmpty().allSatisfy(g -> {
      assertThat(g.answer()).isEqualTo(LocalFcm.ISSUED);
      assertThat(g.protocol()).isEqualTo("h2");
      assertThat(g.askedAt()).isBeforeOrEqualTo(g.at());
    });
    assertThat(grants.get(0).at()).isBeforeOrEqualTo(requests.get(0).at());
    for (int i = 1; i < grants.size(); i++) {
      assertThat(grants.get(i).askedAt()).as("token fetch %d", i).isAfterOrEqualTo(
          grants.get(i - 1).askedAt().plusSeconds(LocalFcm.TOKEN_LIFETIME_SECONDS).minus(Duration.ofMinutes(5)));
    }
    assertThat(grants.size()).as("token fetches, for %d sends", requests.size()).isLessThan(requests.size() / 4);

    // The printed figures agree with what the server received and with the engine's statistics.
    assertThat(numbers(FCM_SUMMARY, output)).as("requests, accepted, throttled, unregistered, access tokens")
        .containsExactly((long) requests.size(), (long) accepted.size(), (long) throttled.size(),
            (long) uninstalledAndroid.size(), (long) grants.size());
    assertThat(numbers(ACCEPTED_BY_PLATFORM, output)[1]).as("the engine's ANDROID accepted count")
        .isEqualTo(accepted.size());
    long apnsAccepted = real.apnsRequests().stream().filter(r -> r.answer().equals("accepted")).count();
    long webCreated = real.webPushRequests().stream().filter(r -> r.answer().equals(LocalWebPush.CREATED)).count();
    assertThat(numbers(ACCEPTED_BY_PLATFORM, output)[2]).as("the engine's WEB accepted count").isEqualTo(webCreated);
    assertThat(numbers(TOTAL_ROW, output)[ACCEPTED]).as("accepted: what the three servers accepted")
        .isEqualTo(apnsAccepted + accepted.size() + webCreated);

    // Samples come from both real transports, and one FCM request is shown as it arrived, its token
    // shortened; no access token or key is printed.
    assertThat(output).containsPattern("\\[en, step 0, (IOS|ANDROID)\\] Still thinking")
        .containsPattern("\\[fa, step 0, (IOS|ANDROID)\\] هنوز مطمئن نیستی");
    LocalFcm.Received shown = accepted.get(0);
    assertThat(output).contains("One FCM request as the mock FCM server received it (HTTP/2 over " + shown.tlsVersion())
        .contains("POST " + LocalFcm.SEND_PATH)
        .contains("android.collapse_key " + collapseKey(shown) + "   android.notification.tag " + collapseKey(shown))
        .contains("  " + shown.body().replace(shown.token(), Device.redact(shown.token())) + "\n")
        .doesNotContain(shown.token())
        .doesNotContain("ya29.")
        .doesNotContain("PRIVATE KEY");
  }

  @Test
  void withWebPushMockTheBrowsersPushesArriveEncryptedForEachBrowserAtThePushServiceWhichDecryptsThem()
      throws Exception {
    // The web mock alone: the iOS and Android shoppers stay on the stand-ins.
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CartAbandonmentDemo.Run run;
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      run = CartAbandonmentDemo.run(List.of("--memory", "--webpush-mock"), dir, out);
    }
    String output = bytes.toString(StandardCharsets.UTF_8);
    List<LocalWebPush.Received> requests = run.webPushRequests();
    Map<String, Shopper> bySubscriptionId = new HashMap<>();
    Map<String, String> tokenBySubscriptionId = new HashMap<>();
    for (Shopper s : run.shoppers()) {
      for (Device d : s.devices()) {
        if (d.platform() == Platform.WEB) {
          String endpoint = WebPushSubscription.parse(d.token()).endpoint();
          assertThat(endpoint).as("a browser subscribed at the mock push service")
              .matches("https://localhost:\\d+" + LocalWebPush.PUSH_PATH + "[A-Za-z0-9_-]{22}");
          String id = endpoint.substring(endpoint.lastIndexOf('/') + 1);
          bySubscriptionId.put(id, s);
          tokenBySubscriptionId.put(id, d.token());
        }
      }
    }

    assertThat(output).contains("iOS: in-process stand-in").contains("Android: in-process stand-in")
        .contains("Web: WebPushTransport over HTTP/2 to a mock push service (--webpush-mock) at localhost:")
        .doesNotContain("every push goes through a real transport");
    assertThat(bySubscriptionId).as("web shoppers, one browser each").hasSizeGreaterThan(40)
        .allSatisfy((id, s) -> assertThat(s.devices()).hasSize(1));
    String vapidKeyStart = requests.get(0).authorization().replaceAll(".*, k=", "");
    assertThat(requests).isNotEmpty().allSatisfy(r -> {
      assertThat(bySubscriptionId).as("requests go to the web shoppers' browsers only").containsKey(r.subscriptionId());
      assertThat(r.protocol()).as("the protocol the connection negotiated").isEqualTo("h2");
      assertThat(r.tlsVersion()).matches("TLSv1\\.[23]");
      assertThat(r.contentEncoding()).isEqualTo("aes128gcm");
      assertThat(Long.parseLong(r.ttl())).as("TTL: until the reminder's delivery expires").isBetween(1L, 12 * 3600L);
      assertThat(r.urgency()).as("step 0 is sent at high priority").isEqualTo("high");
      assertThat(r.topic()).matches("[A-Za-z0-9_-]{1,32}");
      // Every request carried a VAPID token that verified, with the key the browsers subscribed with.
      assertThat(r.authorization()).matches("vapid t=<JWT, \\d+ chars>, k=[A-Za-z0-9_-]{12}…")
          .endsWith(vapidKeyStart);
      assertThat(r.answer()).isIn(LocalWebPush.CREATED, LocalWebPush.THROTTLED, LocalWebPush.GONE);
    });

    // The push service's browsers decrypted every message it took (none failed), and each carries
    // the text rendered for its shopper, as the JSON document the service worker reads.
    assertThat(requests).filteredOn(r -> r.answer().equals(LocalWebPush.DECRYPT_FAILED)).isEmpty();
    List<LocalWebPush.Received> created = requests.stream().filter(r -> r.answer().equals(LocalWebPush.CREATED))
        .toList();
    assertThat(created).isNotEmpty().allSatisfy(r -> {
      Shopper s = bySubscriptionId.get(r.subscriptionId());
      assertThat(r.payload()).as("decrypted").isNotNull();
      JsonObject json = r.json();
      assertThat(json.get("campaignId").getAsString()).isEqualTo(CartAbandonmentDemo.CAMPAIGN);
      assertThat(json.get("step").getAsInt()).isZero();
      assertThat(json.get("tag").getAsString()).as("the collapse identity, also the Topic").isEqualTo(r.topic());
      assertThat(json.get("url").getAsString()).isEqualTo("shop://cart/" + s.cartId());
      assertThat(json.getAsJsonObject("data").get("cart_id").getAsString()).isEqualTo(s.cartId());
      if (s.language().equals("fa")) {
        assertThat(json.get("title").getAsString()).isEqualTo(
            "هنوز مطمئن نیستی، " + (s.firstName() == null ? "دوست عزیز" : s.firstName()) + "؟");
        assertThat(json.get("body").getAsString()).isEqualTo(CartAbandonmentDemo.itemName(s) + " در سبد خرید شما منتظر است");
      } else {
        assertThat(json.get("title").getAsString()).isEqualTo(
            "Still thinking, " + (s.firstName() == null ? "there" : s.firstName()) + "?");
        assertThat(json.get("body").getAsString()).isEqualTo(CartAbandonmentDemo.itemName(s) + " is waiting in your cart");
      }
    });
    assertThat(created).extracting(r -> bySubscriptionId.get(r.subscriptionId()).language()).contains("en", "fa");
    assertThat(created.stream().map(r -> r.subscriptionId() + "/" + r.topic()).distinct()).as("once per browser and reminder")
        .hasSameSizeAs(created);

    // Throttled pushes were decrypted too, tried again not before Retry-After on the demo's clock, and created.
    List<LocalWebPush.Received> throttled = requests.stream()
        .filter(r -> r.answer().equals(LocalWebPush.THROTTLED)).toList();
    assertThat(throttled).as("the push service throttles now and then").isNotEmpty().allSatisfy(t -> {
      assertThat(t.payload()).isNotNull();
      assertThat(created).anySatisfy(c -> {
        assertThat(c.subscriptionId()).isEqualTo(t.subscriptionId());
        assertThat(c.topic()).isEqualTo(t.topic());
        assertThat(c.at()).isAfterOrEqualTo(t.at().plusSeconds(LocalWebPush.RETRY_AFTER_SECONDS));
      });
    });

    // The unsubscribed browser was told Gone once, then its device was retired.
    Set<String> goneIds = tokenBySubscriptionId.entrySet().stream()
        .filter(e -> run.uninstalled().contains(e.getValue())).map(Map.Entry::getKey).collect(Collectors.toSet());
    assertThat(goneIds).hasSize(1);
    String goneId = goneIds.iterator().next();
    assertThat(requests).filteredOn(r -> r.subscriptionId().equals(goneId)).extracting(LocalWebPush.Received::answer)
        .containsExactly(LocalWebPush.GONE);
    assertThat(output).containsPattern(Pattern.quote("token retired: WEB " + Device.redact(goneId) + " of "
        + bySubscriptionId.get(goneId).id() + " (push service https://localhost:") + "\\d+ says the subscription is"
        + " gone \\(410");

    // The printed figures agree with what the push service received and with the engine's statistics.
    long decrypted = requests.stream().filter(r -> r.payload() != null).count();
    assertThat(numbers(WEB_PUSH_SUMMARY, output)).as("requests, created, throttled, gone, decrypted, failed")
        .containsExactly((long) requests.size(), (long) created.size(), (long) throttled.size(), 1L, decrypted, 0L);
    assertThat(numbers(ACCEPTED_BY_PLATFORM, output)[2]).as("the engine's WEB accepted count")
        .isEqualTo(created.size());

    // One push is shown as it arrived and as its browser decrypted it; no VAPID token, key or
    // subscription endpoint is printed.
    LocalWebPush.Received shown = created.get(0);
    assertThat(output)
        .contains("One Web Push request as the mock push service received it (HTTP/2 over " + shown.tlsVersion()
            + ", VAPID), decrypted with its browser's private key")
        .contains("  POST " + LocalWebPush.PUSH_PATH + Device.redact(shown.subscriptionId()) + "   content-encoding"
            + " aes128gcm (" + shown.bodyBytes() + " bytes)   ttl " + shown.ttl() + "   urgency high   topic "
            + shown.topic() + "\n")
        .contains("  authorization " + shown.authorization() + "\n")
        .contains("  " + shown.payload() + "\n")
        .contains(shown.json().get("title").getAsString())
        .doesNotContain("eyJ")
        .doesNotContain(shown.subscriptionId())
        .doesNotContain(WebPushSubscription.parse(tokenBySubscriptionId.get(shown.subscriptionId())).endpoint());
  }

  @Test
  void theDefaultDayIsSeededAndItsWebShoppersGoThroughTheStandIn() throws Exception {
    // Seeded: these are the figures of day 1 on every machine (the demo's collapse ids are random
    // and not among them).
    String output = run("--memory");
    assertThat(output)
        .contains("  400 shoppers (100 with locale fa, 72 on the web), 445 devices (218 iOS, 155 Android, 72 web"
            + " browsers), seed 20260303\n")
        .contains("Mon 16:40    token retired: WEB 9nrFW6… of shopper-0034 (Gone (410): the browser unsubscribed)\n")
        .contains("Tue 06:00  carts 400  purchases 276 (web 127)  pending 121  cancelled 276  sent 144  converted 23\n")
        .contains("  cart-abandonment   all        400        544        276           0        0   144       3       166"
            + "         4               4         23\n")
        .contains("  accepted by platform: IOS 84, ANDROID 57, WEB 25; suppressed by reason: none; restarted 0, ignored"
            + " 0\n")
        .contains("  IOS       89 attempts:   84 accepted,  4 throttled (retried later),  1 rejected (token unregistered)\n")
        .contains("  ANDROID   64 attempts:   57 accepted,  5 throttled (retried later),  2 rejected (token unregistered)\n")
        .contains("  WEB       27 attempts:   25 accepted,  1 throttled (retried later),  1 rejected (subscription gone)\n")
        .doesNotContain("Web: ").doesNotContain("in-process stand-in");
  }

  @Test
  void withMetricsTheDemoPrintsTheEnginesMetersAndTheyAgreeWithItsStatistics() throws Exception {
    String output = run("--memory", "--metrics");
    assertThat(output).contains("Meters from NudgeMetrics (nudge-micrometer) on a SimpleMeterRegistry, sorted");
    long[] total = numbers(TOTAL_ROW, output); // triggered, scheduled, cancelled, suppressed, expired, sent, ...
    long[] accepted = numbers(ACCEPTED_BY_PLATFORM, output);
    assertThat(meter(output, "nudge.triggered{campaign=cart-abandonment,step=0}")).isEqualTo(String.valueOf(total[0]));
    assertThat(meter(output, "nudge.outcomes{campaign=cart-abandonment,outcome=SENT,reason=NONE,step=0}"))
        .as("day 1 sends only first pushes").isEqualTo(String.valueOf(total[5]));
    assertThat(meter(output, "nudge.converted{campaign=cart-abandonment,step=0}")).isEqualTo(String.valueOf(total[10]));
    assertThat(meter(output, "nudge.deliveries{campaign=cart-abandonment,platform=IOS,result=ACCEPTED,step=0}"))
        .isEqualTo(String.valueOf(accepted[0]));
    assertThat(meter(output, "nudge.send.latency{platform=IOS,result=ACCEPTED}"))
        .isEqualTo("count " + accepted[0] + ", mean 0.000 s, max 0.000 s");
    assertThat(meter(output, "nudge.reminders.due")).as("every due reminder was resolved by the last run").isEqualTo("0");
    assertThat(meter(output, "nudge.reminders.due.lag")).isEqualTo("0 s");
    assertThat(meter(output, "nudge.reminders.held")).isEqualTo("0");
    assertThat(Long.parseLong(meter(output, "nudge.reminders.pending"))).as("second pushes left for day 2").isPositive();
    assertThat(output.substring(output.indexOf("Meters from"))).containsPattern("\\(\\d+ more counters and timers at zero")
        .doesNotContainPattern("\\{[^}]*(user|token|shopper)");
    assertThat(run("--memory")).doesNotContain("Meters from");
  }

  @Test
  void everyOptionIsExplainedByTheUsage() {
    assertThat(CartAbandonmentDemo.OPTIONS).contains("--metrics")
        .allSatisfy(option -> assertThat(CartAbandonmentDemo.USAGE).contains("[" + option + "]").contains("  " + option + " "));
  }

  /** The value printed for one meter, as its line in the demo's meters shows it. */
  private static String meter(String output, String id) {
    Matcher m = Pattern.compile("\\n  " + Pattern.quote(id) + " {2,}([^\\n]+)\\n").matcher(output);
    assertThat(m.find()).as("the meter %s in:%n%s", id, output).isTrue();
    return m.group(1);
  }

  /** The numbers {@code pattern}'s groups found in {@code output}, which must match it. */
  private static long[] numbers(Pattern pattern, String output) {
    Matcher m = pattern.matcher(output);
    assertThat(m.find()).as("%s in:%n%s", pattern, output).isTrue();
    long[] numbers = new long[m.groupCount()];
    for (int g = 1; g <= m.groupCount(); g++) {
      numbers[g - 1] = Long.parseLong(m.group(g));
    }
    return numbers;
  }

  private static String collapseKey(LocalFcm.Received r) {
    return r.message().getAsJsonObject("android").get("collapse_key").getAsString();
  }

  private Shopper shopperOf(String token) {
    return real.shoppers().stream().filter(s -> s.devices().stream().anyMatch(d -> d.token().equals(token)))
        .findFirst().orElseThrow();
  }

  private String run(String... options) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      CartAbandonmentDemo.run(List.of(options), dir, out);
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
