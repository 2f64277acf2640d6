package dev.nudge.transport.fcm;

/**
 * No access token could be had. {@code permanent} when the token endpoint refused the grant (a
 * wrong or revoked key: sends are rejected until the setting is fixed), otherwise a network or
 * server failure that a later try may not meet. Its message never holds a token or the key.
 */
final class TokenFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  final boolean permanent;

  TokenFailure(boolean permanent, String message) {
    super(message, null, false, false);
    this.permanent = permanent;
  }
}
