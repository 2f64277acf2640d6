package dev.nudge.store.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nudge.Platform;
import dev.nudge.SuppressionReason;
import dev.nudge.spi.Counter;
import dev.nudge.spi.DeviceToken;
import dev.nudge.spi.DueReminders;
import dev.nudge.spi.Reminder;
import dev.nudge.spi.ReminderStore;
import dev.nudge.spi.SendRecord;
import dev.nudge.spi.UserRecords;
import dev.nudge.spi.UserState;
import dev.nudge.testing.TestClock;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The promises of {@link ReminderStore} (see its Javadoc), as tests: units of work, claims and
 * leases, the due order, counters, send history, event ids, instants and values. A store proves
 * itself by extending this class and returning a fresh, empty store from
 * {@link #newReminderStore(Clock)}:
 *
 * <pre>{@code
 * class RedisReminderStoreTckTest extends ReminderStoreTck {
 *   @Override
 *   protected ReminderStore newReminderStore(Clock clock) {
 *     redis.flushAll();
 *     return new RedisReminderStore(redis, clock);
 *   }
 *
 *   @Override
 *   protected ReminderStore sameDataStore() {
 *     return new RedisReminderStore(redis, Clock.systemUTC()); // a second instance on the same data
 *   }
 * }
 * }</pre>
 *
 * <p>Every test gets a new store on a {@link TestClock} standing at {@link #T0}, which the test
 * moves (event ids expire on the store's clock); stores are closed after each test. The tests
 * need nothing but the SPI and time out after 30 s per unit of work rather than hang.
 *
 * <p><b>Skipped tests.</b> The tests of sharing (claims, counters and units of one user across
 * two store instances on the same data) need {@link #sameDataStore()}; when it returns
 * {@code null} (the default, right for a store that cannot be shared, such as an in-memory one)
 * they are skipped with the reason "this store cannot be shared". A store whose test needs a
 * server may skip its tests itself from the factory, with a JUnit assumption.
 *
 * <p>Besides the Javadoc of the SPI, the tests pin down what the engine relies on:
 * <ul>
 *   <li><b>Time</b>: instants are kept to the microsecond at least; a store may truncate finer
 *       digits.
 *   <li><b>Values</b>: trigger properties come back equal to what was stored, as the engine
 *       normalizes them: strings, {@code Long}, {@code Double} (a whole double stays a
 *       {@code Double}), {@code Boolean}, {@code BigInteger} beyond the long range, and lists
 *       and maps of those.
 *   <li><b>Order</b>: {@link ReminderStore#claimDue} and {@link ReminderStore#pendingOf} return
 *       reminders in exactly {@link Reminder#DUE_ORDER}, strings compared as
 *       {@link String#compareTo} (a binary collation in SQL) for ASCII: upper case before lower
 *       case, a prefix before what extends it, a trailing space significant.
 *   <li><b>Event ids</b> are kept for 7 days by default, measured on the store's clock.
 *   <li><b>Claims</b>: {@link UserState#isClaimedBy} answers whether the owner's claim still
 *       stands: it turns false when the reminder is saved again, deleted, or taken over by
 *       another owner after the lease ran out (a lease that ran out but was not taken over still
 *       counts; the engine then settles it, which is safe because a take-over would have
 *       changed the owner).
 * </ul>
 *
 * <p>The tests run one after the other on one instance each (JUnit's default); a subclass must
 * not run them in parallel on shared data.
 */
public abstract class ReminderStoreTck {
  /** Where every test's clock starts. */
  protected static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  private static final String NOT_SHARED = "this store cannot be shared: sameDataStore() returns no second store on its data";
  private static final Duration LEASE = Duration.ofMinutes(5);
  /** Every campaign id the tests use: claims name the campaigns the claimer knows. */
  private static final Set<String> ALL_CAMPAIGNS = Set.of("cart", "Cart", "winback", "aaa", "zzz", "promo", "cart-abandonment");

  /** The clock of {@link #store}, standing at {@link #T0} when a test starts. */
  protected TestClock clock;
  /** The store under test: new and empty for each test. */
  protected ReminderStore store;
  private final List<ReminderStore> opened = new ArrayList<>();

  /**
   * A new, empty store on {@code clock}, with its default settings otherwise (event ids kept for
   * 7 days). Called before each test; the store is closed after it.
   */
  protected abstract ReminderStore newReminderStore(Clock clock);

  /**
   * Another store over the same data as the one {@link #newReminderStore} returned last (another
   * instance sharing its database), or {@code null} when the store cannot be shared: the tests
   * that need one are then skipped. The default is {@code null}. The kit closes the store after
   * the test.
   */
  protected ReminderStore sameDataStore() {
    return null;
  }

  @BeforeEach
  void openStore() {
    clock = new TestClock(T0);
    store = newReminderStore(clock);
    opened.add(store);
  }

  @AfterEach
  void closeStores() {
    for (ReminderStore s : opened) {
      s.close();
    }
    opened.clear();
  }

  // ------------------------------------------------------------------ units of work

  @Test
  void atomicallyCompletesWithTheWorksResult() {
    assertThat(this.<String>run("u1", state -> state.userId() + "!")).isEqualTo("u1!");
    assertThat(this.<Object>run("u1", state -> null)).isNull();
  }

  @Test
  void aUnitSeesItsOwnWrites() {
    Reminder r = reminder("r1", "cart", "u1", "c1", T0.plusSeconds(60));
    run("u1", state -> {
      state.save(r);
      assertThat(state.pending("cart", "c1")).contains(r);
      assertThat(state.reminder("r1")).contains(r);
      state.delete("r1");
      assertThat(state.reminder("r1")).isEmpty();
      state.save(r);
      return null;
    });
    assertThat(this.<Optional<Reminder>>run("u1", state -> state.reminder("r1"))).contains(r);
  }

  @Test
  void aReadSeesWhatUnitsStoredBeforeIt() {
    Reminder r = reminder("r1", "cart", "u1", "c1", T0.plusSeconds(60));
    CompletableFuture<Object> saved = store.atomically("u1", state -> {
      state.save(r);
      state.setConsent("marketing", false);
      return null;
    });
    CompletableFuture<List<Object>> read = store.read("u1", state -> List.of(state.reminders(), state.consent()));
    join(saved);
    assertThat(join(read)).as("a read after a write of the same user sees it")
        .containsExactly(List.of(r), Map.of("marketing", false));
    int nobody = join(store.read("nobody", state -> state.reminders().size() + state.consent().size()));
    assertThat(nobody).isZero();
    // A store may refuse a read that changes the state, or apply it; it never applies it in part.
    CompletableFuture<Object> changing = store.read("u1", state -> {
      state.delete("r1");
      return null;
    });
    boolean refused = changing.handle((v, e) -> e != null).join();
    assertThat(this.<Optional<Reminder>>run("u1", state -> state.reminder("r1")).isPresent()).isEqualTo(refused);
  }

  @Test
  void aChangingReadAmongWritesOfItsUserIsAppliedWholeOrNotAtAllAndAlone() {
    Reminder r1 = reminder("r1", "cart", "u1", "c1", T0.plusSeconds(60));
    Reminder r2 = reminder("r2", "welcome", "u1", "", T0.plusSeconds(90));
    CompletableFuture<Object> first = store.atomically("u1", state -> {
      state.save(r1);
      return null;
    });
    CompletableFuture<Object> changing = store.read("u1", state -> {
      state.delete("r1");
      state.setConsent("marketing", false);
      state.recordEvent("ev-read", T0);
      return null;
    });
    CompletableFuture<Integer> plain = store.read("u1", state -> state.reminders().size());
    CompletableFuture<Object> second = store.atomically("u1", state -> {
      state.save(r2);
      return null;
    });
    join(first);
    join(second);
    boolean refused = changing.handle((v, e) -> e != null).join();
    assertThat(join(plain)).as("a plain read is never refused for another read's sake").isEqualTo(refused ? 1 : 0);
    assertThat(this.<List<Reminder>>run("u1", UserState::reminders)).as("the writes around it stand")
        .containsExactlyElementsOf(refused ? List.of(r1, r2) : List.of(r2));
    assertThat(this.<Map<String, Boolean>>run("u1", UserState::consent))
        .isEqualTo(refused ? Map.of() : Map.of("marketing", false));
    assertThat(this.<Boolean>run("u1", state -> state.recordEvent("ev-read", T0))).as("the read's event id")
        .isEqualTo(refused);
  }

  @Test
  void aUnitThatThrowsIsRolledBackAndFailsOnlyItsOwnCall() {
    Reminder kept = reminder("r1", "cart", "u1", "c1", T0.plusSeconds(60));
    run("u1", state -> {
      state.save(kept);
      state.recordSend(new SendRecord("s0", "cart", 0, T0, false));
      return null;
    });
    IllegalStateException boom = new IllegalStateException("boom");
    CompletableFuture<Object> failing = store.atomically("u1", state -> {
      state.save(reminder("r2", "cart", "u1", "c2", T0.plusSeconds(30)));
      state.save(kept.withFireAt(T0.plusSeconds(999)));
      state.delete("r1");
      state.recordEvent("evt-rolled-back", T0);
      state.recordSend(new SendRecord("s1", "cart", 0, T0.plusSeconds(1), false));
      state.forgetSend("s0");
      throw boom;
    });
    // Queued right behind the failing unit, for the same user and another one.
    CompletableFuture<String> next = store.atomically("u1", state -> "next " + state.reminder("r1").isPresent());
    CompletableFuture<Boolean> other = store.atomically("u2", state -> {
      state.save(reminder("r3", "cart", "u2", "", T0.plusSeconds(60)));
      return true;
    });

    assertThatThrownBy(() -> join(failing)).hasCause(boom);
    assertThat(join(next)).isEqualTo("next true");
    assertThat(join(other)).isTrue();
    run("u1", state -> {
      assertThat(state.reminder("r1")).contains(kept);
      assertThat(state.reminder("r2")).isEmpty();
      assertThat(state.sends()).extracting(SendRecord::reminderId).containsExactly("s0");
      assertThat(state.lastSent("cart")).contains(T0);
      assertThat(state.recordEvent("evt-rolled-back", T0)).isTrue();
      return null;
    });
    assertThat(store.size()).isEqualTo(2);
    assertThat(store.nextFireAt()).contains(T0.plusSeconds(60));
  }

  @Test
  void savingAnotherUsersReminderFailsTheUnit() {
    CompletableFuture<Object> f = store.atomically("u1", state -> {
      state.save(reminder("r1", "cart", "u1", "", T0));
      state.save(reminder("r2", "cart", "u2", "", T0));
      return null;
    });
    assertThatThrownBy(() -> join(f)).cause().isInstanceOf(IllegalArgumentException.class);
    assertThat(store.size()).isZero();
  }

  // ------------------------------------------------------------------ paused campaigns

  @Test
  void pausedCampaignsAreKeptUntilResumedAndEveryStoreOnTheSameDataSeesThem() {
    assertThat(store.pausedCampaigns()).isEmpty();
    store.setPaused("cart", true);
    store.setPaused("cart", true);
    store.setPaused("welcome", true);
    assertThat(store.pausedCampaigns()).containsExactlyInAnyOrder("cart", "welcome");
    store.setPaused("welcome", false);
    store.setPaused("never-paused", false);
    assertThat(store.pausedCampaigns()).containsExactly("cart");
    ReminderStore other = sameDataStore();
    if (other != null) {
      opened.add(other);
      assertThat(other.pausedCampaigns()).containsExactly("cart");
      other.setPaused("cart", false);
      assertThat(store.pausedCampaigns()).isEmpty();
    }
  }

  // ------------------------------------------------------------------ consent

  @Test
  void consentIsKeptPerUserAndAFailedUnitLeavesItAsItWas() {
    run("u1", state -> {
      state.setConsent(UserRecords.ALL_CATEGORIES, false);
      state.setConsent("reminders", true);
      return null;
    });
    run("u2", state -> {
      state.setConsent("marketing", false);
      return null;
    });
    assertThat(this.<Map<String, Boolean>>run("u1", UserState::consent))
        .isEqualTo(Map.of(UserRecords.ALL_CATEGORIES, false, "reminders", true));
    assertThat(this.<List<Boolean>>run("u1", state -> List.of(state.allows("reminders"), state.allows("marketing"))))
        .containsExactly(true, false);
    assertThat(this.<Map<String, Boolean>>run("u2", UserState::consent)).isEqualTo(Map.of("marketing", false));
    assertThat(this.<Map<String, Boolean>>run("u3", UserState::consent)).isEmpty();

    CompletableFuture<Object> failing = store.atomically("u1", state -> {
      state.setConsent(UserRecords.ALL_CATEGORIES, true);
      throw new IllegalStateException("boom");
    });
    assertThatThrownBy(() -> join(failing)).cause().hasMessage("boom");
    assertThat(this.<Map<String, Boolean>>run("u1", UserState::consent)).as("rolled back")
        .isEqualTo(Map.of(UserRecords.ALL_CATEGORIES, false, "reminders", true));

    run("u1", state -> {
      state.setConsent(UserRecords.ALL_CATEGORIES, true);
      return null;
    });
    assertThat(this.<Map<String, Boolean>>run("u1", UserState::consent)).as("opted back in to everything").isEmpty();
  }

  @Test
  void consentIsSeenByEveryStoreOnTheSameData() {
    ReminderStore other = sameDataStore();
    assumeTrue(other != null, NOT_SHARED);
    opened.add(other);
    run("u1", state -> {
      state.setConsent("marketing", false);
      return null;
    });
    assertThat(join(other.atomically("u1", UserState::consent))).isEqualTo(Map.of("marketing", false));
  }

  // ------------------------------------------------------------------ event ids

  @Test
  void anEventIdIsRecordedOnce() {
    assertThat(this.<Boolean>run("u1", state -> state.recordEvent("e1", T0))).isTrue();
    assertThat(this.<Boolean>run("u1", state -> state.recordEvent("e1", T0))).isFalse();
    assertThat(this.<Boolean>run("u1", state -> state.recordEvent("e2", T0))).isTrue();
    assertThat(this.<Boolean>run("u2", state -> state.recordEvent("e1", T0))).as("ids are global").isFalse();
    assertThat(this.<List<Boolean>>run("u1", state -> List.of(state.recordEvent("e3", T0), state.recordEvent("e3", T0))))
        .containsExactly(true, false);
  }

  @Test
  void anEventIdRecordedByAQueuedUnitIsSeenByTheNextOne() {
    List<CompletableFuture<Boolean>> calls = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      calls.add(store.atomically("u" + (i % 2), state -> state.recordEvent("same", T0)));
    }
    assertThat(calls.stream().map(ReminderStoreTck::join).filter(fresh -> fresh)).hasSize(1);
  }

  @Test
  void anEventIdIsForgottenAfterTheRetentionOnTheStoresClock() {
    assertThat(this.<Boolean>run("u1", state -> state.recordEvent("e1", T0))).isTrue();
    clock.advance(Duration.ofDays(7).minusSeconds(1));
    assertThat(this.<Boolean>run("u1", state -> state.recordEvent("e1", T0))).isFalse();
    clock.advance(Duration.ofSeconds(2));
    assertThat(this.<Boolean>run("u1", state -> state.recordEvent("e1", T0))).isTrue();
    assertThat(this.<Boolean>run("u1", state -> state.recordEvent("e1", T0))).isFalse();
  }

  // ------------------------------------------------------------------ pending reminders

  @Test
  void pendingSeesOnlyUnclaimedReminders() {
    Reminder a = reminder("ra", "cart", "u1", "c1", T0.plusSeconds(10));
    Reminder b = reminder("rb", "cart", "u1", "c2", T0.plusSeconds(5));
    Reminder other = reminder("rc", "winback", "u1", "c1", T0.plusSeconds(1));
    save(a, b, other);
    run("u1", state -> {
      assertThat(state.pending("cart", "c1")).contains(a);
      assertThat(state.pending("cart", "c3")).isEmpty();
      assertThat(state.pending("cart")).containsExactly(b, a);
      assertThat(state.pending("nothing")).isEmpty();
      return null;
    });

    clock.set(T0.plusSeconds(11));
    assertThat(store.claimDue(clock.instant(), ALL_CAMPAIGNS, 10, LEASE, "A")).containsExactly(other, b, a);
    run("u1", state -> {
      assertThat(state.pending("cart", "c1")).isEmpty();
      assertThat(state.pending("cart")).isEmpty();
      assertThat(state.reminder("ra")).as("claimed reminders are still readable by id").contains(a);
      return null;
    });
  }

  @Test
  void aReminderIsVisibleOnlyThroughItsOwnUser() {
    save(reminder("r1", "cart", "u1", "", T0));
    assertThat(this.<Optional<Reminder>>run("u2", state -> state.reminder("r1"))).isEmpty();
    assertThat(this.<List<Reminder>>run("u2", state -> state.pending("cart"))).isEmpty();
  }

  @Test
  void saveInsertsThenUpdatesTheSameId() {
    Reminder r = reminder("r1", "cart", "u1", "c1", T0.plusSeconds(10));
    save(r);
    Reminder later = r.withFireAt(T0.plusSeconds(3600));
    save(later);
    assertThat(this.<Optional<Reminder>>run("u1", state -> state.reminder("r1"))).contains(later);
    assertThat(store.size()).isEqualTo(1);
    assertThat(store.nextFireAt()).contains(T0.plusSeconds(3600));
  }

  @Test
  void saveReplacesThePendingReminderOfTheSameCampaignAndKey() {
    save(reminder("r1", "cart", "u1", "c1", T0.plusSeconds(10)));
    Reminder fresh = reminder("r2", "cart", "u1", "c1", T0.plusSeconds(20));
    save(fresh);
    run("u1", state -> {
      assertThat(state.reminder("r1")).isEmpty();
      assertThat(state.pending("cart", "c1")).contains(fresh);
      return null;
    });
    assertThat(store.size()).isEqualTo(1);
  }

  @Test
  void saveDoesNotReplaceAClaimedReminderOfTheSameKey() {
    Reminder claimed = reminder("r1", "cart", "u1", "c1", T0);
    save(claimed);
    clock.advance(Duration.ofSeconds(1));
    assertThat(store.claimDue(clock.instant(), ALL_CAMPAIGNS, 10, LEASE, "A")).containsExactly(claimed);
    Reminder next = reminder("r2", "cart", "u1", "c1", T0.plusSeconds(60));
    save(next);
    assertThat(store.size()).isEqualTo(2);
    assertThat(this.<Boolean>run("u1", state -> state.isClaimedBy("r1", "A"))).isTrue();
  }

  @Test
  void savingAClaimedReminderReleasesTheClaim() {
    Reminder r = reminder("r1", "cart", "u1", "", T0);
    save(r);
    clock.advance(Duration.ofSeconds(1));
    assertThat(store.claimDue(clock.instant(), ALL_CAMPAIGNS, 10, LEASE, "A")).containsExactly(r);
    assertThat(store.nextFireAt()).isEmpty();

    Reminder retry = r.afterAttempt(T0, T0.plusSeconds(30), List.of(new DeviceToken(Platform.IOS, "t1")), 0);
    run("u1", state -> {
      state.save(retry);
      assertThat(state.isClaimedBy("r1", "A")).isFalse();
      assertThat(state.pending("cart", "")).contains(retry);
      return null;
    });
    assertThat(store.nextFireAt()).contains(T0.plusSeconds(30));
    assertThat(store.claimDue(T0.plusSeconds(30), ALL_CAMPAIGNS, 10, LEASE, "B")).isEmpty();
    assertThat(store.claimDue(T0.plusSeconds(31), ALL_CAMPAIGNS, 10, LEASE, "B")).containsExactly(retry);
  }

  @Test
  void deleteRemovesPendingAndClaimedReminders() {
    save(reminder("r1", "cart", "u1", "a", T0), reminder("r2", "cart", "u1", "b", T0.plusSeconds(60)));
    clock.advance(Duration.ofSeconds(1));
    assertThat(store.claimDue(clock.instant(), ALL_CAMPAIGNS, 10, LEASE, "A")).extracting(Reminder::id).containsExactly("r1");
    run("u1", state -> {
      state.delete("r1");
      state.delete("r2");
      state.delete("never-there");
      assertThat(state.isClaimedBy("r1", "A")).isFalse();
      return null;
    });
    assertThat(store.size()).isZero();
    assertThat(store.nextFireAt()).isEmpty();
    assertThat(store.claimDue(T0.plus(Duration.ofDays(1)), ALL_CAMPAIGNS, 10, LEASE, "A")).isEmpty();
  }

  // ------------------------------------------------------------------ claiming

  @Test
  void claimDueLeavesRemindersOfOtherCampaignsAlone() {
    Reminder cart = reminder("r1", "cart", "u1", "", T0.plusSeconds(10));
    Reminder held = reminder("r2", "winback", "u1", "", T0.plusSeconds(5));
    save(cart);
    save(held);
    Instant later = T0.plusSeconds(60);
    assertThat(store.claimDue(later, Set.of(), 10, LEASE, "A")).isEmpty();
    assertThat(store.claimDue(later, Set.of("cart"), 10, LEASE, "A")).containsExactly(cart);
    assertThat(store.claimDue(later, Set.of("cart"), 10, LEASE, "B")).as("held, not claimed").isEmpty();
    // A claim whose lease ran out is taken over only by a claimer that knows its campaign.
    Instant afterLease = later.plus(LEASE).plusSeconds(1);
    assertThat(store.claimDue(afterLease, Set.of("winback"), 10, LEASE, "B")).containsExactly(held);
    assertThat(store.claimDue(afterLease.plus(LEASE).plusSeconds(1), Set.of("other"), 10, LEASE, "C")).isEmpty();
  }

  @Test
  void pendingOfListsOneCampaignsUnclaimedRemindersOfEveryUser() {
    Reminder a = reminder("r1", "cart", "u1", "", T0.plusSeconds(20));
    Reminder b = reminder("r2", "cart", "u2", "c9", T0.plusSeconds(10));
    Reminder claimed = reminder("r3", "cart", "u3", "", T0.plusSeconds(5));
    Reminder other = reminder("r4", "winback", "u1", "", T0.plusSeconds(1));
    for (Reminder r : List.of(a, b, claimed, other)) {
      save(r);
    }
    assertThat(store.claimDue(T0.plusSeconds(6), ALL_CAMPAIGNS, 1, LEASE, "A")).extracting(Reminder::id)
        .containsExactly("r4");
    assertThat(store.claimDue(T0.plusSeconds(6), Set.of("cart"), 1, LEASE, "A")).containsExactly(claimed);
    Instant now = T0.plusSeconds(6);
    assertThat(store.pendingOf("cart", now, 10)).as("a live claim is left out").containsExactly(b, a);
    assertThat(store.pendingOf("cart", now, 1)).containsExactly(b);
    assertThat(store.pendingOf("nothing", now, 10)).isEmpty();
    // Once the claim's lease ran out (its instance died), it is listed too, in due order.
    assertThat(store.pendingOf("cart", now.plus(LEASE).plusSeconds(1), 10)).containsExactly(claimed, b, a);
    assertThat(store.countByCampaign()).containsExactlyInAnyOrderEntriesOf(Map.of("cart", 3L, "winback", 1L));
  }

  @Test
  void claimDueTakesOnlyRemindersFiringStrictlyBefore() {
    Reminder r = reminder("r1", "cart", "u1", "", T0.plusSeconds(60));
    save(r);
    assertThat(store.claimDue(T0.plusSeconds(60), ALL_CAMPAIGNS, 10, LEASE, "A")).isEmpty();
    assertThat(store.claimDue(T0.plusSeconds(60).plusNanos(1000), ALL_CAMPAIGNS, 10, LEASE, "A")).containsExactly(r);
  }

  @Test
  void claimDueTakesTheOldestFirstWithTiesByCampaignUserAndKey() {
    Instant t = T0.plusSeconds(10);
    // Upper case sorts before lower case: ordering is by String.compareTo, not a locale collation.
    Reminder r1 = reminder("r1", "Cart", "u2", "b", t);
    Reminder r2 = reminder("r2", "cart", "U9", "z", t);
    Reminder r3 = reminder("r3", "cart", "u1", "a", t);
    Reminder r4 = reminder("r4", "cart", "u1", "b", t);
    Reminder r5 = reminder("r5", "cart", "u2", "a", t);
    Reminder early = reminder("r6", "zzz", "u9", "", T0.plusSeconds(5));
    Reminder late = reminder("r7", "aaa", "u0", "", T0.plusSeconds(20));
    save(r5, r4, late, r3, r2, early, r1);

    Instant now = T0.plusSeconds(30);
    assertThat(store.claimDue(now, ALL_CAMPAIGNS, 3, LEASE, "A")).containsExactly(early, r1, r2);
    assertThat(store.claimDue(now, ALL_CAMPAIGNS, 3, LEASE, "A")).containsExactly(r3, r4, r5);
    assertThat(store.claimDue(now, ALL_CAMPAIGNS, 3, LEASE, "A")).containsExactly(late);
    assertThat(store.claimDue(now, ALL_CAMPAIGNS, 3, LEASE, "A")).isEmpty();
  }

  @Test
  void aClaimIsExclusiveUntilItsLeaseRunsOut() {
    Reminder r = reminder("r1", "cart", "u1", "", T0);
    save(r);
    Instant claimedAt = T0.plusSeconds(1);
    Duration lease = Duration.ofMinutes(1);
    assertThat(store.claimDue(claimedAt, ALL_CAMPAIGNS, 10, lease, "A")).containsExactly(r);
    assertThat(store.claimDue(claimedAt, ALL_CAMPAIGNS, 10, lease, "B")).isEmpty();
    assertThat(this.<List<Boolean>>run("u1", state -> List.of(state.isClaimedBy("r1", "A"), state.isClaimedBy("r1", "B"))))
        .containsExactly(true, false);
    assertThat(store.size()).isEqualTo(1);

    Instant leaseEnd = claimedAt.plus(lease);
    assertThat(store.claimDue(leaseEnd, ALL_CAMPAIGNS, 10, lease, "B")).as("the lease holds up to its end").isEmpty();
    assertThat(this.<Boolean>run("u1", state -> state.isClaimedBy("r1", "A")))
        .as("a lease that ran out still counts until another owner takes it over").isTrue();
    assertThat(store.claimDue(leaseEnd.plusNanos(1000), ALL_CAMPAIGNS, 10, lease, "B")).containsExactly(r);
    assertThat(this.<List<Boolean>>run("u1", state -> List.of(state.isClaimedBy("r1", "A"), state.isClaimedBy("r1", "B"))))
        .containsExactly(false, true);
    assertThat(store.claimDue(leaseEnd.plusSeconds(30), ALL_CAMPAIGNS, 10, lease, "A")).as("B's fresh lease").isEmpty();
  }

  @Test
  void aClaimHoldsForEveryStoreOnTheSameData() {
    ReminderStore second = sameDataStore();
    assumeTrue(second != null, NOT_SHARED);
    opened.add(second);
    Reminder r = reminder("r1", "cart", "u1", "a", T0);
    Reminder other = reminder("r2", "cart", "u2", "b", T0);
    save(r, other);
    Instant now = T0.plusSeconds(1);
    assertThat(store.claimDue(now, ALL_CAMPAIGNS, 1, LEASE, "A")).containsExactly(r);
    assertThat(second.claimDue(now, ALL_CAMPAIGNS, 10, LEASE, "B")).as("the other store skips A's claim").containsExactly(other);
    List<Boolean> seen = join(second.atomically("u1", state -> List.of(state.isClaimedBy("r1", "A"),
        state.pending("cart", "a").isPresent())));
    assertThat(seen).as("claimed by A, so not pending").containsExactly(true, false);
    assertThat(second.renewLeases(List.of(r), "A", now.plus(LEASE).plusSeconds(60))).isEqualTo(1);
    assertThat(store.claimDue(now.plus(LEASE).plusSeconds(1), ALL_CAMPAIGNS, 10, LEASE, "C"))
        .as("A's claim, renewed through the other store, holds; B's ran out").containsExactly(other);

    // Settled through the other store: gone for both.
    join(second.atomically("u1", state -> {
      state.delete("r1");
      return null;
    }));
    assertThat(this.<Boolean>run("u1", state -> state.isClaimedBy("r1", "A"))).isFalse();
    assertThat(store.renewLeases(List.of(r), "A", now.plus(Duration.ofHours(1)))).isZero();
    assertThat(store.size()).isEqualTo(1);
  }

  @Test
  void claimDueRespectsMax() {
    for (int i = 0; i < 25; i++) {
      save(reminder("r" + i, "cart", "u" + (i % 5), "k" + i, T0.plusMillis(i)));
    }
    Instant now = T0.plusSeconds(1);
    assertThat(store.claimDue(now, ALL_CAMPAIGNS, 10, LEASE, "A")).hasSize(10);
    assertThat(store.claimDue(now, ALL_CAMPAIGNS, 10, LEASE, "B")).hasSize(10);
    assertThat(store.claimDue(now, ALL_CAMPAIGNS, 10, LEASE, "A")).hasSize(5);
    assertThat(store.claimDue(now, ALL_CAMPAIGNS, 10, LEASE, "A")).isEmpty();
    assertThat(store.size()).isEqualTo(25);
  }

  @Test
  void nextFireAtIsTheEarliestPendingReminder() {
    assertThat(store.nextFireAt()).isEmpty();
    save(reminder("r1", "cart", "u1", "a", T0.plusSeconds(30)), reminder("r2", "cart", "u2", "", T0.plusSeconds(20)));
    assertThat(store.nextFireAt()).contains(T0.plusSeconds(20));
    store.claimDue(T0.plusSeconds(25), ALL_CAMPAIGNS, 10, LEASE, "A");
    assertThat(store.nextFireAt()).as("claimed reminders do not count").contains(T0.plusSeconds(30));
    run("u1", state -> {
      state.delete("r1");
      return null;
    });
    assertThat(store.nextFireAt()).isEmpty();
    assertThat(store.size()).isEqualTo(1);
  }

  @Test
  void dueCountsPendingAndClaimedRemindersFiringBeforeTheInstant() {
    assumeTrue(store.due(T0).isPresent(), "this store does not count due reminders (ReminderStore.due is empty)");
    assertThat(store.due(T0.plusSeconds(3600))).contains(DueReminders.NONE);
    save(reminder("r1", "cart", "u1", "a", T0.plusSeconds(30)), reminder("r2", "cart", "u2", "", T0.plusSeconds(20)),
        reminder("r3", "unknown-campaign", "u3", "", T0.plusSeconds(10)), reminder("r4", "cart", "u1", "b", T0.plusSeconds(90)));
    assertThat(store.due(T0.plusSeconds(10))).as("strictly before").contains(DueReminders.NONE);
    assertThat(store.due(T0.plusSeconds(11))).as("of every campaign, held ones too")
        .contains(new DueReminders(1, T0.plusSeconds(10)));
    assertThat(store.due(T0.plusSeconds(31))).contains(new DueReminders(3, T0.plusSeconds(10)));

    assertThat(store.claimDue(T0.plusSeconds(31), Set.of("unknown-campaign", "cart"), 2, LEASE, "A")).hasSize(2);
    assertThat(store.due(T0.plusSeconds(31))).as("claimed reminders are due until settled")
        .contains(new DueReminders(3, T0.plusSeconds(10)));
    run("u3", state -> {
      state.delete("r3");
      return null;
    });
    assertThat(store.due(T0.plusSeconds(31))).contains(new DueReminders(2, T0.plusSeconds(20)));
    assertThat(store.due(T0.plusSeconds(91))).contains(new DueReminders(3, T0.plusSeconds(20)));
  }

  @Test
  void aRenewedClaimIsNotTakenOverAfterItsFirstLeaseRanOut() {
    Reminder r = reminder("r1", "cart", "u1", "", T0);
    Reminder other = reminder("r2", "cart", "u2", "", T0);
    save(r, other);
    Instant claimedAt = T0.plusSeconds(1);
    Duration lease = Duration.ofMinutes(1);
    assertThat(store.claimDue(claimedAt, ALL_CAMPAIGNS, 10, lease, "A")).containsExactly(r, other);

    // A long send: A's heartbeat at 40 s extends both claims by another minute.
    Instant beat = claimedAt.plusSeconds(40);
    assertThat(store.renewLeases(List.of(r, other), "A", beat.plus(lease))).isEqualTo(2);
    Instant firstLeaseEnd = claimedAt.plus(lease);
    assertThat(store.claimDue(firstLeaseEnd.plusSeconds(1), ALL_CAMPAIGNS, 10, lease, "B")).as("renewed").isEmpty();
    assertThat(this.<Boolean>run("u1", state -> state.isClaimedBy("r1", "A"))).isTrue();

    assertThat(store.claimDue(beat.plus(lease).plusNanos(1000), ALL_CAMPAIGNS, 10, lease, "B"))
        .as("taken over once the renewed lease ran out").containsExactly(r, other);
    assertThat(this.<Boolean>run("u1", state -> state.isClaimedBy("r1", "B"))).isTrue();
  }

  @Test
  void renewLeasesExtendsOnlyTheOwnersClaimsAndCountsThem() {
    Reminder mine = reminder("r1", "cart", "u1", "", T0);
    Reminder theirs = reminder("r2", "cart", "u2", "", T0.plusMillis(1));
    Reminder pending = reminder("r3", "cart", "u3", "", T0.plusSeconds(3600));
    save(mine, theirs, pending);
    Instant now = T0.plusSeconds(1);
    Duration lease = Duration.ofMinutes(1);
    assertThat(store.claimDue(now, ALL_CAMPAIGNS, 1, lease, "A")).containsExactly(mine);
    assertThat(store.claimDue(now, ALL_CAMPAIGNS, 1, lease, "B")).containsExactly(theirs);
    Reminder gone = reminder("never-saved", "cart", "u1", "", T0);

    Instant until = now.plus(Duration.ofMinutes(5));
    assertThat(store.renewLeases(List.of(mine, theirs, pending, gone), "A", until))
        .as("only A's claim on r1").isEqualTo(1);
    assertThat(store.renewLeases(List.of(mine), "A", now.plusSeconds(30)))
        .as("a lease is never shortened").isZero();
    assertThat(store.renewLeases(List.of(), "A", until)).isZero();

    Instant afterFirstLease = now.plus(lease).plusSeconds(1);
    assertThat(store.claimDue(afterFirstLease, ALL_CAMPAIGNS, 10, lease, "C"))
        .as("B's claim was not renewed by A; A's was").containsExactly(theirs);
    assertThat(this.<Boolean>run("u2", state -> state.isClaimedBy("r2", "B"))).isFalse();
    assertThat(this.<Boolean>run("u1", state -> state.isClaimedBy("r1", "A"))).isTrue();
    assertThat(store.nextFireAt()).as("renewing did not claim the pending reminder").contains(T0.plusSeconds(3600));
  }

  @Test
  void aSettledReminderIsNotRenewed() {
    Reminder r = reminder("r1", "cart", "u1", "", T0);
    save(r);
    assertThat(store.claimDue(T0.plusSeconds(1), ALL_CAMPAIGNS, 10, LEASE, "A")).containsExactly(r);
    run("u1", state -> {
      state.delete("r1");
      return null;
    });
    assertThat(store.renewLeases(List.of(r), "A", T0.plus(Duration.ofHours(1)))).isZero();
  }

  // ------------------------------------------------------------------ counters

  @Test
  void countsMoveWithTheirUnitAndShowInCounters() {
    assertThat(store.counters()).isEmpty();
    Reminder r = reminder("r1", "cart", "u1", "", T0.plusSeconds(60));
    run("u1", state -> {
      state.save(r);
      state.count("cart", 0, Counter.TRIGGERED, 1);
      state.count("cart", 0, Counter.SCHEDULED, 1);
      state.count("cart", 0, Counter.SCHEDULED, 2);
      state.count("cart", 1, Counter.suppressed(SuppressionReason.NO_DEVICE), 1);
      state.count("promo", 0, Counter.accepted(Platform.ANDROID), 5);
      return null;
    });
    run("u2", state -> {
      state.count("cart", 0, Counter.SCHEDULED, 4);
      state.count("cart", 0, Counter.CANCELLED, 1);
      return null;
    });
    assertThat(counter("cart", 0, Counter.TRIGGERED)).isEqualTo(1);
    assertThat(counter("cart", 0, Counter.SCHEDULED)).isEqualTo(7);
    assertThat(counter("cart", 0, Counter.CANCELLED)).isEqualTo(1);
    assertThat(counter("cart", 1, "suppressed.NO_DEVICE")).isEqualTo(1);
    assertThat(counter("promo", 0, "accepted.ANDROID")).isEqualTo(5);
    assertThat(counter("cart", 1, Counter.SCHEDULED)).isZero();
    assertThat(store.counters()).as("one entry per campaign, step and name")
        .extracting(c -> c.campaignId() + "#" + c.step() + "." + c.name())
        .doesNotHaveDuplicates()
        .contains("cart#0.triggered", "cart#0.scheduled", "cart#0.cancelled", "cart#1.suppressed.NO_DEVICE",
            "promo#0.accepted.ANDROID");
  }

  @Test
  void theCountsOfAUnitThatThrowsAreRolledBackWithIt() {
    run("u1", state -> {
      state.count("cart", 0, Counter.SENT, 1);
      return null;
    });
    IllegalStateException boom = new IllegalStateException("boom");
    CompletableFuture<Object> failing = store.atomically("u1", state -> {
      state.count("cart", 0, Counter.SENT, 10);
      state.count("cart", 0, Counter.EXPIRED, 1);
      state.save(reminder("r1", "cart", "u1", "", T0));
      throw boom;
    });
    // Units queued with it (likely the same batch) keep their counts.
    CompletableFuture<Object> sameUser = store.atomically("u1", state -> {
      state.count("cart", 0, Counter.SENT, 100);
      return null;
    });
    CompletableFuture<Object> otherUser = store.atomically("u2", state -> {
      state.count("cart", 0, Counter.SENT, 1000);
      return null;
    });
    assertThatThrownBy(() -> join(failing)).hasCause(boom);
    join(sameUser);
    join(otherUser);
    assertThat(counter("cart", 0, Counter.SENT)).isEqualTo(1101);
    assertThat(counter("cart", 0, Counter.EXPIRED)).isZero();
    assertThat(store.size()).isZero();
  }

  @Test
  void countsOfConcurrentUnitsAddUp() throws Exception {
    int threads = 8;
    int perThread = 250;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<List<CompletableFuture<Object>>>> submitted = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        submitted.add(pool.submit(() -> {
          List<CompletableFuture<Object>> calls = new ArrayList<>();
          for (int i = 0; i < perThread; i++) {
            int n = i;
            calls.add(store.atomically("u" + ((thread * perThread + i) % 37), state -> {
              state.count("cart", 0, Counter.SENT, 1);
              state.count("cart", n % 2, Counter.accepted(Platform.IOS), 2);
              return null;
            }));
          }
          return calls;
        }));
      }
      for (Future<List<CompletableFuture<Object>>> f : submitted) {
        f.get(60, TimeUnit.SECONDS).forEach(ReminderStoreTck::join);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(counter("cart", 0, Counter.SENT)).isEqualTo(threads * perThread);
    assertThat(counter("cart", 0, "accepted.IOS") + counter("cart", 1, "accepted.IOS"))
        .isEqualTo(2L * threads * perThread);
    assertThat(counter("cart", 1, "accepted.IOS")).isEqualTo((long) threads * perThread);
  }

  @Test
  void countersAreSharedByEveryStoreOnTheSameData() {
    // A second instance of the same store (same database) sees and adds to the same counters.
    ReminderStore second = sameDataStore();
    assumeTrue(second != null, NOT_SHARED);
    opened.add(second);
    run("u1", state -> {
      state.count("cart", 0, Counter.SENT, 3);
      return null;
    });
    join(second.atomically("u2", state -> {
      state.count("cart", 0, Counter.SENT, 4);
      return null;
    }));
    assertThat(counter("cart", 0, Counter.SENT)).isEqualTo(7);
    assertThat(second.counters()).filteredOn(c -> c.name().equals(Counter.SENT))
        .extracting(Counter::value).containsExactly(7L);
  }


  // ------------------------------------------------------------------ send history

  @Test
  void sendHistoryKeepsLastSentPerCampaign() {
    SendRecord s1 = new SendRecord("r1", "cart", 0, T0.plusSeconds(10), false);
    SendRecord s2 = new SendRecord("r2", "winback", 1, T0.plusSeconds(20), false);
    SendRecord s3 = new SendRecord("r3", "cart", 1, T0.plusSeconds(30), false);
    run("u1", state -> {
      state.recordSend(s3);
      state.recordSend(s1);
      return null;
    });
    run("u1", state -> {
      state.recordSend(s2);
      return null;
    });
    run("u1", state -> {
      assertThat(state.sends()).as("oldest first").containsExactly(s1, s2, s3);
      assertThat(state.lastSent("cart")).contains(T0.plusSeconds(30));
      assertThat(state.lastSent("winback")).contains(T0.plusSeconds(20));
      assertThat(state.lastSent("other")).isEmpty();
      state.updateSend(s1.asConverted());
      return null;
    });
    assertThat(this.<List<SendRecord>>run("u2", UserState::sends)).as("history is per user").isEmpty();

    run("u1", state -> {
      assertThat(state.sends()).containsExactly(s1.asConverted(), s2, s3);
      state.forgetSend("r3");
      assertThat(state.lastSent("cart")).as("recomputed").contains(T0.plusSeconds(10));
      return null;
    });
    run("u1", state -> {
      assertThat(state.lastSent("cart")).contains(T0.plusSeconds(10));
      state.forgetSend("r1");
      state.forgetSend("unknown");
      return null;
    });
    run("u1", state -> {
      assertThat(state.lastSent("cart")).isEmpty();
      assertThat(state.sends()).containsExactly(s2);
      return null;
    });
  }

  @Test
  void pruningSendsKeepsLastSentTimes() {
    run("u1", state -> {
      state.recordSend(new SendRecord("r1", "cart", 0, T0, false));
      state.recordSend(new SendRecord("r2", "cart", 0, T0.plusSeconds(100), false));
      state.recordSend(new SendRecord("r3", "promo", 0, T0.plusSeconds(50), false));
      return null;
    });
    run("u1", state -> {
      state.pruneSends(T0.plusSeconds(100));
      return null;
    });
    run("u1", state -> {
      assertThat(state.sends()).extracting(SendRecord::reminderId).containsExactly("r2");
      assertThat(state.lastSent("promo")).contains(T0.plusSeconds(50));
      assertThat(state.lastSent("cart")).contains(T0.plusSeconds(100));
      return null;
    });
  }

  @Test
  void anOlderSendDoesNotMoveLastSentBack() {
    run("u1", state -> {
      state.recordSend(new SendRecord("r2", "cart", 0, T0.plusSeconds(100), false));
      return null;
    });
    run("u1", state -> {
      state.recordSend(new SendRecord("r1", "cart", 0, T0, false));
      return null;
    });
    assertThat(this.<Optional<Instant>>run("u1", state -> state.lastSent("cart"))).contains(T0.plusSeconds(100));
  }

  @Test
  void recordingASendAgainReplacesItsRecord() {
    SendRecord first = new SendRecord("r1", "cart", 0, T0.plusSeconds(10), false);
    SendRecord other = new SendRecord("r2", "cart", 0, T0.plusSeconds(15), false);
    run("u1", state -> {
      state.recordSend(first);
      state.recordSend(other);
      return null;
    });
    // A resend after a crash records the same reminder again, in a later unit.
    SendRecord again = new SendRecord("r1", "cart", 1, T0.plusSeconds(20), true);
    run("u1", state -> {
      state.recordSend(again);
      return null;
    });
    run("u1", state -> {
      assertThat(state.sends()).as("one record per reminder, oldest first").containsExactly(other, again);
      assertThat(state.lastSent("cart")).contains(T0.plusSeconds(20));
      return null;
    });
    SendRecord earlier = new SendRecord("r1", "cart", 0, T0.plusSeconds(5), false);
    run("u1", state -> {
      state.recordSend(earlier);
      state.recordSend(earlier);
      return null;
    });
    run("u1", state -> {
      assertThat(state.sends()).containsExactly(earlier, other);
      assertThat(state.lastSent("cart")).as("only moves forward").contains(T0.plusSeconds(20));
      return null;
    });
  }

  // ------------------------------------------------------------------ round trips

  @Test
  void aReminderComesBackExactlyAsSaved() {
    Map<String, Object> nested = new LinkedHashMap<>();
    nested.put("sku", "A-1");
    nested.put("qty", 2L);
    nested.put("price", 19.99);
    Map<String, Object> trigger = new LinkedHashMap<>();
    trigger.put("text", "Trail running shoes – ünïcødé 😀 \"quoted\" \\ / \n tab\t");
    trigger.put("empty", "");
    trigger.put("long", Long.MAX_VALUE);
    trigger.put("negative", -42L);
    trigger.put("zero", 0L);
    trigger.put("double", 0.1);
    trigger.put("wholeDouble", 3.0);
    trigger.put("huge", 1.0e300);
    trigger.put("tiny", -4.9e-324);
    trigger.put("big", new BigInteger("123456789012345678901234567890"));
    trigger.put("yes", true);
    trigger.put("no", false);
    trigger.put("items", List.of(nested, List.of(1L, "two", 3.5, false), List.of()));
    trigger.put("map", Map.of("inner", Map.of("deep", List.of("x")), "none", Map.of()));
    Instant triggeredAt = Instant.parse("2026-03-01T09:59:59.123456Z");
    Reminder r = new Reminder("0123456789abcdef0123456789abcdef", "cart-abandonment", 2, "user-ß-1", "cart ü/42",
        triggeredAt, trigger, Instant.parse("2026-03-01T11:59:59.123456Z"),
        Instant.parse("2026-03-01T12:00:00.000001Z"), 3, Instant.parse("2026-03-01T11:59:59.999999Z"),
        List.of(new DeviceToken(Platform.IOS, "abcdef"), new DeviceToken(Platform.ANDROID, "xyz:with:colons")), 2);
    Reminder plain = Reminder.create("r-plain", "promo", 0, "user-ß-1", "", T0, Map.of(), T0.plusSeconds(1));
    save(r, plain);

    run("user-ß-1", state -> {
      Reminder back = state.reminder(r.id()).orElseThrow();
      assertThat(back).isEqualTo(r);
      assertThat(back.trigger().get("wholeDouble")).isInstanceOf(Double.class);
      assertThat(back.trigger().get("long")).isInstanceOf(Long.class);
      assertThat(state.pending("promo", "")).contains(plain);
      assertThat(state.reminder("r-plain").orElseThrow().sentAt()).isNull();
      return null;
    });
    assertThat(store.claimDue(Instant.parse("2026-03-01T12:00:00.000002Z"), ALL_CAMPAIGNS, 10, LEASE, "A"))
        .containsExactly(plain, r);
  }

  @Test
  void instantsAreKeptToTheMicrosecondAtLeast() {
    Instant precise = Instant.parse("2026-03-01T10:00:00.123456789Z");
    save(reminder("r1", "cart", "u1", "", precise));
    Instant back = run("u1", state -> state.reminder("r1").orElseThrow().fireAt());
    assertThat(back).isIn(precise, precise.truncatedTo(ChronoUnit.MICROS));
    Instant sent = Instant.parse("1999-12-31T23:59:59.000001Z");
    run("u1", state -> {
      state.recordSend(new SendRecord("r1", "cart", 0, sent, false));
      return null;
    });
    assertThat(this.<Instant>run("u1", state -> state.sends().get(0).sentAt())).isEqualTo(sent);
    assertThat(this.<Optional<Instant>>run("u1", state -> state.lastSent("cart"))).contains(sent);
  }

  // ------------------------------------------------------------------ concurrency

  @Test
  void concurrentUnitsOnOneUserSerialize() throws Exception {
    int threads = 8;
    int perThread = 150;
    save(reminder("counter", "cart", "u1", "", T0.plusSeconds(3600)));
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<List<CompletableFuture<Boolean>>>> submitted = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        submitted.add(pool.submit(() -> {
          List<CompletableFuture<Boolean>> calls = new ArrayList<>();
          for (int i = 0; i < perThread; i++) {
            String eventId = "e-" + thread + "-" + i;
            calls.add(store.atomically("u1", state -> {
              Reminder r = state.reminder("counter").orElseThrow();
              state.save(r.afterAttempt(T0, r.fireAt(), List.of(), 1));
              return state.recordEvent(eventId, T0);
            }));
            // Other users' units interleave in the same batches.
            calls.add(store.atomically("other-" + (i % 7), state -> state.recordEvent(eventId + "-o", T0)));
          }
          return calls;
        }));
      }
      List<CompletableFuture<Boolean>> all = new ArrayList<>();
      for (Future<List<CompletableFuture<Boolean>>> f : submitted) {
        all.addAll(f.get(60, TimeUnit.SECONDS));
      }
      assertThat(all.stream().map(ReminderStoreTck::join)).hasSize(threads * perThread * 2).containsOnly(true);
    } finally {
      pool.shutdownNow();
    }
    Reminder r = run("u1", state -> state.reminder("counter").orElseThrow());
    assertThat(r.attempt()).isEqualTo(threads * perThread);
    assertThat(r.accepted()).isEqualTo(threads * perThread);
  }

  @Test
  void unitsOnOneUserSerializeAcrossStoresOnTheSameData() throws Exception {
    // Two instances deciding for one user at once (a cap, once, cooldown) must not both read the
    // same send history: each unit adds the next send after the ones it sees.
    ReminderStore second = sameDataStore();
    assumeTrue(second != null, NOT_SHARED);
    opened.add(second);
    int perStore = 200;
    List<CompletableFuture<Void>> calls = new ArrayList<>();
    for (int i = 0; i < perStore; i++) {
      for (ReminderStore s : List.of(store, second)) {
        calls.add(s.atomically("u1", state -> {
          int seen = state.sends().size();
          state.recordSend(new SendRecord("send-" + seen, "cart", 0, T0.plusSeconds(seen), false));
          return null;
        }));
      }
    }
    calls.forEach(ReminderStoreTck::join);
    List<SendRecord> sends = run("u1", UserState::sends);
    assertThat(sends).as("no unit saw a history another one had just changed").hasSize(2 * perStore);
    assertThat(sends).extracting(SendRecord::reminderId).doesNotHaveDuplicates();
  }

  @Test
  void whatAUnitCommittedIsClaimable() {
    List<CompletableFuture<Object>> calls = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      Reminder r = reminder("r" + i, "cart", "u" + i, "", T0.plusMillis(i));
      calls.add(store.atomically(r.userId(), state -> {
        state.save(r);
        return null;
      }));
    }
    calls.forEach(ReminderStoreTck::join);
    assertThat(store.size()).isEqualTo(200);
    List<Reminder> claimed = store.claimDue(T0.plusSeconds(1), ALL_CAMPAIGNS, 500, LEASE, "A");
    assertThat(claimed).hasSize(200).isSortedAccordingTo((a, b) -> a.fireAt().compareTo(b.fireAt()));
  }

  // ------------------------------------------------------------------ due order

  @Test
  void claimDueAndPendingOfReturnExactlyTheDueOrder() {
    // What an SQL store's ORDER BY must agree with: String.compareTo on every column, ASCII upper
    // case before lower case, digits and punctuation by code point, a prefix before what extends it.
    List<String> campaigns = List.of("cart", "Cart", "CART", "c", "ca", "cart-2", "cart_2", "cart:2", "cart/2",
        "cart 2", "2cart");
    List<String> users = List.of("u", "U", "u1", "u10", "u2", "u-1", "u_1", "u:1", "u/1", "u 1", " u", "uA", "ua");
    List<String> keys = List.of("", "a", "ab", "A", "aB", "b", "B", "a b", "a-b", "a_b", "a:b", "a/b", "0", "10", "9",
        "~", "!");
    List<String> idForms = List.of("r%d", "R%d", "r-%d", "r_%d", "r:%d", "r/%d", "r %d", "%d", "~%d");
    Instant t = T0.plusSeconds(10);
    List<Instant> fireTimes = List.of(t, t, t, t, t, t.plusNanos(1000), t.plusMillis(1), t.minusSeconds(1));
    Random random = new Random(20260301);
    Set<String> slots = new HashSet<>();
    List<Reminder> saved = new ArrayList<>();
    while (saved.size() < 200) {
      String campaign = campaigns.get(random.nextInt(campaigns.size()));
      String user = users.get(random.nextInt(users.size()));
      String key = keys.get(random.nextInt(keys.size()));
      if (slots.add(campaign + "\n" + user + "\n" + key)) { // one pending reminder per campaign, user and key
        String id = String.format(idForms.get(saved.size() % idForms.size()), saved.size());
        saved.add(reminder(id, campaign, user, key, fireTimes.get(random.nextInt(fireTimes.size()))));
      }
    }
    saveConcurrently(saved);
    assertThat(store.size()).isEqualTo(200);

    Instant now = t.plusSeconds(1);
    for (String campaign : campaigns) {
      assertThat(store.pendingOf(campaign, now, 1000)).as("pendingOf(%s)", campaign)
          .containsExactlyElementsOf(inDueOrder(saved, campaign));
    }
    assertThat(store.pendingOf("cart", now, 3)).containsExactlyElementsOf(inDueOrder(saved, "cart").subList(0, 3));
    Set<String> all = Set.copyOf(campaigns);
    Duration lease = Duration.ofMinutes(1);
    assertThat(claimInBatches(now, all, 37, lease, "A")).as("claimDue, 37 at a time")
        .containsExactlyElementsOf(inDueOrder(saved, null));

    // Reminders that tie on everything but their id: a new reminder of a claimed one's campaign,
    // user and key (a retry still claimed while the next trigger arrives) is saved beside it.
    List<String> twinForms = List.of("!%s", "%s~", "0%s", "%s-", "Z%s", "%s x", "_%s");
    List<Reminder> twins = new ArrayList<>();
    for (int i = 0; i < saved.size(); i += 4) {
      Reminder r = saved.get(i);
      String id = String.format(twinForms.get(twins.size() % twinForms.size()), r.id());
      twins.add(reminder(id, r.campaignId(), r.userId(), r.key(), r.fireAt()));
    }
    saveConcurrently(twins);
    List<Reminder> everything = new ArrayList<>(saved);
    everything.addAll(twins);
    assertThat(everything).extracting(Reminder::id).doesNotHaveDuplicates();
    assertThat(store.size()).isEqualTo(everything.size());

    Instant afterLease = now.plus(lease).plusSeconds(1);
    for (String campaign : campaigns) {
      assertThat(store.pendingOf(campaign, afterLease, 1000)).as("pendingOf(%s) after the lease", campaign)
          .containsExactlyElementsOf(inDueOrder(everything, campaign));
    }
    // Which claimable reminders a claim of fewer than all takes first is the store's choice (the
    // in-memory store takes over expired claims first); what it returns is in due order.
    List<Reminder> batch = store.claimDue(afterLease, all, 29, lease, "B");
    assertThat(batch).as("claimDue after the lease, 29").hasSize(29).isSortedAccordingTo(Reminder.DUE_ORDER);
    List<Reminder> rest = store.claimDue(afterLease, all, 1000, lease, "B");
    List<Reminder> left = new ArrayList<>(everything);
    left.removeAll(batch);
    assertThat(rest).as("claimDue after the lease, the rest").containsExactlyElementsOf(inDueOrder(left, null));
  }

  @Test
  void aTrailingSpaceIsSignificantInTheDueOrder() {
    // A SQL "PAD SPACE" collation compares "k" and "k " as equal: the ids would then decide, and
    // campaign_id = 'cart' would match "cart " too. (Users: aUserIdWithATrailingSpaceIsAnotherUser.)
    Instant t = T0.plusSeconds(10);
    List<Reminder> saved = List.of(
        reminder("r1", "cart", "u1", "k  ", t),
        reminder("r2", "cart", "u1", "k ", t),
        reminder("r3", "cart", "u1", "k", t),
        reminder("r4", "cart ", "u1", "k", t),
        reminder("r5", "cart", "u1", "", t));
    saveConcurrently(saved);
    Instant now = t.plusSeconds(1);
    assertThat(store.pendingOf("cart", now, 10)).as("pendingOf(cart)")
        .containsExactlyElementsOf(inDueOrder(saved, "cart"));
    assertThat(store.pendingOf("cart ", now, 10)).as("pendingOf(\"cart \")")
        .containsExactlyElementsOf(inDueOrder(saved, "cart "));
    assertThat(store.claimDue(now, Set.of("cart", "cart "), 10, LEASE, "A"))
        .containsExactlyElementsOf(inDueOrder(saved, null));
  }

  @Test
  void aUserIdWithATrailingSpaceIsAnotherUser() {
    Reminder mine = reminder("r1", "cart", "u1", "", T0.plusSeconds(10));
    Reminder theirs = reminder("r2", "cart", "u1 ", "", T0.plusSeconds(20));
    save(mine, theirs);
    run("u1 ", state -> {
      state.recordSend(new SendRecord("s2", "cart", 0, T0, false));
      return null;
    });
    run("u1", state -> {
      assertThat(state.pending("cart")).containsExactly(mine);
      assertThat(state.reminder("r2")).isEmpty();
      assertThat(state.sends()).isEmpty();
      assertThat(state.lastSent("cart")).isEmpty();
      return null;
    });
    run("u1 ", state -> {
      assertThat(state.pending("cart")).containsExactly(theirs);
      assertThat(state.sends()).extracting(SendRecord::reminderId).containsExactly("s2");
      return null;
    });
  }

  /** The reminders of one campaign (all when {@code null}) in {@link Reminder#DUE_ORDER}. */
  private static List<Reminder> inDueOrder(List<Reminder> reminders, String campaignId) {
    return reminders.stream().filter(r -> campaignId == null || r.campaignId().equals(campaignId))
        .sorted(Reminder.DUE_ORDER).collect(Collectors.toList());
  }

  /** Claims everything due, {@code max} at a time, in the order claimed. */
  private List<Reminder> claimInBatches(Instant before, Set<String> campaignIds, int max, Duration lease, String owner) {
    List<Reminder> claimed = new ArrayList<>();
    for (int batch = 0; batch < 1000; batch++) {
      List<Reminder> next = store.claimDue(before, campaignIds, max, lease, owner);
      assertThat(next).hasSizeLessThanOrEqualTo(max);
      if (next.isEmpty()) {
        return claimed;
      }
      claimed.addAll(next);
    }
    throw new AssertionError("claimDue never ran out of reminders (claimed " + claimed.size() + ")");
  }

  /** Saves reminders, each in its own unit of its user, all submitted before any is awaited. */
  private void saveConcurrently(List<Reminder> reminders) {
    List<CompletableFuture<Object>> calls = new ArrayList<>();
    for (Reminder r : reminders) {
      calls.add(store.atomically(r.userId(), state -> {
        state.save(r);
        return null;
      }));
    }
    calls.forEach(ReminderStoreTck::join);
  }

  // ------------------------------------------------------------------ helpers

  /** A never attempted reminder firing at {@code fireAt}, with a small trigger. */
  protected static Reminder reminder(String id, String campaign, String user, String key, Instant fireAt) {
    return Reminder.create(id, campaign, 0, user, key, fireAt.minusSeconds(60),
        Map.of("item_name", "Yoga mat", "qty", 1L), fireAt);
  }

  /** Saves reminders, each in its own unit of its user. */
  protected void save(Reminder... reminders) {
    for (Reminder r : reminders) {
      run(r.userId(), state -> {
        state.save(r);
        return null;
      });
    }
  }

  /** Runs a unit and waits for its result. */
  protected <T> T run(String userId, Function<UserState, T> work) {
    return join(store.atomically(userId, work));
  }

  /** The sum of a counter as {@link ReminderStore#counters()} reports it; 0 when absent. */
  protected long counter(String campaignId, int step, String name) {
    return store.counters().stream()
        .filter(c -> c.campaignId().equals(campaignId) && c.step() == step && c.name().equals(name))
        .mapToLong(Counter::value).sum();
  }

  /** Waits up to 30 s for a store future; failures come out as {@link CompletionException}. */
  protected static <T> T join(CompletableFuture<T> f) {
    try {
      return f.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new CompletionException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("the store did not complete a unit of work within 30 s", e);
    }
  }
}
