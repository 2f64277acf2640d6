-- Nudge JDBC store, schema version 1, MySQL 8 / MariaDB 10.6+ (InnoDB).
-- Applied by JdbcStore at startup when createSchema is on (the default). To apply it by hand,
-- replace ${prefix} with your table prefix (default nudge_), run this file, then record it:
--   INSERT INTO ${prefix}schema_version (version, description, applied_at) VALUES (1, 'create', 0);
-- Instants are microseconds since 1970-01-01T00:00:00Z (UTC) in BIGINT columns.
-- utf8mb4_bin: ids compare and order by code point, like Java's String.compareTo for ASCII.

CREATE TABLE IF NOT EXISTS ${prefix}schema_version (
  version     INTEGER      NOT NULL PRIMARY KEY,
  description VARCHAR(200) NOT NULL,
  applied_at  BIGINT       NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS ${prefix}users (
  user_id         VARCHAR(256) NOT NULL PRIMARY KEY,
  attributes_json MEDIUMTEXT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS ${prefix}reminders (
  id              VARCHAR(128) NOT NULL PRIMARY KEY,
  campaign_id     VARCHAR(256) NOT NULL,
  step            INTEGER NOT NULL,
  user_id         VARCHAR(256) NOT NULL,
  rkey            MEDIUMTEXT NOT NULL,
  triggered_at    BIGINT  NOT NULL,
  trigger_json    MEDIUMTEXT NOT NULL,
  due_at          BIGINT  NOT NULL,
  fire_at         BIGINT  NOT NULL,
  attempt         INTEGER NOT NULL,
  sent_at         BIGINT,
  pending_devices MEDIUMTEXT,
  accepted        INTEGER NOT NULL,
  owner           VARCHAR(256),
  lease_until     BIGINT,
  KEY ${prefix}reminders_user (user_id),
  KEY ${prefix}reminders_due (owner, fire_at),
  KEY ${prefix}reminders_lease (lease_until)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS ${prefix}devices (
  device_key CHAR(64)     NOT NULL PRIMARY KEY,
  platform   VARCHAR(16)  NOT NULL,
  token      TEXT         NOT NULL,
  user_id    VARCHAR(256) NOT NULL,
  locale     VARCHAR(256),
  zone       VARCHAR(256),
  active     BOOLEAN      NOT NULL,
  seq        BIGINT       NOT NULL AUTO_INCREMENT,
  UNIQUE KEY ${prefix}devices_seq (seq),
  KEY ${prefix}devices_user (user_id, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS ${prefix}sends (
  reminder_id VARCHAR(128) NOT NULL PRIMARY KEY,
  user_id     VARCHAR(256) NOT NULL,
  campaign_id VARCHAR(256) NOT NULL,
  step        INTEGER NOT NULL,
  sent_at     BIGINT  NOT NULL,
  converted   BOOLEAN NOT NULL,
  KEY ${prefix}sends_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS ${prefix}last_sent (
  user_id     VARCHAR(256) NOT NULL,
  campaign_id VARCHAR(256) NOT NULL,
  sent_at     BIGINT NOT NULL,
  PRIMARY KEY (user_id, campaign_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS ${prefix}events (
  event_id VARCHAR(256) NOT NULL PRIMARY KEY,
  seen_at  BIGINT NOT NULL,
  KEY ${prefix}events_seen (seen_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
