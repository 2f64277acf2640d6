package dev.nudge.transport.fcm;

/**
 * A host's own source of OAuth 2.0 access tokens for the FCM API, instead of a service-account
 * key: e.g. Google's auth library, or a workload identity. {@link #token()} is asked for every
 * request, on the thread that sends it (one of the engine's delivery workers; an OkHttp thread
 * when a request is tried again after a 401), so it should return a cached token and may block
 * only while it renews one. Implementations are thread-safe.
 */
@FunctionalInterface
public interface AccessTokenSource {
  /** The bearer token to send now; never {@code null}. */
  String token();

  /** FCM refused {@code token} (HTTP 401): the next {@link #token()} should give a fresh one. */
  default void rejected(String token) {}
}
