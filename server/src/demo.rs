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

pub const NORTHWIND: &str = "Northwind Outdoor";
pub const HALCYON: &str = "Halcyon Home";
pub const BERGFELD: &str = "Bergfeld Küchen";

/// (partner, kind, [(application, description, [(agent, description, purposes, party)])])
type AgentSpec = (&'static str, &'static str, &'static [Purpose], Party);
type AppSpec = (&'static str, &'static str, &'static [AgentSpec]);
type PartnerSpec = (&'static str, PartnerKind, &'static [AppSpec]);

use Party::{FirstParty as FP, ThirdParty as TP};
use Purpose::*;

const PARTNERS: &[PartnerSpec] = &[
    (
        "Quantive Labs",
        PartnerKind::ToolVendor,
        &[
            (
                "Quantive Bidder",
                "Automated bid management for Sponsored Products",
                &[
                    (
                        "Bid Pilot",
                        "Adjusts keyword bids hourly toward a target ACoS",
                        &[BidOptimization],
                        TP,
                    ),
                    (
                        "Dayparting Agent",
                        "Raises and lowers bids by hour of day",
                        &[BidOptimization, BudgetPacing],
                        TP,
                    ),
                    (
                        "Negative Keyword Miner",
                        "Finds wasteful search terms and proposes negatives",
                        &[KeywordResearch],
                        TP,
                    ),
                    (
                        "Bid Guard",
                        "Caps runaway bids and alerts on anomalies",
                        &[BidOptimization],
                        TP,
                    ),
                ],
            ),
            (
                "Quantive Insights",
                "Reporting and analytics",
                &[
                    (
                        "Weekly Report Writer",
                        "Summarises performance every Monday",
                        &[Reporting],
                        TP,
                    ),
                    (
                        "Anomaly Watch",
                        "Flags sudden changes in spend or sales",
                        &[Reporting, AudienceInsights],
                        TP,
                    ),
                    (
                        "Share of Voice Tracker",
                        "Tracks brand visibility on key searches",
                        &[Reporting, KeywordResearch],
                        TP,
                    ),
                    (
                        "Search Term Reporter",
                        "Reports converting and wasted search terms",
                        &[Reporting, KeywordResearch],
                        TP,
                    ),
                ],
            ),
        ],
    ),
    (
        "Aurora Media Group",
        PartnerKind::Agency,
        &[
            (
                "Aurora Launchpad",
                "Campaign launch automation for agency clients",
                &[
                    (
                        "Launch Planner",
                        "Builds campaign structures from a media plan",
                        &[CampaignLaunch],
                        TP,
                    ),
                    (
                        "Creative Rotator",
                        "Rotates Sponsored Brands creatives by performance",
                        &[CreativeRotation],
                        TP,
                    ),
                    (
                        "Holiday Ramp",
                        "Scales budgets ahead of seasonal peaks",
                        &[BudgetPacing, CampaignLaunch],
                        TP,
                    ),
                    (
                        "Prime Day Launcher",
                        "Stages deal campaigns ahead of Prime Day",
                        &[CampaignLaunch, BudgetPacing],
                        TP,
                    ),
                ],
            ),
            (
                "Aurora Analyst",
                "Client reporting",
                &[
                    (
                        "Client Digest",
                        "Daily client digest e-mails",
                        &[Reporting],
                        TP,
                    ),
                    (
                        "Attribution Helper",
                        "Joins ad data with retail sales",
                        &[Reporting, AudienceInsights],
                        TP,
                    ),
                    (
                        "Brand Lift Reporter",
                        "Measures brand lift from DSP studies",
                        &[Reporting, AudienceInsights],
                        TP,
                    ),
                ],
            ),
            (
                "Aurora Finance Desk",
                "Invoice reconciliation",
                &[
                    (
                        "Invoice Matcher",
                        "Reconciles invoices with spend",
                        &[BillingReconciliation],
                        TP,
                    ),
                    (
                        "Budget Sentinel",
                        "Warns before budgets run out",
                        &[BudgetPacing],
                        TP,
                    ),
                ],
            ),
        ],
    ),
    (
        "Pacer Analytics",
        PartnerKind::ToolVendor,
        &[
            (
                "Pacer Budget",
                "Budget pacing across portfolios",
                &[
                    (
                        "Pacing Agent",
                        "Spreads daily budgets evenly across the month",
                        &[BudgetPacing],
                        TP,
                    ),
                    (
                        "Portfolio Balancer",
                        "Moves budget between portfolios by ROAS",
                        &[BudgetPacing, BidOptimization],
                        TP,
                    ),
                    (
                        "Overspend Stopper",
                        "Pauses campaigns over budget",
                        &[BudgetPacing],
                        TP,
                    ),
                    (
                        "Month-End Pacer",
                        "Lands monthly spend on target in the last week",
                        &[BudgetPacing],
                        TP,
                    ),
                ],
            ),
            (
                "Pacer Research",
                "Keyword and audience research",
                &[
                    (
                        "Keyword Scout",
                        "Suggests new keywords from search terms",
                        &[KeywordResearch],
                        TP,
                    ),
                    (
                        "Audience Builder",
                        "Proposes DSP audiences from purchase data",
                        &[AudienceInsights],
                        TP,
                    ),
                    (
                        "Category Explorer",
                        "Finds growing categories and their top keywords",
                        &[KeywordResearch],
                        TP,
                    ),
                    (
                        "ASIN Gap Finder",
                        "Finds products without advertising coverage",
                        &[KeywordResearch, CampaignLaunch],
                        TP,
                    ),
                ],
            ),
        ],
    ),
    (
        "Brightline Agency",
        PartnerKind::Agency,
        &[
            (
                "Brightline Ops",
                "Day-to-day account management",
                &[
                    (
                        "Ops Assistant",
                        "Handles routine campaign changes on request",
                        &[CampaignLaunch, BidOptimization],
                        TP,
                    ),
                    (
                        "Search Term Harvester",
                        "Moves converting search terms to exact match",
                        &[KeywordResearch, BidOptimization],
                        TP,
                    ),
                    (
                        "Catalog Sync",
                        "Keeps product ads in step with the catalog",
                        &[CampaignLaunch],
                        TP,
                    ),
                    (
                        "Store Page Editor",
                        "Updates Stores pages for promotions",
                        &[CreativeRotation],
                        TP,
                    ),
                ],
            ),
            (
                "Brightline Reports",
                "Reporting for Brightline clients",
                &[
                    (
                        "Monthly Review Bot",
                        "Prepares the monthly business review",
                        &[Reporting],
                        TP,
                    ),
                    (
                        "Competitor Watch",
                        "Tracks competitor share of voice",
                        &[Reporting, KeywordResearch],
                        TP,
                    ),
                    (
                        "Placement Analyst",
                        "Compares top-of-search and product-page placements",
                        &[Reporting, BidOptimization],
                        TP,
                    ),
                ],
            ),
            (
                "Brightline DSP",
                "Programmatic display",
                &[
                    (
                        "DSP Line Item Tuner",
                        "Tunes DSP line item bids and frequency caps",
                        &[BidOptimization],
                        TP,
                    ),
                    (
                        "Retargeting Planner",
                        "Builds retargeting audiences and orders",
                        &[AudienceInsights, CampaignLaunch],
                        TP,
                    ),
                    (
                        "Creative QA",
                        "Checks creatives against policy before launch",
                        &[CreativeRotation],
                        TP,
                    ),
                ],
            ),
        ],
    ),
    (
        "Helix Commerce AI",
        PartnerKind::ToolVendor,
        &[
            (
                "Helix Copilot",
                "A general assistant for advertisers",
                &[
                    (
                        "Helix Chat Agent",
                        "Answers questions about performance in chat",
                        &[Reporting],
                        TP,
                    ),
                    (
                        "Helix Action Agent",
                        "Makes changes the advertiser approves in chat",
                        &[CampaignLaunch, BidOptimization, BudgetPacing],
                        TP,
                    ),
                    (
                        "Helix Summariser",
                        "Writes weekly summaries",
                        &[Reporting],
                        TP,
                    ),
                    (
                        "Helix Budget Agent",
                        "Moves budget on the advertiser's instruction",
                        &[BudgetPacing],
                        TP,
                    ),
                ],
            ),
            (
                "Helix In-house",
                "Agents advertisers run themselves",
                &[
                    (
                        "In-house Bid Script",
                        "The advertiser's own bidding rules",
                        &[BidOptimization],
                        FP,
                    ),
                    (
                        "In-house Reporting",
                        "The advertiser's own dashboards",
                        &[Reporting],
                        FP,
                    ),
                    (
                        "In-house Launcher",
                        "The advertiser's own launch checklist",
                        &[CampaignLaunch],
                        FP,
                    ),
                    (
                        "In-house Billing Export",
                        "Exports invoices to the finance system",
                        &[BillingReconciliation],
                        FP,
                    ),
                ],
            ),
        ],
    ),
];

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

// --- sandbox Ads API data --------------------------------------------------------------------

use charter_store::{
    AdGroup, AdGroupId, Campaign, CampaignId, EntityName, EntityState, ExpressionType, Invoice,
    InvoiceId, InvoiceStatus, Keyword, KeywordId, KeywordText, MatchType, Profile, ProfileId,
    Program, ReportId, ReportJob, ReportStatus, ReportType, SandboxSeed, Target, TargetExpression,
    TargetId, TargetingType, TimeUnit,
};

struct AdGroupPlan {
    name: &'static str,
    /// Minor units.
    default_bid: i64,
    keywords: &'static [(&'static str, MatchType)],
    targets: &'static [(ExpressionType, Option<&'static str>)],
}

struct CampaignPlan {
    program: Program,
    name: &'static str,
    state: EntityState,
    /// Daily budget, minor units.
    budget: i64,
    targeting: TargetingType,
    /// Days since it started.
    age_days: i64,
    ad_groups: &'static [AdGroupPlan],
}

struct AccountPlan {
    advertiser: &'static str,
    timezone: &'static str,
    marketplace_id: &'static str,
    account_type: &'static str,
    /// VAT on the invoices, in percent.
    tax_percent: i64,
    campaigns: &'static [CampaignPlan],
}

use EntityState::{Archived, Enabled, Paused};
use ExpressionType as X;
use MatchType::{Broad, Exact, Phrase};
use Program::{Sb, Sd, Sp};
use TargetingType::{Auto, Manual};

const AUTO_TARGETS: &[(ExpressionType, Option<&str>)] = &[
    (X::QueryHighRelMatches, None),
    (X::QueryBroadRelMatches, None),
    (X::AsinSubstituteRelated, None),
    (X::AsinAccessoryRelated, None),
];

const ACCOUNTS: &[AccountPlan] = &[
    AccountPlan {
        advertiser: NORTHWIND,
        timezone: "America/Los_Angeles",
        marketplace_id: "ATVPDKIKX0DER",
        account_type: "seller",
        tax_percent: 0,
        campaigns: &[
            CampaignPlan {
                program: Sp,
                name: "Northwind - TrailBlaze Hiking Boots - Exact",
                state: Enabled,
                budget: 7_500,
                targeting: Manual,
                age_days: 410,
                ad_groups: &[
                    AdGroupPlan {
                        name: "Hiking boots - exact",
                        default_bid: 135,
                        keywords: &[
                            ("hiking boots", Exact),
                            ("waterproof hiking boots", Exact),
                            ("mens hiking boots", Exact),
                            ("womens hiking boots", Exact),
                            ("trail boots", Exact),
                        ],
                        targets: &[],
                    },
                    AdGroupPlan {
                        name: "Competitor boots",
                        default_bid: 110,
                        keywords: &[],
                        targets: &[
                            (X::AsinSameAs, Some("B07HKT4Q2M")),
                            (X::AsinSameAs, Some("B08L5R9XJ1")),
                        ],
                    },
                ],
            },
            CampaignPlan {
                program: Sp,
                name: "Northwind - Summit 2P Tent - Broad",
                state: Enabled,
                budget: 6_000,
                targeting: Manual,
                age_days: 300,
                ad_groups: &[
                    AdGroupPlan {
                        name: "Tents - broad",
                        default_bid: 95,
                        keywords: &[
                            ("backpacking tent", Broad),
                            ("2 person tent", Broad),
                            ("ultralight tent", Phrase),
                            ("camping tent waterproof", Phrase),
                        ],
                        targets: &[],
                    },
                    AdGroupPlan {
                        name: "Camping category",
                        default_bid: 80,
                        keywords: &[],
                        targets: &[(X::AsinCategorySameAs, Some("3400371"))],
                    },
                ],
            },
            CampaignPlan {
                program: Sp,
                name: "Northwind - Auto - All Products",
                state: Enabled,
                budget: 4_000,
                targeting: Auto,
                age_days: 500,
                ad_groups: &[AdGroupPlan {
                    name: "Auto targeting",
                    default_bid: 75,
                    keywords: &[],
                    targets: AUTO_TARGETS,
                }],
            },
            CampaignPlan {
                program: Sp,
                name: "Northwind - Ridgeline Daypack - Phrase",
                state: Paused,
                budget: 2_500,
                targeting: Manual,
                age_days: 200,
                ad_groups: &[AdGroupPlan {
                    name: "Daypacks",
                    default_bid: 85,
                    keywords: &[
                        ("hiking daypack", Phrase),
                        ("20l backpack", Phrase),
                        ("lightweight daypack", Exact),
                    ],
                    targets: &[],
                }],
            },
            CampaignPlan {
                program: Sp,
                name: "Northwind - Holiday Gifts 2025",
                state: Archived,
                budget: 12_000,
                targeting: Manual,
                age_days: 120,
                ad_groups: &[AdGroupPlan {
                    name: "Gift ideas",
                    default_bid: 120,
                    keywords: &[("gifts for hikers", Broad), ("camping gifts", Broad)],
                    targets: &[],
                }],
            },
            CampaignPlan {
                program: Sb,
                name: "Northwind - Brand Defense",
                state: Enabled,
                budget: 5_000,
                targeting: Manual,
                age_days: 365,
                ad_groups: &[],
            },
            CampaignPlan {
                program: Sd,
                name: "Northwind - Product View Retargeting",
                state: Enabled,
                budget: 3_000,
                targeting: Auto,
                age_days: 150,
                ad_groups: &[],
            },
        ],
    },
    AccountPlan {
        advertiser: HALCYON,
        timezone: "Europe/London",
        marketplace_id: "A1F83G8C2ARO7P",
        account_type: "seller",
        tax_percent: 20,
        campaigns: &[
            CampaignPlan {
                program: Sp,
                name: "Halcyon - Linen Bedding - Exact",
                state: Enabled,
                budget: 5_500,
                targeting: Manual,
                age_days: 380,
                ad_groups: &[AdGroupPlan {
                    name: "Linen bedding",
                    default_bid: 90,
                    keywords: &[
                        ("linen duvet cover", Exact),
                        ("linen bedding double", Exact),
                        ("stonewashed linen sheets", Exact),
                        ("king size linen bedding", Phrase),
                    ],
                    targets: &[],
                }],
            },
            CampaignPlan {
                program: Sp,
                name: "Halcyon - Cloud Duvet - Broad",
                state: Enabled,
                budget: 4_500,
                targeting: Manual,
                age_days: 260,
                ad_groups: &[
                    AdGroupPlan {
                        name: "Duvets",
                        default_bid: 80,
                        keywords: &[
                            ("hotel quality duvet", Broad),
                            ("13.5 tog duvet", Phrase),
                            ("hollowfibre duvet king", Broad),
                        ],
                        targets: &[],
                    },
                    AdGroupPlan {
                        name: "Duvet competitors",
                        default_bid: 70,
                        keywords: &[],
                        targets: &[(X::AsinSameAs, Some("B09ZQ7K3TR"))],
                    },
                ],
            },
            CampaignPlan {
                program: Sp,
                name: "Halcyon - Auto - Bedroom",
                state: Enabled,
                budget: 3_000,
                targeting: Auto,
                age_days: 330,
                ad_groups: &[AdGroupPlan {
                    name: "Auto bedroom",
                    default_bid: 60,
                    keywords: &[],
                    targets: &[
                        (X::QueryHighRelMatches, None),
                        (X::QueryBroadRelMatches, None),
                        (X::AsinSubstituteRelated, None),
                    ],
                }],
            },
            CampaignPlan {
                program: Sp,
                name: "Halcyon - Eucalyptus Towels",
                state: Paused,
                budget: 2_000,
                targeting: Manual,
                age_days: 180,
                ad_groups: &[AdGroupPlan {
                    name: "Towels",
                    default_bid: 70,
                    keywords: &[("bath towels set", Broad), ("eucalyptus towels", Exact)],
                    targets: &[],
                }],
            },
            CampaignPlan {
                program: Sb,
                name: "Halcyon - Brand Store Spotlight",
                state: Enabled,
                budget: 3_500,
                targeting: Manual,
                age_days: 240,
                ad_groups: &[],
            },
            CampaignPlan {
                program: Sd,
                name: "Halcyon - Audiences - Home Decor",
                state: Paused,
                budget: 2_500,
                targeting: Auto,
                age_days: 90,
                ad_groups: &[],
            },
        ],
    },
    AccountPlan {
        advertiser: BERGFELD,
        timezone: "Europe/Berlin",
        marketplace_id: "A1PA6795UKMFR9",
        account_type: "vendor",
        tax_percent: 19,
        campaigns: &[
            CampaignPlan {
                program: Sp,
                name: "Bergfeld - Messerblock - Exakt",
                state: Enabled,
                budget: 6_500,
                targeting: Manual,
                age_days: 420,
                ad_groups: &[AdGroupPlan {
                    name: "Messerblock",
                    default_bid: 105,
                    keywords: &[
                        ("messerblock mit messer", Exact),
                        ("kochmesser set", Exact),
                        ("messerset edelstahl", Phrase),
                        ("santoku messer", Exact),
                    ],
                    targets: &[],
                }],
            },
            CampaignPlan {
                program: Sp,
                name: "Bergfeld - Gusseisen Bräter - Broad",
                state: Enabled,
                budget: 5_000,
                targeting: Manual,
                age_days: 310,
                ad_groups: &[
                    AdGroupPlan {
                        name: "Bräter",
                        default_bid: 90,
                        keywords: &[
                            ("gusseisen bräter", Broad),
                            ("dutch oven gusseisen", Broad),
                            ("schmortopf mit deckel", Phrase),
                        ],
                        targets: &[],
                    },
                    AdGroupPlan {
                        name: "Kategorie Kochgeschirr",
                        default_bid: 75,
                        keywords: &[],
                        targets: &[(X::AsinCategorySameAs, Some("3169011"))],
                    },
                ],
            },
            CampaignPlan {
                program: Sp,
                name: "Bergfeld - Auto - Küche",
                state: Enabled,
                budget: 3_500,
                targeting: Auto,
                age_days: 450,
                ad_groups: &[AdGroupPlan {
                    name: "Auto Küche",
                    default_bid: 65,
                    keywords: &[],
                    targets: &[
                        (X::QueryHighRelMatches, None),
                        (X::AsinAccessoryRelated, None),
                    ],
                }],
            },
            CampaignPlan {
                program: Sp,
                name: "Bergfeld - Espressokocher",
                state: Archived,
                budget: 4_000,
                targeting: Manual,
                age_days: 200,
                ad_groups: &[AdGroupPlan {
                    name: "Espresso",
                    default_bid: 95,
                    keywords: &[("espressokocher induktion", Exact)],
                    targets: &[],
                }],
            },
            CampaignPlan {
                program: Sb,
                name: "Bergfeld - Markenschutz",
                state: Enabled,
                budget: 4_000,
                targeting: Manual,
                age_days: 365,
                ad_groups: &[],
            },
            CampaignPlan {
                program: Sd,
                name: "Bergfeld - Retargeting Käufer",
                state: Enabled,
                budget: 2_000,
                targeting: Auto,
                age_days: 140,
                ad_groups: &[],
            },
        ],
    },
];

/// A small deterministic generator (splitmix64) for the demo's ids, bids and pacing.
struct DemoRng(u64);

impl DemoRng {
    fn for_name(name: &str) -> DemoRng {
        DemoRng(name.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
        }))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = u64::try_from(hi - lo + 1).unwrap_or(1).max(1);
        lo + i64::try_from(self.next() % span).unwrap_or(0)
    }

    /// A 15-digit id, as text for the id types' `parse`.
    fn id(&mut self) -> String {
        self.range(100_000_000_000_000, 999_999_999_999_999)
            .to_string()
    }
}

/// Whether a campaign delivered on `day` (for invoices).
fn delivered(c: &Campaign, day: chrono::NaiveDate) -> bool {
    day >= c.start_date
        && c.end_date.is_none_or(|e| day <= e)
        && (c.state == Enabled || day < c.updated_at.date_naive())
}

/// The sandbox data of one demo account, as of `now`: its profile, campaigns with ad groups,
/// keywords (bids around each ad group's default bid) and targets, three completed reports and
/// six months of invoices. Deterministic apart from timestamps: ids, bids and amounts come from
/// a generator seeded with the account's name.
pub fn sandbox_seed(
    advertiser: &Advertiser,
    now: chrono::DateTime<Utc>,
) -> Result<SandboxSeed, StoreError> {
    let Some(plan) = ACCOUNTS.iter().find(|a| a.advertiser == advertiser.name) else {
        return Ok(SandboxSeed::default());
    };
    let mut rng = DemoRng::for_name(plan.advertiser);
    let adv = advertiser.id.clone();
    let today = now.date_naive();
    let mut seed = SandboxSeed {
        profile: Some(Profile {
            id: ProfileId::parse(&rng.id())?,
            advertiser_id: adv.clone(),
            country_code: advertiser.marketplace.clone(),
            currency_code: advertiser.currency.clone(),
            timezone: plan.timezone.into(),
            account_name: advertiser.name.clone(),
            account_type: plan.account_type.into(),
            marketplace_string_id: plan.marketplace_id.into(),
            created_at: now - Duration::days(600),
        }),
        ..SandboxSeed::default()
    };
    let changed = |state: EntityState, created: chrono::DateTime<Utc>| match state {
        Enabled => created.max(now - Duration::days(3)),
        Paused => now - Duration::days(20),
        Archived => now - Duration::days(45),
    };
    for cp in plan.campaigns {
        let created = now - Duration::days(cp.age_days);
        let campaign = Campaign {
            id: CampaignId::parse(&rng.id())?,
            advertiser_id: adv.clone(),
            program: cp.program,
            name: EntityName::parse(cp.name)?,
            state: cp.state,
            daily_budget_minor: cp.budget,
            start_date: created.date_naive(),
            end_date: None,
            targeting_type: cp.targeting,
            created_at: created,
            updated_at: changed(cp.state, created),
        };
        for gp in cp.ad_groups {
            let group = AdGroup {
                id: AdGroupId::parse(&rng.id())?,
                advertiser_id: adv.clone(),
                campaign_id: campaign.id,
                name: EntityName::parse(gp.name)?,
                state: Enabled,
                default_bid_minor: gp.default_bid,
                created_at: created,
                updated_at: created,
            };
            let bid =
                |rng: &mut DemoRng| (gp.default_bid * rng.range(80, 140) / 100 / 5 * 5).max(2);
            for (text, match_type) in gp.keywords {
                seed.keywords.push(Keyword {
                    id: KeywordId::parse(&rng.id())?,
                    advertiser_id: adv.clone(),
                    campaign_id: campaign.id,
                    ad_group_id: group.id,
                    text: KeywordText::parse(text)?,
                    match_type: *match_type,
                    state: Enabled,
                    bid_minor: bid(&mut rng),
                    created_at: created,
                    updated_at: created,
                });
            }
            for (kind, value) in gp.targets {
                seed.targets.push(Target {
                    id: TargetId::parse(&rng.id())?,
                    advertiser_id: adv.clone(),
                    campaign_id: campaign.id,
                    ad_group_id: group.id,
                    expression: TargetExpression::parse(*kind, *value)?,
                    state: Enabled,
                    bid_minor: bid(&mut rng),
                    created_at: created,
                    updated_at: created,
                });
            }
            seed.ad_groups.push(group);
        }
        seed.campaigns.push(campaign);
    }
    // Some history: in the first ad group, the last keyword was archived and another paused.
    let first_group = seed.ad_groups.first().map(|g| g.id);
    let in_first: Vec<usize> = (0..seed.keywords.len())
        .filter(|i| Some(seed.keywords[*i].ad_group_id) == first_group)
        .collect();
    if let [.., paused, archived] = in_first.as_slice() {
        seed.keywords[*archived].state = Archived;
        seed.keywords[*archived].updated_at = now - Duration::days(60);
        seed.keywords[*paused].state = Paused;
        seed.keywords[*paused].updated_at = now - Duration::days(10);
    }

    // Completed reports, computed from the data above.
    let yesterday = today - Duration::days(1);
    let reports = [
        (
            "Weekly campaign summary",
            ReportType::SpCampaigns,
            TimeUnit::Summary,
            7,
            1,
        ),
        (
            "Daily campaign trend",
            ReportType::SpCampaigns,
            TimeUnit::Daily,
            14,
            2,
        ),
        (
            "Targeting review",
            ReportType::SpTargeting,
            TimeUnit::Summary,
            30,
            3,
        ),
    ];
    for (name, kind, unit, span, age) in reports {
        let created = now - Duration::days(age);
        let mut job = ReportJob {
            id: ReportId::parse(&format!(
                "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
                rng.next() as u32,
                rng.next() as u16,
                rng.next() % 0x1000,
                rng.next() % 0x1000,
                rng.next() % 0x1_0000_0000_0000
            ))?,
            advertiser_id: adv.clone(),
            name: EntityName::parse(name)?,
            report_type: kind,
            time_unit: unit,
            columns: crate::sandbox::reports::default_columns(kind, unit),
            start_date: yesterday - Duration::days(span - 1),
            end_date: yesterday,
            status: ReportStatus::Completed,
            created_at: created,
            updated_at: created + Duration::seconds(4),
            completed_at: Some(created + Duration::seconds(4)),
            payload: None,
        };
        let data = crate::sandbox::reports::ReportData {
            campaigns: &seed.campaigns,
            ad_groups: &seed.ad_groups,
            keywords: &seed.keywords,
            targets: &seed.targets,
            currency: &advertiser.currency,
        };
        let rows = crate::sandbox::reports::compute_rows(&job, &data);
        job.payload = Some(serde_json::Value::Array(rows).to_string());
        seed.reports.push(job);
    }

    // Six months of invoices: what the campaigns delivered each month, the last one unpaid.
    let this_month = today.with_day(1).unwrap_or(today);
    for back in (1..=6).rev() {
        let start = this_month
            .checked_sub_months(chrono::Months::new(back))
            .unwrap_or(this_month);
        let end = start
            .checked_add_months(chrono::Months::new(1))
            .and_then(|d| d.pred_opt())
            .unwrap_or(start);
        let mut amount = 0;
        for c in &seed.campaigns {
            let pacing = rng.range(55, 90);
            let days = start
                .iter_days()
                .take_while(|d| *d <= end)
                .filter(|d| delivered(c, *d))
                .count() as i64;
            amount += c.daily_budget_minor * days * pacing / 100;
        }
        let issued = (end + Duration::days(1))
            .and_hms_opt(6, 0, 0)
            .map_or(now, |t| t.and_utc())
            .min(now);
        let last = back == 1;
        seed.invoices.push(Invoice {
            id: InvoiceId::parse(&rng.id())?,
            advertiser_id: adv.clone(),
            period_start: start,
            period_end: end,
            amount_minor: amount,
            tax_minor: amount * plan.tax_percent / 100,
            currency: advertiser.currency.clone(),
            status: if last {
                InvoiceStatus::Issued
            } else {
                InvoiceStatus::Paid
            },
            issued_at: issued,
            due_date: issued.date_naive() + Duration::days(30),
            paid_at: (!last).then(|| issued + Duration::days(9)),
        });
    }
    Ok(seed)
}

/// Gives every demo advertiser its sandbox Ads data (see [`sandbox_seed`]).
async fn seed_sandbox(
    store: &DynStore,
    advertisers: &[&Advertiser],
    now: chrono::DateTime<Utc>,
) -> Result<(), StoreError> {
    for adv in advertisers {
        store
            .seed_sandbox(&adv.id, &sandbox_seed(adv, now)?)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn advertiser(name: &str, marketplace: &str, currency: &str) -> Advertiser {
        Advertiser {
            id: AdvertiserId::generate(),
            name: name.into(),
            marketplace: marketplace.into(),
            currency: currency.into(),
            created_at: Utc::now(),
        }
    }

    #[test]
    fn sandbox_seed_is_deterministic_and_complete() {
        let now = Utc::now();
        for (name, mkt, cur) in [
            (NORTHWIND, "US", "USD"),
            (HALCYON, "UK", "GBP"),
            (BERGFELD, "DE", "EUR"),
        ] {
            let a = sandbox_seed(&advertiser(name, mkt, cur), now).unwrap();
            let b = sandbox_seed(&advertiser(name, mkt, cur), now).unwrap();
            let shape = |s: &SandboxSeed| {
                (
                    s.profile.as_ref().map(|p| p.id),
                    s.campaigns
                        .iter()
                        .map(|c| (c.id, c.name.clone(), c.daily_budget_minor, c.state))
                        .collect::<Vec<_>>(),
                    s.keywords
                        .iter()
                        .map(|k| (k.id, k.bid_minor, k.state))
                        .collect::<Vec<_>>(),
                    s.targets
                        .iter()
                        .map(|t| (t.id, t.bid_minor))
                        .collect::<Vec<_>>(),
                    s.reports
                        .iter()
                        .map(|r| r.payload.clone())
                        .collect::<Vec<_>>(),
                    s.invoices
                        .iter()
                        .map(|i| (i.id, i.amount_minor, i.tax_minor))
                        .collect::<Vec<_>>(),
                )
            };
            assert_eq!(shape(&a), shape(&b), "{name}");
            assert!((4..=8).contains(&a.campaigns.len()), "{name}");
            for p in [Sp, Sb, Sd] {
                assert!(a.campaigns.iter().any(|c| c.program == p), "{name} {p}");
            }
            assert!(!a.ad_groups.is_empty() && !a.keywords.is_empty() && !a.targets.is_empty());
            assert!(a.keywords.iter().any(|k| k.state == Archived));
            assert_eq!(a.reports.len(), 3);
            for r in &a.reports {
                let rows: Vec<serde_json::Value> =
                    serde_json::from_str(r.payload.as_deref().unwrap()).unwrap();
                assert!(!rows.is_empty(), "{name}: {}", r.name.as_str());
            }
            assert_eq!(a.invoices.len(), 6);
            assert!(
                a.invoices
                    .iter()
                    .all(|i| i.amount_minor > 0 && i.currency == cur)
            );
            assert_eq!(
                a.invoices
                    .iter()
                    .filter(|i| i.status == InvoiceStatus::Issued)
                    .count(),
                1
            );
        }
    }
}
