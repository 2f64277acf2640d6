package dev.nudge.store.jdbc;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * Collects what Nudge logs at INFO or above (its {@code System.Logger}s go to
 * {@code java.util.logging} when no other backend is installed), for tests of what an operator
 * would read. Close it to detach.
 */
final class LogRecords extends Handler implements AutoCloseable {
  private final Logger logger = Logger.getLogger("dev.nudge");
  private final List<LogRecord> records = new CopyOnWriteArrayList<>();

  LogRecords() {
    setLevel(Level.INFO);
    logger.addHandler(this);
  }

  List<LogRecord> records() {
    return List.copyOf(records);
  }

  List<String> messages() {
    return records.stream().map(LogRecord::getMessage).toList();
  }

  String describe() {
    return records.stream()
        .map(r -> r.getLevel() + " " + r.getLoggerName() + ": " + r.getMessage()
            + (r.getThrown() == null ? "" : " [" + r.getThrown() + "]"))
        .collect(Collectors.joining("\n", records.size() + " log record(s):\n", ""));
  }

  @Override
  public void publish(LogRecord record) {
    if (isLoggable(record)) {
      records.add(record);
      Await.changed();
    }
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    logger.removeHandler(this);
  }
}
