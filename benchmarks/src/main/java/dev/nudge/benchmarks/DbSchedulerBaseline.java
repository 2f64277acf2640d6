package dev.nudge.benchmarks;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.exceptions.TaskInstanceNotFoundException;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.TaskInstanceId;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;

/**
 * The do-it-yourself baseline Nudge is measured against: what a Java developer would write with
 * db-scheduler alone. Each cart gets one one-time task instance ({@code user/cart}, with the
 * cart's data), scheduled when the item is added and cancelled when the user buys; a
 * {@link Scheduler} executes due instances with a handler that sends (here: counts) the reminder.
 * The table is db-scheduler's documented {@code scheduled_tasks} schema under another name.
 * Thread-safe.
 */
final class DbSchedulerBaseline {
  static final String TASK = "cart-reminder";

  /** The task data: what the handler needs to send the reminder. */
  record CartReminder(String userId, String cartId, String itemName) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  private final DataSource dataSource;
  private final String table;
  private final LongAdder sent = new LongAdder();
  private final OneTimeTask<CartReminder> task;
  private final SchedulerClient client;

  /** Creates the table afresh ({@code h2} or {@code postgres} column types) and a client on it. */
  DbSchedulerBaseline(DataSource dataSource, String db, String table) {
    this.dataSource = dataSource;
    this.table = table;
    createTable(db);
    this.task = Tasks.oneTime(TASK, CartReminder.class).execute((instance, context) -> {
      CartReminder r = instance.getData();
      if (r.userId() != null) {
        sent.increment(); // the send itself is a no-op, as for Nudge's figures
      }
    });
    this.client = SchedulerClient.Builder.create(dataSource, task).tableName(table).build();
  }

  /** On {@code cart_add}: one task instance per cart, due after the reminder delay. */
  void cartAdded(String userId, String cartId, String itemName, Instant dueAt) {
    client.scheduleIfNotExists(task.instance(userId + "/" + cartId, new CartReminder(userId, cartId, itemName)), dueAt);
  }

  /** On {@code purchase}: cancel the cart's task instance, if it is still there. */
  void purchased(String userId, String cartId) {
    try {
      client.cancel(TaskInstanceId.of(TASK, userId + "/" + cartId));
    } catch (TaskInstanceNotFoundException e) {
      // Already executed or never scheduled: nothing to cancel.
    }
  }

  /** Schedules task instances in one batch (set-up for {@link #fire}, not measured). */
  void scheduleDue(List<TaskInstance<?>> instances, Instant dueAt) {
    client.scheduleBatch(instances, dueAt);
  }

  TaskInstance<CartReminder> instance(String userId, String cartId, String itemName) {
    return task.instance(userId + "/" + cartId, new CartReminder(userId, cartId, itemName));
  }

  /**
   * Starts a scheduler with {@code threads} executor threads, waits until {@code expected} task
   * instances have executed, stops it, and returns the seconds from start to the last execution.
   */
  double fire(int expected, int threads, Duration pollingInterval, boolean lockAndFetch) throws InterruptedException {
    sent.reset();
    var builder = Scheduler.create(dataSource, task).tableName(table).threads(threads)
        .pollingInterval(pollingInterval).shutdownMaxWait(Duration.ofSeconds(10));
    if (lockAndFetch) {
      builder.pollUsingLockAndFetch(1.0, 4.0); // the documented high-throughput setting
    }
    Scheduler scheduler = builder.build();
    long start = System.nanoTime();
    scheduler.start();
    long last = start;
    try {
      long deadline = start + TimeUnit.MINUTES.toNanos(10);
      while (sent.sum() < expected && System.nanoTime() < deadline) {
        TimeUnit.MILLISECONDS.sleep(5);
      }
      last = System.nanoTime();
    } finally {
      scheduler.stop();
    }
    if (sent.sum() < expected) {
      throw new IllegalStateException("db-scheduler executed " + sent.sum() + " of " + expected + " in 10 minutes");
    }
    return (last - start) / 1e9;
  }

  long executed() {
    return sent.sum();
  }

  long remaining() {
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
         var rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot count " + table + ": " + e.getMessage(), e);
    }
  }

  private void createTable(String db) {
    boolean pg = db.equals("postgres");
    String text = pg ? "TEXT" : "VARCHAR(100)";
    String time = "TIMESTAMP WITH TIME ZONE";
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS " + table);
      s.execute("CREATE TABLE " + table + " ("
          + " task_name " + text + " NOT NULL,"
          + " task_instance " + text + " NOT NULL,"
          + " task_data " + (pg ? "BYTEA" : "BLOB") + ","
          + " execution_time " + time + " NOT NULL,"
          + " picked BOOLEAN NOT NULL,"
          + " picked_by " + text + ","
          + " last_success " + time + ","
          + " last_failure " + time + ","
          + " consecutive_failures INT,"
          + " last_heartbeat " + time + ","
          + " version BIGINT NOT NULL,"
          + " priority SMALLINT,"
          + " PRIMARY KEY (task_name, task_instance))");
      s.execute("CREATE INDEX " + table + "_execution_time_idx ON " + table + " (execution_time)");
      s.execute("CREATE INDEX " + table + "_last_heartbeat_idx ON " + table + " (last_heartbeat)");
      s.execute("CREATE INDEX " + table + "_priority_execution_time_idx ON " + table
          + " (priority DESC, execution_time ASC)");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create the db-scheduler table " + table + ": " + e.getMessage(), e);
    }
  }

  void dropTable() {
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS " + table);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot drop " + table + ": " + e.getMessage(), e);
    }
  }
}
