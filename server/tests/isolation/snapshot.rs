//! "Nothing changed in the store": every row of every table, read straight from the database
//! (not through the store's own queries), compared before and after each refused call.

use charter_store::{Db, Pool};
use sqlx::Row;
use std::collections::BTreeMap;

/// Tables a refused call may write: sessions (an anonymous visit gets one, a CSRF token is
/// made on first use) and the sign-in throttle (every sign-in attempt counts, by design).
const EPHEMERAL: &[&str] = &[
    "tower_sessions",
    "sessions",
    "login_failures",
    "login_throttle",
    "_sqlx_migrations",
];

/// The audit trail: a read a caller is allowed may be recorded there (an export, a support
/// view), and nowhere else.
pub const AUDIT_TRAIL: &[&str] = &["audit_events", "audit_chain_heads"];

/// Per table, a digest of its rows (order-independent) and the row count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot(BTreeMap<String, (u64, String)>);

impl Snapshot {
    /// The tables whose rows differ from `before`'s, with their row counts before and after.
    pub fn changed_since(&self, before: &Snapshot, may_change: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        for (table, now) in self
            .0
            .iter()
            .filter(|(t, _)| !may_change.contains(&t.as_str()))
        {
            match before.0.get(table) {
                Some(then) if then == now => {}
                Some(then) => out.push(format!("{table} ({} → {} rows)", then.0, now.0)),
                None => out.push(format!("{table} (new)")),
            }
        }
        out
    }
}

pub async fn take(db: &Db) -> Snapshot {
    let mut tables = BTreeMap::new();
    match &db.pool {
        Pool::Sqlite(pool) => {
            let names: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
            )
            .fetch_all(pool)
            .await
            .expect("tables");
            for table in names
                .into_iter()
                .filter(|t| !EPHEMERAL.contains(&t.as_str()))
            {
                let columns: Vec<String> =
                    sqlx::query_scalar("SELECT name FROM pragma_table_info(?1) ORDER BY cid")
                        .bind(&table)
                        .fetch_all(pool)
                        .await
                        .expect("columns");
                let row = columns
                    .iter()
                    .map(|c| format!("quote(\"{c}\")"))
                    .collect::<Vec<_>>()
                    .join(" || '|' || ");
                let rows: Vec<String> =
                    sqlx::query_scalar(&format!("SELECT {row} AS r FROM \"{table}\" ORDER BY r"))
                        .fetch_all(pool)
                        .await
                        .expect("rows");
                tables.insert(table, (rows.len() as u64, digest(&rows)));
            }
        }
        Pool::Postgres(pool) => {
            let names: Vec<String> = sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables \
                 WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
            )
            .fetch_all(pool)
            .await
            .expect("tables");
            for table in names
                .into_iter()
                .filter(|t| !EPHEMERAL.contains(&t.as_str()))
            {
                let row = sqlx::query(&format!(
                    "SELECT count(*)::bigint AS n, \
                     coalesce(md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))), '') AS d \
                     FROM \"{table}\" t"
                ))
                .fetch_one(pool)
                .await
                .expect("digest");
                let n: i64 = row.get("n");
                tables.insert(table, (n as u64, row.get::<String, _>("d")));
            }
        }
    }
    Snapshot(tables)
}

fn digest(rows: &[String]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for r in rows {
        h.update(r.as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())
}
