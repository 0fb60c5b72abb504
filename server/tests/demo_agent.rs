//! `charter demo-agent` against a real server on both backends: its activity lands where the UI
//! reads it — decisions in the audit trail (chain intact), money in the ledger, an open breaker,
//! and usage for the unused-access findings. Also: every sandbox route sits behind the gateway.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use charter_server::demo;
use charter_store::model::*;
use chrono::Utc;
use common::{Backend, spawn_app};

backend_tests!(demo_agent_activity_shows_up, every_sandbox_route_is_gated);

async fn demo_agent_activity_shows_up(backend: Backend) {
    let app = spawn_app(backend).await;
    let store = app.store.clone();
    let summary = charter_server::demo_agent::run(&store, &app.base)
        .await
        .expect("the demo agent runs");
    let reasons = summary.by_reason();
    for r in [
        "allowed",
        "policy_denied",
        "intent_mismatch",
        "attenuation_denied",
        "circuit_open",
    ] {
        assert!(reasons.contains_key(r), "no `{r}` call in {reasons:?}");
    }
    let money = summary
        .calls
        .iter()
        .find(|c| c.what.ends_with("/bid") && c.agent == "Bid Pilot")
        .expect("a bid raise");
    assert_eq!(money.reason, "allowed", "{money:?}");
    let delegated = summary
        .calls
        .iter()
        .filter(|c| c.agent == "Dayparting Agent")
        .map(|c| c.reason.as_str())
        .collect::<Vec<_>>();
    assert_eq!(
        delegated,
        vec!["allowed", "policy_denied"],
        "the child reads but cannot bid"
    );

    let adv = store
        .advertiser(summary.advertiser.as_ref().expect("the account acted on"))
        .await
        .unwrap()
        .unwrap();
    let agent = charter_server::demo_agent::find_agent(&store, "Bid Pilot")
        .await
        .unwrap();
    let grant = store.grant_for(&adv.id, &agent).await.unwrap().unwrap();
    // The breaker is open, and its transition is audited.
    let breaker = store.breaker(&grant.id).await.unwrap();
    assert!(
        matches!(breaker.state, BreakerState::Open | BreakerState::Terminated),
        "{breaker:?}"
    );
    assert!(breaker.reason.unwrap_or_default().contains("denied"));
    // The bid raise was reserved and committed.
    let ledger = store.ledger(&adv.id, &grant.id, 50).await.unwrap();
    assert!(
        ledger
            .iter()
            .any(|e| e.action == "sp:UpdateKeywordBid" && e.status == ReservationStatus::Committed),
        "{ledger:?}"
    );
    // Decisions reach the audit trail through the group commit (poll briefly).
    let mut usage = Vec::new();
    for _ in 0..50 {
        usage = store
            .action_usage(&adv.id, Utc::now() - chrono::Duration::hours(1))
            .await
            .unwrap();
        if usage
            .iter()
            .any(|u| u.agent_id == agent && u.action == "sp:UpdateKeywordBid")
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let used: Vec<&str> = usage
        .iter()
        .filter(|u| u.agent_id == agent)
        .map(|u| u.action.as_str())
        .collect();
    for a in ["sp:ListCampaigns", "sp:ListKeywords", "sp:UpdateKeywordBid"] {
        assert!(used.contains(&a), "`{a}` not in the usage {used:?}");
    }
    let last = store.last_decisions(&adv.id).await.unwrap();
    assert!(last.iter().any(|(a, _)| *a == agent));
    // The chain still verifies with all of that appended.
    let report = store.verify_chain(adv.id.as_str(), &|_| {}).await.unwrap();
    assert!(report.first_break.is_none(), "{report:?}");
    assert!(report.events > 50, "{report:?}");

    // And the UI shows it to the account's people: the breaker (banner and panel), the money
    // (the committed bid in the ledger), the decisions and the findings.
    let agent_path = format!("/accounts/{}/agents/{}", adv.id, agent);
    let mut signed_in = None;
    for who in [demo::OWNER, demo::BERGFELD_OWNER, demo::ADMIN] {
        let (c, _) = app.signed_in(who).await;
        if c.get(&agent_path).await.status() == 200 {
            signed_in = Some(c);
            break;
        }
    }
    let c = signed_in.expect("a demo person who is a member of the account");
    let html = c.get(&agent_path).await.text().await.unwrap();
    let (state_label, banner) = match breaker.state {
        BreakerState::Terminated => (
            "Terminated · calls denied",
            "Circuit breaker terminated: Bid Pilot",
        ),
        _ => ("Open · calls denied", "Circuit breaker open: Bid Pilot"),
    };
    assert!(
        html.contains(state_label) && html.contains(banner),
        "breaker on the agent page"
    );
    let bid = ledger
        .iter()
        .find(|e| e.action == "sp:UpdateKeywordBid" && e.status == ReservationStatus::Committed)
        .unwrap();
    assert!(
        html.contains(&bid.resource),
        "the committed bid in the ledger"
    );
    let list = c
        .get(&format!("/accounts/{}/agents", adv.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains(banner), "banner on the Agents list");
    let denied = c
        .get(&format!(
            "/accounts/{}/activity?agent={}&decision=deny",
            adv.id, agent
        ))
        .await
        .text()
        .await
        .unwrap();
    for reason in ["circuit_open", "policy_denied", "intent_mismatch"] {
        assert!(denied.contains(reason), "`{reason}` in the activity log");
    }
    let findings = c
        .get(&format!("/accounts/{}/findings", adv.id))
        .await
        .text()
        .await
        .unwrap();
    let card = findings
        .split("<section")
        .find(|s| s.contains(">Bid Pilot</a>"))
        .expect("Bid Pilot's finding");
    assert!(
        card.contains("Last decision") && card.contains("granted actions used"),
        "{card}"
    );
    let alerts = c
        .get(&format!("/accounts/{}/alerts", adv.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        alerts.contains("denied requests in the last minute"),
        "the trip on the alerts page"
    );
}

/// Every route of the sandbox answers 401 `token_missing` without a token, and a token of a
/// grant that allows nothing in the sandbox gets a 403 naming the route's own action: no route
/// reaches its handler undecided.
async fn every_sandbox_route_is_gated(backend: Backend) {
    let app = spawn_app(backend).await;
    let http = reqwest::Client::new();
    let routes = charter_sandbox::routes();
    assert!(routes.len() >= 30, "{}", routes.len());
    // A token for an agent whose grant allows only reports (purpose `reporting`).
    let store = app.store.clone();
    let agent = charter_server::demo_agent::find_agent(&store, "Weekly Report Writer").await;
    let token = match agent {
        Ok(agent) => {
            let ident = store.agent_identity(&agent).await.unwrap().unwrap();
            let actor = Actor::System {
                label: "route coverage test".into(),
            };
            let secret = store
                .create_client_secret(&actor, &ident.partner_id, &agent)
                .await
                .unwrap();
            let mut token = None;
            for adv in store.search_advertisers("", 100).await.unwrap() {
                if let Some(g) = store.grant_for(&adv.id, &agent).await.unwrap()
                    && g.is_effective(Utc::now())
                {
                    let v: serde_json::Value = http
                        .post(format!("{}/oauth/token", app.base))
                        .form(&[
                            ("grant_type", "client_credentials"),
                            ("client_id", agent.as_str()),
                            ("client_secret", secret.secret.as_str()),
                            ("resource", &format!("urn:charter:account:{}", adv.id)),
                        ])
                        .send()
                        .await
                        .unwrap()
                        .json()
                        .await
                        .unwrap();
                    token = v["access_token"].as_str().map(str::to_string);
                    break;
                }
            }
            token.expect("a token for the reporting agent")
        }
        Err(e) => panic!("{e}"),
    };
    let concrete = |path: &str| {
        // Any well-formed id: the gateway decides before the handler looks it up.
        path.replace("{reportId}", "5b0e9a4e-8a4e-4d8e-9a4e-8a4e4d8e9a4e")
            .split('/')
            .map(|seg| {
                if seg.starts_with('{') {
                    "123456789012345"
                } else {
                    seg
                }
            })
            .collect::<Vec<_>>()
            .join("/")
    };
    for route in &routes {
        let url = format!("{}{}", app.base, concrete(route.path));
        let method = reqwest::Method::from_bytes(route.method.as_str().as_bytes()).unwrap();
        let res = http
            .request(method.clone(), &url)
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            401,
            "{} {} without a token",
            route.method,
            route.path
        );
        let v: serde_json::Value = res.json().await.unwrap();
        assert_eq!(
            v["reason"], "token_missing",
            "{} {}: {v}",
            route.method, route.path
        );

        let res = http
            .request(method, &url)
            .bearer_auth(&token)
            .header("charter-intent", "reporting")
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let v: serde_json::Value = res.json().await.unwrap_or_default();
        if route.action.starts_with("reports:")
            || [
                "sp:ListCampaigns",
                "sp:GetCampaign",
                "sb:ListCampaigns",
                "sb:GetCampaign",
                "sd:ListCampaigns",
                "sd:GetCampaign",
            ]
            .contains(&route.action)
        {
            // Allowed by the reporting template: the handler ran (and may 404 the made-up id).
            assert!(
                status != 401 && status != 403,
                "{} {}: {status} {v}",
                route.method,
                route.path
            );
        } else if status == 400 || status == 404 || status == 409 {
            // `describe` refused the made-up id or body after authenticating: also no handler.
            assert!(
                v.get("code").is_some(),
                "{} {}: {v}",
                route.method,
                route.path
            );
        } else {
            assert_eq!(status, 403, "{} {}: {v}", route.method, route.path);
            assert_eq!(
                v["reason"], "policy_denied",
                "{} {}: {v}",
                route.method, route.path
            );
            assert!(
                v["detail"]
                    .as_str()
                    .unwrap_or_default()
                    .contains(route.action),
                "the denial names the route's action `{}`: {v}",
                route.action
            );
        }
    }
}
