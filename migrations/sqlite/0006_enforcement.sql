-- Enforcement: spend limits and their ledger, circuit breakers, breaker webhooks (sqlite flavour).
-- Keep in step with the other backend.

-- Caps per grant, in the advertiser's currency minor units; NULL = no cap. Every grant that has
-- ever reserved money has a row: reservations lock it (FOR UPDATE on PostgreSQL), which makes
-- check-then-insert atomic per grant.
CREATE TABLE spend_limits (
    grant_id      TEXT PRIMARY KEY REFERENCES grants(id),
    advertiser_id TEXT NOT NULL REFERENCES advertisers(id),
    daily_minor    BIGINT CHECK (daily_minor IS NULL OR daily_minor >= 0),
    monthly_minor  BIGINT CHECK (monthly_minor IS NULL OR monthly_minor >= 0),
    lifetime_minor BIGINT CHECK (lifetime_minor IS NULL OR lifetime_minor >= 0),
    updated_at    TEXT NOT NULL
);
CREATE INDEX spend_limits_by_advertiser ON spend_limits (advertiser_id);

-- Every reservation, and what became of it. A `reserved` row past `expires_at` counts as
-- released (its call never reported back).
CREATE TABLE spend_ledger (
    id            TEXT PRIMARY KEY, -- rsv_ + ULID
    advertiser_id TEXT NOT NULL REFERENCES advertisers(id),
    grant_id      TEXT NOT NULL REFERENCES grants(id),
    agent_id      TEXT NOT NULL REFERENCES agents(id),
    action        TEXT NOT NULL,
    resource      TEXT NOT NULL,
    amount_minor  BIGINT NOT NULL CHECK (amount_minor > 0),
    status        TEXT NOT NULL CHECK (status IN ('reserved', 'committed', 'released')),
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    settled_at    TEXT
);
CREATE INDEX spend_ledger_by_grant ON spend_ledger (grant_id, created_at);
CREATE INDEX spend_ledger_by_advertiser ON spend_ledger (advertiser_id, created_at);

-- One circuit breaker per grant: its persisted state and thresholds (NULL = the default).
CREATE TABLE breakers (
    grant_id        TEXT PRIMARY KEY REFERENCES grants(id),
    advertiser_id   TEXT NOT NULL REFERENCES advertisers(id),
    agent_id        TEXT NOT NULL REFERENCES agents(id),
    state           TEXT NOT NULL CHECK (state IN ('closed', 'open', 'half_open', 'terminated')),
    reason          TEXT,
    changed_at      TEXT NOT NULL,
    trips           BIGINT NOT NULL DEFAULT 0,
    requests_per_minute   BIGINT,
    denials_per_minute    BIGINT,
    spend_per_hour_minor  BIGINT,
    cooldown_seconds      BIGINT
);
CREATE INDEX breakers_by_advertiser ON breakers (advertiser_id, state);

-- Where an advertiser wants breaker alerts: an https URL and the HMAC-SHA256 signing secret
-- (kept in clear because signing needs it; shown once when set).
CREATE TABLE webhooks (
    advertiser_id TEXT PRIMARY KEY REFERENCES advertisers(id),
    url           TEXT NOT NULL,
    secret        TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
