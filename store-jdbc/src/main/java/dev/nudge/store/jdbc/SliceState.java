package dev.nudge.store.jdbc;

import dev.nudge.spi.Reminder;
import dev.nudge.spi.SendRecord;
import dev.nudge.spi.UserState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@link UserState} one unit of work sees: reads and writes go to the user's
 * {@link UserSlice}; the first write saves a copy so that a unit that throws is undone without
 * touching the other units of the batch. Used by one committer thread only.
 */
final class SliceState implements UserState {
  private final UserSlice slice;
  private final EventIds events;
  private Map<String, StoredReminder> savedReminders;
  private List<SendRecord> savedSends;
  private Map<String, Instant> savedLastSent;
  private List<String> recordedEvents;
  private Counts counted;

  SliceState(UserSlice slice, EventIds events) {
    this.slice = slice;
    this.events = events;
  }

  /** Undoes everything this unit did. */
  void rollback() {
    if (savedReminders != null) {
      slice.reminders = savedReminders;
      slice.sends = savedSends;
      slice.lastSent = savedLastSent;
    }
    if (recordedEvents != null) {
      recordedEvents.forEach(events::forget);
    }
    counted = null;
  }

  /** What this unit counted, or {@code null} when nothing. */
  Counts counted() {
    return counted;
  }

  private void beforeWrite() {
    if (savedReminders == null) {
      savedReminders = slice.reminders;
      savedSends = slice.sends;
      savedLastSent = slice.lastSent;
      slice.reminders = new LinkedHashMap<>(savedReminders);
      slice.sends = new ArrayList<>(savedSends);
      slice.lastSent = new HashMap<>(savedLastSent);
    }
  }

  @Override
  public String userId() {
    return slice.userId;
  }

  @Override
  public boolean recordEvent(String eventId, Instant at) {
    if (!events.record(eventId)) {
      return false;
    }
    if (recordedEvents == null) {
      recordedEvents = new ArrayList<>(1);
    }
    recordedEvents.add(eventId);
    return true;
  }

  @Override
  public Optional<Reminder> pending(String campaignId, String key) {
    for (StoredReminder s : slice.reminders.values()) {
      Reminder r = s.reminder();
      if (s.isPending() && r.campaignId().equals(campaignId) && r.key().equals(key)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }

  @Override
  public Optional<Reminder> reminder(String reminderId) {
    StoredReminder s = slice.reminders.get(reminderId);
    return s == null ? Optional.empty() : Optional.of(s.reminder());
  }

  @Override
  public List<Reminder> pending(String campaignId) {
    List<Reminder> out = new ArrayList<>(2);
    for (StoredReminder s : slice.reminders.values()) {
      if (s.isPending() && s.reminder().campaignId().equals(campaignId)) {
        out.add(s.reminder());
      }
    }
    out.sort(StoredReminder.DUE_ORDER);
    return out;
  }

  @Override
  public void save(Reminder reminder) {
    if (!reminder.userId().equals(slice.userId)) {
      throw new IllegalArgumentException("reminder " + reminder.id() + " belongs to user " + reminder.userId()
          + ", not " + slice.userId + "; save it in a unit of work of its own user");
    }
    // Fail this unit alone (not the whole batch at write time) for an unstorable instant.
    EpochMicros.of(reminder.triggeredAt());
    EpochMicros.of(reminder.dueAt());
    EpochMicros.of(reminder.fireAt());
    if (reminder.sentAt() != null) {
      EpochMicros.of(reminder.sentAt());
    }
    beforeWrite();
    for (Iterator<StoredReminder> it = slice.reminders.values().iterator(); it.hasNext(); ) {
      StoredReminder s = it.next();
      Reminder r = s.reminder();
      if (s.isPending() && !r.id().equals(reminder.id()) && r.campaignId().equals(reminder.campaignId())
          && r.key().equals(reminder.key())) {
        it.remove();
      }
    }
    slice.reminders.put(reminder.id(), StoredReminder.pending(reminder));
  }

  @Override
  public void delete(String reminderId) {
    if (slice.reminders.containsKey(reminderId)) {
      beforeWrite();
      slice.reminders.remove(reminderId);
    }
  }

  @Override
  public boolean isClaimedBy(String reminderId, String owner) {
    StoredReminder s = slice.reminders.get(reminderId);
    return s != null && owner.equals(s.owner());
  }

  @Override
  public Optional<Instant> lastSent(String campaignId) {
    return Optional.ofNullable(slice.lastSent.get(campaignId));
  }

  @Override
  public List<SendRecord> sends() {
    return List.copyOf(slice.sends);
  }

  @Override
  public void recordSend(SendRecord send) {
    EpochMicros.of(send.sentAt());
    beforeWrite();
    slice.sends.removeIf(s -> s.reminderId().equals(send.reminderId()));
    slice.sends.add(send);
    slice.sends.sort(UserSlice.SEND_ORDER);
    slice.lastSent.merge(send.campaignId(), send.sentAt(), (a, b) -> a.isAfter(b) ? a : b);
  }

  @Override
  public void updateSend(SendRecord send) {
    for (int i = 0; i < slice.sends.size(); i++) {
      if (slice.sends.get(i).reminderId().equals(send.reminderId())) {
        beforeWrite();
        slice.sends.set(i, send);
        slice.sends.sort(UserSlice.SEND_ORDER);
        return;
      }
    }
  }

  @Override
  public void forgetSend(String reminderId) {
    SendRecord gone = null;
    for (SendRecord s : slice.sends) {
      if (s.reminderId().equals(reminderId)) {
        gone = s;
        break;
      }
    }
    if (gone == null) {
      return;
    }
    beforeWrite();
    slice.sends.remove(gone);
    Instant latest = null;
    for (SendRecord s : slice.sends) {
      if (s.campaignId().equals(gone.campaignId()) && (latest == null || s.sentAt().isAfter(latest))) {
        latest = s.sentAt();
      }
    }
    if (latest == null) {
      slice.lastSent.remove(gone.campaignId());
    } else {
      slice.lastSent.put(gone.campaignId(), latest);
    }
  }

  @Override
  public void pruneSends(Instant before) {
    if (slice.sends.isEmpty() || !slice.sends.get(0).sentAt().isBefore(before)) {
      return;
    }
    beforeWrite();
    slice.sends.removeIf(s -> s.sentAt().isBefore(before));
  }

  @Override
  public void count(String campaignId, int step, String counter, long delta) {
    if (counted == null) {
      counted = new Counts();
    }
    counted.add(campaignId, step, counter, delta);
  }
}
