package dev.nudge.core;

/**
 * A failure of the engine's own rules inside a unit of work (a bug, not the store): it is
 * reported and fails the reminder's resolution at once instead of being retried as if the store
 * were unreachable.
 */
final class EngineFault extends RuntimeException {
  private static final long serialVersionUID = 1L;

  EngineFault(Throwable cause) {
    super("the engine failed inside a unit of work: " + cause, cause);
  }

  /** Whether {@code error} or one of its causes is an engine fault. */
  static boolean in(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof EngineFault) {
        return true;
      }
    }
    return false;
  }
}
