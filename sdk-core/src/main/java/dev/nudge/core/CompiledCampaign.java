package dev.nudge.core;

import dev.nudge.Campaign;
import dev.nudge.Message;
import dev.nudge.Step;
import dev.nudge.spi.TemplateRenderer;
import dev.nudge.spi.TemplateRenderer.Template;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A campaign with its templates compiled, so a bad placeholder is reported when the campaign is
 * defined and sending never parses text. Immutable.
 */
final class CompiledCampaign {
  final Campaign campaign;
  final String id;
  final List<CompiledStep> steps;

  private CompiledCampaign(Campaign campaign, List<CompiledStep> steps) {
    this.campaign = campaign;
    this.id = campaign.id();
    this.steps = List.copyOf(steps);
  }

  /**
   * Compiles every template of every step and locale variant.
   *
   * @throws IllegalArgumentException naming the campaign, step, locale and field of a bad template
   */
  static CompiledCampaign compile(Campaign campaign, TemplateRenderer renderer) {
    List<CompiledStep> steps = new ArrayList<>();
    for (int i = 0; i < campaign.steps().size(); i++) {
      Step step = campaign.steps().get(i);
      String where = "campaign '" + campaign.id() + "' step " + i;
      CompiledMessage base = CompiledMessage.compile(where + " message", step.message(), renderer);
      Map<String, CompiledMessage> variants = new HashMap<>();
      for (String tag : step.message().locales().keySet()) {
        variants.put(tag, CompiledMessage.compile(where + " locale '" + tag + "'",
            step.message().forLocale(tag), renderer));
      }
      steps.add(new CompiledStep(step, base, variants));
    }
    return new CompiledCampaign(campaign, steps);
  }

  /** One step with its message compiled for the default and each locale. */
  record CompiledStep(Step step, CompiledMessage base, Map<String, CompiledMessage> variants) {
    /** The variant for a device locale: exact tag, then language, then the default. */
    CompiledMessage forLocale(Optional<String> locale) {
      if (variants.isEmpty() || locale.isEmpty()) {
        return base;
      }
      String tag = locale.get();
      CompiledMessage v = variants.get(tag);
      if (v == null) {
        int dash = tag.indexOf('-');
        if (dash > 0) {
          v = variants.get(tag.substring(0, dash));
        }
      }
      return v == null ? base : v;
    }
  }

  /** A message whose templated fields are compiled. */
  record CompiledMessage(Message message, Template title, Template subtitle, Template body, Template deepLink,
      Map<String, Template> data) {
    /** Compiles the message's templates; a data-only message has no title, subtitle or body ({@code null}). */
    static CompiledMessage compile(String where, Message m, TemplateRenderer renderer) {
      Template title = m.isDataOnly() ? null : compileField(where + " title", m.title(), renderer);
      Template subtitle = m.subtitle().isPresent()
          ? compileField(where + " subtitle", m.subtitle().get(), renderer) : null;
      Template body = m.isDataOnly() ? null : compileField(where + " body", m.body(), renderer);
      Template link = m.deepLink().isPresent()
          ? compileField(where + " deepLink", m.deepLink().get(), renderer) : null;
      Map<String, Template> data = new LinkedHashMap<>();
      m.data().forEach((k, v) -> data.put(k, compileField(where + " data '" + k + "'", v, renderer)));
      return new CompiledMessage(m, title, subtitle, body, link, data);
    }

    private static Template compileField(String where, String source, TemplateRenderer renderer) {
      try {
        return renderer.compile(source);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
      }
    }
  }
}
