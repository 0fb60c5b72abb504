//! The sandbox Ads API, on both backends: every route through a test router that stands in for
//! the gateway (it calls the route's `describe` first, then inserts a `Decided` for a demo
//! advertiser), and a table of `describe` results (action, resource, amount).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::Router;
use axum::body::Body;
use axum::extract::{RawPathParams, Request};
use axum::middleware::Next;
use axum::response::IntoResponse;
use charter_sandbox::{self as sandbox, Decided, DescribeInput, Operation, Route};
use charter_server::demo::{self, BERGFELD, HALCYON, NORTHWIND};
use charter_store::model::*;
use charter_store::*;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use common::{Backend, TestApp, spawn_app};
use http::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use tower::ServiceExt;

backend_tests!(
    profiles_and_the_scope_header,
    campaigns_list_create_update_pause_archive,
    sponsored_brands_and_display_campaigns,
    ad_groups_keywords_and_targets,
    the_report_job_lifecycle,
    billing_is_read_only,
    the_demo_accounts_have_sandbox_data,
    describe_gives_action_resource_and_amount,
    a_yen_account_counts_in_whole_yen,
);

// --- the stand-in gateway ----------------------------------------------------------------------

/// One route behind a test layer: `describe` (its answer returned as is on error), then the
/// handler with a `Decided` for `advertiser`.
fn gated(
    route: Route,
    advertiser: Advertiser,
    store: SandboxDb,
) -> axum::routing::MethodRouter<SandboxDb> {
    let describe = route.describe;
    let action = route.action;
    route.handler.layer(axum::middleware::from_fn(
        move |params: RawPathParams, req: Request, next: Next| {
            let advertiser = advertiser.clone();
            let store = store.clone();
            async move {
                let params: BTreeMap<String, String> = params
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                let (parts, body) = req.into_parts();
                let bytes = axum::body::to_bytes(body, 1 << 20).await.expect("body");
                let value = match sandbox::common::body_value(&bytes) {
                    Ok(v) => v,
                    Err(e) => return e.into_response(),
                };
                let input = DescribeInput {
                    advertiser: &advertiser,
                    params: &params,
                    body: &value,
                    store: &store,
                    now: Utc::now(),
                };
                let operation = match describe(input).await {
                    Ok(op) => op,
                    Err(e) => return e.into_response(),
                };
                assert_eq!(
                    operation.action, action,
                    "describe returns the route's action"
                );
                let mut req = Request::from_parts(parts, Body::from(bytes));
                req.extensions_mut().insert(Decided {
                    advertiser: advertiser.clone(),
                    agent_id: AgentId::generate(),
                    grant_id: GrantId::generate(),
                    decision_id: "evt_test".into(),
                    reservation_id: None,
                    operation,
                });
                next.run(req).await
            }
        },
    ))
}

/// The sandbox router with every route gated for `advertiser`.
fn router_for(advertiser: &Advertiser, store: &SandboxDb) -> Router {
    let mut r: Router<SandboxDb> = Router::new();
    for route in sandbox::routes() {
        let path = route.path;
        r = r.route(path, gated(route, advertiser.clone(), store.clone()));
    }
    r.with_state(store.clone())
}

struct Api {
    app: TestApp,
    store: DynStore,
    /// Northwind Outdoor: the account every call is for.
    adv: Advertiser,
    /// Halcyon Home: another account, whose ids must be 404s.
    other: Advertiser,
    router: Router,
}

impl Api {
    async fn new(backend: Backend) -> Api {
        let app = spawn_app(backend).await;
        let store = app.store.clone();
        let adv = app.advertiser(NORTHWIND).await;
        let other = app.advertiser(HALCYON).await;
        let router = router_for(&adv, &(store.clone() as SandboxDb));
        Api {
            app,
            store,
            adv,
            other,
            router,
        }
    }

    /// The same database, with every call for `adv` (and the account it acted for before as the
    /// other one).
    fn acting_for(mut self, adv: Advertiser) -> Api {
        self.router = router_for(&adv, &(self.store.clone() as SandboxDb));
        self.other = std::mem::replace(&mut self.adv, adv);
        self
    }

    async fn call_with(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let mut req = Request::builder().method(method).uri(path);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let body = match body {
            Some(v) => Body::from(v.to_string()),
            None => Body::empty(),
        };
        let res = self
            .router
            .clone()
            .oneshot(req.body(body).expect("request"))
            .await
            .expect("response");
        let status = res.status();
        let bytes = axum::body::to_bytes(res.into_body(), 16 << 20)
            .await
            .expect("body");
        let value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
        (status, value)
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        self.call_with(method, path, body, &[]).await
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }
    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }
    async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PUT, path, Some(body)).await
    }

    async fn campaigns(&self, adv: &Advertiser, program: Program) -> Vec<Campaign> {
        self.store
            .campaigns(&adv.id, program, &SandboxQuery::all())
            .await
            .expect("campaigns")
            .items
    }

    async fn keywords(&self, adv: &Advertiser) -> Vec<Keyword> {
        self.store
            .keywords(&adv.id, Program::Sp, &SandboxQuery::all())
            .await
            .expect("keywords")
            .items
    }

    async fn targets(&self, adv: &Advertiser) -> Vec<Target> {
        self.store
            .targets(&adv.id, Program::Sp, &SandboxQuery::all())
            .await
            .expect("targets")
            .items
    }

    async fn ad_groups(&self, adv: &Advertiser) -> Vec<AdGroup> {
        self.store
            .ad_groups(&adv.id, Program::Sp, &SandboxQuery::all())
            .await
            .expect("ad groups")
            .items
    }

    async fn profile(&self, adv: &Advertiser) -> Profile {
        self.store
            .sandbox_profile(&adv.id)
            .await
            .expect("profile")
            .expect("a profile")
    }
}

/// A 400 whose details start with the named field.
fn assert_bad(res: (StatusCode, Value), field: &str) {
    assert_eq!(
        res.0,
        StatusCode::BAD_REQUEST,
        "expected a 400 naming `{field}`, got {res:?}"
    );
    assert_eq!(res.1["code"], "INVALID_ARGUMENT");
    let details = res.1["details"].as_str().unwrap_or_default();
    assert!(
        details.contains(&format!("`{field}`")),
        "`{details}` should name `{field}`"
    );
}

fn assert_status(res: &(StatusCode, Value), status: u16) {
    assert_eq!(res.0.as_u16(), status, "unexpected answer {res:?}");
}

// --- stories -------------------------------------------------------------------------------------

async fn profiles_and_the_scope_header(backend: Backend) {
    let api = Api::new(backend).await;
    let own = api.profile(&api.adv).await;
    let theirs = api.profile(&api.other).await;

    let (s, list) = api.get("/sandbox/v1/profiles").await;
    assert_eq!(s, 200);
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["profileId"], json!(own.id.get()));
    assert_eq!(list[0]["countryCode"], "US");
    assert_eq!(list[0]["currencyCode"], "USD");
    assert_eq!(list[0]["timezone"], "America/Los_Angeles");
    assert_eq!(
        list[0]["accountInfo"]["marketplaceStringId"],
        "ATVPDKIKX0DER"
    );

    let (s, one) = api.get(&format!("/sandbox/v1/profiles/{}", own.id)).await;
    assert_eq!(s, 200);
    assert_eq!(one["accountInfo"]["name"], NORTHWIND);
    let res = api
        .get(&format!("/sandbox/v1/profiles/{}", theirs.id))
        .await;
    assert_status(&res, 404);
    assert_eq!(
        res.1,
        json!({"code": "NOT_FOUND", "details": "profile not found"})
    );
    assert_bad(api.get("/sandbox/v1/profiles/abc").await, "profileId");

    // The scope header: the account's own profile, or 404 (another account's), or 400.
    let path = "/sandbox/v1/billing/status";
    let own_scope = own.id.to_string();
    let their_scope = theirs.id.to_string();
    assert_status(
        &api.call_with(
            Method::GET,
            path,
            None,
            &[("Amazon-Advertising-API-Scope", &own_scope)],
        )
        .await,
        200,
    );
    assert_status(
        &api.call_with(
            Method::GET,
            path,
            None,
            &[("Amazon-Advertising-API-Scope", &their_scope)],
        )
        .await,
        404,
    );
    assert_bad(
        api.call_with(
            Method::GET,
            path,
            None,
            &[("Amazon-Advertising-API-Scope", "ads-1")],
        )
        .await,
        "Amazon-Advertising-API-Scope",
    );

    // A handler never runs without a decision: mounted bare, it answers 500 and does nothing.
    let bare: Router = sandbox::routes()
        .into_iter()
        .fold(Router::<SandboxDb>::new(), |r, route| {
            r.route(route.path, route.handler)
        })
        .with_state(api.store.clone());
    let res = bare
        .oneshot(
            Request::builder()
                .uri("/sandbox/v1/profiles")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), 500);
}

async fn campaigns_list_create_update_pause_archive(backend: Backend) {
    let api = Api::new(backend).await;
    let sp = api.campaigns(&api.adv, Program::Sp).await;
    assert!(sp.len() >= 4);

    // List: everything, by state, by id, and page by page.
    let (s, all) = api.post("/sandbox/v1/sp/campaigns/list", json!({})).await;
    assert_eq!(s, 200);
    assert_eq!(all["totalResults"], json!(sp.len()));
    assert!(all.get("nextToken").is_none());
    assert!(
        all["campaigns"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["adProduct"] == "SPONSORED_PRODUCTS")
    );
    let (_, enabled) = api
        .post(
            "/sandbox/v1/sp/campaigns/list",
            json!({"stateFilter": {"include": ["ENABLED"]}}),
        )
        .await;
    let n_enabled = sp
        .iter()
        .filter(|c| c.state == EntityState::Enabled)
        .count();
    assert_eq!(enabled["totalResults"], json!(n_enabled));
    assert!(
        enabled["campaigns"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["state"] == "ENABLED")
    );
    let first = sp[0].id.to_string();
    let (_, by_id) = api
        .post(
            "/sandbox/v1/sp/campaigns/list",
            json!({"campaignIdFilter": {"include": [first]}}),
        )
        .await;
    assert_eq!(by_id["totalResults"], 1);
    let mut seen = BTreeSet::new();
    let mut token: Option<String> = None;
    loop {
        let mut body = json!({"maxResults": 2});
        if let Some(t) = &token {
            body["nextToken"] = json!(t);
        }
        let (s, page) = api.post("/sandbox/v1/sp/campaigns/list", body).await;
        assert_eq!(s, 200);
        for c in page["campaigns"].as_array().unwrap() {
            assert!(
                seen.insert(c["campaignId"].as_str().unwrap().to_string()),
                "a campaign on two pages"
            );
        }
        match page.get("nextToken").and_then(Value::as_str) {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len(), sp.len());
    assert_bad(
        api.post(
            "/sandbox/v1/sp/campaigns/list",
            json!({"stateFilter": {"include": ["DELETED"]}}),
        )
        .await,
        "stateFilter.include[0]",
    );
    assert_bad(
        api.post("/sandbox/v1/sp/campaigns/list", json!({"maxResults": 0}))
            .await,
        "maxResults",
    );
    assert_bad(
        api.post(
            "/sandbox/v1/sp/campaigns/list",
            json!({"nextToken": "nope"}),
        )
        .await,
        "nextToken",
    );

    // Create, then read it back.
    let (s, c) = api
        .post(
            "/sandbox/v1/sp/campaigns",
            json!({"name": "Northwind - Spring Launch", "budget": {"budget": 42.5, "budgetType": "DAILY"}, "targetingType": "MANUAL"}),
        )
        .await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["state"], "ENABLED");
    assert_eq!(c["budget"]["budget"], json!(42.5));
    assert_eq!(
        c["extendedData"]["servingStatus"],
        "CAMPAIGN_STATUS_ENABLED"
    );
    let id = c["campaignId"].as_str().unwrap().to_string();
    let path = format!("/sandbox/v1/sp/campaigns/{id}");
    let (s, again) = api.get(&path).await;
    assert_eq!(s, 200);
    assert_eq!(again["name"], "Northwind - Spring Launch");

    // Bad bodies name the field.
    let create = "/sandbox/v1/sp/campaigns";
    let today = Utc::now().date_naive();
    let base = || json!({"name": "X", "budget": {"budget": 10}});
    let with = |k: &str, v: Value| {
        let mut b = base();
        b[k] = v;
        b
    };
    assert_bad(
        api.post(create, with("budget", json!({"budget": -5})))
            .await,
        "budget.budget",
    );
    assert_bad(
        api.post(
            create,
            with("budget", json!({"budget": 10, "budgetType": "MONTHLY"})),
        )
        .await,
        "budget.budgetType",
    );
    assert_bad(
        api.post(create, with("budget", json!({"budget": 2_000_000})))
            .await,
        "budget.budget",
    );
    assert_bad(api.post(create, with("name", json!(""))).await, "name");
    assert_bad(
        api.post(create, with("name", json!("n".repeat(129)))).await,
        "name",
    );
    assert_bad(
        api.post(create, with("state", json!("ARCHIVED"))).await,
        "state",
    );
    assert_bad(
        api.post(create, with("state", json!("RUNNING"))).await,
        "state",
    );
    assert_bad(
        api.post(create, with("targetingType", json!("SEMI"))).await,
        "targetingType",
    );
    assert_bad(
        api.post(
            create,
            with(
                "startDate",
                json!((today - chrono::Duration::days(1)).to_string()),
            ),
        )
        .await,
        "startDate",
    );
    assert_bad(
        api.post(
            create,
            with(
                "endDate",
                json!((today - chrono::Duration::days(1)).to_string()),
            ),
        )
        .await,
        "endDate",
    );
    assert_bad(
        api.post(create, with("endDate", json!("31/12/2030"))).await,
        "endDate",
    );
    let res = api.post(create, with("colour", json!("red"))).await;
    assert_status(&res, 400);
    assert!(
        res.1["details"]
            .as_str()
            .unwrap()
            .contains("unknown field `colour`")
    );
    let res = api.post(create, json!({"name": "X"})).await;
    assert_eq!(res.1["details"], "missing field `budget`");
    let res = api.call(Method::POST, create, None).await;
    assert_eq!(res.1["details"], "missing field `name`");
    let res = api.post(create, json!([1, 2])).await;
    assert_status(&res, 400);
    let raw = api
        .router
        .clone()
        .oneshot(Request::post(create).body(Body::from("{not json")).unwrap())
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);

    // Update: name, state, end date, budget; the budget route; pause.
    let end = (today + chrono::Duration::days(40)).to_string();
    let (s, u) = api
        .put(&path, json!({"name": "Northwind - Spring Launch 2", "state": "PAUSED", "endDate": end, "budget": {"budget": 55}}))
        .await;
    assert_eq!(s, 200, "{u}");
    assert_eq!(
        (
            u["name"].as_str(),
            u["state"].as_str(),
            u["endDate"].as_str()
        ),
        (
            Some("Northwind - Spring Launch 2"),
            Some("PAUSED"),
            Some(end.as_str())
        )
    );
    assert_eq!(u["budget"]["budget"], json!(55.0));
    let (_, u) = api
        .put(&path, json!({"endDate": null, "state": "ENABLED"}))
        .await;
    assert_eq!(u["endDate"], Value::Null);
    assert_bad(api.put(&path, json!({})).await, "name");
    assert_bad(api.put(&path, json!({"state": "ARCHIVED"})).await, "state");
    assert_bad(
        api.put(&path, json!({"budget": {"budget": "lots"}})).await,
        "budget.budget",
    );
    let (s, b) = api
        .put(
            &format!("{path}/budget"),
            json!({"budget": {"budget": 61.25}}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(b["budget"]["budget"], json!(61.25));
    assert_bad(
        api.put(&format!("{path}/budget"), json!({"budget": {"budget": 0}}))
            .await,
        "budget.budget",
    );
    let (s, p) = api.post(&format!("{path}/pause"), json!({})).await;
    assert_eq!(s, 200);
    assert_eq!(p["state"], "PAUSED");
    assert_bad(
        api.post(&format!("{path}/pause"), json!({"now": true}))
            .await,
        "now",
    );

    // Archive: final; every later change is a 409.
    let (s, a) = api
        .call(Method::POST, &format!("{path}/archive"), None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(a["state"], "ARCHIVED");
    assert_eq!(a["extendedData"]["servingStatus"], "CAMPAIGN_ARCHIVED");
    for res in [
        api.put(&path, json!({"name": "Revived"})).await,
        api.put(&format!("{path}/budget"), json!({"budget": {"budget": 99}}))
            .await,
        api.post(&format!("{path}/pause"), json!({})).await,
        api.post(&format!("{path}/archive"), json!({})).await,
    ] {
        assert_status(&res, 409);
        assert_eq!(res.1["code"], "CONFLICT");
        assert!(res.1["details"].as_str().unwrap().contains("archived"));
    }
    assert_eq!(
        api.get(&path).await.1["name"],
        "Northwind - Spring Launch 2"
    );

    // Another account's campaign, an unknown id, a malformed id.
    let theirs = api.campaigns(&api.other, Program::Sp).await[0].id;
    for p in [
        format!("/sandbox/v1/sp/campaigns/{theirs}"),
        "/sandbox/v1/sp/campaigns/123456789012345".to_string(),
    ] {
        let res = api.get(&p).await;
        assert_status(&res, 404);
        assert_eq!(res.1["details"], "campaign not found");
        assert_status(&api.put(&p, json!({"name": "Mine now"})).await, 404);
        assert_status(
            &api.put(&format!("{p}/budget"), json!({"budget": {"budget": 10}}))
                .await,
            404,
        );
        assert_status(&api.post(&format!("{p}/pause"), json!({})).await, 404);
        assert_status(&api.post(&format!("{p}/archive"), json!({})).await, 404);
    }
    assert_bad(api.get("/sandbox/v1/sp/campaigns/abc").await, "campaignId");

    // The seeded archived campaign refuses changes too.
    let archived = sp
        .iter()
        .find(|c| c.state == EntityState::Archived)
        .expect("an archived demo campaign");
    assert_status(
        &api.put(
            &format!("/sandbox/v1/sp/campaigns/{}", archived.id),
            json!({"name": "Again"}),
        )
        .await,
        409,
    );
}

async fn sponsored_brands_and_display_campaigns(backend: Backend) {
    let api = Api::new(backend).await;
    for (ns, program) in [("sb", Program::Sb), ("sd", Program::Sd)] {
        let existing = api.campaigns(&api.adv, program).await;
        let (s, list) = api
            .post(&format!("/sandbox/v1/{ns}/campaigns/list"), json!({}))
            .await;
        assert_eq!(s, 200);
        assert_eq!(list["totalResults"], json!(existing.len()));
        assert!(
            list["campaigns"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["adProduct"] == program.api())
        );
        let (s, c) = api
            .post(
                &format!("/sandbox/v1/{ns}/campaigns"),
                json!({"name": format!("Northwind - {ns} test"), "budget": {"budget": 12}}),
            )
            .await;
        assert_eq!(s, 200, "{c}");
        let id = c["campaignId"].as_str().unwrap();
        assert_eq!(
            api.get(&format!("/sandbox/v1/{ns}/campaigns/{id}")).await.0,
            200
        );
        // Not a Sponsored Products campaign.
        assert_status(
            &api.get(&format!("/sandbox/v1/sp/campaigns/{id}")).await,
            404,
        );
        let (s, b) = api
            .put(
                &format!("/sandbox/v1/{ns}/campaigns/{id}/budget"),
                json!({"budget": {"budget": 15}}),
            )
            .await;
        assert_eq!(
            (s.as_u16(), b["budget"]["budget"].clone()),
            (200, json!(15.0))
        );
        assert_eq!(
            api.put(
                &format!("/sandbox/v1/{ns}/campaigns/{id}"),
                json!({"name": "Renamed"})
            )
            .await
            .0,
            200
        );
        assert_eq!(
            api.post(&format!("/sandbox/v1/{ns}/campaigns/{id}/pause"), json!({}))
                .await
                .0,
            200
        );
        assert_eq!(
            api.post(
                &format!("/sandbox/v1/{ns}/campaigns/{id}/archive"),
                json!({})
            )
            .await
            .0,
            200
        );
        assert_status(
            &api.post(&format!("/sandbox/v1/{ns}/campaigns/{id}/pause"), json!({}))
                .await,
            409,
        );
        let theirs = api.campaigns(&api.other, program).await[0].id;
        assert_status(
            &api.get(&format!("/sandbox/v1/{ns}/campaigns/{theirs}"))
                .await,
            404,
        );
    }
}

async fn ad_groups_keywords_and_targets(backend: Backend) {
    let api = Api::new(backend).await;
    let sp = api.campaigns(&api.adv, Program::Sp).await;
    let open = sp
        .iter()
        .find(|c| c.state == EntityState::Enabled && c.targeting_type == TargetingType::Manual)
        .unwrap();
    let archived = sp
        .iter()
        .find(|c| c.state == EntityState::Archived)
        .unwrap();
    let their_campaign = api.campaigns(&api.other, Program::Sp).await[0].id;
    let their_group = api.ad_groups(&api.other).await[0].id;
    let their_keyword = api.keywords(&api.other).await[0].id;
    let their_target = api.targets(&api.other).await[0].id;

    // Ad groups.
    let (s, groups) = api
        .post(
            "/sandbox/v1/sp/adGroups/list",
            json!({"campaignIdFilter": {"include": [open.id.to_string()]}}),
        )
        .await;
    assert_eq!(s, 200);
    let groups = groups["adGroups"].as_array().unwrap().clone();
    assert!(!groups.is_empty());
    assert!(
        groups
            .iter()
            .all(|g| g["campaignId"] == json!(open.id.to_string()))
    );
    let (s, g) = api
        .post(
            "/sandbox/v1/sp/adGroups",
            json!({"campaignId": open.id.to_string(), "name": "Trail runners", "defaultBid": 0.85}),
        )
        .await;
    assert_eq!(s, 200, "{g}");
    assert_eq!(g["defaultBid"], json!(0.85));
    let gid = g["adGroupId"].as_str().unwrap().to_string();
    assert_eq!(
        api.get(&format!("/sandbox/v1/sp/adGroups/{gid}")).await.1["name"],
        "Trail runners"
    );
    let (s, g2) = api
        .put(
            &format!("/sandbox/v1/sp/adGroups/{gid}"),
            json!({"name": "Trail running", "state": "PAUSED"}),
        )
        .await;
    assert_eq!((s.as_u16(), g2["state"].as_str()), (200, Some("PAUSED")));
    api.put(
        &format!("/sandbox/v1/sp/adGroups/{gid}"),
        json!({"state": "ENABLED"}),
    )
    .await;
    assert_bad(
        api.put(
            &format!("/sandbox/v1/sp/adGroups/{gid}"),
            json!({"state": "ARCHIVED"}),
        )
        .await,
        "state",
    );
    assert_bad(
        api.post(
            "/sandbox/v1/sp/adGroups",
            json!({"campaignId": open.id.to_string(), "name": "X", "defaultBid": 0}),
        )
        .await,
        "defaultBid",
    );
    assert_bad(
        api.post(
            "/sandbox/v1/sp/adGroups",
            json!({"campaignId": "x1", "name": "X", "defaultBid": 1}),
        )
        .await,
        "campaignId",
    );
    assert_status(
        &api.post(
            "/sandbox/v1/sp/adGroups",
            json!({"campaignId": their_campaign.to_string(), "name": "X", "defaultBid": 1}),
        )
        .await,
        404,
    );
    assert_status(
        &api.post(
            "/sandbox/v1/sp/adGroups",
            json!({"campaignId": archived.id.to_string(), "name": "X", "defaultBid": 1}),
        )
        .await,
        409,
    );
    assert_status(
        &api.get(&format!("/sandbox/v1/sp/adGroups/{their_group}"))
            .await,
        404,
    );
    assert_status(
        &api.put(
            &format!("/sandbox/v1/sp/adGroups/{their_group}"),
            json!({"name": "Mine"}),
        )
        .await,
        404,
    );

    // Keywords.
    let (s, k) = api
        .post(
            "/sandbox/v1/sp/keywords",
            json!({"campaignId": open.id.to_string(), "adGroupId": gid, "keywordText": "  Trail RUNNING   shoes ", "matchType": "EXACT", "bid": 1.25}),
        )
        .await;
    assert_eq!(s, 200, "{k}");
    assert_eq!(
        (k["keywordText"].as_str(), k["bid"].clone()),
        (Some("trail running shoes"), json!(1.25))
    );
    let kid = k["keywordId"].as_str().unwrap().to_string();
    let dup = api
        .post(
            "/sandbox/v1/sp/keywords",
            json!({"adGroupId": gid, "keywordText": "trail running shoes", "matchType": "EXACT"}),
        )
        .await;
    assert_status(&dup, 409);
    let (s, k2) = api
        .post(
            "/sandbox/v1/sp/keywords",
            json!({"adGroupId": gid, "keywordText": "trail running shoes", "matchType": "PHRASE"}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        k2["bid"],
        json!(0.85),
        "without a bid, the ad group's default bid"
    );
    assert_bad(
        api.post(
            "/sandbox/v1/sp/keywords",
            json!({"adGroupId": gid, "keywordText": "x", "matchType": "FUZZY"}),
        )
        .await,
        "matchType",
    );
    assert_bad(
        api.post(
            "/sandbox/v1/sp/keywords",
            json!({"adGroupId": gid, "keywordText": "a b c d e f g h i j k", "matchType": "BROAD"}),
        )
        .await,
        "keywordText",
    );
    assert_bad(
        api.post(
            "/sandbox/v1/sp/keywords",
            json!({"adGroupId": gid, "keywordText": "x", "matchType": "BROAD", "bid": 5000}),
        )
        .await,
        "bid",
    );
    assert_bad(api.post("/sandbox/v1/sp/keywords", json!({"campaignId": sp.iter().find(|c| c.id != open.id).unwrap().id.to_string(), "adGroupId": gid, "keywordText": "x", "matchType": "BROAD"})).await, "campaignId");
    assert_status(
        &api.post(
            "/sandbox/v1/sp/keywords",
            json!({"adGroupId": their_group.to_string(), "keywordText": "x", "matchType": "BROAD"}),
        )
        .await,
        404,
    );
    let archived_group = api
        .ad_groups(&api.adv)
        .await
        .into_iter()
        .find(|g| g.campaign_id == archived.id)
        .unwrap();
    assert_status(&api.post("/sandbox/v1/sp/keywords", json!({"adGroupId": archived_group.id.to_string(), "keywordText": "x", "matchType": "BROAD"})).await, 409);
    let (_, listed) = api
        .post(
            "/sandbox/v1/sp/keywords/list",
            json!({"adGroupIdFilter": {"include": [gid]}}),
        )
        .await;
    assert_eq!(listed["totalResults"], 2);
    assert_eq!(
        api.get(&format!("/sandbox/v1/sp/keywords/{kid}")).await.1["matchType"],
        "EXACT"
    );
    let (s, u) = api
        .put(
            &format!("/sandbox/v1/sp/keywords/{kid}"),
            json!({"state": "PAUSED"}),
        )
        .await;
    assert_eq!((s.as_u16(), u["state"].as_str()), (200, Some("PAUSED")));
    assert_bad(
        api.put(&format!("/sandbox/v1/sp/keywords/{kid}"), json!({"bid": 3}))
            .await,
        "bid",
    );
    assert_bad(
        api.put(&format!("/sandbox/v1/sp/keywords/{kid}"), json!({}))
            .await,
        "state",
    );
    let (s, b) = api
        .put(
            &format!("/sandbox/v1/sp/keywords/{kid}/bid"),
            json!({"bid": 1.4}),
        )
        .await;
    assert_eq!((s.as_u16(), b["bid"].clone()), (200, json!(1.4)));
    assert_bad(
        api.put(
            &format!("/sandbox/v1/sp/keywords/{kid}/bid"),
            json!({"bid": 0.01}),
        )
        .await,
        "bid",
    );
    let archived_kw = api
        .keywords(&api.adv)
        .await
        .into_iter()
        .find(|k| k.state == EntityState::Archived)
        .expect("an archived demo keyword");
    assert_status(
        &api.put(
            &format!("/sandbox/v1/sp/keywords/{}", archived_kw.id),
            json!({"state": "ENABLED"}),
        )
        .await,
        409,
    );
    assert_status(
        &api.put(
            &format!("/sandbox/v1/sp/keywords/{}/bid", archived_kw.id),
            json!({"bid": 2}),
        )
        .await,
        409,
    );
    let under_archived = api
        .keywords(&api.adv)
        .await
        .into_iter()
        .find(|k| k.campaign_id == archived.id)
        .unwrap();
    let res = api
        .put(
            &format!("/sandbox/v1/sp/keywords/{}/bid", under_archived.id),
            json!({"bid": 2}),
        )
        .await;
    assert_status(&res, 409);
    assert!(res.1["details"].as_str().unwrap().contains("campaign"));
    assert_status(
        &api.get(&format!("/sandbox/v1/sp/keywords/{their_keyword}"))
            .await,
        404,
    );
    assert_status(
        &api.put(
            &format!("/sandbox/v1/sp/keywords/{their_keyword}"),
            json!({"state": "PAUSED"}),
        )
        .await,
        404,
    );
    assert_status(
        &api.put(
            &format!("/sandbox/v1/sp/keywords/{their_keyword}/bid"),
            json!({"bid": 2}),
        )
        .await,
        404,
    );
    assert_eq!(api.keywords(&api.other).await[0].id, their_keyword);

    // Targets.
    let (s, t) = api
        .post("/sandbox/v1/sp/targets", json!({"adGroupId": gid, "expression": [{"type": "ASIN_SAME_AS", "value": "b07xj8c8f5"}], "bid": 0.95}))
        .await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(
        t["expression"],
        json!([{"type": "ASIN_SAME_AS", "value": "B07XJ8C8F5"}])
    );
    assert_eq!(t["expressionType"], "MANUAL");
    let tid = t["targetId"].as_str().unwrap().to_string();
    let (s, auto) = api
        .post(
            "/sandbox/v1/sp/targets",
            json!({"adGroupId": gid, "expression": [{"type": "QUERY_HIGH_REL_MATCHES"}]}),
        )
        .await;
    assert_eq!(
        (s.as_u16(), auto["expressionType"].as_str()),
        (200, Some("AUTO"))
    );
    assert_bad(
        api.post(
            "/sandbox/v1/sp/targets",
            json!({"adGroupId": gid, "expression": [{"type": "ASIN_SAME_AS"}]}),
        )
        .await,
        "expression[0].value",
    );
    assert_bad(
        api.post(
            "/sandbox/v1/sp/targets",
            json!({"adGroupId": gid, "expression": []}),
        )
        .await,
        "expression",
    );
    assert_bad(
        api.post(
            "/sandbox/v1/sp/targets",
            json!({"adGroupId": gid, "expression": [{"type": "ASIN_LOOKALIKE", "value": "B1"}]}),
        )
        .await,
        "expression[0].type",
    );
    assert_status(&api.post("/sandbox/v1/sp/targets", json!({"adGroupId": their_group.to_string(), "expression": [{"type": "QUERY_HIGH_REL_MATCHES"}]})).await, 404);
    let (_, listed) = api
        .post(
            "/sandbox/v1/sp/targets/list",
            json!({"adGroupIdFilter": {"include": [gid]}, "stateFilter": {"include": ["ENABLED"]}}),
        )
        .await;
    assert_eq!(listed["totalResults"], 2);
    assert_eq!(
        api.get(&format!("/sandbox/v1/sp/targets/{tid}")).await.0,
        200
    );
    assert_eq!(
        api.put(
            &format!("/sandbox/v1/sp/targets/{tid}"),
            json!({"state": "PAUSED"})
        )
        .await
        .1["state"],
        "PAUSED"
    );
    assert_bad(
        api.put(&format!("/sandbox/v1/sp/targets/{tid}"), json!({"bid": 1}))
            .await,
        "bid",
    );
    let (s, b) = api
        .put(
            &format!("/sandbox/v1/sp/targets/{tid}/bid"),
            json!({"bid": 1.05}),
        )
        .await;
    assert_eq!((s.as_u16(), b["bid"].clone()), (200, json!(1.05)));
    assert_status(
        &api.get(&format!("/sandbox/v1/sp/targets/{their_target}"))
            .await,
        404,
    );
    assert_status(
        &api.put(
            &format!("/sandbox/v1/sp/targets/{their_target}"),
            json!({"state": "PAUSED"}),
        )
        .await,
        404,
    );
    assert_status(
        &api.put(
            &format!("/sandbox/v1/sp/targets/{their_target}/bid"),
            json!({"bid": 2}),
        )
        .await,
        404,
    );
    assert_bad(api.get("/sandbox/v1/sp/targets/0").await, "targetId");
    // Nothing of the other account changed.
    assert_eq!(
        api.targets(&api.other)
            .await
            .iter()
            .find(|t| t.id == their_target)
            .unwrap()
            .state,
        EntityState::Enabled
    );
}

async fn the_report_job_lifecycle(backend: Backend) {
    let api = Api::new(backend).await;
    let today = Utc::now().date_naive();
    let start = (today - chrono::Duration::days(7)).to_string();
    let end = (today - chrono::Duration::days(1)).to_string();
    let (s, job) = api
        .post(
            "/sandbox/v1/reporting/reports",
            json!({"name": "Last week by day", "startDate": start, "endDate": end,
                   "configuration": {"adProduct": "SPONSORED_PRODUCTS", "reportTypeId": "spCampaigns", "timeUnit": "DAILY",
                                     "groupBy": ["campaign"], "columns": ["date", "campaignId", "impressions", "clicks", "cost"], "format": "GZIP_JSON"}}),
        )
        .await;
    assert_eq!(s, 200, "{job}");
    assert_eq!(job["status"], "PENDING");
    assert_eq!(job["url"], Value::Null);
    let id = job["reportId"].as_str().unwrap().to_string();
    let path = format!("/sandbox/v1/reporting/reports/{id}");
    let (s, polled) = api.get(&path).await;
    assert_eq!(s, 200);
    assert_eq!(
        polled["status"], "PROCESSING",
        "the first poll within a second"
    );
    let res = api.get(&format!("{path}/download")).await;
    assert_status(&res, 409);
    assert!(res.1["details"].as_str().unwrap().contains("PROCESSING"));

    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (_, done) = api.get(&path).await;
    assert_eq!(done["status"], "COMPLETED");
    let url = done["url"].as_str().unwrap().to_string();
    assert_eq!(url, format!("{path}/download"));
    let (_, again) = api.get(&path).await;
    assert_eq!(
        again["fileSize"], done["fileSize"],
        "a completed report never changes"
    );
    let (s, rows) = api.get(&url).await;
    assert_eq!(s, 200);
    let rows = rows.as_array().unwrap();
    assert!(!rows.is_empty());
    let budgets: BTreeMap<String, f64> = api
        .campaigns(&api.adv, Program::Sp)
        .await
        .iter()
        .map(|c| (c.id.to_string(), c.daily_budget_minor as f64 / 100.0))
        .collect();
    for r in rows {
        let keys: BTreeSet<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            BTreeSet::from(["date", "campaignId", "impressions", "clicks", "cost"])
        );
        let budget = budgets[r["campaignId"].as_str().unwrap()];
        assert!(
            r["cost"].as_f64().unwrap() <= budget,
            "a day's cost within the daily budget"
        );
        let date = r["date"].as_str().unwrap();
        assert!(date >= start.as_str() && date <= end.as_str());
        assert!(r["clicks"].as_i64().unwrap() <= r["impressions"].as_i64().unwrap());
    }

    // Bad requests name the field.
    let req = |f: &dyn Fn(&mut Value)| {
        let mut b = json!({"startDate": start, "endDate": end, "configuration": {"reportTypeId": "spTargeting"}});
        f(&mut b);
        b
    };
    let create = "/sandbox/v1/reporting/reports";
    assert_eq!(api.post(create, req(&|_| {})).await.0, 200);
    assert_bad(
        api.post(
            create,
            req(&|b| b["endDate"] = json!((today - chrono::Duration::days(9)).to_string())),
        )
        .await,
        "endDate",
    );
    assert_bad(
        api.post(
            create,
            req(&|b| b["endDate"] = json!((today + chrono::Duration::days(1)).to_string())),
        )
        .await,
        "endDate",
    );
    assert_bad(
        api.post(
            create,
            req(&|b| b["startDate"] = json!((today - chrono::Duration::days(40)).to_string())),
        )
        .await,
        "endDate",
    );
    assert_bad(
        api.post(
            create,
            req(&|b| b["configuration"]["reportTypeId"] = json!("spFoo")),
        )
        .await,
        "configuration.reportTypeId",
    );
    assert_bad(
        api.post(
            create,
            req(&|b| b["configuration"]["columns"] = json!(["date"])),
        )
        .await,
        "configuration.columns[0]",
    );
    assert_bad(
        api.post(
            create,
            req(&|b| b["configuration"]["columns"] = json!(["keywordId", "budgetFoo"])),
        )
        .await,
        "configuration.columns[1]",
    );
    assert_bad(
        api.post(
            create,
            req(&|b| b["configuration"]["groupBy"] = json!(["campaign"])),
        )
        .await,
        "configuration.groupBy",
    );
    assert_bad(
        api.post(
            create,
            req(&|b| b["configuration"]["format"] = json!("CSV")),
        )
        .await,
        "configuration.format",
    );
    assert_bad(
        api.post(
            create,
            req(&|b| b["configuration"]["adProduct"] = json!("SPONSORED_BRANDS")),
        )
        .await,
        "configuration.adProduct",
    );
    assert_bad(
        api.post(create, json!({"startDate": start, "endDate": end}))
            .await,
        "configuration",
    );

    // The demo's completed reports (their ids are deterministic): ours download, theirs are 404.
    let ours = demo::sandbox_seed(&api.adv, Utc::now()).unwrap().reports;
    let theirs = demo::sandbox_seed(&api.other, Utc::now()).unwrap().reports;
    let (s, rows) = api
        .get(&format!(
            "/sandbox/v1/reporting/reports/{}/download",
            ours[2].id
        ))
        .await;
    assert_eq!(s, 200);
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .all(|r| r.get("keywordId").is_some())
    );
    let (_, status) = api
        .get(&format!("/sandbox/v1/reporting/reports/{}", ours[0].id))
        .await;
    assert_eq!(status["status"], "COMPLETED");
    for p in [
        format!("/sandbox/v1/reporting/reports/{}", theirs[0].id),
        format!("/sandbox/v1/reporting/reports/{}/download", theirs[0].id),
    ] {
        let res = api.get(&p).await;
        assert_status(&res, 404);
        assert_eq!(res.1["details"], "report not found");
    }
    assert_bad(
        api.get("/sandbox/v1/reporting/reports/not-a-uuid").await,
        "reportId",
    );
}

async fn billing_is_read_only(backend: Backend) {
    let api = Api::new(backend).await;
    let (s, list) = api.get("/sandbox/v1/billing/invoices").await;
    assert_eq!(s, 200);
    assert_eq!(list["totalResults"], 6);
    let invoices = list["invoices"].as_array().unwrap();
    let periods: Vec<&str> = invoices
        .iter()
        .map(|i| i["invoicePeriod"]["start"].as_str().unwrap())
        .collect();
    let mut sorted = periods.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(periods, sorted, "newest first");
    assert_eq!(invoices[0]["status"], "ISSUED");
    assert!(
        invoices[1..]
            .iter()
            .all(|i| i["status"] == "PAID_IN_FULL" && i["amountDue"] == json!(0.0))
    );
    assert!(invoices.iter().all(|i| i["currencyCode"] == "USD"));

    let (_, page) = api.get("/sandbox/v1/billing/invoices?count=4").await;
    assert_eq!(page["invoices"].as_array().unwrap().len(), 4);
    let cursor = page["nextCursor"].as_str().unwrap().to_string();
    let (_, rest) = api
        .get(&format!(
            "/sandbox/v1/billing/invoices?count=4&cursor={cursor}"
        ))
        .await;
    assert_eq!(rest["invoices"].as_array().unwrap().len(), 2);
    assert!(rest.get("nextCursor").is_none());
    assert_bad(
        api.get("/sandbox/v1/billing/invoices?count=0").await,
        "count",
    );
    assert_bad(
        api.get("/sandbox/v1/billing/invoices?cursor=zzz").await,
        "cursor",
    );
    assert_bad(
        api.get("/sandbox/v1/billing/invoices?status=PAID").await,
        "status",
    );

    let id = invoices[0]["invoiceId"].as_str().unwrap();
    let (s, one) = api.get(&format!("/sandbox/v1/billing/invoices/{id}")).await;
    assert_eq!(s, 200);
    assert_eq!(one, invoices[0]);
    let theirs = api.store.invoices(&api.other.id, 0, 1).await.unwrap().items[0].id;
    assert_status(
        &api.get(&format!("/sandbox/v1/billing/invoices/{theirs}"))
            .await,
        404,
    );
    assert_bad(
        api.get("/sandbox/v1/billing/invoices/INV-1").await,
        "invoiceId",
    );

    let (s, status) = api.get("/sandbox/v1/billing/status").await;
    assert_eq!(s, 200);
    assert_eq!(status["billingStatus"], "ACTIVE");
    assert_eq!(status["outstandingBalance"], invoices[0]["totalAmount"]);
    assert_eq!(status["lastInvoiceId"], invoices[0]["invoiceId"]);
    // Read-only: no route writes billing data.
    for route in sandbox::routes()
        .iter()
        .filter(|r| r.path.starts_with("/sandbox/v1/billing"))
    {
        assert_eq!(route.method, Method::GET, "{}", route.path);
    }
}

async fn the_demo_accounts_have_sandbox_data(backend: Backend) {
    let api = Api::new(backend).await;
    for (name, currency, tax) in [
        (NORTHWIND, "USD", false),
        (HALCYON, "GBP", true),
        (BERGFELD, "EUR", true),
    ] {
        let adv = api.app.advertiser(name).await;
        let profile = api.profile(&adv).await;
        assert_eq!(profile.currency_code, currency);
        let mut total = 0;
        for p in [Program::Sp, Program::Sb, Program::Sd] {
            let n = api.campaigns(&adv, p).await.len();
            assert!(n >= 1, "{name} has {p} campaigns");
            total += n;
        }
        assert!((4..=8).contains(&total), "{name}: {total} campaigns");
        assert!(!api.ad_groups(&adv).await.is_empty());
        let keywords = api.keywords(&adv).await;
        assert!(
            keywords.len() >= 5
                && keywords
                    .iter()
                    .all(|k| (2..=100_000).contains(&k.bid_minor))
        );
        assert!(!api.targets(&adv).await.is_empty());
        let invoices = api.store.invoices(&adv.id, 0, 100).await.unwrap().items;
        assert_eq!(invoices.len(), 6);
        assert!(invoices.iter().all(|i| i.currency.code() == currency
            && i.amount_minor > 0
            && (i.tax_minor > 0) == tax));
        // The seed as stored is the deterministic plan.
        let plan = demo::sandbox_seed(&adv, Utc::now()).unwrap();
        let stored: BTreeSet<i64> = api
            .campaigns(&adv, Program::Sp)
            .await
            .iter()
            .map(|c| c.id.get())
            .collect();
        let planned: BTreeSet<i64> = plan
            .campaigns
            .iter()
            .filter(|c| c.program == Program::Sp)
            .map(|c| c.id.get())
            .collect();
        assert_eq!(stored, planned);
        for r in &plan.reports {
            let job = api
                .store
                .report(&adv.id, &r.id)
                .await
                .unwrap()
                .expect("seeded report");
            assert_eq!(job.status, ReportStatus::Completed);
            assert!(job.payload.is_some());
        }
    }
}

// --- describe, data-driven ---------------------------------------------------------------------

/// What a describe should answer: the operation (its resource without the account prefix), or
/// an error status.
#[derive(Debug, Clone, PartialEq)]
enum Expect {
    Op {
        resource: String,
        amount: Option<i64>,
        bid: Option<&'static str>,
    },
    Status(u16),
}

fn ok(resource: impl Into<String>, amount: Option<i64>) -> Expect {
    Expect::Op {
        resource: resource.into(),
        amount,
        bid: None,
    }
}

fn ok_bid(resource: impl Into<String>, amount: Option<i64>, bid: &'static str) -> Expect {
    Expect::Op {
        resource: resource.into(),
        amount,
        bid: Some(bid),
    }
}

struct Case {
    method: Method,
    path: &'static str,
    params: Vec<(&'static str, String)>,
    body: Value,
    expect: Expect,
}

fn case(
    method: Method,
    path: &'static str,
    params: &[(&'static str, &dyn ToString)],
    body: Value,
    expect: Expect,
) -> Case {
    Case {
        method,
        path,
        params: params.iter().map(|(k, v)| (*k, v.to_string())).collect(),
        body,
        expect,
    }
}

/// Runs one case's describe and compares; returns the route's action when it answered.
async fn check(
    routes: &[Route],
    adv: &Advertiser,
    store: &SandboxDb,
    now: DateTime<Utc>,
    c: &Case,
) -> Option<&'static str> {
    let route = routes
        .iter()
        .find(|r| r.method == c.method && r.path == c.path)
        .unwrap_or_else(|| panic!("no route {} {}", c.method, c.path));
    let params: BTreeMap<String, String> = c
        .params
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let input = DescribeInput {
        advertiser: adv,
        params: &params,
        body: &c.body,
        store,
        now,
    };
    let got = (route.describe)(input).await;
    let prefix = format!(
        "arn:ads:{}:{}:",
        adv.marketplace.code().to_ascii_lowercase(),
        adv.id
    );
    let label = format!("{} {} {:?} {}", c.method, c.path, c.params, c.body);
    match (&got, &c.expect) {
        (
            Ok(op),
            Expect::Op {
                resource,
                amount,
                bid,
            },
        ) => {
            let Operation {
                action,
                resource: got_resource,
                amount_minor,
                bid_amount,
            } = op;
            assert_eq!(*action, route.action, "{label}: the route's action");
            assert_eq!(
                got_resource,
                &format!("{prefix}{resource}"),
                "{label}: resource"
            );
            assert_eq!(amount_minor, amount, "{label}: amount");
            assert_eq!(bid_amount.as_deref(), *bid, "{label}: bid");
            let catalog = authz::Catalog::builtin()
                .get(action)
                .expect("a catalog action");
            assert_eq!(
                amount_minor.is_some(),
                catalog.commits_money,
                "{label}: an amount exactly for money actions"
            );
            Some(route.action)
        }
        (Err(e), Expect::Status(s)) => {
            assert_eq!(e.status().as_u16(), *s, "{label}: {e}");
            None
        }
        _ => panic!("{label}: expected {:?}, got {got:?}", c.expect),
    }
}

async fn describe_gives_action_resource_and_amount(backend: Backend) {
    let api = Api::new(backend).await;
    let (store, adv) = (&api.store, &api.adv);
    // A fixed clock: 2026-03-10. Capacity counts up to 31 days from the first running day
    // (`money::COMMITMENT_HORIZON_DAYS`), whatever month they fall in.
    let now = Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap();
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let jan = d("2026-01-01");
    let new_campaign = |program, name: &str, state, budget, end| NewCampaign {
        program,
        name: EntityName::parse(name).unwrap(),
        state,
        daily_budget_minor: budget,
        start_date: jan,
        end_date: end,
        targeting_type: TargetingType::Manual,
        created_at: now,
    };
    use EntityState::*;
    let mk = |n: NewCampaign| async move { store.create_campaign(&adv.id, n).await.unwrap() };
    let e = mk(new_campaign(Program::Sp, "E", Enabled, 5_000, None)).await;
    let p = mk(new_campaign(Program::Sp, "P", Paused, 3_000, None)).await;
    let a = mk(new_campaign(Program::Sp, "A", Enabled, 3_000, None)).await;
    store
        .update_campaign(
            &adv.id,
            Program::Sp,
            a.id,
            &CampaignPatch {
                state: Some(Archived),
                ..Default::default()
            },
            now,
        )
        .await
        .unwrap();
    let ends = mk(new_campaign(
        Program::Sp,
        "Ends 14th",
        Enabled,
        4_000,
        Some(d("2026-03-14")),
    ))
    .await;
    let sb = mk(new_campaign(Program::Sb, "SB", Enabled, 2_000, None)).await;
    let sd = mk(new_campaign(Program::Sd, "SD", Paused, 1_000, None)).await;
    let group = |campaign_id| NewAdGroup {
        campaign_id,
        name: EntityName::parse("G").unwrap(),
        state: Enabled,
        default_bid_minor: 100,
        created_at: now,
    };
    let Written::Done(g) = store
        .create_ad_group(&adv.id, Program::Sp, group(e.id))
        .await
        .unwrap()
    else {
        panic!()
    };
    let Written::Done(k) = store
        .create_keyword(
            &adv.id,
            Program::Sp,
            NewKeyword {
                ad_group_id: g.id,
                text: KeywordText::parse("tent").unwrap(),
                match_type: MatchType::Exact,
                state: Paused,
                bid_minor: Some(120),
                created_at: now,
            },
        )
        .await
        .unwrap()
    else {
        panic!()
    };
    let Written::Done(t) = store
        .create_target(
            &adv.id,
            Program::Sp,
            NewTarget {
                ad_group_id: g.id,
                expression: TargetExpression::parse(ExpressionType::AsinSameAs, Some("B0TEST0001"))
                    .unwrap(),
                state: Enabled,
                bid_minor: Some(90),
                created_at: now,
            },
        )
        .await
        .unwrap()
    else {
        panic!()
    };
    let report = store
        .create_report(
            &adv.id,
            NewReport {
                name: EntityName::parse("R").unwrap(),
                report_type: ReportType::SpCampaigns,
                time_unit: TimeUnit::Summary,
                columns: vec!["campaignId".into()],
                start_date: d("2026-03-01"),
                end_date: d("2026-03-09"),
                created_at: now,
            },
        )
        .await
        .unwrap();
    let profile = api.profile(adv).await;
    let invoice = store.invoices(&adv.id, 0, 1).await.unwrap().items[0].id;
    let other_campaign = api.campaigns(&api.other, Program::Sp).await[0].id;
    let other_keyword = api.keywords(&api.other).await[0].id;
    let other_invoice = store.invoices(&api.other.id, 0, 1).await.unwrap().items[0].id;

    let budget = |b: f64| json!({"budget": {"budget": b}});
    let campaign = |name: &str, extra: Value| {
        let mut b = json!({"name": name, "budget": {"budget": 50}});
        if let (Some(o), Some(x)) = (b.as_object_mut(), extra.as_object()) {
            o.extend(x.clone());
        }
        b
    };
    use Method as M;
    let sp_one = "/sandbox/v1/sp/campaigns/{campaignId}";
    let cases = vec![
        // profiles
        case(
            M::GET,
            "/sandbox/v1/profiles",
            &[],
            Value::Null,
            ok("profile/*", None),
        ),
        case(
            M::GET,
            "/sandbox/v1/profiles/{profileId}",
            &[("profileId", &profile.id)],
            Value::Null,
            ok(format!("profile/{}", profile.id), None),
        ),
        case(
            M::GET,
            "/sandbox/v1/profiles/{profileId}",
            &[("profileId", &"42")],
            Value::Null,
            Expect::Status(404),
        ),
        // sp campaigns: reads
        case(
            M::POST,
            "/sandbox/v1/sp/campaigns/list",
            &[],
            json!({"stateFilter": {"include": ["ENABLED"]}}),
            ok("campaign/*", None),
        ),
        case(
            M::POST,
            "/sandbox/v1/sp/campaigns/list",
            &[],
            json!({"maxResults": 5000}),
            Expect::Status(400),
        ),
        case(
            M::GET,
            sp_one,
            &[("campaignId", &e.id)],
            Value::Null,
            ok(format!("campaign/{}", e.id), None),
        ),
        case(
            M::GET,
            sp_one,
            &[("campaignId", &other_campaign)],
            Value::Null,
            Expect::Status(404),
        ),
        case(
            M::GET,
            sp_one,
            &[("campaignId", &sb.id)],
            Value::Null,
            Expect::Status(404),
        ),
        case(
            M::GET,
            sp_one,
            &[("campaignId", &"x")],
            Value::Null,
            Expect::Status(400),
        ),
        // create: daily budget × 31 days (a later start too), or until the end date, or nothing when paused
        case(
            M::POST,
            "/sandbox/v1/sp/campaigns",
            &[],
            campaign("New", json!({})),
            ok("campaign/*", Some(5_000 * 31)),
        ),
        case(
            M::POST,
            "/sandbox/v1/sp/campaigns",
            &[],
            campaign("New", json!({"endDate": "2026-03-14"})),
            ok("campaign/*", Some(5_000 * 5)),
        ),
        case(
            M::POST,
            "/sandbox/v1/sp/campaigns",
            &[],
            campaign("New", json!({"startDate": "2026-03-30"})),
            ok("campaign/*", Some(5_000 * 31)),
        ),
        case(
            M::POST,
            "/sandbox/v1/sp/campaigns",
            &[],
            campaign("New", json!({"startDate": "2026-04-02"})),
            ok("campaign/*", Some(5_000 * 31)),
        ),
        case(
            M::POST,
            "/sandbox/v1/sp/campaigns",
            &[],
            campaign("New", json!({"state": "PAUSED"})),
            ok("campaign/*", Some(0)),
        ),
        case(
            M::POST,
            "/sandbox/v1/sp/campaigns",
            &[],
            campaign("New", json!({"budget": {"budget": -1}})),
            Expect::Status(400),
        ),
        case(
            M::POST,
            "/sandbox/v1/sp/campaigns",
            &[],
            campaign("New", json!({"startDate": "2026-03-09"})),
            Expect::Status(400),
        ),
        // update: the rise of capacity, floored at 0
        case(
            M::PUT,
            sp_one,
            &[("campaignId", &e.id)],
            budget(80.0),
            ok(format!("campaign/{}", e.id), Some(3_000 * 31)),
        ),
        case(
            M::PUT,
            sp_one,
            &[("campaignId", &e.id)],
            budget(20.0),
            ok(format!("campaign/{}", e.id), Some(0)),
        ),
        case(
            M::PUT,
            sp_one,
            &[("campaignId", &e.id)],
            json!({"name": "Renamed"}),
            ok(format!("campaign/{}", e.id), Some(0)),
        ),
        case(
            M::PUT,
            sp_one,
            &[("campaignId", &e.id)],
            json!({"state": "PAUSED"}),
            ok(format!("campaign/{}", e.id), Some(0)),
        ),
        case(
            M::PUT,
            sp_one,
            &[("campaignId", &p.id)],
            json!({"state": "ENABLED"}),
            ok(format!("campaign/{}", p.id), Some(3_000 * 31)),
        ),
        case(
            M::PUT,
            sp_one,
            &[("campaignId", &p.id)],
            budget(90.0),
            ok(format!("campaign/{}", p.id), Some(0)),
        ),
        case(
            M::PUT,
            sp_one,
            &[("campaignId", &ends.id)],
            json!({"endDate": null}),
            ok(format!("campaign/{}", ends.id), Some(4_000 * 26)),
        ),
        case(
            M::PUT,
            sp_one,
            &[("campaignId", &ends.id)],
            json!({"endDate": "2026-03-20", "budget": {"budget": 50}}),
            ok(
                format!("campaign/{}", ends.id),
                Some(5_000 * 11 - 4_000 * 5),
            ),
        ),
        case(
            M::PUT,
            sp_one,
            &[("campaignId", &a.id)],
            json!({"name": "Again"}),
            Expect::Status(409),
        ),
        case(
            M::PUT,
            sp_one,
            &[("campaignId", &other_campaign)],
            json!({"name": "Mine"}),
            Expect::Status(404),
        ),
        case(
            M::PUT,
            sp_one,
            &[("campaignId", &e.id)],
            json!({}),
            Expect::Status(400),
        ),
        case(
            M::POST,
            "/sandbox/v1/sp/campaigns/{campaignId}/pause",
            &[("campaignId", &e.id)],
            Value::Null,
            ok(format!("campaign/{}", e.id), Some(0)),
        ),
        case(
            M::POST,
            "/sandbox/v1/sp/campaigns/{campaignId}/pause",
            &[("campaignId", &a.id)],
            Value::Null,
            Expect::Status(409),
        ),
        case(
            M::POST,
            "/sandbox/v1/sp/campaigns/{campaignId}/archive",
            &[("campaignId", &e.id)],
            json!({}),
            ok(format!("campaign/{}", e.id), None),
        ),
        case(
            M::POST,
            "/sandbox/v1/sp/campaigns/{campaignId}/archive",
            &[("campaignId", &a.id)],
            json!({}),
            Expect::Status(409),
        ),
        case(
            M::PUT,
            "/sandbox/v1/sp/campaigns/{campaignId}/budget",
            &[("campaignId", &e.id)],
            budget(60.0),
            ok(format!("campaign/{}", e.id), Some(1_000 * 31)),
        ),
        case(
            M::PUT,
            "/sandbox/v1/sp/campaigns/{campaignId}/budget",
            &[("campaignId", &e.id)],
            budget(10.0),
            ok(format!("campaign/{}", e.id), Some(0)),
        ),
        case(
            M::PUT,
            "/sandbox/v1/sp/campaigns/{campaignId}/budget",
            &[("campaignId", &ends.id)],
            budget(41.0),
            ok(format!("campaign/{}", ends.id), Some(100 * 5)),
        ),
        case(
            M::PUT,
            "/sandbox/v1/sp/campaigns/{campaignId}/budget",
            &[("campaignId", &p.id)],
            budget(60.0),
            ok(format!("campaign/{}", p.id), Some(0)),
        ),
        case(
            M::PUT,
            "/sandbox/v1/sp/campaigns/{campaignId}/budget",
            &[("campaignId", &a.id)],
            budget(60.0),
            Expect::Status(409),
        ),
        case(
            M::PUT,
            "/sandbox/v1/sp/campaigns/{campaignId}/budget",
            &[("campaignId", &e.id)],
            json!({"budget": {"budget": 0.5}}),
            Expect::Status(400),
        ),
        // sb and sd
        case(
            M::POST,
            "/sandbox/v1/sb/campaigns/list",
            &[],
            Value::Null,
            ok("campaign/*", None),
        ),
        case(
            M::GET,
            "/sandbox/v1/sb/campaigns/{campaignId}",
            &[("campaignId", &sb.id)],
            Value::Null,
            ok(format!("campaign/{}", sb.id), None),
        ),
        case(
            M::POST,
            "/sandbox/v1/sb/campaigns",
            &[],
            campaign("SB new", json!({"budget": {"budget": 10}})),
            ok("campaign/*", Some(1_000 * 31)),
        ),
        case(
            M::PUT,
            "/sandbox/v1/sb/campaigns/{campaignId}",
            &[("campaignId", &sb.id)],
            json!({"name": "SB renamed"}),
            ok(format!("campaign/{}", sb.id), Some(0)),
        ),
        case(
            M::POST,
            "/sandbox/v1/sb/campaigns/{campaignId}/pause",
            &[("campaignId", &sb.id)],
            Value::Null,
            ok(format!("campaign/{}", sb.id), Some(0)),
        ),
        case(
            M::POST,
            "/sandbox/v1/sb/campaigns/{campaignId}/archive",
            &[("campaignId", &sb.id)],
            Value::Null,
            ok(format!("campaign/{}", sb.id), None),
        ),
        case(
            M::PUT,
            "/sandbox/v1/sb/campaigns/{campaignId}/budget",
            &[("campaignId", &sb.id)],
            budget(25.0),
            ok(format!("campaign/{}", sb.id), Some(500 * 31)),
        ),
        case(
            M::GET,
            "/sandbox/v1/sb/campaigns/{campaignId}",
            &[("campaignId", &e.id)],
            Value::Null,
            Expect::Status(404),
        ),
        case(
            M::POST,
            "/sandbox/v1/sd/campaigns/list",
            &[],
            json!({}),
            ok("campaign/*", None),
        ),
        case(
            M::GET,
            "/sandbox/v1/sd/campaigns/{campaignId}",
            &[("campaignId", &sd.id)],
            Value::Null,
            ok(format!("campaign/{}", sd.id), None),
        ),
        case(
            M::POST,
            "/sandbox/v1/sd/campaigns",
            &[],
            campaign("SD new", json!({"endDate": "2026-03-10"})),
            ok("campaign/*", Some(5_000)),
        ),
        case(
            M::PUT,
            "/sandbox/v1/sd/campaigns/{campaignId}",
            &[("campaignId", &sd.id)],
            json!({"state": "ENABLED"}),
            ok(format!("campaign/{}", sd.id), Some(1_000 * 31)),
        ),
        case(
            M::POST,
            "/sandbox/v1/sd/campaigns/{campaignId}/pause",
            &[("campaignId", &sd.id)],
            Value::Null,
            ok(format!("campaign/{}", sd.id), Some(0)),
        ),
        case(
            M::POST,
            "/sandbox/v1/sd/campaigns/{campaignId}/archive",
            &[("campaignId", &sd.id)],
            Value::Null,
            ok(format!("campaign/{}", sd.id), None),
        ),
        case(
            M::PUT,
            "/sandbox/v1/sd/campaigns/{campaignId}/budget",
            &[("campaignId", &sd.id)],
            budget(25.0),
            ok(format!("campaign/{}", sd.id), Some(0)),
        ),
        // ad groups
        case(
            M::POST,
            "/sandbox/v1/sp/adGroups/list",
            &[],
            json!({"campaignIdFilter": {"include": [e.id.to_string()]}}),
            ok("adGroup/*", None),
        ),
        case(
            M::POST,
            "/sandbox/v1/sp/adGroups/list",
            &[],
            json!({"adGroupIdFilter": {"include": ["x"]}}),
            Expect::Status(400),
        ),
        case(
            M::GET,
            "/sandbox/v1/sp/adGroups/{adGroupId}",
            &[("adGroupId", &g.id)],
            Value::Null,
            ok(format!("adGroup/{}", g.id), None),
        ),
        case(
            M::POST,
            "/sandbox/v1/sp/adGroups",
            &[],
            json!({"campaignId": e.id.to_string(), "name": "G2", "defaultBid": 1}),
            ok("adGroup/*", None),
        ),
        case(
            M::POST,
            "/sandbox/v1/sp/adGroups",
            &[],
            json!({"campaignId": a.id.to_string(), "name": "G2", "defaultBid": 1}),
            Expect::Status(409),
        ),
        case(
            M::POST,
            "/sandbox/v1/sp/adGroups",
            &[],
            json!({"campaignId": other_campaign.to_string(), "name": "G2", "defaultBid": 1}),
            Expect::Status(404),
        ),
        case(
            M::PUT,
            "/sandbox/v1/sp/adGroups/{adGroupId}",
            &[("adGroupId", &g.id)],
            json!({"name": "G3"}),
            ok(format!("adGroup/{}", g.id), None),
        ),
        case(
            M::PUT,
            "/sandbox/v1/sp/adGroups/{adGroupId}",
            &[("adGroupId", &g.id)],
            json!({"defaultBid": 3}),
            Expect::Status(400),
        ),
        // keywords: the bid rule is (new − old) × 20 clicks × 22 days, whatever the state
        case(
            M::POST,
            "/sandbox/v1/sp/keywords/list",
            &[],
            json!({}),
            ok("keyword/*", None),
        ),
        case(
            M::GET,
            "/sandbox/v1/sp/keywords/{keywordId}",
            &[("keywordId", &k.id)],
            Value::Null,
            ok(format!("keyword/{}", k.id), None),
        ),
        case(
            M::GET,
            "/sandbox/v1/sp/keywords/{keywordId}",
            &[("keywordId", &other_keyword)],
            Value::Null,
            Expect::Status(404),
        ),
        case(
            M::POST,
            "/sandbox/v1/sp/keywords",
            &[],
            json!({"adGroupId": g.id.to_string(), "keywordText": "dome tent", "matchType": "BROAD", "bid": 1.5}),
            ok_bid("keyword/*", Some(150 * 20 * 31), "1.50"),
        ),
        case(
            M::POST,
            "/sandbox/v1/sp/keywords",
            &[],
            json!({"adGroupId": g.id.to_string(), "keywordText": "dome tent", "matchType": "BROAD"}),
            ok_bid("keyword/*", Some(100 * 20 * 31), "1.00"),
        ),
        case(
            M::PUT,
            "/sandbox/v1/sp/keywords/{keywordId}",
            &[("keywordId", &k.id)],
            json!({"state": "ENABLED"}),
            ok(format!("keyword/{}", k.id), None),
        ),
        case(
            M::PUT,
            "/sandbox/v1/sp/keywords/{keywordId}",
            &[("keywordId", &k.id)],
            json!({"bid": 9}),
            Expect::Status(400),
        ),
        case(
            M::PUT,
            "/sandbox/v1/sp/keywords/{keywordId}/bid",
            &[("keywordId", &k.id)],
            json!({"bid": 1.5}),
            ok_bid(format!("keyword/{}", k.id), Some(30 * 20 * 31), "1.50"),
        ),
        case(
            M::PUT,
            "/sandbox/v1/sp/keywords/{keywordId}/bid",
            &[("keywordId", &k.id)],
            json!({"bid": 1}),
            ok_bid(format!("keyword/{}", k.id), Some(0), "1.00"),
        ),
        case(
            M::PUT,
            "/sandbox/v1/sp/keywords/{keywordId}/bid",
            &[("keywordId", &k.id)],
            json!({"bid": 1001}),
            Expect::Status(400),
        ),
        case(
            M::PUT,
            "/sandbox/v1/sp/keywords/{keywordId}/bid",
            &[("keywordId", &other_keyword)],
            json!({"bid": 2}),
            Expect::Status(404),
        ),
        // targets
        case(
            M::POST,
            "/sandbox/v1/sp/targets/list",
            &[],
            json!({"stateFilter": {"include": ["PAUSED"]}}),
            ok("target/*", None),
        ),
        case(
            M::GET,
            "/sandbox/v1/sp/targets/{targetId}",
            &[("targetId", &t.id)],
            Value::Null,
            ok(format!("target/{}", t.id), None),
        ),
        case(
            M::POST,
            "/sandbox/v1/sp/targets",
            &[],
            json!({"adGroupId": g.id.to_string(), "expression": [{"type": "ASIN_SAME_AS", "value": "B0TEST0002"}], "bid": 0.75}),
            ok_bid("target/*", Some(75 * 20 * 31), "0.75"),
        ),
        case(
            M::POST,
            "/sandbox/v1/sp/targets",
            &[],
            json!({"adGroupId": g.id.to_string(), "expression": [{"type": "ASIN_SAME_AS"}]}),
            Expect::Status(400),
        ),
        case(
            M::PUT,
            "/sandbox/v1/sp/targets/{targetId}",
            &[("targetId", &t.id)],
            json!({"state": "PAUSED"}),
            ok(format!("target/{}", t.id), None),
        ),
        case(
            M::PUT,
            "/sandbox/v1/sp/targets/{targetId}/bid",
            &[("targetId", &t.id)],
            json!({"bid": 1.4}),
            ok_bid(format!("target/{}", t.id), Some(50 * 20 * 31), "1.40"),
        ),
        case(
            M::PUT,
            "/sandbox/v1/sp/targets/{targetId}/bid",
            &[("targetId", &t.id)],
            json!({"bid": 0.5}),
            ok_bid(format!("target/{}", t.id), Some(0), "0.50"),
        ),
        // reports
        case(
            M::POST,
            "/sandbox/v1/reporting/reports",
            &[],
            json!({"startDate": "2026-03-01", "endDate": "2026-03-09", "configuration": {"reportTypeId": "spCampaigns"}}),
            ok("report/*", None),
        ),
        case(
            M::POST,
            "/sandbox/v1/reporting/reports",
            &[],
            json!({"startDate": "2026-03-01", "endDate": "2026-03-10", "configuration": {"reportTypeId": "spCampaigns"}}),
            ok("report/*", None),
        ),
        case(
            M::POST,
            "/sandbox/v1/reporting/reports",
            &[],
            json!({"startDate": "2026-03-01", "endDate": "2026-03-11", "configuration": {"reportTypeId": "spCampaigns"}}),
            Expect::Status(400),
        ),
        case(
            M::GET,
            "/sandbox/v1/reporting/reports/{reportId}",
            &[("reportId", &report.id)],
            Value::Null,
            ok(format!("report/{}", report.id), None),
        ),
        case(
            M::GET,
            "/sandbox/v1/reporting/reports/{reportId}/download",
            &[("reportId", &report.id)],
            Value::Null,
            Expect::Status(409),
        ),
        case(
            M::GET,
            "/sandbox/v1/reporting/reports/{reportId}",
            &[("reportId", &"00000000-0000-4000-8000-000000000000")],
            Value::Null,
            Expect::Status(404),
        ),
        // billing
        case(
            M::GET,
            "/sandbox/v1/billing/invoices",
            &[],
            Value::Null,
            ok("invoice/*", None),
        ),
        case(
            M::GET,
            "/sandbox/v1/billing/invoices/{invoiceId}",
            &[("invoiceId", &invoice)],
            Value::Null,
            ok(format!("invoice/{invoice}"), None),
        ),
        case(
            M::GET,
            "/sandbox/v1/billing/invoices/{invoiceId}",
            &[("invoiceId", &other_invoice)],
            Value::Null,
            Expect::Status(404),
        ),
        case(
            M::GET,
            "/sandbox/v1/billing/status",
            &[],
            Value::Null,
            ok(format!("billingProfile/{}", profile.id), None),
        ),
    ];
    let routes = sandbox::routes();
    let mut answered = BTreeSet::new();
    for c in &cases {
        if check(&routes, adv, &(store.clone() as SandboxDb), now, c)
            .await
            .is_some()
        {
            answered.insert((c.method.to_string(), c.path));
        }
    }
    // The download of a completed report (after the job completes).
    store
        .advance_report(
            &adv.id,
            &report.id,
            ReportStatus::Completed,
            Some("[]".into()),
            now,
        )
        .await
        .unwrap();
    let download = case(
        M::GET,
        "/sandbox/v1/reporting/reports/{reportId}/download",
        &[("reportId", &report.id)],
        Value::Null,
        ok(format!("report/{}", report.id), None),
    );
    check(&routes, adv, &(store.clone() as SandboxDb), now, &download).await;
    answered.insert((download.method.to_string(), download.path));
    // Every route answered at least one case.
    for r in &routes {
        assert!(
            answered.contains(&(r.method.to_string(), r.path)),
            "no describe case for {} {}",
            r.method,
            r.path
        );
    }
    // Describing changes nothing.
    assert_eq!(
        store
            .campaign(&adv.id, Program::Sp, e.id)
            .await
            .unwrap()
            .unwrap(),
        e
    );
    assert_eq!(
        store
            .keyword(&adv.id, Program::Sp, k.id)
            .await
            .unwrap()
            .unwrap(),
        k
    );
}

/// A yen account (the one currency here without decimals) reads, stores, shows and commits whole
/// yen: its minor unit is the yen, the unit its spend caps count in.
async fn a_yen_account_counts_in_whole_yen(backend: Backend) {
    let api = Api::new(backend).await;
    let actor = Actor::System {
        label: "test".into(),
    };
    let name = Name::parse("name", "Sakura Outdoor").unwrap();
    let jp = api
        .store
        .create_advertiser(&actor, &name, Marketplace::Jp)
        .await
        .unwrap();
    assert_eq!((jp.marketplace.code(), jp.currency().code()), ("JP", "JPY"));
    let api = api.acting_for(jp.clone());

    // A daily budget of ¥1,500 is stored as 1,500 minor units and shown as 1500.
    let create = "/sandbox/v1/sp/campaigns";
    let (s, c) = api
        .post(
            create,
            json!({"name": "Spring", "budget": {"budget": 1500}, "targetingType": "MANUAL"}),
        )
        .await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["budget"]["budget"].as_f64(), Some(1500.0));
    let stored = api.campaigns(&jp, Program::Sp).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].daily_budget_minor, 1_500);
    // Yen have no decimals, and the bounds are whole yen.
    for bad in [json!(1500.5), json!(0.5), json!(2_000_000)] {
        let res = api
            .post(create, json!({"name": "X", "budget": {"budget": bad}}))
            .await;
        assert!(
            res.1["details"]
                .as_str()
                .unwrap_or_default()
                .contains("JPY with at most 0 decimals"),
            "{res:?}"
        );
        assert_bad(res, "budget.budget");
    }

    // An ad group's default bid of ¥12 and a keyword's bid of ¥15; ¥1.5 is not an amount.
    let cid = c["campaignId"].as_str().unwrap().to_string();
    let (s, g) = api
        .post(
            "/sandbox/v1/sp/adGroups",
            json!({"campaignId": cid, "name": "Tents", "defaultBid": 12}),
        )
        .await;
    assert_eq!(s, 200, "{g}");
    assert_eq!(g["defaultBid"].as_f64(), Some(12.0));
    let gid = g["adGroupId"].as_str().unwrap().to_string();
    let keyword = |bid: Value| json!({"adGroupId": gid, "keywordText": "tent", "matchType": "EXACT", "bid": bid});
    assert_bad(
        api.post("/sandbox/v1/sp/keywords", keyword(json!(1.5)))
            .await,
        "bid",
    );
    let (s, k) = api
        .post("/sandbox/v1/sp/keywords", keyword(json!(15)))
        .await;
    assert_eq!(s, 200, "{k}");
    assert_eq!(k["bid"].as_f64(), Some(15.0));
    assert_eq!(api.keywords(&jp).await[0].bid_minor, 15);

    // What calls commit, in yen: 31 days of a campaign's budget; a bid × 20 clicks × 31 days,
    // and the bid the gateway compares with a grant's bid cap, in yen.
    let routes = sandbox::routes();
    let now = Utc::now();
    let cases = [
        case(
            Method::POST,
            create,
            &[],
            json!({"name": "Summer", "budget": {"budget": 1000}}),
            ok("campaign/*", Some(31_000)),
        ),
        case(
            Method::POST,
            "/sandbox/v1/sp/keywords",
            &[],
            json!({"adGroupId": gid, "keywordText": "tarp", "matchType": "EXACT", "bid": 20}),
            ok_bid("keyword/*", Some(20 * 20 * 31), "20"),
        ),
    ];
    for c in &cases {
        check(&routes, &jp, &(api.store.clone() as SandboxDb), now, c).await;
    }
}

// --- the route table ------------------------------------------------------------------------------

#[test]
fn every_route_names_a_catalog_action_once() {
    let routes = sandbox::routes();
    let catalog = authz::Catalog::builtin();
    let mut seen = BTreeSet::new();
    for r in &routes {
        assert!(r.path.starts_with("/sandbox/v1/"), "{}", r.path);
        assert!(
            catalog.contains(r.action),
            "{} {}: `{}` is not in the catalog",
            r.method,
            r.path,
            r.action
        );
        let exact = catalog.get(r.action).map(|a| a.name.as_str());
        assert_eq!(
            exact,
            Some(r.action),
            "the action is spelled as in the catalog"
        );
        assert!(
            seen.insert((r.method.to_string(), r.path)),
            "{} {} twice",
            r.method,
            r.path
        );
    }
    // The gateway can mount them all on one router (same path, different methods merge).
    let _router: Router<SandboxDb> = routes
        .into_iter()
        .fold(Router::new(), |r, route| r.route(route.path, route.handler));
}
