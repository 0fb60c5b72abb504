//! The matrix's world: a victim account (Northwind Outdoor) and a victim partner (Quantive
//! Labs) with one object of every kind, the six attackers signed in, and what each attacker
//! must never see.

use crate::common::{Backend, Client, TestApp, spawn_app};
use charter_server::demo;
use charter_store::model::*;
use std::collections::BTreeMap;

/// Who attacks. Each is a real session (or none) against the victim's objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Attacker {
    /// The owner of another account (Bergfeld Küchen).
    Stranger,
    /// A viewer of the victim account: may read it, never change it.
    Viewer,
    /// A developer of another partner (Stranger Labs, made here).
    OtherDeveloper,
    /// Support staff who have not given a reason for this account.
    SupportWithoutReason,
    /// No signed-in session (an anonymous session with its own valid CSRF token).
    NoSession,
    /// The victim account's owner, sending a CSRF token that is not the session's.
    WrongCsrf,
}

pub const ATTACKERS: [Attacker; 6] = [
    Attacker::Stranger,
    Attacker::Viewer,
    Attacker::OtherDeveloper,
    Attacker::SupportWithoutReason,
    Attacker::NoSession,
    Attacker::WrongCsrf,
];

/// A rightful caller, for the controls that prove each request is well formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rightful {
    Owner,
    Developer,
    Support,
}

pub struct Session {
    pub client: Client,
    pub csrf: String,
}

pub struct World {
    pub app: TestApp,
    /// `{name}` placeholders of paths and forms, filled with the victim's ids.
    pub ids: BTreeMap<&'static str, String>,
    pub attackers: BTreeMap<Attacker, Session>,
    pub owner: Session,
    pub developer: Session,
    pub support: Session,
    /// Text of the victim account that only its members may see.
    pub account_secrets: Vec<String>,
    /// Text of the victim partner that only its developers may see.
    pub partner_secrets: Vec<String>,
    /// Text no one may see once made (the invitation's code: it is shown once, at creation).
    pub shown_once: Vec<String>,
}

/// The victim account's alert webhook, stored before the matrix runs.
const VICTIM_WEBHOOK: &str = "https://hooks.isolation-victim.example/charter";
/// The label of the victim account's open invitation.
const VICTIM_INVITATION: &str = "Isolation victim invitation";
/// The victim account's guardrail name.
const VICTIM_GUARDRAIL: &str = "Isolation victim guardrail";

pub async fn world(backend: Backend) -> World {
    let app = spawn_app(backend).await;
    let store = &app.store;
    let system = Actor::System {
        label: "isolation matrix".into(),
    };
    let adv = app.advertiser(demo::NORTHWIND).await;
    let agent = charter_server::demo_agent::find_agent(store, "Bid Pilot")
        .await
        .expect("Bid Pilot");
    let ident = store
        .agent_identity(&agent)
        .await
        .expect("identity")
        .expect("Bid Pilot's identity");
    let partner = ident.partner_id.clone();
    let grant = store
        .grant_for(&adv.id, &agent)
        .await
        .expect("grant")
        .expect("Bid Pilot's grant on Northwind");
    store
        .create_client_secret(&system, &partner, &agent)
        .await
        .expect("a client secret");
    let key = store
        .add_client_key(
            &system,
            &partner,
            &agent,
            "isolation-victim-kid",
            r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
        )
        .await
        .expect("a client key");
    let guardrail = store
        .add_guardrail(
            &system,
            &adv.id,
            VICTIM_GUARDRAIL,
            &["sp:DeleteCampaign".to_string()],
            &[],
        )
        .await
        .expect("a guardrail");
    store
        .set_webhook(
            &system,
            &adv.id,
            Some((VICTIM_WEBHOOK.to_string(), "whsec_isolation".to_string())),
        )
        .await
        .expect("a webhook");
    let invitation = store
        .create_invitation(&system, &adv.id, VICTIM_INVITATION)
        .await
        .expect("an invitation");
    let request = store
        .access_requests(&adv.id)
        .await
        .expect("requests")
        .into_iter()
        .find(|r| r.request.status == RequestStatus::Pending)
        .expect("a pending access request on Northwind (demo data)");
    let profile = store
        .sandbox_profile(&adv.id)
        .await
        .expect("profile")
        .expect("Northwind's sandbox profile");
    let application = ident.agent.application_id.clone();
    let secret_info = store
        .client_secrets(&partner, &agent)
        .await
        .expect("secrets")
        .into_iter()
        .next()
        .expect("the secret made above");

    let other_partner = store
        .create_partner(
            &system,
            &Name::parse("name", "Stranger Labs").expect("name"),
            PartnerKind::ToolVendor,
        )
        .await
        .expect("a second partner");
    let other_dev = store
        .create_person(
            &system,
            &Email::parse("dev@stranger-labs.example").expect("email"),
            &Name::parse("name", "Stranger Developer").expect("name"),
            "stranger-developer-pass",
            false,
        )
        .await
        .expect("a second developer");
    store
        .add_partner_member(&system, &other_dev.id, &other_partner.id)
        .await
        .expect("membership");

    let mut ids = BTreeMap::new();
    ids.insert("adv", adv.id.to_string());
    ids.insert("agent", agent.to_string());
    ids.insert("partner", partner.to_string());
    ids.insert("application", application.to_string());
    ids.insert("grant", grant.id.to_string());
    ids.insert("version", grant.version.to_string());
    ids.insert("request", request.request.id.to_string());
    ids.insert("req", request.request.id.to_string());
    ids.insert("guardrail", guardrail.id.to_string());
    ids.insert("secret", secret_info.id.to_string());
    ids.insert("key", key.id.to_string());
    ids.insert("profile", profile.id.to_string());
    ids.insert("invitation", invitation.invitation.id.to_string());
    ids.insert("code", invitation.code.clone());

    let (client, csrf) = app.signed_in(demo::BERGFELD_OWNER).await;
    let mut attackers = BTreeMap::new();
    attackers.insert(Attacker::Stranger, Session { client, csrf });
    let (client, csrf) = app.signed_in(demo::VIEWER).await;
    attackers.insert(Attacker::Viewer, Session { client, csrf });
    let other = app.client();
    assert_eq!(
        other
            .sign_in("dev@stranger-labs.example", "stranger-developer-pass")
            .await
            .status(),
        302,
        "the second developer signs in"
    );
    let csrf = other.csrf().await;
    attackers.insert(
        Attacker::OtherDeveloper,
        Session {
            client: other,
            csrf,
        },
    );
    let (client, csrf) = app.signed_in(demo::SUPPORT).await;
    attackers.insert(Attacker::SupportWithoutReason, Session { client, csrf });
    let anonymous = app.client();
    let csrf = anonymous.csrf().await;
    attackers.insert(
        Attacker::NoSession,
        Session {
            client: anonymous,
            csrf,
        },
    );
    let (client, _) = app.signed_in(demo::OWNER).await;
    attackers.insert(
        Attacker::WrongCsrf,
        Session {
            client,
            csrf: "0".repeat(64),
        },
    );

    let (client, csrf) = app.signed_in(demo::OWNER).await;
    let owner = Session { client, csrf };
    let (client, csrf) = app.signed_in(demo::DEVELOPER).await;
    let developer = Session { client, csrf };
    let (client, csrf) = app.signed_in(demo::SUPPORT).await;
    let support = Session { client, csrf };

    let account_secrets = vec![
        adv.name.clone(),
        demo::OWNER.email.to_string(),
        VICTIM_WEBHOOK.to_string(),
        VICTIM_GUARDRAIL.to_string(),
        VICTIM_INVITATION.to_string(),
    ];
    let partner_secrets = vec![
        "isolation-victim-kid".to_string(),
        secret_info.id.to_string(),
        key.id.to_string(),
    ];
    let shown_once = vec![invitation.code.clone()];
    World {
        app,
        ids,
        attackers,
        owner,
        developer,
        support,
        account_secrets,
        partner_secrets,
        shown_once,
    }
}

impl World {
    /// The rightful caller's session.
    pub fn rightful(&self, who: Rightful) -> &Session {
        match who {
            Rightful::Owner => &self.owner,
            Rightful::Developer => &self.developer,
            Rightful::Support => &self.support,
        }
    }

    /// Fills `{name}` placeholders (`{csrf}` with `csrf`). An unknown placeholder is a bug in
    /// the table: it fails the test with its name.
    pub fn fill(&self, template: &str, csrf: &str) -> String {
        let mut out = String::new();
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let end = rest[start..].find('}').map_or(rest.len(), |e| e + start);
            let name = &rest[start + 1..end.min(rest.len())];
            if end == rest.len() || !name.chars().all(|c| c.is_ascii_alphabetic() || c == '_') {
                // Not a placeholder (a JSON value): copied as it is.
                out.push('{');
                rest = &rest[start + 1..];
                continue;
            }
            let value = match name {
                "csrf" => csrf,
                // Sandbox paths name ids in camelCase (`{campaignId}`); the matrix's callers
                // carry no bearer token, so any id of the victim serves.
                _ if name.ends_with("Id") => self.ids["profile"].as_str(),
                "id" => self.ids["grant"].as_str(),
                _ => self
                    .ids
                    .get(name)
                    .unwrap_or_else(|| panic!("the matrix has no value for `{{{name}}}`")),
            };
            out.push_str(value);
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        out
    }

    /// What `who` must never find in a response.
    pub fn secrets_hidden_from(&self, who: Attacker) -> Vec<&str> {
        let mut hidden: Vec<&str> = self
            .partner_secrets
            .iter()
            .chain(&self.shown_once)
            .map(String::as_str)
            .collect();
        match who {
            // A viewer and the owner may see the account; support may see its name in search.
            Attacker::Viewer | Attacker::WrongCsrf => {}
            Attacker::SupportWithoutReason => {
                hidden.extend(self.account_secrets.iter().skip(1).map(String::as_str))
            }
            _ => hidden.extend(self.account_secrets.iter().map(String::as_str)),
        }
        hidden
    }
}
