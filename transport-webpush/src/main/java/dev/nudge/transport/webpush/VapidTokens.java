package dev.nudge.transport.webpush;

import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code Authorization: vapid t=<JWT>, k=<public key>} header for each push service origin
 * (RFC 8292): an ES256 JWT with {@code aud} = the origin, {@code exp} = {@link #LIFETIME} from its
 * making (push services refuse more than 24 hours) and {@code sub} = the contact. Each origin's
 * header is made once and reused until {@link #RENEW_BEFORE} before it expires.
 */
final class VapidTokens {
  static final Duration LIFETIME = Duration.ofHours(12);
  static final Duration RENEW_BEFORE = Duration.ofMinutes(10);
  /**
   * How old a refused header must be before a refusal makes a new one: a 401 or 403 is usually
   * about one subscription (made with another key), and push services ask not to re-sign often.
   */
  static final Duration RENEW_REFUSED_AFTER = Duration.ofHours(1);
  private static final String HEADER = base64("{\"typ\":\"JWT\",\"alg\":\"ES256\"}".getBytes(StandardCharsets.UTF_8));
  /** More origins than any host subscribes with: past it the cache starts over rather than grow. */
  private static final int MAX_ORIGINS = 10_000;

  private record Header(String value, Instant madeAt, Instant expiresAt) {}

  private final VapidKeys keys;
  private final String subject;
  private final Clock clock;
  private final ConcurrentHashMap<String, Header> byOrigin = new ConcurrentHashMap<>();

  VapidTokens(VapidKeys keys, String subject, Clock clock) {
    this.keys = keys;
    this.subject = subject;
    this.clock = clock;
  }

  /** The Authorization header value for a push service origin. */
  String authorization(String origin) {
    Instant now = clock.instant();
    Header h = byOrigin.get(origin);
    if (h == null || !now.isBefore(h.expiresAt.minus(RENEW_BEFORE))) {
      if (byOrigin.size() >= MAX_ORIGINS) {
        byOrigin.clear();
      }
      h = make(origin, now);
      byOrigin.put(origin, h);
    }
    return h.value;
  }

  /**
   * The push service refused a request that carried {@code value}: the origin's header is made
   * anew, if it is still that one and at least {@link #RENEW_REFUSED_AFTER} old.
   */
  void refused(String origin, String value) {
    Header h = byOrigin.get(origin);
    if (h != null && h.value.equals(value) && !clock.instant().isBefore(h.madeAt.plus(RENEW_REFUSED_AFTER))) {
      byOrigin.remove(origin, h);
    }
  }

  private Header make(String origin, Instant now) {
    Instant exp = Instant.ofEpochSecond(now.plus(LIFETIME).getEpochSecond());
    JsonObject claims = new JsonObject();
    claims.addProperty("aud", origin);
    claims.addProperty("exp", exp.getEpochSecond());
    claims.addProperty("sub", subject);
    String signingInput = HEADER + "." + base64(claims.toString().getBytes(StandardCharsets.UTF_8));
    String jwt = signingInput + "." + base64(keys.sign(signingInput.getBytes(StandardCharsets.US_ASCII)));
    return new Header("vapid t=" + jwt + ", k=" + keys.publicKey(), now, exp);
  }

  private static String base64(byte[] b) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
