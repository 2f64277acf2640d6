package dev.nudge.transport.webpush;

import dev.nudge.spi.RenderedNotification;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The Web Push transport's message encryption timed on its own, for {@code WebPushBench}: the
 * work {@link WebPushTransport#send} does for each message before it hands the request to OkHttp
 * (a fresh salt and ephemeral P-256 key pair, ECDH with the subscription's key, HKDF-SHA-256,
 * AES-128-GCM), and its parts: the key-pair generation, the ECDH, and the HKDF with AES-GCM;
 * each in nanoseconds per operation on the calling thread.
 *
 * <p>In the transport's package so that it can call the package-private {@link MessageEncryption}
 * and {@link P256} without making them public; it lives in the benchmarks module, which is not
 * published. Each method times one loop of {@code iterations} operations with no warm-up of its
 * own: call it once first and throw that figure away. A byte of every result is folded into
 * {@link #sink()} so that the JIT cannot drop the work.
 */
public final class EncryptionCost {
  private static volatile int sink;

  private EncryptionCost() {}

  /**
   * The plaintext the transport encrypts for a notification: its JSON document, as a transport
   * built with this {@code icon} and {@code badge} (either may be null) makes it.
   */
  public static byte[] payload(RenderedNotification notification, String icon, String badge) {
    return new WebPushPayloads(icon, badge).toBytes(notification);
  }

  /** The size of the encrypted body of a payload: the header, the ciphertext, the delimiter, the tag. */
  public static int bodyBytes(WebPushSubscription subscription, byte[] payload) {
    return MessageEncryption.encrypt(payload, subscription.publicKey(), subscription.p256dhShared(),
        subscription.authShared(), P256.generate(), new byte[16]).length;
  }

  /**
   * The whole encryption of one message, as {@link WebPushTransport#send} does it: 16 random salt
   * bytes, a fresh key pair and {@link MessageEncryption#encrypt} (ECDH, HKDF, AES-GCM), each
   * message to the next of {@code subscriptions} with the next of {@code payloads}.
   *
   * @return nanoseconds per message
   */
  public static double encryptNanos(List<WebPushSubscription> subscriptions, List<byte[]> payloads,
      int iterations) {
    SecureRandom random = new SecureRandom();
    int acc = 0;
    long t0 = System.nanoTime();
    for (int i = 0; i < iterations; i++) {
      WebPushSubscription s = subscriptions.get(i % subscriptions.size());
      byte[] salt = new byte[16];
      random.nextBytes(salt);
      byte[] body = MessageEncryption.encrypt(payloads.get(i % payloads.size()), s.publicKey(), s.p256dhShared(),
          s.authShared(), P256.generate(), salt);
      acc += body[body.length - 1];
    }
    long elapsed = System.nanoTime() - t0;
    sink += acc;
    return (double) elapsed / iterations;
  }

  /**
   * What {@link MessageEncryption#encrypt} does besides the ECDH, on its own: the five
   * HMAC-SHA-256 of the two HKDFs (a {@code Mac} got and keyed for each, as there) and AES-128-GCM
   * sealing the payload and the delimiter, on a fixed shared secret, auth secret and salt. The
   * same JCA calls as the transport's, repeated here because the method does them and the ECDH in
   * one piece; the sizes of the inputs are the transport's.
   *
   * @return nanoseconds per message
   */
  public static double hkdfAndAesGcmNanos(List<byte[]> payloads, int iterations) {
    byte[] shared = new byte[32];
    byte[] auth = new byte[16];
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(shared);
    byte[] keyInfo = new byte["WebPush: info\0".length() + 65 + 65 + 1];
    byte[] cekInfo = new byte["Content-Encoding: aes128gcm\0".length() + 1];
    byte[] nonceInfo = new byte["Content-Encoding: nonce\0".length() + 1];
    int acc = 0;
    long t0 = System.nanoTime();
    try {
      for (int i = 0; i < iterations; i++) {
        byte[] plaintext = payloads.get(i % payloads.size());
        byte[] prkKey = hmac(auth, shared);
        byte[] ikm = hmac(prkKey, keyInfo);
        byte[] prk = hmac(salt, ikm);
        byte[] cek = Arrays.copyOf(hmac(prk, cekInfo), 16);
        byte[] nonce = Arrays.copyOf(hmac(prk, nonceInfo), 12);
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
        gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(cek, "AES"), new GCMParameterSpec(128, nonce));
        byte[] body = new byte[86 + plaintext.length + 1 + 16];
        int written = gcm.update(plaintext, 0, plaintext.length, body, 86);
        gcm.doFinal(new byte[] {2}, 0, 1, body, 86 + written);
        acc += body[body.length - 1];
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    long elapsed = System.nanoTime() - t0;
    sink += acc;
    return (double) elapsed / iterations;
  }

  private static byte[] hmac(byte[] key, byte[] data) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(data);
  }

  /**
   * Generating one ephemeral P-256 key pair ({@link P256#generate}).
   *
   * @return nanoseconds per key pair
   */
  public static double generateNanos(int iterations) {
    int acc = 0;
    long t0 = System.nanoTime();
    for (int i = 0; i < iterations; i++) {
      KeyPair pair = P256.generate();
      acc += ((ECPublicKey) pair.getPublic()).getW().getAffineX().intValue();
    }
    long elapsed = System.nanoTime() - t0;
    sink += acc;
    return (double) elapsed / iterations;
  }

  /**
   * One ECDH agreement ({@link P256#ecdh}) of a ready key pair (a pool of 256, reused in turn)
   * with the next subscription's public key.
   *
   * @return nanoseconds per agreement
   */
  public static double ecdhNanos(List<WebPushSubscription> subscriptions, int iterations) {
    KeyPair[] pairs = pairs(256);
    int acc = 0;
    long t0 = System.nanoTime();
    for (int i = 0; i < iterations; i++) {
      byte[] shared = P256.ecdh(pairs[i & 255].getPrivate(), subscriptions.get(i % subscriptions.size()).publicKey());
      acc += shared[0];
    }
    long elapsed = System.nanoTime() - t0;
    sink += acc;
    return (double) elapsed / iterations;
  }

  /** The folded result bytes, so that the timed work is used. */
  public static int sink() {
    return sink;
  }

  private static KeyPair[] pairs(int n) {
    KeyPair[] pairs = new KeyPair[n];
    for (int i = 0; i < n; i++) {
      pairs[i] = P256.generate();
    }
    return pairs;
  }
}
