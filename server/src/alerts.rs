//! Breaker alerts: the advertiser's optional webhook, signed with HMAC-SHA256.
//!
//! The UI's alert needs nothing from here: it shows every breaker of the account that is open
//! or terminated (`EnforcementStore::breakers`). The webhook is a POST of a JSON body with the
//! header `Charter-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`;
//! receivers recompute it, compare in constant time and reject timestamps older than five
//! minutes (replays). Delivery is retried three times with backoff; failures are logged, never
//! block a decision.
//!
//! Before every delivery the stored address is checked again and its host resolved once
//! ([`app::enforce::webhook`]: https only, public addresses only); the request then connects to
//! exactly the addresses that were checked (no second DNS lookup, no proxy) and follows no
//! redirect. An address that now resolves somewhere private is not contacted at all.

use crate::gateway::Subject;
use app::enforce::webhook::{ResolvedWebhook, WebhookHost, WebhookPolicy};
use charter_store::model::BreakerState;
use charter_store::{BreakerRecord, EnforcementStore};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::Arc;

/// The signature header of webhook deliveries.
pub const SIGNATURE_HEADER: &str = "charter-signature";

/// `t=<timestamp>,v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        // HMAC takes keys of any length; this cannot happen.
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// Checks a `Charter-Signature` header in constant time (for receivers, and the tests).
pub fn verify(secret: &str, header: &str, body: &[u8], now: i64, tolerance_secs: i64) -> bool {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => v1 = hex::decode(v).ok(),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return false;
    };
    if (now - t).abs() > tolerance_secs {
        return false;
    }
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&v1).is_ok()
}

/// Sends breaker alerts.
#[derive(Clone)]
pub struct Alerts {
    /// Only the enforcement state (the account's webhook).
    store: Arc<dyn EnforcementStore>,
    policy: WebhookPolicy,
}

/// How long one delivery attempt may take.
pub const DELIVERY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// An HTTP client that connects only to `hook.addrs` for the hook's host: no DNS, no proxy,
/// no redirects.
fn pinned_client(hook: &ResolvedWebhook) -> Option<reqwest::Client> {
    let mut b = reqwest::Client::builder()
        .timeout(DELIVERY_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy();
    if let WebhookHost::Name(name) = &hook.target.host {
        b = b.resolve_to_addrs(name, &hook.addrs);
    }
    b.build().ok()
}

impl Alerts {
    pub fn new(store: Arc<dyn EnforcementStore>) -> Alerts {
        Alerts::with_policy(store, WebhookPolicy::default())
    }

    pub fn with_policy(store: Arc<dyn EnforcementStore>, policy: WebhookPolicy) -> Alerts {
        Alerts { store, policy }
    }

    /// Fires the webhook (if any) for a breaker that just opened or terminated. Never waits.
    pub fn breaker_tripped(&self, subject: &Subject, record: &BreakerRecord) {
        if !matches!(record.state, BreakerState::Open | BreakerState::Terminated) {
            return;
        }
        let this = self.clone();
        let body = serde_json::json!({
            "type": "breaker.tripped",
            "advertiserId": subject.advertiser.id.as_str(),
            "advertiser": subject.advertiser.name,
            "agentId": subject.agent_id.as_str(),
            "agent": subject.agent_name,
            "grantId": subject.grant_id.as_str(),
            "state": record.state.as_str(),
            "reason": record.reason,
            "trips": record.trips,
            "at": record.changed_at.to_rfc3339(),
        });
        let advertiser = subject.advertiser.id.clone();
        tokio::spawn(async move {
            let hook = match this.store.webhook(&advertiser).await {
                Ok(Some(h)) => h,
                Ok(None) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "webhook lookup failed");
                    return;
                }
            };
            let body = body.to_string().into_bytes();
            for attempt in 0..3u32 {
                // Checked and resolved again for every attempt: what was public when the owner
                // saved it may not be now.
                let target = match this.policy.resolve(&hook.url).await {
                    Ok(t) => t,
                    Err(_) => {
                        // The reason holds the owner's text: not logged.
                        tracing::warn!(advertiser = %advertiser, "webhook address refused (not https, unresolvable or not public); not delivered");
                        return;
                    }
                };
                let Some(http) = pinned_client(&target) else {
                    tracing::warn!("webhook client could not be built");
                    return;
                };
                let t = chrono::Utc::now().timestamp();
                let sent = http
                    .post(&target.target.url)
                    .header("content-type", "application/json")
                    .header(SIGNATURE_HEADER, sign(&hook.secret, t, &body))
                    .body(body.clone())
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status().is_success() => return,
                    Ok(r) => tracing::warn!(status = %r.status(), attempt, "webhook refused"),
                    Err(e) => {
                        tracing::warn!(error = %e.without_url(), attempt, "webhook delivery failed")
                    }
                }
                tokio::time::sleep(std::time::Duration::from_millis(500 * 2u64.pow(attempt))).await;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_and_detect_changes() {
        let h = sign("s3cret", 1_700_000_000, b"{\"a\":1}");
        assert!(h.starts_with("t=1700000000,v1="), "{h}");
        assert!(verify("s3cret", &h, b"{\"a\":1}", 1_700_000_010, 300));
        assert!(
            !verify("s3cret", &h, b"{\"a\":2}", 1_700_000_010, 300),
            "body changed"
        );
        assert!(
            !verify("other", &h, b"{\"a\":1}", 1_700_000_010, 300),
            "wrong secret"
        );
        assert!(
            !verify("s3cret", &h, b"{\"a\":1}", 1_700_001_000, 300),
            "too old"
        );
        assert!(!verify(
            "s3cret",
            "garbage",
            b"{\"a\":1}",
            1_700_000_010,
            300
        ));
    }

    #[test]
    fn known_vector() {
        // HMAC-SHA256(key = "key", "1.body") computed independently with Python's hmac module.
        assert_eq!(
            sign("key", 1, b"body"),
            "t=1,v1=91b5374b153842ad05b2c4eab9349b8321b14703165bd3fb8b034dfb8be98ae5"
        );
    }
}
