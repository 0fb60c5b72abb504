//! `charter demo-agent`: a third-party agent acting against the sandbox through the gateway, so
//! the UI has live, realistic activity. It uses only what a partner has: client credentials, the
//! token endpoint, the JWKS (to attenuate offline), token exchange and the sandbox API.
//!
//! The run: Bid Pilot gets a token, reads campaigns and keywords, raises a bid (money moves and a
//! reservation is committed), is denied by a guardrail, by its policy and for a wrong intent;
//! attenuates its token offline to listing only and is denied a read; delegates a read-only
//! token to Dayparting Agent, whose change is denied; and finally a burst of denied calls trips
//! its circuit breaker. The client secrets it creates are revoked at the end.

use crate::tokens::attenuation::{Restriction, attenuate};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use biscuit_auth::{Biscuit, PublicKey};
use charter_store::DynStore;
use charter_store::model::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;

type Error = Box<dyn std::error::Error + Send + Sync + 'static>;

const BID_PILOT: &str = "Bid Pilot";
const DAYPARTING: &str = "Dayparting Agent";
const INTENT: &str = "bid_optimization";

/// One call the demo agent made.
#[derive(Debug, Clone)]
pub struct Call {
    pub agent: &'static str,
    pub what: String,
    pub status: u16,
    /// The gateway's reason code on a denial (`allowed` otherwise).
    pub reason: String,
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Summary {
    /// The account Bid Pilot acted on.
    pub advertiser: Option<AdvertiserId>,
    pub calls: Vec<Call>,
}

impl Summary {
    pub fn by_reason(&self) -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for c in &self.calls {
            *m.entry(c.reason.clone()).or_insert(0) += 1;
        }
        m
    }
}

/// Finds an agent by id or exact name among the agents holding grants (also used by
/// `charter credentials`).
pub async fn find_agent(store: &DynStore, agent: &str) -> Result<AgentId, Error> {
    if let Ok(id) = AgentId::parse(agent) {
        return Ok(id);
    }
    let mut found = std::collections::BTreeSet::new();
    for adv in store.search_advertisers("", 1000).await? {
        let q = AgentQuery::parse(Some(agent), None, None, None)?;
        for row in store.list_agent_grants(&adv.id, &q).await?.items {
            if row.agent_name == agent {
                found.insert(row.agent_id);
            }
        }
    }
    match found.len() {
        1 => found.into_iter().next().ok_or_else(|| "no agent".into()),
        0 => Err(format!("no agent named `{agent}` holds a grant").into()),
        n => Err(format!("{n} agents are named `{agent}`: pass the agent id").into()),
    }
}

struct Credentials {
    agent: AgentId,
    partner: PartnerId,
    secret_id: SecretId,
    secret: String,
}

async fn credentials(store: &DynStore, name: &str) -> Result<Credentials, Error> {
    let agent = find_agent(store, name).await?;
    let ident = store
        .agent_identity(&agent)
        .await?
        .ok_or_else(|| format!("no agent `{agent}`"))?;
    let actor = Actor::System {
        label: "charter demo-agent".into(),
    };
    // At most two secrets live at once: make room by revoking the oldest.
    let live: Vec<_> = store
        .client_secrets(&ident.partner_id, &agent)
        .await?
        .into_iter()
        .filter(|s| s.revoked_at.is_none())
        .collect();
    if live.len() >= 2
        && let Some(oldest) = live.iter().min_by_key(|s| s.created_at)
    {
        store
            .revoke_client_secret(&actor, &ident.partner_id, &agent, &oldest.id)
            .await?;
    }
    let issued = store
        .create_client_secret(&actor, &ident.partner_id, &agent)
        .await?;
    Ok(Credentials {
        agent,
        partner: ident.partner_id,
        secret_id: issued.info.id,
        secret: issued.secret,
    })
}

struct Client {
    http: reqwest::Client,
    base: String,
    summary: Summary,
    progress: indicatif::ProgressBar,
}

impl Client {
    async fn token(&self, c: &Credentials, form: &[(&str, &str)]) -> Result<Value, Error> {
        let mut all: Vec<(&str, &str)> = vec![
            ("client_id", c.agent.as_str()),
            ("client_secret", c.secret.as_str()),
        ];
        all.extend_from_slice(form);
        let res = self
            .http
            .post(format!("{}/oauth/token", self.base))
            .form(&all)
            .send()
            .await?;
        let status = res.status();
        let v: Value = res.json().await?;
        if !status.is_success() {
            return Err(format!("the token endpoint said {status}: {v}").into());
        }
        Ok(v)
    }

    /// Calls the sandbox and records the outcome.
    async fn call(
        &mut self,
        agent: &'static str,
        token: &str,
        intent: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, Error> {
        let mut req = self
            .http
            .request(method.clone(), format!("{}/sandbox/v1{path}", self.base))
            .bearer_auth(token)
            .header("charter-intent", intent);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await?;
        let status = res.status().as_u16();
        let v: Value = res.json().await.unwrap_or(Value::Null);
        let reason = if (200..300).contains(&status) {
            "allowed".to_string()
        } else {
            v["reason"]
                .as_str()
                .or(v["code"].as_str())
                .unwrap_or("error")
                .to_string()
        };
        let what = format!("{method} {path}");
        self.progress
            .set_message(format!("{agent}: {what} → {reason}"));
        self.progress.inc(1);
        self.summary.calls.push(Call {
            agent,
            what,
            status,
            reason,
        });
        Ok(v)
    }
}

/// The first item's id under `key` in a sandbox listing.
fn first_id(listing: &Value, key: &str, id: &str, pred: impl Fn(&Value) -> bool) -> Option<String> {
    listing[key]
        .as_array()?
        .iter()
        .find(|v| pred(v))
        .and_then(|v| v[id].as_str().map(str::to_string))
}

fn jwks_key(jwks: &Value, kid: Option<u32>) -> Option<PublicKey> {
    let keys = jwks["keys"].as_array()?;
    let key = keys
        .iter()
        .find(|k| kid.is_some_and(|kid| k["kid"].as_str() == Some(&kid.to_string())))?;
    let bytes = URL_SAFE_NO_PAD.decode(key["x"].as_str()?).ok()?;
    PublicKey::from_bytes(&bytes, biscuit_auth::Algorithm::Ed25519).ok()
}

/// Runs the demo agent against the server at `base` (which must use the same database).
pub async fn run(store: &DynStore, base: &str) -> Result<Summary, Error> {
    let base = base.trim_end_matches('/').to_string();
    let progress = indicatif::ProgressBar::new(60);
    progress.set_style(
        indicatif::ProgressStyle::with_template("{bar:30.cyan/blue} {pos:>2}/{len} {wide_msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut c = Client {
        http: reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(20))
            .build()?,
        base,
        summary: Summary::default(),
        progress,
    };
    let parent = credentials(store, BID_PILOT).await?;
    let child = credentials(store, DAYPARTING).await?;
    let outcome = act(&mut c, store, &parent, &child).await;
    // Revoke what was created, whatever happened.
    let actor = Actor::System {
        label: "charter demo-agent".into(),
    };
    for cred in [&parent, &child] {
        let _ = store
            .revoke_client_secret(&actor, &cred.partner, &cred.agent, &cred.secret_id)
            .await;
    }
    c.progress.finish_and_clear();
    outcome?;
    Ok(c.summary)
}

async fn act(
    c: &mut Client,
    store: &DynStore,
    parent: &Credentials,
    child: &Credentials,
) -> Result<(), Error> {
    let adv = effective_account(store, parent).await?;
    c.summary.advertiser = Some(adv.id.clone());
    let token = parent_token(c, parent, &adv).await?;
    let (campaign, keywords) = read_and_raise_a_bid(c, &token).await?;
    denied_calls(c, &token, campaign.as_deref()).await?;
    attenuated_calls(c, &token, campaign.as_deref()).await?;
    delegate(c, child, &adv, &token, &keywords).await?;
    runaway_loop(c, &token).await
}

/// The account Bid Pilot holds an effective grant on.
async fn effective_account(store: &DynStore, parent: &Credentials) -> Result<Advertiser, Error> {
    let mut account = None;
    for adv in store.search_advertisers("", 1000).await? {
        if let Some(g) = store.grant_for(&adv.id, &parent.agent).await?
            && g.is_effective(chrono::Utc::now())
        {
            account = Some(adv);
            break;
        }
    }
    Ok(account.ok_or("Bid Pilot holds no effective grant")?)
}

/// Bid Pilot's token for the account (client credentials).
async fn parent_token(c: &Client, parent: &Credentials, adv: &Advertiser) -> Result<String, Error> {
    let resource = format!("urn:charter:account:{}", adv.id);
    let t = c
        .token(
            parent,
            &[
                ("grant_type", "client_credentials"),
                ("resource", resource.as_str()),
            ],
        )
        .await?;
    Ok(t["access_token"]
        .as_str()
        .ok_or("no access_token")?
        .to_string())
}

/// Reads, then a bid raise: money moves through a reservation. Returns the first enabled
/// campaign and the keyword listing.
async fn read_and_raise_a_bid(
    c: &mut Client,
    token: &str,
) -> Result<(Option<String>, Value), Error> {
    use reqwest::Method;
    let campaigns = c
        .call(
            BID_PILOT,
            token,
            INTENT,
            Method::POST,
            "/sp/campaigns/list",
            Some(json!({})),
        )
        .await?;
    let campaign = first_id(&campaigns, "campaigns", "campaignId", |v| {
        v["state"] == "ENABLED"
    });
    if let Some(id) = &campaign {
        c.call(
            BID_PILOT,
            token,
            INTENT,
            Method::GET,
            &format!("/sp/campaigns/{id}"),
            None,
        )
        .await?;
    }
    let keywords = c
        .call(
            BID_PILOT,
            token,
            INTENT,
            Method::POST,
            "/sp/keywords/list",
            Some(json!({})),
        )
        .await?;
    let enabled = |v: &Value| v["state"] == "ENABLED";
    if let Some(kw) = first_id(&keywords, "keywords", "keywordId", enabled) {
        let bid = keywords["keywords"]
            .as_array()
            .and_then(|a| a.iter().find(|v| v["keywordId"] == kw.as_str()))
            .and_then(|v| v["bid"].as_f64())
            .unwrap_or(1.0);
        let raised = ((bid * 1.1) * 100.0).round() / 100.0 + 0.01;
        c.call(
            BID_PILOT,
            token,
            INTENT,
            Method::PUT,
            &format!("/sp/keywords/{kw}/bid"),
            Some(json!({ "bid": raised })),
        )
        .await?;
    }
    c.call(
        BID_PILOT,
        token,
        INTENT,
        Method::POST,
        "/sp/targets/list",
        Some(json!({})),
    )
    .await?;
    Ok((campaign, keywords))
}

/// Denied: the guardrail (billing), the policy (archive), the intent.
async fn denied_calls(c: &mut Client, token: &str, campaign: Option<&str>) -> Result<(), Error> {
    use reqwest::Method;
    c.call(
        BID_PILOT,
        token,
        INTENT,
        Method::GET,
        "/billing/invoices",
        None,
    )
    .await?;
    if let Some(id) = campaign {
        c.call(
            BID_PILOT,
            token,
            INTENT,
            Method::POST,
            &format!("/sp/campaigns/{id}/archive"),
            None,
        )
        .await?;
    }
    c.call(
        BID_PILOT,
        token,
        "reporting",
        Method::POST,
        "/sp/campaigns/list",
        Some(json!({})),
    )
    .await?;

    Ok(())
}

/// Attenuate offline with the published keys: listing campaigns only.
async fn attenuated_calls(
    c: &mut Client,
    token: &str,
    campaign: Option<&str>,
) -> Result<(), Error> {
    use reqwest::Method;
    let jwks: Value = c
        .http
        .get(format!("{}/.well-known/jwks.json", c.base))
        .send()
        .await?
        .json()
        .await?;
    let biscuit = Biscuit::from_base64(token, |kid| {
        jwks_key(&jwks, kid).ok_or(biscuit_auth::error::Format::UnknownPublicKey)
    })?;
    let narrowed = attenuate(
        &biscuit,
        &[Restriction::Operations(vec!["sp:ListCampaigns".into()])],
    )?
    .to_base64()?;
    c.call(
        BID_PILOT,
        &narrowed,
        INTENT,
        Method::POST,
        "/sp/campaigns/list",
        Some(json!({})),
    )
    .await?;
    if let Some(id) = campaign {
        c.call(
            BID_PILOT,
            &narrowed,
            INTENT,
            Method::GET,
            &format!("/sp/campaigns/{id}"),
            None,
        )
        .await?;
    }

    Ok(())
}

/// Delegate a read-only token to Dayparting Agent (RFC 8693): proved within the parent.
async fn delegate(
    c: &mut Client,
    child: &Credentials,
    adv: &Advertiser,
    token: &str,
    keywords: &Value,
) -> Result<(), Error> {
    use reqwest::Method;
    let acct = charter_model::arn::account(adv.marketplace, adv.id.as_str());
    let policy = json!({ "Statement": [{ "Sid": "DaypartingReads", "Effect": "Allow",
        "Action": ["sp:ListCampaigns", "sp:GetCampaign", "sp:ListKeywords"], "Resource": format!("{acct}:*") }] })
    .to_string();
    let exchanged = c
        .token(
            child,
            &[
                (
                    "grant_type",
                    "urn:ietf:params:oauth:grant-type:token-exchange",
                ),
                ("subject_token", token),
                (
                    "subject_token_type",
                    "urn:ietf:params:oauth:token-type:access_token",
                ),
                ("policy", policy.as_str()),
            ],
        )
        .await?;
    let child_token = exchanged["access_token"]
        .as_str()
        .ok_or("no delegated access_token")?
        .to_string();
    c.call(
        DAYPARTING,
        &child_token,
        INTENT,
        Method::POST,
        "/sp/keywords/list",
        Some(json!({})),
    )
    .await?;
    let enabled = |v: &Value| v["state"] == "ENABLED";
    if let Some(kw) = first_id(keywords, "keywords", "keywordId", enabled) {
        c.call(
            DAYPARTING,
            &child_token,
            INTENT,
            Method::PUT,
            &format!("/sp/keywords/{kw}/bid"),
            Some(json!({ "bid": 9.99 })),
        )
        .await?;
    }

    Ok(())
}

/// A runaway loop of denied calls trips the breaker (default: 30 denials a minute); from then
/// on even calls the policy allows are refused with `circuit_open`.
async fn runaway_loop(c: &mut Client, token: &str) -> Result<(), Error> {
    use reqwest::Method;
    for _ in 0..32 {
        c.call(
            BID_PILOT,
            token,
            INTENT,
            Method::GET,
            "/billing/status",
            None,
        )
        .await?;
    }
    c.call(
        BID_PILOT,
        token,
        INTENT,
        Method::POST,
        "/sp/campaigns/list",
        Some(json!({})),
    )
    .await?;
    Ok(())
}
