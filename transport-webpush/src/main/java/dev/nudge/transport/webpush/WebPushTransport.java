package dev.nudge.transport.webpush;

import dev.nudge.Device;
import dev.nudge.Platform;
import dev.nudge.Priority;
import dev.nudge.spi.RenderedNotification;
import dev.nudge.spi.SendResult;
import dev.nudge.spi.Transport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Dispatcher;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * The {@link Transport} for {@link Platform#WEB}: the standard Web Push protocol (RFC 8030) to
 * whatever push service a browser subscription names (Chrome's and Edge's FCM, Firefox's
 * autopush, Safari's web.push.apple.com, ...), with VAPID (RFC 8292) and the payload encrypted for
 * the subscription (RFC 8291, {@code aes128gcm}), on the JDK's own crypto and OkHttp.
 *
 * <pre>{@code
 * Transport web = WebPushTransport.builder()
 *     .vapidKeys(VapidKeys.fromPem(Path.of("/run/secrets/vapid.pem")))
 *     .subject("mailto:push@shop.example")
 *     .build();
 * }</pre>
 *
 * <p>A device's token is its subscription's JSON ({@link WebPushSubscription}), checked when the
 * device registers. Only the push services of {@link Builder#allowedPushServices} are sent to
 * (by default the major browsers', {@link #MAJOR_PUSH_SERVICES}), so a forged subscription cannot
 * make the server post elsewhere. Each notification becomes a JSON document ({@code title}, {@code body},
 * {@code icon}, {@code image}, {@code url}, {@code tag}, {@code campaignId}, {@code step},
 * {@code data}) for the host's service worker, encrypted with a fresh salt and ephemeral key into
 * one record of at most 4096 bytes; one that does not fit is rejected before sending, with its
 * size. Headers: {@code TTL} from the notification's expiry (else {@link Builder#defaultTimeToLive}),
 * {@code Urgency} from its priority, {@code Topic} from its collapse identity (so a resend replaces
 * a copy the push service still holds), and {@code Authorization: vapid} with a token per push
 * service origin, cached until shortly before it expires.
 *
 * <p>Answers: 2xx accepted; 404 and 410 the subscription is gone (the device is deactivated); 413
 * too large; 429 and 5xx tried again, not before {@code Retry-After}; 400, 401, 403 and other
 * statuses rejected with the reason (a VAPID refusal names the public key). Network failures and
 * timeouts are tried again. The private key, the VAPID tokens and the subscriptions' endpoints
 * and keys never appear in logs, exceptions or {@link #toString()}; messages name the push
 * service's origin only.
 *
 * <p>Thread-safe. Encryption runs on the engine's delivery worker that calls {@link #send};
 * {@link #close()} lets requests in flight finish and stops the transport's threads.
 */
public final class WebPushTransport implements Transport {
  /**
   * The push services of the major browsers, for {@link Builder#allowedPushServices}: Chrome,
   * Edge and other Chromium browsers ({@code fcm.googleapis.com}), Firefox
   * ({@code *.push.services.mozilla.com}), Safari ({@code *.push.apple.com}) and Windows
   * ({@code *.notify.windows.com}).
   */
  public static final List<String> MAJOR_PUSH_SERVICES = List.of("fcm.googleapis.com", "*.push.services.mozilla.com",
      "*.push.apple.com", "*.notify.windows.com");

  private static final System.Logger LOG = System.getLogger("dev.nudge.transport.webpush");
  private static final MediaType OCTETS = MediaType.get("application/octet-stream");
  private static final Duration MAX_TTL = Duration.ofDays(28);
  /** Each request's whole time limit, unless the host's client sets its own. */
  static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
  private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9_-]{1,32}");
  private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
  private static final int MAX_LOGGED_REASONS = 64;

  private final OkHttpClient http;
  private final boolean ownClient;
  private final VapidKeys keys;
  private final VapidTokens tokens;
  private final WebPushPayloads payloads;
  /** Allowed hosts, each {@code host} (port 443), {@code host:port} or {@code *.domain}; null for any. */
  private final List<String> allowed;
  private final Duration defaultTtl;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final String description;
  private final Set<String> loggedReasons = ConcurrentHashMap.newKeySet();

  private WebPushTransport(Builder b, OkHttpClient http) {
    this.http = http;
    this.ownClient = b.client == null;
    this.keys = b.keys;
    this.tokens = new VapidTokens(b.keys, b.subject, b.clock);
    this.payloads = new WebPushPayloads(b.icon, b.badge);
    this.allowed = b.allowed;
    this.defaultTtl = b.defaultTtl;
    this.clock = b.clock;
    this.description = "WebPushTransport{vapidPublicKey=" + b.keys.shortPublicKey() + ", subject=" + b.subject
        + ", maxConcurrentRequests=" + b.maxConcurrentRequests
        + ", pushServices=" + (allowed == null ? "any" : allowed) + "}";
  }

  /** Starts a builder. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Platform platform() {
    return Platform.WEB;
  }

  /**
   * Checks a browser subscription's JSON and returns its canonical form
   * ({@link WebPushSubscription#token()}).
   *
   * @throws IllegalArgumentException when it is not a usable subscription, or its push service is
   *     not allowed
   */
  @Override
  public String registrationToken(String token) {
    WebPushSubscription s = WebPushSubscription.parse(token);
    if (!allowed(s)) {
      throw new IllegalArgumentException(notAllowed(s));
    }
    return s.token();
  }

  @Override
  public CompletableFuture<SendResult> send(Device device, RenderedNotification notification) {
    WebPushSubscription s;
    try {
      s = WebPushSubscription.parse(device.token());
    } catch (IllegalArgumentException e) {
      // Stored past the registration check. A broken subscription can never be sent to; a token
      // that is not JSON at all is likely another platform's (an FCM web token): kept, and said.
      boolean json = device.token().stripLeading().startsWith("{");
      String reason = json ? e.getMessage() : "the device's token is not a web push subscription (its JSON); a token"
          + " from the Firebase JS SDK is an FCM registration token, sent with FcmTransport.builder().forWeb()";
      if (!json) {
        logOnce("not-json", reason);
      }
      return CompletableFuture.completedFuture(SendResult.rejected(reason, json));
    }
    if (!allowed(s)) {
      String reason = notAllowed(s);
      logOnce("host:" + s.host(), reason);
      return CompletableFuture.completedFuture(SendResult.rejected(reason, false));
    }
    byte[] payload = payloads.toBytes(notification);
    if (payload.length > MessageEncryption.MAX_PLAINTEXT) {
      String reason = "the notification is " + payload.length + " bytes as JSON; Web Push carries at most "
          + MessageEncryption.MAX_PLAINTEXT + " (a 4096-byte encrypted body): shorten its text or data";
      logOnce("size:" + notification.campaignId(), "a notification of campaign '" + notification.campaignId()
          + "' was not sent: " + reason);
      return CompletableFuture.completedFuture(SendResult.rejected(reason, false));
    }
    byte[] salt = new byte[16];
    random.nextBytes(salt);
    KeyPair ephemeral = P256.generate();
    byte[] body = MessageEncryption.encrypt(payload, s.publicKey(), s.p256dhShared(), s.authShared(), ephemeral, salt);
    String origin = s.origin();
    String authorization = tokens.authorization(origin);
    Request request = new Request.Builder().url(s.url())
        .header("TTL", Long.toString(ttl(notification.expiresAt()).getSeconds()))
        .header("Urgency", notification.priority() == Priority.HIGH ? "high" : "normal")
        .header("Topic", topic(notification.collapseId()))
        .header("Content-Encoding", "aes128gcm")
        .header("Authorization", authorization)
        .post(RequestBody.create(body, OCTETS))
        .build();
    CompletableFuture<SendResult> result = new CompletableFuture<>();
    http.newCall(request).enqueue(new Callback() {
      @Override
      public void onFailure(Call call, IOException e) {
        result.complete(SendResult.retry("push service " + origin + " request failed: " + e.getClass().getSimpleName()
            + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"), null));
      }

      @Override
      public void onResponse(Call call, Response response) {
        String text;
        int status = response.code();
        String location = response.header("Location");
        String retryAfter = response.header("Retry-After");
        try (response) {
          text = status < 300 ? "" : start(response.body());
        } catch (IOException e) {
          text = "";
        }
        SendResult mapped = map(status, text, location, retryAfter, s);
        if (status == 401 || status == 403) {
          tokens.refused(origin, authorization);
        }
        if (mapped instanceof SendResult.Rejected r && !r.tokenDead()) {
          logOnce(origin + ":" + status, r.reason());
        }
        result.complete(mapped);
      }
    });
    return result;
  }

  /** The first 512 bytes of an error body, at most: a push service's explanation, not a download. */
  private static String start(ResponseBody body) throws IOException {
    if (body == null) {
      return "";
    }
    okio.BufferedSource source = body.source();
    source.request(512);
    okio.Buffer buffer = source.getBuffer();
    return buffer.readUtf8(Math.min(512, buffer.size()));
  }

  /** A push service's answer as a send result. */
  SendResult map(int status, String body, String location, String retryAfter, WebPushSubscription s) {
    String origin = s.origin();
    String detail = detail(body, s);
    if (status >= 200 && status < 300) {
      return SendResult.accepted(location);
    }
    if (status == 404 || status == 410) {
      return SendResult.rejected("push service " + origin + " says the subscription is gone (" + status + detail
          + "); the browser unsubscribed or the subscription expired", true);
    }
    if (status == 413) {
      return SendResult.rejected("push service " + origin + " refused the message as too large (413" + detail + ")", false);
    }
    if (status >= 300 && status < 400) {
      return SendResult.rejected("push service " + origin + " answered with a redirect (" + status
          + "), which is not followed: a push service takes the message at the subscription's endpoint", false);
    }
    if (status == 408 || status == 429 || status >= 500) {
      return SendResult.retry("push service " + origin + (status == 429 ? " is throttling" : status == 408
          ? " timed out" : " failed") + " (" + status
          + detail + ")", SendResult.retryAfterHeader(retryAfter, clock.instant()));
    }
    if (status == 401 || status == 403) {
      return SendResult.rejected("push service " + origin + " refused the VAPID authorization of public key "
          + keys.shortPublicKey() + " (" + status + detail + "); the subscription may have been made with another"
          + " applicationServerKey, or the push service refuses the key or the subject", false);
    }
    return SendResult.rejected("push service " + origin + " refused the message (" + status + detail + ")", false);
  }

  /**
   * A short, single-line part of an error body, for the reason: control characters become
   * spaces, anything like a JWT is blanked, and so is the endpoint's path (a capability), which
   * some push services repeat in their error pages.
   */
  private static String detail(String body, WebPushSubscription s) {
    if (body == null || body.isBlank()) {
      return "";
    }
    String d = body.replaceAll("[\\p{Cntrl}\\s]+", " ").strip();
    String path = s.url().encodedPath();
    if (path.length() > 1) {
      d = d.replace(path, "/…");
      String last = path.substring(path.lastIndexOf('/') + 1);
      if (last.length() >= 8) {
        d = d.replace(last, "…");
      }
    }
    d = JWT.matcher(d).replaceAll("<token>");
    return ": " + (d.length() > 200 ? d.substring(0, 200) + "…" : d);
  }

  /** The {@code TTL} header: until the notification expires, within 0 to 28 days. */
  private Duration ttl(Instant expiresAt) {
    if (expiresAt == null) {
      return defaultTtl;
    }
    Duration d = Duration.between(clock.instant(), expiresAt);
    return d.isNegative() ? Duration.ZERO : d.compareTo(MAX_TTL) > 0 ? MAX_TTL : d;
  }

  /**
   * The {@code Topic} header for a collapse identity: itself when it is 1 to 32 base64url
   * characters (a reminder id is), else the first 32 characters of its SHA-256 in base64url.
   */
  static String topic(String collapseId) {
    if (TOPIC.matcher(collapseId).matches()) {
      return collapseId;
    }
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(collapseId.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(h).substring(0, 32);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private boolean allowed(WebPushSubscription s) {
    if (allowed == null) {
      return true;
    }
    String h = s.host().toLowerCase(Locale.ROOT);
    int port = s.url().port();
    for (String a : allowed) {
      int colon = a.lastIndexOf(':');
      String host = colon < 0 ? a : a.substring(0, colon);
      int wanted = colon < 0 ? 443 : Integer.parseInt(a.substring(colon + 1));
      if (port == wanted && (host.startsWith("*.") ? h.endsWith(host.substring(1)) : h.equals(host))) {
        return true;
      }
    }
    return false;
  }

  private String notAllowed(WebPushSubscription s) {
    return "web push subscription's push service " + s.origin() + " is not in this transport's allowedPushServices "
        + allowed + "; add its host (with its port, when not 443) if the browser's push service is to be trusted";
  }

  private void logOnce(String key, String message) {
    if (loggedReasons.size() < MAX_LOGGED_REASONS && loggedReasons.add(key)) {
      LOG.log(System.Logger.Level.WARNING, message + " (logged once per reason; every such send is counted in the"
          + " campaign's statistics)");
    }
  }

  /**
   * Lets requests in flight finish (for at most 30 seconds), then stops the transport's own
   * threads; a client the host gave keeps its connection pool.
   */
  @Override
  public void close() {
    Dispatcher d = http.dispatcher();
    d.executorService().shutdown();
    try {
      d.executorService().awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (ownClient) {
      http.connectionPool().evictAll();
    }
  }

  /** The VAPID public key's start, the subject and the limits; never a secret. */
  @Override
  public String toString() {
    return description;
  }

  /**
   * Configures a {@link WebPushTransport}: {@link #vapidKeys} and {@link #subject} are required.
   * Each setting is checked when given. Not thread-safe.
   */
  public static final class Builder {
    private static final Pattern HOST = Pattern.compile("(\\*\\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*");

    private VapidKeys keys;
    private String subject;
    private OkHttpClient client;
    private int maxConcurrentRequests = 256;
    private List<String> allowed = MAJOR_PUSH_SERVICES;
    private Duration defaultTtl = Duration.ofDays(1);
    private String icon;
    private String badge;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /** The application server's key pair; its public key is the pages' {@code applicationServerKey}. */
    public Builder vapidKeys(VapidKeys keys) {
      this.keys = Objects.requireNonNull(keys, "keys");
      return this;
    }

    /**
     * The contact a push service's operator can reach the sender at: a {@code mailto:} address or
     * an {@code https:} URL (the VAPID {@code sub} claim).
     */
    public Builder subject(String subject) {
      boolean ok = subject != null && (subject.startsWith("mailto:") && subject.length() > 7 && subject.indexOf('@') > 7
          || subject.startsWith("https://") && subject.length() > 8) && subject.chars().noneMatch(c -> c <= ' ');
      if (!ok) {
        throw new IllegalArgumentException("web push subject is '" + subject + "'; give a mailto: address or an https:"
            + " URL the push service can reach you at, e.g. mailto:push@shop.example");
      }
      this.subject = subject;
      return this;
    }

    /**
     * An OkHttp client to share (its connection pool, TLS and timeouts); the transport derives its
     * own with {@code newBuilder()} and its own dispatcher. A logging interceptor there must not
     * log the {@code Authorization} header or the URLs (subscription endpoints are capabilities).
     */
    public Builder httpClient(OkHttpClient client) {
      this.client = Objects.requireNonNull(client, "client");
      return this;
    }

    /** Requests in flight at once, over all push services (default 256); more wait in the transport's queue. */
    public Builder maxConcurrentRequests(int max) {
      if (max < 1) {
        throw new IllegalArgumentException("web push maxConcurrentRequests is " + max + "; give 1 or more");
      }
      this.maxConcurrentRequests = max;
      return this;
    }

    /**
     * The only push services subscriptions may name (default {@link #MAJOR_PUSH_SERVICES}): a host
     * name (port 443), {@code host:port}, or {@code *.domain} for the subdomains of a domain of at
     * least two labels. A subscription naming another host or port is refused at registration,
     * and never posted to, so a forged subscription cannot make the server post to an address of
     * the forger's choosing (an internal service, a cloud metadata address).
     *
     * @throws IllegalArgumentException for an entry that is not one of these, or an empty list
     */
    public Builder allowedPushServices(Collection<String> hosts) {
      Objects.requireNonNull(hosts, "hosts");
      List<String> list = new ArrayList<>();
      for (String h : hosts) {
        list.add(entry(h));
      }
      if (list.isEmpty()) {
        throw new IllegalArgumentException("web push allowedPushServices is empty; give at least one host (or call"
            + " allowAnyPushService())");
      }
      this.allowed = List.copyOf(list);
      return this;
    }

    /** {@link #allowedPushServices(Collection)} from arguments. */
    public Builder allowedPushServices(String... hosts) {
      return allowedPushServices(List.of(Objects.requireNonNull(hosts, "hosts")));
    }

    /**
     * Sends to any https push service a subscription names, on any port, instead of the
     * {@link #allowedPushServices allow-list}. Only for a server whose subscriptions come from a
     * source it trusts: a forged subscription then makes the server POST wherever it says.
     */
    public Builder allowAnyPushService() {
      this.allowed = null;
      return this;
    }

    private static String entry(String h) {
      String v = h == null ? "" : h.trim().toLowerCase(Locale.ROOT);
      int colon = v.lastIndexOf(':');
      String host = colon < 0 ? v : v.substring(0, colon);
      String port = colon < 0 ? "443" : v.substring(colon + 1);
      boolean portOk = port.matches("[1-9][0-9]{0,4}") && Integer.parseInt(port) <= 65535;
      boolean wildcardOk = !host.startsWith("*.") || host.indexOf('.', 2) > 0;
      if (!HOST.matcher(host).matches() || !portOk || !wildcardOk) {
        throw new IllegalArgumentException("web push allowedPushServices entry '" + h + "' is not a host name,"
            + " host:port or *.domain (of two labels or more), e.g. fcm.googleapis.com or *.push.apple.com");
      }
      return v;
    }

    /** The {@code TTL} of a notification without an expiry of its own (default one day, at most 28 days). */
    public Builder defaultTimeToLive(Duration ttl) {
      if (ttl == null || ttl.isNegative() || ttl.compareTo(MAX_TTL) > 0) {
        throw new IllegalArgumentException("web push defaultTimeToLive is " + ttl + "; give 0 to 28 days");
      }
      this.defaultTtl = ttl;
      return this;
    }

    /**
     * The icon URL put in every payload (a message's data entry {@code icon} overrides it), e.g.
     * the shop's logo.
     */
    public Builder icon(String url) {
      this.icon = url(url, "icon");
      return this;
    }

    /** The monochrome badge URL put in every payload. */
    public Builder badge(String url) {
      this.badge = url(url, "badge");
      return this;
    }

    private static String url(String url, String what) {
      if (url == null || url.isBlank() || url.chars().anyMatch(c -> c <= ' ')) {
        throw new IllegalArgumentException("web push " + what + " is '" + url + "'; give a URL (absolute, or relative"
            + " to the service worker)");
      }
      return url;
    }

    /** The clock for VAPID token lifetimes, TTLs and {@code Retry-After} dates (default the system's). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Builds the transport.
     *
     * @throws IllegalArgumentException when the VAPID keys or the subject are missing
     */
    public WebPushTransport build() {
      if (keys == null) {
        throw new IllegalArgumentException("web push VAPID keys are missing; call vapidKeys(VapidKeys.fromPem(path))"
            + " (make a pair with: java -cp nudge-transport-webpush.jar dev.nudge.transport.webpush.VapidKeys vapid.pem)");
      }
      if (subject == null) {
        throw new IllegalArgumentException("web push subject is missing; call subject(\"mailto:you@example.com\")");
      }
      Dispatcher dispatcher = new Dispatcher();
      dispatcher.setMaxRequests(maxConcurrentRequests);
      dispatcher.setMaxRequestsPerHost(maxConcurrentRequests);
      OkHttpClient.Builder http = client != null ? client.newBuilder()
          : new OkHttpClient.Builder().connectTimeout(Duration.ofSeconds(10)).readTimeout(Duration.ofSeconds(30));
      if (client == null || client.callTimeoutMillis() == 0) {
        // Within the engine's send timeout (60 s by default): a push service that trickles its
        // answer ends as a retry here, and its call is not left to post later.
        http.callTimeout(CALL_TIMEOUT);
      }
      return new WebPushTransport(this, http.dispatcher(dispatcher).followRedirects(false).followSslRedirects(false)
          .build());
    }
  }
}
