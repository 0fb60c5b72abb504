//! Demo data: a realistic set of advertisers, partners, applications, agents, grants in every
//! state, and one demo person per role. Used by `charter demo`, by `charter serve` on an empty
//! database, and by the tests.

use charter_store::model::*;
use charter_store::{DynStore, NewAgent, NewGrant, StoreError};
use chrono::{Datelike, Duration, Utc};
use indicatif::{ProgressBar, ProgressStyle};

/// A demo person: email, password and what they can do. Demo only: never use in production.
#[derive(Debug, Clone, Copy)]
pub struct DemoPerson {
    pub email: &'static str,
    pub password: &'static str,
    pub name: &'static str,
    pub role: &'static str,
}

pub const OWNER: DemoPerson = DemoPerson {
    email: "owner@northwind.example",
    password: "demo-owner-pass",
    name: "Olivia Owner",
    role: "owner of Northwind Outdoor (US) and Halcyon Home (UK)",
};
pub const ADMIN: DemoPerson = DemoPerson {
    email: "admin@northwind.example",
    password: "demo-admin-pass",
    name: "Adam Admin",
    role: "admin of Northwind Outdoor (US)",
};
pub const VIEWER: DemoPerson = DemoPerson {
    email: "viewer@northwind.example",
    password: "demo-viewer-pass",
    name: "Vera Viewer",
    role: "viewer of Northwind Outdoor (US)",
};
pub const BERGFELD_OWNER: DemoPerson = DemoPerson {
    email: "owner@bergfeld.example",
    password: "demo-bergfeld-pass",
    name: "Bastian Berg",
    role: "owner of Bergfeld Küchen (DE)",
};
pub const DEVELOPER: DemoPerson = DemoPerson {
    email: "dev@quantive.example",
    password: "demo-developer-pass",
    name: "Dana Developer",
    role: "developer at Quantive Labs and Aurora Media Group",
};
pub const SUPPORT: DemoPerson = DemoPerson {
    email: "support@charter.example",
    password: "demo-support-pass",
    name: "Sam Support",
    role: "Charter support staff (read-only, with a reason)",
};

pub const PEOPLE: [DemoPerson; 6] = [OWNER, ADMIN, VIEWER, BERGFELD_OWNER, DEVELOPER, SUPPORT];

pub use names::{BERGFELD, HALCYON, NORTHWIND};

mod names;
mod partners;
mod rng;
mod sandbox;

use Party::ThirdParty as TP;
use Purpose::Reporting;
use partners::PARTNERS;
use rng::DemoRng;
pub use sandbox::sandbox_seed;
use sandbox::seed_sandbox;

/// Options for [`seed`].
#[derive(Debug, Clone, Default)]
pub struct SeedOptions {
    /// Extra generated agents granted on Northwind Outdoor, to exercise large accounts.
    pub extra_agents: usize,
    /// Show progress bars (the CLI sets this; servers and tests do not).
    pub progress: bool,
}

/// What [`seed`] created.
#[derive(Debug, Clone)]
pub struct Seeded {
    pub advertisers: Vec<Advertiser>,
    pub partners: Vec<Partner>,
    pub agents: Vec<Agent>,
    pub grants: usize,
}

impl Seeded {
    pub fn advertiser(&self, name: &str) -> Option<&Advertiser> {
        self.advertisers.iter().find(|a| a.name == name)
    }
}

fn bar(len: usize, msg: &'static str, show: bool) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(len as u64);
    pb.set_style(
        ProgressStyle::with_template("{msg:>12} [{bar:30}] {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message(msg);
    pb
}

fn name(what: &'static str, s: &str) -> Result<Name, StoreError> {
    Ok(Name::parse(what, s)?)
}

/// Seeds the demo data set. Deterministic apart from ids and timestamps.
pub async fn seed(store: &DynStore, options: SeedOptions) -> Result<Seeded, StoreError> {
    let system = Actor::System {
        label: "demo seed".into(),
    };
    let now = Utc::now();

    let people_bar = bar(PEOPLE.len(), "people", options.progress);
    let mut people = Vec::new();
    for p in PEOPLE {
        let person = store
            .create_person(
                &system,
                &Email::parse(p.email)?,
                &name("name", p.name)?,
                p.password,
                p.email == SUPPORT.email,
            )
            .await?;
        people.push(person);
        people_bar.inc(1);
    }
    people_bar.finish();
    let person = |email: &str| {
        people
            .iter()
            .find(|p| p.email == email)
            .map(|p| p.id.clone())
            .ok_or(StoreError::NotFound)
    };

    let northwind = store
        .create_advertiser(&system, &name("name", NORTHWIND)?, "US", "USD")
        .await?;
    let halcyon = store
        .create_advertiser(&system, &name("name", HALCYON)?, "UK", "GBP")
        .await?;
    let bergfeld = store
        .create_advertiser(&system, &name("name", BERGFELD)?, "DE", "EUR")
        .await?;
    let memberships = [
        (OWNER, &northwind, AdvertiserRole::Owner),
        (OWNER, &halcyon, AdvertiserRole::Owner),
        (ADMIN, &northwind, AdvertiserRole::Admin),
        (VIEWER, &northwind, AdvertiserRole::Viewer),
        (BERGFELD_OWNER, &bergfeld, AdvertiserRole::Owner),
    ];
    for (who, advertiser, role) in memberships {
        store
            .add_advertiser_member(&system, &person(who.email)?, &advertiser.id, role)
            .await?;
    }

    let total_agents: usize = PARTNERS
        .iter()
        .flat_map(|p| p.2.iter())
        .map(|a| a.2.len())
        .sum();
    let agents_bar = bar(total_agents, "agents", options.progress);
    let mut partners = Vec::new();
    let mut agents = Vec::new();
    for (partner_name, kind, apps) in PARTNERS {
        let partner = store
            .create_partner(&system, &name("name", partner_name)?, *kind)
            .await?;
        if matches!(*partner_name, "Quantive Labs" | "Aurora Media Group") {
            store
                .add_partner_member(&system, &person(DEVELOPER.email)?, &partner.id)
                .await?;
        }
        for (app_name, app_desc, app_agents) in *apps {
            let app = store
                .create_application(&system, &partner.id, &name("name", app_name)?, app_desc)
                .await?;
            for (agent_name, desc, purposes, party) in *app_agents {
                let agent = store
                    .create_agent(
                        &system,
                        &partner.id,
                        NewAgent {
                            application: app.id.clone(),
                            name: name("name", agent_name)?,
                            description: desc.to_string(),
                            purposes: purposes.to_vec(),
                            party: *party,
                        },
                    )
                    .await?;
                agents.push(agent);
                agents_bar.inc(1);
            }
        }
        partners.push(partner);
    }
    agents_bar.finish();

    // Grants: Northwind gets most agents, Halcyon and Bergfeld subsets; every state appears on
    // every account. A fixed pattern keeps the set reproducible.
    let plan: Vec<(&Advertiser, usize)> = agents
        .iter()
        .enumerate()
        .flat_map(|(i, _)| {
            let mut v = Vec::new();
            if i % 7 != 6 {
                v.push((&northwind, i));
            }
            if i % 3 == 0 {
                v.push((&halcyon, i));
            }
            if i % 3 == 1 {
                v.push((&bergfeld, i));
            }
            v
        })
        .collect();
    let grants_bar = bar(
        plan.len() + options.extra_agents,
        "grants",
        options.progress,
    );
    let mut grants = 0;
    for (n, (adv, i)) in plan.iter().enumerate() {
        let agent = &agents[*i];
        let (status, expires) = match n % 10 {
            3 => (GrantStatus::Suspended, Some(now + Duration::days(60))),
            6 => (GrantStatus::Revoked, None),
            8 => (GrantStatus::Active, Some(now - Duration::days(3))), // expired
            1 | 5 => (
                GrantStatus::Active,
                Some(now + Duration::days(7 + (n as i64 % 80))),
            ),
            _ => (
                GrantStatus::Active,
                Some(now + Duration::days(90 + (n as i64 % 200))),
            ),
        };
        let purpose = agent.purposes.first().copied().unwrap_or(Reporting);
        store
            .create_grant(
                &system,
                NewGrant {
                    advertiser_id: adv.id.clone(),
                    agent_id: agent.id.clone(),
                    purpose,
                    status,
                    created_at: now - Duration::days(20 + (n as i64 * 5) % 300),
                    expires_at: if n % 9 == 4 { None } else { expires },
                    not_before: None,
                    policy: None,
                },
            )
            .await?;
        grants += 1;
        grants_bar.inc(1);
    }

    if options.extra_agents > 0 {
        let partner = &partners[0];
        let app = store
            .create_application(
                &system,
                &partner.id,
                &name("name", "Quantive Fleet")?,
                "Generated agents for load testing",
            )
            .await?;
        for k in 0..options.extra_agents {
            let purpose = Purpose::ALL[k % Purpose::ALL.len()];
            let agent = store
                .create_agent(
                    &system,
                    &partner.id,
                    NewAgent {
                        application: app.id.clone(),
                        name: name("name", &format!("Fleet Agent {:04}", k + 1))?,
                        description: "Generated for load testing".into(),
                        purposes: vec![purpose],
                        party: TP,
                    },
                )
                .await?;
            let status = GrantStatus::ALL[k % 3];
            store
                .create_grant(
                    &system,
                    NewGrant {
                        advertiser_id: northwind.id.clone(),
                        agent_id: agent.id.clone(),
                        purpose,
                        status,
                        created_at: now - Duration::days((k % 365) as i64),
                        expires_at: Some(now + Duration::days(30 + (k % 300) as i64)),
                        not_before: None,
                        policy: None,
                    },
                )
                .await?;
            agents.push(agent);
            grants += 1;
            grants_bar.inc(1);
        }
    }
    grants_bar.finish();
    seed_consent(store, &system, &northwind, &agents).await?;
    seed_enforcement(store, &system, &northwind, &agents, now).await?;
    seed_sandbox(store, &[&northwind, &halcyon, &bergfeld], now).await?;

    Ok(Seeded {
        advertisers: vec![northwind, halcyon, bergfeld],
        partners,
        agents,
        grants,
    })
}

/// Beta-flow demo data on Northwind: a guardrail, two pending access requests (an upgrade that
/// goes beyond its purpose, and one that touches billing, which the guardrail blocks) and a
/// delegation from "Bid Pilot" to "Dayparting Agent".
async fn seed_consent(
    store: &DynStore,
    system: &Actor,
    northwind: &Advertiser,
    agents: &[Agent],
) -> Result<(), StoreError> {
    use charter_store::{NewAccessRequest, TokenRecord};
    store
        .add_guardrail(
            system,
            &northwind.id,
            "No agent may touch billing",
            &["billing:*".to_string()],
            &["*".to_string()],
        )
        .await?;
    let by_name = |n: &str| agents.iter().find(|a| a.name == n);
    let acct = charter_model::arn::account(&northwind.marketplace, northwind.id.as_str());
    let now = Utc::now();
    let requests = [
        (
            "Bid Pilot",
            Purpose::BidOptimization,
            serde_json::json!({ "Version": "2012-10-17", "Statement": [
                { "Sid": "ReadAndBid", "Effect": "Allow",
                  "Action": ["sp:ListCampaigns", "sp:GetCampaign", "sp:ListKeywords", "sp:GetKeyword", "sp:UpdateKeywordBid"],
                  "Resource": format!("{acct}:*") },
                { "Sid": "Budgets", "Effect": "Allow", "Action": "sp:UpdateCampaigns", "Resource": format!("{acct}:campaign/*") }
            ]}),
            "Also move daily budgets toward the best campaigns",
        ),
        (
            "Weekly Report Writer",
            Purpose::Reporting,
            serde_json::json!({ "Version": "2012-10-17", "Statement": [
                { "Sid": "Reports", "Effect": "Allow", "Action": ["reports:*"], "Resource": format!("{acct}:*") },
                { "Sid": "Invoices", "Effect": "Allow", "Action": "billing:GetInvoice", "Resource": format!("{acct}:*") }
            ]}),
            "Monthly spend reconciliation with invoices",
        ),
    ];
    for (agent_name, purpose, policy, note) in requests {
        let Some(agent) = by_name(agent_name) else {
            continue;
        };
        let Some(ident) = store.agent_identity(&agent.id).await? else {
            continue;
        };
        store
            .create_access_request(
                &Actor::System {
                    label: format!("{} (partner)", ident.partner_name),
                },
                &ident.partner_id,
                NewAccessRequest {
                    advertiser_id: northwind.id.clone(),
                    agent_id: agent.id.clone(),
                    purpose,
                    policy: serde_json::to_string_pretty(&policy).unwrap_or_default(),
                    expires_at: Some(now + Duration::days(90)),
                    note: note.into(),
                },
            )
            .await?;
    }
    // A delegation: Bid Pilot's token exchanged for a narrower one held by Dayparting Agent.
    if let (Some(parent), Some(child)) = (by_name("Bid Pilot"), by_name("Dayparting Agent"))
        && let Some(grant) = store.grant_for(&northwind.id, &parent.id).await?
    {
        {
            let root = TokenRecord {
                jti: TokenId::generate(),
                advertiser_id: northwind.id.clone(),
                grant_id: grant.id.clone(),
                grant_version: grant.version,
                agent_id: parent.id.clone(),
                parent_jti: None,
                depth: 0,
                actor_chain: vec![],
                policy: None,
                purpose: grant.purpose,
                issued_at: now - Duration::minutes(4),
                expires_at: now + Duration::minutes(6),
                revoked_at: None,
            };
            let narrow = serde_json::json!({ "Statement": [{ "Sid": "Dayparting", "Effect": "Allow",
                "Action": ["sp:GetKeyword", "sp:UpdateKeywordBid"], "Resource": format!("{acct}:keyword/*") }] });
            let delegated = TokenRecord {
                jti: TokenId::generate(),
                parent_jti: Some(root.jti.clone()),
                agent_id: child.id.clone(),
                depth: 1,
                actor_chain: vec![parent.id.clone()],
                policy: Some(serde_json::to_string_pretty(&narrow).unwrap_or_default()),
                issued_at: now - Duration::minutes(3),
                ..root.clone()
            };
            let agent_actor = |a: &Agent| Actor::Agent {
                id: a.id.clone(),
                label: a.name.clone(),
            };
            store.record_token(&agent_actor(parent), &root).await?;
            store.record_token(&agent_actor(child), &delegated).await?;
            seed_decisions(store, northwind, parent, &grant, &root, &acct).await?;
        }
    }
    Ok(())
}

/// Spend and breaker demo data on Northwind: Bid Pilot has caps and 30 days of committed bid
/// and budget changes (a few released), and Bid Guard's breaker tripped three times and is
/// TERMINATED, so the account shows a breaker alert until someone resets it.
async fn seed_enforcement(
    store: &DynStore,
    system: &Actor,
    northwind: &Advertiser,
    agents: &[Agent],
    now: chrono::DateTime<Utc>,
) -> Result<(), StoreError> {
    use charter_store::{BreakerConfig, NewReservation, ReserveOutcome, SpendLimits};
    let acct = charter_model::arn::account(&northwind.marketplace, northwind.id.as_str());
    let by_name = |n: &str| agents.iter().find(|a| a.name == n);
    if let Some(pilot) = by_name("Bid Pilot")
        && let Some(grant) = store.grant_for(&northwind.id, &pilot.id).await?
    {
        store
            .set_spend_limits(
                system,
                &northwind.id,
                &grant.id,
                SpendLimits {
                    daily_minor: Some(50_000),
                    monthly_minor: Some(800_000),
                    lifetime_minor: Some(6_000_000),
                },
            )
            .await?;
        let mut rng = DemoRng::for_name("Bid Pilot spend");
        let today = now.date_naive();
        for ago in (0..30i64).rev() {
            let day = today - Duration::days(ago);
            // Busier mid-week, quieter at weekends; today only up to now.
            let weekend = matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun);
            let calls = match (ago, weekend) {
                // Today: a little, so the gauges show use and the cap has room for live demos.
                (0, _) => 2,
                (_, true) => rng.range(1, 3),
                (_, false) => rng.range(3, 6),
            };
            for k in 0..calls {
                let at = day
                    .and_hms_opt(7 + (k as u32 * 3) % 15, rng.range(0, 59) as u32, 0)
                    .map(|t| t.and_utc())
                    .unwrap_or(now);
                if at > now - Duration::minutes(1) {
                    continue;
                }
                let (action, resource, amount) = if rng.range(0, 3) == 0 {
                    (
                        "sp:UpdateCampaignBudget",
                        format!("{acct}:campaign/{}", rng.range(100, 120)),
                        rng.range(5_000, 9_000),
                    )
                } else {
                    (
                        "sp:UpdateKeywordBid",
                        format!("{acct}:keyword/{}", rng.range(4_000, 4_999)),
                        rng.range(800, 4_000),
                    )
                };
                let out = store
                    .reserve_spend(
                        NewReservation {
                            advertiser_id: northwind.id.clone(),
                            grant_id: grant.id.clone(),
                            agent_id: pilot.id.clone(),
                            action: action.into(),
                            resource,
                            amount_minor: amount,
                            token_id: None,
                        },
                        at,
                    )
                    .await?;
                if let ReserveOutcome::Reserved(r) = out {
                    // One call in eight failed at the ad platform: its hold was released.
                    let commit = rng.range(0, 7) != 0;
                    store
                        .settle_reservation(
                            &grant.id,
                            None,
                            &r.id,
                            commit,
                            at + Duration::seconds(2),
                        )
                        .await?;
                }
            }
        }
    }
    if let Some(guard) = by_name("Bid Guard")
        && let Some(grant) = store.grant_for(&northwind.id, &guard.id).await?
        && grant.status == GrantStatus::Active
    {
        store
            .set_breaker_config(
                system,
                &northwind.id,
                &grant.id,
                BreakerConfig {
                    requests_per_minute: Some(120),
                    denials_per_minute: Some(10),
                    spend_per_hour_minor: None,
                    cooldown_seconds: Some(300),
                },
            )
            .await?;
        let breaker = Actor::System {
            label: "circuit breaker".into(),
        };
        use BreakerState::*;
        let story = [
            (
                190,
                Closed,
                Open,
                "14 denied requests in the last minute (limit 10)",
            ),
            (185, Open, HalfOpen, "cooldown over: probing"),
            (
                184,
                HalfOpen,
                Open,
                "relapse while probing: a request was denied",
            ),
            (120, Open, HalfOpen, "cooldown over: probing"),
            (
                119,
                HalfOpen,
                Terminated,
                "relapse while probing: 131 requests in the last minute (limit 120)",
            ),
        ];
        for (ago, from, to, why) in story {
            store
                .transition_breaker(
                    &breaker,
                    &grant.id,
                    from,
                    to,
                    why,
                    now - Duration::minutes(ago),
                )
                .await?;
        }
    }
    Ok(())
}

/// A few access decisions by Bid Pilot on Northwind, for the activity log: allowed bid and
/// budget changes, and denials (outside the policy, and the billing guardrail).
async fn seed_decisions(
    store: &DynStore,
    northwind: &Advertiser,
    agent: &Agent,
    grant: &Grant,
    token: &charter_store::TokenRecord,
    acct: &str,
) -> Result<(), StoreError> {
    let Some(ident) = store.agent_identity(&agent.id).await? else {
        return Ok(());
    };
    let now = Utc::now();
    let decisions = [
        (
            50,
            "sp:UpdateKeywordBid",
            "keyword/4471",
            true,
            "policy_allowed",
            Some(85),
            "Allowed: the grant's policy allows keyword bid changes on this account.",
        ),
        (
            40,
            "sp:GetCampaign",
            "campaign/912",
            true,
            "policy_allowed",
            None,
            "Allowed: the grant's policy allows reading campaigns.",
        ),
        (
            30,
            "sp:UpdateCampaigns",
            "campaign/912",
            false,
            "policy_denied",
            Some(250_000),
            "Denied: no statement of the grant's policy allows changing campaign budgets.",
        ),
        (
            20,
            "billing:GetInvoice",
            "invoice/2026-10",
            false,
            "guardrail_denied",
            None,
            "Denied: the guardrail \"No agent may touch billing\" forbids billing actions.",
        ),
        (
            10,
            "sp:UpdateKeywordBid",
            "keyword/4472",
            true,
            "policy_allowed",
            Some(120),
            "Allowed: the grant's policy allows keyword bid changes on this account.",
        ),
    ];
    let batch = decisions
        .into_iter()
        .map(
            |(ago, action, resource, allowed, reason, amount, explanation)| DecisionEvent {
                id: charter_store::new_event_id(),
                decided_at: now - Duration::minutes(ago),
                advertiser_id: northwind.id.clone(),
                partner_id: ident.partner_id.clone(),
                agent_id: agent.id.clone(),
                agent_label: agent.name.clone(),
                grant_id: Some(grant.id.clone()),
                action: action.into(),
                resource: format!("{acct}:{resource}"),
                allowed,
                reason: reason.into(),
                statement_ids: if allowed {
                    vec!["ReadAndBid".into()]
                } else {
                    vec![]
                },
                token_chain: vec![token.jti.to_string()],
                amount_minor: amount,
                explanation: explanation.into(),
            },
        )
        .collect();
    store.append_decisions(batch).await?;
    Ok(())
}

/// The credentials table printed by `charter demo` and listed in the README.
pub fn credentials_table() -> String {
    let mut out = String::from("Demo people (demo data only: never use these in production)\n");
    for p in PEOPLE {
        out.push_str(&format!(
            "  {:<28} {:<22} {}\n",
            p.email, p.password, p.role
        ));
    }
    out
}
