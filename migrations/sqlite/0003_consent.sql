-- Consent, guardrails and application ceilings (sqlite flavour). Keep in step with the other backend.

-- A partner application asks an advertiser for access for one of its agents.
CREATE TABLE access_requests (
    id              TEXT PRIMARY KEY,
    advertiser_id   TEXT NOT NULL REFERENCES advertisers(id),
    application_id  TEXT NOT NULL REFERENCES applications(id),
    agent_id        TEXT NOT NULL REFERENCES agents(id),
    purpose         TEXT NOT NULL,
    policy          TEXT NOT NULL,
    expires_at      TEXT,
    note            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied')),
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    decided_at      TEXT,
    decided_by      TEXT,
    decision_note   TEXT,
    approved_policy TEXT
);
CREATE INDEX access_requests_by_advertiser ON access_requests (advertiser_id, status, created_at);
CREATE INDEX access_requests_by_application ON access_requests (application_id, created_at);

-- The advertiser's critical permissions: access no agent may hold.
CREATE TABLE guardrails (
    id            TEXT PRIMARY KEY,
    advertiser_id TEXT NOT NULL REFERENCES advertisers(id),
    name          TEXT NOT NULL,
    actions       TEXT NOT NULL,
    resources     TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    removed_at    TEXT
);
CREATE INDEX guardrails_by_advertiser ON guardrails (advertiser_id);

-- What an application may hold on an account, consented by the advertiser: every agent grant
-- under the application is proved to be within it.
CREATE TABLE app_ceilings (
    application_id TEXT NOT NULL REFERENCES applications(id),
    advertiser_id  TEXT NOT NULL REFERENCES advertisers(id),
    policy         TEXT NOT NULL,
    version        INTEGER NOT NULL,
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL,
    PRIMARY KEY (application_id, advertiser_id)
);
