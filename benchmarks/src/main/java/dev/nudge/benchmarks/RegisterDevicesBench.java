/*
 * Registering devices on the JDBC store: one registerDevice call per device next to one
 * registerDevices call for all of them, on a fresh H2 file each. From the repository root:
 *
 *   mvn -B -q -pl benchmarks -am package dependency:build-classpath -DskipTests \
 *       -DincludeScope=runtime -Dmdep.outputFile=target/classpath.txt
 *   java -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" \
 *       dev.nudge.benchmarks.RegisterDevicesBench      # --devices N [2000], --rounds N [3]
 */
package dev.nudge.benchmarks;

import dev.nudge.Device;
import dev.nudge.Platform;
import dev.nudge.core.Nudge;
import dev.nudge.store.jdbc.JdbcStore;
import dev.nudge.testing.RecordingTransport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How long registering {@code --devices} devices (two per user) takes on an H2 file, one call per
 * device and one batch call, each the best of {@code --rounds} rounds on a fresh file. A plain
 * {@code main}.
 */
public final class RegisterDevicesBench {
  private RegisterDevicesBench() {}

  public static void main(String[] args) throws Exception {
    int devices = 2_000;
    int rounds = 3;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--devices" -> devices = Integer.parseInt(args[i + 1]);
        case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i] + "; options: --devices N --rounds N");
      }
    }
    List<Device> all = new ArrayList<>(devices);
    for (int i = 0; i < devices; i++) {
      all.add(Device.of("user-" + i / 2, i % 2 == 0 ? Platform.IOS : Platform.ANDROID, "token-" + i)
          .locale("en-US").build());
    }
    Path dir = Files.createTempDirectory("nudge-register-bench");
    double single = Double.MAX_VALUE;
    double batch = Double.MAX_VALUE;
    time(dir.resolve("warm-up-single"), all, false);
    time(dir.resolve("warm-up-batch"), all, true);
    for (int round = 1; round <= rounds; round++) {
      single = Math.min(single, time(dir.resolve("single-" + round), all, false));
      batch = Math.min(batch, time(dir.resolve("batch-" + round), all, true));
    }
    System.out.printf("  %-44s %8.3f s%n", String.format("%,d registerDevice calls (H2 file)", devices), single);
    System.out.printf("  %-44s %8.3f s%n", String.format("one registerDevices of %,d (H2 file)", devices), batch);
    System.out.printf("  %-44s %8.1fx%n", "faster", single / batch);
  }

  private static double time(Path file, List<Device> all, boolean batch) {
    try (Nudge nudge = Nudge.builder().store(JdbcStore.h2(file)).transport(RecordingTransport.ios()).build()) {
      long start = System.nanoTime();
      if (batch) {
        nudge.registerDevices(all);
      } else {
        all.forEach(nudge::registerDevice);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      if (nudge.devices("user-0").size() != 2) {
        throw new IllegalStateException("expected 2 devices of user-0, got " + nudge.devices("user-0"));
      }
      return seconds;
    }
  }
}
