//! Hostile tests: a partner developer filing access requests (issue 10, item 10). Any signed-in
//! developer can file requests against an advertiser id; each one lands in the advertiser's
//! inbox and its policy is stored and shown, so both the size of a request and the number of
//! pending ones are bounded.

use crate::common::{self, Backend, location, post, spawn_app};
use charter_server::demo;
use charter_store::MAX_PENDING_REQUESTS_PER_ACCOUNT;
use charter_store::model::*;

backend_tests!(
    request_policies_are_bounded,
    pending_requests_have_a_quota_under_concurrency,
);

/// Bid Pilot's partner and id, as its developer sees them.
async fn bid_pilot(app: &common::TestApp) -> (PartnerId, AgentId) {
    let (agent, partner) = crate::holder::bid_pilot(app).await;
    (partner, agent)
}

async fn pending_on(app: &common::TestApp, partner: &PartnerId, adv: &AdvertiserId) -> usize {
    app.store
        .partner_access_requests(partner)
        .await
        .expect("requests")
        .iter()
        .filter(|r| r.request.advertiser_id == *adv && r.request.status == RequestStatus::Pending)
        .count()
}

async fn request_policies_are_bounded(backend: Backend) {
    let app = spawn_app(backend).await;
    let adv = app.advertiser(demo::HALCYON).await;
    let (partner, agent) = bid_pilot(&app).await;
    let (c, csrf) = app.signed_in(demo::DEVELOPER).await;
    let statements: Vec<String> = (0..200)
        .map(|i| format!(r#"{{"Sid":"S{i}","Effect":"Allow","Action":"sp:GetCampaign","Resource":"arn:ads:us:{}:campaign/{i}"}}"#, adv.id))
        .collect();
    let big = format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    );
    assert!(big.len() > 16 * 1024 && authz::parse_policy(&big).is_ok());
    let res = post(
        &c,
        &csrf,
        "/api/file_access_request",
        &[
            ("partner_id", partner.as_str()),
            ("agent_id", agent.as_str()),
            ("advertiser_id", adv.id.as_str()),
            ("purpose", "bid_optimization"),
            ("policy", &big),
        ],
    )
    .await;
    let status = res.status().as_u16();
    let to = location(&res);
    let body = res.text().await.unwrap_or_default();
    assert!(
        status == 400 || to.contains("error"),
        "a 17 KiB policy was accepted: {status} {to}"
    );
    assert!(
        body.contains("16384") || to.contains("error"),
        "the refusal names the limit: {body}"
    );
    assert_eq!(pending_on(&app, &partner, &adv.id).await, 0);
}

async fn pending_requests_have_a_quota_under_concurrency(backend: Backend) {
    let app = spawn_app(backend).await;
    let adv = app.advertiser(demo::BERGFELD).await;
    let (partner, agent) = bid_pilot(&app).await;
    let before = pending_on(&app, &partner, &adv.id).await;
    let (c, csrf) = app.signed_in(demo::DEVELOPER).await;
    let c = std::sync::Arc::new(c);
    let mut calls = Vec::new();
    let attempts = MAX_PENDING_REQUESTS_PER_ACCOUNT as usize + 5;
    for i in 0..attempts {
        let (c, csrf) = (c.clone(), csrf.clone());
        let (partner, agent, adv) = (partner.clone(), agent.clone(), adv.id.clone());
        calls.push(tokio::spawn(async move {
            let note = format!("request {i}");
            let res = post(
                &c,
                &csrf,
                "/api/file_access_request",
                &[
                    ("partner_id", partner.as_str()),
                    ("agent_id", agent.as_str()),
                    ("advertiser_id", adv.as_str()),
                    ("purpose", "bid_optimization"),
                    ("note", &note),
                ],
            )
            .await;
            location(&res).contains("notice=request_filed")
        }));
    }
    let mut filed = 0;
    for call in calls {
        if call.await.expect("task") {
            filed += 1;
        }
    }
    let quota = MAX_PENDING_REQUESTS_PER_ACCOUNT as usize;
    assert_eq!(
        filed,
        quota.saturating_sub(before),
        "filings that went through"
    );
    assert_eq!(pending_on(&app, &partner, &adv.id).await, quota.max(before));
}
