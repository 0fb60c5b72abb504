//! The tenant-isolation matrix (issue 10), generated from the route table
//! ([`charter_server::routes::mounted_routes`]): every page, server function and machine
//! endpoint × {a stranger advertiser, a viewer, a developer of another partner, support without
//! a reason, no session, a wrong CSRF token}. Each refused call must get its status, show
//! nothing of the victim's, and change nothing in the store (every table read directly). A
//! route the table does not know fails the test.
//! Then each route's rightful caller makes the same call, which proves the refusals were
//! refusals and not malformed requests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[macro_use]
#[path = "../common/mod.rs"]
mod common;

mod snapshot;
mod table;
mod world;

use charter_server::routes::{Mounted, Surface, mounted_routes};
use common::{Backend, Client};
use http::Method;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use table::{Expect, Spec};
use world::{ATTACKERS, Attacker, World};

backend_tests!(isolation_matrix);

/// The longest one call may take.
const CALL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// The longest one step of a cell (a session's CSRF token, a snapshot of the store) may take.
const STEP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(90);

/// Runs one step of the matrix under [`STEP_TIMEOUT`]: a step that hangs fails naming its cell
/// and step instead of the whole story at its deadline.
async fn bounded<T>(cell: &str, step: &str, fut: impl std::future::Future<Output = T>) -> T {
    match tokio::time::timeout(STEP_TIMEOUT, fut).await {
        Ok(v) => v,
        Err(_) => panic!("{cell}: {step} did not finish within {STEP_TIMEOUT:?}"),
    }
}

/// A response, read once.
struct Answer {
    status: u16,
    location: String,
    body: String,
}

async fn send(w: &World, route: &Mounted, spec: &Spec, client: &Client, csrf: &str) -> Answer {
    let url = client.url(&w.fill(&route.path, csrf));
    let req = match route.surface {
        Surface::ServerFn => {
            let form: Vec<(String, String)> = spec
                .fields
                .iter()
                .map(|(k, v)| (k.to_string(), w.fill(v, csrf)))
                .collect();
            client
                .http
                .request(route.method.clone(), url)
                .header(ACCEPT, "application/json")
                .form(&form)
        }
        // A well-formed decision request, so that only the missing bearer token is wrong.
        Surface::Machine if route.path.starts_with(charter_server::pdp::AUTHORIZE) => {
            let one = serde_json::json!({
                "action": "sp:ListCampaigns",
                "resource": format!("arn:ads:us:{}:campaign/1", w.ids["adv"]),
            });
            let body = if route.path == charter_server::pdp::AUTHORIZE_BATCH {
                serde_json::json!({ "requests": [one] })
            } else {
                one
            };
            client.http.post(url).json(&body)
        }
        Surface::Machine if route.method == Method::POST => client
            .http
            .post(url)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials"),
        _ => client
            .http
            .request(route.method.clone(), url)
            .header(ACCEPT, "text/html"),
    };
    // A call that hangs fails its cell by name instead of the whole story at its deadline.
    let res = match req.timeout(CALL_TIMEOUT).send().await {
        Ok(res) => res,
        Err(e) => {
            return Answer {
                status: 0,
                location: String::new(),
                body: format!("no answer: {e}"),
            };
        }
    };
    Answer {
        status: res.status().as_u16(),
        location: common::location(&res),
        body: res.text().await.unwrap_or_default(),
    }
}

/// Why a cell failed, or `None`.
fn judge(expect: Expect, answer: &Answer, hidden: &[&str]) -> Option<String> {
    let status_ok = match expect {
        Expect::Refused(codes) => codes.contains(&answer.status),
        Expect::SignIn => answer.status == 303 && answer.location.starts_with("/signin?next="),
        Expect::Allowed => answer.status < 400,
        Expect::Deny => answer.status == 200 && denies_all(&answer.body),
        Expect::Rightful | Expect::NotApplicable => true,
    };
    if !status_ok {
        return Some(format!(
            "expected {expect:?}, got {} {}",
            answer.status,
            excerpt(&answer.body)
        ));
    }
    let leaked: Vec<&&str> = hidden
        .iter()
        .filter(|s| answer.body.contains(**s))
        .collect();
    (!leaked.is_empty()).then(|| format!("the body shows {leaked:?}"))
}

/// Whether a PDP answer (one decision or a batch) holds decisions and every one is `deny`.
fn denies_all(body: &str) -> bool {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(body) else {
        return false;
    };
    let decisions: Vec<&serde_json::Value> = match v.get("results") {
        Some(serde_json::Value::Array(all)) => all.iter().collect(),
        _ => vec![&v],
    };
    !decisions.is_empty() && decisions.iter().all(|d| d["decision"] == "deny")
}

fn excerpt(body: &str) -> String {
    body.chars()
        .take(160)
        .collect::<String>()
        .replace('\n', " ")
}

/// The session an attacker calls with: the wrong-CSRF attacker is the route's rightful caller
/// (or the owner) with a token that is not the session's; the anonymous visitor's token is
/// read afresh (an earlier cell may have ended its anonymous session: signing out).
async fn attacker_session<'w>(
    w: &'w World,
    spec: &Spec,
    attacker: Attacker,
) -> (&'w Client, String) {
    if attacker == Attacker::WrongCsrf {
        let rightful = w.rightful(spec.control.unwrap_or(world::Rightful::Owner));
        return (&rightful.client, "0".repeat(64));
    }
    let s = &w.attackers[&attacker];
    if attacker == Attacker::NoSession {
        return (&s.client, s.client.csrf().await);
    }
    (&s.client, s.csrf.clone())
}

async fn isolation_matrix(backend: Backend) {
    let w = tokio::time::timeout(std::time::Duration::from_secs(120), world::world(backend))
        .await
        .expect("the world (the victim's objects and the attackers' sessions) within 120 s");
    let routes = mounted_routes();
    let mut cases = Vec::new();
    let mut unknown = Vec::new();
    for route in &routes {
        match table::spec_for(route) {
            Some(spec) => cases.push((route, spec)),
            None => unknown.push(format!("{} {}", route.method, route.path)),
        }
    }
    assert!(
        unknown.is_empty(),
        "routes the isolation matrix does not know (add each to server/tests/isolation/table.rs \
         with its scope): {unknown:#?}"
    );
    for surface in [Surface::Page, Surface::ServerFn, Surface::Machine] {
        assert!(
            routes.iter().any(|r| r.surface == surface),
            "the route table lists no {surface:?} route: it is not the server's"
        );
    }

    let started = std::time::Instant::now();
    let mut failures = Vec::new();
    let (mut checked, mut not_applicable) = (0, 0);
    let mut before = bounded(
        "before the first cell",
        "a snapshot",
        snapshot::take(&w.app.db),
    )
    .await;
    for (route, spec) in &cases {
        for attacker in ATTACKERS {
            let expect = table::expect(spec, route, attacker);
            match expect {
                Expect::NotApplicable => {
                    not_applicable += 1;
                    continue;
                }
                Expect::Rightful => continue,
                _ => {}
            }
            let cell = format!("{} {} × {attacker:?}", route.method, route.path);
            let (client, csrf) = bounded(
                &cell,
                "the session's CSRF token",
                attacker_session(&w, spec, attacker),
            )
            .await;
            let answer = send(&w, route, spec, client, &csrf).await;
            assert!(
                answer.status != 0,
                "{cell}: {}; failures so far:\n{}",
                answer.body,
                failures.join("\n")
            );
            if let Some(why) = judge(expect, &answer, &w.secrets_hidden_from(attacker)) {
                failures.push(format!("{cell}: {why}"));
            }
            let after = bounded(&cell, "the snapshot after", snapshot::take(&w.app.db)).await;
            let may_change = if expect == Expect::Allowed {
                snapshot::AUDIT_TRAIL
            } else {
                &[]
            };
            let changed = after.changed_since(&before, may_change);
            if !changed.is_empty() {
                failures.push(format!("{cell}: the store changed: {changed:?}"));
            }
            before = after;
            checked += 1;
        }
    }
    let hostile = started.elapsed();

    // The controls: the rightful caller gets through (a 400 from the use case's own validation
    // counts; a 400 about the form itself does not).
    cases.sort_by_key(|(_, spec)| spec.order);
    let mut controls = 0;
    for (route, spec) in &cases {
        let Some(who) = spec.control else { continue };
        let s = w.rightful(who);
        let answer = send(&w, route, spec, &s.client, &s.csrf).await;
        let passed = answer.status < 400
            || (answer.status == 400 && !answer.body.contains("invalid form input"));
        if !passed {
            failures.push(format!(
                "control {} {} as {who:?}: {} {}",
                route.method,
                route.path,
                answer.status,
                excerpt(&answer.body)
            ));
        }
        controls += 1;
    }
    eprintln!(
        "isolation matrix ({backend:?}): {} routes, {checked} cells checked, {not_applicable} \
         not applicable, {controls} controls; hostile cells in {:.1?}",
        cases.len(),
        hostile
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} cells failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
