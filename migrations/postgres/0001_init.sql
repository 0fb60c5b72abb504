-- Charter schema, PostgreSQL flavour. Keep in step with ../sqlite/0001_init.sql.
-- Ids are prefixed ULIDs (text). Timestamps are TIMESTAMPTZ.

CREATE TABLE advertisers (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    marketplace TEXT NOT NULL,
    currency    TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE people (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_support    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE advertiser_members (
    person_id     TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    advertiser_id TEXT NOT NULL REFERENCES advertisers(id) ON DELETE CASCADE,
    role          TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'viewer')),
    created_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (person_id, advertiser_id)
);

CREATE TABLE partners (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL CHECK (kind IN ('agency', 'tool_vendor')),
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE partner_members (
    person_id  TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    partner_id TEXT NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('developer')),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (person_id, partner_id)
);

CREATE TABLE applications (
    id          TEXT PRIMARY KEY,
    partner_id  TEXT NOT NULL REFERENCES partners(id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (partner_id, name)
);

CREATE TABLE agents (
    id             TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications(id),
    name           TEXT NOT NULL,
    description    TEXT NOT NULL,
    purposes       TEXT NOT NULL, -- JSON array of purpose codes
    party          TEXT NOT NULL CHECK (party IN ('first_party', 'third_party')),
    status         TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
    created_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (application_id, name)
);

CREATE TABLE grants (
    id            TEXT PRIMARY KEY,
    advertiser_id TEXT NOT NULL REFERENCES advertisers(id),
    agent_id      TEXT NOT NULL REFERENCES agents(id),
    status        TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'revoked')),
    purpose       TEXT NOT NULL,
    policy        TEXT,
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ,
    revoked_at    TIMESTAMPTZ,
    revoked_by    TEXT,
    updated_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (advertiser_id, agent_id)
);
CREATE INDEX grants_by_advertiser_status ON grants (advertiser_id, status);
CREATE INDEX grants_by_agent ON grants (agent_id);

CREATE TABLE audit_events (
    id            TEXT PRIMARY KEY, -- evt_ + ULID: sorts by time
    advertiser_id TEXT,
    partner_id    TEXT,
    actor_kind    TEXT NOT NULL,
    actor_id      TEXT,
    actor_label   TEXT NOT NULL,
    action        TEXT NOT NULL,
    target_kind   TEXT NOT NULL,
    target_id     TEXT NOT NULL,
    before_state  TEXT,
    after_state   TEXT,
    reason        TEXT,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX audit_by_advertiser ON audit_events (advertiser_id, id);
CREATE INDEX audit_by_target ON audit_events (target_id, id);
CREATE INDEX audit_by_partner ON audit_events (partner_id, id);

CREATE TABLE login_failures (
    id         TEXT PRIMARY KEY,
    email      TEXT NOT NULL,
    ip         TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_failures_by_email ON login_failures (email, created_at);
CREATE INDEX login_failures_by_ip ON login_failures (ip, created_at);
