//! The identity pages over real HTTP, as a browser without JavaScript uses them: a partner's
//! credentials page (a secret is shown exactly once, rotation allows two live secrets, JWK
//! checks, partner scoping) and an advertiser's view of delegations and grant versions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use charter_server::demo;
use charter_store::model::*;
use charter_store::{GrantChange, TokenRecord};
use chrono::{Duration, Utc};
use common::{Backend, TestApp, location, post, spawn_app};

/// The RFC 8037 §A.2 example Ed25519 public key.
const X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";

/// The value of the `<input id="new-secret-value" … value="…">` on a page, if any.
fn shown_secret(html: &str) -> Option<String> {
    let i = html.find("id=\"new-secret-value\"")?;
    let rest = &html[i..];
    let j = rest.find("value=\"")? + "value=\"".len();
    Some(rest[j..].chars().take_while(|c| *c != '"').collect())
}

/// Quantive Labs (the demo developer's partner), one of its agents, and an agent of another
/// partner.
async fn partner_and_agents(app: &TestApp) -> (Partner, Agent, Agent) {
    let adv = app.advertiser(demo::NORTHWIND).await;
    let partners = app.store.partners_on_account(&adv.id).await.unwrap();
    let mine = partners
        .iter()
        .find(|p| p.name == "Quantive Labs")
        .expect("Quantive Labs")
        .clone();
    let other = partners
        .iter()
        .find(|p| p.name != "Quantive Labs")
        .expect("another partner")
        .clone();
    let agent = |p: PartnerId| {
        let store = app.store.clone();
        async move {
            store
                .applications_with_agents(&p)
                .await
                .unwrap()
                .into_iter()
                .flat_map(|a| a.agents)
                .next()
                .expect("an agent")
        }
    };
    let my_agent = agent(mine.id.clone()).await;
    let their_agent = agent(other.id.clone()).await;
    (mine, my_agent, their_agent)
}

async fn credentials_page_shows_a_secret_exactly_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (partner, agent, foreign) = partner_and_agents(&app).await;
    let (c, csrf) = app.signed_in(demo::DEVELOPER).await;
    let page = format!("/partners/{}/agents/{}", partner.id, agent.id);
    let ids = [
        ("partner_id", partner.id.as_str()),
        ("agent_id", agent.id.as_str()),
    ];

    let res = c.get(&page).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains(agent.id.as_str()), "client id shown");
    assert!(html.contains("/oauth/token"), "token endpoint shown");
    assert!(html.contains("resource=urn:charter:account:"));
    assert_eq!(shown_secret(&html), None);

    // Create: the redirect carries no secret; the next page shows it, once, uncached.
    let res = post(&c, &csrf, "/api/create_client_secret", &ids).await;
    assert_eq!(res.status(), 302);
    let to = location(&res);
    assert!(
        to.starts_with(&format!("{page}?notice=secret_created")),
        "{to}"
    );
    let res = c.get(&to).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let html = res.text().await.unwrap();
    assert!(html.contains("Copy this secret now; it will not be shown again"));
    let secret = shown_secret(&html).expect("the new secret");
    assert!(secret.len() >= 32, "{secret}");
    assert!(!to.contains(&secret));
    assert!(
        app.store
            .verify_client_secret(&agent.id, &secret)
            .await
            .unwrap()
    );
    let html = c.get(&to).await.text().await.unwrap();
    assert_eq!(shown_secret(&html), None, "shown exactly once");
    assert!(!html.contains(&secret));

    // Rotation: two live secrets at most.
    let res = post(&c, &csrf, "/api/create_client_secret", &ids).await;
    assert!(location(&res).contains("notice=secret_created"));
    let second = shown_secret(&c.get(&location(&res)).await.text().await.unwrap()).unwrap();
    assert_ne!(second, secret);
    let res = post(&c, &csrf, "/api/create_client_secret", &ids).await;
    assert_eq!(res.status(), 302);
    assert!(location(&res).contains("error=two_live_secrets"));
    let html = c.get(&location(&res)).await.text().await.unwrap();
    assert!(html.contains("Revoke the old secret first"));
    assert_eq!(shown_secret(&html), None);

    // Revoke the first: it stops working, the second still works.
    let secrets = app
        .store
        .client_secrets(&partner.id, &agent.id)
        .await
        .unwrap();
    let first = secrets
        .iter()
        .find(|s| secret.ends_with(&s.hint))
        .expect("listed");
    let res = post(
        &c,
        &csrf,
        "/api/revoke_client_secret",
        &[ids[0], ids[1], ("secret_id", first.id.as_str())],
    )
    .await;
    assert!(location(&res).contains("notice=secret_revoked"));
    assert!(
        !app.store
            .verify_client_secret(&agent.id, &secret)
            .await
            .unwrap()
    );
    assert!(
        app.store
            .verify_client_secret(&agent.id, &second)
            .await
            .unwrap()
    );

    // Another partner's agent is a 404 for every page and action, and nothing is created.
    let foreign_page = format!("/partners/{}/agents/{}", partner.id, foreign.id);
    assert_eq!(c.get(&foreign_page).await.status(), 404);
    let foreign_ids = [
        ("partner_id", partner.id.as_str()),
        ("agent_id", foreign.id.as_str()),
    ];
    let res = post(&c, &csrf, "/api/create_client_secret", &foreign_ids).await;
    assert_eq!(res.status(), 404);
    let mut jwk_form = foreign_ids.to_vec();
    let valid = format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{X}","kid":"k1"}}"#);
    jwk_form.push(("jwk", &valid));
    assert_eq!(
        post(&c, &csrf, "/api/add_client_key", &jwk_form)
            .await
            .status(),
        404
    );
    assert_eq!(
        c.get(&format!(
            "/partners/{}/agents/agt_01JZZZZZZZZZZZZZZZZZZZZZZZ",
            partner.id
        ))
        .await
        .status(),
        404
    );
    // Without the CSRF token nothing happens.
    let res = c
        .post_html(
            "/api/create_client_secret",
            &[ids[0], ids[1], ("csrf", "nope")],
        )
        .await;
    assert_eq!(res.status(), 403);
    // Someone who is not one of the partner's developers gets a 404.
    let (owner, owner_csrf) = app.signed_in(demo::OWNER).await;
    assert_eq!(owner.get(&page).await.status(), 404);
    assert_eq!(
        post(&owner, &owner_csrf, "/api/create_client_secret", &ids)
            .await
            .status(),
        404
    );
    assert_eq!(
        app.store
            .client_secrets(&partner.id, &agent.id)
            .await
            .unwrap()
            .iter()
            .filter(|s| s.revoked_at.is_none())
            .count(),
        1
    );
}

async fn credentials_page_checks_public_keys(backend: Backend) {
    let app = spawn_app(backend).await;
    let (partner, agent, _) = partner_and_agents(&app).await;
    let (c, csrf) = app.signed_in(demo::DEVELOPER).await;
    let add = |jwk: String| {
        let (c, csrf) = (&c, &csrf);
        let (p, a) = (partner.id.to_string(), agent.id.to_string());
        async move {
            let res = post(
                c,
                csrf,
                "/api/add_client_key",
                &[("partner_id", &p), ("agent_id", &a), ("jwk", &jwk)],
            )
            .await;
            assert_eq!(res.status(), 302);
            location(&res)
        }
    };
    let cases = [
        ("{".to_string(), "error=jwk_json"),
        (
            format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{X}","kid":"k","d":"secret"}}"#),
            "error=jwk_private",
        ),
        (
            format!(r#"{{"kty":"RSA","crv":"Ed25519","x":"{X}","kid":"k"}}"#),
            "error=jwk_kty",
        ),
        (
            format!(r#"{{"kty":"OKP","crv":"Ed448","x":"{X}","kid":"k"}}"#),
            "error=jwk_crv",
        ),
        (
            r#"{"kty":"OKP","crv":"Ed25519","x":"AAAA","kid":"k"}"#.to_string(),
            "error=jwk_x_length",
        ),
        (
            format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{X}"}}"#),
            "error=jwk_kid",
        ),
    ];
    for (jwk, expect) in cases {
        let to = add(jwk.clone()).await;
        assert!(to.contains(expect), "{jwk} → {to}");
        assert!(
            !to.contains("secret"),
            "the pasted text never lands in the URL"
        );
    }
    assert!(
        app.store
            .client_keys(&partner.id, &agent.id)
            .await
            .unwrap()
            .is_empty()
    );
    let html = c
        .get(&format!(
            "/partners/{}/agents/{}?error=jwk_crv",
            partner.id, agent.id
        ))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("`crv` must be"));

    let valid = format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{X}","kid":"ui-key"}}"#);
    assert!(add(valid.clone()).await.contains("notice=key_added"));
    assert!(add(valid).await.contains("error=jwk_duplicate"));
    let keys = app.store.client_keys(&partner.id, &agent.id).await.unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(
        (keys[0].kid.as_str(), keys[0].public_key.as_str()),
        ("ui-key", X)
    );
    let res = post(
        &c,
        &csrf,
        "/api/revoke_client_key",
        &[
            ("partner_id", partner.id.as_str()),
            ("agent_id", agent.id.as_str()),
            ("key_id", keys[0].id.as_str()),
        ],
    )
    .await;
    assert!(location(&res).contains("notice=key_revoked"));
    assert!(
        app.store
            .active_client_keys(&agent.id)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn agent_page_shows_delegation_tree_and_versions(backend: Backend) {
    let app = spawn_app(backend).await;
    let adv = app.advertiser(demo::NORTHWIND).await;
    // An agent with an active grant and no delegations yet (the demo data has one).
    let active = AgentQuery::parse(None, None, Some("active"), None).unwrap();
    let mut row = None;
    for r in app
        .store
        .list_agent_grants(&adv.id, &active)
        .await
        .unwrap()
        .items
    {
        if app
            .store
            .delegations(&adv.id, &r.agent_id, 10)
            .await
            .unwrap()
            .is_empty()
        {
            row = Some(r);
            break;
        }
    }
    let row = row.expect("an active agent that never delegated");
    let (c, _) = app.signed_in(demo::OWNER).await;
    let page = format!("/accounts/{}/agents/{}", adv.id, row.agent_id);

    let html = c.get(&page).await.text().await.unwrap();
    assert!(html.contains("Delegation tree"));
    assert!(html.contains("No delegations."));
    assert!(html.contains("Version 1"));
    assert!(html.contains("First version of the grant."));

    // A root token, a delegation to a second agent and one on to a third.
    let store = &app.store;
    let grant = store
        .grant_for(&adv.id, &row.agent_id)
        .await
        .unwrap()
        .unwrap();
    let others: Vec<AgentGrantRow> = store
        .list_agent_grants(&adv.id, &AgentQuery::parse(None, None, None, None).unwrap())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|r| r.agent_id != row.agent_id)
        .take(2)
        .collect();
    let now = Utc::now();
    let system = Actor::System {
        label: "ui test".into(),
    };
    let token = |agent: &AgentId, parent: Option<&TokenRecord>, policy: Option<&str>| TokenRecord {
        jti: TokenId::generate(),
        advertiser_id: adv.id.clone(),
        grant_id: grant.id.clone(),
        grant_version: 1,
        agent_id: agent.clone(),
        parent_jti: parent.map(|p| p.jti.clone()),
        depth: parent.map_or(0, |p| p.depth + 1),
        actor_chain: parent
            .map(|p| {
                let mut c = p.actor_chain.clone();
                c.push(p.agent_id.clone());
                c
            })
            .unwrap_or_default(),
        policy: policy.map(str::to_string),
        purpose: grant.purpose,
        issued_at: now,
        expires_at: now + Duration::minutes(10),
        revoked_at: None,
    };
    let root = token(&row.agent_id, None, None);
    store.record_token(&system, &root).await.unwrap();
    let child_policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sp:GetCampaign","Resource":"*"}]}"#;
    let child = token(&others[0].agent_id, Some(&root), Some(child_policy));
    store.record_token(&system, &child).await.unwrap();
    let grandchild = token(&others[1].agent_id, Some(&child), Some(child_policy));
    store.record_token(&system, &grandchild).await.unwrap();

    // A second version of the grant with a policy and an expiry.
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":"sp:Get*","Resource":"*"}]}"#;
    store
        .update_grant(
            &system,
            &adv.id,
            &row.agent_id,
            GrantChange {
                purpose: grant.purpose,
                policy: Some(policy.to_string()),
                not_before: None,
                expires_at: Some(now + Duration::days(30)),
                note: Some("Narrowed to reads".into()),
            },
        )
        .await
        .unwrap();

    let res = c.get(&page).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(!html.contains("No delegations."));
    let at = |needle: &str| {
        html.find(needle)
            .unwrap_or_else(|| panic!("`{needle}` on the page"))
    };
    // Nested: the granted agent, then the child, then the grandchild inside it.
    assert!(at("holds the grant on this account") < at(child.jti.as_str()));
    assert!(at(child.jti.as_str()) < at(grandchild.jti.as_str()));
    assert!(html.contains("Depth 2"));
    assert!(html.contains(&others[1].agent_name));
    assert!(html.contains("&quot;sp:GetCampaign&quot;") || html.contains("\"sp:GetCampaign\""));
    // Versions: 2 is current, with its change from 1.
    assert!(at("Version 2") < at("Version 1"));
    assert!(html.contains("Changes from version 1"));
    assert!(html.contains("Narrowed to reads"));
    assert!(html.contains("diff__line--added"));
    assert!(html.contains("diff__line--removed"));
    assert!(html.contains("(purpose template: no custom policy)"));

    // A stranger to the account still gets a 404.
    let (stranger, _) = app.signed_in(demo::BERGFELD_OWNER).await;
    assert_eq!(stranger.get(&page).await.status(), 404);
}

backend_tests!(
    credentials_page_shows_a_secret_exactly_once,
    credentials_page_checks_public_keys,
    agent_page_shows_delegation_tree_and_versions,
);
