package dev.nudge.core;

import java.lang.System.Logger.Level;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The reminders in the store whose campaign this engine does not define: held, neither claimed
 * nor resolved nor cancelled, until the host defines the campaign (after a restart, campaigns
 * defined in code are known again only once the host defines them) or removes it. Logged once per
 * campaign id, not once per reminder. Thread-safe.
 */
final class HeldReminders {
  private static final System.Logger LOG = System.getLogger("dev.nudge");

  private final RuleIndex rules;
  private final Set<String> logged = new HashSet<>();

  HeldReminders(RuleIndex rules) {
    this.rules = rules;
  }

  /** Held reminders per campaign id, from the store's counts per campaign. */
  Map<String, Long> of(Map<String, Long> countByCampaign) {
    Set<String> defined = rules.ids();
    Map<String, Long> held = new TreeMap<>();
    countByCampaign.forEach((id, n) -> {
      if (!defined.contains(id) && n > 0) {
        held.put(id, n);
      }
    });
    return held;
  }

  /** Logs each campaign id that has held reminders and was not logged since it last had none. */
  void report(Map<String, Long> countByCampaign) {
    Map<String, Long> held = of(countByCampaign);
    synchronized (logged) {
      logged.retainAll(held.keySet());
      held.forEach((id, n) -> {
        if (logged.add(id)) {
          LOG.log(Level.WARNING, n + " reminder(s) of campaign '" + id + "' are held: this engine does not"
              + " define the campaign. Define it to send them, or remove(\"" + id + "\") to cancel them.");
        }
      });
    }
  }
}
