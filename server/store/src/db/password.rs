//! Password hashing with argon2id (RFC 9106 defaults from the `argon2` crate).

use super::{Result, StoreError};
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Params, Version};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
