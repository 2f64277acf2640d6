package dev.nudge.core;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.nudge.spi.UserStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A read-only {@link UserStore} (the host's own users table) behind a cache, so that a burst of
 * sends to one user reads that user's attributes once per expiry, not once per send. Expiry is
 * measured on the engine's clock. Thread-safe.
 */
final class CachedUsers implements UserStore {
  private final UserStore source;
  private final LoadingCache<String, Map<String, Object>> cache;

  CachedUsers(UserStore source, long maximumSize, Duration expireAfterWrite, Clock clock) {
    this.source = source;
    this.cache = Caffeine.newBuilder()
        .maximumSize(maximumSize)
        .expireAfterWrite(expireAfterWrite)
        .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
        .build(this::load);
  }

  private Map<String, Object> load(String userId) {
    Map<String, Object> read = source.attributes(userId);
    if (read == null) {
      throw new IllegalStateException(source.getClass().getName() + ".attributes(" + userId
          + ") returned null; a UserStore returns an empty map for an unknown user");
    }
    return read;
  }

  @Override
  public Map<String, Object> attributes(String userId) {
    return cache.get(userId);
  }

  /** Drops what is cached for a user (whose data was deleted). */
  void invalidate(String userId) {
    cache.invalidate(userId);
  }

  /** The store behind the cache. */
  UserStore source() {
    return source;
  }
}
