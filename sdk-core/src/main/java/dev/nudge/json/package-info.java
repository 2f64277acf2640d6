/**
 * Campaigns as JSON: {@link dev.nudge.json.Campaigns} reads a campaigns file into a
 * {@link dev.nudge.CampaignSet} and writes one back, every builder feature included.
 */
package dev.nudge.json;
