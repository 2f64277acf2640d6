-- Nudge JDBC store, schema version 5: users' consent choices, the user of each event id, and paused campaigns, kept on the user's row as a JSON
-- object of category to allowed ("*" for every category not listed), e.g. {"*":false,"reminders":true};
-- NULL when the user never opted out. Event ids carry their user, so that forgetting a user
-- (Nudge.forgetUser) deletes them too; ids recorded before this version have none and expire.
-- Applied by JdbcStore at startup when createSchema is on (the default). To apply it by hand,
-- replace ${prefix} with your table prefix (default nudge_), run this file, then record it:
--   INSERT INTO ${prefix}schema_version (version, description, applied_at) VALUES (5, 'consent', 0);

ALTER TABLE ${prefix}users ADD COLUMN IF NOT EXISTS consent_json TEXT;
ALTER TABLE ${prefix}events ADD COLUMN IF NOT EXISTS user_id TEXT COLLATE "C";
CREATE INDEX IF NOT EXISTS ${prefix}events_user ON ${prefix}events (user_id);

-- Campaigns paused by Nudge.pause: their reminders are kept but not claimed until resumed.
CREATE TABLE IF NOT EXISTS ${prefix}paused (
  campaign_id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  paused_at   BIGINT NOT NULL
);
