//! The operator's key that seals, at rest, the secrets every instance on
//! one database shares (such as the key that signs access tokens) and the
//! ticket keys' private halves.
//!
//! A sealed value is `sealed:v1:` and the base64url of a random 12-byte
//! nonce followed by its ChaCha20-Poly1305 ciphertext and tag; the row it
//! belongs to (`server_secret/NAME`, `signing_key/KID`) is the associated
//! data, so that a sealed value moved to another row does not open. A plain
//! value is base64 and never holds a `:`, so the two are told apart.

use std::fmt;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::RngCore;
use usher_domain::ids::ItemId;

use crate::error::StoreError;

/// What marks a sealed value, and its format's version.
const SEALED_PREFIX: &str = "sealed:v1:";
const NONCE_BYTES: usize = 12;

/// The operator's key-encryption key: 32 bytes that seal the secrets kept
/// in the database. `Debug` never shows it.
#[derive(Clone)]
pub struct SecretKey(Arc<ChaCha20Poly1305>);

/// A key file that does not hold a key.
#[derive(Debug, thiserror::Error)]
#[error(
    "the secret key file must hold 32 bytes as 64 hexadecimal digits or as base64 \
     (make one with `openssl rand -hex 32`)"
)]
pub struct BadSecretKey;

impl SecretKey {
    /// The key in a key file's text: 64 hexadecimal digits, or base64 of 32
    /// bytes; surrounding whitespace is ignored.
    pub fn parse(text: &str) -> Result<Self, BadSecretKey> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit()) {
            (0..32)
                .map(|at| u8::from_str_radix(&text[2 * at..2 * at + 2], 16))
                .collect::<Result<Vec<u8>, _>>()
                .map_err(|_| BadSecretKey)?
        } else {
            STANDARD
                .decode(text)
                .or_else(|_| STANDARD_NO_PAD.decode(text))
                .map_err(|_| BadSecretKey)?
        };
        let key: [u8; 32] = bytes.try_into().map_err(|_| BadSecretKey)?;
        Ok(Self(Arc::new(ChaCha20Poly1305::new(&Key::from(key)))))
    }

    /// `plain` sealed for the row named `row`.
    pub(crate) fn seal(&self, row: &str, plain: &str) -> Result<String, StoreError> {
        let mut nonce = [0_u8; NONCE_BYTES];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .0
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: row.as_bytes(),
                },
            )
            .map_err(|_| StoreError::Unexpected(anyhow::anyhow!("cannot seal {row}")))?;
        let mut bytes = nonce.to_vec();
        bytes.extend(sealed);
        Ok(format!("{SEALED_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// The plain text of a value sealed for `row`.
    pub(crate) fn open(&self, row: &str, sealed: &str) -> Result<String, StoreError> {
        let wrong_key = || {
            StoreError::Unexpected(anyhow::anyhow!(
                "the secret key file does not open {row}: it is not the key the database's \
                 secrets were sealed with (or the value was tampered with)"
            ))
        };
        let bytes = sealed
            .strip_prefix(SEALED_PREFIX)
            .and_then(|text| URL_SAFE_NO_PAD.decode(text).ok())
            .filter(|bytes| bytes.len() > NONCE_BYTES)
            .ok_or_else(|| {
                StoreError::Unexpected(anyhow::anyhow!("{row} is not a sealed value"))
            })?;
        let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
        let nonce: [u8; NONCE_BYTES] = nonce.try_into().map_err(|_| wrong_key())?;
        let plain = self
            .0
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: row.as_bytes(),
                },
            )
            .map_err(|_| wrong_key())?;
        String::from_utf8(plain).map_err(|_| wrong_key())
    }

    /// A value stored for `row` sealed with this key: None when it is
    /// sealed already (checked to open, so that a wrong key stops here).
    pub(crate) fn sealed_unless_sealed(
        &self,
        row: &str,
        stored: &str,
    ) -> Result<Option<String>, StoreError> {
        if is_sealed(stored) {
            self.open(row, stored)?;
            return Ok(None);
        }
        self.seal(row, stored).map(Some)
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

/// Whether a stored value is sealed.
pub(crate) fn is_sealed(value: &str) -> bool {
    value.starts_with(SEALED_PREFIX)
}

pub(crate) fn secret_row(name: &str) -> String {
    format!("server_secret/{name}")
}

pub(crate) fn signing_key_row(kid: &str) -> String {
    format!("signing_key/{kid}")
}

pub(crate) fn ballot_secret_row(item_id: ItemId) -> String {
    format!("ballot/{item_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn keys_are_read_as_hex_or_base64() {
        let hex = SecretKey::parse(&format!("  {HEX}\n")).unwrap();
        let base64 = SecretKey::parse(&STANDARD.encode((0..32).collect::<Vec<u8>>())).unwrap();
        let sealed = hex.seal("server_secret/x", "plain").unwrap();
        assert_eq!(base64.open("server_secret/x", &sealed).unwrap(), "plain");
        for bad in [
            "",
            "short",
            &HEX[..62],
            &format!("{HEX}00"),
            &"zz".repeat(32),
        ] {
            assert!(SecretKey::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(format!("{hex:?}"), "SecretKey(..)");
    }

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_for_its_row() {
        let key = SecretKey::parse(HEX).unwrap();
        let other = SecretKey::parse(&"ab".repeat(32)).unwrap();
        let sealed = key.seal("signing_key/k1", "the seed").unwrap();

        assert!(is_sealed(&sealed));
        assert!(!sealed.contains("the seed"));
        assert_ne!(sealed, key.seal("signing_key/k1", "the seed").unwrap());
        assert_eq!(key.open("signing_key/k1", &sealed).unwrap(), "the seed");
        assert!(key.open("signing_key/k2", &sealed).is_err());
        let wrong = other.open("signing_key/k1", &sealed).unwrap_err();
        assert!(wrong.to_string().contains("not the key"), "{wrong}");
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert!(key.open("signing_key/k1", &tampered).is_err());
    }
}
