package dev.nudge.transport.webpush;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Message encryption for Web Push (RFC 8291) in the {@code aes128gcm} content coding (RFC 8188),
 * as one record: the sender's ephemeral P-256 key agrees a secret with the subscription's
 * {@code p256dh} key, HKDF-SHA-256 mixes in the subscription's {@code auth} secret and a random
 * salt, and AES-128-GCM seals the payload followed by the last-record delimiter {@code 0x02}.
 *
 * <p>The body is {@code salt(16) || rs(4) || idlen(1) = 65 || sender key(65) || ciphertext}; with
 * the 16-byte tag and the delimiter, a body of at most {@link #MAX_BODY} bytes (the size every push
 * service must accept) holds {@link #MAX_PLAINTEXT} bytes of payload.
 */
final class MessageEncryption {
  /** The largest body every push service must accept (RFC 8030 section 7.2). */
  static final int MAX_BODY = 4096;
  /** Header (86), tag (16) and delimiter (1) taken from {@link #MAX_BODY}. */
  static final int MAX_PLAINTEXT = MAX_BODY - 86 - 16 - 1;
  /** The record size written in the header: the single record always fits. */
  private static final int RECORD_SIZE = 4096;

  private static final byte[] KEY_INFO = "WebPush: info\0".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CEK_INFO = "Content-Encoding: aes128gcm\0".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] NONCE_INFO = "Content-Encoding: nonce\0".getBytes(StandardCharsets.US_ASCII);

  private MessageEncryption() {}

  /**
   * Encrypts {@code plaintext} for a subscription.
   *
   * @param receiver the subscription's {@code p256dh} key
   * @param receiverPoint the same key, uncompressed (65 bytes)
   * @param authSecret the subscription's {@code auth} secret (16 bytes)
   * @param sender the ephemeral key pair, fresh for each message
   * @param salt 16 random bytes, fresh for each message
   * @throws IllegalArgumentException when the plaintext is over {@link #MAX_PLAINTEXT} bytes
   */
  static byte[] encrypt(byte[] plaintext, ECPublicKey receiver, byte[] receiverPoint, byte[] authSecret,
      KeyPair sender, byte[] salt) {
    if (plaintext.length > MAX_PLAINTEXT) {
      throw new IllegalArgumentException("the payload is " + plaintext.length + " bytes; Web Push carries at most "
          + MAX_PLAINTEXT + " bytes once encrypted into a " + MAX_BODY + "-byte body");
    }
    byte[] senderPoint = P256.encode((ECPublicKey) sender.getPublic());
    byte[] shared = P256.ecdh(sender.getPrivate(), receiver);
    try {
      // RFC 8291 section 3.4: IKM = HKDF(auth, ecdh, "WebPush: info" || 0 || ua_public || as_public, 32)
      byte[] prkKey = hmac(authSecret, shared);
      byte[] ikm = hmac(prkKey, concat(KEY_INFO, receiverPoint, senderPoint, new byte[] {1}));
      // RFC 8188 section 2.2 and 2.3: CEK and nonce from HKDF(salt, IKM, ...)
      byte[] prk = hmac(salt, ikm);
      byte[] cek = Arrays.copyOf(hmac(prk, concat(CEK_INFO, new byte[] {1})), 16);
      byte[] nonce = Arrays.copyOf(hmac(prk, concat(NONCE_INFO, new byte[] {1})), 12);

      Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
      gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(cek, "AES"), new GCMParameterSpec(128, nonce));
      int header = 16 + 4 + 1 + senderPoint.length;
      byte[] body = new byte[header + plaintext.length + 1 + 16];
      ByteBuffer.wrap(body).put(salt).putInt(RECORD_SIZE).put((byte) senderPoint.length).put(senderPoint);
      int written = gcm.update(plaintext, 0, plaintext.length, body, header);
      gcm.doFinal(new byte[] {2}, 0, 1, body, header + written);
      return body;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("aes128gcm encryption failed: " + e.getClass().getSimpleName(), e);
    }
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
}
