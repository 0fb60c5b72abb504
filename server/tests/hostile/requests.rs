//! Hostile tests: a partner developer filing access requests (issue 10, item 10). Each request
//! lands in the advertiser's inbox and its policy is stored and shown, so the size of a request
//! and the number of pending ones are bounded; and a partner files only on accounts that know
//! it (a grant to one of its agents, or an invitation it redeemed). Any other account answers
//! exactly like one that does not exist. Invitation codes work once, while open, for the
//! account that made them, and guessing them is throttled per partner.

use crate::common::{self, Backend, location, post, spawn_app};
use app::consent::invitations::{MAX_LABEL_CHARS, REDEEM_FREE_ATTEMPTS};
use charter_server::demo;
use charter_store::model::*;
use charter_store::{MAX_OPEN_INVITATIONS, MAX_PENDING_REQUESTS_PER_ACCOUNT};

backend_tests!(
    request_policies_are_bounded,
    pending_requests_have_a_quota_under_concurrency,
    requests_only_to_advertisers_that_know_the_partner,
    an_invitation_introduces_the_partner,
    invitation_codes_work_once_and_only_while_open,
    only_owners_and_admins_create_invitations,
    redemption_attempts_are_throttled_per_partner,
    open_invitations_and_their_labels_are_bounded,
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

// --- known to: requests only to advertisers that introduced the partner ---------------------

/// A partner no advertiser knows yet (no grant, no invitation), with the demo developer as its
/// member, one application and one agent.
async fn stranger_partner(app: &common::TestApp) -> (PartnerId, AgentId) {
    let system = Actor::System {
        label: "hostile test".into(),
    };
    let store = &app.store;
    let partner = store
        .create_partner(
            &system,
            &Name::parse("name", "Stranger Analytics").expect("name"),
            PartnerKind::ToolVendor,
        )
        .await
        .expect("partner");
    let dev = store
        .authenticate(
            &Email::parse(demo::DEVELOPER.email).expect("email"),
            demo::DEVELOPER.password,
        )
        .await
        .expect("authenticate")
        .expect("the demo developer");
    store
        .add_partner_member(&system, &dev.id, &partner.id)
        .await
        .expect("member");
    let application = store
        .create_application(
            &system,
            &partner.id,
            &Name::parse("name", "Stranger App").expect("name"),
            "",
        )
        .await
        .expect("application");
    let agent = store
        .create_agent(
            &system,
            &partner.id,
            charter_store::NewAgent {
                application: application.id.clone(),
                name: Name::parse("name", "Stranger Agent").expect("name"),
                description: String::new(),
                purposes: vec![Purpose::Reporting],
                party: Party::ThirdParty,
            },
        )
        .await
        .expect("agent");
    (partner.id, agent.id)
}

/// A no-JS filing for `agent` of `partner` on `adv`: the status and the body.
async fn file(
    c: &common::Client,
    csrf: &str,
    partner: &PartnerId,
    agent: &AgentId,
    adv: &str,
    policy: &str,
) -> (u16, String, String) {
    let res = post(
        c,
        csrf,
        "/api/file_access_request",
        &[
            ("partner_id", partner.as_str()),
            ("agent_id", agent.as_str()),
            ("advertiser_id", adv),
            ("purpose", "reporting"),
            ("policy", policy),
            ("note", "hello"),
        ],
    )
    .await;
    let status = res.status().as_u16();
    let to = location(&res);
    (status, to, res.text().await.unwrap_or_default())
}

/// The same filing as the hydrated app sends it (JSON back): the status and the body.
async fn file_json(
    c: &common::Client,
    csrf: &str,
    partner: &PartnerId,
    agent: &AgentId,
    adv: &str,
) -> (u16, String) {
    let res = c
        .call(
            "/api/file_access_request",
            &[
                ("partner_id", partner.as_str()),
                ("agent_id", agent.as_str()),
                ("advertiser_id", adv),
                ("purpose", "reporting"),
                ("csrf", csrf),
            ],
        )
        .await;
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

const NO_SUCH_ACCOUNT: &str = "adv_01JABCDEFGHJKMNPQRSTVWXYZ0";

async fn requests_only_to_advertisers_that_know_the_partner(backend: Backend) {
    let app = spawn_app(backend).await;
    let northwind = app.advertiser(demo::NORTHWIND).await;
    let (partner, agent) = stranger_partner(&app).await;
    let event_count = || async {
        app.store
            .advertiser_events(&northwind.id, 1, 1)
            .await
            .expect("events")
            .total
    };
    let events_before = event_count().await;
    let (c, csrf) = app.signed_in(demo::DEVELOPER).await;

    // Northwind exists but never met this partner: the same 404 as an id that does not exist,
    // with the template (empty policy) and with a policy of its own, with and without JS.
    let unknown = file(&c, &csrf, &partner, &agent, northwind.id.as_str(), "").await;
    let missing = file(&c, &csrf, &partner, &agent, NO_SUCH_ACCOUNT, "").await;
    let malformed = file(&c, &csrf, &partner, &agent, "adv_nope", "").await;
    assert_eq!(unknown.0, 404, "an unknown advertiser: {unknown:?}");
    assert_eq!(unknown, missing, "unknown and nonexistent answer alike");
    assert_eq!(unknown, malformed, "unknown and malformed answer alike");
    let policy =
        r#"{"Statement":[{"Effect":"Allow","Action":"reports:GetReport","Resource":"*"}]}"#;
    let with_policy = file(&c, &csrf, &partner, &agent, northwind.id.as_str(), policy).await;
    assert_eq!(with_policy, unknown);
    let bad_policy = file(&c, &csrf, &partner, &agent, northwind.id.as_str(), "{").await;
    assert_eq!(
        bad_policy, missing,
        "no policy check before the account check"
    );
    let json_unknown = file_json(&c, &csrf, &partner, &agent, northwind.id.as_str()).await;
    let json_missing = file_json(&c, &csrf, &partner, &agent, NO_SUCH_ACCOUNT).await;
    assert_eq!(json_unknown.0, 404, "{json_unknown:?}");
    assert_eq!(json_unknown, json_missing);

    // Nothing was stored or recorded.
    assert!(
        app.store
            .partner_access_requests(&partner)
            .await
            .expect("requests")
            .is_empty()
    );
    assert_eq!(event_count().await, events_before);

    // A partner the account knows (Bid Pilot's: its agents hold grants there) still files.
    let (known, pilot) = bid_pilot(&app).await;
    let filed = file(&c, &csrf, &known, &pilot, northwind.id.as_str(), "").await;
    assert!(filed.1.contains("notice=request_filed"), "{filed:?}");
}

/// The one-time code on a page, if any (`<input id="invitation-code" … value="…">`).
fn shown_code(html: &str) -> Option<String> {
    let i = html.find("id=\"invitation-code\"")?;
    let rest = &html[i..];
    let j = rest.find("value=\"")? + "value=\"".len();
    Some(rest[j..].chars().take_while(|c| *c != '"').collect())
}

/// An owner or admin creates an invitation on `adv`; the code the page shows once.
async fn invite(app: &common::TestApp, who: demo::DemoPerson, adv: &AdvertiserId) -> String {
    let (c, csrf) = app.signed_in(who).await;
    let res = post(
        &c,
        &csrf,
        "/api/create_invitation",
        &[("advertiser_id", adv.as_str()), ("label", "For a partner")],
    )
    .await;
    let to = location(&res);
    assert!(
        to.starts_with(&format!(
            "/accounts/{adv}/requests?notice=invitation_created"
        )),
        "{} {to}",
        res.status()
    );
    let html = c.get(&to).await.text().await.expect("page");
    shown_code(&html).expect("the code, shown once")
}

/// The developer redeems `code` for `partner`: the status, the redirect and the body.
async fn redeem(
    c: &common::Client,
    csrf: &str,
    partner: &PartnerId,
    code: &str,
) -> (u16, String, String) {
    let res = post(
        c,
        csrf,
        "/api/redeem_invitation",
        &[("partner_id", partner.as_str()), ("code", code)],
    )
    .await;
    let status = res.status().as_u16();
    let to = location(&res);
    (status, to, res.text().await.unwrap_or_default())
}

async fn invitation_codes(app: &common::TestApp) -> Vec<String> {
    match &app.db.pool {
        charter_store::Pool::Sqlite(p) => sqlx::query_scalar("SELECT code_hash FROM invitations")
            .fetch_all(p)
            .await
            .expect("hashes"),
        charter_store::Pool::Postgres(p) => sqlx::query_scalar("SELECT code_hash FROM invitations")
            .fetch_all(p)
            .await
            .expect("hashes"),
    }
}

/// The invitations of `adv`, newest first: each id and whether it was withdrawn (read from
/// the table, as the test sees the store from outside).
async fn invitations(app: &common::TestApp, adv: &AdvertiserId) -> Vec<(String, bool)> {
    let sql = "SELECT id, withdrawn_at IS NOT NULL FROM invitations WHERE advertiser_id = $1 \
               ORDER BY created_at DESC, id DESC";
    match &app.db.pool {
        charter_store::Pool::Sqlite(p) => sqlx::query_as(sql).bind(adv.as_str()).fetch_all(p).await,
        charter_store::Pool::Postgres(p) => {
            sqlx::query_as(sql).bind(adv.as_str()).fetch_all(p).await
        }
    }
    .expect("invitations")
}

async fn an_invitation_introduces_the_partner(backend: Backend) {
    let app = spawn_app(backend).await;
    let northwind = app.advertiser(demo::NORTHWIND).await;
    let (partner, agent) = stranger_partner(&app).await;
    let code = invite(&app, demo::OWNER, &northwind.id).await;
    assert!(code.len() >= 43, "32 random bytes at least: {code}");

    // Stored only as a keyed hash.
    let hashes = invitation_codes(&app).await;
    assert_eq!(hashes.len(), 1);
    assert!(hashes[0].starts_with("hmac-sha256$"), "{hashes:?}");
    assert!(!hashes[0].contains(&code));

    let (c, csrf) = app.signed_in(demo::DEVELOPER).await;
    let (status, to, _) = redeem(&c, &csrf, &partner, &format!("  {code}\n")).await;
    assert_eq!(status, 302);
    assert!(
        to.starts_with(&format!(
            "/partners/{partner}/requests?notice=invitation_redeemed"
        )),
        "{to}"
    );
    // Now the developer files on Northwind.
    let filed = file(&c, &csrf, &partner, &agent, northwind.id.as_str(), "").await;
    assert!(filed.1.contains("notice=request_filed"), "{filed:?}");
    assert_eq!(
        app.store
            .partner_access_requests(&partner)
            .await
            .expect("requests")
            .len(),
        1
    );

    // Audited on the account's chain, naming the partner; the code appears nowhere.
    let events = app.events(&northwind.id).await;
    let created = events
        .iter()
        .find(|e| e.action == "invitation.created")
        .expect("invitation.created");
    let redeemed = events
        .iter()
        .find(|e| e.action == "invitation.redeemed")
        .expect("invitation.redeemed");
    assert_eq!(redeemed.partner_id.as_ref(), Some(&partner));
    assert_eq!(redeemed.target_id, created.target_id);
    for e in [created, redeemed] {
        let text = format!("{:?} {:?}", e.before, e.after);
        assert!(!text.contains(&code), "{text}");
    }
    // Only Northwind knows the partner: Halcyon is still a 404.
    let halcyon = app.advertiser(demo::HALCYON).await;
    let other = file(&c, &csrf, &partner, &agent, halcyon.id.as_str(), "").await;
    assert_eq!(other.0, 404);
}

async fn invitation_codes_work_once_and_only_while_open(backend: Backend) {
    let app = spawn_app(backend).await;
    let northwind = app.advertiser(demo::NORTHWIND).await;
    let bergfeld = app.advertiser(demo::BERGFELD).await;
    let (partner, agent) = stranger_partner(&app).await;
    let (known, _) = bid_pilot(&app).await;
    let (c, csrf) = app.signed_in(demo::DEVELOPER).await;

    // Garbage and an oversized code: the one generic refusal.
    let refused = redeem(&c, &csrf, &partner, "chinv_not-a-code").await;
    assert_eq!(refused.0, 400, "{refused:?}");
    assert!(
        refused.2.contains("this invitation code is not valid"),
        "{refused:?}"
    );
    assert_eq!(
        redeem(&c, &csrf, &partner, &"x".repeat(10_000)).await,
        refused
    );
    assert_eq!(redeem(&c, &csrf, &partner, "").await, refused);

    // Used: a code works once, for one partner.
    let used = invite(&app, demo::OWNER, &northwind.id).await;
    assert_eq!(redeem(&c, &csrf, &known, &used).await.0, 302);
    assert_eq!(redeem(&c, &csrf, &partner, &used).await, refused);
    assert_eq!(redeem(&c, &csrf, &known, &used).await, refused);

    // Expired: seven days after it was made.
    let expired = invite(&app, demo::ADMIN, &northwind.id).await;
    let past = chrono::Utc::now() - chrono::Duration::minutes(1);
    let sql = "UPDATE invitations SET expires_at = $1 WHERE redeemed_at IS NULL";
    match &app.db.pool {
        charter_store::Pool::Sqlite(p) => sqlx::query(sql).bind(past).execute(p).await.map(|_| ()),
        charter_store::Pool::Postgres(p) => {
            sqlx::query(sql).bind(past).execute(p).await.map(|_| ())
        }
    }
    .expect("expire");
    assert_eq!(redeem(&c, &csrf, &partner, &expired).await, refused);

    // Withdrawn by the owner, before anyone used it.
    let withdrawn = invite(&app, demo::OWNER, &northwind.id).await;
    let open = &invitations(&app, &northwind.id).await[0];
    let (owner, owner_csrf) = app.signed_in(demo::OWNER).await;
    let res = post(
        &owner,
        &owner_csrf,
        "/api/withdraw_invitation",
        &[
            ("advertiser_id", northwind.id.as_str()),
            ("invitation_id", open.0.as_str()),
        ],
    )
    .await;
    assert!(
        location(&res).contains("notice=invitation_withdrawn"),
        "{}",
        location(&res)
    );
    assert_eq!(redeem(&c, &csrf, &partner, &withdrawn).await, refused);

    // Another account's invitation: Northwind's owner cannot withdraw it (not found, under
    // either account id), and redeeming it introduces the partner to Bergfeld only.
    let theirs = invite(&app, demo::BERGFELD_OWNER, &bergfeld.id).await;
    let bergfeld_invitation = invitations(&app, &bergfeld.id).await[0].0.clone();
    for adv in [&northwind.id, &bergfeld.id] {
        let res = post(
            &owner,
            &owner_csrf,
            "/api/withdraw_invitation",
            &[
                ("advertiser_id", adv.as_str()),
                ("invitation_id", bergfeld_invitation.as_str()),
            ],
        )
        .await;
        assert_eq!(res.status(), 404, "withdraw via {adv}");
    }
    assert!(!invitations(&app, &bergfeld.id).await[0].1, "still open");
    // Nothing so far introduced the stranger to Northwind.
    assert_eq!(
        file(&c, &csrf, &partner, &agent, northwind.id.as_str(), "")
            .await
            .0,
        404
    );
    assert_eq!(redeem(&c, &csrf, &partner, &theirs).await.0, 302);
    assert!(
        file(&c, &csrf, &partner, &agent, bergfeld.id.as_str(), "")
            .await
            .1
            .contains("notice=request_filed")
    );
    assert_eq!(
        file(&c, &csrf, &partner, &agent, northwind.id.as_str(), "")
            .await
            .0,
        404
    );
}

async fn only_owners_and_admins_create_invitations(backend: Backend) {
    let app = spawn_app(backend).await;
    let northwind = app.advertiser(demo::NORTHWIND).await;
    let create = [("advertiser_id", northwind.id.as_str()), ("label", "x")];
    for (who, status) in [
        (demo::VIEWER, 403),
        (demo::SUPPORT, 403),
        (demo::BERGFELD_OWNER, 404),
        (demo::DEVELOPER, 404),
    ] {
        let (c, csrf) = app.signed_in(who).await;
        let res = post(&c, &csrf, "/api/create_invitation", &create).await;
        assert_eq!(res.status(), status, "{} creates", who.email);
    }
    assert!(invitation_codes(&app).await.is_empty(), "nothing created");
    // The admin may; the viewer may not withdraw it, a stranger does not see it.
    invite(&app, demo::ADMIN, &northwind.id).await;
    let id = invitations(&app, &northwind.id).await[0].0.clone();
    let withdraw = [
        ("advertiser_id", northwind.id.as_str()),
        ("invitation_id", id.as_str()),
    ];
    for (who, status) in [(demo::VIEWER, 403), (demo::BERGFELD_OWNER, 404)] {
        let (c, csrf) = app.signed_in(who).await;
        let res = post(&c, &csrf, "/api/withdraw_invitation", &withdraw).await;
        assert_eq!(res.status(), status, "{} withdraws", who.email);
    }
    assert!(!invitations(&app, &northwind.id).await[0].1, "still open");
    // A viewer's page lists invitations but offers no form.
    let (viewer, _) = app.signed_in(demo::VIEWER).await;
    let html = viewer
        .get(&format!("/accounts/{}/requests", northwind.id))
        .await
        .text()
        .await
        .expect("page");
    assert!(html.contains("Invitations"), "the list is shown");
    assert!(!html.contains("/api/create_invitation"));
    assert!(!html.contains("/api/withdraw_invitation"));
}

async fn redemption_attempts_are_throttled_per_partner(backend: Backend) {
    let app = spawn_app(backend).await;
    let northwind = app.advertiser(demo::NORTHWIND).await;
    let (partner, _) = stranger_partner(&app).await;
    let (known, _) = bid_pilot(&app).await;
    let code = invite(&app, demo::OWNER, &northwind.id).await;
    let (c, csrf) = app.signed_in(demo::DEVELOPER).await;
    for i in 0..REDEEM_FREE_ATTEMPTS {
        let (status, _, _) = redeem(&c, &csrf, &partner, &format!("chinv_guess{i}")).await;
        assert_eq!(status, 400, "guess {i}");
    }
    // The partner must now wait, even with the right code; another partner need not.
    assert_eq!(redeem(&c, &csrf, &partner, "chinv_guess").await.0, 429);
    assert_eq!(redeem(&c, &csrf, &partner, &code).await.0, 429);
    assert_eq!(redeem(&c, &csrf, &known, "chinv_guess").await.0, 400);
    assert_eq!(redeem(&c, &csrf, &known, &code).await.0, 302);
}

async fn open_invitations_and_their_labels_are_bounded(backend: Backend) {
    let app = spawn_app(backend).await;
    let northwind = app.advertiser(demo::NORTHWIND).await;
    let owner_actor = Actor::System {
        label: "hostile test".into(),
    };
    for _ in 0..MAX_OPEN_INVITATIONS {
        app.store
            .create_invitation(&owner_actor, &northwind.id, "")
            .await
            .expect("an invitation under the quota");
    }
    let (c, csrf) = app.signed_in(demo::OWNER).await;
    let create = |label: String| {
        let (c, csrf, adv) = (&c, &csrf, northwind.id.to_string());
        async move {
            let res = post(
                c,
                csrf,
                "/api/create_invitation",
                &[("advertiser_id", adv.as_str()), ("label", &label)],
            )
            .await;
            let status = res.status().as_u16();
            (status, location(&res), res.text().await.unwrap_or_default())
        }
    };
    let (status, _, body) = create(String::new()).await;
    assert_eq!(status, 400, "one more than the quota: {body}");
    assert!(body.contains("open invitations"), "{body}");
    assert_eq!(
        invitations(&app, &northwind.id).await.len(),
        MAX_OPEN_INVITATIONS as usize
    );

    // A withdrawn one no longer counts.
    let newest = invitations(&app, &northwind.id).await[0].0.clone();
    let res = post(
        &c,
        &csrf,
        "/api/withdraw_invitation",
        &[
            ("advertiser_id", northwind.id.as_str()),
            ("invitation_id", newest.as_str()),
        ],
    )
    .await;
    assert!(location(&res).contains("notice=invitation_withdrawn"));
    // A label over the limit is refused; one at the limit is taken.
    let (status, _, _) = create("x".repeat(MAX_LABEL_CHARS + 1)).await;
    assert_eq!(status, 400);
    let (status, to, _) = create("y".repeat(MAX_LABEL_CHARS)).await;
    assert_eq!(status, 302, "{to}");
}
