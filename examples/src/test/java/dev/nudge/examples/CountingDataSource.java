package dev.nudge.examples;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The host's data source as a test sees it: counts the prepared queries whose SQL matches, so a
 * test can tell how often an adapter read the table without the adapter keeping counters for it.
 */
final class CountingDataSource implements DataSource {
  private final DataSource delegate;
  private final Predicate<String> counted;
  private final AtomicLong queries = new AtomicLong();

  CountingDataSource(DataSource delegate, Predicate<String> counted) {
    this.delegate = delegate;
    this.counted = counted;
  }

  /** Queries executed so far whose SQL matched. */
  long queries() {
    return queries.get();
  }

  @Override
  public Connection getConnection() throws SQLException {
    return wrap(delegate.getConnection());
  }

  @Override
  public Connection getConnection(String user, String password) throws SQLException {
    return wrap(delegate.getConnection(user, password));
  }

  private Connection wrap(Connection c) {
    InvocationHandler handler = (proxy, method, args) -> {
      Object result = invoke(c, method, args);
      if (method.getName().equals("prepareStatement") && result instanceof PreparedStatement ps
          && counted.test((String) args[0])) {
        return countingStatement(ps);
      }
      return result;
    };
    return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class}, handler);
  }

  private PreparedStatement countingStatement(PreparedStatement ps) {
    InvocationHandler handler = (proxy, method, args) -> {
      if (method.getName().equals("executeQuery") && (args == null || args.length == 0)) {
        queries.incrementAndGet();
      }
      return invoke(ps, method, args);
    };
    return (PreparedStatement) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {PreparedStatement.class}, handler);
  }

  private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  @Override
  public PrintWriter getLogWriter() throws SQLException {
    return delegate.getLogWriter();
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    delegate.setLogWriter(out);
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    delegate.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return delegate.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return delegate.getParentLogger();
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    return delegate.unwrap(iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) throws SQLException {
    return delegate.isWrapperFor(iface);
  }
}
