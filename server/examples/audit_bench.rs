//! Throughput of the audit chain: batched decision appends (directly and through the
//! `AuditWriter`) and the verification of a long chain, on SQLite and PostgreSQL.
//!
//! ```text
//! cargo run --release -p charter-server --example audit_bench -- [sqlite|postgres|both] [append_events] [verify_events]
//! ```
//!
//! Defaults: both backends, 200 000 appended events, a chain of 1 000 000 events to verify.
//! PostgreSQL is reached at `postgres://postgres@127.0.0.1:5432` (a scratch database is made
//! and dropped). Results are printed as a Markdown table row per measurement.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use charter_server::audit::AuditWriter;
use charter_store::DynStore;
use charter_store::model::*;
use std::time::Instant;

const PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

type Error = Box<dyn std::error::Error + Send + Sync>;

fn decision(adv: &AdvertiserId, partner: &PartnerId, agent: &AgentId, i: u64) -> DecisionEvent {
    let allowed = !i.is_multiple_of(5);
    DecisionEvent {
        id: charter_store::new_event_id(),
        decided_at: chrono::Utc::now(),
        advertiser_id: adv.clone(),
        partner_id: partner.clone(),
        agent_id: agent.clone(),
        agent_label: "Bid Pilot".into(),
        grant_id: Some(GrantId::generate()),
        action: "campaigns:UpdateBudget".into(),
        resource: format!("urn:charter:account:{adv}:campaign/{}", i % 1000),
        allowed,
        reason: if allowed {
            "policy_allowed"
        } else {
            "policy_denied"
        }
        .into(),
        statement_ids: vec!["AllowBudgetChanges".into()],
        token_chain: vec![format!("tok_{}", ulid::Ulid::new())],
        amount_minor: Some((i % 10_000) as i64 * 100),
        explanation: "Allowed by statement AllowBudgetChanges of the grant's policy.".into(),
    }
}

struct Ids {
    adv: AdvertiserId,
    partner: PartnerId,
    agent: AgentId,
}

impl Ids {
    fn new() -> Self {
        Ids {
            adv: AdvertiserId::generate(),
            partner: PartnerId::generate(),
            agent: AgentId::generate(),
        }
    }
    fn batch(&self, from: u64, n: u64) -> Vec<DecisionEvent> {
        (from..from + n)
            .map(|i| decision(&self.adv, &self.partner, &self.agent, i))
            .collect()
    }
}

fn row(backend: &str, what: &str, events: u64, secs: f64) {
    println!(
        "| {backend} | {what} | {events} | {secs:.2} s | {:.0} events/s |",
        events as f64 / secs
    );
}

async fn bench(backend: &str, store: DynStore, append: u64, verify: u64) -> Result<(), Error> {
    // 1. Direct batched appends, 1 000 per transaction, one chain.
    let ids = Ids::new();
    let batches: Vec<Vec<DecisionEvent>> = (0..append / 1000)
        .map(|b| ids.batch(b * 1000, 1000))
        .collect();
    let t = Instant::now();
    for b in batches {
        store.append_decisions(b).await?;
    }
    row(
        backend,
        "append_decisions, batches of 1 000, one account",
        append,
        t.elapsed().as_secs_f64(),
    );

    // 2. Through the AuditWriter: 8 tasks record concurrently, on 4 accounts; then flush.
    let writer = AuditWriter::spawn(store.clone());
    let accounts: Vec<std::sync::Arc<Ids>> =
        (0..4).map(|_| std::sync::Arc::new(Ids::new())).collect();
    let per_task = append / 8;
    let events: Vec<Vec<DecisionEvent>> = (0..8u64)
        .map(|t| accounts[(t % 4) as usize].batch(t * per_task, per_task))
        .collect();
    let t = Instant::now();
    let mut tasks = Vec::new();
    for evs in events {
        let writer = writer.clone();
        tasks.push(tokio::spawn(async move {
            for e in evs {
                writer.record(e).await?;
            }
            Ok::<_, charter_server::audit::WriterStopped>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    writer.flush().await?;
    row(
        backend,
        "AuditWriter::record × 8 tasks, 4 accounts, then flush",
        per_task * 8,
        t.elapsed().as_secs_f64(),
    );

    // 3. Verify a chain of `verify` events.
    let long = Ids::new();
    let t = Instant::now();
    let mut done = 0;
    while done < verify {
        let n = (verify - done).min(5000);
        store.append_decisions(long.batch(done, n)).await?;
        done += n;
    }
    eprintln!(
        "{backend}: wrote the {verify}-event chain in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let report = store.verify_chain(long.adv.as_str(), &|_| {}).await?;
    let secs = t.elapsed().as_secs_f64();
    if !report.is_intact() || report.events != verify {
        return Err(format!("unexpected report {report:?}").into());
    }
    row(backend, "verify_chain", verify, secs);
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let which = args.first().map_or("both", String::as_str).to_string();
    let append: u64 = args.get(1).map_or(Ok(200_000), |s| s.parse())?;
    let verify: u64 = args.get(2).map_or(Ok(1_000_000), |s| s.parse())?;
    println!("| backend | measurement | events | time | rate |");
    println!("| --- | --- | --- | --- | --- |");
    if which == "sqlite" || which == "both" {
        let dir = std::env::temp_dir().join(format!("charter-audit-bench-{}", ulid::Ulid::new()));
        let url = format!("sqlite://{}/bench.db", dir.display());
        let db = charter_store::connect(&url).await?;
        db.migrate().await?;
        let result = bench("SQLite", db.store(), append, verify).await;
        db.close().await;
        let _ = std::fs::remove_dir_all(&dir);
        result?;
    }
    if which == "postgres" || which == "both" {
        let name = format!(
            "charter_bench_{}",
            ulid::Ulid::new().to_string().to_lowercase()
        );
        let admin = sqlx::PgPool::connect(PG_ADMIN_URL).await?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await?;
        let db =
            charter_store::connect(&format!("postgres://postgres@127.0.0.1:5432/{name}")).await?;
        db.migrate().await?;
        let result = bench("PostgreSQL", db.store(), append, verify).await;
        db.close().await;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&admin)
            .await?;
        result?;
    }
    Ok(())
}
