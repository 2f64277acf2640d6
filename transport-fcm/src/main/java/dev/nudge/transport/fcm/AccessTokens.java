package dev.nudge.transport.fcm;

import java.util.concurrent.CompletableFuture;

/** Where the transport gets the bearer token of each request. Thread-safe. */
interface AccessTokens {
  /** The token to send now; the future fails with a {@link TokenFailure} when there is none. */
  CompletableFuture<String> token();

  /** FCM answered 401 to a request with {@code token}: the next {@link #token()} must not return it. */
  void rejected(String token);

  /** A host's own tokens: {@code source} is asked for every request, on the sending thread. */
  static AccessTokens supplied(AccessTokenSource source) {
    return new AccessTokens() {
      @Override
      public CompletableFuture<String> token() {
        String t;
        try {
          t = source.token();
        } catch (RuntimeException e) {
          return CompletableFuture.failedFuture(new TokenFailure(false, "the access token source threw "
              + e.getClass().getName()));
        }
        if (t == null || t.isBlank()) {
          return CompletableFuture.failedFuture(new TokenFailure(false, "the access token source gave no token"));
        }
        return CompletableFuture.completedFuture(t);
      }

      @Override
      public void rejected(String token) {
        source.rejected(token);
      }

      @Override
      public String toString() {
        return "supplied access tokens";
      }
    };
  }
}
