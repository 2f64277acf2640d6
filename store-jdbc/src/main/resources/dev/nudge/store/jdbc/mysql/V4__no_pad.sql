-- Nudge JDBC store, schema version 4, MySQL 8 / MariaDB 10.6+: a binary collation that does not
-- ignore trailing spaces. utf8mb4_bin pads with spaces when it compares, so "u1" and "u1 " were
-- the same user id, campaign id or key. ${no_pad_bin} is utf8mb4_nopad_bin on MariaDB and
-- utf8mb4_0900_bin on MySQL 8: both compare by code point, like Java's String.compareTo for ASCII.
-- Applied by JdbcStore at startup when createSchema is on (the default). To apply it by hand,
-- replace ${prefix} and ${no_pad_bin}, run this file, then record it:
--   INSERT INTO ${prefix}schema_version (version, description, applied_at) VALUES (4, 'no_pad', 0);

ALTER TABLE ${prefix}schema_version CONVERT TO CHARACTER SET utf8mb4 COLLATE ${no_pad_bin};
ALTER TABLE ${prefix}users CONVERT TO CHARACTER SET utf8mb4 COLLATE ${no_pad_bin};
ALTER TABLE ${prefix}reminders CONVERT TO CHARACTER SET utf8mb4 COLLATE ${no_pad_bin};
ALTER TABLE ${prefix}devices CONVERT TO CHARACTER SET utf8mb4 COLLATE ${no_pad_bin};
ALTER TABLE ${prefix}sends CONVERT TO CHARACTER SET utf8mb4 COLLATE ${no_pad_bin};
ALTER TABLE ${prefix}last_sent CONVERT TO CHARACTER SET utf8mb4 COLLATE ${no_pad_bin};
ALTER TABLE ${prefix}events CONVERT TO CHARACTER SET utf8mb4 COLLATE ${no_pad_bin};
ALTER TABLE ${prefix}counters CONVERT TO CHARACTER SET utf8mb4 COLLATE ${no_pad_bin};
