package dev.nudge.spi;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a {@link ReminderStore} keeps for one user, as it loads it into a {@link UserState}
 * and as a unit of work leaves it: the user's reminders with their claims, send history and
 * last-sent time per campaign, and consent. Immutable.
 *
 * <p>A store that keeps users' records as whole values (in memory, a document database, a
 * key-value store) can store this object as it is; a store with tables reads rows into a
 * {@link #builder} and writes back the {@link UserChanges} the unit reports.
 */
public final class UserRecords {
  /** Send history order: oldest first, ties by reminder id. */
  static final Comparator<SendRecord> SEND_ORDER = Comparator.comparing(SendRecord::sentAt)
      .thenComparing(SendRecord::reminderId);

  /** The consent key that stands for every category. */
  public static final String ALL_CATEGORIES = "*";

  private final String userId;
  final Map<String, Reminder> reminders;
  final Map<String, Claim> claims;
  final List<SendRecord> sends;
  final Map<String, Instant> lastSent;
  final Map<String, Boolean> consent;

  /** Takes the collections as they are: callers hand over collections nobody changes afterwards. */
  UserRecords(String userId, Map<String, Reminder> reminders, Map<String, Claim> claims, List<SendRecord> sends,
      Map<String, Instant> lastSent, Map<String, Boolean> consent) {
    this.userId = userId;
    this.reminders = reminders;
    this.claims = claims;
    this.sends = sends;
    this.lastSent = lastSent;
    this.consent = consent;
  }

  /** No reminders, sends or last-sent times. */
  public static UserRecords empty(String userId) {
    Objects.requireNonNull(userId, "userId");
    return new UserRecords(userId, Map.of(), Map.of(), List.of(), Map.of(), Map.of());
  }

  /** Starts the records of {@code userId}, as a store reads them. */
  public static Builder builder(String userId) {
    return new Builder(userId);
  }

  /** The user. */
  public String userId() {
    return userId;
  }

  /** The user's reminders, pending and claimed, in no particular order. */
  public Collection<Reminder> reminders() {
    return Collections.unmodifiableCollection(reminders.values());
  }

  /** A reminder by id. */
  public Optional<Reminder> reminder(String reminderId) {
    return Optional.ofNullable(reminders.get(reminderId));
  }

  /** The claim on a reminder; empty while it is pending (or when there is no such reminder). */
  public Optional<Claim> claim(String reminderId) {
    return Optional.ofNullable(claims.get(reminderId));
  }

  /** The send history, oldest first (ties by reminder id). */
  public List<SendRecord> sends() {
    return Collections.unmodifiableList(sends);
  }

  /** When each campaign was last sent to the user; kept when older sends are pruned. */
  public Map<String, Instant> lastSent() {
    return Collections.unmodifiableMap(lastSent);
  }

  /**
   * The user's consent: category to whether it is allowed, {@link #ALL_CATEGORIES} for every
   * category not listed. Empty when the user never opted out (everything allowed).
   */
  public Map<String, Boolean> consent() {
    return Collections.unmodifiableMap(consent);
  }

  /** Whether there is nothing for this user. */
  public boolean isEmpty() {
    return reminders.isEmpty() && sends.isEmpty() && lastSent.isEmpty() && consent.isEmpty();
  }

  /**
   * These records with a claim on one of the reminders, as {@link ReminderStore#claimDue} takes
   * it outside any unit of work (or {@code null} to release it).
   *
   * @throws IllegalArgumentException when the user has no such reminder
   */
  public UserRecords withClaim(String reminderId, Claim claim) {
    if (!reminders.containsKey(reminderId)) {
      throw new IllegalArgumentException("user " + userId + " has no reminder " + reminderId);
    }
    Map<String, Claim> c;
    if (claim == null) {
      c = new HashMap<>(claims);
      c.remove(reminderId);
    } else if (claims.isEmpty()) {
      c = Map.of(reminderId, claim); // the common case: one claim on a user's one reminder
    } else {
      c = new HashMap<>(claims);
      c.put(reminderId, claim);
    }
    return new UserRecords(userId, reminders, Map.copyOf(c), sends, lastSent, consent);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof UserRecords r && r.userId.equals(userId) && r.reminders.equals(reminders)
        && r.claims.equals(claims) && r.sends.equals(sends) && r.lastSent.equals(lastSent)
        && r.consent.equals(consent);
  }

  @Override
  public int hashCode() {
    return Objects.hash(userId, reminders, claims, sends, lastSent, consent);
  }

  @Override
  public String toString() {
    return "UserRecords{" + userId + ", " + reminders.size() + " reminder(s), " + claims.size() + " claimed, "
        + sends.size() + " send(s)}";
  }

  /** Collects a user's records as a store reads them. Not thread-safe. */
  public static final class Builder {
    private final String userId;
    private final Map<String, Reminder> reminders = new LinkedHashMap<>(4);
    private final Map<String, Claim> claims = new HashMap<>(2);
    private final Map<String, SendRecord> sends = new LinkedHashMap<>(4);
    private final Map<String, Instant> lastSent = new HashMap<>(2);
    private final Map<String, Boolean> consent = new HashMap<>(2);

    Builder(String userId) {
      this.userId = Objects.requireNonNull(userId, "userId");
    }

    /** A pending reminder of this user. */
    public Builder reminder(Reminder reminder) {
      return reminder(reminder, null);
    }

    /** A reminder of this user and its claim ({@code null} while pending). */
    public Builder reminder(Reminder reminder, Claim claim) {
      Objects.requireNonNull(reminder, "reminder");
      if (!reminder.userId().equals(userId)) {
        throw new IllegalArgumentException("reminder " + reminder.id() + " belongs to user " + reminder.userId()
            + ", not " + userId);
      }
      reminders.put(reminder.id(), reminder);
      if (claim == null) {
        claims.remove(reminder.id());
      } else {
        claims.put(reminder.id(), claim);
      }
      return this;
    }

    /** A send of the history (any order; one per reminder id, the last given wins). */
    public Builder send(SendRecord send) {
      Objects.requireNonNull(send, "send");
      sends.put(send.reminderId(), send);
      return this;
    }

    /** When a campaign was last sent to the user. */
    public Builder lastSent(String campaignId, Instant at) {
      lastSent.put(Objects.requireNonNull(campaignId, "campaignId"), Objects.requireNonNull(at, "at"));
      return this;
    }

    /**
     * The user's consent to a category, or with {@link #ALL_CATEGORIES} to every category not
     * given on its own.
     */
    public Builder consent(String category, boolean allowed) {
      consent.put(Objects.requireNonNull(category, "category"), allowed);
      return this;
    }

    /** The records. */
    public UserRecords build() {
      List<SendRecord> s = new ArrayList<>(sends.values());
      s.sort(SEND_ORDER);
      return new UserRecords(userId, new LinkedHashMap<>(reminders), new HashMap<>(claims), s,
          new HashMap<>(lastSent), consent.isEmpty() ? Map.of() : new HashMap<>(consent));
    }
  }
}
