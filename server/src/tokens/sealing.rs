//! Token-signing keys at rest (issue 10, item 13): each private key is stored encrypted with
//! XChaCha20-Poly1305 under a key-encryption key that lives outside the database.
//!
//! - The key-encryption key is 32 bytes, given as 64 hex digits or base64, in the environment
//!   variable [`ENV_KEY`] or in a file named by [`ENV_KEY_FILE`] (e.g. a mounted secret).
//!   Generate one with `openssl rand -hex 32`.
//! - A stored key reads `xc20p:v1:<base64(24-byte nonce ‖ ciphertext ‖ tag)>`; the associated
//!   data binds the key id, so a ciphertext cannot be moved to another row.
//! - Keys stored in plain text (before this existed, or by a server without a key-encryption
//!   key) are encrypted in place the first time a server starts with one.
//! - A database whose keys are encrypted cannot be served or rotated without the key: Charter
//!   says so and stops, it never falls back to a new plain-text key.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::sync::Arc;

/// The environment variable holding the key-encryption key.
pub const ENV_KEY: &str = "CHARTER_KEY_ENCRYPTION_KEY";
/// The environment variable naming a file that holds the key-encryption key.
pub const ENV_KEY_FILE: &str = "CHARTER_KEY_ENCRYPTION_KEY_FILE";

const PREFIX: &str = "xc20p:v1:";
const NONCE_LEN: usize = 24;

/// The key-encryption key. Its `Debug` never shows the bytes.
#[derive(Clone)]
pub struct KeyEncryptionKey(Arc<[u8; 32]>);

impl std::fmt::Debug for KeyEncryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyEncryptionKey(…)")
    }
}

fn aad(kid: u32) -> String {
    format!("charter signing key {kid}")
}

/// Whether a stored private key is encrypted.
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

impl KeyEncryptionKey {
    /// Reads 32 bytes given as 64 hex digits or as base64 (standard or URL-safe).
    pub fn parse(text: &str) -> Result<KeyEncryptionKey, String> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(text).ok()
        } else {
            STANDARD
                .decode(text)
                .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(text))
                .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text))
                .ok()
        };
        let bytes: [u8; 32] = bytes.and_then(|b| b.try_into().ok()).ok_or_else(|| {
            format!(
                "{ENV_KEY}: expected 32 bytes as 64 hex digits or base64 (generate one with \
                 `openssl rand -hex 32`)"
            )
        })?;
        Ok(KeyEncryptionKey(Arc::new(bytes)))
    }

    /// The key from `CHARTER_KEY_ENCRYPTION_KEY` (`value`) or from the file named by
    /// `CHARTER_KEY_ENCRYPTION_KEY_FILE` (`file`); `None` when neither is set.
    pub fn from_settings(
        value: Option<&str>,
        file: Option<&std::path::Path>,
    ) -> Result<Option<KeyEncryptionKey>, String> {
        match (value.filter(|v| !v.trim().is_empty()), file) {
            (Some(_), Some(_)) => Err(format!("set {ENV_KEY} or {ENV_KEY_FILE}, not both")),
            (Some(v), None) => KeyEncryptionKey::parse(v).map(Some),
            (None, Some(path)) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    format!("{ENV_KEY_FILE}: cannot read `{}`: {e}", path.display())
                })?;
                KeyEncryptionKey::parse(&text)
                    .map(Some)
                    .map_err(|e| format!("{e} (in `{}`)", path.display()))
            }
            (None, None) => Ok(None),
        }
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.0.as_ref().into())
    }

    /// Encrypts the hex-encoded private key of `kid`.
    pub fn seal(&self, kid: u32, private_hex: &str) -> Result<String, String> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let aad = aad(kid);
        let sealed = self
            .cipher()
            .encrypt(
                &nonce,
                Payload {
                    msg: private_hex.as_bytes(),
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| format!("signing key `{kid}` could not be encrypted"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{}", STANDARD.encode(out)))
    }

    /// Decrypts what [`seal`](Self::seal) stored for `kid`.
    pub fn open(&self, kid: u32, stored: &str) -> Result<String, String> {
        let wrong = || {
            format!(
                "signing key `{kid}` does not decrypt with this {ENV_KEY} (wrong key, or the row \
                 was altered)"
            )
        };
        let body = stored.strip_prefix(PREFIX).ok_or_else(wrong)?;
        let bytes = STANDARD.decode(body).map_err(|_| wrong())?;
        if bytes.len() <= NONCE_LEN {
            return Err(wrong());
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let aad = aad(kid);
        let plain = self
            .cipher()
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| wrong())?;
        String::from_utf8(plain).map_err(|_| wrong())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_bound_to_the_key_id() {
        let k = KeyEncryptionKey::parse(&"ab".repeat(32)).unwrap();
        let sealed = k.seal(3, "00ff").unwrap();
        assert!(is_sealed(&sealed) && !sealed.contains("00ff"));
        assert_eq!(k.open(3, &sealed).unwrap(), "00ff");
        assert!(k.open(4, &sealed).is_err(), "bound to kid 3");
        let other = KeyEncryptionKey::parse(&STANDARD.encode([7u8; 32])).unwrap();
        assert!(other.open(3, &sealed).is_err(), "wrong key");
        assert!(KeyEncryptionKey::parse("short").is_err());
        assert_ne!(
            k.seal(3, "00ff").unwrap(),
            sealed,
            "a fresh nonce each time"
        );
    }
}
