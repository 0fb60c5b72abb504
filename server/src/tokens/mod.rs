//! Charter's access tokens in the server: the key ring ([`keys`]), minting, and verification
//! with revocation, off the async workers under a deadline. The pure part (claims, the screen
//! of appended blocks, attenuation, offline verification) is the `charter-tokens` crate,
//! re-exported here.

pub mod keys;
pub mod sealing;

use biscuit_auth::PublicKey;
use charter_store::DynStore;
use charter_store::model::*;
use charter_store::revocation::{Lookup, Revoked};
pub use charter_tokens::*;
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::Semaphore;

pub use keys::KeyRing;

/// Token settings (`charter serve --token-ttl … --max-delegation-depth …`).
#[derive(Debug, Clone)]
pub struct TokenConfig {
    /// Lifetime of a minted token; clamped to [`MAX_TTL`].
    pub ttl: Duration,
    /// How many times a token may be delegated (0 = no delegation).
    pub max_depth: u32,
    /// The public base URL (`iss`, and the audience of client assertions).
    pub issuer: String,
    /// Encrypts the signing keys at rest ([`sealing`]); `None` stores them in plain text
    /// (refused in production mode: see `charter_server::check_production`).
    pub key_encryption: Option<sealing::KeyEncryptionKey>,
}

impl Default for TokenConfig {
    fn default() -> Self {
        TokenConfig {
            ttl: Duration::minutes(10),
            max_depth: 3,
            issuer: "http://127.0.0.1:3000".into(),
            key_encryption: None,
        }
    }
}

/// Mints and verifies tokens; shared by the OAuth endpoints and (later) the gateway.
pub struct TokenService {
    pub store: DynStore,
    pub keys: KeyRing,
    pub config: TokenConfig,
}

impl TokenService {
    pub async fn load(
        store: DynStore,
        config: TokenConfig,
    ) -> Result<TokenService, charter_store::StoreError> {
        let keys = KeyRing::load_or_create_sealed(&*store, config.key_encryption.clone()).await?;
        Ok(TokenService {
            store,
            keys,
            config,
        })
    }

    /// The lifetime of the next token.
    pub fn ttl(&self) -> Duration {
        self.config.ttl.clamp(Duration::seconds(1), MAX_TTL)
    }

    /// Signs a token for `claims` with the active key.
    pub fn mint(&self, claims: &Claims) -> Result<String, TokenError> {
        let (kid, keypair) = self.keys.active();
        sign(claims, kid, &keypair)
    }

    /// Verifies a token presented for `account` (`None`: the token's own): signature, the
    /// screen of appended blocks, expiry, audience, depth and intent from the authority block,
    /// then revocation, and only then the holder's checks. All of it is one trip to the
    /// blocking pool under [`VERIFY_DEADLINE`]; only a grant the revocation index has not seen
    /// yet costs a database read and a second trip for the Datalog.
    pub async fn verify(
        &self,
        token: &str,
        account: Option<&AdvertiserId>,
        request: Option<&RequestFacts>,
        now: DateTime<Utc>,
    ) -> Result<Verified, TokenError> {
        let (account, request) = (account.cloned(), request.cloned());
        let max_depth = self.config.max_depth;
        let index = self.store.revocations().clone();
        let pass = {
            let (account, request) = (account.clone(), request.clone());
            self.screened(token, move |screened| {
                screened.check_claims(account.as_ref(), request.as_ref(), now, max_depth)?;
                match revocation_lookup(&index, &screened.claims, now) {
                    Lookup::Valid => screened
                        .authorize(account.as_ref(), request.as_ref(), now)
                        .map(|v| Pass::Verified(Box::new(v))),
                    Lookup::Denied(r) => Err(TokenError::Revoked(r)),
                    Lookup::Unknown => Ok(Pass::GrantUnseen(Box::new(screened))),
                }
            })
            .await?
        };
        match pass {
            Pass::Verified(v) => Ok(*v),
            Pass::GrantUnseen(screened) => {
                self.check_revocation(&screened.claims, now).await?;
                off_thread(move || screened.authorize(account.as_ref(), request.as_ref(), now))
                    .await
            }
        }
    }

    /// Everything but revocation: what a partner's gateway can do with the JWKS alone. One
    /// trip to the blocking pool under [`VERIFY_DEADLINE`].
    pub async fn verify_offline(
        &self,
        token: &str,
        account: Option<&AdvertiserId>,
        request: Option<&RequestFacts>,
        now: DateTime<Utc>,
    ) -> Result<Verified, TokenError> {
        let max_depth = self.config.max_depth;
        let (account, request) = (account.cloned(), request.cloned());
        self.screened(token, move |screened| {
            screened.check_claims(account.as_ref(), request.as_ref(), now, max_depth)?;
            screened.authorize(account.as_ref(), request.as_ref(), now)
        })
        .await
    }

    /// Reads and screens a token, then runs `then` on it, in one trip off the async workers;
    /// when the token names a key this process has not seen (another process rotated), the
    /// keys are reloaded once and the trip is made again.
    async fn screened<T: Send + 'static>(
        &self,
        token: &str,
        then: impl Fn(Screened) -> Result<T, TokenError> + Send + Sync + 'static,
    ) -> Result<T, TokenError> {
        if token.trim().len() > screen::MAX_TOKEN_BYTES {
            return Err(TokenError::Malformed("empty or longer than 16 KiB".into()));
        }
        let then = Arc::new(then);
        let trip = |keys: BTreeMap<u32, PublicKey>| {
            let (token, then) = (token.to_string(), then.clone());
            off_thread(move || Screened::read(&token, &keys).and_then(|s| then(s)))
        };
        match trip(self.keys.live_public_keys()).await {
            Err(TokenError::UnknownKey(_))
                if self
                    .keys
                    .reload_for_unknown_kid(&*self.store)
                    .await
                    .map_err(|e| TokenError::Internal(e.to_string()))? =>
            {
                trip(self.keys.live_public_keys()).await
            }
            other => other,
        }
    }

    /// Consults the revocation index (and, for a grant it has not seen, the database).
    pub async fn check_revocation(
        &self,
        claims: &Claims,
        now: DateTime<Utc>,
    ) -> Result<(), TokenError> {
        let index = self.store.revocations();
        let check = || revocation_lookup(index, claims, now);
        let mut answer = check();
        if answer == Lookup::Unknown {
            // Loads the grant into the index (or finds it missing).
            let found = self
                .store
                .grant_by_id(&claims.grant)
                .await
                .map_err(|e| TokenError::Internal(e.to_string()))?;
            answer = if found.is_some() {
                check()
            } else {
                Lookup::Denied(Revoked::GrantRevoked)
            };
        }
        match answer {
            Lookup::Valid => Ok(()),
            Lookup::Denied(r) => Err(TokenError::Revoked(r)),
            Lookup::Unknown => Err(TokenError::Revoked(Revoked::GrantRevoked)),
        }
    }
}

/// What the first trip of [`TokenService::verify`] came to.
enum Pass {
    Verified(Box<Verified>),
    /// The revocation index has not seen the token's grant: it is read from the database
    /// before the holder's checks run.
    GrantUnseen(Box<Screened>),
}

/// The revocation index's answer for a token: its grant and version, every agent of its actor
/// chain and every token it descends from.
fn revocation_lookup(
    index: &charter_store::revocation::RevocationIndex,
    claims: &Claims,
    now: DateTime<Utc>,
) -> Lookup {
    let mut agents: Vec<&str> = claims.actor_chain.iter().map(|a| a.as_str()).collect();
    agents.push(claims.agent.as_str());
    let mut jtis: Vec<&str> = claims.ancestors.iter().map(|t| t.as_str()).collect();
    jtis.push(claims.jti.as_str());
    index.check(
        claims.grant.as_str(),
        claims.grant_version,
        &agents,
        &jtis,
        now,
    )
}

/// How long one step of a token's verification may take off the async workers, waiting for a
/// verifier included, before the token is refused. Screened tokens take microseconds; this is
/// the backstop should a Datalog path ever turn out slower.
pub const VERIFY_DEADLINE: std::time::Duration = std::time::Duration::from_millis(250);

/// The refusal of a token whose verification (or the wait for it) passed [`VERIFY_DEADLINE`].
pub fn too_slow() -> TokenError {
    TokenError::Internal("token verification took too long".into())
}

/// Runs `f` on the blocking pool, at most a few at a time (twice the cores, at least 4), under
/// [`VERIFY_DEADLINE`]; past it the token is refused (the work, if any, finishes unobserved).
async fn off_thread<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, TokenError> + Send + 'static,
) -> Result<T, TokenError> {
    static VERIFIERS: std::sync::OnceLock<Arc<Semaphore>> = std::sync::OnceLock::new();
    let pool = VERIFIERS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Arc::new(Semaphore::new((2 * cores).max(4)))
    });
    let over = too_slow;
    tokio::time::timeout(VERIFY_DEADLINE, async {
        let permit = pool.clone().acquire_owned().await.map_err(|_| over())?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            f()
        })
        .await
        .map_err(|_| TokenError::Internal("token verification failed".into()))?
    })
    .await
    .map_err(|_| over())?
}
