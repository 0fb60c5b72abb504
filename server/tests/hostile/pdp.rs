//! Hostile tests: the PDP trusts its caller no further than the token (issue 10, items 5 and
//! 10). The caller of `/v1/authorize` is a partner's gateway or, just as well, a rogue agent
//! holding one token: every field of the body is attacker input.

use crate::common::{self, Backend};
use crate::holder::{Holder, holder};
use charter_server::gateway::limits;
use serde_json::{Value, json};
use std::io::Write;
use std::sync::{Mutex, OnceLock};

backend_tests!(
    resources_outside_the_token_account_are_denied,
    gateway_context_keys_are_refused_from_callers,
    only_the_reserving_token_settles_its_reservation,
    request_fields_are_bounded,
    no_attacker_text_reaches_the_log_before_authentication,
);

async fn broad_holder(backend: Backend) -> Holder {
    let mut h = holder(backend).await;
    h.broaden().await;
    h
}

/// With a grant as broad as `sp:*` on `*`, a token for Northwind asks about Halcyon's
/// campaigns: the answer must be a deny, whatever the grant says.
async fn resources_outside_the_token_account_are_denied(backend: Backend) {
    let h = broad_holder(backend).await;
    let other = h.app.advertiser(charter_server::demo::HALCYON).await;
    let own = format!("arn:ads:us:{}:campaign/c-1", h.adv.id);
    let body = |resource: &str| json!({ "action": "sp:GetCampaign", "resource": resource, "intent": "bid_optimization" });
    let (s, v) = h.post_json("/v1/authorize", &h.token, &body(&own)).await;
    assert_eq!((s, v["decision"].as_str()), (200, Some("allow")), "{v}");
    for resource in [
        format!("arn:ads:us:{}:campaign/c-1", other.id),
        format!("arn:ads:de:{}:campaign/c-1", other.id),
        "arn:ads:us:*:campaign/c-1".to_string(),
        "*".to_string(),
        format!("arn:ads:us:{}x:campaign/c-1", h.adv.id),
        format!("arn:ads:us:{}", other.id),
        "campaign/c-1".to_string(),
    ] {
        let (s, v) = h
            .post_json("/v1/authorize", &h.token, &body(&resource))
            .await;
        assert_eq!(s, 200, "{resource}: {v}");
        assert_eq!(v["decision"], "deny", "{resource}: {v}");
        assert_eq!(v["reason"], "policy_denied", "{resource}: {v}");
    }
}

/// Context keys Charter sets itself (the time, the intent, the amount) cannot come from the
/// caller: a caller that sends one gets a 400 naming it.
async fn gateway_context_keys_are_refused_from_callers(backend: Backend) {
    let mut h = holder(backend).await;
    // A grant that allows budget changes only up to 100.00 (10,000 minor units).
    h.set_policy(json!({ "Version": "2012-10-17", "Statement": [{
        "Sid": "SmallBudgets", "Effect": "Allow", "Action": "sp:UpdateCampaignBudget",
        "Resource": format!("arn:ads:us:{}:campaign/*", h.adv.id),
        "Condition": { "NumericLessThanEquals": { "ads:AmountMinor": "10000" } }
    }]}))
    .await;
    let resource = format!("arn:ads:us:{}:campaign/c-1", h.adv.id);
    let (s, v) = h
        .post_json(
            "/v1/authorize",
            &h.token,
            &json!({ "action": "sp:UpdateCampaignBudget", "resource": resource,
                     "intent": "bid_optimization", "amountMinor": 900_000 }),
        )
        .await;
    assert_eq!(
        (s, v["reason"].as_str()),
        (200, Some("policy_denied")),
        "{v}"
    );
    for key in limits::GATEWAY_CONTEXT_KEYS {
        let (s, v) = h
            .post_json(
                "/v1/authorize",
                &h.token,
                &json!({ "action": "sp:UpdateCampaignBudget", "resource": resource,
                         "intent": "bid_optimization", "context": { *key: "1" } }),
            )
            .await;
        assert_eq!(s, 400, "`{key}` from the caller: {v}");
        assert_eq!(v["reason"], "invalid_request", "{v}");
        let detail = v["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(&format!("context.{key}")), "{detail}");
    }
    // The same refusal in a batch.
    let (s, v) = h
        .post_json(
            "/v1/authorize/batch",
            &h.token,
            &json!({ "requests": [{ "action": "sp:ListCampaigns", "resource": resource,
                     "intent": "bid_optimization", "context": { "ads:Intent": "bid_optimization" } }] }),
        )
        .await;
    assert_eq!(s, 400, "{v}");
}

/// Two tokens of the same grant: the second cannot commit or release the first's reservation.
async fn only_the_reserving_token_settles_its_reservation(backend: Backend) {
    let h = broad_holder(backend).await;
    let other_token = h.mint().await;
    let resource = format!("arn:ads:us:{}:campaign/c-1", h.adv.id);
    let budget = json!({ "action": "sp:UpdateCampaignBudget", "resource": resource,
                         "intent": "bid_optimization", "amountMinor": 1_000 });
    let mut ids = Vec::new();
    for _ in 0..2 {
        let (s, v) = h.post_json("/v1/authorize", &h.token, &budget).await;
        assert_eq!((s, v["decision"].as_str()), (200, Some("allow")), "{v}");
        let id = v["obligations"][0]["reservationId"]
            .as_str()
            .unwrap_or_else(|| panic!("a reservation: {v}"))
            .to_string();
        ids.push(id);
    }
    for (id, verb) in ids.iter().zip(["commit", "release"]) {
        let path = format!("/v1/reservations/{id}/{verb}");
        let (s, v) = h.post_json(&path, &other_token, &json!({})).await;
        assert_eq!(s, 404, "{verb} with another token of the grant: {v}");
        let (s, v) = h.post_json(&path, &h.token, &json!({})).await;
        assert_eq!(s, 200, "{verb} with the reserving token: {v}");
    }
}

/// The named limits: action, resource, context; over them is a 400 naming the field, and no
/// decision (nothing of it in the audit trail).
async fn request_fields_are_bounded(backend: Backend) {
    let h = holder(backend).await;
    let events_before = h.app.events(&h.adv.id).await.len();
    let resource = format!("arn:ads:us:{}:campaign/c-1", h.adv.id);
    let long = |n: usize| "x".repeat(n + 1);
    let cases = [
        (
            json!({ "action": long(limits::MAX_ACTION_BYTES), "resource": resource, "intent": "bid_optimization" }),
            "action",
        ),
        (
            json!({ "action": "sp:GetCampaign", "resource": format!("{resource}{}", long(limits::MAX_RESOURCE_BYTES)), "intent": "bid_optimization" }),
            "resource",
        ),
        (
            json!({ "action": "sp:GetCampaign", "resource": resource, "intent": "bid_optimization",
                    "context": { "partner:note": long(limits::MAX_CONTEXT_BYTES) } }),
            "context",
        ),
        (
            json!({ "action": "sp:GetCampaign", "resource": resource, "intent": long(64) }),
            "intent",
        ),
    ];
    for (body, field) in &cases {
        for token in [Some(h.token.as_str()), None] {
            let mut req = h.http.post(h.url("/v1/authorize")).json(body);
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let res = req.send().await.expect("authorize");
            let status = res.status().as_u16();
            let v: Value = res.json().await.unwrap_or(Value::Null);
            assert_eq!(status, 400, "{field}: {v}");
            let detail = v["detail"].as_str().unwrap_or_default();
            assert!(detail.contains(&format!("`{field}`")), "{detail}");
            assert!(
                !detail.contains("xxxxxxxx"),
                "the refusal echoes the input: {detail}"
            );
        }
    }
    // Just under the limits is a decision as usual.
    let ok = json!({ "action": "sp:GetCampaign", "resource": resource, "intent": "bid_optimization",
                     "context": { "partner:note": "x".repeat(limits::MAX_CONTEXT_BYTES / 2) } });
    let (s, v) = h.post_json("/v1/authorize", &h.token, &ok).await;
    assert_eq!((s, v["decision"].as_str()), (200, Some("allow")), "{v}");
    // Decisions are written by the audit writer's group commit: wait for the one allow.
    let mut after = h.app.events(&h.adv.id).await.len();
    for _ in 0..100 {
        if after > events_before {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        after = h.app.events(&h.adv.id).await.len();
    }
    assert_eq!(
        after,
        events_before + 1,
        "only the one decision is recorded"
    );
}

/// Everything the server logs, for the log test (one global subscriber for the binary).
fn captured() -> &'static Mutex<Vec<u8>> {
    static LOG: OnceLock<Mutex<Vec<u8>>> = OnceLock::new();
    LOG.get_or_init(|| {
        struct Sink;
        impl Write for Sink {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                if let Ok(mut l) = captured().lock() {
                    l.extend_from_slice(buf);
                }
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                "info,sqlx=warn,tower_sessions=warn,charter_server=debug,app=debug,charter_store=debug",
            ))
            .with_writer(|| Sink)
            .try_init();
        Mutex::new(Vec::new())
    })
}

/// Requests without a token, or with a junk one, carrying a marker in every field: the marker
/// never reaches the server's log.
async fn no_attacker_text_reaches_the_log_before_authentication(backend: Backend) {
    let _ = captured();
    let h = holder(backend).await;
    let marker = format!("attacker-{}", ulid::Ulid::new());
    let body = json!({ "action": format!("sp:{marker}"), "resource": format!("arn:ads:us:{marker}"),
                       "intent": "bid_optimization", "context": { "partner:x": marker } });
    for token in [None, Some(marker.as_str()), Some("e30")] {
        let mut req = h.http.post(h.url("/v1/authorize")).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.expect("authorize");
        assert_eq!(res.status(), 200);
        let res = h
            .http
            .post(h.url(&format!("/v1/reservations/{marker}/commit")))
            .send()
            .await
            .expect("commit");
        assert!(res.status().is_client_error(), "{}", res.status());
    }
    let log = String::from_utf8_lossy(&captured().lock().expect("log").clone()).to_string();
    assert!(
        log.contains("unattributed denial"),
        "the capture works: the server logged its denials"
    );
    assert!(!log.contains(&marker), "attacker text in the log:\n{log}");
}
