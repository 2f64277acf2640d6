package dev.nudge.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.Test;

/** The dialect comes from the connection's metadata, and the builder's setting overrides it. */
class DialectTest {
  @Test
  void anUnknownDatabaseIsRefusedUnlessTheDialectIsSet() {
    JdbcConnectionPool h2 = JdbcConnectionPool.create("jdbc:h2:mem:dialect-test;DB_CLOSE_DELAY=-1", "sa", "");
    try {
      DataSource disguised = calling(h2, "AcmeDB");
      assertThatThrownBy(() -> JdbcStore.builder(disguised).build()).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("does not know the database 'AcmeDB'")
          .hasMessageContaining("JdbcStore.Builder.dialect");
      try (JdbcStore store = JdbcStore.builder(disguised).dialect(Dialect.H2).build()) {
        assertThat(store.dialect()).isEqualTo(Dialect.H2);
        assertThat(store.size()).isZero();
      }
      try (JdbcStore store = JdbcStore.builder(h2).build()) {
        assertThat(store.dialect()).as("detected").isEqualTo(Dialect.H2);
      }
    } finally {
      h2.dispose();
    }
  }

  /** {@code ds}, whose connections report {@code product} as the database's product name. */
  private static DataSource calling(DataSource ds, String product) {
    return proxy(DataSource.class, ds, (target, method, args) -> method.getName().equals("getConnection")
        ? proxy(Connection.class, (Connection) method.invoke(target, args), (c, m, a) -> m.getName().equals("getMetaData")
            ? proxy(DatabaseMetaData.class, (DatabaseMetaData) m.invoke(c, a), (md, mm, aa) ->
                mm.getName().equals("getDatabaseProductName") ? product : mm.invoke(md, aa))
            : m.invoke(c, a))
        : method.invoke(target, args));
  }

  @FunctionalInterface
  private interface Forward<T> {
    Object call(T target, java.lang.reflect.Method method, Object[] args) throws Exception;
  }

  private static <T> T proxy(Class<T> type, T target, Forward<T> forward) {
    InvocationHandler handler = (p, method, args) -> {
      try {
        return forward.call(target, method, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    };
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
  }
}
