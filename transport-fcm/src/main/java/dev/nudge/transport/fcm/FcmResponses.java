package dev.nudge.transport.fcm;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.nudge.spi.SendResult;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Maps FCM HTTP v1 answers to {@link SendResult}s. The code is read from {@code error.details[]},
 * the entry of type {@code google.firebase.fcm.v1.FcmError}, before the top-level {@code status},
 * which can be a generic one. Stateless.
 */
final class FcmResponses {
  static final String FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError";

  private static final Map<String, String> HINTS = Map.of(
      "UNREGISTERED", "the app was uninstalled or the token expired",
      "SENDER_ID_MISMATCH", "the token belongs to another Firebase project than this sender",
      "THIRD_PARTY_AUTH_ERROR", "the APNs certificate or key, or the web push key, configured in the Firebase"
          + " project is wrong or missing: a configuration problem, fix it in the Firebase console",
      "QUOTA_EXCEEDED", "the project's or the device's sending rate is over its quota",
      "UNAVAILABLE", "FCM is overloaded",
      "INTERNAL", "FCM failed",
      "PERMISSION_DENIED", "the service account may not send for this project (its role lacks"
          + " cloudmessaging.messages.create)",
      "NOT_FOUND", "no such Firebase project, or FCM is not enabled for it",
      "UNAUTHENTICATED", "the access token was refused: check the service account key or the supplied tokens");

  private FcmResponses() {}

  /** The result of an answer other than 200 (a 401 is handled by the caller first). */
  static SendResult map(int status, String body, String retryAfter, Clock clock) {
    String code = null;
    String message = null;
    boolean tokenField = false;
    try {
      JsonElement root = JsonParser.parseString(body == null ? "" : body);
      if (root.isJsonObject() && root.getAsJsonObject().get("error") instanceof JsonObject error) {
        message = error.get("message") != null && error.get("message").isJsonPrimitive()
            ? error.get("message").getAsString() : null;
        code = detailCode(error);
        tokenField = violatesTokenField(error);
        if (code == null && error.get("status") != null && error.get("status").isJsonPrimitive()) {
          code = error.get("status").getAsString();
        }
      }
    } catch (RuntimeException e) {
      // not JSON (a proxy's page): judged by the status alone
    }
    String reason = describe(code, status, message);
    if (code == null) {
      return status == 429 || status >= 500 ? SendResult.retry(reason, retryAfter(retryAfter, clock))
          // Not FCM's own error (a proxy, a wrong URL or project): never the device's fault.
          : SendResult.rejected(reason, false);
    }
    switch (code) {
      case "UNREGISTERED":
      case "SENDER_ID_MISMATCH":
        return SendResult.rejected(reason, true);
      case "INVALID_ARGUMENT":
        // Invalid registration token, or another field: only the first is the token's fault. FCM
        // names the field in a google.rpc.BadRequest detail; its message is the fallback.
        return SendResult.rejected(reason, tokenField
            || message != null && message.toLowerCase(Locale.ROOT).contains("registration token"));
      case "QUOTA_EXCEEDED":
      case "UNAVAILABLE":
      case "INTERNAL":
        return SendResult.retry(reason, retryAfter(retryAfter, clock));
      default:
        return status == 429 || status >= 500 && !HINTS.containsKey(code)
            ? SendResult.retry(reason, retryAfter(retryAfter, clock)) : SendResult.rejected(reason, false);
    }
  }

  /** The FCM error code of an answer (the detail's, else the status), or null. */
  static String code(String body) {
    try {
      JsonElement root = JsonParser.parseString(body == null ? "" : body);
      if (root.isJsonObject() && root.getAsJsonObject().get("error") instanceof JsonObject error) {
        String code = detailCode(error);
        return code != null ? code : error.get("status") != null ? error.get("status").getAsString() : null;
      }
    } catch (RuntimeException e) {
      // not JSON
    }
    return null;
  }

  /** Whether a {@code google.rpc.BadRequest} detail names {@code message.token} as the bad field. */
  private static boolean violatesTokenField(JsonObject error) {
    if (!(error.get("details") instanceof JsonArray details)) {
      return false;
    }
    for (JsonElement d : details) {
      if (d instanceof JsonObject o && o.get("fieldViolations") instanceof JsonArray violations) {
        for (JsonElement v : violations) {
          if (v instanceof JsonObject f && f.get("field") != null && f.get("field").isJsonPrimitive()
              && f.get("field").getAsString().equals("message.token")) {
            return true;
          }
        }
      }
    }
    return false;
  }

  private static String detailCode(JsonObject error) {
    if (!(error.get("details") instanceof JsonArray details)) {
      return null;
    }
    for (JsonElement d : details) {
      if (d instanceof JsonObject o && o.get("@type") != null && FCM_ERROR.equals(o.get("@type").getAsString())
          && o.get("errorCode") != null) {
        return o.get("errorCode").getAsString();
      }
    }
    return null;
  }

  /** {@code "UNREGISTERED (404): the app was uninstalled ... (Requested entity was not found.)"}. */
  static String describe(String code, int status, String message) {
    StringBuilder b = new StringBuilder(code == null ? "HTTP " + status : code + " (" + status + ")");
    String hint = code == null ? null : HINTS.get(code);
    if (hint != null) {
      b.append(": ").append(hint);
    }
    if (message != null && !message.isBlank()) {
      b.append(hint != null ? " (" : ": ").append(message.length() > 300 ? message.substring(0, 300) + "..." : message)
          .append(hint != null ? ")" : "");
    }
    return b.toString();
  }

  /** {@code Retry-After} as seconds or an HTTP date, from now on {@code clock}; null when absent or unreadable. */
  static Duration retryAfter(String header, Clock clock) {
    return SendResult.retryAfterHeader(header, clock.instant());
  }

}
