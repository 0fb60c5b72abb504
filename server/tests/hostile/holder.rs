//! The attacker's starting point: Bid Pilot's client credentials and a fresh token for
//! Northwind, with an HTTP client against a fresh server.

use crate::common::{Backend, TestApp, spawn_app};
use charter_store::model::*;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Bid Pilot's client credentials and a fresh token for Northwind.
pub struct Holder {
    pub app: TestApp,
    pub http: reqwest::Client,
    pub adv: Advertiser,
    pub client_id: String,
    pub secret: String,
    pub token: String,
}

/// Bid Pilot, a demo agent, and its partner.
pub async fn bid_pilot(app: &TestApp) -> (AgentId, PartnerId) {
    let agent = charter_server::demo_agent::find_agent(&app.store, "Bid Pilot")
        .await
        .expect("Bid Pilot");
    let ident = app
        .store
        .agent_identity(&agent)
        .await
        .expect("identity")
        .expect("Bid Pilot's identity");
    (agent, ident.partner_id)
}

pub async fn holder(backend: Backend) -> Holder {
    let app = spawn_app(backend).await;
    let adv = app.advertiser(charter_server::demo::NORTHWIND).await;
    let (agent, partner) = bid_pilot(&app).await;
    let actor = Actor::System {
        label: "hostile test".into(),
    };
    let issued = app
        .store
        .create_client_secret(&actor, &partner, &agent)
        .await
        .expect("a client secret");
    let mut h = Holder {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .expect("client"),
        app,
        adv,
        client_id: agent.to_string(),
        secret: issued.secret,
        token: String::new(),
    };
    h.token = h.mint().await;
    h
}

impl Holder {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.app.base)
    }

    pub async fn mint(&self) -> String {
        let res: Value = self
            .http
            .post(self.url("/oauth/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", &self.client_id),
                ("client_secret", &self.secret),
                ("resource", &format!("urn:charter:account:{}", self.adv.id)),
            ])
            .send()
            .await
            .expect("token call")
            .json()
            .await
            .expect("token JSON");
        res["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("a token: {res}"))
            .to_string()
    }

    /// A read Bid Pilot's grant allows.
    pub fn read(&self) -> Value {
        json!({
            "action": "sp:ListCampaigns",
            "resource": format!("arn:ads:us:{}:campaign/*", self.adv.id),
            "intent": "bid_optimization",
        })
    }

    /// `POST /v1/authorize` with `token`: the status, the body and how long the answer took.
    pub async fn authorize(&self, token: &str, body: &Value) -> (u16, Value, Duration) {
        let started = Instant::now();
        let res = self
            .http
            .post(self.url("/v1/authorize"))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("authorize call");
        let status = res.status().as_u16();
        let v = res.json().await.unwrap_or(Value::Null);
        (status, v, started.elapsed())
    }
}

impl Holder {
    /// Rewrites Bid Pilot's grant on Northwind to `policy` (a new grant version) and mints a
    /// token for it.
    pub async fn set_policy(&mut self, policy: Value) {
        let agent = AgentId::parse(&self.client_id).expect("agent id");
        let actor = Actor::System {
            label: "hostile test".into(),
        };
        self.app
            .store
            .update_grant(
                &actor,
                &self.adv.id,
                &agent,
                charter_store::GrantChange {
                    purpose: Purpose::BidOptimization,
                    policy: Some(policy.to_string()),
                    not_before: None,
                    expires_at: None,
                    note: None,
                },
            )
            .await
            .expect("grant update");
        self.token = self.mint().await;
    }

    /// A grant as broad as an advertiser may carelessly give: every `sp:` action on `*`.
    pub async fn broaden(&mut self) {
        self.set_policy(json!({ "Version": "2012-10-17", "Statement": [
            { "Sid": "Everything", "Effect": "Allow", "Action": "sp:*", "Resource": "*" }
        ]}))
        .await;
    }

    /// `POST path` with `token` as bearer and a JSON body: the status and the body.
    pub async fn post_json(&self, path: &str, token: &str, body: &Value) -> (u16, Value) {
        let res = self
            .http
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("call");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }
}
