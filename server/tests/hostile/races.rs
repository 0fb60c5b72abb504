//! Hostile tests: item 4, concurrent partial updates. Two changes of one entity sent at the same
//! time were each priced against the row as it stood before either: the second to land could
//! add spend capacity nobody reserved. Each race is run for many rounds, over HTTP with the
//! rogue's token, and the money committed is read back from the ledger after every round.

use crate::common::{self, Backend};
use crate::money::{Rogue, campaign_body, rogue, sp_policy};
use charter_sandbox::money::bid_commitment;
use charter_store::model::*;
use charter_store::{EntityState, KeywordId, Program, TargetId};
use serde_json::json;

backend_tests!(
    concurrent_raise_and_enable_never_under_reserve,
    concurrent_bid_changes_never_under_reserve,
    two_editors_saving_one_version_cannot_both_win,
    a_save_racing_a_revocation_never_brings_the_grant_back,
);

/// Rounds of the race; each round is one fresh paused campaign and two concurrent updates.
const ROUNDS: usize = 25;

async fn concurrent_raise_and_enable_never_under_reserve(backend: Backend) {
    let r = rogue(backend, sp_policy).await;
    // What enabling an open-ended campaign commits per minor unit of daily budget, measured
    // (not assumed) on a reference campaign.
    let (s, body, reference) = r
        .committed_by(r.post("/sp/campaigns", campaign_body("Reference", 1.0, json!({}))))
        .await;
    assert_eq!(s, 200, "{body}");
    let days = reference / 100;
    assert!(days >= 1, "the reference committed {reference}");

    let (mut raced, mut refused) = (0, 0);
    for round in 0..ROUNDS {
        let (s, body) = r
            .post(
                "/sp/campaigns",
                campaign_body(&format!("Race {round}"), 10.0, json!({ "state": "PAUSED" })),
            )
            .await;
        assert_eq!(s, 200, "{body}");
        let id = body["campaignId"].as_str().expect("campaignId").to_string();
        let (budget_path, campaign_path) = (
            format!("/sp/campaigns/{id}/budget"),
            format!("/sp/campaigns/{id}"),
        );
        let raise = r.put(&budget_path, json!({ "budget": { "budget": 500.0 } }));
        let enable = r.put(&campaign_path, json!({ "state": "ENABLED" }));
        let ((s1, b1), (s2, b2)) = tokio::join!(raise, enable);
        for (s, b) in [(s1, &b1), (s2, &b2)] {
            assert!(s == 200 || s == 409, "round {round}: {s} {b}");
        }
        if s1 == 200 && s2 == 200 {
            raced += 1;
        }
        if s1 == 409 || s2 == 409 {
            refused += 1;
        }
        let c = r.campaign(&id).await;
        let arn = format!(
            "arn:ads:{}:{}:campaign/{id}",
            r.adv.marketplace.code().to_ascii_lowercase(),
            r.adv.id
        );
        let committed = committed_on(&r, &arn).await;
        if c.state == EntityState::Enabled {
            assert!(
                committed >= c.daily_budget_minor * days,
                "round {round}: enabled at {} a day with only {committed} committed (raise: {s1} {b1}; enable: {s2} {b2})",
                c.daily_budget_minor
            );
        }
    }
    eprintln!("{ROUNDS} rounds: both updates succeeded in {raced}, one was refused in {refused}");
}

/// The rogue's committed ledger total on `arn`.
async fn committed_on(r: &Rogue, arn: &str) -> i64 {
    r.ledger()
        .await
        .into_iter()
        .filter(|e| e.resource == arn && e.status == ReservationStatus::Committed)
        .map(|e| e.amount_minor)
        .sum()
}

/// A bid lowered and restored at the same time: if the restore were priced against the bid
/// before the lowering (a rise of nothing) and landed after it, the bid would be back up with
/// nothing reserved for the rise. Keywords and targets alike.
async fn concurrent_bid_changes_never_under_reserve(backend: Backend) {
    const HIGH: i64 = 400;
    const LOW: i64 = 10;
    let r = rogue(backend, sp_policy).await;
    let (_, group) = r.ad_group(50).await;
    let market = r.adv.marketplace.code().to_ascii_lowercase();
    for kind in ["keywords", "targets"] {
        let body = match kind {
            "keywords" => {
                json!({ "adGroupId": group, "keywordText": "race boots", "matchType": "EXACT", "bid": 4.0 })
            }
            _ => {
                json!({ "adGroupId": group, "expression": [{ "type": "ASIN_SAME_AS", "value": "b07race001" }], "bid": 4.0 })
            }
        };
        let (s, body) = r.post(&format!("/sp/{kind}"), body).await;
        assert_eq!(s, 200, "{kind}: {body}");
        let id_field = if kind == "keywords" {
            "keywordId"
        } else {
            "targetId"
        };
        let id = body[id_field].as_str().expect("an id").to_string();
        let noun = kind.trim_end_matches('s');
        let arn = format!("arn:ads:{market}:{}:{noun}/{id}", r.adv.id);
        let bid_path = format!("/sp/{kind}/{id}/bid");
        let (mut both, mut refused) = (0, 0);
        for round in 0..ROUNDS {
            // Back up to HIGH (reserving the rise when the last round ended low).
            let (s, b) = r
                .put(&bid_path, json!({ "bid": HIGH as f64 / 100.0 }))
                .await;
            assert_eq!(s, 200, "{kind} round {round}: {b}");
            let before = committed_on(&r, &arn).await;
            let lower = r.put(&bid_path, json!({ "bid": LOW as f64 / 100.0 }));
            let restore = r.put(&bid_path, json!({ "bid": HIGH as f64 / 100.0 }));
            let ((s_low, b_low), (s_high, b_high)) = tokio::join!(lower, restore);
            for (s, b) in [(s_low, &b_low), (s_high, &b_high)] {
                assert!(s == 200 || s == 409, "{kind} round {round}: {s} {b}");
            }
            both += usize::from(s_low == 200 && s_high == 200);
            refused += usize::from(s_low == 409 || s_high == 409);
            let now = bid_of(&r, kind, &id).await;
            let committed = committed_on(&r, &arn).await - before;
            if s_low == 200 && now == HIGH {
                // The lowering landed first: the restore is a rise from LOW and must have paid.
                assert!(
                    committed >= bid_commitment(LOW, HIGH),
                    "{kind} round {round}: back at {HIGH} after {LOW} with {committed} committed \
                     (lower: {s_low} {b_low}; restore: {s_high} {b_high})"
                );
            }
        }
        eprintln!(
            "{kind}: {ROUNDS} rounds, both changes succeeded in {both}, one refused in {refused}"
        );
    }
}

async fn bid_of(r: &Rogue, kind: &str, id: &str) -> i64 {
    let store = &r.app.store;
    let found = if kind == "keywords" {
        let id = KeywordId::parse(id).expect("keyword id");
        store
            .keyword(&r.adv.id, Program::Sp, id)
            .await
            .expect("read")
            .map(|k| k.bid_minor)
    } else {
        let id = TargetId::parse(id).expect("target id");
        store
            .target(&r.adv.id, Program::Sp, id)
            .await
            .expect("read")
            .map(|t| t.bid_minor)
    };
    found.expect("the entity exists")
}

/// Two people with the editor open on the same version save at the same moment. Each saw
/// version `v`; only one change can be version `v + 1`. Before the version was checked inside
/// the save's transaction, both saves passed the check and the second silently replaced the
/// first (the grant went to `v + 2` and the first editor's change was lost without a word).
async fn two_editors_saving_one_version_cannot_both_win(backend: Backend) {
    use charter_server::demo;
    let app = common::spawn_app(backend).await;
    let adv = app.advertiser(demo::NORTHWIND).await;
    let agent = app.agent_named(&adv, "Bid Pilot").await.0.id;
    let (owner, owner_csrf) = app.signed_in(demo::OWNER).await;
    let (admin, admin_csrf) = app.signed_in(demo::ADMIN).await;
    for round in 0..8 {
        let before = app
            .store
            .grant_for(&adv.id, &agent)
            .await
            .expect("grant")
            .expect("a grant");
        // A clean narrowing, the same for both.
        let (owner_note, admin_note) = (format!("owner {round}"), format!("admin {round}"));
        let v = before.version;
        let (a, b) = tokio::join!(
            save_narrowing(&owner, &owner_csrf, &adv, &agent, v, &owner_note),
            save_narrowing(&admin, &admin_csrf, &adv, &agent, v, &admin_note)
        );
        let saved = [&a, &b]
            .iter()
            .filter(|r| r.0 == 302 && r.1.contains("notice=grant_updated"))
            .count();
        let refused: Vec<_> = [&a, &b].into_iter().filter(|r| r.0 == 400).collect();
        let after = app
            .store
            .grant_for(&adv.id, &agent)
            .await
            .expect("grant")
            .expect("a grant");
        assert_eq!(
            after.version,
            before.version + 1,
            "round {round}: two saves from version {} made version {}: {a:?} {b:?}",
            before.version,
            after.version
        );
        assert_eq!(
            saved, 1,
            "round {round}: exactly one save wins: {a:?} {b:?}"
        );
        assert_eq!(
            refused.len(),
            1,
            "round {round}: the other is refused: {a:?} {b:?}"
        );
        assert!(
            refused[0].2.contains("changed since you opened the editor"),
            "round {round}: the refusal says why: {}",
            refused[0].2
        );
    }
}

/// A save racing a revocation never brings the grant back: whichever lands first, the grant
/// ends revoked; a save that lands after the revocation is refused and says why, and changes
/// nothing (the version stays).
async fn a_save_racing_a_revocation_never_brings_the_grant_back(backend: Backend) {
    use charter_server::demo;
    use common::post;
    let app = common::spawn_app(backend).await;
    let adv = app.advertiser(demo::NORTHWIND).await;
    let agent = app.agent_named(&adv, "Bid Pilot").await.0.id;
    let (owner, owner_csrf) = app.signed_in(demo::OWNER).await;
    let (admin, admin_csrf) = app.signed_in(demo::ADMIN).await;
    let (adv_s, agent_s) = (adv.id.to_string(), agent.to_string());
    let grant = || async {
        app.store
            .grant_for(&adv.id, &agent)
            .await
            .expect("grant")
            .expect("a grant")
    };
    let save = |base: u32| save_narrowing(&owner, &owner_csrf, &adv, &agent, base, "");
    let base = grant().await.version;
    let revoke = async {
        let fields = [
            ("advertiser_id", adv_s.as_str()),
            ("agent_id", agent_s.as_str()),
            ("reason", "stop now"),
        ];
        post(&admin, &admin_csrf, "/api/revoke_grant", &fields)
            .await
            .status()
            .as_u16()
    };
    let (saved, revoked) = tokio::join!(save(base), revoke);
    assert_eq!(revoked, 302, "the revocation lands");
    let after = grant().await;
    assert_eq!(after.status, GrantStatus::Revoked, "{saved:?}");
    let refusal = "this grant is revoked and cannot be changed; the partner must ask again";
    assert!(
        (saved.0 == 302 && saved.1.contains("notice=grant_updated"))
            || (saved.0 == 400 && saved.2.contains(refusal)),
        "the save either landed first or was refused saying why: {saved:?}"
    );
    // Any later save, from the version as it now stands, is refused, says why, and changes
    // nothing.
    let version = after.version;
    let late = save(version).await;
    assert_eq!(late.0, 400, "{late:?}");
    assert!(late.2.contains(refusal), "{}", late.2);
    let last = grant().await;
    assert_eq!((last.status, last.version), (GrantStatus::Revoked, version));
}

/// What the editor's save answered: the status, where it redirects, the body.
type Saved = (u16, String, String);

/// The editor's save of a clean narrowing of `agent`'s grant to reading Sponsored Products
/// campaigns, made from version `base`.
async fn save_narrowing(
    c: &common::Client,
    csrf: &str,
    adv: &Advertiser,
    agent: &AgentId,
    base: u32,
    note: &str,
) -> Saved {
    let resources = arn::resource(adv.marketplace, adv.id.as_str(), "campaign", "*");
    let (adv_s, agent_s, base) = (adv.id.to_string(), agent.to_string(), base.to_string());
    let fields = [
        ("cells[]", "sp:List"),
        ("cells[]", "sp:Read"),
        ("advertiser_id", adv_s.as_str()),
        ("agent_id", agent_s.as_str()),
        ("base_version", base.as_str()),
        ("resources", resources.as_str()),
        ("note", note),
    ];
    let res = common::post(c, csrf, "/api/save_grant_version", &fields).await;
    let status = res.status().as_u16();
    let to = common::location(&res);
    (status, to, res.text().await.unwrap_or_default())
}
