package dev.nudge;

/** Where an event was observed. Stop events count whatever their source. */
public enum Source {
  /** A mobile app. */
  APP,
  /** A web site or web app. */
  WEB,
  /** The host's own backend. */
  SERVER
}
