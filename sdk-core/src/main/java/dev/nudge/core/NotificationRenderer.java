package dev.nudge.core;

import dev.nudge.Device;
import dev.nudge.Message;
import dev.nudge.core.Dispatcher.Target;
import dev.nudge.spi.DeviceToken;
import dev.nudge.spi.Reminder;
import dev.nudge.spi.RenderedNotification;
import dev.nudge.spi.TemplateContext;
import dev.nudge.spi.TemplateRenderer.Template;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Renders a reminder's step for each of the user's devices: the variant of the device's locale,
 * its templates filled from the trigger event, the user's attributes and the campaign id. Runs
 * before the unit of work that stores the decision, never inside it, so a host's
 * {@code TemplateRenderer} is never called under the store's locks or more than once per
 * attempt. A placeholder with no value and no default is data ({@link Rendered#missingValue()}),
 * not an exception. Stateless and thread-safe.
 */
final class NotificationRenderer {
  /**
   * A step rendered for a user's devices.
   *
   * @param targets one per active device, in the user's device order; empty when a variant had a
   *     missing value
   * @param missingValue whether some device's variant has a placeholder with no value
   * @param error what the template renderer threw, or {@code null}
   */
  record Rendered(List<Target> targets, boolean missingValue, Throwable error) {
    static final Rendered NONE = new Rendered(List.of(), false, null);

    /** The targets still to try: all of them on the first attempt, else those still pending. */
    List<Target> toTry(Reminder r) {
      if (r.attempt() == 0) {
        return targets;
      }
      List<Target> out = new ArrayList<>(r.pendingDevices().size());
      for (Target t : targets) {
        if (r.pendingDevices().contains(DeviceToken.of(t.device()))) {
          out.add(t);
        }
      }
      return out;
    }

    /** The notification of the user's first device (reported with a send), or {@code null}. */
    RenderedNotification first() {
      return targets.isEmpty() ? null : targets.get(0).notification();
    }
  }

  /**
   * Renders step {@code r.step()} of {@code c} for {@code devices} at {@code now}.
   *
   * @param expiry the reminder's expiry instant or {@code null}; a notification without a TTL of
   *     its own expires then
   */
  Rendered render(CompiledCampaign c, Reminder r, List<Device> devices, Map<String, Object> attributes,
      Instant now, Instant expiry) {
    try {
      return renderAll(c, r, devices, attributes, now, expiry);
    } catch (RuntimeException | Error e) { // a host's TemplateRenderer failed: data for the decision
      if (e instanceof VirtualMachineError vm) {
        throw vm;
      }
      return new Rendered(List.of(), false, e);
    }
  }

  private Rendered renderAll(CompiledCampaign c, Reminder r, List<Device> devices, Map<String, Object> attributes,
      Instant now, Instant expiry) {
    if (devices.isEmpty()) {
      return Rendered.NONE;
    }
    CompiledCampaign.CompiledStep step = c.steps.get(r.step());
    TemplateContext ctx = new TemplateContext(c.id, r.trigger(), attributes);
    Optional<Duration> ttl = step.step().message().ttl();
    Instant expiresAt = ttl.isPresent() ? now.plus(ttl.get()) : expiry;
    Map<CompiledCampaign.CompiledMessage, RenderedNotification> byVariant = new IdentityHashMap<>();
    List<Target> targets = new ArrayList<>(devices.size());
    for (Device d : devices) {
      CompiledCampaign.CompiledMessage m = step.forLocale(d.locale());
      RenderedNotification n = byVariant.get(m);
      if (n == null) {
        n = render(m, ctx, r, expiresAt);
        if (n == null) {
          return new Rendered(List.of(), true, null);
        }
        byVariant.put(m, n);
      }
      targets.add(new Target(d, n));
    }
    return new Rendered(List.copyOf(targets), false, null);
  }

  /** Renders one variant; {@code null} when a placeholder has no value and no default. */
  private static RenderedNotification render(CompiledCampaign.CompiledMessage m, TemplateContext ctx,
      Reminder r, Instant expiresAt) {
    String title = null;
    String body = null;
    if (m.title() != null) { // else data-only
      Optional<String> t = m.title().render(ctx);
      Optional<String> b = m.body().render(ctx);
      if (t.isEmpty() || b.isEmpty()) {
        return null;
      }
      title = t.get();
      body = b.get();
    }
    String subtitle = null;
    if (m.subtitle() != null) {
      Optional<String> s = m.subtitle().render(ctx);
      if (s.isEmpty()) {
        return null;
      }
      subtitle = s.get();
    }
    String link = null;
    if (m.deepLink() != null) {
      Optional<String> l = m.deepLink().render(ctx);
      if (l.isEmpty()) {
        return null;
      }
      link = l.get();
    }
    Map<String, String> data = new LinkedHashMap<>();
    for (Map.Entry<String, Template> e : m.data().entrySet()) {
      Optional<String> v = e.getValue().render(ctx);
      if (v.isEmpty()) {
        return null;
      }
      data.put(e.getKey(), v.get());
    }
    Message msg = m.message();
    String collapseId = msg.collapseKey().orElse(r.id());
    return new RenderedNotification(r.id(), r.campaignId(), r.step(), collapseId, title, subtitle, body,
        link, msg.imageUrl().orElse(null), data, msg.sound().orElse(null), msg.badge().orElse(null),
        msg.category().orElse(null), msg.threadId().orElse(null), msg.channel().orElse(null),
        msg.interruptionLevel().orElse(null),
        msg.priority(), expiresAt);
  }
}
