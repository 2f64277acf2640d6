package dev.nudge.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nudge.Platform;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The shared rules of a user's state, and the change set a store with tables writes back. */
class UserStateTest {
  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  /** An event ledger like a store's: a set, with what was forgotten kept for the assertions. */
  static final class Ledger implements UserState.EventLedger {
    final Set<String> ids = new HashSet<>();
    final List<String> forgotten = new ArrayList<>();

    @Override
    public boolean record(String eventId, String userId, Instant at) {
      return ids.add(eventId);
    }

    @Override
    public void forget(String eventId) {
      ids.remove(eventId);
      forgotten.add(eventId);
    }
  }

  private final Ledger ledger = new Ledger();

  private static Reminder reminder(String id, String campaign, String key, Instant fireAt) {
    return Reminder.create(id, campaign, 0, "u1", key, T0, Map.of(), fireAt);
  }

  @Test
  void changesAreTheDifferenceFromTheLoadedRecords() {
    Reminder kept = reminder("r1", "cart", "a", T0.plusSeconds(60));
    Reminder claimed = reminder("r2", "cart", "b", T0);
    Reminder gone = reminder("r3", "winback", "", T0);
    Reminder replaced = reminder("r4", "cart", "c", T0);
    UserRecords loaded = UserRecords.builder("u1").reminder(kept).reminder(claimed, new Claim("A", T0.plusSeconds(300)))
        .reminder(gone).reminder(replaced)
        .send(new SendRecord("s1", "cart", 0, T0.minusSeconds(100), false))
        .send(new SendRecord("s2", "cart", 0, T0.minusSeconds(50), false))
        .lastSent("cart", T0.minusSeconds(50)).lastSent("winback", T0.minusSeconds(500))
        .build();
    UserState state = UserState.load(loaded, ledger);
    Reminder fresh = reminder("r5", "cart", "c", T0.plusSeconds(10));
    Reminder retried = claimed.afterAttempt(T0, T0.plusSeconds(30), List.of(new DeviceToken(Platform.IOS, "t")), 0);
    state.apply(s -> {
      s.save(kept); // unchanged
      s.save(retried); // releases A's claim
      s.delete("r3");
      s.save(fresh); // replaces r4 (same campaign and key)
      s.recordSend(new SendRecord("s3", "winback", 0, T0, false));
      s.updateSend(new SendRecord("s1", "cart", 0, T0.minusSeconds(100), true));
      s.forgetSend("s2");
      s.count("cart", 0, Counter.SENT, 2);
      return null;
    });
    UserChanges ch = state.changes();
    assertThat(ch.inserted()).containsExactly(fresh);
    assertThat(ch.updated()).containsExactly(retried);
    assertThat(ch.deleted()).containsExactlyInAnyOrder("r3", "r4");
    assertThat(ch.insertedSends()).extracting(SendRecord::reminderId).containsExactly("s3");
    assertThat(ch.updatedSends()).extracting(SendRecord::reminderId).containsExactly("s1");
    assertThat(ch.deletedSends()).containsExactly("s2");
    assertThat(ch.lastSent()).as("cart back to the send that is left, winback moved forward")
        .isEqualTo(Map.of("cart", T0.minusSeconds(100), "winback", T0));
    assertThat(ch.lastSentRemoved()).isEmpty();
    assertThat(ch.counts()).containsExactly(new Counter("cart", 0, Counter.SENT, 2));

    UserRecords after = state.records();
    assertThat(after.reminders()).containsExactlyInAnyOrder(kept, retried, fresh);
    assertThat(after.claim("r2")).isEmpty();
    assertThat(after.sends()).extracting(SendRecord::reminderId).containsExactly("s1", "s3");
    assertThat(after.lastSent()).isEqualTo(Map.of("cart", T0.minusSeconds(100), "winback", T0));

    UserState next = UserState.load(after, ledger);
    next.apply(s -> {
      s.forgetSend("s1");
      return null;
    });
    assertThat(next.changes().lastSentRemoved()).as("no send of cart left").containsExactly("cart");
    assertThat(next.changes().deletedSends()).containsExactly("s1");
    assertThat(loaded.reminders()).as("the loaded records do not change").hasSize(4);
  }

  @Test
  void aUnitThatThrowsIsUndoneAndTheUnitsBeforeItStand() {
    UserState state = UserState.load(UserRecords.empty("u1"), ledger);
    Reminder first = reminder("r1", "cart", "a", T0);
    state.apply(s -> {
      s.save(first);
      s.recordEvent("e1", T0);
      s.count("cart", 0, Counter.SCHEDULED, 1);
      return null;
    });
    IllegalStateException boom = new IllegalStateException("boom");
    assertThatThrownBy(() -> state.apply(s -> {
      s.delete("r1");
      s.save(reminder("r2", "cart", "b", T0));
      s.recordSend(new SendRecord("r1", "cart", 0, T0, false));
      assertThat(s.recordEvent("e1", T0)).as("already recorded by the unit before").isFalse();
      s.recordEvent("e2", T0);
      s.count("cart", 0, Counter.SCHEDULED, 5);
      throw boom;
    })).isSameAs(boom);
    assertThat(ledger.forgotten).containsExactly("e2");
    Optional<Reminder> r1 = state.apply(s -> s.reminder("r1"));
    Optional<Reminder> r2 = state.apply(s -> s.reminder("r2"));
    List<SendRecord> sends = state.apply(UserState::sends);
    assertThat(r1).contains(first);
    assertThat(r2).isEmpty();
    assertThat(sends).isEmpty();
    UserChanges ch = state.changes();
    assertThat(ch.inserted()).containsExactly(first);
    assertThat(ch.insertedSends()).isEmpty();
    assertThat(ch.counts()).containsExactly(new Counter("cart", 0, Counter.SCHEDULED, 1));
  }

  @Test
  void nothingDoneIsNoChangeAndTheLoadedRecordsComeBack() {
    UserRecords loaded = UserRecords.builder("u1").reminder(reminder("r1", "cart", "", T0)).build();
    UserState state = UserState.load(loaded, ledger);
    state.apply(s -> s.pending("cart"));
    assertThat(state.changes().isEmpty()).isTrue();
    assertThat(state.records()).isSameAs(loaded);
  }

  @Test
  void recordingASendAgainReplacesItAndLastSentOnlyMovesForward() {
    UserState state = UserState.load(UserRecords.empty("u1"), ledger);
    state.apply(s -> {
      s.recordSend(new SendRecord("r1", "cart", 0, T0.plusSeconds(10), false));
      s.recordSend(new SendRecord("r2", "cart", 1, T0, false));
      s.recordSend(new SendRecord("r1", "cart", 0, T0.plusSeconds(20), false));
      return null;
    });
    List<SendRecord> sends = state.apply(UserState::sends);
    Optional<Instant> last = state.apply(s -> s.lastSent("cart"));
    assertThat(sends).extracting(SendRecord::reminderId).containsExactly("r2", "r1");
    assertThat(last).contains(T0.plusSeconds(20));
  }

  @Test
  void misuseIsRefusedWithWhatWasWrong() {
    UserState state = UserState.load(UserRecords.empty("u1"), ledger);
    assertThatThrownBy(() -> state.pending("cart")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("only inside the unit of work");
    assertThatThrownBy(() -> state.apply(s -> s.apply(inner -> null))).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("do not nest");
    assertThatThrownBy(() -> state.apply(s -> {
      s.save(Reminder.create("r1", "cart", 0, "u2", "", T0, Map.of(), T0));
      return null;
    })).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("belongs to user u2, not u1");
    assertThatThrownBy(() -> state.apply(s -> {
      s.save(reminder("r1", "cart", "", Instant.MAX));
      return null;
    })).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dueAt").hasMessageContaining("290,000 years");
    assertThat(state.changes().isEmpty()).isTrue();
    assertThatThrownBy(() -> UserRecords.builder("u1").reminder(Reminder.create("r1", "c", 0, "u2", "", T0, Map.of(), T0)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> UserRecords.empty("u1").withClaim("nope", new Claim("A", T0)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no reminder nope");
  }

  @Test
  void theDueOrderIsFireTimeThenCampaignUserKeyAndId() {
    Reminder a = Reminder.create("z", "b", 0, "u", "k", T0, Map.of(), T0);
    Reminder b = Reminder.create("a", "b", 0, "u", "l", T0, Map.of(), T0);
    Reminder c = Reminder.create("a", "a", 0, "v", "", T0, Map.of(), T0.plusNanos(1000));
    Reminder d = Reminder.create("a", "B", 0, "w", "", T0, Map.of(), T0);
    List<Reminder> sorted = new ArrayList<>(List.of(c, b, a, d));
    sorted.sort(Reminder.DUE_ORDER);
    assertThat(sorted).containsExactly(d, a, b, c);
  }
}
