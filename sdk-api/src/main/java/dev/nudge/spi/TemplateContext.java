package dev.nudge.spi;

import java.util.Map;

/**
 * The values a template may read, and nothing else.
 *
 * @param campaignId read by {@code {{campaign.id}}}
 * @param event the trigger event's properties, read by {@code {{event.NAME}}}
 * @param user the user's attributes at send time, read by {@code {{user.NAME}}}
 */
public record TemplateContext(String campaignId, Map<String, Object> event, Map<String, Object> user) {}
