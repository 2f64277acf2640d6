package dev.nudge.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The simulate command as a user runs it: files in, files and exit codes out. */
class SimulateTest {
  @TempDir
  Path dir;
  Path campaigns;
  Path events;
  final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
  final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

  @BeforeEach
  void copySamples() throws IOException {
    campaigns = copy("campaigns.json");
    events = copy("events.jsonl");
  }

  @Test
  void samplesRunToOutcomeAndStatsFiles() throws IOException {
    Path out = dir.resolve("outcomes.jsonl");
    Path stats = dir.resolve("stats.json");

    int code = run("--campaigns", campaigns.toString(), "--events", events.toString(), "--out", out.toString(),
        "--stats", stats.toString());

    assertThat(code).as(err()).isZero();
    List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
    assertThat(lines).hasSize(7).first().isEqualTo("{\"at\":\"2026-03-01T09:10:00Z\",\"campaign\":\"welcome\","
        + "\"step\":0,\"userId\":\"ayse\",\"key\":\"\",\"outcome\":\"SENT\",\"reason\":null,"
        + "\"dueAt\":\"2026-03-01T09:10:00Z\",\"devices\":1,\"title\":\"Welcome, there!\","
        + "\"body\":\"Your first order ships free\"}");
    assertThat(lines.get(1)).contains("\"userId\":\"sara\"", "\"title\":\"هنوز تصمیم نگرفتی؟\"");
    assertThat(lines.get(2)).contains("\"userId\":\"tom\"", "\"outcome\":\"CANCELLED\"");
    JsonObject json = JsonParser.parseString(Files.readString(stats)).getAsJsonObject();
    JsonObject cart = json.getAsJsonObject("campaigns").getAsJsonObject("cart-abandonment");
    assertThat(cart.getAsJsonObject("total").get("converted").getAsLong()).isEqualTo(1);
    assertThat(json.get("badLines").getAsLong()).isZero();
    // the console table goes to standard output when the outcomes go to a file
    assertThat(out()).contains("campaign", "cart-abandonment", "win-back", "7 outcomes");
  }

  @Test
  void consentRecordsOptUsersOutAndInAndARequiredCategoryStillArrives() throws IOException {
    Files.writeString(campaigns, """
        {"settings": {"requiredCategories": ["security"]},
         "campaigns": [
          {"id": "cart", "trigger": {"event": "cart_add"}, "correlateBy": "cart_id",
           "steps": [{"delay": "PT2H", "message": {"title": "Your cart", "body": "is waiting"}}]},
          {"id": "saved", "category": "reminders", "trigger": {"event": "save"},
           "steps": [{"delay": "PT1H", "message": {"title": "Saved", "body": "Read it now"}}]},
          {"id": "new-login", "category": "security", "trigger": {"event": "login_new_device"},
           "steps": [{"delay": "PT1M", "message": {"title": "New sign-in", "body": "Was it you?"}}]}
         ]}
        """, StandardCharsets.UTF_8);
    Files.writeString(events, String.join("\n",
        "{\"type\":\"device\",\"userId\":\"ana\",\"platform\":\"IOS\",\"token\":\"t-ana\",\"occurredAt\":\"2026-03-01T09:00:00Z\"}",
        "{\"type\":\"consent\",\"userId\":\"ana\",\"optOut\":\"*\",\"occurredAt\":\"2026-03-01T09:00:00Z\"}",
        "{\"type\":\"consent\",\"userId\":\"ana\",\"optIn\":\"reminders\",\"occurredAt\":\"2026-03-01T09:00:00Z\"}",
        "{\"type\":\"event\",\"name\":\"cart_add\",\"userId\":\"ana\",\"properties\":{\"cart_id\":\"c1\"},"
            + "\"occurredAt\":\"2026-03-01T09:00:00Z\"}",
        "{\"type\":\"event\",\"name\":\"save\",\"userId\":\"ana\",\"occurredAt\":\"2026-03-01T09:00:00Z\"}",
        "{\"type\":\"event\",\"name\":\"login_new_device\",\"userId\":\"ana\",\"occurredAt\":\"2026-03-01T09:00:00Z\"}",
        "{\"type\":\"consent\",\"userId\":\"ana\",\"optIn\":\"Marketing\",\"occurredAt\":\"2026-03-01T09:00:00Z\"}",
        ""), StandardCharsets.UTF_8);
    Path out = dir.resolve("outcomes.jsonl");

    int code = run("--campaigns", campaigns.toString(), "--events", events.toString(), "--out", out.toString());

    assertThat(code).as(err()).isZero();
    assertThat(Files.readAllLines(out, StandardCharsets.UTF_8)).containsExactly(
        "{\"at\":\"2026-03-01T09:01:00Z\",\"campaign\":\"new-login\",\"step\":0,\"userId\":\"ana\",\"key\":\"\","
            + "\"outcome\":\"SENT\",\"reason\":null,\"dueAt\":\"2026-03-01T09:01:00Z\",\"devices\":1,"
            + "\"title\":\"New sign-in\",\"body\":\"Was it you?\"}",
        "{\"at\":\"2026-03-01T10:00:00Z\",\"campaign\":\"saved\",\"step\":0,\"userId\":\"ana\",\"key\":\"\","
            + "\"outcome\":\"SENT\",\"reason\":null,\"dueAt\":\"2026-03-01T10:00:00Z\",\"devices\":1,"
            + "\"title\":\"Saved\",\"body\":\"Read it now\"}",
        "{\"at\":\"2026-03-01T11:00:00Z\",\"campaign\":\"cart\",\"step\":0,\"userId\":\"ana\",\"key\":\"c1\","
            + "\"outcome\":\"SUPPRESSED\",\"reason\":\"OPTED_OUT\",\"dueAt\":\"2026-03-01T11:00:00Z\",\"devices\":0,"
            + "\"title\":null,\"body\":null}");
    assertThat(err()).contains("events.jsonl:7: skipped: \"optIn\" is 'Marketing'; use lowercase letters");
  }

  @Test
  void outcomesGoToStandardOutputAndTheTableToStandardErrorWithoutOut() {
    int code = run("--campaigns", campaigns.toString(), "--events", events.toString(),
        "--until", "2026-03-02T00:00:00Z");

    assertThat(code).as(err()).isZero();
    assertThat(out().lines().toList()).hasSize(4).allSatisfy(l -> assertThat(l).startsWith("{\"at\":"));
    assertThat(err()).contains("triggered", "until 2026-03-02T00:00:00Z");
  }

  @Test
  void badLinesAreReportedAndCountedAndTheRunGoesOn() throws IOException {
    Files.writeString(events, "{\"type\":\"event\"\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);

    int code = run("--campaigns", campaigns.toString(), "--events", events.toString(), "--out",
        dir.resolve("o.jsonl").toString());

    assertThat(code).isZero();
    assertThat(err()).contains("events.jsonl:14: skipped: not valid JSON");
    assertThat(out()).contains("1 bad lines");
  }

  @Test
  void malformedCampaignsFileExitsOneNamingThePath() throws IOException {
    Files.writeString(campaigns, Files.readString(campaigns).replace("\"PT24H\"", "\"24 hours\""));

    int code = run("--campaigns", campaigns.toString(), "--events", events.toString());

    assertThat(code).isEqualTo(1);
    assertThat(err()).contains("campaign 'cart-abandonment' at campaigns[0].steps[1].delay: delay \"24 hours\""
        + " is not an ISO-8601 duration such as \"PT2H\" or \"P7D\"");
    assertThat(out()).isEmpty();
  }

  @Test
  void usageErrorsExitTwoWithTheUsage() {
    assertThat(run()).isEqualTo(2);
    assertThat(err()).contains("--campaigns is required", "usage: simulate");

    stderr.reset();
    assertThat(run("--campaigns", campaigns.toString(), "--events", dir.resolve("missing.jsonl").toString()))
        .isEqualTo(2);
    assertThat(err()).contains("no such readable file");

    stderr.reset();
    assertThat(run("--campaigns", campaigns.toString(), "--events", events.toString(), "--until", "tomorrow"))
        .isEqualTo(2);
    assertThat(err()).contains("--until 'tomorrow' is not an instant");

    stderr.reset();
    assertThat(run("--campaigns", campaigns.toString(), "--events", events.toString(), "--colour")).isEqualTo(2);
    assertThat(err()).contains("unknown option '--colour'");

    stderr.reset();
    assertThat(run("--help")).isZero();
    assertThat(err()).contains("usage: simulate");
  }

  private int run(String... args) {
    return Simulate.run(args, new PrintStream(stdout, true, StandardCharsets.UTF_8),
        new PrintStream(stderr, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return stdout.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return stderr.toString(StandardCharsets.UTF_8);
  }

  private Path copy(String name) throws IOException {
    Path target = dir.resolve(name);
    try (InputStream in = SimulateTest.class.getResourceAsStream("/simulate/" + name)) {
      Files.copy(in, target);
    }
    return target;
  }
}
