//! Hostile tests: money (issue 10, items 2 and 3; item 4's races are in `races.rs`). A rogue
//! agent holding one token tries to spend past its caps: capacity in later months, open ends,
//! bids set at creation, amounts that overflow the sums. Every story runs over HTTP
//! against the real server, on SQLite and PostgreSQL; outcomes are read back from the store.

use crate::common::{self, Backend, Client, TestApp, spawn_app};
use authz::AccessLevel;
use charter_sandbox::money::EXPECTED_DAILY_CLICKS;
use charter_server::demo;
use charter_store::model::*;
use charter_store::{
    Campaign, CampaignId, EntityName, EntityState, LedgerEntry, NewAdGroup, NewAgent, NewCampaign,
    NewGrant, Pool, Program, SpendLimits, TargetingType, Written,
};
use chrono::{Datelike, Duration, NaiveDate, Utc};
use serde_json::{Value, json};

backend_tests!(
    later_months_and_open_ends_commit_their_capacity,
    keyword_and_target_creation_commit_their_bid,
    the_max_bid_cap_covers_creation,
    pdp_refuses_amounts_above_the_maximum,
    revoke_path_answers_with_extreme_spend_rows,
);

/// The fewest days of any month: whatever today is, capacity an open-ended change adds covers at
/// least this many days of spend (so the next month is never free).
const A_MONTH: i64 = 28;

fn actor() -> Actor {
    Actor::System {
        label: "hostile money test".into(),
    }
}

/// A rogue agent of its own partner, with one grant on Northwind and a token for it.
pub struct Rogue {
    pub app: TestApp,
    pub adv: Advertiser,
    pub grant: Grant,
    token: String,
    http: reqwest::Client,
}

/// Everything on Sponsored Products on the account (no bid cap).
pub fn sp_policy(adv: &Advertiser) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{ "Sid": "AllSp", "Effect": "Allow", "Action": "sp:*", "Resource": format!("arn:ads:*:{}:*", adv.id) }]
    })
    .to_string()
}

/// The grant editor's policy: every Sponsored Products cell with a maximum bid.
fn capped_policy(adv: &Advertiser, max_bid: &str) -> String {
    let spec = authz::matrix::MatrixSpec {
        cells: [
            AccessLevel::List,
            AccessLevel::Read,
            AccessLevel::Write,
            AccessLevel::Spend,
        ]
        .into_iter()
        .map(|level| ("sp".to_string(), level))
        .collect(),
        resources: vec![format!(
            "arn:ads:{}:{}:*",
            adv.marketplace.code().to_ascii_lowercase(),
            adv.id
        )],
        max_bid: Some(max_bid.to_string()),
        ..Default::default()
    };
    authz::matrix::policy_from_matrix(&spec, authz::Catalog::builtin())
        .expect("a matrix policy")
        .1
}

pub async fn rogue(backend: Backend, policy: impl Fn(&Advertiser) -> String) -> Rogue {
    let app = spawn_app(backend).await;
    let store = app.store.clone();
    let adv = app.advertiser(demo::NORTHWIND).await;
    let name = |s: &str| Name::parse("name", s).expect("a name");
    let partner = store
        .create_partner(
            &actor(),
            &name(&format!("Rogue Partner {}", ulid::Ulid::new())),
            PartnerKind::ToolVendor,
        )
        .await
        .expect("partner");
    let application = store
        .create_application(&actor(), &partner.id, &name("Rogue App"), "test")
        .await
        .expect("application");
    let agent = store
        .create_agent(
            &actor(),
            &partner.id,
            NewAgent {
                application: application.id.clone(),
                name: name("Rogue"),
                description: String::new(),
                purposes: vec![Purpose::BidOptimization],
                party: Party::ThirdParty,
            },
        )
        .await
        .expect("agent");
    let secret = store
        .create_client_secret(&actor(), &partner.id, &agent.id)
        .await
        .expect("secret");
    let grant = store
        .create_grant(
            &actor(),
            NewGrant {
                advertiser_id: adv.id.clone(),
                agent_id: agent.id.clone(),
                purpose: Purpose::BidOptimization,
                status: GrantStatus::Active,
                created_at: Utc::now(),
                expires_at: Some(Utc::now() + Duration::days(30)),
                not_before: None,
                policy: Some(policy(&adv)),
            },
        )
        .await
        .expect("grant");
    let http = reqwest::Client::new();
    let res: Value = http
        .post(format!("{}/oauth/token", app.base))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", agent.id.as_str()),
            ("client_secret", secret.secret.as_str()),
            ("resource", &format!("urn:charter:account:{}", adv.id)),
        ])
        .send()
        .await
        .expect("token request")
        .json()
        .await
        .expect("token json");
    let token = res["access_token"].as_str().expect("a token").to_string();
    Rogue {
        app,
        adv,
        grant,
        token,
        http,
    }
}

impl Rogue {
    /// A sandbox call with the rogue's token: (status, JSON body).
    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
        let res = self
            .http
            .request(method, format!("{}/sandbox/v1{path}", self.app.base))
            .bearer_auth(&self.token)
            .header("charter-intent", "bid_optimization")
            .json(&body)
            .send()
            .await
            .expect("sandbox call");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, body).await
    }

    pub async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::PUT, path, body).await
    }

    pub async fn ledger(&self) -> Vec<LedgerEntry> {
        self.app
            .store
            .ledger(&self.adv.id, &self.grant.id, 1000)
            .await
            .expect("ledger")
    }

    /// Runs a call and returns it with the money it committed (the sum of the committed ledger
    /// rows it added; 0 when it added none).
    pub async fn committed_by(
        &self,
        call: impl std::future::Future<Output = (u16, Value)>,
    ) -> (u16, Value, i64) {
        let before: Vec<ReservationId> = self.ledger().await.into_iter().map(|e| e.id).collect();
        let (status, body) = call.await;
        let added: i64 = self
            .ledger()
            .await
            .into_iter()
            .filter(|e| !before.contains(&e.id) && e.status == ReservationStatus::Committed)
            .map(|e| e.amount_minor)
            .sum();
        (status, body, added)
    }

    async fn set_caps(&self, limits: SpendLimits) {
        self.app
            .store
            .set_spend_limits(&actor(), &self.adv.id, &self.grant.id, limits)
            .await
            .expect("caps");
    }

    async fn lifetime_used(&self) -> i64 {
        self.app
            .store
            .spend_usage(&self.grant.id, Utc::now())
            .await
            .expect("usage")
            .lifetime_minor
    }

    /// A campaign and an ad group made directly in the store (setup, not under test).
    pub async fn ad_group(&self, default_bid_minor: i64) -> (CampaignId, String) {
        let store = &self.app.store;
        let c = store
            .create_campaign(
                &self.adv.id,
                NewCampaign {
                    program: Program::Sp,
                    name: EntityName::parse(&format!("Setup {}", ulid::Ulid::new())).expect("name"),
                    state: EntityState::Enabled,
                    daily_budget_minor: 1_000,
                    start_date: Utc::now().date_naive(),
                    end_date: None,
                    targeting_type: TargetingType::Manual,
                    created_at: Utc::now(),
                },
            )
            .await
            .expect("campaign");
        let g = store
            .create_ad_group(
                &self.adv.id,
                Program::Sp,
                NewAdGroup {
                    campaign_id: c.id,
                    name: EntityName::parse("Setup group").expect("name"),
                    state: EntityState::Enabled,
                    default_bid_minor,
                    created_at: Utc::now(),
                },
            )
            .await
            .expect("ad group");
        let Written::Done(g) = g else {
            panic!("the new ad group was refused");
        };
        (c.id, g.id.to_string())
    }

    pub async fn campaign(&self, id: &str) -> Campaign {
        let id = CampaignId::parse(id).expect("campaign id");
        self.app
            .store
            .campaign(&self.adv.id, Program::Sp, id)
            .await
            .expect("read campaign")
            .expect("campaign exists")
    }
}

pub fn campaign_body(name: &str, budget: f64, extra: Value) -> Value {
    let mut body = json!({ "name": name, "budget": { "budget": budget, "budgetType": "DAILY" } });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    body
}

fn first_of_next_month(today: NaiveDate) -> NaiveDate {
    let (y, m) = if today.month() == 12 {
        (today.year() + 1, 1)
    } else {
        (today.year(), today.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).expect("a date")
}

fn reason(body: &Value) -> &str {
    body["reason"].as_str().unwrap_or_default()
}

// --- item 2: every unit of capacity a call adds is committed -----------------------------------

async fn later_months_and_open_ends_commit_their_capacity(backend: Backend) {
    let r = rogue(backend, sp_policy).await;
    let today = Utc::now().date_naive();
    let next_month = first_of_next_month(today);

    // A campaign that starts next month can spend from then on: that capacity is committed now.
    let (s, body, committed) = r
        .committed_by(r.post(
            "/sp/campaigns",
            campaign_body(
                "Later",
                10.0,
                json!({ "startDate": next_month.to_string() }),
            ),
        ))
        .await;
    assert_eq!(s, 200, "{body}");
    assert!(
        committed >= 1_000 * A_MONTH,
        "a campaign starting {next_month} at 10.00 a day committed only {committed}"
    );

    // A campaign ending today, whose end date is then removed: the open end is committed.
    let (s, body) = r
        .post(
            "/sp/campaigns",
            campaign_body("Ends today", 10.0, json!({ "endDate": today.to_string() })),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let id = body["campaignId"].as_str().expect("campaignId").to_string();
    let (s, body, committed) = r
        .committed_by(r.put(&format!("/sp/campaigns/{id}"), json!({ "endDate": null })))
        .await;
    assert_eq!(s, 200, "{body}");
    assert!(
        committed >= 1_000 * (A_MONTH - 1),
        "removing the end date of a 10.00-a-day campaign committed only {committed}"
    );

    // A budget raise commits the raise for the days ahead, however few are left in this month.
    let (s, body, committed) = r
        .committed_by(r.put(
            &format!("/sp/campaigns/{id}/budget"),
            json!({ "budget": { "budget": 20.0 } }),
        ))
        .await;
    assert_eq!(s, 200, "{body}");
    assert!(
        committed >= 1_000 * A_MONTH,
        "raising the budget by 10.00 a day committed only {committed}"
    );

    // The lifetime cap sees it all: a campaign starting next month no longer slips under it.
    let used = r.lifetime_used().await;
    r.set_caps(SpendLimits {
        lifetime_minor: Some(used + 1_000 * 20),
        ..SpendLimits::default()
    })
    .await;
    let (s, body) = r
        .post(
            "/sp/campaigns",
            campaign_body(
                "Slips",
                10.0,
                json!({ "startDate": next_month.to_string() }),
            ),
        )
        .await;
    assert_eq!(s, 429, "{body}");
    assert_eq!(reason(&body), "spend_limit_exceeded", "{body}");
    assert_eq!(r.lifetime_used().await, used, "nothing was held");
}

async fn keyword_and_target_creation_commit_their_bid(backend: Backend) {
    let r = rogue(backend, sp_policy).await;
    let (_, group) = r.ad_group(75).await;
    let per_bid_unit = EXPECTED_DAILY_CLICKS * A_MONTH;

    let (s, body, committed) = r
        .committed_by(r.post(
            "/sp/keywords",
            json!({ "adGroupId": group, "keywordText": "rogue boots", "matchType": "EXACT", "bid": 1.5 }),
        ))
        .await;
    assert_eq!(s, 200, "{body}");
    assert!(
        committed >= 150 * per_bid_unit,
        "a keyword bidding 1.50 committed only {committed}"
    );

    // Without a bid, the ad group's default bid is the keyword's bid: it is committed too.
    let (s, body, committed) = r
        .committed_by(r.post(
            "/sp/keywords",
            json!({ "adGroupId": group, "keywordText": "rogue tents", "matchType": "BROAD" }),
        ))
        .await;
    assert_eq!(s, 200, "{body}");
    assert!(
        committed >= 75 * per_bid_unit,
        "a keyword at the default bid 0.75 committed only {committed}"
    );

    let (s, body, committed) = r
        .committed_by(r.post(
            "/sp/targets",
            json!({ "adGroupId": group, "expression": [{ "type": "ASIN_SAME_AS", "value": "b07xj8c8f5" }], "bid": 0.95 }),
        ))
        .await;
    assert_eq!(s, 200, "{body}");
    assert!(
        committed >= 95 * per_bid_unit,
        "a target bidding 0.95 committed only {committed}"
    );

    // Under a cap, creation is refused like a bid raise would be, and nothing is created.
    let used = r.lifetime_used().await;
    r.set_caps(SpendLimits {
        lifetime_minor: Some(used + 100),
        ..SpendLimits::default()
    })
    .await;
    let (s, body) = r
        .post(
            "/sp/keywords",
            json!({ "adGroupId": group, "keywordText": "rogue stoves", "matchType": "EXACT", "bid": 1.0 }),
        )
        .await;
    assert_eq!(s, 429, "{body}");
    assert_eq!(reason(&body), "spend_limit_exceeded", "{body}");
    let (s, body) = r
        .post(
            "/sp/targets",
            json!({ "adGroupId": group, "expression": [{ "type": "ASIN_SAME_AS", "value": "b07xj8c8f6" }], "bid": 1.0 }),
        )
        .await;
    assert_eq!(s, 429, "{body}");
    assert_eq!(reason(&body), "spend_limit_exceeded", "{body}");
    assert_eq!(r.lifetime_used().await, used, "nothing was held");
}

async fn the_max_bid_cap_covers_creation(backend: Backend) {
    let r = rogue(backend, |adv| capped_policy(adv, "1.00")).await;
    let (_, group) = r.ad_group(80).await;
    let (_, rich_group) = r.ad_group(500).await;
    let kw = |group: &str, text: &str, bid: Option<f64>| {
        let mut b = json!({ "adGroupId": group, "keywordText": text, "matchType": "EXACT" });
        if let Some(bid) = bid {
            b["bid"] = json!(bid);
        }
        b
    };
    let target = |group: &str, asin: &str, bid: f64| json!({ "adGroupId": group, "expression": [{ "type": "ASIN_SAME_AS", "value": asin }], "bid": bid });

    // Within the cap: allowed.
    let (s, body) = r
        .post("/sp/keywords", kw(&group, "fair bid", Some(0.9)))
        .await;
    assert_eq!(s, 200, "{body}");
    let (s, body) = r
        .post("/sp/targets", target(&group, "b07xj8c8f5", 1.0))
        .await;
    assert_eq!(s, 200, "{body}");

    // Above the cap, at creation: refused by the grant, nothing created.
    let before = r.ledger().await.len();
    for (path, body) in [
        ("/sp/keywords", kw(&group, "greedy bid", Some(5.0))),
        ("/sp/keywords", kw(&rich_group, "default bid", None)),
        ("/sp/targets", target(&group, "b07xj8c8f6", 5.0)),
    ] {
        let (s, res) = r.post(path, body.clone()).await;
        assert_eq!(s, 403, "{path} {body}: {res}");
        assert_eq!(reason(&res), "policy_denied", "{path} {body}: {res}");
    }
    assert_eq!(
        r.ledger().await.len(),
        before,
        "no reservation for a refused call"
    );
}

// --- item 3: amounts are bounded and sums never overflow ----------------------------------------

async fn pdp_refuses_amounts_above_the_maximum(backend: Backend) {
    let r = rogue(backend, sp_policy).await;
    let resource = format!("arn:ads:us:{}:campaign/1", r.adv.id);
    let ask = |amount: Value| {
        let r = &r;
        let resource = resource.clone();
        async move {
            let res = r
                .http
                .post(format!("{}/v1/authorize", r.app.base))
                .bearer_auth(&r.token)
                .json(&json!({ "action": "sp:UpdateCampaignBudget", "resource": resource, "amountMinor": amount, "intent": "bid_optimization" }))
                .send()
                .await
                .expect("authorize");
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    for amount in [
        json!(i64::MAX),
        json!(i64::MAX / 2),
        json!(MAX_AMOUNT_MINOR + 1),
        json!(12.5),
        json!("100"),
    ] {
        let (s, body) = ask(amount.clone()).await;
        assert_eq!(s, 400, "amountMinor {amount}: {body}");
        assert!(
            body["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("amountMinor"),
            "the 400 names the field: {body}"
        );
    }
    assert_eq!(r.lifetime_used().await, 0, "nothing was held");
    // The maximum itself is decided (and held: no cap on this grant).
    let (s, body) = ask(json!(MAX_AMOUNT_MINOR)).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["decision"], "allow", "{body}");
    assert_eq!(r.lifetime_used().await, MAX_AMOUNT_MINOR);
}

/// Plants ledger rows directly in the store, as a rogue that got them in would have (the schema
/// only asks for amounts above 0).
async fn plant(app: &TestApp, adv: &Advertiser, grant: &Grant, amounts: &[(i64, &str)]) {
    let now = Utc::now();
    for (amount, status) in amounts {
        let id = ReservationId::generate().to_string();
        let sql = "INSERT INTO spend_ledger (id, advertiser_id, grant_id, agent_id, action, resource, amount_minor, status, created_at, expires_at, settled_at) \
                   VALUES ($1, $2, $3, $4, 'sp:UpdateCampaignBudget', $5, $6, $7, $8, $9, $10)";
        let resource = format!("arn:ads:us:{}:campaign/1", adv.id);
        let settled = (*status == "committed").then_some(now);
        macro_rules! run {
            ($pool:expr) => {
                sqlx::query(sql)
                    .bind(&id)
                    .bind(adv.id.as_str())
                    .bind(grant.id.as_str())
                    .bind(grant.agent_id.as_str())
                    .bind(&resource)
                    .bind(*amount)
                    .bind(*status)
                    .bind(now)
                    .bind(now + Duration::minutes(5))
                    .bind(settled)
                    .execute($pool)
                    .await
                    .expect("plant a ledger row")
            };
        }
        match &app.db.pool {
            Pool::Sqlite(p) => {
                run!(p);
            }
            Pool::Postgres(p) => {
                run!(p);
            }
        }
    }
}

async fn page(c: &Client, path: &str, button: &str) {
    let res = c.get(path).await;
    let status = res.status().as_u16();
    let html = res.text().await.unwrap_or_default();
    assert_eq!(status, 200, "GET {path}");
    assert!(
        html.contains(button),
        "GET {path}: no `{button}` on the page"
    );
}

async fn revoke_path_answers_with_extreme_spend_rows(backend: Backend) {
    let app = spawn_app(backend).await;
    let adv = app.advertiser(demo::NORTHWIND).await;
    let row = app.agent_with_status(&adv.id, GrantStatus::Active).await;
    let grant = app
        .store
        .grant_for(&adv.id, &row.agent_id)
        .await
        .expect("grant")
        .expect("a grant");
    plant(
        &app,
        &adv,
        &grant,
        &[
            (i64::MAX, "committed"),
            (i64::MAX, "committed"),
            (i64::MAX, "reserved"),
            (i64::MAX, "committed"),
        ],
    )
    .await;
    let (c, csrf) = app.signed_in(demo::OWNER).await;
    let agent = row.agent_id.to_string();
    let base = format!("/accounts/{}", adv.id);
    page(
        &c,
        &format!("{base}/agents"),
        &format!("href=\"{base}/agents/{agent}/revoke\""),
    )
    .await;
    page(&c, &format!("{base}/agents/{agent}"), "Revoke access…").await;
    page(
        &c,
        &format!("{base}/agents/{agent}/revoke"),
        "Revoke access</button>",
    )
    .await;
    page(
        &c,
        &format!("{base}/revoke-all"),
        "Revoke all agents</button>",
    )
    .await;

    // The store's own figures saturate instead of failing: the true sum is above i64::MAX.
    let usage = app
        .store
        .spend_usage(&grant.id, Utc::now())
        .await
        .expect("spend figures stay readable");
    assert_eq!(usage.lifetime_minor, i64::MAX, "{usage:?}");

    // And the button works.
    let res = common::post(
        &c,
        &csrf,
        "/api/revoke_grant",
        &[
            ("advertiser_id", adv.id.as_str()),
            ("agent_id", agent.as_str()),
        ],
    )
    .await;
    assert!(
        res.status().is_redirection(),
        "revoke redirects: {}",
        res.status()
    );
    let after = app
        .store
        .grant_for(&adv.id, &row.agent_id)
        .await
        .expect("grant")
        .expect("a grant");
    assert_eq!(after.status, GrantStatus::Revoked);
}
