//! Charter's access tokens, the pure part: Biscuits signed with Ed25519 keys, their claims,
//! the screen of what a holder may append ([`screen`]), the holder's checks read as policies
//! ([`attenuation`]) and the whole offline verification ([`verify_with_keys`]). No I/O: the
//! server's `tokens` module adds the key ring, revocation and the deadline, and the fuzz target
//! (`crates/tokens/fuzz`) drives this crate directly.
//!
//! The authority block binds, as `claim(name, value)` facts: the token id (`jti`), the agent
//! (`sub`), the grant and its version, the policy version, the purpose, the audience (the
//! advertiser account), issue/expiry times, the delegation depth, the actor chain and the
//! ancestor token ids. Its checks enforce expiry, not-before and audience. Every appended block
//! is screened, then enforced at verification: the verifier supplies `time`, `account` and, for
//! a request, `operation`, `resource` and `amount` facts.
#![forbid(unsafe_code)]

pub mod attenuation;
mod error;
pub mod screen;

use biscuit_auth::builder::{Fact, date, fact, string};
use biscuit_auth::error::{FailedCheck, Logic, Token as BiscuitError};
use biscuit_auth::{AuthorizerLimits, Biscuit, KeyPair, PublicKey, builder::AuthorizerBuilder};
use charter_store::model::*;
use chrono::{DateTime, Duration, TimeZone, Utc};
use std::collections::BTreeMap;
use std::time::SystemTime;

pub use error::TokenError;

/// The longest lifetime a token can have.
pub const MAX_TTL: Duration = Duration::minutes(15);

/// What a token says about itself (the authority block's claims).
#[derive(Debug, Clone, PartialEq)]
pub struct Claims {
    pub jti: TokenId,
    pub agent: AgentId,
    pub grant: GrantId,
    pub grant_version: u32,
    pub purpose: Purpose,
    pub audience: AdvertiserId,
    pub issued_at: DateTime<Utc>,
    pub not_before: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub depth: u32,
    /// Agents that acted before the holder, root first.
    pub actor_chain: Vec<AgentId>,
    /// Tokens this one was delegated from, root first.
    pub ancestors: Vec<TokenId>,
}

/// A token that passed every check.
#[derive(Debug, Clone)]
pub struct Verified {
    pub claims: Claims,
    /// The holder's appended blocks, as policies (see [`attenuation`]).
    pub attenuations: Vec<attenuation::Block>,
    pub biscuit: Biscuit,
}

/// The request a token is checked against at the gateway; `None` for introspection and
/// exchange, where only token-wide checks (time, audience) apply.
#[derive(Debug, Clone, Default)]
pub struct RequestFacts {
    pub operation: String,
    pub resource: String,
    /// Minor units the call commits; 0 when it moves no money.
    pub amount: i64,
    /// The intent the request declares; it must be the token's (the grant's) purpose.
    pub intent: Option<Purpose>,
}

/// Datalog limits for every token check. Facts and iterations bound the work; the time limit
/// is only a safety net (a wall-clock limit alone would make checks fail under CPU load).
pub const LIMITS: AuthorizerLimits = AuthorizerLimits {
    max_facts: 1_000,
    max_iterations: 100,
    max_time: std::time::Duration::from_millis(250),
};

fn date_fact(name: &str, t: DateTime<Utc>) -> Fact {
    fact(name, &[date(&SystemTime::from(t))])
}

fn claim(name: &str, value: &str) -> Fact {
    fact("claim", &[string(name), string(value)])
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Signs a token for `claims` with `keypair`, naming `kid` as its root key id.
pub fn sign(claims: &Claims, kid: u32, keypair: &KeyPair) -> Result<String, TokenError> {
    let internal = |e: BiscuitError| TokenError::Internal(e.to_string());
    let chain: Vec<&str> = claims.actor_chain.iter().map(|a| a.as_str()).collect();
    let ancestors: Vec<&str> = claims.ancestors.iter().map(|a| a.as_str()).collect();
    let mut b = Biscuit::builder().root_key_id(kid);
    for f in [
        claim("v", "charter/1"),
        claim("jti", claims.jti.as_str()),
        claim("sub", claims.agent.as_str()),
        claim("grant", claims.grant.as_str()),
        claim("grant_version", &claims.grant_version.to_string()),
        claim("policy_version", &claims.grant_version.to_string()),
        claim("purpose", claims.purpose.as_str()),
        claim("aud", claims.audience.as_str()),
        claim("iat", &rfc3339(claims.issued_at)),
        claim("nbf", &rfc3339(claims.not_before)),
        claim("exp", &rfc3339(claims.expires_at)),
        claim("depth", &claims.depth.to_string()),
        claim("act", &chain.join(" ")),
        claim("ancestors", &ancestors.join(" ")),
        date_fact("expires", claims.expires_at),
        date_fact("not_before", claims.not_before),
    ] {
        b = b.fact(f).map_err(internal)?;
    }
    // Check ids 0, 1, 2: expiry, not-before, audience (see `classify`).
    b = b
        .check("check if time($t), expires($e), $t < $e")
        .map_err(internal)?
        .check("check if time($t), not_before($n), $t >= $n")
        .map_err(internal)?
        .check("check if account($a), claim(\"aud\", $a)")
        .map_err(internal)?;
    let token = b.build(keypair).map_err(internal)?;
    token.to_base64().map_err(internal)
}

/// A token's bytes: URL-safe base64, padded or not (as biscuit-auth itself reads it).
fn decode_token(token: &str) -> Result<Vec<u8>, TokenError> {
    use base64::Engine;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const URL_SAFE_ANY_PADDING: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    URL_SAFE_ANY_PADDING
        .decode(token)
        .map_err(|_| TokenError::Malformed("the token does not parse as a Biscuit".into()))
}

/// A token whose signature verified and whose appended blocks passed [`screen`], with its
/// claims read from the authority block. None of the holder's Datalog has run yet.
pub struct Screened {
    pub claims: Claims,
    biscuit: Biscuit,
}

impl Screened {
    /// Parses `token`, verifies its signature with the key it names among `keys`, screens its
    /// appended blocks and reads its claims. Work is bounded by the token's size limit.
    pub fn read(token: &str, keys: &BTreeMap<u32, PublicKey>) -> Result<Screened, TokenError> {
        let token = token.trim();
        if token.is_empty() || token.len() > screen::MAX_TOKEN_BYTES {
            return Err(TokenError::Malformed("empty or longer than 16 KiB".into()));
        }
        let bytes = decode_token(token)?;
        let asked = std::cell::Cell::new(None::<u32>);
        let biscuit = Biscuit::from(&bytes, |kid: Option<u32>| {
            asked.set(kid);
            kid.and_then(|k| keys.get(&k).copied())
                .ok_or(biscuit_auth::error::Format::UnknownPublicKey)
        })
        .map_err(|e| match e {
            BiscuitError::Format(biscuit_auth::error::Format::UnknownPublicKey) => {
                TokenError::UnknownKey(asked.get().map_or("none".into(), |k| k.to_string()))
            }
            BiscuitError::Format(
                biscuit_auth::error::Format::Signature(_)
                | biscuit_auth::error::Format::InvalidSignatureSize(_),
            ) => TokenError::BadSignature,
            // biscuit's messages may quote the token's bytes: name the failure only.
            _ => TokenError::Malformed("the token does not parse as a Biscuit".into()),
        })?;
        // Charter never asks for third-party blocks, so it trusts no external key: a token
        // carrying one is refused outright (see CVE-2024-42350 for what trusting them wrongly
        // allowed in biscuit-auth < 5). The screen refuses facts, rules and scopes too.
        screen::appended_blocks(&bytes, &biscuit)?;
        let claims = read_claims(&biscuit)?;
        Ok(Screened { claims, biscuit })
    }

    /// What the authority block alone decides, in Rust: expiry, not-before, audience, the
    /// depth limit and the request's intent.
    pub fn check_claims(
        &self,
        account: Option<&AdvertiserId>,
        request: Option<&RequestFacts>,
        now: DateTime<Utc>,
        max_depth: u32,
    ) -> Result<(), TokenError> {
        let c = &self.claims;
        if now >= c.expires_at {
            return Err(TokenError::Expired(c.expires_at));
        }
        if now < c.not_before {
            return Err(TokenError::NotYetValid(c.not_before));
        }
        if let Some(account) = account
            && account != &c.audience
        {
            return Err(TokenError::WrongAudience {
                expected: c.audience.to_string(),
                actual: account.to_string(),
            });
        }
        if c.depth > max_depth {
            return Err(TokenError::DepthExceeded {
                depth: c.depth,
                max: max_depth,
            });
        }
        if let Some(intent) = request.and_then(|r| r.intent)
            && intent != c.purpose
        {
            return Err(TokenError::IntentOutsidePurpose {
                intent: intent.as_str().to_string(),
                purpose: c.purpose.as_str().to_string(),
            });
        }
        Ok(())
    }

    /// Runs every block's checks (the authority's and the holder's) against the facts Charter
    /// supplies: `time`, `account` and, for a request, `operation`, `resource` and `amount`.
    pub fn authorize(
        self,
        account: Option<&AdvertiserId>,
        request: Option<&RequestFacts>,
        now: DateTime<Utc>,
    ) -> Result<Verified, TokenError> {
        let Screened { claims, biscuit } = self;
        let attenuations = attenuation::read_blocks(&biscuit)?;
        let account = account.unwrap_or(&claims.audience);
        let internal = |e: BiscuitError| TokenError::Internal(e.to_string());
        let mut ab = AuthorizerBuilder::new()
            .fact(date_fact("time", now))
            .map_err(internal)?
            .fact(fact("account", &[string(account.as_str())]))
            .map_err(internal)?;
        if let Some(r) = request {
            ab = ab
                .fact(fact("operation", &[string(&r.operation)]))
                .map_err(internal)?
                .fact(fact("resource", &[string(&r.resource)]))
                .map_err(internal)?
                .fact(fact("amount", &[biscuit_auth::builder::int(r.amount)]))
                .map_err(internal)?;
        }
        let mut authorizer = ab
            .set_limits(LIMITS)
            .policy("allow if true")
            .map_err(internal)?
            .build(&biscuit)
            .map_err(internal)?;
        match authorizer.authorize() {
            Ok(_) => {}
            Err(BiscuitError::FailedLogic(Logic::Unauthorized { checks, .. })) => {
                for c in &checks {
                    if let Some(err) = classify(c, &claims, account, request.is_some()) {
                        return Err(err);
                    }
                }
            }
            Err(_) => {
                return Err(TokenError::Malformed(
                    "the token's checks could not be evaluated within the limits".into(),
                ));
            }
        }
        Ok(Verified {
            claims,
            attenuations,
            biscuit,
        })
    }
}

/// The whole offline verification, synchronously: [`Screened::read`], then
/// [`Screened::check_claims`] and [`Screened::authorize`]. The fuzz target drives this.
pub fn verify_with_keys(
    token: &str,
    keys: &BTreeMap<u32, PublicKey>,
    account: Option<&AdvertiserId>,
    request: Option<&RequestFacts>,
    now: DateTime<Utc>,
    max_depth: u32,
) -> Result<Verified, TokenError> {
    let screened = Screened::read(token, keys)?;
    screened.check_claims(account, request, now, max_depth)?;
    screened.authorize(account, request, now)
}

/// Turns one failed check into an error; `None` for a request-scoped check when there is no
/// request (introspection and exchange check only what holds for the token as a whole).
fn classify(
    c: &FailedCheck,
    claims: &Claims,
    account: &AdvertiserId,
    has_request: bool,
) -> Option<TokenError> {
    match c {
        FailedCheck::Block(b) if b.block_id == 0 => Some(match b.check_id {
            0 => TokenError::Expired(claims.expires_at),
            1 => TokenError::NotYetValid(claims.not_before),
            2 => TokenError::WrongAudience {
                expected: claims.audience.to_string(),
                actual: account.to_string(),
            },
            _ => TokenError::Malformed(format!("unexpected authority check `{}`", b.rule)),
        }),
        FailedCheck::Block(b) => {
            if !has_request && attenuation::is_request_scoped(&b.rule) {
                None
            } else {
                Some(TokenError::Attenuation {
                    block: b.block_id,
                    rule: b.rule.clone(),
                })
            }
        }
        FailedCheck::Authorizer(a) => Some(TokenError::Internal(a.rule.clone())),
    }
}

fn read_claims(biscuit: &Biscuit) -> Result<Claims, TokenError> {
    let mut authorizer = AuthorizerBuilder::new()
        .set_limits(LIMITS)
        .build(biscuit)
        .map_err(|e| TokenError::Malformed(e.to_string()))?;
    // `query` sees only the authority block and the authorizer: a holder's block cannot add
    // or override a claim.
    let pairs: Vec<(String, String)> = authorizer
        .query("data($k, $v) <- claim($k, $v)")
        .map_err(|e| TokenError::Malformed(e.to_string()))?;
    let get = |k: &str| -> Result<&str, TokenError> {
        let mut found = pairs.iter().filter(|(name, _)| name == k);
        match (found.next(), found.next()) {
            (Some((_, v)), None) => Ok(v.as_str()),
            (None, _) => Err(TokenError::Malformed(format!("claim `{k}` is missing"))),
            (Some(_), Some(_)) => Err(TokenError::Malformed(format!("claim `{k}` is repeated"))),
        }
    };
    let bad = |k: &str| TokenError::Malformed(format!("claim `{k}` is invalid"));
    if get("v")? != "charter/1" {
        return Err(TokenError::Malformed("unknown token version".into()));
    }
    let time = |k: &str| -> Result<DateTime<Utc>, TokenError> {
        DateTime::parse_from_rfc3339(get(k)?)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| bad(k))
    };
    let list = |k: &str| -> Result<Vec<String>, TokenError> {
        Ok(get(k)?.split_whitespace().map(str::to_string).collect())
    };
    Ok(Claims {
        jti: TokenId::parse(get("jti")?).map_err(|_| bad("jti"))?,
        agent: AgentId::parse(get("sub")?).map_err(|_| bad("sub"))?,
        grant: GrantId::parse(get("grant")?).map_err(|_| bad("grant"))?,
        grant_version: get("grant_version")?
            .parse()
            .map_err(|_| bad("grant_version"))?,
        purpose: Purpose::parse(get("purpose")?).map_err(|_| bad("purpose"))?,
        audience: AdvertiserId::parse(get("aud")?).map_err(|_| bad("aud"))?,
        issued_at: time("iat")?,
        not_before: time("nbf")?,
        expires_at: time("exp")?,
        depth: get("depth")?.parse().map_err(|_| bad("depth"))?,
        actor_chain: list("act")?
            .iter()
            .map(|a| AgentId::parse(a))
            .collect::<Result<_, _>>()
            .map_err(|_| bad("act"))?,
        ancestors: list("ancestors")?
            .iter()
            .map(|a| TokenId::parse(a))
            .collect::<Result<_, _>>()
            .map_err(|_| bad("ancestors"))?,
    })
}

/// Seconds since the epoch, for JSON bodies.
pub fn epoch(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

/// The inverse of [`epoch`].
pub fn from_epoch(s: i64) -> Option<DateTime<Utc>> {
    Utc.timestamp_opt(s, 0).single()
}
