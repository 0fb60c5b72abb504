//! The signing key ring. Keys live in the database (`signing_keys`), so every server process
//! signs and verifies with the same keys. Each key has a numeric id, which Biscuit carries as
//! its root key id and the JWKS publishes as `kid`. Rotation adds a key that becomes the active
//! signer; older keys stay published (and accepted) until they are retired, which must not
//! happen before the last token they signed has expired (at most [`super::MAX_TTL`]).
//!
//! Every server process follows rotations and retirements made anywhere (another server,
//! `charter keys rotate|retire`) within a second: [`watch`] reloads the ring when the store
//! reports a key change (PostgreSQL: the `LISTEN` connection of the revocation index), and on
//! SQLite, which has no notifications, re-reads the key list every [`KEY_POLL_INTERVAL`].

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use biscuit_auth::builder::Algorithm;
use biscuit_auth::{KeyPair, PrivateKey, PublicKey};
use charter_store::{IdentityStore, SigningKeyRecord, StoreError};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use super::sealing::{self, KeyEncryptionKey};

#[derive(Clone)]
struct Entry {
    keypair: Arc<KeyPair>,
    retired_at: Option<DateTime<Utc>>,
}

/// The keys this process signs and verifies with.
#[derive(Default)]
pub struct KeyRing {
    keys: RwLock<BTreeMap<u32, Entry>>,
    /// When the keys were last read, to rate-limit reloads for unknown key ids.
    loaded_at: std::sync::Mutex<Option<std::time::Instant>>,
    /// Encrypts keys at rest ([`super::sealing`]); `None`: keys are stored in plain text.
    sealing: Option<KeyEncryptionKey>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyRing")
    }
}

fn corrupt(kid: u32) -> StoreError {
    StoreError::Corrupt(format!("signing key `{kid}`"))
}

fn entry(r: &SigningKeyRecord, sealing: Option<&KeyEncryptionKey>) -> Result<Entry, StoreError> {
    let hex = if sealing::is_sealed(&r.private_key) {
        let kek = sealing.ok_or_else(|| {
            StoreError::Corrupt(format!(
                "signing key `{}` is encrypted at rest: set {} (or {}) to the key-encryption key",
                r.kid,
                sealing::ENV_KEY,
                sealing::ENV_KEY_FILE
            ))
        })?;
        kek.open(r.kid, &r.private_key)
            .map_err(StoreError::Corrupt)?
    } else {
        r.private_key.clone()
    };
    let private =
        PrivateKey::from_bytes_hex(&hex, Algorithm::Ed25519).map_err(|_| corrupt(r.kid))?;
    Ok(Entry {
        keypair: Arc::new(KeyPair::from(&private)),
        retired_at: r.retired_at,
    })
}

/// How often a server on SQLite re-reads the key list (a few rows; the ring is rebuilt only
/// when a key was added or retired).
pub const KEY_POLL_INTERVAL: std::time::Duration = std::time::Duration::from_millis(250);

/// On PostgreSQL the notifications carry key changes; the key list is still re-read this often
/// as a safety net.
pub const KEY_SAFETY_POLL_INTERVAL: std::time::Duration = std::time::Duration::from_secs(30);

/// Keeps `tokens`' key ring current with the database (see the module documentation). Ends
/// when the token service is dropped.
pub fn watch(
    tokens: &Arc<super::TokenService>,
    notifications: bool,
) -> tokio::task::JoinHandle<()> {
    let weak = Arc::downgrade(tokens);
    let mut changes = tokens.store.revocations().key_changes();
    let every = if notifications {
        KEY_SAFETY_POLL_INTERVAL
    } else {
        KEY_POLL_INTERVAL
    };
    tokio::spawn(async move {
        loop {
            tokio::select! {
                changed = changes.changed() => if changed.is_err() { return },
                _ = tokio::time::sleep(every) => {}
            }
            let Some(tokens) = weak.upgrade() else {
                return;
            };
            if let Err(e) = tokens.keys.refresh(&*tokens.store).await {
                tracing::warn!(error = %e, "signing keys could not be re-read");
            }
        }
    })
}

impl KeyRing {
    /// Loads the keys (stored in plain text), creating the first one on an empty database.
    pub async fn load_or_create(store: &dyn IdentityStore) -> Result<KeyRing, StoreError> {
        KeyRing::load_or_create_sealed(store, None).await
    }

    /// Loads the keys, decrypting them with `sealing`; with a key-encryption key, keys still in
    /// plain text are encrypted in place first, and new keys are stored encrypted.
    pub async fn load_or_create_sealed(
        store: &dyn IdentityStore,
        sealing: Option<KeyEncryptionKey>,
    ) -> Result<KeyRing, StoreError> {
        let ring = KeyRing {
            sealing,
            ..KeyRing::default()
        };
        ring.seal_plain_keys(store).await?;
        ring.reload(store).await?;
        if ring.is_empty() {
            ring.rotate(store).await?;
        }
        Ok(ring)
    }

    /// Makes sure the database holds a key without reading any (so commands that sign nothing
    /// need no key-encryption key): creates the first one on an empty database.
    pub async fn ensure_one(
        store: &dyn IdentityStore,
        sealing: Option<KeyEncryptionKey>,
    ) -> Result<(), StoreError> {
        if store.signing_keys().await?.is_empty() {
            let ring = KeyRing {
                sealing,
                ..KeyRing::default()
            };
            ring.rotate(store).await?;
        }
        Ok(())
    }

    /// Encrypts every key still stored in plain text (when this ring has a key-encryption key).
    async fn seal_plain_keys(&self, store: &dyn IdentityStore) -> Result<(), StoreError> {
        let Some(kek) = &self.sealing else {
            return Ok(());
        };
        for r in store.signing_keys().await? {
            if sealing::is_sealed(&r.private_key) {
                continue;
            }
            // Refuse to seal something that is not a key (it would hide the corruption).
            entry(&r, None)?;
            let sealed = kek
                .seal(r.kid, &r.private_key)
                .map_err(StoreError::Corrupt)?;
            if store
                .seal_signing_key(r.kid, &r.private_key, &sealed)
                .await?
            {
                tracing::info!(kid = r.kid, "signing key encrypted at rest");
            }
        }
        Ok(())
    }

    fn is_empty(&self) -> bool {
        self.keys.read().map(|k| k.is_empty()).unwrap_or(true)
    }

    /// Re-reads the keys (after another process rotated).
    pub async fn reload(&self, store: &dyn IdentityStore) -> Result<(), StoreError> {
        let mut fresh = BTreeMap::new();
        for r in store.signing_keys().await? {
            fresh.insert(r.kid, entry(&r, self.sealing.as_ref())?);
        }
        match self.keys.write() {
            Ok(mut k) => *k = fresh,
            Err(p) => *p.into_inner() = fresh,
        }
        Ok(())
    }

    /// Re-reads the key list and rebuilds the ring when a key was added or retired since the
    /// last read.
    pub async fn refresh(&self, store: &dyn IdentityStore) -> Result<(), StoreError> {
        let records = store.signing_keys().await?;
        let same = {
            let keys = match self.keys.read() {
                Ok(k) => k,
                Err(p) => p.into_inner(),
            };
            keys.len() == records.len()
                && records.iter().all(|r| {
                    keys.get(&r.kid)
                        .is_some_and(|e| e.retired_at.is_some() == r.retired_at.is_some())
                })
        };
        if same {
            return Ok(());
        }
        self.reload(store).await
    }

    /// Whether `kid` is a live key of this ring (tokens it signed are accepted).
    pub fn is_live(&self, kid: Option<u32>) -> bool {
        self.public(kid).is_ok()
    }

    /// Re-reads the keys when a token names an unknown key id (another process rotated), at
    /// most once a second, so random key ids cannot turn into a database load.
    pub async fn reload_for_unknown_kid(
        &self,
        store: &dyn IdentityStore,
    ) -> Result<bool, StoreError> {
        let due = {
            let mut at = match self.loaded_at.lock() {
                Ok(a) => a,
                Err(p) => p.into_inner(),
            };
            let due = at.is_none_or(|t| t.elapsed() >= std::time::Duration::from_secs(1));
            if due {
                *at = Some(std::time::Instant::now());
            }
            due
        };
        if due {
            self.reload(store).await?;
        }
        Ok(due)
    }

    /// Adds a new key, which becomes the active signer; returns its id.
    pub async fn rotate(&self, store: &dyn IdentityStore) -> Result<u32, StoreError> {
        loop {
            self.reload(store).await?;
            let kid = self
                .keys
                .read()
                .map(|k| k.keys().next_back().map_or(1, |k| k + 1))
                .unwrap_or(1);
            let keypair = KeyPair::new_with_algorithm(Algorithm::Ed25519);
            let private_hex = keypair.private().to_bytes_hex();
            let private_key = match &self.sealing {
                Some(kek) => kek.seal(kid, &private_hex).map_err(StoreError::Corrupt)?,
                None => private_hex,
            };
            let record = SigningKeyRecord {
                kid,
                private_key,
                public_key: keypair.public().to_bytes_hex(),
                created_at: Utc::now(),
                retired_at: None,
            };
            match store.insert_signing_key(&record).await {
                Ok(()) => {
                    self.reload(store).await?;
                    return Ok(kid);
                }
                // Another process took this id first: read again and take the next one.
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Stops accepting tokens signed by `kid` and stops publishing it.
    pub async fn retire(&self, store: &dyn IdentityStore, kid: u32) -> Result<(), StoreError> {
        store.retire_signing_key(kid, Utc::now()).await?;
        self.reload(store).await
    }

    /// The newest live key: `(kid, keypair)`.
    pub fn active(&self) -> (u32, Arc<KeyPair>) {
        let keys = match self.keys.read() {
            Ok(k) => k,
            Err(p) => p.into_inner(),
        };
        keys.iter()
            .rev()
            .find(|(_, e)| e.retired_at.is_none())
            .map(|(kid, e)| (*kid, e.keypair.clone()))
            // `load_or_create` guarantees a key; a ring whose keys were all retired by hand
            // still signs with its newest, rather than failing every token request.
            .or_else(|| {
                keys.iter()
                    .next_back()
                    .map(|(k, e)| (*k, e.keypair.clone()))
            })
            .unwrap_or_else(|| (0, Arc::new(KeyPair::new_with_algorithm(Algorithm::Ed25519))))
    }

    /// The public key for a token's root key id (live keys only).
    pub fn public(&self, kid: Option<u32>) -> Result<PublicKey, biscuit_auth::error::Format> {
        let keys = self
            .keys
            .read()
            .map_err(|_| biscuit_auth::error::Format::UnknownPublicKey)?;
        kid.and_then(|k| keys.get(&k))
            .filter(|e| e.retired_at.is_none())
            .map(|e| e.keypair.public())
            .ok_or(biscuit_auth::error::Format::UnknownPublicKey)
    }

    /// The live public keys by id: a snapshot a verification off the async workers can own.
    pub fn live_public_keys(&self) -> BTreeMap<u32, PublicKey> {
        let Ok(keys) = self.keys.read() else {
            return BTreeMap::new();
        };
        keys.iter()
            .filter(|(_, e)| e.retired_at.is_none())
            .map(|(k, e)| (*k, e.keypair.public()))
            .collect()
    }

    /// The published key set (RFC 7517), one OKP/Ed25519 JWK per live key.
    pub fn jwks(&self) -> serde_json::Value {
        let keys = match self.keys.read() {
            Ok(k) => k,
            Err(p) => p.into_inner(),
        };
        let list: Vec<serde_json::Value> = keys
            .iter()
            .filter(|(_, e)| e.retired_at.is_none())
            .map(|(kid, e)| {
                serde_json::json!({
                    "kty": "OKP",
                    "crv": "Ed25519",
                    "alg": "EdDSA",
                    "use": "sig",
                    "kid": kid.to_string(),
                    "x": URL_SAFE_NO_PAD.encode(e.keypair.public().to_bytes()),
                })
            })
            .collect();
        serde_json::json!({ "keys": list })
    }
}
