-- Access requests only to advertisers the partner is known to (issue 10, item 10), postgres
-- flavour. Keep in step with the other backend. An advertiser knows a partner when an agent of
-- the partner holds or held a grant on it, or when the partner redeemed one of its invitations.

-- A one-time code an owner or admin gives to a partner. Only its keyed hash is stored
-- (HMAC-SHA-256 under the `client_secret` server key, as client secrets are); a code is open
-- until it is redeemed, withdrawn or expires.
CREATE TABLE invitations (
    id            TEXT PRIMARY KEY,
    advertiser_id TEXT NOT NULL REFERENCES advertisers(id),
    code_hash     TEXT NOT NULL UNIQUE,
    label         TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    created_by    TEXT NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    redeemed_at   TIMESTAMPTZ,
    redeemed_by   TEXT,
    partner_id    TEXT REFERENCES partners(id),
    withdrawn_at  TIMESTAMPTZ,
    withdrawn_by  TEXT
);
CREATE INDEX invitations_by_advertiser ON invitations (advertiser_id, created_at);

-- The partners an advertiser introduced, each by the invitation it redeemed first.
CREATE TABLE partner_advertisers (
    partner_id    TEXT NOT NULL REFERENCES partners(id),
    advertiser_id TEXT NOT NULL REFERENCES advertisers(id),
    invitation_id TEXT NOT NULL REFERENCES invitations(id),
    created_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (partner_id, advertiser_id)
);
CREATE INDEX partner_advertisers_by_advertiser ON partner_advertisers (advertiser_id);
