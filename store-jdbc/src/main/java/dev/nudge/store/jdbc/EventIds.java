package dev.nudge.store.jdbc;

import dev.nudge.spi.UserState;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The event ids a group-commit batch asks about. Units run first assuming ids the database was
 * not asked about yet are new; the committer then looks all of them up in one query and, when
 * one turns out to be known, runs the batch's units again with that knowledge. Used by one
 * committer thread only.
 */
final class EventIds implements UserState.EventLedger {
  /** Ids the database knows and still retains: duplicates. */
  final Set<String> known = new HashSet<>();
  /** Ids the database still has a row for, past the retention: recorded again after deleting it. */
  final Map<String, Long> expired = new HashMap<>();
  /** Ids the database was asked about. */
  final Set<String> looked = new HashSet<>();
  /** Ids asked about in this pass that the database was not asked about yet. */
  final Set<String> unknown = new LinkedHashSet<>();
  /** Ids recorded as new by this pass's units, in order, with the user each was recorded for. */
  final Map<String, String> recorded = new LinkedHashMap<>();

  void startPass() {
    unknown.clear();
    recorded.clear();
  }

  /** {@code true} when the id is new to this batch and, as far as is known, to the database. */
  @Override
  public boolean record(String eventId, String userId, Instant at) {
    if (known.contains(eventId) || recorded.putIfAbsent(eventId, userId) != null) {
      return false;
    }
    if (!looked.contains(eventId)) {
      unknown.add(eventId);
    }
    return true;
  }

  @Override
  public void forget(String eventId) {
    recorded.remove(eventId);
  }
}
