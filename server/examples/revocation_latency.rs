//! Revoke → deny latency, same process (SQLite and PostgreSQL) and across processes
//! (PostgreSQL LISTEN/NOTIFY). Run:
//!
//! ```sh
//! cargo run --release -p charter-server --example revocation_latency -- [grants]
//! ```
//!
//! For each active grant: a token's claims are minted and verified, then the grant is revoked
//! through one store while a verifier polls. Two intervals are measured per revocation:
//! - **commit→deny**: from the revoke call returning (committed) to the first denied check;
//! - **call→deny**: from the revoke call starting to the first denied check (includes the
//!   database write and commit).
//!
//! The cross-process verifier has its own pool, store, index and listener, exactly as a second
//! `charter serve` has. Figures go to docs/benchmarks.md.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use charter_server::demo::{self, SeedOptions};
use charter_server::tokens::{Claims, TokenConfig, TokenService};
use charter_store::model::*;
use charter_store::{DynStore, Pool};
use chrono::{Duration, Utc};
use std::time::Instant;

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn report(label: &str, mut v: Vec<f64>) {
    v.sort_by(|a, b| a.total_cmp(b));
    println!(
        "{label:<42} n={:<4} p50={:>9.3} ms  p99={:>9.3} ms  max={:>9.3} ms",
        v.len(),
        pct(&v, 0.5),
        pct(&v, 0.99),
        v.last().copied().unwrap_or(f64::NAN)
    );
}

async fn active_grants(store: &DynStore, adv: &AdvertiserId, n: usize) -> Vec<AgentId> {
    let mut out = Vec::new();
    let mut page = 1;
    while out.len() < n {
        let q = AgentQuery::parse(None, None, Some("active"), Some(&page.to_string())).unwrap();
        let rows = store.list_agent_grants(adv, &q).await.unwrap();
        if rows.items.is_empty() {
            break;
        }
        out.extend(rows.items.into_iter().map(|r| r.agent_id));
        page += 1;
    }
    out.truncate(n);
    out
}

async fn claims_for(store: &DynStore, adv: &AdvertiserId, agent: &AgentId) -> Claims {
    let g = store.grant_for(adv, agent).await.unwrap().unwrap();
    let now = Utc::now();
    Claims {
        jti: TokenId::generate(),
        agent: agent.clone(),
        grant: g.id,
        grant_version: g.version,
        purpose: g.purpose,
        audience: adv.clone(),
        issued_at: now,
        not_before: now,
        expires_at: now + Duration::minutes(10),
        depth: 0,
        actor_chain: vec![],
        ancestors: vec![],
    }
}

/// Revokes each grant through `writer` while `reader` polls; returns (commit→deny, call→deny).
async fn run(
    writer: &DynStore,
    reader: &TokenService,
    adv: &AdvertiserId,
    agents: &[AgentId],
) -> (Vec<f64>, Vec<f64>) {
    let actor = Actor::System {
        label: "benchmark".into(),
    };
    let (mut after_commit, mut after_call) = (Vec::new(), Vec::new());
    for agent in agents {
        let claims = claims_for(writer, adv, agent).await;
        // Warm: the reader has seen the grant as valid.
        reader.check_revocation(&claims, Utc::now()).await.unwrap();
        let start = Instant::now();
        writer
            .revoke_grant(&actor, adv, agent, Some("benchmark"))
            .await
            .unwrap();
        let committed = Instant::now();
        loop {
            if reader.check_revocation(&claims, Utc::now()).await.is_err() {
                break;
            }
            if start.elapsed() > std::time::Duration::from_secs(5) {
                panic!("no deny within 5 s");
            }
            tokio::task::yield_now().await;
        }
        let denied = Instant::now();
        after_commit.push((denied - committed).as_secs_f64() * 1e3);
        after_call.push((denied - start).as_secs_f64() * 1e3);
    }
    (after_commit, after_call)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let seed = SeedOptions {
        extra_agents: n + n / 2,
        progress: false,
    };

    // SQLite, same process.
    let dir = std::env::temp_dir().join(format!("charter-revbench-{}", ulid::Ulid::new()));
    let url = format!("sqlite://{}/charter.db", dir.display());
    let db = charter_server::prepare_database(&url, false).await.unwrap();
    demo::seed(&db.store(), seed.clone()).await.unwrap();
    let store = db.store();
    store.reload_revocations().await.unwrap();
    let adv = store.search_advertisers(demo::NORTHWIND, 1).await.unwrap()[0]
        .id
        .clone();
    let agents = active_grants(&store, &adv, n).await;
    let svc = TokenService::load(store.clone(), TokenConfig::default())
        .await
        .unwrap();
    let (c, a) = run(&store, &svc, &adv, &agents).await;
    report("sqlite, same process: commit→deny", c);
    report("sqlite, same process: call→deny", a);
    let _ = std::fs::remove_dir_all(&dir);

    // PostgreSQL, same process and across processes.
    let name = format!(
        "charter_revbench_{}",
        ulid::Ulid::new().to_string().to_lowercase()
    );
    let admin = sqlx::PgPool::connect("postgres://postgres@127.0.0.1:5432/postgres")
        .await
        .unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .unwrap();
    let url = format!("postgres://postgres@127.0.0.1:5432/{name}");
    let db = charter_server::prepare_database(&url, false).await.unwrap();
    demo::seed(&db.store(), seed).await.unwrap();
    let a_store = db.store();
    a_store.reload_revocations().await.unwrap();
    let adv = a_store
        .search_advertisers(demo::NORTHWIND, 1)
        .await
        .unwrap()[0]
        .id
        .clone();
    let agents = active_grants(&a_store, &adv, n).await;
    let half = agents.len() / 2;
    let svc_a = TokenService::load(a_store.clone(), TokenConfig::default())
        .await
        .unwrap();
    let (c, a) = run(&a_store, &svc_a, &adv, &agents[..half]).await;
    report("postgres, same process: commit→deny", c);
    report("postgres, same process: call→deny", a);

    // The second "process": its own connection pool, store, index and listener.
    let db_b = charter_server::prepare_database(&url, false).await.unwrap();
    let b_store = db_b.store();
    b_store.reload_revocations().await.unwrap();
    if let Pool::Postgres(pool) = &db_b.pool {
        charter_store::spawn_revocation_listener(pool.clone(), b_store.clone());
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let svc_b = TokenService::load(b_store.clone(), TokenConfig::default())
        .await
        .unwrap();
    let (c, a) = run(&a_store, &svc_b, &adv, &agents[half..]).await;
    report("postgres, cross process: commit→deny", c);
    report("postgres, cross process: call→deny", a);

    db.close().await;
    db_b.close().await;
    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&admin)
        .await;
}
