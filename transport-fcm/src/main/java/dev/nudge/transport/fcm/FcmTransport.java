package dev.nudge.transport.fcm;

import dev.nudge.Device;
import dev.nudge.Platform;
import dev.nudge.spi.RenderedNotification;
import dev.nudge.spi.SendResult;
import dev.nudge.spi.Transport;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Dispatcher;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * The {@link Transport} for {@link Platform#ANDROID} (or, built with {@link Builder#forWeb()},
 * for {@link Platform#WEB} tokens a host registers through FCM): one FCM HTTP v1
 * {@code messages:send} request per device, over HTTP/2 with OkHttp, many in flight on few
 * connections. Authenticated with a service-account key (the module does the OAuth 2.0 JWT
 * bearer grant itself, on the JDK's RSA) or the host's own access tokens.
 *
 * <pre>{@code
 * Transport fcm = FcmTransport.builder()
 *     .serviceAccount(Path.of("/run/secrets/firebase-adminsdk.json"))  // project id from the key
 *     .build();
 * }</pre>
 *
 * <p>What is sent: {@code notification} (title, body, image), {@code data} (the message's data
 * and, on Android, the deep link under {@link Builder#deepLinkKey}), {@code android} (priority,
 * {@code ttl} from the notification's expiry within FCM's 0 to 28 days, {@code collapse_key} and
 * notification {@code tag} from the collapse identity so a resend replaces the first copy, the
 * channel id, sound, badge as {@code notification_count}),
 * or for the web a {@code webpush} block (TTL and Urgency headers, the tag, an HTTPS deep link as
 * {@code fcm_options.link}); {@code fcm_options.analytics_label} is the campaign id within FCM's
 * label rules. A message whose payload is over 4096 bytes is not sent: it ends rejected with the
 * size.
 *
 * <p>FCM's answers: {@code UNREGISTERED}, {@code SENDER_ID_MISMATCH} and an
 * {@code INVALID_ARGUMENT} about the registration token reject the token for good (the device is
 * deactivated; a {@code SENDER_ID_MISMATCH} only once the transport has had a send accepted, since
 * before that a wrong project gives it for every token); {@code QUOTA_EXCEEDED}, {@code UNAVAILABLE}, {@code INTERNAL}, network failures and
 * timeouts are tried again, not before FCM's {@code Retry-After}; a 401 fetches a new access
 * token and tries once more; everything else ({@code THIRD_PARTY_AUTH_ERROR}, a configuration
 * problem in the Firebase project; other {@code INVALID_ARGUMENT}s; {@code PERMISSION_DENIED};
 * {@code NOT_FOUND}) rejects the send and keeps the token, with the reason counted and reported.
 *
 * <p>The private key and access tokens never appear in logs, exceptions or {@link #toString()}.
 * Thread-safe; {@link #close()} lets requests in flight finish and stops the transport's threads.
 */
public final class FcmTransport implements Transport {
  private static final System.Logger LOG = System.getLogger("dev.nudge.transport.fcm");
  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
  private static final int MAX_LOGGED_REASONS = 64;
  private static final Set<String> ROUTINE = Set.of("UNREGISTERED", "QUOTA_EXCEEDED", "UNAVAILABLE", "INTERNAL");

  private final Platform platform;
  private final OkHttpClient http;
  private final boolean ownClient;
  private final HttpUrl sendUrl;
  private final AccessTokens tokens;
  private final FcmRequests requests;
  private final Clock clock;
  private final String description;
  private final Set<String> loggedReasons = ConcurrentHashMap.newKeySet();
  /** Whether FCM accepted a send of this transport: its project is the app's. */
  private volatile boolean accepted;

  private FcmTransport(Builder b, OkHttpClient http, HttpUrl sendUrl, AccessTokens tokens, String projectId) {
    this.platform = b.platform;
    this.http = http;
    this.ownClient = b.client == null;
    this.sendUrl = sendUrl;
    this.tokens = tokens;
    this.clock = b.clock;
    this.requests = new FcmRequests(b.platform, b.deepLinkKey, b.defaultTimeToLive, b.clock);
    this.description = "FcmTransport{platform=" + platform + ", project=" + projectId + ", endpoint="
        + sendUrl + ", auth=" + (b.account != null ? "service account " + b.account.clientEmail : "supplied tokens")
        + ", maxConcurrentRequests=" + b.maxConcurrentRequests + "}";
  }

  /** Starts a builder. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Platform platform() {
    return platform;
  }

  @Override
  public CompletableFuture<SendResult> send(Device device, RenderedNotification notification) {
    FcmRequests.Request request = requests.toRequest(device.token(), notification);
    if (request instanceof FcmRequests.Refused refused) {
      logOnce("refused:" + refused.reason().split(" ")[0], "a notification of campaign '"
          + notification.campaignId() + "' was not sent: " + refused.reason());
      return CompletableFuture.completedFuture(SendResult.rejected(refused.reason(), false));
    }
    String body = ((FcmRequests.Ready) request).body();
    CompletableFuture<SendResult> result = new CompletableFuture<>();
    attempt(body, true, result);
    return result;
  }

  /** One request; on a 401 with {@code mayRenew}, a new token and one more request. */
  private void attempt(String body, boolean mayRenew, CompletableFuture<SendResult> result) {
    tokens.token().whenComplete((token, failure) -> {
      if (failure != null) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
            ? failure.getCause() : failure;
        String reason = cause instanceof TokenFailure ? cause.getMessage()
            : "no FCM access token: " + cause.getClass().getSimpleName();
        if (cause instanceof TokenFailure tf && tf.refused) {
          logOnce("token", reason + "; the sends are tried again until the key or this machine's clock is fixed");
        }
        // The reminders wait (until their expiry) rather than fail: delivery resumes once it is fixed.
        result.complete(SendResult.retry(reason, OAuthTokens.FAILURE_PAUSE));
        return;
      }
      Request request = new Request.Builder().url(sendUrl)
          .header("Authorization", "Bearer " + token)
          .post(RequestBody.create(body, JSON))
          .build();
      http.newCall(request).enqueue(new Callback() {
        @Override
        public void onFailure(Call call, IOException e) {
          result.complete(SendResult.retry("FCM request failed: " + e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"), null));
        }

        @Override
        public void onResponse(Call call, Response response) {
          String text;
          int status = response.code();
          String retryAfter = response.header("Retry-After");
          try (response) {
            ResponseBody rb = response.body();
            text = rb == null ? "" : rb.string();
          } catch (IOException e) {
            onFailure(call, e);
            return;
          }
          if (status == 200) {
            accepted = true;
            result.complete(SendResult.accepted(name(text)));
            return;
          }
          String code = FcmResponses.code(text);
          if (status == 401 && !"THIRD_PARTY_AUTH_ERROR".equals(code)) {
            tokens.rejected(token);
            if (mayRenew) {
              attempt(body, false, result);
              return;
            }
          }
          SendResult mapped = FcmResponses.map(status, text, retryAfter, clock);
          if ("SENDER_ID_MISMATCH".equals(code) && !accepted && mapped instanceof SendResult.Rejected r) {
            // Until one send got through, a wrong project looks the same for every token: keep them.
            mapped = SendResult.rejected(r.reason() + "; the device is kept until this transport has had a send"
                + " accepted, since before that a wrong project looks the same", false);
          }
          if (mapped instanceof SendResult.Rejected r && code != null && !ROUTINE.contains(code)) {
            logOnce(code, "FCM refused a notification on " + description + ": " + r.reason()
                + (r.tokenDead() ? " (the device is deactivated)" : " (the device is kept)"));
          }
          result.complete(mapped);
        }
      });
    });
  }

  private static String name(String body) {
    try {
      return com.google.gson.JsonParser.parseString(body).getAsJsonObject().get("name").getAsString();
    } catch (RuntimeException e) {
      return null;
    }
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
      d.executorService().awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (ownClient) {
      http.connectionPool().evictAll();
    }
  }

  /** The platform, project, endpoint and authentication kind; never a secret. */
  @Override
  public String toString() {
    return description;
  }

  /**
   * Configures an {@link FcmTransport}: a {@link #serviceAccount service-account key} or
   * {@link #accessTokens supplied access tokens} (with a {@link #projectId}) is required. Each
   * setting is checked when given. Not thread-safe.
   */
  public static final class Builder {
    private static final HttpUrl DEFAULT_ENDPOINT = HttpUrl.get("https://fcm.googleapis.com/");

    private Platform platform = Platform.ANDROID;
    private ServiceAccount account;
    private AccessTokenSource suppliedTokens;
    private String projectId;
    private HttpUrl endpoint = DEFAULT_ENDPOINT;
    private String tokenUri;
    private OkHttpClient client;
    private int maxConcurrentRequests = 256;
    private Duration defaultTimeToLive = Duration.ofDays(1);
    private String deepLinkKey = "deep_link";
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /** The service-account key file the Firebase console downloads. */
    public Builder serviceAccount(Path keyFile) {
      Objects.requireNonNull(keyFile, "keyFile");
      try {
        return serviceAccount(Files.readString(keyFile, StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new IllegalArgumentException("FCM service account key file " + keyFile + " could not be read ("
            + e.getClass().getSimpleName() + ")", e);
      }
    }

    /** The service-account key from a stream (read now, not closed). */
    public Builder serviceAccount(InputStream keyJson) {
      Objects.requireNonNull(keyJson, "keyJson");
      try {
        return serviceAccount(new String(keyJson.readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new IllegalArgumentException("FCM service account key could not be read ("
            + e.getClass().getSimpleName() + ")", e);
      }
    }

    /** The service-account key's JSON, e.g. from a secret store. */
    public Builder serviceAccount(String keyJson) {
      if (keyJson == null || keyJson.isBlank()) {
        throw new IllegalArgumentException("FCM service account key is empty; give the JSON key file's contents");
      }
      if (suppliedTokens != null) {
        throw new IllegalStateException("FCM access tokens are already supplied; give either a service account or"
            + " a token supplier, not both");
      }
      this.account = ServiceAccount.parse(keyJson);
      return this;
    }

    /**
     * The host's own access tokens (e.g. from Google's auth library or a workload identity): asked
     * for every request, on the sending thread, so it should cache, and told of a token FCM
     * refused; needs {@link #projectId}.
     */
    public Builder accessTokens(AccessTokenSource tokens) {
      Objects.requireNonNull(tokens, "tokens");
      if (account != null) {
        throw new IllegalStateException("FCM service account is already set; give either a service account or a"
            + " token supplier, not both");
      }
      this.suppliedTokens = tokens;
      return this;
    }

    /** The Firebase project id; by default the service account's {@code project_id}. */
    public Builder projectId(String projectId) {
      if (projectId == null || !projectId.matches("[a-z0-9][a-z0-9:.-]{0,99}")) {
        throw new IllegalArgumentException("FCM projectId is '" + projectId + "'; give the Firebase project id"
            + " (lower-case letters, digits and hyphens), e.g. my-shop-12345");
      }
      this.projectId = projectId;
      return this;
    }

    /** Where {@code v1/projects/{id}/messages:send} is served (default {@code https://fcm.googleapis.com/}). */
    public Builder endpoint(String baseUrl) {
      HttpUrl url = baseUrl == null ? null : HttpUrl.parse(baseUrl);
      if (url == null) {
        throw new IllegalArgumentException("FCM endpoint '" + baseUrl + "' is not an http(s) URL");
      }
      this.endpoint = url;
      return this;
    }

    /** Where access tokens are fetched; by default the service account's {@code token_uri}. */
    public Builder tokenUri(String uri) {
      if (uri == null || HttpUrl.parse(uri) == null) {
        throw new IllegalArgumentException("FCM tokenUri '" + uri + "' is not an http(s) URL");
      }
      this.tokenUri = uri;
      return this;
    }

    /**
     * An OkHttp client to share (its connection pool, TLS and timeouts); the transport derives its
     * own with {@code newBuilder()} and its own dispatcher, and never changes the host's. The
     * derived client keeps the host's interceptors: a logging interceptor there must redact the
     * {@code Authorization} header ({@code HttpLoggingInterceptor.redactHeader("Authorization")})
     * and not log bodies, or it would log access tokens and the signed grant.
     */
    public Builder httpClient(OkHttpClient client) {
      this.client = Objects.requireNonNull(client, "client");
      return this;
    }

    /** Requests in flight at once (default 256); more wait in the transport's queue. */
    public Builder maxConcurrentRequests(int max) {
      if (max < 1) {
        throw new IllegalArgumentException("FCM maxConcurrentRequests is " + max + "; give 1 or more");
      }
      this.maxConcurrentRequests = max;
      return this;
    }

    /** The {@code ttl} of a notification without an expiry of its own (default one day). */
    public Builder defaultTimeToLive(Duration ttl) {
      if (ttl == null || ttl.isNegative() || ttl.compareTo(FcmRequests.MAX_TTL) > 0) {
        throw new IllegalArgumentException("FCM defaultTimeToLive is " + ttl + "; give 0 to 28 days");
      }
      this.defaultTimeToLive = ttl;
      return this;
    }

    /** The data key of the deep link on Android (default {@code deep_link}). */
    public Builder deepLinkKey(String key) {
      if (key == null || key.isBlank()) {
        throw new IllegalArgumentException("FCM deepLinkKey is blank; give a data key");
      }
      this.deepLinkKey = key;
      return this;
    }

    /** Serves {@link Platform#WEB} tokens registered through FCM, with a {@code webpush} block. */
    public Builder forWeb() {
      this.platform = Platform.WEB;
      return this;
    }

    /** The clock for access-token lifetimes, TTLs and {@code Retry-After} dates (default the system's). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Builds the transport.
     *
     * @throws IllegalArgumentException when the credentials or the project id are missing
     */
    public FcmTransport build() {
      if (account == null && suppliedTokens == null) {
        throw new IllegalArgumentException("FCM credentials are missing; call serviceAccount(...) with the key file"
            + " from the Firebase console, or accessTokens(supplier)");
      }
      String project = projectId != null ? projectId : account != null ? account.projectId : null;
      if (project == null) {
        throw new IllegalArgumentException("FCM projectId is missing; call projectId(id)"
            + (account != null ? " (the service account key has no project_id)" : ""));
      }
      Dispatcher dispatcher = new Dispatcher();
      dispatcher.setMaxRequests(maxConcurrentRequests);
      dispatcher.setMaxRequestsPerHost(maxConcurrentRequests);
      OkHttpClient.Builder http = client != null ? client.newBuilder()
          : new OkHttpClient.Builder().connectTimeout(Duration.ofSeconds(10)).readTimeout(Duration.ofSeconds(30))
              .socketFactory(new NoDelaySockets());
      if (client == null || client.callTimeoutMillis() == 0) {
        // Within the engine's send timeout (60 s by default): a slow answer ends as a retry here,
        // and its call is not left to post later.
        http.callTimeout(Duration.ofSeconds(30));
      }
      OkHttpClient derived = http.dispatcher(dispatcher).build();
      HttpUrl sendUrl = endpoint.newBuilder().addPathSegments("v1/projects/" + project + "/messages:send").build();
      AccessTokens tokens = account != null
          ? new OAuthTokens(account, tokenUri != null ? tokenUri : account.tokenUri, derived, clock)
          : AccessTokens.supplied(suppliedTokens);
      return new FcmTransport(this, derived, sendUrl, tokens, project);
    }
  }
}
