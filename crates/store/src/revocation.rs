//! The revocation index: what every token check consults, in memory, on every request.
//!
//! It holds the state of every grant (status, version, time bounds), the disabled agents and
//! the individually revoked tokens. The store updates it right after the commit of every change
//! that can take access away, before the change is reported back, so the very next request in
//! this process sees it. On PostgreSQL the same change is sent with `pg_notify` inside the
//! committing transaction (delivered exactly when it commits; both steps are the store's
//! `WriteTx`, so no mutation can skip one), and every other `charter serve`
//! process applies it from its `LISTEN` connection (`crate::spawn_revocation_listener`).
//!
//! A grant the index has never seen (created in another process a moment ago) is looked up in
//! the database by the caller, never assumed valid: see [`Lookup::Unknown`].
//!
//! The token-signing keys travel the same path: a rotation or retirement sends
//! [`Change::SigningKeys`], and every process's key ring reloads when
//! [`RevocationIndex::key_changes`] moves (on SQLite, which has no notifications, the server
//! polls the keys instead; see `charter_server::tokens::keys`).

use crate::model::*;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::RwLock;

/// The channel PostgreSQL notifications travel on.
pub const CHANNEL: &str = "charter_revocation";

/// The state of one grant as token checks need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantState {
    pub id: String,
    pub status: GrantStatus,
    pub version: u32,
    pub not_before: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl From<&Grant> for GrantState {
    fn from(g: &Grant) -> Self {
        GrantState {
            id: g.id.to_string(),
            status: g.status,
            version: g.version,
            not_before: g.not_before,
            expires_at: g.expires_at,
        }
    }
}

/// One change that can take access away (or give it back, for a new grant version).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    Grant(GrantState),
    Agent {
        id: String,
        disabled: bool,
    },
    Tokens {
        jtis: Vec<String>,
        expires_at: DateTime<Utc>,
    },
    /// A signing key was added or retired: reload the key ring.
    SigningKeys,
}

pub use crate::revoked::Revoked;

/// The answer of [`RevocationIndex::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Valid,
    Denied(Revoked),
    /// The grant is not in the index: load it ([`RevocationIndex::apply`]) and ask again.
    Unknown,
}

#[derive(Default)]
struct State {
    grants: HashMap<String, GrantState>,
    disabled_agents: HashSet<String>,
    revoked_tokens: HashMap<String, DateTime<Utc>>,
}

/// See the module documentation.
pub struct RevocationIndex {
    state: RwLock<State>,
    /// Counts signing-key changes (and full reloads, after which keys may have changed too).
    keys: tokio::sync::watch::Sender<u64>,
}

impl Default for RevocationIndex {
    fn default() -> Self {
        RevocationIndex {
            state: RwLock::default(),
            keys: tokio::sync::watch::Sender::new(0),
        }
    }
}

impl std::fmt::Debug for RevocationIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RevocationIndex")
    }
}

impl RevocationIndex {
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves whenever the signing keys may have changed: a [`Change::SigningKeys`] from any
    /// process, or a full [`load`](Self::load) (after a lost notification connection).
    pub fn key_changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.keys.subscribe()
    }

    fn keys_changed(&self) {
        self.keys.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Replaces everything (at start-up, and after the notification connection was lost).
    pub fn load(
        &self,
        grants: Vec<GrantState>,
        disabled_agents: Vec<String>,
        revoked_tokens: Vec<(String, DateTime<Utc>)>,
    ) {
        let fresh = State {
            grants: grants.into_iter().map(|g| (g.id.clone(), g)).collect(),
            disabled_agents: disabled_agents.into_iter().collect(),
            revoked_tokens: revoked_tokens.into_iter().collect(),
        };
        match self.state.write() {
            Ok(mut s) => *s = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        self.keys_changed();
    }

    pub fn apply(&self, change: &Change) {
        if let Change::SigningKeys = change {
            self.keys_changed();
            return;
        }
        let mut s = match self.state.write() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        match change {
            Change::Grant(g) => {
                // Versions only grow: a late notification never undoes a newer local change.
                // A revoked grant stays revoked.
                // (A revoked grant comes back only as a newer version: re-approved consent.)
                let stale = s.grants.get(&g.id).is_some_and(|cur| {
                    cur.version > g.version
                        || (cur.version == g.version
                            && cur.status == GrantStatus::Revoked
                            && g.status != GrantStatus::Revoked)
                });
                if !stale {
                    s.grants.insert(g.id.clone(), g.clone());
                }
            }
            Change::Agent { id, disabled } => {
                if *disabled {
                    s.disabled_agents.insert(id.clone());
                } else {
                    s.disabled_agents.remove(id);
                }
            }
            Change::Tokens { jtis, expires_at } => {
                let now = Utc::now();
                s.revoked_tokens.retain(|_, exp| *exp > now);
                for j in jtis {
                    s.revoked_tokens.insert(j.clone(), *expires_at);
                }
            }
            Change::SigningKeys => {}
        }
    }

    /// Checks a token's grant (id and the version it was minted under), its agents (the holder
    /// and every actor before it) and its own id and its ancestors' ids.
    pub fn check(
        &self,
        grant: &str,
        version: u32,
        agents: &[&str],
        jtis: &[&str],
        now: DateTime<Utc>,
    ) -> Lookup {
        let s = match self.state.read() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        for j in jtis {
            if s.revoked_tokens.contains_key(*j) {
                return Lookup::Denied(Revoked::TokenRevoked((*j).to_string()));
            }
        }
        for a in agents {
            if s.disabled_agents.contains(*a) {
                return Lookup::Denied(Revoked::AgentDisabled((*a).to_string()));
            }
        }
        let Some(g) = s.grants.get(grant) else {
            return Lookup::Unknown;
        };
        let reason = match g.status {
            GrantStatus::Revoked => Some(Revoked::GrantRevoked),
            GrantStatus::Suspended => Some(Revoked::GrantSuspended),
            GrantStatus::Active if g.version != version => {
                Some(Revoked::GrantChanged { current: g.version })
            }
            GrantStatus::Active if g.not_before.is_some_and(|nb| now < nb) => {
                Some(Revoked::GrantNotYetValid)
            }
            GrantStatus::Active if g.expires_at.is_some_and(|e| now >= e) => {
                Some(Revoked::GrantExpired)
            }
            GrantStatus::Active => None,
        };
        match reason {
            Some(r) => Lookup::Denied(r),
            None => Lookup::Valid,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(status: GrantStatus, version: u32) -> GrantState {
        GrantState {
            id: "grt_1".into(),
            status,
            version,
            not_before: None,
            expires_at: None,
        }
    }

    #[test]
    fn checks_follow_changes() {
        let idx = RevocationIndex::new();
        let now = Utc::now();
        assert_eq!(idx.check("grt_1", 1, &[], &[], now), Lookup::Unknown);
        idx.apply(&Change::Grant(grant(GrantStatus::Active, 1)));
        assert_eq!(
            idx.check("grt_1", 1, &["agt_a"], &["tok_1"], now),
            Lookup::Valid
        );
        assert_eq!(
            idx.check("grt_1", 0, &[], &[], now),
            Lookup::Denied(Revoked::GrantChanged { current: 1 })
        );
        idx.apply(&Change::Tokens {
            jtis: vec!["tok_1".into()],
            expires_at: now + chrono::Duration::minutes(5),
        });
        assert_eq!(
            idx.check("grt_1", 1, &[], &["tok_2", "tok_1"], now),
            Lookup::Denied(Revoked::TokenRevoked("tok_1".into()))
        );
        idx.apply(&Change::Agent {
            id: "agt_a".into(),
            disabled: true,
        });
        assert_eq!(
            idx.check("grt_1", 1, &["agt_a"], &[], now),
            Lookup::Denied(Revoked::AgentDisabled("agt_a".into()))
        );
        idx.apply(&Change::Grant(grant(GrantStatus::Revoked, 1)));
        assert_eq!(
            idx.check("grt_1", 1, &[], &[], now),
            Lookup::Denied(Revoked::GrantRevoked)
        );
        // Revoked stays revoked, and an older version arriving late never undoes a newer one.
        idx.apply(&Change::Grant(grant(GrantStatus::Active, 1)));
        assert_eq!(
            idx.check("grt_1", 1, &[], &[], now),
            Lookup::Denied(Revoked::GrantRevoked)
        );
        idx.apply(&Change::Grant(grant(GrantStatus::Active, 2)));
        assert_eq!(
            idx.check("grt_1", 2, &[], &[], now),
            Lookup::Valid,
            "re-approved as v2"
        );
        let idx = RevocationIndex::new();
        idx.apply(&Change::Grant(grant(GrantStatus::Active, 2)));
        idx.apply(&Change::Grant(grant(GrantStatus::Suspended, 1)));
        assert_eq!(idx.check("grt_1", 2, &[], &[], now), Lookup::Valid);
    }
}
