//! The tamper-evident audit trail: [`AuditStore`] (implemented for both backends in
//! `sql/audit.rs`), the canonical encoding of a chained row and the pure [`verify`].
//!
//! # Chains
//!
//! Every audit event belongs to one *chain*: its advertiser's id, or `""` for events without an
//! advertiser (people, partners). Within a chain events are numbered `seq` = 1, 2, 3, … and each
//! row stores `prev_hash` (the hash of the row before it, [`GENESIS_HASH`] for seq 1) and
//!
//! ```text
//! hash = hex(SHA-256(prev_hash || canonical_encoding(row)))
//! ```
//!
//! where `prev_hash` enters as its 64 ASCII hex digits. `audit_chain_heads` keeps the last seq
//! and hash of every chain, so a deleted tail is detected as well as an edited, deleted or
//! reordered row. The head is read with `FOR UPDATE` on PostgreSQL (SQLite write transactions
//! take the database lock up front), so concurrent writers, in any number of processes, never
//! fork a chain.
//!
//! # Canonical encoding, version 1
//!
//! A sequence of fields, each written as
//!
//! - `0x00` for SQL `NULL`, or
//! - `0x01`, the byte length as a big-endian `u64`, then the UTF-8 bytes,
//!
//! so no two different rows share an encoding. The fields, in this order:
//!
//! 1. the version tag `charter.audit.v1`
//! 2. `id`, `chain`, `seq` (decimal)
//! 3. `advertiser_id`, `partner_id`, `actor_kind`, `actor_id`, `actor_label`, `action`,
//!    `target_kind`, `target_id`, `before_state`, `after_state`, `reason`
//! 4. `agent_id`, `decision`, `catalog_action`, `amount_minor` (decimal)
//! 5. `created_at` as RFC 3339 in UTC with exactly six fractional digits
//!    (`2026-11-22T10:04:05.123456Z`); timestamps are stored at microsecond precision so that
//!    PostgreSQL round-trips them.
//!
//! A new encoding gets a new tag; rows keep the version they were written with.

use super::{NewAuditEvent, Result};
use crate::model::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures_util::stream::BoxStream;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first event of every chain.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The version tag that opens the canonical encoding.
pub const ENCODING_V1: &str = "charter.audit.v1";

/// One stored event with its chain fields, as hashed. Values are kept as stored (strings, not
/// parsed ids), so a corrupted row can still be verified and reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainRow {
    pub id: String,
    pub chain: String,
    pub seq: i64,
    pub prev_hash: String,
    pub hash: String,
    pub advertiser_id: Option<String>,
    pub partner_id: Option<String>,
    pub actor_kind: String,
    pub actor_id: Option<String>,
    pub actor_label: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub before_state: Option<String>,
    pub after_state: Option<String>,
    pub reason: Option<String>,
    pub agent_id: Option<String>,
    pub decision: Option<String>,
    pub catalog_action: Option<String>,
    pub amount_minor: Option<i64>,
    pub created_at: DateTime<Utc>,
}

fn field(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        None => out.push(0),
        Some(v) => {
            out.push(1);
            out.extend_from_slice(&(v.len() as u64).to_be_bytes());
            out.extend_from_slice(v.as_bytes());
        }
    }
}

/// `created_at` as the encoding writes it: UTC, six fractional digits.
pub fn canonical_time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Writes the version-1 canonical encoding of `row` (everything but `prev_hash` and `hash`)
/// into `out`, which is cleared first.
pub fn canonical_encoding_into(row: &ChainRow, out: &mut Vec<u8>) {
    out.clear();
    let seq = row.seq.to_string();
    let amount = row.amount_minor.map(|a| a.to_string());
    let created = canonical_time(&row.created_at);
    for value in [
        Some(ENCODING_V1),
        Some(row.id.as_str()),
        Some(row.chain.as_str()),
        Some(seq.as_str()),
        row.advertiser_id.as_deref(),
        row.partner_id.as_deref(),
        Some(row.actor_kind.as_str()),
        row.actor_id.as_deref(),
        Some(row.actor_label.as_str()),
        Some(row.action.as_str()),
        Some(row.target_kind.as_str()),
        Some(row.target_id.as_str()),
        row.before_state.as_deref(),
        row.after_state.as_deref(),
        row.reason.as_deref(),
        row.agent_id.as_deref(),
        row.decision.as_deref(),
        row.catalog_action.as_deref(),
        amount.as_deref(),
        Some(created.as_str()),
    ] {
        field(out, value);
    }
}

/// The version-1 canonical encoding of `row`.
pub fn canonical_encoding(row: &ChainRow) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    canonical_encoding_into(row, &mut out);
    out
}

/// `hex(SHA-256(prev_hash || encoding))`.
pub fn chain_hash(prev_hash: &str, encoding: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(encoding);
    hex::encode(h.finalize())
}

/// The hash `row` should carry, from its stored `prev_hash` and its content.
pub fn row_hash(row: &ChainRow) -> String {
    chain_hash(&row.prev_hash, &canonical_encoding(row))
}

/// The last seq and hash of a chain, as `audit_chain_heads` records them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    pub chain: String,
    pub seq: i64,
    pub hash: String,
}

/// How a chain is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakKind {
    /// The row's content does not hash to its stored hash (the row was edited).
    HashMismatch,
    /// The row's `prev_hash` is not the hash of the row before it (rows were reordered,
    /// replaced or re-linked).
    PrevHashMismatch,
    /// A seq is missing (a row was deleted).
    SeqGap,
    /// The chain does not end where its head says (the tail was deleted, or the head was
    /// altered or removed).
    HeadMismatch,
}

impl BreakKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BreakKind::HashMismatch => "hash mismatch",
            BreakKind::PrevHashMismatch => "prev_hash mismatch",
            BreakKind::SeqGap => "seq gap",
            BreakKind::HeadMismatch => "head mismatch",
        }
    }
}

impl std::fmt::Display for BreakKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The first broken link of a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// The first seq that is wrong: the edited or re-linked row, the first missing seq, or for a
    /// head mismatch the seq the head names (or the first missing one past the last row).
    pub seq: i64,
    /// The row where the break was seen, if there is one (for a gap, the row after it).
    pub event_id: Option<String>,
    pub kind: BreakKind,
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at seq {}", self.kind, self.seq)?;
        if let Some(id) = &self.event_id {
            write!(f, " (event {id})")?;
        }
        Ok(())
    }
}

/// The result of verifying one chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub chain: String,
    /// How many rows were read.
    pub events: u64,
    pub first_break: Option<Break>,
}

impl ChainReport {
    pub fn is_intact(&self) -> bool {
        self.first_break.is_none()
    }
}

/// Verifies a chain row by row, in seq order, without holding the rows: feed it with
/// [`ChainVerifier::push`], then [`ChainVerifier::finish`] with the chain's head.
#[derive(Debug)]
pub struct ChainVerifier {
    chain: String,
    next_seq: i64,
    prev_hash: String,
    events: u64,
    first_break: Option<Break>,
    scratch: Vec<u8>,
}

impl ChainVerifier {
    pub fn new(chain: &str) -> Self {
        Self {
            chain: chain.to_string(),
            next_seq: 1,
            prev_hash: GENESIS_HASH.to_string(),
            events: 0,
            first_break: None,
            scratch: Vec::with_capacity(512),
        }
    }

    fn broke(&mut self, seq: i64, event_id: Option<&str>, kind: BreakKind) {
        if self.first_break.is_none() {
            self.first_break = Some(Break {
                seq,
                event_id: event_id.map(str::to_string),
                kind,
            });
        }
    }

    /// Checks the next row (rows must come in ascending seq order).
    pub fn push(&mut self, row: &ChainRow) {
        let hash_ok = {
            canonical_encoding_into(row, &mut self.scratch);
            chain_hash(&row.prev_hash, &self.scratch) == row.hash
        };
        self.push_checked(row.seq, &row.id, &row.prev_hash, &row.hash, hash_ok);
    }

    /// Like [`ChainVerifier::push`] when the hash was already recomputed (`hash_ok`), e.g. on
    /// another thread.
    pub fn push_checked(&mut self, seq: i64, id: &str, prev_hash: &str, hash: &str, hash_ok: bool) {
        self.events += 1;
        if seq != self.next_seq {
            let missing = self.next_seq;
            self.broke(missing, Some(id), BreakKind::SeqGap);
        } else if prev_hash != self.prev_hash {
            self.broke(seq, Some(id), BreakKind::PrevHashMismatch);
        } else if !hash_ok {
            self.broke(seq, Some(id), BreakKind::HashMismatch);
        }
        // Carry on from the stored values, so one edit is reported once.
        self.next_seq = seq.saturating_add(1);
        self.prev_hash.clear();
        self.prev_hash.push_str(hash);
    }

    /// Rows checked so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Compares the end of the chain with its head and returns the report.
    pub fn finish(mut self, head: Option<&ChainHead>) -> ChainReport {
        let last = self.next_seq - 1;
        match head {
            None if self.events > 0 => self.broke(last, None, BreakKind::HeadMismatch),
            None => {}
            Some(h) if h.seq > last => self.broke(last + 1, None, BreakKind::HeadMismatch),
            Some(h) if h.seq < last || h.hash != self.prev_hash => {
                self.broke(h.seq.max(0), None, BreakKind::HeadMismatch)
            }
            Some(_) => {}
        }
        ChainReport {
            chain: self.chain,
            events: self.events,
            first_break: self.first_break,
        }
    }
}

/// Verifies `rows` (in seq order) against `head`: recomputes every hash and reports the first
/// broken link.
pub fn verify(
    chain: &str,
    rows: impl IntoIterator<Item = ChainRow>,
    head: Option<&ChainHead>,
) -> ChainReport {
    let mut v = ChainVerifier::new(chain);
    for row in rows {
        v.push(&row);
    }
    v.finish(head)
}

/// The access audit store: decision events, chains and their verification, filtered reads.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends a batch of decisions in one transaction (multi-row inserts), chained. Returns
    /// the events' ids in batch order.
    async fn append_decisions(&self, batch: Vec<DecisionEvent>) -> Result<Vec<EventId>>;
    /// Which of `ids` are stored already (for a retry after a commit of unknown outcome).
    async fn existing_events(&self, ids: &[EventId]) -> Result<Vec<EventId>>;
    /// Chains every event that has no place in a chain yet (rows written before the chain
    /// existed), in id order per chain. Idempotent; returns how many rows it chained.
    async fn chain_unchained_events(&self) -> Result<u64>;
    /// Every chain that has a head or an event.
    async fn audit_chains(&self) -> Result<Vec<String>>;
    async fn audit_chain_head(&self, chain: &str) -> Result<Option<ChainHead>>;
    /// The chain's rows in seq order, streamed from the database.
    fn audit_chain_rows<'a>(&'a self, chain: &'a str) -> BoxStream<'a, Result<ChainRow>>;
    /// Events outside every chain (written around the store, e.g. by raw SQL).
    async fn unchained_event_count(&self) -> Result<u64>;
    /// One page of an account's events, newest first, filtered.
    async fn activity(
        &self,
        advertiser: &AdvertiserId,
        filter: &ActivityFilter,
        page: u32,
        per_page: u32,
    ) -> Result<Page<AuditEvent>>;
    /// An account's events in chain order (oldest first), filtered, streamed.
    fn export_events<'a>(
        &'a self,
        advertiser: &'a AdvertiserId,
        filter: &'a ActivityFilter,
    ) -> BoxStream<'a, Result<AuditEvent>>;

    /// Verifies one chain: reads its head and streams its rows in seq order through a
    /// [`ChainVerifier`], both in one read snapshot (so concurrent appends are not mistaken for
    /// a broken tail). `progress` is called with the count of rows read every few thousand rows.
    async fn verify_chain(
        &self,
        chain: &str,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<ChainReport>;

    /// Appends an event that records a look rather than a change (support views).
    async fn record_event(&self, event: NewAuditEvent) -> Result<AuditEvent>;
    async fn advertiser_events(
        &self,
        advertiser: &AdvertiserId,
        page: u32,
        per_page: u32,
    ) -> Result<Page<AuditEvent>>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn base() -> ChainRow {
        ChainRow {
            id: "evt_01JD0000000000000000000000".into(),
            chain: "adv_01JD0000000000000000000001".into(),
            seq: 1,
            prev_hash: GENESIS_HASH.into(),
            hash: String::new(),
            advertiser_id: Some("adv_01JD0000000000000000000001".into()),
            partner_id: None,
            actor_kind: "person".into(),
            actor_id: Some("per_01JD0000000000000000000002".into()),
            actor_label: "Ada <ada@example.com>".into(),
            action: "grant.revoked".into(),
            target_kind: "grant".into(),
            target_id: "grt_01JD0000000000000000000003".into(),
            before_state: Some(r#"{"status":"active"}"#.into()),
            after_state: Some(r#"{"status":"revoked"}"#.into()),
            reason: None,
            agent_id: None,
            decision: None,
            catalog_action: None,
            amount_minor: None,
            created_at: Utc.with_ymd_and_hms(2026, 11, 22, 10, 4, 5).unwrap()
                + chrono::Duration::microseconds(123_456),
        }
    }

    /// Golden hashes of the version-1 encoding (the first was cross-checked with an independent
    /// implementation of the documented encoding). A change here breaks every stored chain: give
    /// the new encoding a new version tag instead.
    #[test]
    fn canonical_encoding_golden_hashes() {
        type Edit = fn(&mut ChainRow);
        let cases: &[(&str, Edit, &str)] = &[
            (
                "a change at genesis",
                |_| {},
                "9838e6e95d07fd39686bb4b1b62bc652c47a70ab16aebd3150a37dbe4b0aa3c4",
            ),
            (
                "an empty reason is not a missing one",
                |r| r.reason = Some(String::new()),
                "4427676bddd2b65d955d0b5b844b07778ac9b57af92ccea9e5860977f9149880",
            ),
            (
                "a decision",
                |r| {
                    r.action = "decision.deny".into();
                    r.actor_kind = "agent".into();
                    r.decision = Some("deny".into());
                    r.catalog_action = Some("campaigns:UpdateBudget".into());
                    r.amount_minor = Some(-250_000);
                    r.agent_id = Some("agt_01JD0000000000000000000004".into());
                    r.reason = Some("policy_denied".into());
                },
                "4f219a060e1a0b2b3737d7a67ce3008fb76a8e62b5a095f46dffba8c71f04874",
            ),
            (
                "later in the chain",
                |r| {
                    r.seq = 42;
                    r.prev_hash = "ab".repeat(32);
                },
                "1bade3a0c649f3e4c1c6f97253e39e10e95ce548872ec502ea3d0d26ec41b4e5",
            ),
            (
                "the global chain",
                |r| {
                    r.chain = String::new();
                    r.advertiser_id = None;
                    r.created_at = Utc.with_ymd_and_hms(1999, 12, 31, 23, 59, 59).unwrap();
                },
                "b0cec623f590076841bd1fb1a486d0f2fdf4b025f36900d59c53346619ce7a86",
            ),
        ];
        let mut failures = Vec::new();
        for (name, edit, expected) in cases {
            let mut row = base();
            edit(&mut row);
            let got = row_hash(&row);
            if got != *expected {
                failures.push(format!("{name}: expected {expected}, got {got}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn the_encoding_is_unambiguous() {
        let mut a = base();
        let mut b = base();
        a.actor_kind = "ab".into();
        a.actor_id = Some("c".into());
        b.actor_kind = "a".into();
        b.actor_id = Some("bc".into());
        assert_ne!(canonical_encoding(&a), canonical_encoding(&b));
        let (mut a, mut b) = (base(), base());
        a.reason = None;
        b.reason = Some(String::new());
        assert_ne!(canonical_encoding(&a), canonical_encoding(&b));
        assert_eq!(
            canonical_time(&base().created_at),
            "2026-11-22T10:04:05.123456Z"
        );
    }

    fn chain_of(n: i64) -> Vec<ChainRow> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let mut r = base();
                r.id = format!("evt_01JD00000000000000000000{seq:02}");
                r.seq = seq;
                r.prev_hash = prev.clone();
                r.hash = row_hash(&r);
                prev = r.hash.clone();
                r
            })
            .collect()
    }

    fn head(rows: &[ChainRow]) -> ChainHead {
        let last = rows.last().unwrap();
        ChainHead {
            chain: last.chain.clone(),
            seq: last.seq,
            hash: last.hash.clone(),
        }
    }

    fn first_break(rows: Vec<ChainRow>, h: &ChainHead) -> Option<(i64, BreakKind)> {
        verify("c", rows, Some(h))
            .first_break
            .map(|b| (b.seq, b.kind))
    }

    #[test]
    fn verify_finds_the_first_broken_link() {
        let rows = chain_of(5);
        let h = head(&rows);
        assert_eq!(verify("c", rows.clone(), Some(&h)).events, 5);
        assert_eq!(first_break(rows.clone(), &h), None);

        let mut edited = rows.clone();
        edited[2].reason = Some("forged".into());
        assert_eq!(first_break(edited, &h), Some((3, BreakKind::HashMismatch)));

        let mut gap = rows.clone();
        gap.remove(1);
        assert_eq!(first_break(gap, &h), Some((2, BreakKind::SeqGap)));

        let truncated = rows[..4].to_vec();
        assert_eq!(
            first_break(truncated, &h),
            Some((5, BreakKind::HeadMismatch))
        );

        let mut swapped = rows.clone();
        swapped.swap(1, 2);
        swapped[1].seq = 2;
        swapped[2].seq = 3;
        assert_eq!(
            first_break(swapped, &h),
            Some((2, BreakKind::PrevHashMismatch))
        );

        let mut relinked = rows.clone();
        relinked[3].prev_hash = GENESIS_HASH.into();
        assert_eq!(
            first_break(relinked, &h),
            Some((4, BreakKind::PrevHashMismatch))
        );

        let forged_head = ChainHead {
            hash: "00".repeat(32),
            ..h.clone()
        };
        assert_eq!(
            first_break(rows.clone(), &forged_head),
            Some((5, BreakKind::HeadMismatch))
        );
        assert_eq!(
            verify("c", rows, None).first_break.map(|b| b.kind),
            Some(BreakKind::HeadMismatch)
        );
        assert!(verify("c", Vec::new(), None).is_intact());
    }
}
