package dev.nudge.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's demo keeps its reminders in an H2 file: a second run continues the first. */
class CartAbandonmentDemoTest {
  private static final Pattern CONTINUING =
      Pattern.compile("continuing where day 1 left off: (\\d+) reminders pending");

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

  private String run(String... options) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      CartAbandonmentDemo.run(List.of(options), dir, out);
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
