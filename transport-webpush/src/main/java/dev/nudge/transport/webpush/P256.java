package dev.nudge.transport.webpush;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.EllipticCurve;
import javax.crypto.KeyAgreement;

/**
 * The NIST P-256 curve on the JDK's own EC provider: keys to and from the X9.62 uncompressed
 * form ({@code 0x04 || X || Y}, 65 bytes) that browsers and VAPID use, key pairs, ECDH.
 */
final class P256 {
  /** Length of an uncompressed point. */
  static final int POINT_BYTES = 65;
  static final ECParameterSpec PARAMS = params();

  private static final BigInteger P = ((ECFieldFp) PARAMS.getCurve().getField()).getP();

  private P256() {}

  private static ECParameterSpec params() {
    try {
      AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
      p.init(new ECGenParameterSpec("secp256r1"));
      return p.getParameterSpec(ECParameterSpec.class);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no P-256 (secp256r1) curve", e);
    }
  }

  /**
   * A public key from its uncompressed form.
   *
   * @throws IllegalArgumentException when it is not 65 bytes starting with 4, or not a point of
   *     the curve; the message names {@code what}
   */
  static ECPublicKey publicKey(byte[] point, String what) {
    if (point.length != POINT_BYTES || point[0] != 4) {
      throw new IllegalArgumentException(what + " is " + point.length + " bytes" + (point.length > 0
          ? " starting with " + (point[0] & 0xff) : "") + "; a P-256 public key is 65 bytes, uncompressed (starting with 4)");
    }
    BigInteger x = new BigInteger(1, java.util.Arrays.copyOfRange(point, 1, 33));
    BigInteger y = new BigInteger(1, java.util.Arrays.copyOfRange(point, 33, 65));
    EllipticCurve c = PARAMS.getCurve();
    boolean onCurve = x.compareTo(P) < 0 && y.compareTo(P) < 0
        && y.modPow(BigInteger.TWO, P).equals(x.pow(3).add(c.getA().multiply(x)).add(c.getB()).mod(P));
    if (!onCurve) {
      throw new IllegalArgumentException(what + " is not a point of the P-256 curve; give the key as the browser"
          + " or key tool printed it");
    }
    try {
      return (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(x, y), PARAMS));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(what + " is not a usable P-256 public key (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** A private key from its 32-byte scalar. */
  static PrivateKey privateKey(byte[] d, String what) {
    BigInteger s = new BigInteger(1, d);
    if (d.length != 32 || s.signum() == 0 || s.compareTo(PARAMS.getOrder()) >= 0) {
      throw new IllegalArgumentException(what + " is " + d.length + " bytes" + (d.length == 32 ? " out of range" : "")
          + "; a P-256 private key is a 32-byte number below the curve's order");
    }
    try {
      return KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(s, PARAMS));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(what + " is not a usable P-256 private key (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** The uncompressed form of a public key. */
  static byte[] encode(ECPublicKey key) {
    byte[] out = new byte[POINT_BYTES];
    out[0] = 4;
    unsigned(key.getW().getAffineX(), out, 1);
    unsigned(key.getW().getAffineY(), out, 33);
    return out;
  }

  /** A fresh key pair. */
  static KeyPair generate() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(PARAMS);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("P-256 key generation failed", e);
    }
  }

  /** The ECDH shared secret (the X coordinate, 32 bytes). */
  static byte[] ecdh(PrivateKey mine, PublicKey theirs) {
    try {
      KeyAgreement ka = KeyAgreement.getInstance("ECDH");
      ka.init(mine);
      ka.doPhase(theirs, true);
      return ka.generateSecret();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("ECDH on P-256 failed: " + e.getClass().getSimpleName(), e);
    }
  }

  /** Writes {@code v} as 32 big-endian bytes at {@code offset}. */
  private static void unsigned(BigInteger v, byte[] out, int offset) {
    byte[] b = v.toByteArray();
    int skip = b.length > 32 ? b.length - 32 : 0;
    int len = b.length - skip;
    System.arraycopy(b, skip, out, offset + 32 - len, len);
  }
}
