-- Nudge JDBC store, schema version 3, PostgreSQL: an index in the full due order.
-- Applied by JdbcStore at startup when createSchema is on (the default). To apply it by hand,
-- replace ${prefix} with your table prefix (default nudge_), run this file, then record it:
--   INSERT INTO ${prefix}schema_version (version, description, applied_at) VALUES (3, 'due_order', 0);
-- A claim takes the first pending reminders in due order (fire_at, campaign_id, user_id, rkey,
-- id) with FOR UPDATE SKIP LOCKED. With an index on fire_at alone PostgreSQL sorted every due
-- row on each claim (the row locks sit between the sort and the LIMIT, so the sort cannot stop
-- early); with the whole order in the index it reads the rows in order and stops at the LIMIT.
-- On a large table you may build the index first with CREATE INDEX CONCURRENTLY (same name):
-- this file then only drops the old one.

CREATE INDEX IF NOT EXISTS ${prefix}reminders_due_order
  ON ${prefix}reminders (fire_at, campaign_id, user_id, rkey, id) WHERE owner IS NULL;
DROP INDEX IF EXISTS ${prefix}reminders_due;
