//! Hostile tests: configuration under attack (issue 10, items 8, 9 and 13).
//!
//! - Item 9, SSRF through the alert webhook: an owner (or whoever took over an owner's session)
//!   points the webhook at an internal address; a name that resolved public when it was saved
//!   later resolves to loopback (DNS rebinding).
//! - Item 8, key rotation: `charter keys rotate` / `keys retire` reach every running server.
//! - Item 13, insecure defaults: demo data, cookies, signing keys at rest, production mode.
//!
//! One submodule per item; the helpers here are shared.

use crate::common::Client;
use app::enforce::webhook::WebhookPolicy;
use charter_server::{Config, demo};
use charter_store::DynStore;
use charter_store::model::*;
use serde_json::{Value, json};
use std::time::Duration;

mod defaults;
mod keys;
mod webhook;

// ---------------------------------------------------------------------------------------------
// Helpers: a server of our own over an existing database, with a config the test chooses.

/// A `charter serve` over an existing database, shut down on drop.
struct Server {
    base: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn serve(url: &str, tweak: impl FnOnce(&mut Config)) -> Server {
    let db = charter_server::prepare_database(url, false)
        .await
        .expect("prepare database");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let mut config = Config {
        database_url: url.to_string(),
        addr,
        site_root: "target/site".into(),
        secure_cookies: false,
        seed_demo: false,
        session_idle: charter_server::time::Duration::hours(1),
        tokens: charter_server::tokens::TokenConfig {
            issuer: format!("http://{addr}"),
            ..Default::default()
        },
        webhooks: WebhookPolicy::default(),
        limits: Default::default(),
    };
    tweak(&mut config);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = charter_server::serve(listener, db, config, async {
            let _ = rx.await;
        })
        .await;
    });
    let base = format!("http://{addr}");
    for _ in 0..200 {
        if reqwest::get(format!("{base}/healthz")).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Server { base, _stop: tx }
}

fn client(base: &str) -> Client {
    Client {
        http: reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        base: base.to_string(),
    }
}

async fn signed_in(base: &str, who: demo::DemoPerson) -> (Client, String) {
    let c = client(base);
    let res = c.sign_in(who.email, who.password).await;
    assert_eq!(res.status(), 302, "sign-in as {}", who.email);
    let csrf = c.csrf().await;
    (c, csrf)
}

fn text(html: &str) -> String {
    html.replace("&amp;", "&")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

async fn advertiser(store: &DynStore, name: &str) -> Advertiser {
    store
        .search_advertisers(name, 5)
        .await
        .expect("search")
        .into_iter()
        .find(|a| a.name == name)
        .expect("demo advertiser")
}

fn actor() -> Actor {
    Actor::System {
        label: "hostile config test".into(),
    }
}

/// Bid Pilot's client credentials and its grant on an account (one secret per test: an agent
/// holds at most two live secrets).
struct BidPilot {
    agent: AgentId,
    secret: String,
    grant: GrantId,
    adv: Advertiser,
}

async fn bid_pilot(store: &DynStore, adv: &Advertiser) -> BidPilot {
    let agent = charter_server::demo_agent::find_agent(store, "Bid Pilot")
        .await
        .expect("Bid Pilot");
    let ident = store
        .agent_identity(&agent)
        .await
        .expect("identity")
        .expect("Bid Pilot's identity");
    let secret = store
        .create_client_secret(&actor(), &ident.partner_id, &agent)
        .await
        .expect("secret");
    let grant = store
        .grant_for(&adv.id, &agent)
        .await
        .expect("grant")
        .expect("Bid Pilot's grant on the account");
    BidPilot {
        agent,
        secret: secret.secret,
        grant: grant.id,
        adv: adv.clone(),
    }
}

impl BidPilot {
    /// A token through client credentials at `base`.
    async fn token(&self, base: &str) -> String {
        let res: Value = reqwest::Client::new()
            .post(format!("{base}/oauth/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", self.agent.as_str()),
                ("client_secret", self.secret.as_str()),
                ("resource", &format!("urn:charter:account:{}", self.adv.id)),
            ])
            .send()
            .await
            .expect("token request")
            .json()
            .await
            .expect("token body");
        res["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("a token: {res}"))
            .to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by the items: the CLI, the JWKS, tokens and PDP decisions.

/// Runs the `charter` binary (a separate process) and returns its stderr; panics on failure.
async fn charter_cli(args: &[&str], env: &[(&str, &str)]) -> String {
    let (ok, stderr) = charter_cli_status(args, env).await;
    assert!(ok, "charter {args:?} failed: {stderr}");
    stderr
}

/// Runs the `charter` binary to completion: (success, stderr).
async fn charter_cli_status(args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_charter"))
            .args(&args)
            .env_remove("DATABASE_URL")
            .env_remove("CHARTER_KEY_ENCRYPTION_KEY")
            .env_remove("CHARTER_KEY_ENCRYPTION_KEY_FILE")
            .envs(env)
            .env("RUST_LOG", "warn")
            .output()
            .expect("run charter")
    })
    .await
    .expect("join");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

async fn jwks_kids(base: &str) -> Vec<String> {
    let v: Value = reqwest::get(format!("{base}/.well-known/jwks.json"))
        .await
        .expect("jwks")
        .json()
        .await
        .expect("jwks body");
    v["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|k| k["kid"].as_str().expect("kid").to_string())
        .collect()
}

fn token_kid(token: &str) -> Option<u32> {
    biscuit_auth::UnverifiedBiscuit::from_base64(token)
        .expect("a biscuit")
        .root_key_id()
}

/// The PDP's reason for a read with `token` at `base`.
async fn pdp_reason(base: &str, token: &str, adv: &Advertiser) -> String {
    let v: Value = reqwest::Client::new()
        .post(format!("{base}/v1/authorize"))
        .bearer_auth(token)
        .json(&json!({
            "action": "sp:GetCampaign",
            "resource": format!("arn:ads:us:{}:campaign/c-1", adv.id),
            "intent": "bid_optimization",
        }))
        .send()
        .await
        .expect("authorize")
        .json()
        .await
        .expect("decision");
    v["reason"].as_str().unwrap_or_default().to_string()
}

/// Polls until `pred` holds on every server; returns how long that took (panics after 10 s).
async fn until_all(
    bases: &[&str],
    what: &str,
    pred: impl Fn(&[String]) -> bool,
) -> std::time::Duration {
    let start = std::time::Instant::now();
    loop {
        let mut all = true;
        for base in bases {
            all &= pred(&jwks_kids(base).await);
        }
        if all {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "servers never saw {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
