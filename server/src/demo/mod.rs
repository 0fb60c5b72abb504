//! Demo data: a realistic set of advertisers, partners, applications, agents, grants in every
//! state, and one demo person per role. Used by `charter demo`, by `charter serve` on an empty
//! database, and by the tests.

use charter_store::model::*;
use charter_store::{DynStore, NewAgent, NewGrant, StoreError};
use chrono::{Duration, Utc};
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

mod consent;
mod enforcement;
mod names;
mod partners;
mod rng;
mod sandbox;

use Party::ThirdParty as TP;
use Purpose::Reporting;
use consent::seed_consent;
use enforcement::seed_enforcement;
use partners::PARTNERS;
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
    let people = seed_people(store, &system, options.progress).await?;
    let [northwind, halcyon, bergfeld] = seed_advertisers(store, &system, &people).await?;
    let (partners, mut agents) = seed_partners(store, &system, &people, options.progress).await?;
    let plan = grant_plan(agents.len(), [&northwind, &halcyon, &bergfeld]);
    let grants_bar = bar(
        plan.len() + options.extra_agents,
        "grants",
        options.progress,
    );
    let mut grants = seed_grants(store, &system, &plan, &agents, now, &grants_bar).await?;
    if options.extra_agents > 0 {
        let fleet = Fleet {
            partner: &partners[0],
            advertiser: &northwind,
            size: options.extra_agents,
        };
        grants += seed_fleet(store, &system, fleet, &mut agents, now, &grants_bar).await?;
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

/// One person per demo role ([`PEOPLE`]).
async fn seed_people(
    store: &DynStore,
    system: &Actor,
    progress: bool,
) -> Result<Vec<Person>, StoreError> {
    let people_bar = bar(PEOPLE.len(), "people", progress);
    let mut people = Vec::new();
    for p in PEOPLE {
        let person = store
            .create_person(
                system,
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
    Ok(people)
}

fn person_id(people: &[Person], email: &str) -> Result<PersonId, StoreError> {
    people
        .iter()
        .find(|p| p.email == email)
        .map(|p| p.id.clone())
        .ok_or(StoreError::NotFound)
}

/// Northwind (US), Halcyon (UK) and Bergfeld (DE), with their members.
async fn seed_advertisers(
    store: &DynStore,
    system: &Actor,
    people: &[Person],
) -> Result<[Advertiser; 3], StoreError> {
    let northwind = store
        .create_advertiser(system, &name("name", NORTHWIND)?, Marketplace::Us)
        .await?;
    let halcyon = store
        .create_advertiser(system, &name("name", HALCYON)?, Marketplace::Uk)
        .await?;
    let bergfeld = store
        .create_advertiser(system, &name("name", BERGFELD)?, Marketplace::De)
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
            .add_advertiser_member(system, &person_id(people, who.email)?, &advertiser.id, role)
            .await?;
    }
    Ok([northwind, halcyon, bergfeld])
}

/// The partners of [`PARTNERS`] with their applications and agents; the developer belongs to
/// two of them.
async fn seed_partners(
    store: &DynStore,
    system: &Actor,
    people: &[Person],
    progress: bool,
) -> Result<(Vec<Partner>, Vec<Agent>), StoreError> {
    let total_agents: usize = PARTNERS
        .iter()
        .flat_map(|p| p.2.iter())
        .map(|a| a.2.len())
        .sum();
    let agents_bar = bar(total_agents, "agents", progress);
    let mut partners = Vec::new();
    let mut agents = Vec::new();
    for (partner_name, kind, apps) in PARTNERS {
        let partner = store
            .create_partner(system, &name("name", partner_name)?, *kind)
            .await?;
        if matches!(*partner_name, "Quantive Labs" | "Aurora Media Group") {
            store
                .add_partner_member(system, &person_id(people, DEVELOPER.email)?, &partner.id)
                .await?;
        }
        for (app_name, app_desc, app_agents) in *apps {
            let app = store
                .create_application(system, &partner.id, &name("name", app_name)?, app_desc)
                .await?;
            for (agent_name, desc, purposes, party) in *app_agents {
                let agent = store
                    .create_agent(
                        system,
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
    Ok((partners, agents))
}

/// Which advertiser grants which agent (by index): Northwind gets most agents, Halcyon and
/// Bergfeld subsets. A fixed pattern keeps the set reproducible.
fn grant_plan(
    agents: usize,
    [northwind, halcyon, bergfeld]: [&Advertiser; 3],
) -> Vec<(&Advertiser, usize)> {
    (0..agents)
        .flat_map(|i| {
            let mut v = Vec::new();
            if i % 7 != 6 {
                v.push((northwind, i));
            }
            if i % 3 == 0 {
                v.push((halcyon, i));
            }
            if i % 3 == 1 {
                v.push((bergfeld, i));
            }
            v
        })
        .collect()
}

/// The grants of `plan`; every state appears on every account.
async fn seed_grants(
    store: &DynStore,
    system: &Actor,
    plan: &[(&Advertiser, usize)],
    agents: &[Agent],
    now: chrono::DateTime<Utc>,
    grants_bar: &ProgressBar,
) -> Result<usize, StoreError> {
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
                system,
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
    Ok(grants)
}

/// Where [`seed_fleet`] puts its generated agents.
struct Fleet<'a> {
    partner: &'a Partner,
    advertiser: &'a Advertiser,
    size: usize,
}

/// `fleet.size` generated agents, each granted on the advertiser, to exercise large accounts.
async fn seed_fleet(
    store: &DynStore,
    system: &Actor,
    fleet: Fleet<'_>,
    agents: &mut Vec<Agent>,
    now: chrono::DateTime<Utc>,
    grants_bar: &ProgressBar,
) -> Result<usize, StoreError> {
    let app = store
        .create_application(
            system,
            &fleet.partner.id,
            &name("name", "Quantive Fleet")?,
            "Generated agents for load testing",
        )
        .await?;
    for k in 0..fleet.size {
        let purpose = Purpose::ALL[k % Purpose::ALL.len()];
        let agent = store
            .create_agent(
                system,
                &fleet.partner.id,
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
                system,
                NewGrant {
                    advertiser_id: fleet.advertiser.id.clone(),
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
        grants_bar.inc(1);
    }
    Ok(fleet.size)
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
