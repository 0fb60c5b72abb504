-- Agent identity and delegation (postgres flavour). Keep in step with the other backend.

-- Grants are versioned: every change of policy, purpose or time bounds writes a new version;
-- tokens bind the version they were minted under.
ALTER TABLE grants ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE grants ADD COLUMN not_before TIMESTAMPTZ;

CREATE TABLE grant_versions (
    grant_id    TEXT NOT NULL REFERENCES grants(id),
    version     INTEGER NOT NULL,
    purpose     TEXT NOT NULL,
    policy      TEXT,
    not_before  TIMESTAMPTZ,
    expires_at  TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL,
    created_by  TEXT NOT NULL,
    note        TEXT,
    PRIMARY KEY (grant_id, version)
);

-- Client secrets: only the argon2id hash is kept. The secret's id is part of the secret, so
-- a check costs exactly one verification.
CREATE TABLE client_secrets (
    id           TEXT PRIMARY KEY,
    agent_id     TEXT NOT NULL REFERENCES agents(id),
    secret_hash  TEXT NOT NULL,
    hint         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ
);
CREATE INDEX client_secrets_by_agent ON client_secrets (agent_id);

-- Ed25519 public keys (JWK) for private_key_jwt client authentication.
CREATE TABLE client_keys (
    id         TEXT PRIMARY KEY,
    agent_id   TEXT NOT NULL REFERENCES agents(id),
    kid        TEXT NOT NULL,
    public_key TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ,
    UNIQUE (agent_id, kid)
);

-- Assertion ids seen in private_key_jwt, so an assertion cannot be replayed.
CREATE TABLE client_assertions (
    jti        TEXT PRIMARY KEY,
    agent_id   TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

-- The server's token-signing keys. Retired keys stay published until their tokens expire.
CREATE TABLE signing_keys (
    kid         INTEGER PRIMARY KEY,
    private_key TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    retired_at  TIMESTAMPTZ
);

-- Every token Charter minted. A delegated token names its parent; the tree is the delegation
-- record shown to the advertiser.
CREATE TABLE tokens (
    jti           TEXT PRIMARY KEY,
    advertiser_id TEXT NOT NULL REFERENCES advertisers(id),
    grant_id      TEXT NOT NULL REFERENCES grants(id),
    grant_version INTEGER NOT NULL,
    agent_id      TEXT NOT NULL REFERENCES agents(id),
    parent_jti    TEXT REFERENCES tokens(jti),
    depth         INTEGER NOT NULL,
    actor_chain   TEXT NOT NULL,
    policy        TEXT,
    purpose       TEXT NOT NULL,
    issued_at     TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    revoked_at    TIMESTAMPTZ
);
CREATE INDEX tokens_by_grant ON tokens (grant_id, issued_at);
CREATE INDEX tokens_by_parent ON tokens (parent_jti);
