package dev.nudge.core.internal;

import dev.nudge.core.Nudge;
import java.time.Instant;
import java.util.Map;

/**
 * What the replay in {@code dev.nudge.simulate} needs of the engine beyond its public API: a
 * single-threaded engine driven through virtual time. Not part of Nudge's API; it may change in
 * any release. The engine registers the one implementation when {@link Nudge} is loaded.
 */
public abstract class EngineAccess {
  private static volatile EngineAccess instance;

  /** The engine's implementation. */
  public static EngineAccess get() {
    EngineAccess a = instance;
    if (a == null) {
      try {
        Class.forName(Nudge.class.getName(), true, Nudge.class.getClassLoader()); // registers it
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException(e);
      }
      a = instance;
    }
    return a;
  }

  /** Called once, by the engine. */
  protected static void register(EngineAccess access) {
    if (instance != null) {
      throw new IllegalStateException("the engine access is already registered");
    }
    instance = access;
  }

  /** Settles deliveries on the thread that resolves them. */
  public abstract Nudge.Builder directExecution(Nudge.Builder builder);

  /** Resolves, on the calling thread, every reminder firing at or before {@code t}. */
  public abstract int resolveThrough(Nudge nudge, Instant t);

  /** The earliest fire time of any pending reminder, or {@code null}. */
  public abstract Instant nextFireAt(Nudge nudge);

  /** A user's attributes, checked as {@code setUserAttributes} checks them. */
  public abstract Map<String, Object> checkedAttributes(String userId, Map<String, ?> attributes);
}
