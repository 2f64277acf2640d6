package dev.nudge.spi;

import java.util.Map;

/**
 * A {@link UserStore} the engine writes to: {@code Nudge.setUserAttributes} and
 * {@code removeUserAttribute} go here. A value stored comes back equal from
 * {@link #attributes} (numbers keep their kind: a whole {@code Double} stays a {@code Double}).
 * Thread-safe.
 */
public interface WritableUserStore extends UserStore {
  /** Merges {@code attributes} into the user's; the engine has validated them as event properties. */
  void setAttributes(String userId, Map<String, Object> attributes);

  /** Removes one attribute; nothing when the user does not have it. */
  void removeAttribute(String userId, String name);

  /** Removes every attribute of a user (the user's data is deleted); nothing when there are none. */
  void removeUser(String userId);
}
