package dev.nudge.transport.fcm;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.FormBody;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * Access tokens for the FCM API from a service account, by the OAuth 2.0 JWT bearer grant (RFC
 * 7523): a JWT signed RS256 with the account's key (its {@code aud} the key's {@code token_uri})
 * is exchanged at the token endpoint (the key's {@code token_uri}, or an override such as a
 * proxy). A token is cached and renewed ahead of its expiry by one fetch, which every caller then
 * waits for without blocking: a caller gets a future. Within the last {@link #RENEW_AHEAD} of a
 * token's life the current token is still handed out while the new one is fetched. A failed
 * fetch is remembered for {@link #FAILURE_PAUSE}: callers meanwhile get the same failure at once
 * instead of a new grant each. Thread-safe; never logs or prints a token or the key.
 *
 * <p>A token's life ({@code expires_in}) counts from when it was asked for, not from when the
 * answer arrived: the endpoint issued it no earlier, so this cache never holds a token good that
 * the endpoint has expired, however far the clock moved while the answer was on its way (an
 * engine's test clock moves on while a renewal nobody waits for is in flight). A token that has
 * expired by the time it arrives is not handed out; it is asked for once more. The callers
 * waiting for a fetch get its token only once it is the cache's current one, so a token FCM
 * refuses is always the one {@link #rejected} drops, and no caller is handed it after that.
 */
final class OAuthTokens implements AccessTokens {
  static final String SCOPE = "https://www.googleapis.com/auth/firebase.messaging";
  static final Duration LIFETIME = Duration.ofHours(1);
  static final Duration RENEW_AHEAD = Duration.ofMinutes(5);
  static final Duration FAILURE_PAUSE = Duration.ofSeconds(30);
  private static final Base64.Encoder URL = Base64.getUrlEncoder().withoutPadding();

  private final ServiceAccount account;
  private final String tokenUri;
  private final OkHttpClient http;
  private final Clock clock;

  private record Token(String value, Instant expiresAt) {}

  private Token current; // guarded by this
  private CompletableFuture<Token> fetching; // guarded by this
  private TokenFailure failure; // guarded by this; the last fetch's, until failedUntil
  private Instant failedUntil = Instant.MIN; // guarded by this

  OAuthTokens(ServiceAccount account, String tokenUri, OkHttpClient http, Clock clock) {
    this.account = account;
    this.tokenUri = tokenUri;
    this.http = http;
    this.clock = clock;
  }

  @Override
  public CompletableFuture<String> token() {
    return token(true);
  }

  /** The token to send now; with {@code mayAskAgain}, one that arrives expired is asked for once more. */
  private CompletableFuture<String> token(boolean mayAskAgain) {
    Instant now = clock.instant();
    CompletableFuture<Token> wait;
    synchronized (this) {
      if (current != null && now.isBefore(current.expiresAt.minus(RENEW_AHEAD))) {
        return CompletableFuture.completedFuture(current.value);
      }
      CompletableFuture<Token> f = fetching;
      if (f == null && failure != null && now.isBefore(failedUntil)
          && (current == null || !now.isBefore(current.expiresAt))) {
        return CompletableFuture.failedFuture(failure);
      }
      if (f == null) {
        f = renew();
      }
      if (current != null && now.isBefore(current.expiresAt)) {
        return CompletableFuture.completedFuture(current.value); // still good while the new one comes
      }
      wait = f;
    }
    return wait.thenCompose(t -> handOut(t, mayAskAgain));
  }

  /**
   * Starts the one fetch (the caller holds the lock). Its future completes only once the answer
   * is in the cache (the token current, or the failure remembered), so whoever it hands the token
   * to finds it there, and {@link #rejected} drops it.
   */
  private CompletableFuture<Token> renew() {
    CompletableFuture<Token> installed = new CompletableFuture<>();
    fetching = installed;
    fetch().whenComplete((t, e) -> {
      TokenFailure failed = null;
      synchronized (OAuthTokens.this) {
        if (t != null) {
          current = t;
          failure = null;
        } else {
          failed = e instanceof TokenFailure tf ? tf : new TokenFailure(false, "fetching an FCM access token"
              + " failed: " + e.getClass().getSimpleName());
          failure = failed;
          failedUntil = clock.instant().plus(FAILURE_PAUSE);
        }
        if (fetching == installed) {
          fetching = null;
        }
      }
      if (failed == null) {
        installed.complete(t);
      } else {
        installed.completeExceptionally(failed);
      }
    });
    return installed;
  }

  /**
   * A fetched token for a caller that waited for it, unless it expired before it arrived (the
   * clock moved past its life while the grant was in flight): then one more fetch, if allowed.
   */
  private CompletableFuture<String> handOut(Token t, boolean mayAskAgain) {
    if (clock.instant().isBefore(t.expiresAt)) {
      return CompletableFuture.completedFuture(t.value);
    }
    if (mayAskAgain) {
      return token(false);
    }
    return CompletableFuture.failedFuture(new TokenFailure(false, "the FCM access token from " + tokenUri
        + " had expired when it arrived, twice (its expires_in is shorter than the grant takes)"));
  }

  @Override
  public synchronized void rejected(String token) {
    if (current != null && current.value.equals(token)) {
      current = null; // the next caller fetches a new one
    }
  }

  /** The signed JWT of the grant: header {@code kid}, claims {@code iss, scope, aud, iat, exp}. */
  String assertion(Instant now) {
    JsonObject header = new JsonObject();
    header.addProperty("alg", "RS256");
    header.addProperty("typ", "JWT");
    header.addProperty("kid", account.privateKeyId);
    JsonObject claims = new JsonObject();
    claims.addProperty("iss", account.clientEmail);
    claims.addProperty("scope", SCOPE);
    claims.addProperty("aud", account.tokenUri); // Google accepts its own token URI only, whatever the address called
    claims.addProperty("iat", now.getEpochSecond());
    claims.addProperty("exp", now.plus(LIFETIME).getEpochSecond());
    String signingInput = URL.encodeToString(header.toString().getBytes(StandardCharsets.UTF_8)) + "."
        + URL.encodeToString(claims.toString().getBytes(StandardCharsets.UTF_8));
    try {
      Signature rsa = Signature.getInstance("SHA256withRSA");
      rsa.initSign(account.privateKey);
      rsa.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      return signingInput + "." + URL.encodeToString(rsa.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("signing the FCM OAuth assertion failed (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** One grant; its token expires {@code expires_in} after {@code now}, when it was asked for. */
  private CompletableFuture<Token> fetch() {
    CompletableFuture<Token> result = new CompletableFuture<>();
    Instant now = clock.instant();
    String jwt;
    try {
      jwt = assertion(now);
    } catch (IllegalStateException e) {
      result.completeExceptionally(e);
      return result;
    }
    Request request = new Request.Builder().url(tokenUri)
        .post(new FormBody.Builder()
            .add("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer")
            .add("assertion", jwt)
            .build())
        .build();
    http.newCall(request).enqueue(new Callback() {
      @Override
      public void onFailure(Call call, IOException e) {
        result.completeExceptionally(new TokenFailure(false, "fetching an FCM access token from " + tokenUri
            + " failed: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")")));
      }

      @Override
      public void onResponse(Call call, Response response) {
        try (response) {
          ResponseBody body = response.body();
          String text = body == null ? "" : body.string();
          if (!response.isSuccessful()) {
            // 4xx: the grant was refused (a wrong or revoked key); 5xx: the endpoint is failing.
            result.completeExceptionally(new TokenFailure(response.code() < 500 && response.code() != 429,
                "the token endpoint " + tokenUri + " refused the service account " + account.clientEmail + ": HTTP "
                + response.code() + describeOAuthError(text)));
            return;
          }
          JsonObject o = JsonParser.parseString(text).getAsJsonObject();
          JsonElement token = o.get("access_token");
          if (token == null || !token.isJsonPrimitive()) {
            result.completeExceptionally(new TokenFailure(false, "the token endpoint " + tokenUri
                + " answered without an access_token"));
            return;
          }
          long expiresIn = o.has("expires_in") ? o.get("expires_in").getAsLong() : LIFETIME.toSeconds();
          result.complete(new Token(token.getAsString(), now.plusSeconds(expiresIn)));
        } catch (IOException | RuntimeException e) {
          result.completeExceptionally(new TokenFailure(false, "reading the FCM access token from " + tokenUri
              + " failed: " + e.getClass().getSimpleName()));
        }
      }
    });
    return result;
  }

  /** {@code ": invalid_grant (Invalid JWT Signature.)"} from an OAuth error body, if it is one. */
  private static String describeOAuthError(String body) {
    try {
      JsonObject o = JsonParser.parseString(body).getAsJsonObject();
      String error = o.has("error") && o.get("error").isJsonPrimitive() ? o.get("error").getAsString() : null;
      String description = o.has("error_description") ? o.get("error_description").getAsString() : null;
      if (error == null) {
        return "";
      }
      return ": " + error + (description == null ? "" : " (" + description + ")");
    } catch (RuntimeException e) {
      return "";
    }
  }

  @Override
  public String toString() {
    return "OAuthTokens{" + account + ", tokenUri=" + tokenUri + "}";
  }
}
