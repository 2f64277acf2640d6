package dev.nudge.transport.webpush;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The application server's VAPID key pair (RFC 8292), on P-256: the private key signs each push
 * service's token, the public key is the {@code applicationServerKey} the host's web page
 * subscribes with ({@link #publicKey()}), so a push service only accepts this server's messages
 * for its subscriptions. Keep one key pair for the life of the subscriptions: a new one orphans
 * them.
 *
 * <p>Load it from a PEM (a PKCS#8 {@code PRIVATE KEY}, with its public key inside or as a
 * {@code PUBLIC KEY} block beside it, as {@link #toPem()} writes) or from the two raw base64url
 * keys that web-push tools print. To make one, run
 * {@code java -cp nudge-transport-webpush.jar dev.nudge.transport.webpush.VapidKeys vapid.pem}:
 * it writes the PEM (readable by its owner only) and prints the public key.
 *
 * <p>Immutable and thread-safe. The private key never appears in {@link #toString()}, logs or
 * exception messages.
 */
public final class VapidKeys {
  private static final Pattern PEM = Pattern.compile(
      "-----BEGIN ([A-Z ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)-----END \\1-----");
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private final PrivateKey privateKey;
  private final ECPublicKey publicKey;
  private final byte[] publicPoint;
  private final String publicBase64;

  private VapidKeys(PrivateKey privateKey, ECPublicKey publicKey) {
    this.privateKey = privateKey;
    this.publicKey = publicKey;
    this.publicPoint = P256.encode(publicKey);
    this.publicBase64 = B64.encodeToString(publicPoint);
  }

  /** A new random key pair. */
  public static VapidKeys generate() {
    KeyPair pair = P256.generate();
    return new VapidKeys(pair.getPrivate(), (ECPublicKey) pair.getPublic());
  }

  /**
   * The keys as web-push tools print them: the public key (65 bytes, uncompressed) and the
   * private key (the 32-byte scalar), both base64url.
   *
   * @throws IllegalArgumentException when a key is not base64url, has the wrong length, or the two
   *     do not belong together (the message never shows the private key)
   */
  public static VapidKeys fromBase64Url(String publicKey, String privateKey) {
    byte[] pub = decode(publicKey, "VAPID public key");
    byte[] d = decode(privateKey, "VAPID private key");
    try {
      return checked(P256.privateKey(d, "VAPID private key"), P256.publicKey(pub, "VAPID public key"));
    } finally {
      Arrays.fill(d, (byte) 0);
    }
  }

  /**
   * The keys from PEM text: a PKCS#8 {@code PRIVATE KEY} block (as {@code openssl genpkey} or
   * {@code openssl pkcs8 -topk8 -nocrypt} writes it) and its public key, from inside the PKCS#8
   * or from a {@code PUBLIC KEY} block in the same text.
   *
   * @throws IllegalArgumentException saying what is missing or wrong (never the key itself)
   */
  public static VapidKeys fromPem(String pem) {
    if (pem == null || pem.isBlank()) {
      throw new IllegalArgumentException("VAPID key PEM is empty; give the contents of the PEM file");
    }
    byte[] pkcs8 = null;
    byte[] spki = null;
    Matcher m = PEM.matcher(pem);
    while (m.find()) {
      byte[] der;
      try {
        der = Base64.getMimeDecoder().decode(m.group(2));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("VAPID key PEM block " + m.group(1) + " is not valid base64");
      }
      switch (m.group(1)) {
        case "PRIVATE KEY" -> pkcs8 = der;
        case "PUBLIC KEY" -> spki = der;
        case "EC PRIVATE KEY" -> throw new IllegalArgumentException("VAPID key PEM holds an 'EC PRIVATE KEY' (SEC1);"
            + " convert it to PKCS#8 with: openssl pkcs8 -topk8 -nocrypt -in key.pem");
        case "ENCRYPTED PRIVATE KEY" -> throw new IllegalArgumentException("VAPID key PEM is encrypted; give it"
            + " unencrypted (openssl pkcs8 -topk8 -nocrypt) from the host's secret store");
        default -> { }
      }
    }
    if (pkcs8 == null) {
      throw new IllegalArgumentException("VAPID key PEM has no PKCS#8 private key block; give a PKCS#8"
          + " P-256 key, e.g. from: java -cp nudge-transport-webpush.jar dev.nudge.transport.webpush.VapidKeys vapid.pem");
    }
    PrivateKey priv;
    try {
      priv = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("VAPID key PEM's PRIVATE KEY is not an EC key in PKCS#8 ("
          + e.getClass().getSimpleName() + "); VAPID uses a P-256 key");
    }
    if (!(priv instanceof ECPrivateKey ec) || !ec.getParams().getOrder().equals(P256.PARAMS.getOrder())) {
      throw new IllegalArgumentException("VAPID key PEM's PRIVATE KEY is not on the P-256 curve; VAPID signs with"
          + " ES256 (P-256)");
    }
    ECPublicKey pub;
    if (spki != null) {
      try {
        pub = (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(spki));
      } catch (GeneralSecurityException | ClassCastException e) {
        throw new IllegalArgumentException("VAPID key PEM's PUBLIC KEY is not an EC public key");
      }
    } else {
      byte[] point = Der.embeddedPublicKey(pkcs8);
      if (point == null) {
        throw new IllegalArgumentException("VAPID key PEM has no public key: its PKCS#8 does not carry one and there"
            + " is no '-----BEGIN PUBLIC KEY-----' block; append the output of: openssl ec -pubout -in key.pem");
      }
      pub = P256.publicKey(point, "VAPID public key in the PKCS#8");
    }
    return checked(priv, pub);
  }

  /** The keys from a PEM file (see {@link #fromPem(String)}). */
  public static VapidKeys fromPem(Path file) {
    try {
      return fromPem(Files.readString(file, StandardCharsets.ISO_8859_1)); // PEM is ASCII; a stray BOM is skipped
    } catch (IOException e) {
      throw new IllegalArgumentException("VAPID key file " + file + " could not be read (" + e.getClass().getSimpleName()
          + ")", e);
    }
  }

  private static VapidKeys checked(PrivateKey priv, ECPublicKey pub) {
    if (!pub.getParams().getOrder().equals(P256.PARAMS.getOrder())) {
      throw new IllegalArgumentException("VAPID public key is not on the P-256 curve; VAPID signs with ES256 (P-256)");
    }
    VapidKeys keys = new VapidKeys(priv, pub);
    byte[] probe = "nudge vapid key check".getBytes(StandardCharsets.US_ASCII);
    try {
      Signature verify = Signature.getInstance("SHA256withECDSAinP1363Format");
      verify.initVerify(pub);
      verify.update(probe);
      if (!verify.verify(keys.sign(probe))) {
        throw new IllegalArgumentException("VAPID public key " + keys.shortPublicKey()
            + " does not belong to the private key; give the two keys of one pair");
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("ES256 is not available on this JDK", e);
    }
    return keys;
  }

  private static byte[] decode(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(what + " is missing; give it base64url, as web-push tools print it");
    }
    try {
      return Base64.getUrlDecoder().decode(value.trim().replaceAll("=+$", ""));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + " is not base64url (A-Z, a-z, 0-9, - and _)");
    }
  }

  /** The public key, base64url: the {@code applicationServerKey} for {@code pushManager.subscribe}. */
  public String publicKey() {
    return publicBase64;
  }

  /** The keys as PEM text: the PKCS#8 private key and the public key; store it as a secret. */
  public String toPem() {
    return pem("PRIVATE KEY", privateKey.getEncoded()) + pem("PUBLIC KEY", publicKey.getEncoded());
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  /** ES256 signature in JOSE form ({@code r || s}, 64 bytes). */
  byte[] sign(byte[] data) {
    try {
      Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
      s.initSign(privateKey);
      s.update(data);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("ES256 signing failed: " + e.getClass().getSimpleName(), e);
    }
  }

  /** The first characters of the public key, to name it in messages. */
  String shortPublicKey() {
    return publicBase64.substring(0, 12) + "…";
  }

  /** Only the start of the public key; never the private key. */
  @Override
  public String toString() {
    return "VapidKeys{publicKey=" + shortPublicKey() + "}";
  }

  /**
   * Generates a key pair into a new PEM file (readable by its owner only, where the file system
   * allows) and prints the public key for the web page.
   *
   * @param args the PEM file to write; it must not exist yet
   * @throws IOException when the file cannot be written
   */
  public static void main(String[] args) throws IOException {
    PrintStream out = System.out;
    if (args.length != 1 || args[0].startsWith("-")) {
      out.println("usage: java -cp nudge-transport-webpush.jar dev.nudge.transport.webpush.VapidKeys <new-file.pem>");
      out.println("  writes a new VAPID key pair to the file and prints the public key");
      System.exit(2);
      return;
    }
    Path file = Path.of(args[0]);
    VapidKeys keys = generate();
    try {
      try {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException e) {
        Files.createFile(file); // not a POSIX file system: the host protects the file
      }
    } catch (FileAlreadyExistsException e) {
      System.err.println(file + " exists; a new key pair would orphan the subscriptions made with the old one."
          + " Give a new file name.");
      System.exit(1);
      return;
    }
    Files.writeString(file, keys.toPem(), StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
    out.println("Wrote the VAPID key pair to " + file + " (keep it secret; load it with VapidKeys.fromPem(path)).");
    out.println("Public key (applicationServerKey):");
    out.println(keys.publicKey());
    out.println();
    out.println("In the web page:");
    out.println("  registration.pushManager.subscribe({userVisibleOnly: true,");
    out.println("      applicationServerKey: '" + keys.publicKey() + "'})");
  }

  /** Just enough DER to find the public key a PKCS#8 EC private key may carry (RFC 5915). */
  private static final class Der {
    private final byte[] b;
    private int pos;
    private int tag;
    private int start;
    private int end;

    private Der(byte[] b, int from) {
      this.b = b;
      this.pos = from;
    }

    /** Reads the next element's header; false at the end. */
    private boolean next(int limit) {
      if (pos >= limit) {
        return false;
      }
      tag = b[pos++] & 0xff;
      int len = b[pos++] & 0xff;
      if (len > 0x80) {
        int n = len & 0x7f;
        len = 0;
        for (int i = 0; i < n; i++) {
          len = (len << 8) | (b[pos++] & 0xff);
        }
      }
      start = pos;
      end = pos + len;
      if (len < 0 || end > limit) {
        throw new IndexOutOfBoundsException();
      }
      pos = end;
      return true;
    }

    static byte[] embeddedPublicKey(byte[] pkcs8) {
      try {
        Der outer = new Der(pkcs8, 0);
        outer.next(pkcs8.length); // PrivateKeyInfo SEQUENCE
        Der info = new Der(pkcs8, outer.start);
        int infoEnd = outer.end;
        byte[] point = null;
        while (info.next(infoEnd)) {
          if (info.tag == 0x04) { // privateKey OCTET STRING holding the ECPrivateKey
            Der ec = new Der(pkcs8, info.start);
            ec.next(info.end); // ECPrivateKey SEQUENCE
            Der fields = new Der(pkcs8, ec.start);
            while (fields.next(ec.end)) {
              if (fields.tag == 0xa1) { // [1] publicKey
                point = bitString(pkcs8, fields.start, fields.end);
              }
            }
          } else if (info.tag == 0x81 || info.tag == 0xa1) { // OneAsymmetricKey's publicKey
            point = info.tag == 0x81 ? Arrays.copyOfRange(pkcs8, info.start + 1, info.end)
                : bitString(pkcs8, info.start, info.end);
          }
        }
        return point;
      } catch (IndexOutOfBoundsException e) {
        return null;
      }
    }

    private static byte[] bitString(byte[] b, int from, int limit) {
      Der d = new Der(b, from);
      if (!d.next(limit) || d.tag != 0x03 || d.end - d.start < 2) {
        return null;
      }
      return Arrays.copyOfRange(b, d.start + 1, d.end); // skip the unused-bits byte
    }
  }
}
