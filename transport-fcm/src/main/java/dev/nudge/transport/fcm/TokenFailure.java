package dev.nudge.transport.fcm;

/**
 * No access token could be had. {@code refused} when the token endpoint refused the grant (a
 * wrong or revoked key, or this machine's clock far off: a setting to fix), otherwise a network
 * or server failure. Either way the sends are tried again later, once the key, the clock or the
 * endpoint is right. Its message never holds a token or the key.
 */
final class TokenFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  final boolean refused;

  TokenFailure(boolean refused, String message) {
    super(message, null, false, false);
    this.refused = refused;
  }
}
