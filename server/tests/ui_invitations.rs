//! Invitations over real HTTP, as a browser without JavaScript uses them: an owner creates one
//! on the account's Requests page (the code is shown once), sees it listed and withdraws it; a
//! partner developer redeems a code on the partner's Requests page, whose request form then
//! offers that account, and only accounts that know the partner.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use charter_server::demo;
use charter_store::model::*;
use common::{Backend, Client, TestApp, location, post, spawn_app};

backend_tests!(
    the_owner_invites_and_withdraws_on_the_requests_page,
    the_developer_redeems_and_the_form_offers_the_account,
);

/// Text with the HTML entities Leptos writes for text nodes decoded (enough for these pages).
fn text(html: &str) -> String {
    html.replace("&amp;", "&")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

async fn page(c: &Client, path: &str) -> String {
    let res = c.get(path).await;
    assert_eq!(res.status(), 200, "GET {path}");
    text(&res.text().await.expect("body"))
}

/// The value of the `<input id="invitation-code" … value="…">` on a page, if any.
fn shown_code(html: &str) -> Option<String> {
    let i = html.find("id=\"invitation-code\"")?;
    let rest = &html[i..];
    let j = rest.find("value=\"")? + "value=\"".len();
    Some(rest[j..].chars().take_while(|c| *c != '"').collect())
}

/// The `<option …>` tags of the `<select id="…">` on a page.
fn options(html: &str, select_id: &str) -> Vec<String> {
    let Some(i) = html.find(&format!("<select id=\"{select_id}\"")) else {
        return Vec::new();
    };
    let rest = &html[i..];
    let end = rest.find("</select>").unwrap_or(rest.len());
    rest[..end]
        .split("<option")
        .skip(1)
        .map(|o| o.chars().take_while(|c| *c != '>').collect())
        .collect()
}

/// A partner no advertiser knows, with the demo developer as member and one agent.
async fn stranger_partner(app: &TestApp) -> Partner {
    let system = Actor::System {
        label: "ui test".into(),
    };
    let store = &app.store;
    let partner = store
        .create_partner(
            &system,
            &Name::parse("name", "Stranger Analytics").unwrap(),
            PartnerKind::Agency,
        )
        .await
        .unwrap();
    let dev = store
        .authenticate(
            &Email::parse(demo::DEVELOPER.email).unwrap(),
            demo::DEVELOPER.password,
        )
        .await
        .unwrap()
        .unwrap();
    store
        .add_partner_member(&system, &dev.id, &partner.id)
        .await
        .unwrap();
    let application = store
        .create_application(
            &system,
            &partner.id,
            &Name::parse("name", "Stranger App").unwrap(),
            "",
        )
        .await
        .unwrap();
    store
        .create_agent(
            &system,
            &partner.id,
            charter_store::NewAgent {
                application: application.id,
                name: Name::parse("name", "Stranger Agent").unwrap(),
                description: String::new(),
                purposes: vec![Purpose::Reporting],
                party: Party::ThirdParty,
            },
        )
        .await
        .unwrap();
    partner
}

async fn the_owner_invites_and_withdraws_on_the_requests_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let adv = app.advertiser(demo::NORTHWIND).await;
    let requests = format!("/accounts/{}/requests", adv.id);
    let (c, csrf) = app.signed_in(demo::OWNER).await;

    let html = page(&c, &requests).await;
    assert!(
        html.contains("action=\"/api/create_invitation\""),
        "the form"
    );
    assert!(html.contains("name=\"label\""));
    assert!(html.contains("No invitations yet"));
    assert_eq!(shown_code(&html), None);

    // Create: the redirect carries no code; the next page shows it once, uncached.
    let res = post(
        &c,
        &csrf,
        "/api/create_invitation",
        &[
            ("advertiser_id", adv.id.as_str()),
            ("label", "For Stranger Analytics"),
        ],
    )
    .await;
    assert_eq!(res.status(), 302);
    let to = location(&res);
    assert!(
        to.starts_with(&format!("{requests}?notice=invitation_created")),
        "{to}"
    );
    let res = c.get(&to).await;
    assert_eq!(
        res.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let html = text(&res.text().await.unwrap());
    assert!(html.contains("Copy this code now"), "{html}");
    let code = shown_code(&html).expect("the code");
    assert!(!to.contains(&code));
    assert!(html.contains("For Stranger Analytics"));
    assert!(html.contains("Open"));
    assert!(html.contains("Expires"));
    assert!(html.contains("action=\"/api/withdraw_invitation\""));
    let html = page(&c, &to).await;
    assert_eq!(shown_code(&html), None, "shown exactly once");
    assert!(!html.contains(&code));
    assert!(html.contains("For Stranger Analytics"), "still listed");

    // Withdraw: listed as withdrawn, with no form left.
    let id = html
        .split("name=\"invitation_id\" value=\"")
        .nth(1)
        .map(|s| s.chars().take_while(|c| *c != '"').collect::<String>())
        .expect("the invitation id in the withdraw form");
    let res = post(
        &c,
        &csrf,
        "/api/withdraw_invitation",
        &[("advertiser_id", adv.id.as_str()), ("invitation_id", &id)],
    )
    .await;
    assert_eq!(res.status(), 302);
    let to = location(&res);
    assert!(to.contains("notice=invitation_withdrawn"), "{to}");
    let html = page(&c, &to).await;
    assert!(html.contains("Invitation withdrawn"));
    assert!(html.contains("Withdrawn"));
    assert!(!html.contains("action=\"/api/withdraw_invitation\""));
}

async fn the_developer_redeems_and_the_form_offers_the_account(backend: Backend) {
    let app = spawn_app(backend).await;
    let adv = app.advertiser(demo::NORTHWIND).await;
    let partner = stranger_partner(&app).await;
    let (c, csrf) = app.signed_in(demo::DEVELOPER).await;
    let requests = format!("/partners/{}/requests", partner.id);

    // A known partner's form offers the accounts that know it, as a list, not a free text id.
    let known = app.store.partners_on_account(&adv.id).await.unwrap();
    let quantive = known
        .iter()
        .find(|p| p.name == "Quantive Labs")
        .expect("Quantive Labs");
    let html = page(&c, &format!("/partners/{}/requests", quantive.id)).await;
    let offered = options(&html, "req-account");
    assert_eq!(offered.len(), 3, "the three demo accounts: {offered:?}");
    assert!(offered.iter().any(|o| o.contains(adv.id.as_str())));
    assert!(!html.contains("name=\"advertiser_id\" type=\"text\""));

    // The stranger's form offers nothing, and says how to be introduced.
    let html = page(&c, &requests).await;
    assert!(options(&html, "req-account").is_empty());
    assert!(html.contains("No advertiser has introduced"), "{html}");
    assert!(html.contains("action=\"/api/redeem_invitation\""));
    assert!(html.contains("name=\"code\""));

    // A wrong code, without JavaScript: an error page, status 400.
    let res = post(
        &c,
        &csrf,
        "/api/redeem_invitation",
        &[("partner_id", partner.id.as_str()), ("code", "chinv_wrong")],
    )
    .await;
    assert_eq!(res.status(), 400);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("this invitation code is not valid")
    );

    // The owner's code: redeemed, the form offers Northwind, chosen.
    let (owner, owner_csrf) = app.signed_in(demo::OWNER).await;
    let res = post(
        &owner,
        &owner_csrf,
        "/api/create_invitation",
        &[("advertiser_id", adv.id.as_str()), ("label", "")],
    )
    .await;
    let code = shown_code(&page(&owner, &location(&res)).await).expect("code");
    let res = post(
        &c,
        &csrf,
        "/api/redeem_invitation",
        &[("partner_id", partner.id.as_str()), ("code", &code)],
    )
    .await;
    assert_eq!(res.status(), 302);
    let to = location(&res);
    assert!(
        to.starts_with(&format!("{requests}?notice=invitation_redeemed")),
        "{to}"
    );
    let html = page(&c, &to).await;
    assert!(html.contains("Invitation accepted"), "{html}");
    let offered = options(&html, "req-account");
    assert_eq!(offered.len(), 1, "{offered:?}");
    assert!(offered[0].contains(adv.id.as_str()));
    assert!(offered[0].contains("selected"), "{offered:?}");
    assert!(html.contains("Send request"));

    // The owner sees who redeemed it.
    let html = page(&owner, &format!("/accounts/{}/requests", adv.id)).await;
    assert!(html.contains("Redeemed by Stranger Analytics"), "{html}");
}
