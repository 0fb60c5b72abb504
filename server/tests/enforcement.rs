//! Enforcement over real HTTP on both backends: the PDP API (`/v1/authorize`, batch,
//! reservations), atomic spend limits under 200 concurrent calls, and the circuit breaker's
//! whole lifecycle with its signed webhook.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use charter_store::model::*;
use charter_store::{BreakerConfig, NewAgent, NewGrant, SpendLimits};
use chrono::{Duration, Utc};
use common::{Backend, TestApp, spawn_app};
use serde_json::{Value, json};
use std::sync::Arc;

backend_tests!(
    pdp_decides_with_stable_reasons,
    reservations_are_obligations,
    spend_caps_hold_under_200_concurrent_calls,
    breaker_trips_half_opens_closes_and_terminates,
    the_account_overviews_agree_with_each_grant,
    every_writer_is_held_to_the_cap_order,
);

fn url(app: &TestApp, path: &str) -> String {
    format!("{}{path}", app.base)
}

fn actor() -> Actor {
    Actor::System {
        label: "enforcement test".into(),
    }
}

/// One agent with a grant on Northwind (purpose: bid optimization) and a token for it.
struct Agent {
    app: TestApp,
    adv: Advertiser,
    grant: Grant,
    token: String,
    http: reqwest::Client,
}

fn policy(adv: &Advertiser) -> String {
    let acct = format!("arn:ads:us:{}", adv.id);
    json!({
        "Version": "2012-10-17",
        "Statement": [
            { "Sid": "ReadCampaigns", "Effect": "Allow", "Action": ["sp:Get*", "sp:List*"], "Resource": format!("{acct}:*") },
            { "Sid": "Budgets", "Effect": "Allow", "Action": "sp:UpdateCampaignBudget", "Resource": format!("{acct}:campaign/*") },
            // Billing is allowed here on purpose: the account's guardrail must still stop it.
            { "Sid": "Invoices", "Effect": "Allow", "Action": "billing:GetInvoice", "Resource": format!("{acct}:*") },
            { "Sid": "NoArchive", "Effect": "Deny", "Action": "sp:UpdateCampaigns", "Resource": format!("{acct}:campaign/archived-*") },
            { "Sid": "Updates", "Effect": "Allow", "Action": "sp:UpdateCampaigns", "Resource": format!("{acct}:campaign/*") }
        ]
    })
    .to_string()
}

async fn agent(backend: Backend) -> Agent {
    let app = spawn_app(backend).await;
    let store = app.store.clone();
    let adv = app.advertiser(charter_server::demo::NORTHWIND).await;
    let partner = store
        .create_partner(
            &actor(),
            &Name::parse(
                "name",
                &format!("Enforcement Partner {}", ulid::Ulid::new()),
            )
            .unwrap(),
            PartnerKind::ToolVendor,
        )
        .await
        .unwrap();
    let application = store
        .create_application(
            &actor(),
            &partner.id,
            &Name::parse("name", "Spend App").unwrap(),
            "test",
        )
        .await
        .unwrap();
    let agent = store
        .create_agent(
            &actor(),
            &partner.id,
            NewAgent {
                application: application.id.clone(),
                name: Name::parse("name", "Spender").unwrap(),
                description: String::new(),
                purposes: vec![Purpose::BidOptimization],
                party: Party::ThirdParty,
            },
        )
        .await
        .unwrap();
    let secret = store
        .create_client_secret(&actor(), &partner.id, &agent.id)
        .await
        .unwrap();
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
        .unwrap();
    let http = reqwest::Client::new();
    let res: Value = http
        .post(url(&app, "/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", agent.id.as_str()),
            ("client_secret", secret.secret.as_str()),
            ("resource", &format!("urn:charter:account:{}", adv.id)),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = res["access_token"].as_str().expect("a token").to_string();
    Agent {
        app,
        adv,
        grant,
        token,
        http,
    }
}

impl Agent {
    fn campaign(&self, id: &str) -> String {
        format!("arn:ads:us:{}:campaign/{id}", self.adv.id)
    }
    async fn authorize_with(&self, token: Option<&str>, body: Value) -> (u16, Value) {
        let mut req = self.http.post(url(&self.app, "/v1/authorize")).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }
    async fn authorize(&self, body: Value) -> Value {
        let (s, v) = self.authorize_with(Some(&self.token), body).await;
        assert_eq!(s, 200, "{v}");
        v
    }
    fn budget(&self, amount: i64) -> Value {
        json!({ "action": "sp:UpdateCampaignBudget", "resource": self.campaign("c-1"), "amountMinor": amount, "intent": "bid_optimization" })
    }
}

/// `check(decision, expected reason)`: the decision and its reason code agree.
fn check(v: &Value, reason: &str) {
    assert_eq!(v["reason"], reason, "{v:#}");
    let decision = if reason == "allowed" { "allow" } else { "deny" };
    assert_eq!(v["decision"], decision, "{v:#}");
    assert!(
        !v["detail"].as_str().unwrap_or_default().is_empty(),
        "a detail: {v:#}"
    );
}

async fn pdp_decides_with_stable_reasons(backend: Backend) {
    let a = agent(backend).await;
    let read = |action: &str, res: String| json!({ "action": action, "resource": res, "intent": "bid_optimization" });

    let v = a.authorize(read("sp:GetCampaign", a.campaign("c-1"))).await;
    check(&v, "allowed");
    assert_eq!(v["statementIds"], json!(["ReadCampaigns"]));
    assert_eq!(v["grantId"], a.grant.id.as_str());

    // Implicit deny, with the nearest miss.
    let v = a
        .authorize(read("sp:DeleteCampaigns", a.campaign("c-1")))
        .await;
    check(&v, "policy_denied");
    assert!(
        v["nearestMiss"]
            .as_str()
            .unwrap_or_default()
            .contains("came closest"),
        "{v:#}"
    );

    // Explicit deny names the Deny statement.
    let v = a
        .authorize(read("sp:UpdateCampaigns", a.campaign("archived-7")))
        .await;
    check(&v, "explicit_deny");
    assert_eq!(v["statementIds"], json!(["NoArchive"]));

    // Intent: missing, and outside the purpose.
    let v = a
        .authorize(json!({ "action": "sp:GetCampaign", "resource": a.campaign("c-1") }))
        .await;
    check(&v, "intent_mismatch");
    let v = a.authorize(json!({ "action": "sp:GetCampaign", "resource": a.campaign("c-1"), "intent": "reporting" })).await;
    check(&v, "intent_mismatch");
    assert!(
        v["detail"].as_str().unwrap().contains("`reporting`"),
        "{v:#}"
    );

    // The demo guardrail ("No agent may touch billing") beats the grant's own Allow.
    let v = a
        .authorize(read(
            "billing:GetInvoice",
            format!("arn:ads:us:{}:invoice/2026-10", a.adv.id),
        ))
        .await;
    check(&v, "guardrail_denied");
    assert!(v["detail"].as_str().unwrap().contains("billing"), "{v:#}");

    // Unknown action.
    let v = a
        .authorize(read("sp:LaunchRockets", a.campaign("c-1")))
        .await;
    check(&v, "unknown_action");

    // Tokens: missing, garbage.
    let (s, v) = a
        .authorize_with(None, read("sp:GetCampaign", a.campaign("c-1")))
        .await;
    assert_eq!(s, 200);
    check(&v, "token_missing");
    let (_, v) = a
        .authorize_with(
            Some("not-a-token"),
            read("sp:GetCampaign", a.campaign("c-1")),
        )
        .await;
    check(&v, "token_invalid");

    // Batch: same order, one token.
    let res: Value = a
        .http
        .post(url(&a.app, "/v1/authorize/batch"))
        .bearer_auth(&a.token)
        .json(&json!({ "requests": [read("sp:GetCampaign", a.campaign("c-1")), read("sp:DeleteCampaigns", a.campaign("c-1"))] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    check(&res["results"][0], "allowed");
    check(&res["results"][1], "policy_denied");

    // A bad body is a 400 that says where.
    let res = a
        .http
        .post(url(&a.app, "/v1/authorize"))
        .bearer_auth(&a.token)
        .header("content-type", "application/json")
        .body("{\n  \"action\": \"sp:GetCampaign\",\n  \"resource\": 7\n}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["reason"], "invalid_request");
    assert!(v["detail"].as_str().unwrap().contains("line 3"), "{v:#}");
    let res = a
        .http
        .post(url(&a.app, "/v1/authorize"))
        .bearer_auth(&a.token)
        .json(&json!({ "action": "sp:GetCampaign", "resource": "x", "surprise": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "unknown fields are refused");

    // Revocation takes effect on the very next decision.
    a.app
        .store
        .revoke_grant(&actor(), &a.adv.id, &a.grant.agent_id, Some("test"))
        .await
        .unwrap();
    let v = a.authorize(read("sp:GetCampaign", a.campaign("c-1"))).await;
    check(&v, "revoked");
}

/// The cap order (daily ≤ monthly ≤ lifetime) holds for every writer, not only the UI's form:
/// the store refuses caps out of order or negative, and keeps what was there.
async fn every_writer_is_held_to_the_cap_order(backend: Backend) {
    let a = agent(backend).await;
    let store = a.app.store.clone();
    let set = |daily, monthly, lifetime| {
        let store = store.clone();
        let (adv, grant) = (a.adv.id.clone(), a.grant.id.clone());
        async move {
            let limits = SpendLimits {
                daily_minor: daily,
                monthly_minor: monthly,
                lifetime_minor: lifetime,
            };
            store.set_spend_limits(&actor(), &adv, &grant, limits).await
        }
    };
    set(Some(100), Some(1_000), Some(10_000)).await.unwrap();
    let before = store.spend_limits(&a.adv.id, &a.grant.id).await.unwrap();
    for (caps, why) in [
        (
            (Some(900), Some(800), None),
            "the daily cap is above the monthly cap",
        ),
        (
            (None, Some(900), Some(800)),
            "the monthly cap is above the lifetime cap",
        ),
        (
            (Some(900), None, Some(800)),
            "the daily cap is above the lifetime cap",
        ),
        ((None, Some(-1), None), "the monthly cap is negative"),
    ] {
        match set(caps.0, caps.1, caps.2).await {
            Err(e) => assert_eq!(e.to_string(), why, "{caps:?}"),
            Ok(l) => panic!("{caps:?} was stored as {l:?}"),
        }
    }
    assert_eq!(
        store.spend_limits(&a.adv.id, &a.grant.id).await.unwrap(),
        before
    );
}

async fn reservations_are_obligations(backend: Backend) {
    let a = agent(backend).await;
    let store = a.app.store.clone();
    store
        .set_spend_limits(
            &actor(),
            &a.adv.id,
            &a.grant.id,
            SpendLimits {
                daily_minor: Some(50_000),
                monthly_minor: None,
                lifetime_minor: None,
            },
        )
        .await
        .unwrap();
    // The default spend-per-hour breaker threshold is a quarter of the daily cap; this story is
    // about the cap itself.
    store
        .set_breaker_config(
            &actor(),
            &a.adv.id,
            &a.grant.id,
            BreakerConfig {
                spend_per_hour_minor: Some(1_000_000),
                ..BreakerConfig::default()
            },
        )
        .await
        .unwrap();
    let v = a.authorize(a.budget(20_000)).await;
    check(&v, "allowed");
    let ob = &v["obligations"][0];
    assert_eq!(ob["type"], "spend_reservation");
    assert_eq!(ob["amountMinor"], 20_000);
    let id = ob["reservationId"].as_str().unwrap().to_string();

    let post = |path: String, token: Option<String>| {
        let mut r = a.http.post(url(&a.app, &path));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        async move { r.send().await.unwrap().status().as_u16() }
    };
    let commit = format!("/v1/reservations/{id}/commit");
    assert_eq!(post(commit.clone(), None).await, 401);
    assert_eq!(post(commit.clone(), Some(a.token.clone())).await, 200);
    assert_eq!(
        post(commit.clone(), Some(a.token.clone())).await,
        409,
        "settled once"
    );
    assert_eq!(
        post(
            format!("/v1/reservations/{id}/release"),
            Some(a.token.clone())
        )
        .await,
        409
    );
    assert_eq!(
        post(
            "/v1/reservations/rsv_01J0000000000000000000000/commit".into(),
            Some(a.token.clone())
        )
        .await,
        404
    );
    assert_eq!(
        post(
            "/v1/reservations/not-an-id/commit".into(),
            Some(a.token.clone())
        )
        .await,
        404
    );

    // A second reservation of 20 000 fits; a third does not (20k committed + 20k held + 20k > 50k).
    let v = a.authorize(a.budget(20_000)).await;
    check(&v, "allowed");
    let held = v["obligations"][0]["reservationId"]
        .as_str()
        .unwrap()
        .to_string();
    let v = a.authorize(a.budget(20_000)).await;
    check(&v, "spend_limit_exceeded");
    assert!(v["detail"].as_str().unwrap().contains("daily"), "{v:#}");
    // Releasing the held one frees its amount.
    assert_eq!(
        post(
            format!("/v1/reservations/{held}/release"),
            Some(a.token.clone())
        )
        .await,
        200
    );
    check(&a.authorize(a.budget(20_000)).await, "allowed");

    let usage = store.spend_usage(&a.grant.id, Utc::now()).await.unwrap();
    assert_eq!(usage.day_minor, 40_000, "20k committed + 20k held");
    let ledger = store.ledger(&a.adv.id, &a.grant.id, 10).await.unwrap();
    assert_eq!(ledger.len(), 3, "every reservation is in the ledger");
    // Another account's view of the grant finds nothing.
    let other = a.app.advertiser(charter_server::demo::HALCYON).await;
    assert!(
        store
            .ledger(&other.id, &a.grant.id, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn spend_caps_hold_under_200_concurrent_calls(backend: Backend) {
    let a = Arc::new(agent(backend).await);
    let store = a.app.store.clone();
    let cap = 10_000;
    store
        .set_spend_limits(
            &actor(),
            &a.adv.id,
            &a.grant.id,
            SpendLimits {
                daily_minor: Some(cap),
                monthly_minor: Some(cap * 3),
                lifetime_minor: Some(cap * 10),
            },
        )
        .await
        .unwrap();
    // Keep the breaker out of this test: it would (rightly) trip on 100 denials a minute.
    store
        .set_breaker_config(
            &actor(),
            &a.adv.id,
            &a.grant.id,
            BreakerConfig {
                requests_per_minute: Some(100_000),
                denials_per_minute: Some(100_000),
                spend_per_hour_minor: Some(i64::MAX / 2),
                cooldown_seconds: None,
            },
        )
        .await
        .unwrap();
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let a = a.clone();
            // Amounts of 70 to 130: no simple arithmetic lands exactly on the cap.
            let amount = 70 + (i * 37) % 61;
            tokio::spawn(async move {
                let v = a.authorize(a.budget(amount)).await;
                (amount, v)
            })
        })
        .collect();
    let mut allowed_sum = 0;
    let mut allowed = 0;
    let mut exceeded = 0;
    for t in tasks {
        let (amount, v) = t.await.unwrap();
        match v["reason"].as_str() {
            Some("allowed") => {
                allowed += 1;
                allowed_sum += amount;
            }
            Some("spend_limit_exceeded") => exceeded += 1,
            other => panic!("unexpected reason {other:?}: {v:#}"),
        }
    }
    assert_eq!(allowed + exceeded, 200);
    assert!(allowed_sum <= cap, "overspent: {allowed_sum} > {cap}");
    assert!(
        cap - allowed_sum < 130,
        "the cap is used up to the last call that fits: {allowed_sum}"
    );
    let usage = store.spend_usage(&a.grant.id, Utc::now()).await.unwrap();
    assert_eq!(
        usage.day_minor, allowed_sum,
        "the ledger holds exactly what was allowed"
    );
    eprintln!("{backend:?}: {allowed} allowed ({allowed_sum} of {cap}), {exceeded} refused");
}

async fn breaker_trips_half_opens_closes_and_terminates(backend: Backend) {
    let a = agent(backend).await;
    let store = a.app.store.clone();
    // A webhook receiver that checks the signature.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(String, Vec<u8>)>();
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let tx = tx.clone();
                async move {
                    let sig = headers
                        .get("charter-signature")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_string();
                    let _ = tx.send((sig, body.to_vec()));
                    "ok"
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver).await });
    store
        .set_webhook(&actor(), &a.adv.id, Some((hook, "whsec_test".into())))
        .await
        .unwrap();
    store
        .set_breaker_config(
            &actor(),
            &a.adv.id,
            &a.grant.id,
            BreakerConfig {
                requests_per_minute: Some(5),
                denials_per_minute: None,
                spend_per_hour_minor: None,
                cooldown_seconds: Some(1),
            },
        )
        .await
        .unwrap();
    let read = json!({ "action": "sp:GetCampaign", "resource": a.campaign("c-1"), "intent": "bid_optimization" });

    // CLOSED: five calls pass; the sixth crosses the threshold and trips the breaker.
    for i in 0..6 {
        check(&a.authorize(read.clone()).await, "allowed");
        let _ = i;
    }
    let v = a.authorize(read.clone()).await;
    check(&v, "circuit_open");
    assert!(v["retryAfterSeconds"].as_i64().unwrap() >= 1, "{v:#}");
    let b = store.breaker(&a.grant.id).await.unwrap();
    assert_eq!(b.state, BreakerState::Open);
    assert_eq!(b.trips, 1);
    assert!(
        b.reason
            .as_deref()
            .unwrap()
            .contains("requests in the last minute"),
        "{b:?}"
    );

    // The webhook arrives, signed.
    let (sig, body) = tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(
        charter_server::alerts::verify("whsec_test", &sig, &body, Utc::now().timestamp(), 300),
        "{sig}"
    );
    let payload: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(payload["state"], "open");
    assert_eq!(payload["agentId"], a.grant.agent_id.as_str());

    // After the cooldown: HALF_OPEN, and five good probes close it again.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    check(&a.authorize(read.clone()).await, "allowed");
    assert_eq!(
        store.breaker(&a.grant.id).await.unwrap().state,
        BreakerState::HalfOpen
    );
    for _ in 0..4 {
        check(&a.authorize(read.clone()).await, "allowed");
    }
    assert_eq!(
        store.breaker(&a.grant.id).await.unwrap().state,
        BreakerState::Closed
    );

    // Trip again, then relapse while probing: the third trip terminates it.
    for _ in 0..6 {
        a.authorize(read.clone()).await;
    }
    check(&a.authorize(read.clone()).await, "circuit_open");
    assert_eq!(store.breaker(&a.grant.id).await.unwrap().trips, 2);
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    check(&a.authorize(read.clone()).await, "allowed"); // half-open probe
    let denied = json!({ "action": "sp:DeleteCampaigns", "resource": a.campaign("c-1"), "intent": "bid_optimization" });
    check(&a.authorize(denied).await, "policy_denied"); // the relapse
    let b = store.breaker(&a.grant.id).await.unwrap();
    assert_eq!(b.state, BreakerState::Terminated, "{b:?}");
    assert_eq!(b.trips, 3, "the terminating trip counts: {b:?}");
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    check(&a.authorize(read.clone()).await, "circuit_terminated");

    // Only a manual reset brings it back; every transition is in the audit trail.
    let person = Actor::Person {
        id: PersonId::generate(),
        label: "owner@northwind.example".into(),
    };
    store
        .transition_breaker(
            &person,
            &a.grant.id,
            BreakerState::Terminated,
            BreakerState::Closed,
            "reset by the advertiser",
            Utc::now(),
        )
        .await
        .unwrap()
        .expect("the reset applies");
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await; // the copy refreshes
    check(&a.authorize(read.clone()).await, "allowed");
    let events = a.app.events(&a.adv.id).await;
    let transitions = events
        .iter()
        .filter(|e| e.action == "breaker.transition")
        .count();
    assert!(
        transitions >= 7,
        "open, half-open, closed, open, half-open, terminated, reset: {transitions}"
    );
}

/// The Agents list reads caps and usage for a page of grants at once, every account page reads
/// its breaker alerts in one query, and the guardrails page the holders of its grants in one
/// batch: each equals what the per-grant reads give (committed spend, a live reservation, an
/// expired one), and another account's grant is left out.
async fn the_account_overviews_agree_with_each_grant(backend: Backend) {
    let app = spawn_app(backend).await;
    let store = &app.store;
    let adv = app.advertiser(charter_server::demo::NORTHWIND).await;
    let other = app.advertiser(charter_server::demo::HALCYON).await;
    let rows = store
        .list_agent_grants(&adv.id, &AgentQuery::default_page())
        .await
        .unwrap()
        .items;
    let pilot = rows.iter().find(|r| r.agent_name == "Bid Pilot").unwrap();
    let now = Utc::now();
    for (amount, at) in [(700, now), (900, now - Duration::hours(1))] {
        let reservation = charter_store::NewReservation {
            advertiser_id: adv.id.clone(),
            grant_id: pilot.grant_id.clone(),
            agent_id: pilot.agent_id.clone(),
            action: "sp:UpdateKeywordBid".into(),
            resource: "test".into(),
            amount_minor: amount,
            token_id: None,
        };
        store.reserve_spend(reservation, at).await.unwrap();
    }
    let foreign = store
        .list_agent_grants(&other.id, &AgentQuery::default_page())
        .await
        .unwrap()
        .items
        .remove(0)
        .grant_id;
    let mut grants: Vec<GrantId> = rows.iter().map(|r| r.grant_id.clone()).collect();
    grants.push(foreign.clone());
    let overview = store.spend_overview(&adv.id, &grants, now).await.unwrap();
    assert_eq!(
        overview.len(),
        rows.len(),
        "one entry per grant of the account"
    );
    assert!(
        !overview.contains_key(&foreign),
        "another account's grant is left out"
    );
    let mut with_spend = 0;
    for r in &rows {
        let limits = store.spend_limits(&adv.id, &r.grant_id).await.unwrap();
        let usage = store.spend_usage(&r.grant_id, now).await.unwrap();
        assert_eq!(overview[&r.grant_id], (limits, usage), "{}", r.agent_name);
        with_spend += usize::from(usage.lifetime_minor > 0);
    }
    assert!(with_spend > 0, "the demo data has spend to compare");

    let alerts = store.breaker_alerts(&adv.id).await.unwrap();
    let mut expected = Vec::new();
    for b in store.breakers(&adv.id).await.unwrap() {
        if b.state != BreakerState::Closed {
            let detail = store
                .agent_detail(&adv.id, &b.agent_id)
                .await
                .unwrap()
                .unwrap();
            expected.push((b, detail.agent.name));
        }
    }
    assert!(!expected.is_empty(), "the demo data has a tripped breaker");
    assert_eq!(alerts, expected);

    // The guardrails page reads the holders of many grants at once: the same grant, agent,
    // application and partner as the agent detail, in the order asked, others left out.
    let foreign_agent = store
        .list_agent_grants(&other.id, &AgentQuery::default_page())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|r| r.agent_id)
        .find(|a| !rows.iter().any(|r| &r.agent_id == a))
        .expect("an agent granted on Halcyon only");
    let mut agents: Vec<AgentId> = rows.iter().rev().map(|r| r.agent_id.clone()).collect();
    agents.insert(1, foreign_agent);
    let holders = store.grant_holders(&adv.id, &agents).await.unwrap();
    let mut expected = Vec::new();
    for a in &agents {
        if let Some(d) = store.agent_detail(&adv.id, a).await.unwrap() {
            expected.push((d.grant, d.agent, d.application, d.partner));
        }
    }
    assert_eq!(expected.len(), rows.len());
    let got: Vec<_> = holders
        .into_iter()
        .map(|h| (h.grant, h.agent, h.application, h.partner))
        .collect();
    assert_eq!(got, expected);
}
