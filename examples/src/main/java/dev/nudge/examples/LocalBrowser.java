package dev.nudge.examples;

import dev.nudge.transport.webpush.WebPushSubscription;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A browser of one's own, as the demo plays it: what a browser does when a page calls
 * {@code registration.pushManager.subscribe(...)} and when a push message reaches it. It holds
 * the subscription's P-256 key pair and 16-byte authentication secret, generated fresh with a
 * {@link SecureRandom} (they never change what the demo prints), and the
 * {@link WebPushSubscription} they make with a push service endpoint: the
 * {@link dev.nudge.Platform#WEB} device's token is {@link #token()}.
 *
 * <p>{@link #decrypt} is the receiving side of RFC 8291 (Message Encryption for Web Push) in the
 * {@code aes128gcm} content coding of RFC 8188, written here on the JDK's own crypto, apart from
 * the transport's encryption, so that what a browser would read is checked independently: the
 * body's header ({@code salt(16) | rs(4) | idlen(1) | keyid(65)}, the key id being the sender's
 * ephemeral public key), ECDH of this browser's private key with that key, the HKDF-SHA-256 steps
 * of RFC 8291 section 3.4 and RFC 8188 section 2.2 and 2.3, AES-128-GCM, and the padding
 * delimiter.
 *
 * <p>Immutable and thread-safe. The private key and the authentication secret are never shown:
 * {@link #toString()} gives the endpoint's origin only (the endpoint itself is a capability).
 */
public final class LocalBrowser {
  /** The bytes before the ciphertext: salt, record size, key id length and a P-256 key id. */
  static final int HEADER_BYTES = 16 + 4 + 1 + 65;

  private static final byte[] KEY_INFO = "WebPush: info\0".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CEK_INFO = "Content-Encoding: aes128gcm\0".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] NONCE_INFO = "Content-Encoding: nonce\0".getBytes(StandardCharsets.US_ASCII);
  private static final int TAG_BYTES = 16;
  private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final ECParameterSpec P256 = p256Parameters();

  private final ECPrivateKey privateKey;
  private final byte[] publicPoint;
  private final byte[] auth;
  private final WebPushSubscription subscription;

  LocalBrowser(String endpoint, ECPrivateKey privateKey, ECPublicKey publicKey, byte[] auth) {
    this.privateKey = Objects.requireNonNull(privateKey, "privateKey");
    this.publicPoint = uncompressed(Objects.requireNonNull(publicKey, "publicKey"));
    if (auth.length != 16) {
      throw new IllegalArgumentException("a browser's authentication secret is 16 bytes, not " + auth.length);
    }
    this.auth = auth.clone();
    this.subscription = WebPushSubscription.of(endpoint, BASE64URL.encodeToString(publicPoint),
        BASE64URL.encodeToString(this.auth));
  }

  /**
   * A browser subscribing with the push service at {@code endpoint}: a fresh P-256 key pair and
   * authentication secret.
   *
   * @param endpoint the https URL the push service gave this subscription
   */
  public static LocalBrowser subscribe(String endpoint) {
    KeyPair keys;
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      keys = generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot generate an EC P-256 key for a browser: " + e.getMessage(), e);
    }
    byte[] auth = new byte[16];
    RANDOM.nextBytes(auth);
    return new LocalBrowser(endpoint, (ECPrivateKey) keys.getPrivate(), (ECPublicKey) keys.getPublic(), auth);
  }

  /** The subscription, as {@code pushManager.subscribe} would give it to the page. */
  public WebPushSubscription subscription() {
    return subscription;
  }

  /** The subscription's canonical JSON: the {@link dev.nudge.Platform#WEB} device's token. */
  public String token() {
    return subscription.token();
  }

  /** The push service URL of the subscription. */
  public String endpoint() {
    return subscription.endpoint();
  }

  /**
   * Decrypts a push message's {@code aes128gcm} body (RFC 8291, RFC 8188) with this browser's
   * private key and authentication secret.
   *
   * @return the plaintext, without the padding delimiter and padding
   * @throws IllegalArgumentException saying why the body cannot be read (its header, its size,
   *     a sender key that is not a P-256 point, a failed authentication tag, a bad delimiter);
   *     never with a key or secret
   */
  public byte[] decrypt(byte[] body) {
    if (body == null || body.length < HEADER_BYTES + TAG_BYTES + 1) {
      throw new IllegalArgumentException("the body is " + (body == null ? 0 : body.length) + " bytes; an aes128gcm"
          + " Web Push message has at least " + (HEADER_BYTES + TAG_BYTES + 1) + " (a " + HEADER_BYTES
          + "-byte header, a delimiter and the 16-byte tag)");
    }
    ByteBuffer in = ByteBuffer.wrap(body);
    byte[] salt = new byte[16];
    in.get(salt);
    long recordSize = Integer.toUnsignedLong(in.getInt());
    int idLength = in.get() & 0xff;
    if (idLength != 65) {
      throw new IllegalArgumentException("the key id is " + idLength + " bytes; Web Push puts the sender's 65-byte"
          + " uncompressed P-256 public key there (RFC 8291 section 4)");
    }
    byte[] senderPoint = new byte[65];
    in.get(senderPoint);
    int ciphertextLength = in.remaining();
    if (recordSize < TAG_BYTES + 2) {
      throw new IllegalArgumentException("the record size is " + recordSize + "; RFC 8188 requires at least 18");
    }
    if (ciphertextLength > recordSize) {
      throw new IllegalArgumentException("the ciphertext is " + ciphertextLength + " bytes, over the record size "
          + recordSize + "; a Web Push message is one record (RFC 8291 section 4)");
    }
    try {
      ECPublicKey sender = p256(senderPoint);
      KeyAgreement agreement = KeyAgreement.getInstance("ECDH");
      agreement.init(privateKey);
      agreement.doPhase(sender, true);
      byte[] ecdhSecret = agreement.generateSecret();

      // RFC 8291 section 3.4: the input keying material from the ECDH secret and the auth secret.
      byte[] prkKey = hmac(auth, ecdhSecret);
      byte[] ikm = hmac(prkKey, concat(KEY_INFO, publicPoint, senderPoint, new byte[] {1}));
      // RFC 8188 sections 2.2 and 2.3: the content-encryption key and nonce from the salt.
      byte[] prk = hmac(salt, ikm);
      byte[] cek = Arrays.copyOf(hmac(prk, concat(CEK_INFO, new byte[] {1})), 16);
      byte[] nonce = Arrays.copyOf(hmac(prk, concat(NONCE_INFO, new byte[] {1})), 12);

      Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
      gcm.init(Cipher.DECRYPT_MODE, new SecretKeySpec(cek, "AES"), new GCMParameterSpec(TAG_BYTES * 8, nonce));
      byte[] padded = gcm.doFinal(body, HEADER_BYTES, ciphertextLength);
      return unpadded(padded);
    } catch (AEADBadTagException e) {
      throw new IllegalArgumentException("the authentication tag does not verify: the message was not encrypted for"
          + " this subscription's keys, or it was changed on the way");
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("the message cannot be decrypted (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** The record's data: everything before the last non-zero byte, which must be the last-record delimiter 2. */
  private static byte[] unpadded(byte[] padded) {
    int end = padded.length - 1;
    while (end >= 0 && padded[end] == 0) {
      end--;
    }
    if (end < 0 || padded[end] != 2) {
      throw new IllegalArgumentException("the record does not end with the last-record delimiter 0x02 before its"
          + " padding (RFC 8188 section 2)");
    }
    return Arrays.copyOf(padded, end);
  }

  /**
   * A P-256 public key from its uncompressed form (65 bytes: 0x04, x, y).
   *
   * @throws IllegalArgumentException when it is not of that form
   * @throws GeneralSecurityException when the JVM refuses the point
   */
  static ECPublicKey p256(byte[] point) throws GeneralSecurityException {
    if (point.length != 65 || point[0] != 4) {
      throw new IllegalArgumentException("the key is not an uncompressed P-256 point (65 bytes starting with 0x04)");
    }
    ECPoint w = new ECPoint(new BigInteger(1, Arrays.copyOfRange(point, 1, 33)),
        new BigInteger(1, Arrays.copyOfRange(point, 33, 65)));
    return (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, P256));
  }

  private static ECParameterSpec p256Parameters() {
    try {
      AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
      parameters.init(new ECGenParameterSpec("secp256r1"));
      return parameters.getParameterSpec(ECParameterSpec.class);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM has no EC P-256 (secp256r1): " + e.getMessage(), e);
    }
  }

  /** The uncompressed form of a P-256 public key: 0x04, then x and y, 32 bytes each. */
  static byte[] uncompressed(ECPublicKey key) {
    byte[] point = new byte[65];
    point[0] = 4;
    coordinate(key.getW().getAffineX(), point, 1);
    coordinate(key.getW().getAffineY(), point, 33);
    return point;
  }

  private static void coordinate(BigInteger value, byte[] into, int at) {
    byte[] b = value.toByteArray(); // big-endian, perhaps with a leading zero byte or shorter than 32
    int n = Math.min(b.length, 32);
    System.arraycopy(b, b.length - n, into, at + 32 - n, n);
  }

  private static byte[] hmac(byte[] key, byte[] data) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(data);
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    ByteBuffer out = ByteBuffer.allocate(n);
    for (byte[] p : parts) {
      out.put(p);
    }
    return out.array();
  }

  /** The push service's origin only: not the endpoint's path, nor any key. */
  @Override
  public String toString() {
    return "LocalBrowser{" + subscription.origin() + "/…}";
  }
}
