package dev.nudge.transport.fcm;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/**
 * A Google service-account key, as the Firebase console downloads it: the fields the OAuth 2.0
 * JWT bearer grant needs. The private key is parsed once and kept only as a {@link PrivateKey};
 * {@link #toString()} shows the account, never the key. Immutable.
 */
final class ServiceAccount {
  static final String DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token";

  final String projectId;
  final String clientEmail;
  final String privateKeyId;
  final PrivateKey privateKey;
  final String tokenUri;

  private ServiceAccount(String projectId, String clientEmail, String privateKeyId, PrivateKey privateKey,
      String tokenUri) {
    this.projectId = projectId;
    this.clientEmail = clientEmail;
    this.privateKeyId = privateKeyId;
    this.privateKey = privateKey;
    this.tokenUri = tokenUri;
  }

  /**
   * Reads the key file's JSON.
   *
   * @throws IllegalArgumentException naming the field that is missing or wrong; never quoting the key
   */
  static ServiceAccount parse(String json) {
    JsonObject o;
    try {
      JsonElement e = JsonParser.parseString(json);
      if (!e.isJsonObject()) {
        throw new IllegalArgumentException("FCM service account key is not a JSON object; give the key file the"
            + " Firebase console downloads (Project settings, Service accounts, Generate new private key)");
      }
      o = e.getAsJsonObject();
    } catch (JsonParseException e) {
      // The parser's message may quote the text around the error, i.e. part of the key.
      throw new IllegalArgumentException("FCM service account key is not valid JSON; give the key file the"
          + " Firebase console downloads");
    }
    String type = optional(o, "type");
    if (type != null && !type.equals("service_account")) {
      throw new IllegalArgumentException("FCM service account key has type '" + type
          + "'; give a key of type service_account (not an OAuth client or a google-services.json)");
    }
    String email = required(o, "client_email");
    String keyId = required(o, "private_key_id");
    String pem = required(o, "private_key");
    String tokenUri = optional(o, "token_uri");
    return new ServiceAccount(optional(o, "project_id"), email, keyId, rsaKey(pem),
        tokenUri == null ? DEFAULT_TOKEN_URI : tokenUri);
  }

  private static PrivateKey rsaKey(String pem) {
    String body = pem.replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", "")
        .replaceAll("\\s", "");
    try {
      return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      throw new IllegalArgumentException("FCM service account key's private_key is not a PKCS#8 RSA private key ("
          + e.getClass().getSimpleName() + "); give the key file unchanged, with its -----BEGIN PRIVATE KEY-----"
          + " block");
    }
  }

  private static String required(JsonObject o, String field) {
    String v = optional(o, field);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException("FCM service account key has no " + field
          + "; give the key file the Firebase console downloads, unchanged");
    }
    return v;
  }

  private static String optional(JsonObject o, String field) {
    JsonElement e = o.get(field);
    if (e == null || e.isJsonNull()) {
      return null;
    }
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
      throw new IllegalArgumentException("FCM service account key's " + field + " is not a string");
    }
    return e.getAsString();
  }

  @Override
  public String toString() {
    return "ServiceAccount{" + clientEmail + ", project=" + projectId + ", keyId=" + privateKeyId + "}";
  }
}
