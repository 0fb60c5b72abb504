//! Credential hashing: argon2id (RFC 9106 defaults from the `argon2` crate) for people's
//! passwords, and a keyed SHA-256 (HMAC-SHA-256 under a server key) for client secrets and
//! invitation codes, which are 256-bit random values that need no slow hash. Argon2id verifications are bounded: at most
//! [`MAX_CONCURRENT_ARGON2`] run at once (each holds about 19 MiB).

use super::{Result, StoreError};
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Params, Version};
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha2::Sha256;

fn argon2id() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default())
}

/// Hashes a password into a PHC string (`$argon2id$v=19$…`).
pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2id()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Password(e.to_string()))
}

/// Verifies a password against a PHC string. The comparison inside `argon2` is constant-time.
/// A malformed stored hash verifies as false.
pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => argon2id()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A valid argon2id hash of a random password, verified against when the email is unknown so
/// that sign-in takes the same time either way.
pub(crate) fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut bytes = [0u8; 16];
        argon2::password_hash::rand_core::RngCore::fill_bytes(&mut OsRng, &mut bytes);
        hash_password(&hex::encode(bytes)).unwrap_or_default()
    })
}

/// How many argon2id computations may run at once in this process; the rest wait their turn.
/// This bounds the memory a flood of sign-ins can take (about 19 MiB each).
pub const MAX_CONCURRENT_ARGON2: usize = 4;

static ARGON2_SLOTS: tokio::sync::Semaphore =
    tokio::sync::Semaphore::const_new(MAX_CONCURRENT_ARGON2);

/// Runs an argon2id computation on a blocking thread, once one of the
/// [`MAX_CONCURRENT_ARGON2`] slots is free.
pub(crate) async fn bounded_argon2<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    let _slot = ARGON2_SLOTS
        .acquire()
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StoreError::Task(e.to_string()))
}

/// The prefix of a keyed client-secret hash as stored (`client_secrets.secret_hash`); any other
/// stored value is a PHC string from before (argon2id).
pub const KEYED_HASH_PREFIX: &str = "hmac-sha256$";

/// The bytes of a server key (for [`keyed_hash`]).
pub type ServerKey = [u8; 32];

fn client_secret_mac(key: &ServerKey, secret: &str) -> Hmac<Sha256> {
    // HMAC takes keys of any length, so this cannot fail; the domain label separates this use
    // of the key from any other.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new(&Default::default()));
    mac.update(b"charter client secret v1\0");
    mac.update(secret.as_bytes());
    mac
}

/// `hmac-sha256$<hex HMAC-SHA-256(server key, secret)>`: how a client secret is stored, and an
/// invitation code (looked up by this value; codes and secrets have distinct prefixes).
pub fn keyed_hash(key: &ServerKey, secret: &str) -> String {
    let tag = client_secret_mac(key, secret).finalize().into_bytes();
    format!("{KEYED_HASH_PREFIX}{}", hex::encode(tag))
}

/// Checks a presented secret against a stored keyed hash, comparing in constant time. A stored
/// value of another shape verifies as false.
pub fn verify_keyed(key: &ServerKey, secret: &str, stored: &str) -> bool {
    let Some(tag) = stored
        .strip_prefix(KEYED_HASH_PREFIX)
        .and_then(|h| hex::decode(h).ok())
    else {
        return false;
    };
    client_secret_mac(key, secret).verify_slice(&tag).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest;

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let a = hash_password("correct horse").unwrap_or_default();
        let b = hash_password("correct horse").unwrap_or_default();
        assert!(a.starts_with("$argon2id$v=19$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify_password("correct horse", &a));
        assert!(!verify_password("correct horse ", &a));
        assert!(!verify_password("", &a));
        assert!(!verify_password("correct horse", "not-a-phc-string"));
        assert!(!verify_password("x", dummy_hash()));
    }

    #[test]
    fn keyed_hashes_verify_only_under_their_key() {
        let key = [7u8; 32];
        let other = [8u8; 32];
        let h = keyed_hash(&key, "sec_1.abc");
        assert!(h.starts_with(KEYED_HASH_PREFIX), "{h}");
        assert_eq!(h, keyed_hash(&key, "sec_1.abc"), "deterministic");
        assert!(verify_keyed(&key, "sec_1.abc", &h));
        assert!(!verify_keyed(&key, "sec_1.abd", &h));
        assert!(!verify_keyed(&other, "sec_1.abc", &h));
        assert!(!verify_keyed(&key, "sec_1.abc", "$argon2id$v=19$x"));
        assert!(!verify_keyed(&key, "sec_1.abc", "hmac-sha256$zz"));
        // An independent oracle: HMAC-SHA-256 computed from its definition (RFC 2104).
        let mut msg = b"charter client secret v1\0".to_vec();
        msg.extend_from_slice(b"sec_1.abc");
        let pad = |b: u8| {
            key.iter()
                .map(|k| k ^ b)
                .chain(std::iter::repeat_n(b, 32))
                .collect::<Vec<u8>>()
        };
        let inner = Sha256::digest([pad(0x36), msg].concat());
        let outer = Sha256::digest([pad(0x5c), inner.to_vec()].concat());
        assert_eq!(h, format!("{KEYED_HASH_PREFIX}{}", hex::encode(outer)));
    }
}
