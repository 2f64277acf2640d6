package dev.nudge.store.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nudge.spi.UserStore;
import dev.nudge.spi.WritableUserStore;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The promises of {@link UserStore} and {@link WritableUserStore} (see their Javadoc), as tests.
 * The <em>read</em> tests hold for every user store, including a read-only adapter over the host's
 * own users table: an unknown user has no attributes (an empty map, never {@code null}), and
 * values of every kind an event property holds come back equal, numbers keeping their kind. The
 * <em>write</em> tests (merging, removing) run only when the store is a
 * {@link WritableUserStore}; for a read-only one they are skipped with the reason "read-only
 * UserStore: the host owns its users".
 *
 * <p>Extend this class, return a store over fresh, empty data from {@link #newUserStore()} and,
 * for a read-only store, give it data the way the host does in {@link #givenAttributes}:
 *
 * <pre>{@code
 * class CustomersTableTckTest extends UserStoreTck {
 *   @Override
 *   protected UserStore newUserStore() {
 *     database.truncate("customers");
 *     return new CustomersUserStore(database.dataSource());
 *   }
 *
 *   @Override
 *   protected void givenAttributes(String userId, Map<String, Object> attributes) {
 *     database.insertCustomer(userId, attributes); // as the host's own code writes them
 *   }
 * }
 * }</pre>
 *
 * <p>A store that is {@link AutoCloseable} is closed after each test.
 */
public abstract class UserStoreTck {
  private static final String READ_ONLY = "read-only UserStore: the host owns its users";

  /** The store under test: new and empty for each test. */
  protected UserStore store;

  /** A new store over empty data. Called before each test. */
  protected abstract UserStore newUserStore();

  /**
   * Makes {@code attributes} the attributes of {@code userId}, who has none yet, as the host
   * would. The default writes them through {@link WritableUserStore#setAttributes}; an adapter
   * over the host's users, which the engine never writes, overrides it to write the host's table.
   *
   * @throws IllegalStateException by default, when the store is read-only
   */
  protected void givenAttributes(String userId, Map<String, Object> attributes) {
    if (!(store instanceof WritableUserStore writable)) {
      throw new IllegalStateException(store.getClass().getName() + " is a read-only UserStore; override"
          + " UserStoreTck.givenAttributes to give the store data the way the host does (its own table)");
    }
    writable.setAttributes(userId, attributes);
  }

  @BeforeEach
  void openStore() {
    store = newUserStore();
  }

  @AfterEach
  void closeStore() throws Exception {
    if (store instanceof AutoCloseable closeable) {
      closeable.close();
    }
  }

  // ------------------------------------------------------------------ reading

  @Test
  void anUnknownUserHasNoAttributes() {
    assertThat(store.attributes("nobody")).isNotNull().isEmpty();
  }

  @Test
  void attributesOfEveryKindComeBackEqual() {
    Map<String, Object> attributes = everyKind();
    givenAttributes("u1", attributes);
    Map<String, Object> back = store.attributes("u1");
    assertThat(back).isEqualTo(attributes);
    assertThat(back.get("age")).isInstanceOf(Long.class);
    assertThat(back.get("score")).as("a whole double stays a Double").isInstanceOf(Double.class);
    assertThat(back.get("huge")).isInstanceOf(BigInteger.class);
    assertThat(store.attributes("u2")).isEmpty();
  }

  @Test
  void eachUserHasTheirOwnAttributes() {
    givenAttributes("u1", Map.of("first_name", "Sara"));
    givenAttributes("u2", Map.of("first_name", "Reza", "vip", true));
    givenAttributes("u1 ", Map.of("first_name", "Trailing"));
    assertThat(store.attributes("u1")).isEqualTo(Map.of("first_name", "Sara"));
    assertThat(store.attributes("u2")).isEqualTo(Map.of("first_name", "Reza", "vip", true));
    assertThat(store.attributes("u1 ")).as("a trailing space makes another user")
        .isEqualTo(Map.of("first_name", "Trailing"));
    assertThat(store.attributes("U1")).isEmpty();
  }

  // ------------------------------------------------------------------ writing

  @Test
  void attributesMergeAndRemove() {
    WritableUserStore store = writable();
    assertThat(store.attributes("u1")).isEmpty();
    store.setAttributes("u1", Map.of("first_name", "Sara", "age", 31L));
    store.setAttributes("u1", Map.of("age", 32L, "vip", true, "tags", List.of("a", 2L),
        "address", Map.of("city", "Shiraz", "lat", 29.59)));
    assertThat(store.attributes("u1")).isEqualTo(Map.of("first_name", "Sara", "age", 32L, "vip", true,
        "tags", List.of("a", 2L), "address", Map.of("city", "Shiraz", "lat", 29.59)));
    assertThat(store.attributes("u2")).isEmpty();

    store.removeAttribute("u1", "age");
    store.removeAttribute("u1", "never-set");
    store.removeAttribute("u9", "age");
    assertThat(store.attributes("u1")).containsOnlyKeys("first_name", "vip", "tags", "address");
    for (String name : List.of("first_name", "vip", "tags", "address")) {
      store.removeAttribute("u1", name);
    }
    assertThat(store.attributes("u1")).isEmpty();
  }

  @Test
  void removeUserRemovesEveryAttributeOfThatUserOnly() {
    WritableUserStore store = writable();
    store.setAttributes("u1", Map.of("first_name", "Sara", "vip", true));
    store.setAttributes("u2", Map.of("first_name", "Reza"));
    store.removeUser("u1");
    store.removeUser("u1");
    store.removeUser("nobody");
    assertThat(store.attributes("u1")).isEmpty();
    assertThat(store.attributes("u2")).isEqualTo(Map.of("first_name", "Reza"));
    store.setAttributes("u1", Map.of("first_name", "Sam"));
    assertThat(store.attributes("u1")).as("a later write starts afresh").isEqualTo(Map.of("first_name", "Sam"));
  }

  @Test
  void aValueSetAgainTakesItsNewKind() {
    WritableUserStore store = writable();
    store.setAttributes("u1", everyKind());
    store.setAttributes("u1", Map.of("age", "thirty-two", "score", 7L, "tags", Map.of("a", 1.5), "vip", List.of()));
    Map<String, Object> expected = new LinkedHashMap<>(everyKind());
    expected.putAll(Map.of("age", "thirty-two", "score", 7L, "tags", Map.of("a", 1.5), "vip", List.of()));
    assertThat(store.attributes("u1")).isEqualTo(expected);
    assertThat(store.attributes("u1").get("score")).isInstanceOf(Long.class);
  }

  // ------------------------------------------------------------------ helpers

  /** The store as a {@link WritableUserStore}; skips the test when it is read-only. */
  private WritableUserStore writable() {
    assumeTrue(store instanceof WritableUserStore, READ_ONLY);
    return (WritableUserStore) store;
  }

  /** One attribute of every kind an event property holds, nested ones included. */
  private static Map<String, Object> everyKind() {
    Map<String, Object> address = new LinkedHashMap<>();
    address.put("city", "Shiraz");
    address.put("lat", 29.59);
    address.put("floor", 3L);
    address.put("lines", List.of("Zand St.", "No. 12"));
    Map<String, Object> attributes = new LinkedHashMap<>();
    attributes.put("first_name", "Sara – ünïcødé 😀 \"quoted\" \\ / \n");
    attributes.put("empty", "");
    attributes.put("vip", true);
    attributes.put("churned", false);
    attributes.put("age", 31L);
    attributes.put("negative", -42L);
    attributes.put("max", Long.MAX_VALUE);
    attributes.put("min", Long.MIN_VALUE);
    attributes.put("huge", new BigInteger("123456789012345678901234567890"));
    attributes.put("hugeNegative", new BigInteger("-9223372036854775809"));
    attributes.put("lat", 0.1);
    attributes.put("score", 3.0);
    attributes.put("zeroDouble", 0.0);
    attributes.put("big", 1.0e300);
    attributes.put("tiny", -4.9e-324);
    attributes.put("tags", List.of("a", 2L, 2.5, true, List.of("nested"), Map.of("k", "v"), List.of()));
    attributes.put("address", address);
    attributes.put("nothing", Map.of());
    return attributes;
  }
}
