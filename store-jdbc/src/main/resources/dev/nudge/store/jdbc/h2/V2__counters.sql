-- Nudge JDBC store, schema version 2, H2 2.x: statistics counters.
-- Applied by JdbcStore at startup when createSchema is on (the default). To apply it by hand,
-- replace ${prefix} with your table prefix (default nudge_), run this file, then record it:
--   INSERT INTO ${prefix}schema_version (version, description, applied_at) VALUES (2, 'counters', 0);
-- One row per campaign, step, counter and shard: each committer writes its own shard, so
-- concurrent transactions do not queue on one hot row; the count is the sum over the shards.

CREATE TABLE IF NOT EXISTS ${prefix}counters (
  campaign_id VARCHAR(256) NOT NULL,
  step        INTEGER      NOT NULL,
  counter     VARCHAR(64)  NOT NULL,
  shard       SMALLINT     NOT NULL,
  amount      BIGINT       NOT NULL,
  PRIMARY KEY (campaign_id, step, counter, shard)
);
