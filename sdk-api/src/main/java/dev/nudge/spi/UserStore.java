package dev.nudge.spi;

import java.util.Map;

/**
 * Where the engine reads users' attributes (audience conditions, {@code {{user.NAME}}}
 * placeholders). An implementation that only reads is valid: an adapter over the host's own users
 * table, which the host keeps up to date itself; the engine then caches what it reads (see
 * {@code Nudge.Builder.users}) and refuses {@code setUserAttributes}. A store that also lets the
 * engine write implements {@link WritableUserStore}. Thread-safe.
 *
 * <p>Values are what an event property holds: {@code String}, {@code Boolean}, {@code Long},
 * {@code BigInteger} beyond the long range, {@code Double}, and lists and maps of those.
 */
public interface UserStore {
  /** The user's attributes, empty when unknown. Never {@code null}. */
  Map<String, Object> attributes(String userId);
}
