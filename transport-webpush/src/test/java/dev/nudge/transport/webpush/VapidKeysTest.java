package dev.nudge.transport.webpush;

import static dev.nudge.transport.webpush.TestBrowser.B64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The VAPID key pair: loaded from PEM or raw keys, checked, and never shown. */
class VapidKeysTest {
  // RFC 8291 section 5's application server key pair, used here as a VAPID pair.
  private static final String PUBLIC =
      "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
  private static final String PRIVATE = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";

  @Test
  void rawBase64UrlKeysAsWebPushToolsPrintThem() {
    VapidKeys keys = VapidKeys.fromBase64Url(PUBLIC, PRIVATE);
    assertThat(keys.publicKey()).isEqualTo(PUBLIC);
    assertThat(keys.toString()).isEqualTo("VapidKeys{publicKey=BP4z9KsN6nGR…}").doesNotContain(PRIVATE);
  }

  @Test
  void aPublicKeyOfAnotherPairIsRefusedWithoutShowingThePrivateKey() {
    String other = VapidKeys.generate().publicKey();
    assertThatThrownBy(() -> VapidKeys.fromBase64Url(other, PRIVATE)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not belong to the private key").hasMessageNotContaining(PRIVATE);
    assertThatThrownBy(() -> VapidKeys.fromBase64Url(PUBLIC, "a+b/")).hasMessageContaining("not base64url")
        .hasMessageNotContaining("a+b/");
    assertThatThrownBy(() -> VapidKeys.fromBase64Url(PUBLIC, B64.encodeToString(new byte[31])))
        .hasMessageContaining("VAPID private key is 31 bytes");
  }

  @Test
  void toPemAndBackGivesTheSameKeys() {
    VapidKeys keys = VapidKeys.generate();
    String pem = keys.toPem();
    assertThat(pem).startsWith("-----BEGIN PRIVATE KEY-----\n").contains("-----BEGIN PUBLIC KEY-----");
    VapidKeys back = VapidKeys.fromPem(pem);
    assertThat(back.publicKey()).isEqualTo(keys.publicKey());
  }

  @Test
  void aPkcs8ThatCarriesItsPublicKeyNeedsNoPublicKeyBlock() {
    // An OpenSSL-style PKCS#8: the ECPrivateKey inside holds the [1] publicKey (RFC 5915).
    byte[] d = TestBrowser.UNB64.decode(PRIVATE);
    byte[] point = TestBrowser.UNB64.decode(PUBLIC);
    byte[] ecPrivateKey = seq(cat(new byte[] {2, 1, 1}, tlv(0x04, d), tlv(0xa1, tlv(0x03, cat(new byte[] {0}, point)))));
    byte[] algorithm = seq(cat(hex("06072a8648ce3d0201"), hex("06082a8648ce3d030107")));
    byte[] pkcs8 = seq(cat(new byte[] {2, 1, 0}, algorithm, tlv(0x04, ecPrivateKey)));
    String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(pkcs8)
        + "\n-----END PRIVATE KEY-----\n";
    VapidKeys keys = VapidKeys.fromPem(pem);
    assertThat(keys.publicKey()).isEqualTo(PUBLIC);
  }

  @Test
  void pemProblemsAreNamed() {
    VapidKeys keys = VapidKeys.generate();
    String privateOnly = keys.toPem().substring(0, keys.toPem().indexOf("-----BEGIN PUBLIC KEY-----"));
    assertThatThrownBy(() -> VapidKeys.fromPem(privateOnly)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has no public key").hasMessageContaining("openssl ec -pubout");
    assertThatThrownBy(() -> VapidKeys.fromPem("-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----"))
        .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
    assertThatThrownBy(() -> VapidKeys.fromPem("hello")).hasMessageContaining("has no PKCS#8 private key block");
    String otherPublic = VapidKeys.generate().toPem();
    String mixed = privateOnly + otherPublic.substring(otherPublic.indexOf("-----BEGIN PUBLIC KEY-----"));
    String privateBase64 = privateOnly.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "").substring(0, 40);
    assertThatThrownBy(() -> VapidKeys.fromPem(mixed)).hasMessageContaining("does not belong to the private key")
        .hasMessageNotContaining(privateBase64);
  }

  @Test
  void theToolWritesANewPemReadableByItsOwnerAndPrintsThePublicKey(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("vapid.pem");
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    java.io.PrintStream before = System.out;
    System.setOut(new java.io.PrintStream(printed, true, "UTF-8"));
    try {
      VapidKeys.main(new String[] {file.toString()});
    } finally {
      System.setOut(before);
    }
    VapidKeys keys = VapidKeys.fromPem(file);
    String out = printed.toString("UTF-8");
    assertThat(out).contains(keys.publicKey()).contains("applicationServerKey")
        .doesNotContain("PRIVATE KEY");
    if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
          .isEqualTo("rw-------");
    }
  }

  private static byte[] tlv(int tag, byte[] value) {
    byte[] len = value.length < 128 ? new byte[] {(byte) value.length} : new byte[] {(byte) 0x81, (byte) value.length};
    return cat(new byte[] {(byte) tag}, len, value);
  }

  private static byte[] seq(byte[] content) {
    return tlv(0x30, content);
  }

  private static byte[] hex(String h) {
    return java.util.HexFormat.of().parseHex(h);
  }

  private static byte[] cat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
