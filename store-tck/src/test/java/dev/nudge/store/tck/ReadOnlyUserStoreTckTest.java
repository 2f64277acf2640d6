package dev.nudge.store.tck;

import dev.nudge.spi.UserStore;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A read-only adapter, as a host writes one over its own users, against the user part of the
 * kit: the read tests run on what {@link #givenAttributes} put in the host's "table", the write
 * tests skip.
 */
class ReadOnlyUserStoreTckTest extends UserStoreTck {
  private final Map<String, Map<String, Object>> hostTable = new ConcurrentHashMap<>();

  @Override
  protected UserStore newUserStore() {
    hostTable.clear();
    return userId -> hostTable.getOrDefault(userId, Map.of());
  }

  @Override
  protected void givenAttributes(String userId, Map<String, Object> attributes) {
    hostTable.put(userId, Map.copyOf(attributes));
  }
}
