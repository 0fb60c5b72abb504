//! The audit trail on the server side: the [`AuditWriter`] (group commit of decision events)
//! and the activity export (CSV / JSON Lines), served at `/accounts/:adv/activity/export` and by
//! `charter audit export`.
//!
//! Changes are audited inside their own transaction by the store. Decisions are many and sit
//! on the request path, so they go through the writer instead: `record` only enqueues, and one
//! task writes everything queued with one `append_decisions` call (one transaction, chained).

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use charter_store::model::*;
use charter_store::{AuditStore, DynStore, NewAuditEvent, StoreError};
use futures_util::StreamExt;
use http::{HeaderValue, StatusCode, header};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tower_sessions::Session;

/// The writer's task has stopped (the runtime is shutting down).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the audit writer has stopped")]
pub struct WriterStopped;

enum Msg {
    Record(Box<DecisionEvent>),
    Flush(oneshot::Sender<()>),
}

/// Appends decision events in groups. Cheap to clone; every clone feeds the same task.
///
/// - [`AuditWriter::record`] enqueues on a bounded channel and returns the event's id at once.
///   When the queue is full it waits (back-pressure): an event is never dropped.
/// - The task takes everything queued and writes it with one
///   [`append_decisions`](charter_store::AuditStore::append_decisions) call. A failed write is
///   logged and retried with exponential backoff (50 ms up to 5 s) until it succeeds.
/// - [`AuditWriter::flush`] returns once everything recorded before it is durable.
#[derive(Clone)]
pub struct AuditWriter {
    tx: mpsc::Sender<Msg>,
}

impl AuditWriter {
    /// How many events may wait in the queue, and so the largest batch.
    pub const CAPACITY: usize = 16_384;

    /// Starts the writer task on the current runtime.
    pub fn spawn(store: Arc<dyn AuditStore>) -> AuditWriter {
        Self::spawn_with_capacity(store, Self::CAPACITY)
    }

    pub fn spawn_with_capacity(store: Arc<dyn AuditStore>, capacity: usize) -> AuditWriter {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        tokio::spawn(run(store, rx, capacity.max(1)));
        AuditWriter { tx }
    }

    /// Enqueues a decision and returns its id; waits only while the queue is full.
    pub async fn record(&self, event: DecisionEvent) -> Result<EventId, WriterStopped> {
        let id = event.id.clone();
        self.tx
            .send(Msg::Record(Box::new(event)))
            .await
            .map_err(|_| WriterStopped)?;
        Ok(id)
    }

    /// Waits until every event recorded before this call is committed.
    pub async fn flush(&self) -> Result<(), WriterStopped> {
        let (done, wait) = oneshot::channel();
        self.tx
            .send(Msg::Flush(done))
            .await
            .map_err(|_| WriterStopped)?;
        wait.await.map_err(|_| WriterStopped)
    }
}

async fn run(store: Arc<dyn AuditStore>, mut rx: mpsc::Receiver<Msg>, max_batch: usize) {
    let mut msgs = Vec::with_capacity(max_batch);
    let mut batch = Vec::with_capacity(max_batch);
    let mut waiters = Vec::new();
    while rx.recv_many(&mut msgs, max_batch).await > 0 {
        for m in msgs.drain(..) {
            match m {
                Msg::Record(e) => batch.push(*e),
                Msg::Flush(w) => waiters.push(w),
            }
        }
        if !batch.is_empty() {
            write(&*store, std::mem::take(&mut batch)).await;
        }
        for w in waiters.drain(..) {
            let _ = w.send(());
        }
    }
}

/// Writes one batch, retrying until it is stored.
async fn write(store: &dyn AuditStore, mut batch: Vec<DecisionEvent>) {
    let mut delay = Duration::from_millis(50);
    let mut attempt = 0u32;
    loop {
        let err = match store.append_decisions(batch.clone()).await {
            Ok(_) => return,
            Err(e) => e,
        };
        attempt += 1;
        tracing::error!(error = %err, attempt, events = batch.len(), "writing audit decisions failed; retrying");
        if matches!(err, StoreError::Conflict(_)) {
            // A commit whose outcome was unknown may have stored the batch: keep the rest.
            let ids: Vec<EventId> = batch.iter().map(|d| d.id.clone()).collect();
            if let Ok(existing) = store.existing_events(&ids).await {
                let existing: std::collections::HashSet<EventId> = existing.into_iter().collect();
                batch.retain(|d| !existing.contains(&d.id));
                if batch.is_empty() {
                    return;
                }
            }
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}

// --- export ----------------------------------------------------------------------------------

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Jsonl,
}

impl ExportFormat {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        match s.trim() {
            "csv" => Ok(ExportFormat::Csv),
            "jsonl" => Ok(ExportFormat::Jsonl),
            other => Err(ParseError::Invalid {
                what: "export format (use csv or jsonl)",
                value: other.chars().take(32).collect(),
            }),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Jsonl => "jsonl",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Jsonl => "application/x-ndjson; charset=utf-8",
        }
    }

    /// What goes before the first event (the CSV header line).
    pub fn header(self) -> &'static str {
        match self {
            ExportFormat::Csv => CSV_HEADER,
            ExportFormat::Jsonl => "",
        }
    }

    /// One event as a line (with its newline).
    pub fn line(self, e: &AuditEvent) -> String {
        match self {
            ExportFormat::Csv => csv_line(e),
            ExportFormat::Jsonl => jsonl_line(e),
        }
    }
}

pub const CSV_HEADER: &str = "seq,id,created_at,actor_kind,actor_id,actor_label,action,decision,catalog_action,agent_id,partner_id,target_kind,target_id,amount_minor,reason,before,after,prev_hash,hash\n";

/// A CSV field: quoted when it holds a comma, quote or line break. Text that a spreadsheet would
/// run as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a leading `'`; the JSON Lines
/// export keeps every value exactly as stored (and verifiable).
fn csv_text(out: &mut String, v: &str) {
    let formula = v.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = formula || v.contains([',', '"', '\n', '\r']);
    if quote {
        out.push('"');
    }
    if formula {
        out.push('\'');
    }
    for c in v.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    if quote {
        out.push('"');
    }
}

pub fn csv_line(e: &AuditEvent) -> String {
    let mut out = String::with_capacity(256);
    let seq = e.seq.map(|s| s.to_string()).unwrap_or_default();
    out.push_str(&seq);
    let texts: [&str; 18] = [
        e.id.as_str(),
        &charter_store::canonical_time(&e.created_at),
        &e.actor_kind,
        e.actor_id.as_deref().unwrap_or(""),
        &e.actor_label,
        &e.action,
        e.decision.as_deref().unwrap_or(""),
        e.catalog_action.as_deref().unwrap_or(""),
        e.agent_id.as_deref().unwrap_or(""),
        e.partner_id.as_ref().map_or("", |p| p.as_str()),
        &e.target_kind,
        &e.target_id,
        "",
        e.reason.as_deref().unwrap_or(""),
        e.before.as_deref().unwrap_or(""),
        e.after.as_deref().unwrap_or(""),
        e.prev_hash.as_deref().unwrap_or(""),
        e.hash.as_deref().unwrap_or(""),
    ];
    for (i, t) in texts.iter().enumerate() {
        out.push(',');
        if i == 12 {
            // amount_minor: a number, never treated as a formula.
            if let Some(a) = e.amount_minor {
                out.push_str(&a.to_string());
            }
        } else {
            csv_text(&mut out, t);
        }
    }
    out.push('\n');
    out
}

/// One event as a JSON object on one line, with every stored column (so the export can be
/// checked against the chain: `created_at` in the canonical format).
pub fn jsonl_line(e: &AuditEvent) -> String {
    let v = serde_json::json!({
        "chain": e.chain,
        "seq": e.seq,
        "id": e.id.as_str(),
        "created_at": charter_store::canonical_time(&e.created_at),
        "advertiser_id": e.advertiser_id.as_ref().map(|a| a.as_str()),
        "partner_id": e.partner_id.as_ref().map(|p| p.as_str()),
        "actor_kind": e.actor_kind,
        "actor_id": e.actor_id,
        "actor_label": e.actor_label,
        "action": e.action,
        "target_kind": e.target_kind,
        "target_id": e.target_id,
        "before_state": e.before,
        "after_state": e.after,
        "reason": e.reason,
        "agent_id": e.agent_id,
        "decision": e.decision,
        "catalog_action": e.catalog_action,
        "amount_minor": e.amount_minor,
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    });
    let mut s = v.to_string();
    s.push('\n');
    s
}

/// Writes an account's filtered events to `out` in `format`; returns how many.
pub async fn export_to<W: std::io::Write>(
    store: &dyn AuditStore,
    advertiser: &AdvertiserId,
    filter: &ActivityFilter,
    format: ExportFormat,
    out: &mut W,
) -> Result<u64, ExportError> {
    out.write_all(format.header().as_bytes())?;
    let mut events = store.export_events(advertiser, filter);
    let mut n = 0;
    while let Some(e) = events.next().await {
        out.write_all(format.line(&e?).as_bytes())?;
        n += 1;
    }
    out.flush()?;
    Ok(n)
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write the export: {0}")]
    Io(#[from] std::io::Error),
}

/// The query of `/accounts/:adv/activity/export`.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ExportQuery {
    pub format: Option<String>,
    pub agent: Option<String>,
    pub action: Option<String>,
    pub decision: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
}

fn fail(error: app::error::AppError) -> Response {
    crate::middleware::error_response(&error, true)
}

/// `GET /accounts/:adv/activity/export?format=csv|jsonl&agent=…&action=…&decision=…&since=…&until=…`:
/// the account's filtered activity as a download, for anyone who may see the account's
/// activity (a stranger gets 404, exactly as for an unknown account). The export is itself
/// audited (`activity.exported`).
pub async fn export_handler(
    State(store): State<DynStore>,
    session: Session,
    Path(adv): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Response {
    use app::error::AppError;
    use app::session::server::{Access, account_access_with, actor, session_person};
    let person = match session_person(&store, &session).await {
        Ok(Some(p)) => p,
        Ok(None) => return fail(AppError::Unauthorized),
        Err(e) => return fail(e),
    };
    let (advertiser, access) =
        match account_access_with(&store, &session, &person, &adv, "activity export").await {
            Ok(a) => a,
            Err(e) => return fail(e),
        };
    let format = match ExportFormat::parse(q.format.as_deref().unwrap_or("csv")) {
        Ok(f) => f,
        Err(e) => return fail(e.into()),
    };
    let filter = match ActivityFilter::parse(
        q.agent.as_deref(),
        q.action.as_deref(),
        q.decision.as_deref(),
        q.since.as_deref(),
        q.until.as_deref(),
    ) {
        Ok(f) => f,
        Err(e) => return fail(e.into()),
    };
    let filters: serde_json::Map<String, serde_json::Value> = filter
        .query_pairs()
        .into_iter()
        .map(|(k, v)| (k.to_string(), serde_json::Value::String(v)))
        .collect();
    let recorded = store
        .record_event(NewAuditEvent {
            advertiser_id: Some(advertiser.id.clone()),
            partner_id: None,
            actor: actor(&person),
            action: "activity.exported",
            target_kind: "advertiser",
            target_id: advertiser.id.to_string(),
            before: None,
            after: Some(serde_json::json!({ "format": format.as_str(), "filters": filters })),
            reason: match &access {
                Access::Support(v) => Some(v.reason.clone()),
                Access::Member(_) => None,
            },
        })
        .await;
    if let Err(e) = recorded {
        return fail(e.into());
    }

    // Stream the rows: a task reads them and sends chunks of about 64 KiB.
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    let id = advertiser.id.clone();
    tokio::spawn(async move {
        let mut buf = String::from(format.header());
        let mut events = store.export_events(&id, &filter);
        while let Some(e) = events.next().await {
            match e {
                Ok(e) => buf.push_str(&format.line(&e)),
                Err(err) => {
                    tracing::error!(error = %err, "activity export failed");
                    let _ = tx.send(Err(std::io::Error::other("export failed"))).await;
                    return;
                }
            }
            if buf.len() >= 64 * 1024
                && tx
                    .send(Ok(Bytes::from(std::mem::take(&mut buf))))
                    .await
                    .is_err()
            {
                return;
            }
        }
        if !buf.is_empty() {
            let _ = tx.send(Ok(Bytes::from(buf))).await;
        }
    });
    // Fused: the compression layer polls once more after the end, which a bare `unfold`
    // answers with a panic (and the client with a reset connection).
    let body = Body::from_stream(
        futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|chunk| (chunk, rx))
        })
        .fuse(),
    );
    let filename = format!(
        "attachment; filename=\"activity-{}-{}.{}\"",
        advertiser.id,
        chrono::Utc::now().format("%Y%m%d-%H%M%S"),
        format.as_str()
    );
    let mut res = (StatusCode::OK, body).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&filename) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> AuditEvent {
        AuditEvent {
            id: EventId::parse("evt_01JD0000000000000000000000").unwrap(),
            advertiser_id: None,
            partner_id: None,
            actor_kind: "agent".into(),
            actor_id: None,
            actor_label: "=HYPERLINK(\"x\")".into(),
            action: "decision.deny".into(),
            target_kind: "resource".into(),
            target_id: "campaign/1,2".into(),
            before: None,
            after: Some("{\"a\":\"b\"}".into()),
            reason: Some("policy_denied".into()),
            created_at: chrono::DateTime::from_timestamp(0, 0).unwrap(),
            decision: Some("deny".into()),
            agent_id: None,
            catalog_action: Some("campaigns:UpdateBudget".into()),
            amount_minor: Some(-5),
            chain: Some(String::new()),
            seq: Some(7),
            prev_hash: None,
            hash: None,
        }
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let line = csv_line(&event());
        assert_eq!(
            line,
            "7,evt_01JD0000000000000000000000,1970-01-01T00:00:00.000000Z,agent,,\"'=HYPERLINK(\"\"x\"\")\",decision.deny,deny,campaigns:UpdateBudget,,,resource,\"campaign/1,2\",-5,policy_denied,,\"{\"\"a\"\":\"\"b\"\"}\",,\n"
        );
    }

    #[test]
    fn jsonl_is_one_line_per_event() {
        let line = jsonl_line(&event());
        assert!(line.ends_with('\n') && line.matches('\n').count() == 1);
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["actor_label"], "=HYPERLINK(\"x\")");
        assert_eq!(v["seq"], 7);
    }
}
