package dev.nudge.spi;

import java.util.Map;

/** Keeps users' attributes (read by audience conditions and {@code {{user.NAME}}}). Thread-safe. */
public interface UserStore {
  /** Merges {@code attributes} into the user's; the engine has validated them as event properties. */
  void setAttributes(String userId, Map<String, Object> attributes);

  /** Removes one attribute. */
  void removeAttribute(String userId, String name);

  /** The user's attributes, empty when unknown. */
  Map<String, Object> attributes(String userId);
}
