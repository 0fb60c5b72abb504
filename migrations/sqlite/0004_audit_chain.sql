-- The tamper-evident audit trail (sqlite flavour). Keep in step with ../postgres/0004_audit_chain.sql.
--
-- Every audit event belongs to one chain: its advertiser's id, or '' for events without an
-- advertiser. Within a chain, events are numbered 1, 2, 3, ... (seq) and each row carries the
-- hash of the one before (prev_hash) and its own hash over prev_hash and its canonical encoding
-- (see server/store/src/db/audit.rs). audit_chain_heads keeps the last seq and hash of every
-- chain, so deleting the tail of a chain is detected too.
--
-- Rows written before this migration are chained by `Db::migrate` right after it runs
-- (in id order per chain), so the columns stay nullable here. This migration marks them with
-- prev_hash = 'backfill': only marked rows are ever chained after the fact, so a row slipped in
-- later around the store stays outside every chain, where `charter audit verify` reports it.

ALTER TABLE audit_events ADD COLUMN chain TEXT;
ALTER TABLE audit_events ADD COLUMN seq BIGINT;
ALTER TABLE audit_events ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_events ADD COLUMN hash TEXT;
-- Filter columns, set for decision events (and agent_id also for changes that name an agent).
ALTER TABLE audit_events ADD COLUMN agent_id TEXT;
ALTER TABLE audit_events ADD COLUMN decision TEXT; -- 'allow', 'deny', or NULL for a change
ALTER TABLE audit_events ADD COLUMN catalog_action TEXT;
ALTER TABLE audit_events ADD COLUMN amount_minor BIGINT;

UPDATE audit_events SET chain = COALESCE(advertiser_id, ''), prev_hash = 'backfill';

CREATE UNIQUE INDEX audit_by_chain_seq ON audit_events (chain, seq);
CREATE INDEX audit_by_advertiser_agent ON audit_events (advertiser_id, agent_id, id);

CREATE TABLE audit_chain_heads (
    chain TEXT PRIMARY KEY,
    seq   BIGINT NOT NULL,
    hash  TEXT NOT NULL
);
