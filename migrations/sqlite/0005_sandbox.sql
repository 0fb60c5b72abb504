-- The sandbox Ads API's data (sqlite flavour). Keep in step with the other backend.
--
-- These tables simulate the ad platform behind `/sandbox/v1/`, one set per advertiser. Ids are
-- numeric like Amazon's (random 15-digit numbers; report ids are UUIDs). Money is in the
-- advertiser's currency minor units. Every row carries its advertiser, and children reference
-- their parent *together with* the advertiser, so a row can never hang under another account's.

CREATE TABLE sandbox_profiles (
    id                    INTEGER PRIMARY KEY,
    advertiser_id         TEXT NOT NULL UNIQUE REFERENCES advertisers(id),
    country_code          TEXT NOT NULL,
    currency_code         TEXT NOT NULL,
    timezone              TEXT NOT NULL,
    account_name          TEXT NOT NULL,
    account_type          TEXT NOT NULL CHECK (account_type IN ('seller', 'vendor')),
    marketplace_string_id TEXT NOT NULL,
    created_at            TEXT NOT NULL
);

CREATE TABLE sandbox_campaigns (
    id                 INTEGER PRIMARY KEY,
    advertiser_id      TEXT NOT NULL REFERENCES advertisers(id),
    program            TEXT NOT NULL CHECK (program IN ('sp', 'sb', 'sd')),
    name               TEXT NOT NULL,
    state              TEXT NOT NULL CHECK (state IN ('enabled', 'paused', 'archived')),
    daily_budget_minor INTEGER NOT NULL CHECK (daily_budget_minor > 0),
    start_date         TEXT NOT NULL,
    end_date           TEXT,
    targeting_type     TEXT NOT NULL CHECK (targeting_type IN ('manual', 'auto')),
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    UNIQUE (advertiser_id, id),
    CHECK (end_date IS NULL OR end_date >= start_date)
);
CREATE INDEX sandbox_campaigns_by_advertiser ON sandbox_campaigns (advertiser_id, program, state);

CREATE TABLE sandbox_ad_groups (
    id                INTEGER PRIMARY KEY,
    advertiser_id     TEXT NOT NULL,
    campaign_id       INTEGER NOT NULL,
    name              TEXT NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('enabled', 'paused', 'archived')),
    default_bid_minor INTEGER NOT NULL CHECK (default_bid_minor > 0),
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    UNIQUE (advertiser_id, id),
    FOREIGN KEY (advertiser_id, campaign_id) REFERENCES sandbox_campaigns (advertiser_id, id)
);
CREATE INDEX sandbox_ad_groups_by_campaign ON sandbox_ad_groups (advertiser_id, campaign_id);

CREATE TABLE sandbox_keywords (
    id            INTEGER PRIMARY KEY,
    advertiser_id TEXT NOT NULL,
    campaign_id   INTEGER NOT NULL,
    ad_group_id   INTEGER NOT NULL,
    keyword_text  TEXT NOT NULL,
    match_type    TEXT NOT NULL CHECK (match_type IN ('exact', 'phrase', 'broad')),
    state         TEXT NOT NULL CHECK (state IN ('enabled', 'paused', 'archived')),
    bid_minor     INTEGER NOT NULL CHECK (bid_minor > 0),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (ad_group_id, keyword_text, match_type),
    FOREIGN KEY (advertiser_id, campaign_id) REFERENCES sandbox_campaigns (advertiser_id, id),
    FOREIGN KEY (advertiser_id, ad_group_id) REFERENCES sandbox_ad_groups (advertiser_id, id)
);
CREATE INDEX sandbox_keywords_by_ad_group ON sandbox_keywords (advertiser_id, ad_group_id);

CREATE TABLE sandbox_targets (
    id               INTEGER PRIMARY KEY,
    advertiser_id    TEXT NOT NULL,
    campaign_id      INTEGER NOT NULL,
    ad_group_id      INTEGER NOT NULL,
    expression_type  TEXT NOT NULL,
    expression_value TEXT,
    state            TEXT NOT NULL CHECK (state IN ('enabled', 'paused', 'archived')),
    bid_minor        INTEGER NOT NULL CHECK (bid_minor > 0),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    FOREIGN KEY (advertiser_id, campaign_id) REFERENCES sandbox_campaigns (advertiser_id, id),
    FOREIGN KEY (advertiser_id, ad_group_id) REFERENCES sandbox_ad_groups (advertiser_id, id)
);
CREATE INDEX sandbox_targets_by_ad_group ON sandbox_targets (advertiser_id, ad_group_id);

-- Report jobs: pending → processing → completed; the payload (JSON rows) is written once.
CREATE TABLE sandbox_reports (
    id            TEXT PRIMARY KEY,
    advertiser_id TEXT NOT NULL REFERENCES advertisers(id),
    name          TEXT NOT NULL,
    report_type   TEXT NOT NULL CHECK (report_type IN ('sp_campaigns', 'sp_targeting')),
    time_unit     TEXT NOT NULL CHECK (time_unit IN ('summary', 'daily')),
    columns       TEXT NOT NULL,
    start_date    TEXT NOT NULL,
    end_date      TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'processing', 'completed')),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    completed_at  TEXT,
    payload       TEXT,
    CHECK (end_date >= start_date)
);
CREATE INDEX sandbox_reports_by_advertiser ON sandbox_reports (advertiser_id, created_at);

-- Invoices (read-only through the API).
CREATE TABLE sandbox_invoices (
    id            INTEGER PRIMARY KEY,
    advertiser_id TEXT NOT NULL REFERENCES advertisers(id),
    period_start  TEXT NOT NULL,
    period_end    TEXT NOT NULL,
    amount_minor  INTEGER NOT NULL CHECK (amount_minor >= 0),
    tax_minor     INTEGER NOT NULL CHECK (tax_minor >= 0),
    currency      TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('issued', 'paid')),
    issued_at     TEXT NOT NULL,
    due_date      TEXT NOT NULL,
    paid_at       TEXT,
    CHECK (period_end >= period_start)
);
CREATE INDEX sandbox_invoices_by_advertiser ON sandbox_invoices (advertiser_id, period_start);
