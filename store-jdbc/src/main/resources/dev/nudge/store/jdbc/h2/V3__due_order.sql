-- Nudge JDBC store, schema version 3, H2 2.x: the lease index goes.
-- Applied by JdbcStore at startup when createSchema is on (the default). To apply it by hand,
-- replace ${prefix} with your table prefix (default nudge_), run this file, then record it:
--   INSERT INTO ${prefix}schema_version (version, description, applied_at) VALUES (3, 'due_order', 0);
-- The due order index of version 1 already covers the whole due order on H2. Claims on H2 are
-- kept in the process (one process opens an embedded database), so lease_until stays empty and
-- its index only cost a write per reminder inserted or deleted.

DROP INDEX IF EXISTS ${prefix}reminders_lease;
