package dev.nudge.spi;

import java.util.Optional;

/**
 * Turns message templates into each user's own text. Templates are compiled once, when a
 * campaign is defined, so a mistake is reported then and not at send time. Thread-safe.
 */
public interface TemplateRenderer {
  /**
   * Compiles a template.
   *
   * @throws IllegalArgumentException naming the placeholder and its problem, e.g. a root other
   *     than {@code event}, {@code user} or {@code campaign}, or an unknown filter
   */
  Template compile(String source);

  /** A compiled template; thread-safe. */
  interface Template {
    /**
     * Renders the template, or returns empty when a placeholder has no value and no default (the
     * send is then suppressed with reason {@code MISSING_VALUE}).
     */
    Optional<String> render(TemplateContext context);
  }
}
