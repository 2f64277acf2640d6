package dev.nudge.transport.webpush;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A browser for the tests: a push subscription's key pair and auth secret, and the receiving side
 * of RFC 8291 written here on the JDK alone (not the transport's code): it decrypts an
 * {@code aes128gcm} body with the subscription's private key.
 */
final class TestBrowser {
  static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  static final Base64.Decoder UNB64 = Base64.getUrlDecoder();

  final KeyPair keys;
  final byte[] auth;
  final String endpoint;

  TestBrowser(KeyPair keys, byte[] auth, String endpoint) {
    this.keys = keys;
    this.auth = auth;
    this.endpoint = endpoint;
  }

  /** A new browser subscribed at {@code endpoint}. */
  static TestBrowser subscribedAt(String endpoint) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      byte[] auth = new byte[16];
      new SecureRandom().nextBytes(auth);
      return new TestBrowser(g.generateKeyPair(), auth, endpoint);
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  /** The subscription's {@code p256dh}: the public key, uncompressed. */
  byte[] publicPoint() {
    return point((ECPublicKey) keys.getPublic());
  }

  /** {@code JSON.stringify(subscription)} as a browser writes it. */
  String subscriptionJson() {
    return "{\"endpoint\":\"" + endpoint + "\",\"expirationTime\":null,\"keys\":{\"p256dh\":\""
        + B64.encodeToString(publicPoint()) + "\",\"auth\":\"" + B64.encodeToString(auth) + "\"}}";
  }

  /** Decrypts an {@code aes128gcm} body sent to this browser; fails the test when it does not open. */
  String decrypt(byte[] body) {
    return new String(decrypt(body, keys.getPrivate(), publicPoint(), auth), StandardCharsets.UTF_8);
  }

  /** The receiving side of RFC 8291 over RFC 8188, one record. */
  static byte[] decrypt(byte[] body, PrivateKey receiver, byte[] receiverPoint, byte[] auth) {
    ByteBuffer in = ByteBuffer.wrap(body);
    byte[] salt = new byte[16];
    in.get(salt);
    int rs = in.getInt();
    int idlen = in.get() & 0xff;
    assertThat(idlen).as("keyid length: the sender's public key").isEqualTo(65);
    byte[] senderPoint = new byte[idlen];
    in.get(senderPoint);
    byte[] sealed = new byte[in.remaining()];
    in.get(sealed);
    assertThat(sealed.length).as("one record within rs").isLessThanOrEqualTo(rs);
    try {
      KeyAgreement ka = KeyAgreement.getInstance("ECDH");
      ka.init(receiver);
      ka.doPhase(publicKey(senderPoint), true);
      byte[] shared = ka.generateSecret();
      byte[] prkKey = hmac(auth, shared);
      byte[] info = cat("WebPush: info\0".getBytes(StandardCharsets.US_ASCII), receiverPoint, senderPoint);
      byte[] ikm = hmac(prkKey, cat(info, new byte[] {1}));
      byte[] prk = hmac(salt, ikm);
      byte[] cek = Arrays.copyOf(hmac(prk, cat("Content-Encoding: aes128gcm\0".getBytes(StandardCharsets.US_ASCII),
          new byte[] {1})), 16);
      byte[] nonce = Arrays.copyOf(hmac(prk, cat("Content-Encoding: nonce\0".getBytes(StandardCharsets.US_ASCII),
          new byte[] {1})), 12);
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(cek, "AES"), new GCMParameterSpec(128, nonce));
      byte[] record = c.doFinal(sealed);
      int end = record.length - 1;
      while (end >= 0 && record[end] == 0) {
        end--; // padding
      }
      assertThat(end).as("a delimiter").isGreaterThanOrEqualTo(0);
      assertThat(record[end]).as("the last record's delimiter").isEqualTo((byte) 2);
      return Arrays.copyOf(record, end);
    } catch (GeneralSecurityException e) {
      throw new AssertionError("the body does not decrypt with the subscription's key: " + e, e);
    }
  }

  static ECPublicKey publicKey(byte[] point) throws GeneralSecurityException {
    java.security.AlgorithmParameters p = java.security.AlgorithmParameters.getInstance("EC");
    p.init(new ECGenParameterSpec("secp256r1"));
    ECParameterSpec spec = p.getParameterSpec(ECParameterSpec.class);
    ECPoint w = new ECPoint(new BigInteger(1, Arrays.copyOfRange(point, 1, 33)),
        new BigInteger(1, Arrays.copyOfRange(point, 33, 65)));
    return (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, spec));
  }

  static byte[] point(ECPublicKey key) {
    byte[] out = new byte[65];
    out[0] = 4;
    fixed(key.getW().getAffineX(), out, 1);
    fixed(key.getW().getAffineY(), out, 33);
    return out;
  }

  private static void fixed(BigInteger v, byte[] out, int at) {
    byte[] b = v.toByteArray();
    int from = Math.max(0, b.length - 32);
    System.arraycopy(b, from, out, at + 32 - (b.length - from), b.length - from);
  }

  static PublicKey publicKeyOf(String base64Url) {
    try {
      return publicKey(UNB64.decode(base64Url));
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] hmac(byte[] key, byte[] data) throws GeneralSecurityException {
    Mac m = Mac.getInstance("HmacSHA256");
    m.init(new SecretKeySpec(key, "HmacSHA256"));
    return m.doFinal(data);
  }

  private static byte[] cat(byte[]... parts) {
    ByteBuffer b = ByteBuffer.allocate(Arrays.stream(parts).mapToInt(p -> p.length).sum());
    for (byte[] p : parts) {
      b.put(p);
    }
    return b.array();
  }
}
