package dev.nudge.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.nudge.Device;
import dev.nudge.Platform;
import dev.nudge.examples.CartAbandonmentDemo.Shopper;
import dev.nudge.examples.LocalApns.Received;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's demo keeps its reminders in an H2 file: a second run continues the first; with
 * {@code --apns-mock} its iOS pushes travel over real APNs traffic to a mock server.
 */
class CartAbandonmentDemoTest {
  private static final Pattern CONTINUING =
      Pattern.compile("continuing where day 1 left off: (\\d+) reminders pending");
  private static final Pattern IOS_ACCEPTED = Pattern.compile("accepted by platform: IOS (\\d+)");
  private static final Pattern SERVER_SUMMARY = Pattern.compile("IOS +(\\d+) requests at the mock APNs server: +(\\d+)"
      + " accepted, +(\\d+) throttled \\(TooManyRequests, retried later\\), +(\\d+) rejected \\(Unregistered\\)\\n");
  private static final Pattern TOTAL_ROW = Pattern.compile("cart-abandonment +all( +\\d+){11}");

  @TempDir
  Path dir;

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
  void withApnsMockTheIosPushesArriveAtTheApnsServerOverTlsWithTheirRenderedText() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CartAbandonmentDemo.Run run;
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      run = CartAbandonmentDemo.run(List.of("--apns-mock", "--memory"), dir, out);
    }
    String output = bytes.toString(StandardCharsets.UTF_8);
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
    Matcher server = SERVER_SUMMARY.matcher(output);
    assertThat(server.find()).as("transport summary in:%n%s", output).isTrue();
    Function<String, Long> count = answer -> requests.stream().filter(r -> r.answer().equals(answer)).count();
    assertThat(Long.parseLong(server.group(1))).isEqualTo(requests.size());
    assertThat(Long.parseLong(server.group(2))).isEqualTo(count.apply("accepted"));
    assertThat(Long.parseLong(server.group(3))).isEqualTo(count.apply("TooManyRequests"));
    assertThat(Long.parseLong(server.group(4))).isEqualTo(uninstalledIos.size());
    Matcher iosAccepted = IOS_ACCEPTED.matcher(output);
    assertThat(iosAccepted.find()).isTrue();
    assertThat(Long.parseLong(iosAccepted.group(1))).as("the engine's IOS accepted count").isEqualTo(accepted.size());
    Matcher total = TOTAL_ROW.matcher(output);
    assertThat(total.find()).isTrue();
    String[] cells = total.group().trim().split(" +");
    assertThat(Long.parseLong(cells[11])).as("invalid tokens: every uninstalled app, iOS and Android")
        .isEqualTo(run.uninstalled().size());

    // One request is shown as it arrived.
    Received shown = accepted.get(0);
    assertThat(output).contains("One APNs request as the mock APNs server received it (HTTP/2 over "
            + shown.tlsProtocol())
        .contains("apns-collapse-id " + shown.collapseId() + "   apns-push-type alert   apns-priority 10")
        .contains("  " + shown.payload() + "\n");
  }

  private String run(String... options) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      CartAbandonmentDemo.run(List.of(options), dir, out);
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
