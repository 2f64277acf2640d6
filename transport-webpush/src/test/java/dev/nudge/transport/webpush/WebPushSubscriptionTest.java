package dev.nudge.transport.webpush;

import static dev.nudge.transport.webpush.TestBrowser.B64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A browser subscription as a device token: read, checked, and written in one canonical form. */
class WebPushSubscriptionTest {
  private final TestBrowser browser = TestBrowser.subscribedAt("https://fcm.googleapis.com/fcm/send/dJ9abc:APA91b");
  private final String p256dh = B64.encodeToString(browser.publicPoint());
  private final String auth = B64.encodeToString(browser.auth);

  @Test
  void theBrowsersJsonIsReadAndWrittenCanonically() {
    WebPushSubscription s = WebPushSubscription.parse(browser.subscriptionJson());
    assertThat(s.endpoint()).isEqualTo(browser.endpoint);
    assertThat(s.origin()).isEqualTo("https://fcm.googleapis.com");
    assertThat(s.p256dh()).isEqualTo(browser.publicPoint());
    assertThat(s.auth()).isEqualTo(browser.auth);
    assertThat(s.token()).isEqualTo("{\"endpoint\":\"" + browser.endpoint + "\",\"keys\":{\"p256dh\":\"" + p256dh
        + "\",\"auth\":\"" + auth + "\"}}");

    String spacedPadded = "{ \"keys\" : { \"auth\" : \"" + auth + "==\", \"p256dh\" : \"" + p256dh + "\" },\n"
        + " \"endpoint\" : \"" + browser.endpoint + "\" }";
    assertThat(WebPushSubscription.parse(spacedPadded)).isEqualTo(s);
    assertThat(WebPushSubscription.parse(spacedPadded).token()).isEqualTo(s.token());
    assertThat(WebPushSubscription.of(browser.endpoint, p256dh, auth)).isEqualTo(s);
  }

  @Test
  void toStringShowsTheOriginOnly() {
    WebPushSubscription s = WebPushSubscription.parse(browser.subscriptionJson());
    assertThat(s.toString()).isEqualTo("WebPushSubscription{https://fcm.googleapis.com/…}")
        .doesNotContain("dJ9abc").doesNotContain(auth);
  }

  @Test
  void whatIsWrongIsSaid() {
    assertThatThrownBy(() -> WebPushSubscription.parse("https://fcm.googleapis.com/fcm/send/x"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not JSON");
    assertThatThrownBy(() -> WebPushSubscription.parse("{\"endpoint\":\"https://a.example/x\"}"))
        .hasMessageContaining("has no \"keys\" object");
    assertThatThrownBy(() -> WebPushSubscription.of("http://push.example/x", p256dh, auth))
        .hasMessage("web push subscription endpoint 'http://push.example' is not an https URL; push services are"
            + " reached over https only");
    assertThatThrownBy(() -> WebPushSubscription.of("https://user:pw@push.example/x", p256dh, auth))
        .hasMessageContaining("carries user info").hasMessageNotContaining("pw");
    assertThatThrownBy(() -> WebPushSubscription.of("https://push.example/x", p256dh.substring(0, 40), auth))
        .hasMessageStartingWith("web push subscription keys.p256dh is 30 bytes starting with 4; a P-256 public key is"
            + " 65 bytes");
    String standardBase64 = p256dh.replace('-', '+').replace('_', '/');
    if (!standardBase64.equals(p256dh)) {
      assertThatThrownBy(() -> WebPushSubscription.of("https://push.example/x", standardBase64, auth))
          .hasMessageContaining("keys.p256dh is not base64url").hasMessageContaining("standard base64");
    }
    byte[] offCurve = browser.publicPoint();
    offCurve[64] ^= 1;
    assertThatThrownBy(() -> WebPushSubscription.of("https://push.example/x", B64.encodeToString(offCurve), auth))
        .hasMessageContaining("keys.p256dh is not a point of the P-256 curve");
    assertThatThrownBy(() -> WebPushSubscription.of("https://push.example/x", p256dh, B64.encodeToString(new byte[12])))
        .hasMessage("web push subscription keys.auth is 12 bytes; the authentication secret is 16 bytes"
            + " (22 base64url characters)");
    assertThatThrownBy(() -> WebPushSubscription.of("https://push.example/x", p256dh, null))
        .hasMessageContaining("keys.auth is missing");
    for (String endpoint : List.of("fcm.googleapis.com/fcm/send/CAPABILITY", "https:fcm.googleapis.com/fcm/send/CAPABILITY",
        "ftp://x/CAPABILITY", "http://user:CAPABILITY@push.example/x")) {
      assertThatThrownBy(() -> WebPushSubscription.of(endpoint, p256dh, auth)).as(endpoint)
          .hasMessageContaining("is not an https URL").hasMessageNotContaining("CAPABILITY");
    }
  }
}
