//! The signing key ring. Keys live in the database (`signing_keys`), so every server process
//! signs and verifies with the same keys. Each key has a numeric id, which Biscuit carries as
//! its root key id and the JWKS publishes as `kid`. Rotation adds a key that becomes the active
//! signer; older keys stay published (and accepted) until they are retired, which must not
//! happen before the last token they signed has expired (at most [`super::MAX_TTL`]).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use biscuit_auth::builder::Algorithm;
use biscuit_auth::{KeyPair, PrivateKey, PublicKey};
use charter_store::{DynStore, SigningKeyRecord, StoreError};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

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
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyRing")
    }
}

fn corrupt(kid: u32) -> StoreError {
    StoreError::Corrupt(format!("signing key `{kid}`"))
}

fn entry(r: &SigningKeyRecord) -> Result<Entry, StoreError> {
    let private = PrivateKey::from_bytes_hex(&r.private_key, Algorithm::Ed25519)
        .map_err(|_| corrupt(r.kid))?;
    Ok(Entry {
        keypair: Arc::new(KeyPair::from(&private)),
        retired_at: r.retired_at,
    })
}

impl KeyRing {
    /// Loads the keys, creating the first one on an empty database.
    pub async fn load_or_create(store: &DynStore) -> Result<KeyRing, StoreError> {
        let ring = KeyRing::default();
        ring.reload(store).await?;
        if ring.is_empty() {
            ring.rotate(store).await?;
        }
        Ok(ring)
    }

    fn is_empty(&self) -> bool {
        self.keys.read().map(|k| k.is_empty()).unwrap_or(true)
    }

    /// Re-reads the keys (after another process rotated).
    pub async fn reload(&self, store: &DynStore) -> Result<(), StoreError> {
        let mut fresh = BTreeMap::new();
        for r in store.signing_keys().await? {
            fresh.insert(r.kid, entry(&r)?);
        }
        match self.keys.write() {
            Ok(mut k) => *k = fresh,
            Err(p) => *p.into_inner() = fresh,
        }
        Ok(())
    }

    /// Re-reads the keys when a token names an unknown key id (another process rotated), at
    /// most once a second, so random key ids cannot turn into a database load.
    pub async fn reload_for_unknown_kid(&self, store: &DynStore) -> Result<bool, StoreError> {
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
    pub async fn rotate(&self, store: &DynStore) -> Result<u32, StoreError> {
        loop {
            self.reload(store).await?;
            let kid = self
                .keys
                .read()
                .map(|k| k.keys().next_back().map_or(1, |k| k + 1))
                .unwrap_or(1);
            let keypair = KeyPair::new_with_algorithm(Algorithm::Ed25519);
            let record = SigningKeyRecord {
                kid,
                private_key: keypair.private().to_bytes_hex(),
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
    pub async fn retire(&self, store: &DynStore, kid: u32) -> Result<(), StoreError> {
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
