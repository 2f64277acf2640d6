package dev.nudge.store.jdbc;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.Set;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A {@link DataSource} whose database can be made unreachable: while {@link #down()}, new
 * connections are refused and every call on a borrowed connection or statement fails with SQLState
 * {@code 08006}, as after a lost connection, including {@code commit}. Rolling back and closing
 * still reach the real connection, as the server rolls back a dropped session's transaction.
 * Thread-safe.
 */
final class OutageDataSource implements DataSource {
  /** Calls that still go through during an outage. */
  private static final Set<String> PASS_THROUGH = Set.of("close", "isClosed", "rollback", "setAutoCommit",
      "getAutoCommit", "unwrap", "isWrapperFor", "toString", "hashCode", "equals");

  private final DataSource database;
  private volatile boolean down;

  OutageDataSource(DataSource database) {
    this.database = database;
  }

  /** From now on the database is unreachable. */
  void down() {
    down = true;
  }

  /** The database is back. */
  void up() {
    down = false;
  }

  @Override
  public Connection getConnection() throws SQLException {
    refuseWhileDown("connect");
    return wrap(Connection.class, database.getConnection());
  }

  @Override
  public Connection getConnection(String user, String password) throws SQLException {
    refuseWhileDown("connect");
    return wrap(Connection.class, database.getConnection(user, password));
  }

  private void refuseWhileDown(String what) throws SQLException {
    if (down) {
      throw new SQLException("cannot " + what + ": the database is unreachable (simulated outage)", "08006");
    }
  }

  private <T> T wrap(Class<T> type, T target) {
    InvocationHandler handler = (proxy, method, args) -> {
      if (!PASS_THROUGH.contains(method.getName())) {
        refuseWhileDown(method.getName());
      }
      Object result;
      try {
        result = method.invoke(target, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
      if (result instanceof CallableStatement s && method.getReturnType() == CallableStatement.class) {
        return wrap(CallableStatement.class, s);
      }
      if (result instanceof PreparedStatement s && method.getReturnType() == PreparedStatement.class) {
        return wrap(PreparedStatement.class, s);
      }
      if (result instanceof Statement s && method.getReturnType() == Statement.class) {
        return wrap(Statement.class, s);
      }
      return result;
    };
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
  }

  @Override
  public PrintWriter getLogWriter() throws SQLException {
    return database.getLogWriter();
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    database.setLogWriter(out);
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    database.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return database.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return database.getParentLogger();
  }

  @Override
  public <T> T unwrap(Class<T> type) throws SQLException {
    if (type.isInstance(this)) {
      return type.cast(this);
    }
    return database.unwrap(type);
  }

  @Override
  public boolean isWrapperFor(Class<?> type) throws SQLException {
    return type.isInstance(this) || database.isWrapperFor(type);
  }
}
