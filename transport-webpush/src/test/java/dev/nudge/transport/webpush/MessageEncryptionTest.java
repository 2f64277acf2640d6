package dev.nudge.transport.webpush;

import static dev.nudge.transport.webpush.TestBrowser.B64;
import static dev.nudge.transport.webpush.TestBrowser.UNB64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** RFC 8291 message encryption, checked against the RFC's own example (section 5). */
class MessageEncryptionTest {
  // RFC 8291, section 5: the example's fixed inputs and its resulting body.
  private static final String PLAINTEXT = "When I grow up, I want to be a watermelon";
  private static final String AS_PUBLIC =
      "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
  private static final String AS_PRIVATE = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
  private static final String UA_PUBLIC =
      "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
  private static final String UA_PRIVATE = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
  private static final String AUTH = "BTBZMqHH6r4Tts7J_aSIgg";
  private static final String SALT = "DGv6ra1nlYgDCS1FRnbzlw";
  private static final String BODY = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27ml"
      + "mlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPT"
      + "pK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";

  private static KeyPair rfcSender() {
    return new KeyPair(P256.publicKey(UNB64.decode(AS_PUBLIC), "as public"),
        P256.privateKey(UNB64.decode(AS_PRIVATE), "as private"));
  }

  @Test
  void reproducesTheRfc8291ExampleByteForByte() {
    byte[] ua = UNB64.decode(UA_PUBLIC);
    byte[] body = MessageEncryption.encrypt(PLAINTEXT.getBytes(StandardCharsets.UTF_8),
        P256.publicKey(ua, "ua public"), ua, UNB64.decode(AUTH), rfcSender(), UNB64.decode(SALT));
    assertThat(B64.encodeToString(body)).isEqualTo(BODY);
  }

  @Test
  void theTestsOwnReceiverOpensTheRfcBodyWithTheUserAgentsPrivateKey() {
    byte[] ua = UNB64.decode(UA_PUBLIC);
    byte[] opened = TestBrowser.decrypt(UNB64.decode(BODY), P256.privateKey(UNB64.decode(UA_PRIVATE), "ua private"),
        ua, UNB64.decode(AUTH));
    assertThat(new String(opened, StandardCharsets.UTF_8)).isEqualTo(PLAINTEXT);
  }

  @Test
  void aFreshSaltAndKeyGiveADifferentBodyThatStillOpens() {
    TestBrowser browser = TestBrowser.subscribedAt("https://push.example/x");
    byte[] point = browser.publicPoint();
    ECPublicKey key = P256.publicKey(point, "p256dh");
    byte[] text = "{\"title\":\"Hi\"}".getBytes(StandardCharsets.UTF_8);
    byte[] a = MessageEncryption.encrypt(text, key, point, browser.auth, P256.generate(), new byte[16]);
    byte[] salt = new byte[16];
    salt[0] = 1;
    byte[] b = MessageEncryption.encrypt(text, key, point, browser.auth, P256.generate(), salt);
    assertThat(a).isNotEqualTo(b);
    assertThat(browser.decrypt(a)).isEqualTo("{\"title\":\"Hi\"}");
    assertThat(browser.decrypt(b)).isEqualTo("{\"title\":\"Hi\"}");
    assertThat(a.length).isEqualTo(86 + text.length + 1 + 16);
  }

  @Test
  void theLargestPayloadFillsA4096ByteBodyAndOneByteMoreIsRefused() {
    TestBrowser browser = TestBrowser.subscribedAt("https://push.example/x");
    byte[] point = browser.publicPoint();
    ECPublicKey key = P256.publicKey(point, "p256dh");
    byte[] largest = new byte[MessageEncryption.MAX_PLAINTEXT];
    Arrays.fill(largest, (byte) 'a');
    byte[] body = MessageEncryption.encrypt(largest, key, point, browser.auth, P256.generate(), new byte[16]);
    assertThat(body).hasSize(4096);
    assertThat(browser.decrypt(body)).hasSize(3993);
    assertThatThrownBy(() -> MessageEncryption.encrypt(new byte[3994], key, point, browser.auth, P256.generate(),
        new byte[16])).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the payload is 3994 bytes; Web Push carries at most 3993 bytes once encrypted into a 4096-byte body");
  }
}
