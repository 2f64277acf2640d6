package dev.nudge.transport.webpush;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import okhttp3.HttpUrl;

/**
 * A browser's push subscription, the {@code PushSubscription} a page gets from
 * {@code registration.pushManager.subscribe(...)}: the push service's {@code endpoint} and the
 * subscription's keys, {@code p256dh} (its P-256 public key) and {@code auth} (a 16-byte secret),
 * both base64url. It is a {@link dev.nudge.Platform#WEB} device's token: register
 * {@code JSON.stringify(subscription)} as the browser gives it,
 *
 * <pre>{@code
 * {"endpoint":"https://fcm.googleapis.com/fcm/send/dJ9…","expirationTime":null,
 *  "keys":{"p256dh":"BNcR…","auth":"tBHI…"}}
 * }</pre>
 *
 * <p>and the {@link WebPushTransport} stores it in the canonical form of {@link #token()}, so the
 * same subscription written with other spacing, field order or padding is one device. Immutable
 * and thread-safe. The endpoint is a capability (with the keys, anyone can push to the browser):
 * {@link #toString()} shows only its origin.
 */
public final class WebPushSubscription {
  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private final String endpoint;
  private final HttpUrl url;
  private final byte[] p256dh;
  private final ECPublicKey publicKey;
  private final byte[] auth;

  private WebPushSubscription(String endpoint, HttpUrl url, byte[] p256dh, ECPublicKey publicKey, byte[] auth) {
    this.endpoint = endpoint;
    this.url = url;
    this.p256dh = p256dh;
    this.publicKey = publicKey;
    this.auth = auth;
  }

  /**
   * Reads a subscription's JSON ({@code JSON.stringify(subscription)} or
   * {@code subscription.toJSON()}); other fields, such as {@code expirationTime}, are ignored.
   *
   * @throws IllegalArgumentException saying what is wrong: not JSON, no https endpoint, a key
   *     missing, not base64url, or of the wrong length
   */
  public static WebPushSubscription parse(String json) {
    if (json == null || json.isBlank()) {
      throw new IllegalArgumentException("web push subscription is blank; register JSON.stringify(subscription)"
          + " of the browser's PushSubscription");
    }
    JsonObject o;
    try {
      JsonElement e = JsonParser.parseString(json);
      if (!e.isJsonObject()) {
        throw new IllegalArgumentException("web push subscription is not a JSON object; register"
            + " JSON.stringify(subscription) of the browser's PushSubscription");
      }
      o = e.getAsJsonObject();
    } catch (JsonParseException e) {
      throw new IllegalArgumentException("web push subscription is not JSON; register JSON.stringify(subscription)"
          + " of the browser's PushSubscription");
    }
    JsonObject keys = o.has("keys") && o.get("keys").isJsonObject() ? o.getAsJsonObject("keys") : null;
    if (keys == null) {
      throw new IllegalArgumentException("web push subscription has no \"keys\" object; a subscription for"
          + " payloads has keys.p256dh and keys.auth (register JSON.stringify(subscription), not the endpoint alone)");
    }
    return of(string(o, "endpoint"), string(keys, "p256dh"), string(keys, "auth"));
  }

  /**
   * A subscription from its parts, as a server that stored them apart has them.
   *
   * @param endpoint the push service URL, https
   * @param p256dh the subscription's public key, base64url (65 bytes, uncompressed P-256)
   * @param auth the subscription's authentication secret, base64url (16 bytes)
   * @throws IllegalArgumentException saying which part is wrong and how
   */
  public static WebPushSubscription of(String endpoint, String p256dh, String auth) {
    if (endpoint == null || endpoint.isBlank()) {
      throw new IllegalArgumentException("web push subscription endpoint is missing; it is the push service URL"
          + " of the browser's PushSubscription");
    }
    HttpUrl url = HttpUrl.parse(endpoint);
    if (url == null || !endpoint.regionMatches(true, 0, "https://", 0, 8)) {
      throw new IllegalArgumentException("web push subscription endpoint '" + origin(endpoint)
          + "' is not an https URL; push services are reached over https only");
    }
    if (!url.username().isEmpty() || !url.password().isEmpty()) {
      throw new IllegalArgumentException("web push subscription endpoint " + origin(url)
          + " carries user info; a push service URL has none");
    }
    String canonical = lowerCaseHost(endpoint, url);
    byte[] key = base64Url(p256dh, "keys.p256dh");
    ECPublicKey publicKey = P256.publicKey(key, "web push subscription keys.p256dh");
    byte[] secret = base64Url(auth, "keys.auth");
    if (secret.length != 16) {
      throw new IllegalArgumentException("web push subscription keys.auth is " + secret.length
          + " bytes; the authentication secret is 16 bytes (22 base64url characters)");
    }
    return new WebPushSubscription(canonical, HttpUrl.get(canonical), key, publicKey, secret);
  }

  /** The endpoint with its scheme and host in lower case (the rest as given), so one service is one spelling. */
  private static String lowerCaseHost(String endpoint, HttpUrl url) {
    int start = "https://".length();
    int end = start;
    while (end < endpoint.length() && "/?#".indexOf(endpoint.charAt(end)) < 0) {
      end++;
    }
    String authority = endpoint.substring(start, end).toLowerCase(java.util.Locale.ROOT);
    String defaultPort = ":443";
    if (authority.endsWith(defaultPort) && url.port() == 443) {
      authority = authority.substring(0, authority.length() - defaultPort.length());
    }
    return "https://" + authority + endpoint.substring(end);
  }

  private static String string(JsonObject o, String name) {
    JsonElement e = o.get(name);
    if (e == null || e.isJsonNull()) {
      return null;
    }
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
      throw new IllegalArgumentException("web push subscription field \"" + name + "\" is not a string");
    }
    return e.getAsString();
  }

  private static byte[] base64Url(String value, String field) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("web push subscription " + field + " is missing; copy it from the"
          + " browser's PushSubscription (subscription.toJSON().keys)");
    }
    String v = value.endsWith("=") ? value.replaceAll("=+$", "") : value;
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      boolean ok = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_';
      if (!ok) {
        throw new IllegalArgumentException("web push subscription " + field + " is not base64url: character '"
            + (c < 32 || c > 126 ? "\\u" + String.format("%04x", (int) c) : String.valueOf(c)) + "' at " + i
            + (c == '+' || c == '/' ? " (standard base64; the browser's toJSON() gives base64url, with - and _)" : ""));
      }
    }
    try {
      return Base64.getUrlDecoder().decode(v);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("web push subscription " + field + " is not base64url: "
          + v.length() + " characters is not a whole number of bytes");
    }
  }

  /** The push service URL. */
  public String endpoint() {
    return endpoint;
  }

  /** The push service's origin ({@code https://host[:port]}): the VAPID audience. */
  public String origin() {
    return origin(url);
  }

  /** The push service's host name. */
  public String host() {
    return url.host();
  }

  /** The subscription's public key, uncompressed (a copy). */
  public byte[] p256dh() {
    return p256dh.clone();
  }

  /** The subscription's authentication secret (a copy). */
  public byte[] auth() {
    return auth.clone();
  }

  HttpUrl url() {
    return url;
  }

  ECPublicKey publicKey() {
    return publicKey;
  }

  byte[] p256dhShared() {
    return p256dh;
  }

  byte[] authShared() {
    return auth;
  }

  /**
   * The canonical device token: {@code {"endpoint":"…","keys":{"p256dh":"…","auth":"…"}}}, without
   * spaces and with unpadded base64url keys.
   */
  public String token() {
    Map<String, Object> keys = new LinkedHashMap<>();
    keys.put("p256dh", B64.encodeToString(p256dh));
    keys.put("auth", B64.encodeToString(auth));
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("endpoint", endpoint);
    o.put("keys", keys);
    return GSON.toJson(o);
  }

  static String origin(HttpUrl url) {
    int port = url.port();
    boolean standard = port == HttpUrl.defaultPort(url.scheme());
    String host = url.host().contains(":") ? "[" + url.host() + "]" : url.host();
    return url.scheme() + "://" + host + (standard ? "" : ":" + port);
  }

  private static final java.util.regex.Pattern SCHEME_AND_HOST =
      java.util.regex.Pattern.compile("([A-Za-z][A-Za-z0-9+.-]{0,15}):/*(?:[^/?#@\\s]*@)?([A-Za-z0-9.\\[\\]:-]{1,60})");

  /**
   * The scheme and host of what may not be a URL, for an error message: never a path, a query or
   * user info (an endpoint is a capability); {@code (not a URL)} when there is no scheme and host.
   */
  private static String origin(String endpoint) {
    java.util.regex.Matcher m = SCHEME_AND_HOST.matcher(endpoint);
    return m.lookingAt() ? m.group(1) + "://" + m.group(2) : "(not a URL)";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WebPushSubscription s && endpoint.equals(s.endpoint) && Arrays.equals(p256dh, s.p256dh)
        && Arrays.equals(auth, s.auth);
  }

  @Override
  public int hashCode() {
    return endpoint.hashCode();
  }

  /** The push service's origin only: the endpoint's path and the keys are not shown. */
  @Override
  public String toString() {
    return "WebPushSubscription{" + origin() + "/…}";
  }
}
