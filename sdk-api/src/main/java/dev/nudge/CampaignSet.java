package dev.nudge;

import dev.nudge.internal.Checks;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A set of campaigns with the engine-wide policy they run under: what a campaigns file holds
 * ({@code Campaigns.fromJson}) and what the {@code simulate} tool replays a log through.
 *
 * <pre>{@code
 * CampaignSet set = new CampaignSet(List.of(cart, welcome), new FrequencyCap(3, Duration.ofDays(1)));
 * }</pre>
 *
 * <p>Immutable and thread-safe: the list is copied.
 *
 * @param campaigns the campaigns, in the order given; ids are unique
 * @param globalFrequencyCap at most this many sends per user across all campaigns, or
 *     {@code null} for no global cap
 * @param requiredCategories consent categories users cannot opt out of (see
 *     {@link Campaign#category()}); empty for none
 */
public record CampaignSet(List<Campaign> campaigns, FrequencyCap globalFrequencyCap, Set<String> requiredCategories) {
  /**
   * Copies the list and checks it.
   *
   * @throws IllegalArgumentException when the list or one of its campaigns is {@code null}, or
   *     two campaigns share an id
   */
  public CampaignSet {
    Checks.notNull("campaigns", campaigns);
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < campaigns.size(); i++) {
      Campaign c = Checks.notNull("campaigns[" + i + "]", campaigns.get(i));
      Integer first = seen.putIfAbsent(c.id(), i);
      if (first != null) {
        throw new IllegalArgumentException("campaigns[" + i + "] has id '" + c.id()
            + "', the same as campaigns[" + first + "]; campaign ids must be unique");
      }
    }
    campaigns = List.copyOf(campaigns);
    Set<String> required = new TreeSet<>();
    for (String category : requiredCategories == null ? Set.<String>of() : requiredCategories) {
      required.add(Campaign.checkCategory("requiredCategories item", category));
    }
    requiredCategories = Collections.unmodifiableSet(required);
  }

  /** A set with no required consent categories. */
  public CampaignSet(List<Campaign> campaigns, FrequencyCap globalFrequencyCap) {
    this(campaigns, globalFrequencyCap, Set.of());
  }

  /** A set of campaigns without a global frequency cap. */
  public static CampaignSet of(Campaign... campaigns) {
    return new CampaignSet(Arrays.asList(campaigns), null);
  }

  /** The campaign with this id, if the set has one. */
  public Optional<Campaign> campaign(String id) {
    return campaigns.stream().filter(c -> c.id().equals(id)).findFirst();
  }

  /** The global frequency cap, if any. */
  public Optional<FrequencyCap> globalCap() {
    return Optional.ofNullable(globalFrequencyCap);
  }
}
