//! The tamper-evident audit trail, on both backends: chains stay intact through the demo seed,
//! changes and concurrent decisions; every kind of tampering is found at the right seq; the
//! backfill of rows from before the chain; the export and the `charter audit` CLI.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use charter_server::audit::AuditWriter;
use charter_server::demo::{self, BERGFELD_OWNER, OWNER};
use charter_store::model::*;
use charter_store::{BreakKind, ChainReport, Db, DynStore, NewAuditEvent, Pool};
use common::*;

backend_tests!(
    chains_are_intact_after_the_seed_and_changes,
    an_edited_row_is_a_hash_mismatch,
    a_deleted_row_is_a_seq_gap,
    a_deleted_tail_is_a_head_mismatch,
    reordered_or_relinked_rows_are_prev_hash_mismatches,
    concurrent_decisions_and_changes_keep_one_chain,
    rows_from_before_the_chain_are_backfilled_once,
    decisions_are_filtered_and_exported,
);

fn no_progress(_: u64) {}

async fn verify(store: &DynStore, chain: &str) -> ChainReport {
    store
        .verify_chain(chain, &no_progress)
        .await
        .expect("verify")
}

/// Runs raw SQL (tampering) on either backend.
async fn raw(db: &Db, sql: &str) {
    match &db.pool {
        Pool::Sqlite(p) => {
            sqlx::query(sql).execute(p).await.expect(sql);
        }
        Pool::Postgres(p) => {
            sqlx::query(sql).execute(p).await.expect(sql);
        }
    }
}

async fn assert_all_intact(store: &DynStore) -> u64 {
    let mut total = 0;
    for chain in store.audit_chains().await.expect("chains") {
        let report = verify(store, &chain).await;
        assert!(report.is_intact(), "chain `{chain}`: {report:?}");
        let head = store.audit_chain_head(&chain).await.unwrap().unwrap();
        assert_eq!(
            head.seq as u64, report.events,
            "chain `{chain}` seqs are 1..=n"
        );
        total += report.events;
    }
    assert_eq!(store.unchained_event_count().await.unwrap(), 0);
    total
}

fn system(label: &str) -> Actor {
    Actor::System {
        label: label.into(),
    }
}

async fn chains_are_intact_after_the_seed_and_changes(backend: Backend) {
    let app = spawn_app(backend).await;
    let store = app.store.clone();
    let seeded = assert_all_intact(&store).await;
    assert!(seeded > 20, "the demo seed writes events ({seeded})");
    // The global chain (people, partners) and one per account.
    let chains = store.audit_chains().await.unwrap();
    assert!(chains.contains(&String::new()));
    let adv = app.advertiser(demo::NORTHWIND).await;
    assert!(chains.contains(&adv.id.to_string()));

    // Changes append to the account's chain.
    let before = verify(&store, adv.id.as_str()).await.events;
    let active = app.agent_with_status(&adv.id, GrantStatus::Active).await;
    store
        .revoke_grant(
            &system("test"),
            &adv.id,
            &active.agent_id,
            Some("audit test"),
        )
        .await
        .unwrap();
    store
        .revoke_all(&system("test"), &adv.id, None)
        .await
        .unwrap();
    let after = verify(&store, adv.id.as_str()).await;
    assert!(after.is_intact(), "{after:?}");
    assert!(after.events > before + 1);
    let events = app.events(&adv.id).await;
    let newest = &events[0];
    assert_eq!(newest.action, "account.revoke_all");
    assert_eq!(newest.seq, Some(after.events as i64));
    assert_eq!(newest.chain.as_deref(), Some(adv.id.as_str()));
    // The grant events name the agent, for the activity filter.
    let revoked = events
        .iter()
        .find(|e| e.action == "grant.revoked")
        .expect("a grant.revoked event");
    assert!(revoked.agent_id.is_some() || revoked.target_kind == "grant");
    assert_all_intact(&store).await;
}

/// The account chain's id, and the event id at `seq`.
async fn northwind_chain(app: &TestApp) -> String {
    app.advertiser(demo::NORTHWIND).await.id.to_string()
}

async fn a_northwind_chain_of_at_least(app: &TestApp, n: u64) -> String {
    let chain = northwind_chain(app).await;
    assert!(verify(&app.store, &chain).await.events >= n);
    chain
}

async fn an_edited_row_is_a_hash_mismatch(backend: Backend) {
    let app = spawn_app(backend).await;
    let chain = a_northwind_chain_of_at_least(&app, 5).await;
    raw(
        &app.db,
        &format!("UPDATE audit_events SET actor_label = 'someone else' WHERE chain = '{chain}' AND seq = 3"),
    )
    .await;
    let b = verify(&app.store, &chain)
        .await
        .first_break
        .expect("a break");
    assert_eq!((b.seq, b.kind), (3, BreakKind::HashMismatch));
    assert!(b.event_id.is_some());
    // Other chains are untouched.
    assert!(verify(&app.store, "").await.is_intact());
}

async fn a_deleted_row_is_a_seq_gap(backend: Backend) {
    let app = spawn_app(backend).await;
    let chain = a_northwind_chain_of_at_least(&app, 5).await;
    raw(
        &app.db,
        &format!("DELETE FROM audit_events WHERE chain = '{chain}' AND seq = 2"),
    )
    .await;
    let b = verify(&app.store, &chain)
        .await
        .first_break
        .expect("a break");
    assert_eq!((b.seq, b.kind), (2, BreakKind::SeqGap));
}

async fn a_deleted_tail_is_a_head_mismatch(backend: Backend) {
    let app = spawn_app(backend).await;
    let chain = a_northwind_chain_of_at_least(&app, 5).await;
    let head = app.store.audit_chain_head(&chain).await.unwrap().unwrap();
    raw(
        &app.db,
        &format!(
            "DELETE FROM audit_events WHERE chain = '{chain}' AND seq = {}",
            head.seq
        ),
    )
    .await;
    let report = verify(&app.store, &chain).await;
    let b = report.first_break.expect("a break");
    assert_eq!((b.seq, b.kind), (head.seq, BreakKind::HeadMismatch));
    assert_eq!(report.events as i64, head.seq - 1);
    // Removing the head as well is found too.
    raw(
        &app.db,
        &format!("DELETE FROM audit_chain_heads WHERE chain = '{chain}'"),
    )
    .await;
    let b = verify(&app.store, &chain)
        .await
        .first_break
        .expect("a break");
    assert_eq!(b.kind, BreakKind::HeadMismatch);
}

async fn reordered_or_relinked_rows_are_prev_hash_mismatches(backend: Backend) {
    let app = spawn_app(backend).await;
    let chain = a_northwind_chain_of_at_least(&app, 6).await;
    // Swap rows 2 and 3 (through a free seq, for the unique index).
    for sql in [
        "UPDATE audit_events SET seq = -2 WHERE chain = '{c}' AND seq = 2",
        "UPDATE audit_events SET seq = 2 WHERE chain = '{c}' AND seq = 3",
        "UPDATE audit_events SET seq = 3 WHERE chain = '{c}' AND seq = -2",
    ] {
        raw(&app.db, &sql.replace("{c}", &chain)).await;
    }
    let b = verify(&app.store, &chain)
        .await
        .first_break
        .expect("a break");
    assert_eq!((b.seq, b.kind), (2, BreakKind::PrevHashMismatch));

    let app = spawn_app(backend).await;
    let chain = a_northwind_chain_of_at_least(&app, 6).await;
    raw(
        &app.db,
        &format!(
            "UPDATE audit_events SET prev_hash = '{}' WHERE chain = '{chain}' AND seq = 5",
            "f".repeat(64)
        ),
    )
    .await;
    let b = verify(&app.store, &chain)
        .await
        .first_break
        .expect("a break");
    assert_eq!((b.seq, b.kind), (5, BreakKind::PrevHashMismatch));
}

fn decision(adv: &AdvertiserId, partner: &PartnerId, agent: &AgentId, i: usize) -> DecisionEvent {
    let allowed = !i.is_multiple_of(3);
    DecisionEvent {
        id: charter_store::new_event_id(),
        decided_at: chrono::Utc::now(),
        advertiser_id: adv.clone(),
        partner_id: partner.clone(),
        agent_id: agent.clone(),
        agent_label: "Bid Pilot".into(),
        grant_id: None,
        action: if i.is_multiple_of(2) {
            "campaigns:UpdateBudget".into()
        } else {
            "reports:GetReport".into()
        },
        resource: format!("urn:charter:account:{adv}:campaign/{i}"),
        allowed,
        reason: if allowed {
            "policy_allowed".into()
        } else {
            "policy_denied".into()
        },
        statement_ids: vec!["AllowReports".into()],
        token_chain: vec!["tok_01JD0000000000000000000000".into()],
        amount_minor: i.is_multiple_of(2).then_some(i as i64 * 100),
        explanation: format!("decision {i}"),
    }
}

/// A partner and agent holding a grant on the account, for decision events.
async fn deciding_agent(app: &TestApp, adv: &AdvertiserId) -> (PartnerId, AgentId) {
    let row = app.agent_with_status(adv, GrantStatus::Active).await;
    (row.partner_id, row.agent_id)
}

async fn concurrent_decisions_and_changes_keep_one_chain(backend: Backend) {
    let app = spawn_app(backend).await;
    let store = app.store.clone();
    let adv = app.advertiser(demo::NORTHWIND).await;
    let (partner, agent) = deciding_agent(&app, &adv.id).await;
    let writer = AuditWriter::spawn(store.clone());
    let before = verify(&store, adv.id.as_str()).await.events;
    let deny_filter = ActivityFilter::parse(None, None, Some("deny"), None, None).unwrap();
    let deny0 = store
        .activity(&adv.id, &deny_filter, 1, 1)
        .await
        .unwrap()
        .total;
    let mut tasks = Vec::new();
    for t in 0..8usize {
        let (store, writer, adv, partner, agent) = (
            store.clone(),
            writer.clone(),
            adv.id.clone(),
            partner.clone(),
            agent.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut pending = Vec::new();
            for i in 0..200usize {
                let d = decision(&adv, &partner, &agent, t * 1000 + i);
                if t.is_multiple_of(2) {
                    // Half the tasks go through the group-commit writer...
                    writer.record(d).await.unwrap();
                } else {
                    // ...and half append small batches directly.
                    pending.push(d);
                    if pending.len() == 10 {
                        store
                            .append_decisions(std::mem::take(&mut pending))
                            .await
                            .unwrap();
                    }
                }
                if i.is_multiple_of(40) {
                    // Interleaved changes, each in its own transaction.
                    store
                        .record_event(NewAuditEvent {
                            advertiser_id: Some(adv.clone()),
                            partner_id: None,
                            actor: system("concurrency test"),
                            action: "support.viewed",
                            target_kind: "page",
                            target_id: format!("task {t} step {i}"),
                            before: None,
                            after: None,
                            reason: Some("test".into()),
                        })
                        .await
                        .unwrap();
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    writer.flush().await.unwrap();
    let report = verify(&store, adv.id.as_str()).await;
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.events, before + 8 * 200 + 8 * 5);
    let head = store
        .audit_chain_head(adv.id.as_str())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(head.seq as u64, report.events, "seqs are contiguous");
    let decisions = store
        .activity(
            &adv.id,
            &ActivityFilter::parse(None, None, Some("deny"), None, None).unwrap(),
            1,
            10,
        )
        .await
        .unwrap();
    let denied: u64 = (0..8usize)
        .map(|t| {
            (0..200)
                .filter(|i| (t * 1000 + i).is_multiple_of(3))
                .count() as u64
        })
        .sum();
    assert_eq!(decisions.total, deny0 + denied);
    assert_all_intact(&store).await;
}

/// Two independent pools (as two processes would have) append to one account on PostgreSQL at
/// the same time: the head lock keeps one chain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_pools_on_postgres_never_fork_a_chain() {
    let app = spawn_app(Backend::Postgres).await;
    let url = match &app.db.pool {
        Pool::Postgres(p) => {
            let opts = p.connect_options();
            format!(
                "postgres://postgres@127.0.0.1:5432/{}",
                opts.get_database().expect("database name")
            )
        }
        Pool::Sqlite(_) => unreachable!(),
    };
    let adv = app.advertiser(demo::NORTHWIND).await;
    let (partner, agent) = deciding_agent(&app, &adv.id).await;
    let before = verify(&app.store, adv.id.as_str()).await.events;
    let other = charter_store::connect(&url).await.expect("second pool");
    let stores = [app.store.clone(), other.store()];
    let mut tasks = Vec::new();
    for (s, store) in stores.iter().enumerate() {
        for t in 0..4usize {
            let (store, adv, partner, agent) = (
                store.clone(),
                adv.id.clone(),
                partner.clone(),
                agent.clone(),
            );
            tasks.push(tokio::spawn(async move {
                for b in 0..10usize {
                    let batch = (0..25)
                        .map(|i| {
                            decision(&adv, &partner, &agent, s * 100_000 + t * 1000 + b * 25 + i)
                        })
                        .collect();
                    store.append_decisions(batch).await.unwrap();
                }
            }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    let report = verify(&app.store, adv.id.as_str()).await;
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.events, before + 2 * 4 * 10 * 25);
    other.close().await;
}

async fn rows_from_before_the_chain_are_backfilled_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let store = app.store.clone();
    let adv = app.advertiser(demo::NORTHWIND).await;
    let hashes_before: Vec<Option<String>> = app
        .events(&adv.id)
        .await
        .into_iter()
        .map(|e| e.hash)
        .collect();
    // Turn the database back into one from before the chain: what migration 0004 leaves.
    // (Old rows had no agent column; decision rows did not exist.)
    raw(
        &app.db,
        "UPDATE audit_events SET seq = NULL, hash = NULL, prev_hash = 'backfill'",
    )
    .await;
    raw(
        &app.db,
        "UPDATE audit_events SET agent_id = NULL WHERE decision IS NULL",
    )
    .await;
    raw(&app.db, "DELETE FROM audit_chain_heads").await;
    app.db.migrate().await.expect("migrate chains the old rows");
    let total = assert_all_intact(&store).await;
    assert!(total > 20);
    // In id order per chain: the same hashes as when the rows were chained on write.
    let hashes_after: Vec<Option<String>> = app
        .events(&adv.id)
        .await
        .into_iter()
        .map(|e| e.hash)
        .collect();
    assert_eq!(hashes_before, hashes_after);
    // Idempotent.
    assert_eq!(store.chain_unchained_events().await.unwrap(), 0);
    // A row slipped in around the store is never chained after the fact: it stays outside.
    raw(
        &app.db,
        &format!(
            "INSERT INTO audit_events (id, advertiser_id, actor_kind, actor_label, action, target_kind, target_id, created_at, chain) \
             VALUES ('evt_01JD0000000000000000000009', '{}', 'system', 'x', 'grant.created', 'grant', 'g', {}, '{}')",
            adv.id,
            if backend == Backend::Sqlite { "'2026-01-01T00:00:00+00:00'" } else { "now()" },
            adv.id
        ),
    )
    .await;
    app.db.migrate().await.unwrap();
    assert_eq!(store.unchained_event_count().await.unwrap(), 1);
}

async fn decisions_are_filtered_and_exported(backend: Backend) {
    let app = spawn_app(backend).await;
    let store = app.store.clone();
    let adv = app.advertiser(demo::NORTHWIND).await;
    let (partner, agent) = deciding_agent(&app, &adv.id).await;
    let filter = |agent: Option<&str>, action: Option<&str>, decision: Option<&str>| {
        ActivityFilter::parse(agent, action, decision, None, None).unwrap()
    };
    let count = |f: ActivityFilter| {
        let store = store.clone();
        let adv = adv.id.clone();
        async move { store.activity(&adv, &f, 1, 50).await.unwrap().total }
    };
    // The demo holds a few decisions already: count from there.
    let (deny0, allow0, changes0) = (
        count(filter(None, None, Some("deny"))).await,
        count(filter(None, None, Some("allow"))).await,
        count(filter(None, None, Some("change"))).await,
    );
    assert!(
        deny0 > 0 && allow0 > 0 && changes0 > 0,
        "demo decisions and changes"
    );
    let batch: Vec<DecisionEvent> = (0..30)
        .map(|i| decision(&adv.id, &partner, &agent, i))
        .collect();
    let ids = store.append_decisions(batch.clone()).await.unwrap();
    assert_eq!(ids, batch.iter().map(|d| d.id.clone()).collect::<Vec<_>>());
    assert_eq!(count(filter(None, None, Some("deny"))).await, deny0 + 10);
    assert_eq!(count(filter(None, None, Some("allow"))).await, allow0 + 20);
    assert_eq!(count(filter(None, None, Some("change"))).await, changes0);
    assert_eq!(
        count(filter(None, Some("campaigns:UpdateBudget"), Some("allow"))).await,
        10
    );
    assert_eq!(count(filter(None, Some("CAMPAIGNS:*"), None)).await, 15);
    assert_eq!(
        count(filter(None, Some("decision.deny"), None)).await,
        deny0 + 10
    );
    assert!(count(filter(Some(agent.as_str()), None, None)).await >= 30);
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let future = ActivityFilter::parse(None, None, None, Some(&tomorrow), None).unwrap();
    assert_eq!(count(future).await, 0);
    // A decision event as stored.
    let page = store
        .activity(&adv.id, &filter(None, None, Some("deny")), 1, 1)
        .await
        .unwrap();
    let e = &page.items[0];
    assert_eq!(e.action, "decision.deny");
    assert_eq!(e.reason.as_deref(), Some("policy_denied"));
    assert_eq!(e.actor_kind, "agent");
    assert!(e.after.as_deref().unwrap_or("").contains("statement_ids"));

    // Export over HTTP: a member gets CSV and JSON Lines, and the export is audited.
    let (c, _) = app.signed_in(OWNER).await;
    let res = c
        .get(&format!(
            "/accounts/{}/activity/export?format=csv&decision=deny",
            adv.id
        ))
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    // The stream passes the gzip layer whole (it once reset the connection at its end).
    assert!(res.content_length().is_none());
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let body = res.text().await.unwrap();
    let mut lines = body.lines();
    assert!(lines.next().unwrap().starts_with("seq,id,created_at"));
    assert_eq!(lines.count() as u64, deny0 + 10);
    let res = c
        .get(&format!(
            "/accounts/{}/activity/export?format=jsonl&action=campaigns:*",
            adv.id
        ))
        .await;
    assert_eq!(res.status(), 200);
    let body = res.text().await.unwrap();
    assert_eq!(body.lines().count(), 15);
    for line in body.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["catalog_action"], "campaigns:UpdateBudget");
        assert!(v["hash"].as_str().is_some_and(|h| h.len() == 64));
    }
    let exported = app.events(&adv.id).await;
    assert_eq!(
        exported
            .iter()
            .filter(|e| e.action == "activity.exported")
            .count(),
        2
    );
    assert!(verify(&store, adv.id.as_str()).await.is_intact());

    // Bad input is a 400; a stranger's or unknown account is a 404, like on every page.
    for (query, status) in [
        ("format=xml", 400),
        ("decision=maybe", 400),
        ("since=yesterday", 400),
        ("agent=nope", 400),
    ] {
        let res = c
            .get(&format!("/accounts/{}/activity/export?{query}", adv.id))
            .await;
        assert_eq!(res.status(), status, "{query}");
    }
    let (stranger, _) = app.signed_in(BERGFELD_OWNER).await;
    let res = stranger
        .get(&format!("/accounts/{}/activity/export?format=csv", adv.id))
        .await;
    assert_eq!(res.status(), 404);
    let res = c
        .get("/accounts/adv_01JD0000000000000000000000/activity/export")
        .await;
    assert_eq!(res.status(), 404);
    // Signed out: to the sign-in page.
    let res = app
        .client()
        .get(&format!("/accounts/{}/activity/export", adv.id))
        .await;
    assert_eq!(res.status(), 303);

    // The activity page shows the filters and the decision badges, without JavaScript.
    let res = c
        .get(&format!("/accounts/{}/activity?decision=deny", adv.id))
        .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("policy_denied"), "the reason is shown");
    assert!(html.contains("<label for=\"activity-decision\""));
    assert!(html.contains("activity/export?format=jsonl"));
    let res = c
        .get(&format!("/accounts/{}/activity?since=someday", adv.id))
        .await;
    assert_eq!(res.status(), 400);
}

/// `charter audit verify` exits 0 on an intact database and 1, naming the seq, on a tampered
/// one; `charter audit export` writes the account's events.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_verifies_and_exports() {
    let dir = std::env::temp_dir().join(format!(
        "charter-audit-cli-{}",
        ulid::Ulid::new().to_string().to_lowercase()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let _dir = TempDir(dir.clone());
    let url = format!("sqlite://{}/charter.db", dir.display());
    let db = charter_server::prepare_database(&url, true).await.unwrap();
    let adv = db
        .store()
        .search_advertisers(demo::NORTHWIND, 5)
        .await
        .unwrap()
        .remove(0);
    db.close().await;

    let charter = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_charter"))
            .args(args)
            .env_remove("DATABASE_URL")
            .env("RUST_LOG", "warn")
            .output()
            .expect("run charter")
    };
    let out = charter(&["audit", "verify", "--database", &url]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("ok      ") && stdout.contains(demo::NORTHWIND),
        "{stdout}"
    );

    let out = charter(&[
        "audit",
        "export",
        "--database",
        &url,
        "--advertiser",
        demo::NORTHWIND,
        "--format",
        "jsonl",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exported = String::from_utf8_lossy(&out.stdout);
    assert!(exported.lines().count() > 5);
    assert!(
        exported
            .lines()
            .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
    );

    // Tamper with the file directly.
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query("UPDATE audit_events SET reason = 'nothing happened' WHERE chain = $1 AND seq = 4")
        .bind(adv.id.as_str())
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let out = charter(&[
        "audit",
        "verify",
        "--database",
        &url,
        "--advertiser",
        adv.id.as_str(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("BROKEN") && stdout.contains("hash mismatch at seq 4"),
        "{stdout}"
    );
    // All chains: the others are fine, the exit status still says broken.
    let out = charter(&["audit", "verify", "--database", &url]);
    assert_eq!(out.status.code(), Some(1));
    // Bad input: a clear error, not a panic.
    let out = charter(&[
        "audit",
        "verify",
        "--database",
        &url,
        "--advertiser",
        "Nobody Inc",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no advertiser named `Nobody Inc`"));
}
