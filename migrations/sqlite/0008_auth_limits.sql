-- Authentication under attack (issue 10, items 6 and 12), sqlite flavour. Keep in step with the
-- other backend.

-- Keys the server makes for itself, once per database (the first process inserts, every
-- process reads the same row). `client_secret` keys the HMAC-SHA-256 of client secrets.
CREATE TABLE server_keys (
    name       TEXT PRIMARY KEY,
    key        TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Sign-in throttling: one row per key (an email at an address, or an address). Each attempt
-- is claimed in one write transaction holding the row, so parallel guesses cannot overtake the
-- count; `next_at` is when the next attempt may start (a delay that doubles per failure).
CREATE TABLE login_throttle (
    key        TEXT PRIMARY KEY,
    failures   INTEGER NOT NULL,
    next_at    TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Replaced by login_throttle.
DROP TABLE login_failures;
