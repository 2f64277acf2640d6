package dev.nudge.transport.webpush;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.nudge.spi.RenderedNotification;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JSON document a notification becomes, for the host's service worker to read in its
 * {@code push} handler (see {@code docs/webpush.md}):
 *
 * <pre>{@code
 * {"title":"…","body":"…","icon":"…","image":"…","badge":"…","url":"…","tag":"…",
 *  "campaignId":"cart","step":0,"data":{"cart_id":"c1"}}
 * }</pre>
 *
 * <p>Absent values are left out; a data-only notification has no {@code title} and {@code body}.
 * {@code tag} is the collapse identity (a resend replaces the shown copy).
 */
final class WebPushPayloads {
  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

  private final String icon;
  private final String badge;

  WebPushPayloads(String icon, String badge) {
    this.icon = icon;
    this.badge = badge;
  }

  byte[] toBytes(RenderedNotification n) {
    Map<String, Object> o = new LinkedHashMap<>();
    put(o, "title", n.title());
    put(o, "body", n.body());
    put(o, "icon", n.data().getOrDefault("icon", icon));
    put(o, "image", n.imageUrl());
    put(o, "badge", badge);
    put(o, "url", n.deepLink());
    o.put("tag", n.collapseId());
    o.put("campaignId", n.campaignId());
    o.put("step", n.step());
    if (!n.data().isEmpty()) {
      o.put("data", n.data());
    }
    return GSON.toJson(o).getBytes(StandardCharsets.UTF_8);
  }

  private static void put(Map<String, Object> o, String name, String value) {
    if (value != null) {
      o.put(name, value);
    }
  }
}
