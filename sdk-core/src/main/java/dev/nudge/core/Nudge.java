package dev.nudge.core;

import dev.nudge.store.memory.InMemoryStore;
import dev.nudge.Campaign;
import dev.nudge.CancelReason;
import dev.nudge.CampaignStats;
import dev.nudge.Device;
import dev.nudge.Event;
import dev.nudge.FrequencyCap;
import dev.nudge.PendingReminder;
import dev.nudge.Platform;
import dev.nudge.TrackResult;
import dev.nudge.core.internal.EngineAccess;
import dev.nudge.internal.Checks;
import dev.nudge.spi.ClockScheduler;
import dev.nudge.spi.NudgeListener;
import dev.nudge.spi.DeviceStore;
import dev.nudge.spi.NudgeStore;
import dev.nudge.spi.ReminderStore;
import dev.nudge.spi.TemplateRenderer;
import dev.nudge.spi.Transport;
import dev.nudge.spi.UserStore;
import dev.nudge.spi.WritableUserStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The Nudge engine: campaigns, events, devices and users in; rendered notifications out through
 * each platform's {@link Transport}, with live statistics.
 *
 * <pre>{@code
 * try (Nudge nudge = Nudge.builder().transport(apns).transport(fcm).build()) {
 *   nudge.define(cartAbandonment); // define first: reminders of unknown campaigns are held
 *   nudge.start();
 *   nudge.registerDevice(Device.of("u1", Platform.IOS, token).locale("fa-IR").build());
 *   nudge.track(Event.named("cart_add").user("u1").property("cart_id", "c1").build());
 * }
 * }</pre>
 *
 * <p>Thread-safe: every method may be called from any thread. {@link #start()} starts polling for
 * due reminders in the background; without it nothing is sent until {@link #runDue()} is called,
 * which is how tests drive the engine on a controlled clock. Threads: the caller's validates and
 * hands over; the store's run units of work (engine rules only); {@code nudge-scheduler} claims;
 * {@code nudge-delivery-N} render, call transports and settle; {@code nudge-listener} tells the
 * listeners; {@code nudge-upkeep} renews leases. {@link #close()} stops polling, lets in-flight
 * sends finish, then closes the transports and the store.
 */
public final class Nudge implements AutoCloseable {
  static {
    Access.install();
  }

  /** The replay's way in (see {@link EngineAccess}). */
  private static final class Access extends EngineAccess {
    static void install() {
      register(new Access());
    }

    @Override
    public Builder directExecution(Builder builder) {
      return builder.directExecution();
    }

    @Override
    public int resolveThrough(Nudge nudge, Instant t) {
      return nudge.resolveThrough(t);
    }

    @Override
    public Instant nextFireAt(Nudge nudge) {
      return nudge.nextFireAt();
    }

    @Override
    public Map<String, Object> checkedAttributes(String userId, Map<String, ?> attributes) {
      return Nudge.checkedAttributes(userId, attributes);
    }
  }

  private static final System.Logger LOG = System.getLogger("dev.nudge");

  private final Clock clock;
  private final ReminderStore store;
  private final DeviceStore devices;
  /** The users part as the engine reads it: behind a cache when the host's store only reads. */
  private final UserStore users;
  /** The users part when the engine may write to it, else {@code null}. */
  private final WritableUserStore writableUsers;
  private final UserStore usersGiven;
  private final long userCacheSize;
  private final Duration userCacheExpiry;
  private final TemplateRenderer renderer;
  private final RuleIndex rules = new RuleIndex();
  private final HeldReminders held = new HeldReminders(rules);
  private final Listeners listeners;
  private final Ingest ingest;
  private final Resolver resolver;
  private final Scheduler scheduler;
  /** The delivery workers this engine owns ({@code null} with a host executor or in the simulator). */
  private final ExecutorService workers;
  private final ExecutorService listenerThread;
  private final ClockScheduler timer;
  private final Map<Platform, Transport> transports;
  private final Duration pollInterval;
  private final Duration shutdownGrace;
  private final Set<String> requiredCategories;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();

  private Nudge(Builder b) {
    this.clock = b.clock;
    NudgeStore all = b.store;
    if (all == null && b.reminders == null && b.devices == null && b.users == null) {
      all = new InMemoryStore(b.clock, Duration.ofDays(7));
    }
    this.store = b.reminders != null ? b.reminders : all;
    this.devices = b.devices != null ? b.devices : all;
    this.usersGiven = b.users != null ? b.users : all;
    this.userCacheSize = b.userCacheSize;
    this.userCacheExpiry = b.userCacheExpiry;
    if (usersGiven instanceof WritableUserStore writable) {
      this.writableUsers = writable;
      this.users = usersGiven;
    } else {
      this.writableUsers = null;
      this.users = new CachedUsers(usersGiven, b.userCacheSize, b.userCacheExpiry, b.clock);
    }
    this.renderer = b.renderer != null ? b.renderer : new PlaceholderRenderer();
    this.transports = new EnumMap<>(b.transports);
    this.pollInterval = b.pollInterval;
    this.shutdownGrace = b.shutdownGrace;
    Executor deliveries;
    if (b.direct) {
      this.workers = null;
      this.listenerThread = null;
      deliveries = Runnable::run;
    } else {
      this.workers = b.executor != null ? null
          : Executors.newFixedThreadPool(b.threads, Scheduler.named("nudge-delivery"));
      this.listenerThread = b.listeners.isEmpty() ? null
          : Executors.newSingleThreadExecutor(Scheduler.named("nudge-listener"));
      deliveries = b.executor != null ? b.executor : workers;
    }
    this.listeners = new Listeners(b.listeners, listenerThread != null ? listenerThread : Runnable::run);
    if (b.scheduler != null) {
      this.timer = b.scheduler;
    } else if (b.clock instanceof ClockScheduler clockScheduler) {
      this.timer = clockScheduler; // the test kit's TestClock
    } else {
      this.timer = new SystemScheduler(b.clock);
    }
    StoreOutage outage = new StoreOutage(clock, listeners);
    DeliveryWorkers delivery = new DeliveryWorkers(deliveries);
    ReminderIds ids = new ReminderIds();
    this.ingest = new Ingest(clock, store, users, rules, listeners, ids);
    Dispatcher dispatcher = new Dispatcher(transports, delivery, b.maxInFlight, b.sendTimeout,
        new Backoff(b.retryInitial, b.retryMax, !b.direct), clock, timer, devices, listeners);
    // The last try of a retried send is due at its deadline and resolved by the next poll or so.
    Duration lateness = b.pollInterval.multipliedBy(2).compareTo(Duration.ofSeconds(10)) > 0
        ? b.pollInterval.multipliedBy(2) : Duration.ofSeconds(10);
    this.resolver = new Resolver(clock, store, devices, users, rules, listeners, ids, dispatcher, delivery, timer, outage,
        new Resolver.Settings(b.instanceId, lateness, b.maxRetryWindow, b.globalCap, b.requiredCategories));
    this.requiredCategories = Set.copyOf(b.requiredCategories);
    this.scheduler = new Scheduler(clock, store, rules, resolver, timer, outage, listeners,
        new Scheduler.Settings(b.instanceId, b.claimBatchSize, b.lease));
    listeners.bind(new Status(clock, store, rules, held)); // last: no thread has started yet
  }

  /** Starts configuring an engine. */
  public static Builder builder() {
    return new Builder();
  }

  // ------------------------------------------------------------------ campaigns

  /**
   * Defines a campaign, or replaces the one with the same id. Pending reminders of a replaced
   * campaign resolve with the new definition; a step the new definition lacks ends
   * {@code CANCELLED}.
   *
   * @throws IllegalArgumentException when a message template is invalid (naming the campaign,
   *     step, field and placeholder)
   */
  public void define(Campaign campaign) {
    checkOpen();
    if (campaign == null) {
      throw new IllegalArgumentException("campaign is required; build one with Campaign.named(id)");
    }
    CompiledCampaign before = rules.get(campaign.id());
    rules.put(CompiledCampaign.compile(campaign, renderer));
    resolver.campaignsChanged();
    if (before != null && !before.campaign.equals(campaign)) {
      LOG.log(System.Logger.Level.INFO, describeRedefinition(before.campaign, campaign));
    }
  }

  /** One line saying what a redefinition changed, e.g. "steps 2 -> 3 (step 2 added)". */
  static String describeRedefinition(Campaign before, Campaign after) {
    int was = before.steps().size();
    int now = after.steps().size();
    StringBuilder sb = new StringBuilder("campaign '").append(after.id()).append("' redefined: ");
    if (was == now) {
      sb.append(was).append(was == 1 ? " step" : " steps");
      int changed = 0;
      for (int i = 0; i < now; i++) {
        changed += before.steps().get(i).equals(after.steps().get(i)) ? 0 : 1;
      }
      sb.append(changed == 0 ? ", same steps; other settings changed" : ", " + changed + " changed");
    } else if (now > was) {
      sb.append("steps ").append(was).append(" -> ").append(now).append(" (step")
          .append(now - was == 1 ? " " + was : "s " + was + "-" + (now - 1)).append(" added)");
    } else {
      sb.append("steps ").append(was).append(" -> ").append(now).append(" (step")
          .append(was - now == 1 ? " " + now : "s " + now + "-" + (was - 1))
          .append(" removed: their pending reminders end CANCELLED)");
    }
    return sb.toString();
  }

  /**
   * Removes a campaign and cancels its pending reminders in the store, with {@code CANCELLED}
   * outcomes: this is the one act that cancels a campaign's reminders (a campaign that is merely
   * not defined, e.g. after a restart, holds them). With a store shared by several instances the
   * reminders are cancelled for all of them; a reminder another instance is sending at that
   * moment ends as that instance decides. Returns once they are cancelled; a removed campaign
   * defined again starts afresh.
   *
   * <p>Blocks until the store has applied the cancellations, a batch of users at a time; claims
   * whose lease ran out (their instance died) are cancelled too.
   *
   * @return how many pending reminders were ended (cancelled, or {@code SENT} for one a device
   *     already accepted between two delivery tries)
   * @throws IllegalArgumentException when no campaign has this id and the store holds none of its
   *     reminders
   */
  public int remove(String campaignId) {
    checkOpen();
    if (campaignId == null) {
      throw new IllegalArgumentException("campaignId is required; pass the id of a defined campaign");
    }
    boolean defined = rules.remove(campaignId);
    if (defined) {
      resolver.campaignsChanged();
    }
    int cancelled = cancelPending(campaignId);
    if (!defined && cancelled == 0) {
      throw new IllegalArgumentException("unknown campaign id '" + campaignId
          + "': it is not defined and the store holds none of its reminders; defined campaigns: "
          + rules.all().stream().map(c -> c.id).sorted().toList());
    }
    return cancelled;
  }

  /**
   * Pauses a campaign: its reminders stay in the store but are not claimed, so nothing of it is
   * sent; new triggers are still recorded and scheduled. The paused state is stored, so every
   * instance on a shared store holds the campaign from its next run on, and a restart keeps it.
   * A reminder an instance claimed before the pause still goes out. Idempotent.
   *
   * @throws IllegalArgumentException when no campaign with this id is defined
   */
  public void pause(String campaignId) {
    checkOpen();
    checkDefined(campaignId, "pause");
    store.setPaused(campaignId, true);
  }

  /**
   * Resumes a paused campaign: its reminders are claimed again by the usual runs, spread as
   * claiming spreads them. What came due meanwhile follows the campaign's {@code expireAfter}:
   * reminders past it end {@code EXPIRED}, the rest are sent. Idempotent.
   *
   * @throws IllegalArgumentException when no campaign with this id is defined
   */
  public void resume(String campaignId) {
    checkOpen();
    checkDefined(campaignId, "resume");
    store.setPaused(campaignId, false);
  }

  /** The paused campaigns, as the store keeps them (every instance's pauses). */
  public Set<String> pausedCampaigns() {
    checkOpen();
    return store.pausedCampaigns();
  }

  private void checkDefined(String campaignId, String action) {
    Checks.name("campaignId", campaignId);
    if (rules.get(campaignId) == null) {
      throw new IllegalArgumentException("cannot " + action + " campaign '" + campaignId + "': it is not defined;"
          + " defined campaigns: " + rules.all().stream().map(c -> c.id).sorted().toList());
    }
  }

  /** Cancels a campaign's pending reminders, a batch of users at a time. */
  private int cancelPending(String campaignId) {
    int total = 0;
    while (true) {
      List<dev.nudge.spi.Reminder> batch = store.pendingOf(campaignId, clock.instant(), 1_000);
      if (batch.isEmpty()) {
        return total;
      }
      java.util.Set<String> users = new java.util.LinkedHashSet<>();
      java.util.Set<String> ids = new java.util.HashSet<>();
      batch.forEach(r -> {
        users.add(r.userId());
        ids.add(r.id());
      });
      List<CompletableFuture<Integer>> done = new ArrayList<>(users.size());
      for (String user : users) {
        done.add(ingest.cancelAll(user, campaignId, ids));
      }
      int n = 0;
      for (CompletableFuture<Integer> f : done) {
        n += f.join();
      }
      if (n == 0) {
        return total; // the rest were claimed meanwhile; their claimers resolve them
      }
      total += n;
    }
  }

  // ------------------------------------------------------------------ consent

  /**
   * Records that a user opted out of a consent category (see {@link Campaign#category()}): their
   * reminders of its campaigns then end {@code SUPPRESSED} with {@code OPTED_OUT} when due
   * (counted in the statistics) instead of being sent. Stored with the user's reminders, so every
   * instance on a shared store sees it. Returns once stored.
   *
   * @throws IllegalArgumentException when {@code userId} is blank, the category name is malformed,
   *     or the engine marks the category required
   */
  public void optOut(String userId, String category) {
    Campaign.checkCategory("category", category);
    if (requiredCategories.contains(category)) {
      throw new IllegalArgumentException("category '" + category + "' is required on this engine"
          + " (Nudge.builder().requiredCategory): users cannot opt out of it");
    }
    setConsent(userId, category, false);
  }

  /**
   * Records that a user opted in to a consent category again, also after {@link #optOutAll}.
   *
   * @throws IllegalArgumentException when {@code userId} is blank or the category name is malformed
   */
  public void optIn(String userId, String category) {
    setConsent(userId, Campaign.checkCategory("category", category), true);
  }

  /**
   * Records that a user opted out of every category (the engine's required ones aside), replacing
   * earlier choices; {@link #optIn} then allows single categories again.
   */
  public void optOutAll(String userId) {
    setConsent(userId, dev.nudge.spi.UserRecords.ALL_CATEGORIES, false);
  }

  /** Records that a user opted back in to every category, replacing earlier choices. */
  public void optInAll(String userId) {
    setConsent(userId, dev.nudge.spi.UserRecords.ALL_CATEGORIES, true);
  }

  /**
   * A user's consent choices: category to allowed, {@code "*"} for every category not listed;
   * empty when they never opted out.
   */
  public Map<String, Boolean> consent(String userId) {
    checkOpen();
    Checks.name("userId", userId);
    return join(store.read(userId, state -> java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(state.consent()))));
  }

  private void setConsent(String userId, String category, boolean allowed) {
    checkOpen();
    Checks.name("userId", userId);
    join(store.atomically(userId, state -> {
      state.setConsent(category, allowed);
      return null;
    }));
  }

  // ------------------------------------------------------------------ users' data

  /**
   * Deletes everything Nudge keeps about a user, as a deletion request (GDPR's right to erasure
   * and laws like it) requires: their pending reminders (each ends {@code CANCELLED}, reported
   * once to listeners with {@link CancelReason#USER_FORGOTTEN}), send history, consent choices
   * and processed event ids, in one unit of the reminder store; then their devices and
   * attributes. On a {@code JdbcStore} that keeps all three, one transaction deletes every row
   * of the user, on the database every instance shares. Statistics counters keep their totals,
   * which name no user. Idempotent: call it again after a failure.
   *
   * <p>With a host-owned read-only {@link UserStore} the host deletes its own user rows; this
   * engine drops what it cached of them. A reminder another instance is sending at that moment
   * may still reach the device; nothing is sent after it. A later event for the same user id
   * starts a new user.
   *
   * <p>A reminder between two delivery tries that a device already accepted ends {@code SENT}
   * rather than {@code CANCELLED} (it was sent; its remaining tries are dropped).
   *
   * @return how many reminders were ended
   * @throws IllegalArgumentException when {@code userId} is null or blank
   */
  public int forgetUser(String userId) {
    checkOpen();
    Checks.name("userId", userId);
    int cancelled = join(ingest.forget(userId));
    devices.removeAll(userId);
    if (writableUsers != null) {
      writableUsers.removeUser(userId);
    } else if (users instanceof CachedUsers cached) {
      cached.invalidate(userId);
    }
    return cancelled;
  }

  /**
   * Everything Nudge keeps about a user, as a JSON document for an access request: attributes,
   * consent choices, active devices, pending reminders (campaign, step, key, due time, the
   * trigger's properties) and the recent send history. Reads the stores; nothing of other users.
   *
   * <pre>{@code
   * {"userId": "sara", "exportedAt": "2026-03-01T10:00:00Z",
   *  "attributes": {"first_name": "Sara"}, "consent": {"marketing": false},
   *  "devices": [{"platform": "IOS", "token": "...", "locale": "en-US", "zone": null}],
   *  "pendingReminders": [{"campaignId": "cart", "step": 0, "key": "c1", "dueAt": "...",
   *      "nextAttemptAt": "...", "held": false, "sending": false, "trigger": {...}}],
   *  "recentSends": [{"campaignId": "welcome", "step": 0, "sentAt": "...", "converted": false}]}
   * }</pre>
   *
   * @throws IllegalArgumentException when {@code userId} is null or blank
   */
  public String exportUser(String userId) {
    checkOpen();
    Checks.name("userId", userId);
    Instant now = clock.instant();
    Map<String, Object> doc = new java.util.LinkedHashMap<>();
    doc.put("userId", userId);
    doc.put("exportedAt", now.toString());
    doc.put("attributes", users.attributes(userId));
    List<Object> deviceList = new ArrayList<>();
    for (Device d : devices.activeDevices(userId)) {
      Map<String, Object> o = new java.util.LinkedHashMap<>();
      o.put("platform", d.platform().name());
      o.put("token", d.token());
      o.put("locale", d.locale().orElse(null));
      o.put("zone", d.zone().map(Object::toString).orElse(null));
      deviceList.add(o);
    }
    join(store.read(userId, state -> {
      doc.put("consent", new java.util.TreeMap<>(state.consent()));
      doc.put("devices", deviceList);
      List<Object> reminders = new ArrayList<>();
      for (dev.nudge.spi.Reminder r : state.reminders()) {
        PendingReminder p = pendingReminder(state, r, now);
        Map<String, Object> o = new java.util.LinkedHashMap<>();
        o.put("campaignId", p.campaignId());
        o.put("step", (long) p.step());
        o.put("key", p.key());
        o.put("dueAt", p.dueAt().toString());
        o.put("nextAttemptAt", p.nextAttemptAt().toString());
        o.put("held", p.held());
        o.put("sending", p.sending());
        o.put("trigger", r.trigger());
        reminders.add(o);
      }
      doc.put("pendingReminders", reminders);
      List<Object> sends = new ArrayList<>();
      for (dev.nudge.spi.SendRecord s : state.sends()) {
        Map<String, Object> o = new java.util.LinkedHashMap<>();
        o.put("campaignId", s.campaignId());
        o.put("step", (long) s.step());
        o.put("sentAt", s.sentAt().toString());
        o.put("converted", s.converted());
        sends.add(o);
      }
      doc.put("recentSends", sends);
      return null;
    }));
    return dev.nudge.internal.Json.writeIndented(doc);
  }

  // ------------------------------------------------------------------ one user's reminders

  /**
   * The reminders Nudge keeps for a user and has not resolved yet, in the order they come due:
   * pending ones, held ones (their campaign is not defined on this engine) and ones an instance
   * is sending right now. Reads the store ({@link ReminderStore#read}: nothing is written).
   *
   * @throws IllegalArgumentException when {@code userId} is null or blank
   */
  public List<PendingReminder> pending(String userId) {
    checkOpen();
    Checks.name("userId", userId);
    Instant now = clock.instant();
    return join(store.read(userId, state -> {
      List<PendingReminder> out = new ArrayList<>();
      for (dev.nudge.spi.Reminder r : state.reminders()) {
        out.add(pendingReminder(state, r, now));
      }
      return out;
    }));
  }

  /** A stored reminder as {@link #pending} and {@link #exportUser} show it, at {@code now}. */
  private PendingReminder pendingReminder(dev.nudge.spi.UserState state, dev.nudge.spi.Reminder r, Instant now) {
    boolean sending = state.claim(r.id()).map(c -> !c.until().isBefore(now)).orElse(false);
    CompiledCampaign c = rules.get(r.campaignId());
    boolean held = c == null || r.step() >= c.steps.size();
    return new PendingReminder(r.campaignId(), r.step(), r.userId(), r.key(), r.dueAt(), r.fireAt(), held, sending);
  }

  /**
   * Cancels a user's pending reminders of one campaign, every key, e.g. when support resolved the
   * user's cart by hand. They end {@code CANCELLED}, reported to listeners with
   * {@link CancelReason#HOST_CANCELLED} and counted. A reminder an instance is sending at that
   * moment is not cancelled (see {@link PendingReminder#sending()}); one between two delivery
   * tries that a device already accepted ends {@code SENT}, its remaining tries dropped. Returns
   * once the store applied it and the listeners were told (unless called from a listener).
   *
   * @return how many reminders were ended (0 when there were none)
   * @throws IllegalArgumentException when {@code userId} or {@code campaignId} is null or blank
   */
  public int cancel(String userId, String campaignId) {
    return cancelFor(userId, campaignId, null);
  }

  /**
   * Cancels a user's pending reminder of one campaign and correlation key, as
   * {@link #cancel(String, String)} does for every key.
   *
   * @param key the correlation value (e.g. the cart id); empty for a campaign without
   *     {@code correlatedBy}
   * @return how many reminders were ended: 0 or 1 (a campaign keeps one per key)
   * @throws IllegalArgumentException when an argument is null, or {@code userId} or
   *     {@code campaignId} is blank
   */
  public int cancel(String userId, String campaignId, String key) {
    if (key == null) {
      throw new IllegalArgumentException("key is required; pass \"\" for a campaign without correlatedBy, or use"
          + " cancel(userId, campaignId) for every key");
    }
    return cancelFor(userId, campaignId, key);
  }

  private int cancelFor(String userId, String campaignId, String key) {
    checkOpen();
    Checks.name("userId", userId);
    Checks.name("campaignId", campaignId);
    return join(ingest.cancel(userId, campaignId, key));
  }

  /**
   * Reminders in the store that this engine holds because it does not define their campaign
   * (after a restart, until the host defines it again), across every instance on the store. They
   * are neither sent nor cancelled: {@link #define} sends them, {@link #remove} cancels them. A
   * started engine also logs them, once per campaign id, a minute after it started and then as
   * new ones appear. Each call counts the store's reminders per campaign (a full scan of the
   * reminders table on a JDBC store): a gauge to read now and then, not on every request.
   */
  public long heldReminders() {
    return held.of(store.countByCampaign()).values().stream().mapToLong(Long::longValue).sum();
  }

  /** The current definition of a campaign. */
  public Optional<Campaign> campaign(String id) {
    CompiledCampaign c = rules.get(id);
    return c == null ? Optional.empty() : Optional.of(c.campaign);
  }

  /** Every defined campaign, by id. */
  public List<Campaign> campaigns() {
    return rules.all().stream().map(c -> c.campaign).sorted(Comparator.comparing(Campaign::id)).toList();
  }

  // ------------------------------------------------------------------ devices and users

  /**
   * Registers a device or refreshes it (a dead token registered again is active again). The
   * transport of the device's platform checks the token and may store it in a canonical form
   * ({@link Transport#registrationToken}); a Web Push subscription, for one.
   *
   * @throws IllegalArgumentException when the device is null or its platform's transport refuses
   *     the token (the message says what is wrong with it)
   */
  public void registerDevice(Device device) {
    checkOpen();
    if (device == null) {
      throw new IllegalArgumentException("device is required; build one with Device.of(userId, platform, token)");
    }
    devices.register(canonical(device));
  }

  /** The device with its token as its platform's transport stores it (checked; see Transport#registrationToken). */
  private Device canonical(Device device) {
    String token = registrationToken(device.platform(), device.token());
    return token.equals(device.token()) ? device
        : Device.of(device.userId(), device.platform(), token).locale(device.locale().orElse(null))
            .zone(device.zone().orElse(null)).build();
  }

  /**
   * The form a token was stored in, for looking it up: the transport's canonical form, or the
   * token as given when the transport refuses it now (a device stored before a stricter check,
   * such as a narrower allow-list, must still be removable).
   */
  private String storedToken(Platform platform, String token) {
    try {
      return registrationToken(platform, token);
    } catch (IllegalArgumentException | IllegalStateException e) {
      return token;
    }
  }

  private String registrationToken(Platform platform, String token) {
    Transport t = transports.get(platform);
    if (t == null || token == null) {
      return token;
    }
    String stored = t.registrationToken(token);
    if (stored == null || stored.isBlank()) {
      throw new IllegalStateException("the " + platform + " transport " + t.getClass().getName()
          + " returned no registration token for a device; its registrationToken must return the token or throw");
    }
    return stored;
  }

  /**
   * Registers many devices at once, as {@link #registerDevice} would one after the other (the
   * last of two with the same platform and token wins), in few store transactions: the way to
   * import the devices a host already has.
   *
   * @throws IllegalArgumentException when the collection or one of its devices is {@code null}
   */
  public void registerDevices(Collection<Device> devices) {
    checkOpen();
    if (devices == null) {
      throw new IllegalArgumentException("devices is required; give an empty collection for none");
    }
    List<Device> copy = new ArrayList<>(devices.size());
    int i = 0;
    for (Device d : devices) {
      if (d == null) {
        throw new IllegalArgumentException("devices[" + i + "] is null; build each with Device.of(userId, platform, token)");
      }
      try {
        copy.add(canonical(d));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("devices[" + i + "]: " + e.getMessage(), e);
      }
      i++;
    }
    if (!copy.isEmpty()) {
      this.devices.registerAll(copy);
    }
  }

  /**
   * Removes a user's device; false when the user had no such device. The token is looked up in
   * the form its platform's transport stores it ({@link Transport#registrationToken}), else as
   * given; a token the transport would refuse today is never an error here.
   */
  public boolean removeDevice(String userId, Platform platform, String token) {
    checkOpen();
    String stored = storedToken(platform, token);
    boolean removed = devices.remove(userId, platform, stored);
    return Objects.equals(stored, token) ? removed : devices.remove(userId, platform, token) | removed;
  }

  /**
   * Deactivates a token (e.g. the host learned it is dead) until it is registered again; the
   * device keeps its place in its user's order.
   *
   * @return whether an active device had this token
   */
  public boolean deactivateDevice(Platform platform, String token) {
    checkOpen();
    String stored = storedToken(platform, token);
    boolean deactivated = devices.deactivate(platform, stored).isPresent();
    return Objects.equals(stored, token) ? deactivated : devices.deactivate(platform, token).isPresent() | deactivated;
  }

  /** A user's active devices, in first-registration order. */
  public List<Device> devices(String userId) {
    return devices.activeDevices(userId);
  }

  /**
   * Merges attributes into a user's (read by audience conditions and {@code {{user.NAME}}}).
   * The attribute {@code zone}, the user's time zone for quiet hours when no device has one, must
   * be an IANA zone id such as {@code Europe/Paris}.
   *
   * @throws IllegalArgumentException for a blank user id, an invalid value (as for event
   *     properties) or a {@code zone} that names no time zone
   * @throws UnsupportedOperationException when the {@link Builder#users users} part only reads
   *     (the host owns its users)
   */
  public void setUserAttributes(String userId, Map<String, ?> attributes) {
    checkOpen();
    Map<String, Object> checked = checkedAttributes(userId, attributes);
    writableUsers("set attributes of user '" + userId + "'").setAttributes(userId, checked);
  }

  /**
   * Removes one attribute of a user; nothing when the user does not have it.
   *
   * @throws IllegalArgumentException for a blank user id or attribute name
   * @throws UnsupportedOperationException when the {@link Builder#users users} part only reads
   */
  public void removeUserAttribute(String userId, String name) {
    checkOpen();
    Checks.name("userId", userId);
    Checks.name("attribute name", name);
    writableUsers("remove attribute '" + name + "' of user '" + userId + "'").removeAttribute(userId, name);
  }

  private WritableUserStore writableUsers(String what) {
    if (writableUsers == null) {
      throw new UnsupportedOperationException("cannot " + what + ": the UserStore given to users(...) ("
          + usersGiven.getClass().getName() + ") only reads, because the host owns its users; change them in the"
          + " host's own users table (the engine reads them through a cache of up to " + userCacheSize
          + " users kept for " + userCacheExpiry + "), or give a WritableUserStore");
    }
    return writableUsers;
  }

  /** A user's attributes, checked as {@link #setUserAttributes} checks them (the simulator too). */
  static Map<String, Object> checkedAttributes(String userId, Map<String, ?> attributes) {
    Checks.name("userId", userId);
    Map<String, Object> values = Event.checkedValues("user '" + userId + "' attributes", attributes);
    if (values.containsKey("zone")) {
      Checks.zoneId("user '" + userId + "' attribute zone", values.get("zone"));
    }
    return values;
  }

  /** A user's attributes. */
  public Map<String, Object> userAttributes(String userId) {
    return users.attributes(userId);
  }

  // ------------------------------------------------------------------ events

  /**
   * Tracks an event: cancels what it stops, converts what it reaches, schedules what it triggers.
   * The future completes once those effects are stored; it completes exceptionally when the
   * store cannot apply them (nothing is then applied, and the caller may retry).
   *
   * @throws IllegalArgumentException when the event is {@code null}
   */
  public CompletableFuture<TrackResult> track(Event event) {
    checkOpen();
    if (event == null) {
      throw new IllegalArgumentException("event is required; build one with Event.named(name).user(id)");
    }
    return ingest.track(event);
  }

  /** Tracks an event and waits until its effects are stored. */
  public TrackResult trackAndWait(Event event) {
    return join(track(event));
  }

  /** Waits for {@code f}; a runtime exception it failed with is rethrown as it is. */
  private static <T> T join(CompletableFuture<T> f) {
    try {
      return f.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw e;
    }
  }

  // ------------------------------------------------------------------ scheduling

  /** Starts polling for due reminders in the background. Returns this engine. */
  public Nudge start() {
    checkOpen();
    if (started.compareAndSet(false, true)) {
      scheduler.start(pollInterval, () -> held.report(store.countByCampaign()));
    }
    return this;
  }

  /**
   * Resolves now every reminder whose fire time is strictly before the clock's current instant,
   * including steps and retries that come due meanwhile, and completes once all of them are
   * settled, with the number of claims processed (a reminder deferred by quiet hours or retried
   * within the run counts each time). Reminders due exactly now wait for the next
   * run, so an event at the same instant (a stop event) wins the tie.
   */
  public CompletableFuture<Integer> runDue() {
    checkOpen();
    if (Listeners.onListenerThread()) {
      throw new IllegalStateException("runDue() was called from a NudgeListener: the run completes only after"
          + " its reports reach the listeners, so it would wait for itself; call it from another thread");
    }
    return scheduler.runDue();
  }

  /**
   * Resolves, on the calling thread, every reminder firing at or before {@code t}; used by the
   * simulator ({@code dev.nudge.simulate}), whose clock stands at {@code t}.
   */
  int resolveThrough(Instant t) {
    return scheduler.drain(t.plusNanos(1));
  }

  /** The earliest fire time of any pending reminder, or {@code null}. */
  Instant nextFireAt() {
    return store.nextFireAt().orElse(null);
  }

  // ------------------------------------------------------------------ statistics

  /**
   * A snapshot of every campaign's counters, by campaign id, as the store keeps them: with a
   * shared store, the counts of every engine on it.
   */
  public Map<String, CampaignStats> stats() {
    return Stats.of(store.counters());
  }

  /** A snapshot of one campaign's counters (zeros when it has counted nothing). */
  public CampaignStats stats(String campaignId) {
    CampaignStats s = stats().get(campaignId);
    return s != null ? s : new CampaignStats(campaignId, List.of());
  }

  /** Reminders currently pending or being sent. */
  public long pendingReminders() {
    return store.size();
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * Stops polling, lets the current run and its in-flight sends finish (up to the shutdown
   * grace), then closes the transports and the store. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    scheduler.close(shutdownGrace);
    for (ExecutorService pool : java.util.Arrays.asList(workers, listenerThread)) {
      if (pool == null) {
        continue;
      }
      pool.shutdown();
      try {
        pool.awaitTermination(shutdownGrace.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (timer instanceof SystemScheduler own) {
      own.close();
    }
    for (Transport t : transports.values()) {
      try {
        t.close();
      } catch (Exception e) {
        listeners.onError("closing the " + t.platform() + " transport failed", e);
      }
    }
    // Each part once, the store first: an adapter may share a data source with it.
    Set<Object> closedParts = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (Object part : java.util.Arrays.asList(store, devices, usersGiven)) {
      if (part instanceof AutoCloseable c && closedParts.add(part)) {
        try {
          c.close();
        } catch (Exception e) {
          listeners.onError("closing the store " + part.getClass().getName() + " failed", e);
        }
      }
    }
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("this Nudge is closed; build a new one");
    }
  }

  /**
   * Configures a {@link Nudge}; validates each setting as it is given and the whole at
   * {@link #build()}: at least one transport, a {@linkplain #lease lease} of at least two poll
   * intervals. Each setting is given at most once (a second call is refused, since one of the two
   * values was not meant); {@link #transport transports} (one per platform) and
   * {@link #listener listeners} add up. Not thread-safe.
   */
  public static final class Builder {
    private Clock clock = Clock.systemUTC();
    private NudgeStore store;
    private ReminderStore reminders;
    private DeviceStore devices;
    private UserStore users;
    private long userCacheSize = 10_000;
    private Duration userCacheExpiry = Duration.ofMinutes(1);
    private TemplateRenderer renderer;
    private final Map<Platform, Transport> transports = new EnumMap<>(Platform.class);
    private final List<NudgeListener> listeners = new ArrayList<>();
    private FrequencyCap globalCap;
    private final Set<String> requiredCategories = new java.util.TreeSet<>();
    private int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
    private int maxInFlight = 1_000;
    private int claimBatchSize = 2_000;
    private Duration pollInterval = Duration.ofSeconds(1);
    private Duration lease = Duration.ofMinutes(5);
    private Duration retryInitial = Duration.ofSeconds(1);
    private Duration retryMax = Duration.ofMinutes(10);
    private Duration maxRetryWindow = Duration.ofHours(24);
    private Duration shutdownGrace = Duration.ofSeconds(30);
    private Duration sendTimeout = Duration.ofSeconds(60);
    private boolean direct;
    private Executor executor;
    private ClockScheduler scheduler;
    private String instanceId = "nudge-" + new ReminderIds().next().substring(20); // random digits
    private final Set<String> given = new HashSet<>();

    private Builder() {}

    /** The clock every time is read from (default: the system UTC clock). */
    public Builder clock(Clock clock) {
      this.clock = Checks.once(given, "clock", Checks.notNull("clock", clock));
      return this;
    }

    /**
     * Where reminders, send history, devices, attributes and the statistics counters are kept
     * (default: a new {@link InMemoryStore}); engines sharing a store share all of them. The
     * shorthand for {@link #reminders}, {@link #devices} and {@link #users} of one store; a part
     * given by its own method is taken from there instead, e.g.
     * {@code store(jdbcStore).devices(hostDevices)}.
     */
    public Builder store(NudgeStore store) {
      this.store = Checks.once(given, "store", Checks.notNull("store", store));
      return this;
    }

    /**
     * Where reminders, send history and the statistics counters are kept. Without
     * {@link #store}, {@link #devices} and {@link #users} must be given too.
     */
    public Builder reminders(ReminderStore reminders) {
      this.reminders = Checks.once(given, "reminders", Checks.notNull("reminders", reminders));
      return this;
    }

    /** Where users' devices are kept, e.g. an adapter over the host's own table of push tokens. */
    public Builder devices(DeviceStore devices) {
      this.devices = Checks.once(given, "devices", Checks.notNull("devices", devices));
      return this;
    }

    /**
     * Where users' attributes are read, e.g. an adapter over the host's own users table. A store
     * that only reads (not a {@link WritableUserStore}) is read through a cache (see
     * {@link #userCache}), and {@code setUserAttributes} is then refused.
     */
    public Builder users(UserStore users) {
      this.users = Checks.once(given, "users", Checks.notNull("users", users));
      return this;
    }

    /**
     * The cache in front of a read-only {@link #users} store: at most {@code maximumSize} users,
     * each read again once {@code expireAfterWrite} has passed on the engine's clock (default
     * 10,000 users for 1 minute). A change in the host's table shows within that time.
     */
    public Builder userCache(long maximumSize, Duration expireAfterWrite) {
      Checks.once(given, "userCache", Boolean.TRUE);
      if (maximumSize < 1) {
        throw new IllegalArgumentException("userCache maximumSize must be at least 1, was " + maximumSize);
      }
      this.userCacheSize = maximumSize;
      this.userCacheExpiry = Checks.positive("userCache expireAfterWrite", expireAfterWrite);
      return this;
    }

    /** Adds the transport of one platform. */
    public Builder transport(Transport transport) {
      Checks.notNull("transport", transport);
      Platform p = Checks.notNull("transport platform", transport.platform());
      if (transports.containsKey(p)) {
        throw new IllegalArgumentException("a transport for " + p + " is already set; give one per platform");
      }
      transports.put(p, transport);
      return this;
    }

    /**
     * Adds a listener that observes outcomes, deliveries, deactivated tokens and errors. At
     * {@link #build()} it is given the engine's status ({@link NudgeListener#onBind}), which is how
     * a metrics binder such as {@code nudge-micrometer}'s {@code NudgeMetrics} reads the engine.
     */
    public Builder listener(NudgeListener listener) {
      listeners.add(Checks.notNull("listener", listener));
      return this;
    }

    /** Replaces the default {@code {{root.name | filter}}} template renderer. */
    public Builder templateRenderer(TemplateRenderer renderer) {
      this.renderer = Checks.once(given, "templateRenderer", Checks.notNull("templateRenderer", renderer));
      return this;
    }

    /** At most {@code max} sends per user across all campaigns in any window of {@code per}. */
    public Builder globalFrequencyCap(int max, Duration per) {
      this.globalCap = Checks.once(given, "globalFrequencyCap", new FrequencyCap(max, per));
      return this;
    }

    /**
     * Marks a consent category required: users cannot opt out of it (e.g. {@code security} for
     * security notices), and its campaigns reach users who opted out of everything. Repeat for
     * several categories.
     *
     * @throws IllegalArgumentException when the category name is malformed
     */
    public Builder requiredCategory(String category) {
      requiredCategories.add(Campaign.checkCategory("requiredCategory", category));
      return this;
    }

    /**
     * Delivery workers: the threads that call transports and settle their answers (default: the
     * processor count, at least 2). A transport that blocks occupies one while it does, so more
     * workers send more.
     */
    public Builder threads(int threads) {
      this.threads = Checks.once(given, "threads", Checks.atLeastOne("threads", threads));
      return this;
    }

    /** Most device sends in flight at once (default 1000). */
    public Builder maxInFlight(int maxInFlight) {
      this.maxInFlight = Checks.once(given, "maxInFlight", Checks.atLeastOne("maxInFlight", maxInFlight));
      return this;
    }

    /**
     * Most reminders claimed per store round trip (default 2000). Larger claims let a
     * group-committing store decide and settle more reminders per transaction; at most two
     * batches are claimed ahead of what has settled. A started engine renews the leases of what
     * it holds; with {@link Nudge#runDue()} alone, leases must outlast resolving that many.
     */
    public Builder claimBatchSize(int size) {
      this.claimBatchSize = Checks.once(given, "claimBatchSize", Checks.atLeastOne("claimBatchSize", size));
      return this;
    }

    /**
     * How often {@link Nudge#start() started} engines look for due reminders (default 1s; at
     * least 1 ms, the poller's resolution).
     */
    public Builder pollInterval(Duration interval) {
      Checks.positive("pollInterval", interval);
      if (interval.compareTo(Duration.ofMillis(1)) < 0) {
        throw new IllegalArgumentException("pollInterval (" + interval + ") is shorter than 1 ms; use 1 ms or more");
      }
      this.pollInterval = Checks.once(given, "pollInterval", interval);
      return this;
    }

    /**
     * How long a claim holds before another instance may take the reminder over (default 5m).
     * A started engine renews the claims it is still resolving every third of the lease.
     *
     * <p>{@link #build()} requires a lease of at least twice the {@link #pollInterval poll
     * interval}. The lease is how long other instances wait before they treat a claim's owner as
     * gone; one shorter than two polls would count an instance as gone between its own polls,
     * with only the heartbeat keeping others from taking over, and sending again, reminders it is
     * still sending. Such a pair is usually a mistake in units, and refused as one.
     */
    public Builder lease(Duration lease) {
      this.lease = Checks.once(given, "lease", Checks.positive("lease", lease));
      return this;
    }

    /** Retry backoff: the first wait and the longest (defaults 1s and 10m), with jitter. */
    public Builder retryBackoff(Duration initial, Duration max) {
      Checks.positive("retryBackoff initial", initial);
      Checks.positive("retryBackoff max", max);
      if (max.compareTo(initial) < 0) {
        throw new IllegalArgumentException("retryBackoff max (" + max + ") is shorter than initial (" + initial
            + "); give a max of at least " + initial);
      }
      Checks.once(given, "retryBackoff", initial);
      this.retryInitial = initial;
      this.retryMax = max;
      return this;
    }

    /** How long retries go on after the due time for campaigns without expireAfter (default 24h). */
    public Builder maxRetryWindow(Duration window) {
      this.maxRetryWindow = Checks.once(given, "maxRetryWindow", Checks.positive("maxRetryWindow", window));
      return this;
    }

    /**
     * How long a transport's future may take to answer one send (default 60s, on the engine's
     * clock, counted from when {@code send} returned it). A send with no answer by then frees its
     * in-flight slot and is tried again like a {@code SendResult.retry}; a late answer is ignored.
     * It keeps a future that never completes from holding up delivery; a {@code send} that blocks
     * forever keeps its delivery worker (give the transport's own client a timeout).
     */
    public Builder sendTimeout(Duration timeout) {
      this.sendTimeout = Checks.once(given, "sendTimeout", Checks.positive("sendTimeout", timeout));
      return this;
    }

    /** How long {@link Nudge#close()} waits for in-flight sends (default 30s). */
    public Builder shutdownGrace(Duration grace) {
      this.shutdownGrace = Checks.once(given, "shutdownGrace", Checks.positive("shutdownGrace", grace));
      return this;
    }

    /** This instance's name in claims (default: random); unique per running instance. */
    public Builder instanceId(String id) {
      this.instanceId = Checks.once(given, "instanceId", Checks.name("instanceId", id));
      return this;
    }

    /**
     * Runs deliveries on the host's executor instead of the engine's own {@link #threads(int)
     * delivery workers}: notifications are rendered, transports called and their answers settled
     * on its threads. It must run each task on a thread of its own, never on the thread that
     * submits it (not {@code Runnable::run}): that thread may be the store's. The host owns it;
     * {@link Nudge#close()} does not shut it down.
     */
    public Builder executor(Executor executor) {
      this.executor = Checks.once(given, "executor", Checks.notNull("executor", executor));
      return this;
    }

    /**
     * Runs the engine's timed work (polling, lease heartbeats, waits through a store outage) on
     * this scheduler. Default: the clock itself when it is a {@link ClockScheduler} (the test
     * kit's {@code TestClock}), else one engine thread that waits on the clock.
     */
    public Builder scheduler(ClockScheduler scheduler) {
      this.scheduler = Checks.once(given, "scheduler", Checks.notNull("scheduler", scheduler));
      return this;
    }

    /** Settles deliveries on the thread that resolves them (the simulator's single thread). */
    Builder directExecution() {
      this.direct = true;
      return this;
    }

    /**
     * Checks the configuration as a whole and builds the engine (not yet polling: call
     * {@link Nudge#start()}).
     *
     * @throws IllegalArgumentException when no transport is configured, or the lease is shorter
     *     than twice the poll interval
     * @throws RuntimeException what a listener's {@link NudgeListener#onBind} threw
     */
    public Nudge build() {
      if (transports.isEmpty()) {
        throw new IllegalArgumentException(
            "no transport configured: add one with transport(...) for each platform you send to");
      }
      if (executor != null && given.contains("threads")) {
        throw new IllegalArgumentException("both threads(" + threads + ") and executor(...) are set: the"
            + " delivery workers are either the engine's own or the host's; set one of them");
      }
      if (lease.compareTo(pollInterval.multipliedBy(2)) < 0) {
        throw new IllegalArgumentException("lease (" + lease + ") must be at least twice pollInterval ("
            + pollInterval + "), or another instance may take over reminders this one is still sending;"
            + " set lease(" + pollInterval.multipliedBy(2) + ") or more, or a shorter pollInterval");
      }
      if (store == null && (reminders != null || devices != null || users != null)
          && (reminders == null || devices == null || users == null)) {
        List<String> missing = new ArrayList<>();
        if (reminders == null) {
          missing.add("reminders(...)");
        }
        if (devices == null) {
          missing.add("devices(...)");
        }
        if (users == null) {
          missing.add("users(...)");
        }
        throw new IllegalArgumentException("the store is given in parts but " + String.join(" and ", missing)
            + " is missing: give every part, or store(NudgeStore) for the parts not given (the engine does not"
            + " quietly keep some of your data in memory)");
      }
      if (given.contains("userCache") && (users != null ? users : store) instanceof WritableUserStore) {
        throw new IllegalArgumentException("userCache(...) is set but the users part is a WritableUserStore, which"
            + " the engine reads directly (it writes there too); the cache is for a users(...) store that only reads");
      }
      return new Nudge(this);
    }
  }
}
