package dev.nudge.store.jdbc;

import dev.nudge.Outcome;
import dev.nudge.OutcomeReport;
import dev.nudge.core.Nudge;
import dev.nudge.spi.NudgeListener;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.h2.jdbcx.JdbcConnectionPool;
import org.postgresql.ds.PGConnectionPoolDataSource;

/**
 * The instance {@link CrashRecoveryTest} kills: a started engine on PostgreSQL whose transport
 * accepts the first N sends, appending {@code D <reminderId> <collapseId>} to a file for each,
 * then holds every later send open and prints {@code holding}: the parent kills it then, in the
 * middle of its run, with sends in flight. {@code S <userId>} is appended for each {@code SENT}
 * outcome. Each line is one unbuffered write, so what the kernel has survives {@code kill -9}.
 *
 * <p>Arguments: the PostgreSQL JDBC URL, the table prefix, the file, N. Exits on its own when its
 * standard input closes, so that a parent that died cannot leave it running.
 */
public final class CrashChild {
  static final String CAMPAIGN = "crash";
  static final Duration LEASE = Duration.ofSeconds(2);

  private CrashChild() {}

  public static void main(String[] args) throws Exception {
    PGConnectionPoolDataSource pg = new PGConnectionPoolDataSource();
    pg.setURL(args[0]);
    JdbcConnectionPool pool = JdbcConnectionPool.create(pg);
    pool.setMaxConnections(16);
    try (OutputStream log = Files.newOutputStream(Path.of(args[2]), StandardOpenOption.CREATE,
        StandardOpenOption.APPEND)) {
      Nudge nudge = Nudge.builder()
          .store(JdbcStore.builder(pool).tablePrefix(args[1]).build())
          .transport(GatedTransport.acceptingFirst(Integer.parseInt(args[3]), () -> {
            System.out.println("holding");
            System.out.flush();
          }, (device, n) -> line(log, "D " + n.reminderId() + " " + n.collapseId())))
          .listener(new NudgeListener() {
            @Override
            public void onOutcome(OutcomeReport report) {
              if (report.outcome() == Outcome.SENT) {
                line(log, "S " + report.userId());
              }
            }
          })
          .instanceId("crash-child")
          .lease(LEASE)
          .pollInterval(Duration.ofMillis(100))
          .build();
      nudge.define(Shoppers.campaign(CAMPAIGN));
      nudge.start();
      System.out.println("started");
      while (System.in.read() >= 0) {
        // the parent never writes; its end closes when it exits
      }
      System.out.println("the parent went away; exiting");
      System.exit(2);
    }
  }

  private static void line(OutputStream log, String line) {
    byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
    synchronized (log) {
      try {
        log.write(bytes);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
