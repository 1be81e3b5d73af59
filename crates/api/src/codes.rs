//! Ticket codes: compact JWS (EdDSA), made with jsonwebtoken. A code is
//! checked by signing its header and claims again with the key its `kid`
//! names and comparing the signatures in constant time: Ed25519 signatures
//! are deterministic, so a genuine code carries exactly that signature, and
//! signing costs less than half of verifying (the door checks a code on
//! every scan). Door devices offline verify with the published public keys.
//!
//! A code is `header.claims.signature` with the header holding only `alg`
//! and `kid`, and the claims only the ticket and item ids in compact form,
//! so that it stays within 213 characters: a QR code of version 10 at error
//! correction M. The keys live in the database (or, for signing, a PEM file
//! configured by the operator) and are published as a JWKS; every key that
//! is not retired keeps verifying.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use usher_domain::ids::{ItemId, TicketId};
use usher_domain::tickets::TicketClaims;
use usher_domain::time;
use usher_persistence::{RetiredSigningKey, Store, StoredSigningKey};

use crate::error::{ApiError, ApiResult};

/// The longest code a QR code of version 10 holds at error correction M
/// (byte mode).
pub const MAX_CODE_LENGTH: usize = 213;

#[derive(Serialize, Deserialize)]
struct CodeClaims {
    /// The ticket id, compact.
    t: String,
    /// The item id, compact.
    i: String,
}

/// A code that is not a genuine ticket code of this installation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidCode {
    /// Not a compact JWS, or claims of the wrong shape.
    #[error("not a ticket code")]
    Malformed,
    /// Signed by a key this installation does not know.
    #[error("signed with an unknown key")]
    UnknownKey,
    /// Genuine, but signed by a key that has been retired: the ticket
    /// itself shows a code signed with a current key.
    #[error("signed with a retired key")]
    RetiredKey,
    /// The signature does not match.
    #[error("the signature does not match")]
    BadSignature,
}

struct Signer {
    kid: String,
    key: EncodingKey,
}

struct Keyring {
    signer: Signer,
    /// Every key that verifies, by kid.
    keys: HashMap<String, SigningKey>,
    /// The public halves of the retired keys, by kid: a code one of them
    /// signed is refused as RetiredKey rather than as unknown or forged.
    retired: HashMap<String, VerifyingKey>,
    jwks: String,
}

/// A key pair and its id.
#[derive(Clone)]
struct KeyPair {
    kid: String,
    signing: SigningKey,
}

impl KeyPair {
    fn public_x(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.signing.verifying_key().as_bytes())
    }

    fn encoding_key(&self) -> anyhow::Result<EncodingKey> {
        let der = self
            .signing
            .to_pkcs8_der()
            .map_err(|error| anyhow::anyhow!("cannot encode a signing key: {error}"))?;
        Ok(EncodingKey::from_ed_der(der.as_bytes()))
    }

    fn from_stored(stored: &StoredSigningKey) -> anyhow::Result<Self> {
        let seed: [u8; 32] = URL_SAFE_NO_PAD
            .decode(&stored.private_key)?
            .try_into()
            .map_err(|_| anyhow::anyhow!("signing key {} is not 32 bytes", stored.kid))?;
        Ok(Self {
            kid: stored.kid.clone(),
            signing: SigningKey::from_bytes(&seed),
        })
    }

    /// A key read from an Ed25519 PKCS#8 PEM file; its kid comes from its
    /// public key, so that every instance given the file agrees on it.
    fn from_pem(pem: &str) -> anyhow::Result<Self> {
        let signing = SigningKey::from_pkcs8_pem(pem)
            .map_err(|error| anyhow::anyhow!("not an Ed25519 PKCS#8 PEM key: {error}"))?;
        let digest = Sha256::digest(signing.verifying_key().as_bytes());
        Ok(Self {
            kid: hex(&digest[..4]),
            signing,
        })
    }
}

/// Eight lower-case hex digits: a kid that keeps codes within 213
/// characters and is easy to type on a command line.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A new random key pair, ready to store.
pub fn generate_signing_key() -> StoredSigningKey {
    let mut seed = [0_u8; 32];
    rand::rng().fill_bytes(&mut seed);
    let mut kid = [0_u8; 4];
    rand::rng().fill_bytes(&mut kid);
    let signing = SigningKey::from_bytes(&seed);
    StoredSigningKey {
        kid: hex(&kid),
        private_key: URL_SAFE_NO_PAD.encode(seed),
        public_key: URL_SAFE_NO_PAD.encode(signing.verifying_key().as_bytes()),
        created_at: time::now(),
    }
}

/// Signs and verifies ticket codes with the installation's keys.
pub struct TicketKeys {
    store: Store,
    configured: Option<KeyPair>,
    ring: RwLock<Arc<Keyring>>,
    last_refresh: Mutex<Instant>,
}

/// A code signed with a key this instance does not know may come from a key
/// rotated moments ago: reread the keys, but at most this often.
const ON_DEMAND_REFRESH: Duration = Duration::from_secs(2);

impl TicketKeys {
    /// Loads the keys, creating the first one if the database has none. With
    /// `pem`, that key signs; the stored keys still verify.
    pub async fn load(store: Store, pem: Option<&str>) -> anyhow::Result<Self> {
        let configured = pem.map(KeyPair::from_pem).transpose()?;
        if configured.is_none() && store.signing_keys().await?.is_empty() {
            store.add_signing_key(generate_signing_key()).await?;
        }
        let ring = build_ring(&store, configured.as_ref()).await?;
        Ok(Self {
            store,
            configured,
            ring: RwLock::new(Arc::new(ring)),
            last_refresh: Mutex::new(Instant::now()),
        })
    }

    /// Reads the keys again: picks up keys rotated or retired by another
    /// process.
    pub async fn refresh(&self) -> anyhow::Result<()> {
        let ring = build_ring(&self.store, self.configured.as_ref()).await?;
        *self.ring.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(ring);
        *self
            .last_refresh
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Instant::now();
        Ok(())
    }

    /// Like `verify`, but a code signed with an unknown key makes the
    /// instance reread the keys first (at most every two seconds), so that
    /// a key rotated by another instance is honoured at once.
    pub async fn verify_current(&self, code: &str) -> Result<TicketClaims, InvalidCode> {
        match self.verify(code) {
            Err(InvalidCode::UnknownKey) if self.may_refresh() => {
                if let Err(error) = self.refresh().await {
                    tracing::warn!(
                        error = format!("{error:#}"),
                        "cannot reread the ticket keys"
                    );
                }
                self.verify(code)
            }
            verified => verified,
        }
    }

    fn may_refresh(&self) -> bool {
        let mut last = self
            .last_refresh
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if last.elapsed() < ON_DEMAND_REFRESH {
            return false;
        }
        *last = Instant::now();
        true
    }

    fn ring(&self) -> Arc<Keyring> {
        self.ring
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The code for a ticket, signed with the current key. Signatures are
    /// deterministic: the same key gives the same code.
    pub fn sign(&self, claims: TicketClaims) -> ApiResult<String> {
        let ring = self.ring();
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = None;
        header.kid = Some(ring.signer.kid.clone());
        let claims = CodeClaims {
            t: claims.ticket_id.compact(),
            i: claims.item_id.compact(),
        };
        jsonwebtoken::encode(&header, &claims, &ring.signer.key).map_err(ApiError::internal)
    }

    /// The claims of a genuine code.
    pub fn verify(&self, code: &str) -> Result<TicketClaims, InvalidCode> {
        let code = code.trim();
        if code.len() > 4 * MAX_CODE_LENGTH {
            return Err(InvalidCode::Malformed);
        }
        let mut parts = code.split('.');
        let (Some(header_text), Some(claims_text), Some(signature_text), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(InvalidCode::Malformed);
        };
        let header = jsonwebtoken::decode_header(code).map_err(|_| InvalidCode::Malformed)?;
        if header.alg != Algorithm::EdDSA {
            return Err(InvalidCode::BadSignature);
        }
        let kid = header.kid.ok_or(InvalidCode::UnknownKey)?;
        let ring = self.ring();
        let key = ring.keys.get(&kid);
        if key.is_none() && !ring.retired.contains_key(&kid) {
            return Err(InvalidCode::UnknownKey);
        }
        let signature: [u8; ed25519_dalek::SIGNATURE_LENGTH] = URL_SAFE_NO_PAD
            .decode(signature_text)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or(InvalidCode::Malformed)?;
        let signed = &code[..header_text.len() + 1 + claims_text.len()];
        let Some(key) = key else {
            return Err(ring.retired_or_forged(&kid, signed, &signature));
        };
        let genuine = key.sign(signed.as_bytes()).to_bytes();
        if !bool::from(genuine.ct_eq(&signature)) {
            return Err(InvalidCode::BadSignature);
        }
        let claims: CodeClaims = URL_SAFE_NO_PAD
            .decode(claims_text)
            .ok()
            .and_then(|json| serde_json::from_slice(&json).ok())
            .ok_or(InvalidCode::Malformed)?;
        Ok(TicketClaims {
            ticket_id: TicketId::from_compact(&claims.t).ok_or(InvalidCode::Malformed)?,
            item_id: ItemId::from_compact(&claims.i).ok_or(InvalidCode::Malformed)?,
        })
    }

    /// The public keys as a JWKS document.
    pub fn jwks(&self) -> String {
        self.ring().jwks.clone()
    }
}

impl Keyring {
    /// A code whose kid names a retired key: RetiredKey if that key signed
    /// it (checked with its public half, as anyone could), else forged.
    fn retired_or_forged(
        &self,
        kid: &str,
        signed: &str,
        signature: &[u8; ed25519_dalek::SIGNATURE_LENGTH],
    ) -> InvalidCode {
        let genuine = self.retired.get(kid).is_some_and(|public| {
            public
                .verify_strict(signed.as_bytes(), &Signature::from_bytes(signature))
                .is_ok()
        });
        if genuine {
            InvalidCode::RetiredKey
        } else {
            InvalidCode::BadSignature
        }
    }
}

/// The public half of a retired key; one that does not decode is left out
/// (its codes are then merely unknown).
fn retired_key(stored: &RetiredSigningKey) -> Option<(String, VerifyingKey)> {
    let bytes: [u8; 32] = URL_SAFE_NO_PAD
        .decode(&stored.public_key)
        .ok()?
        .try_into()
        .ok()?;
    let key = VerifyingKey::from_bytes(&bytes).ok()?;
    Some((stored.kid.clone(), key))
}

async fn build_ring(store: &Store, configured: Option<&KeyPair>) -> anyhow::Result<Keyring> {
    let mut pairs: Vec<KeyPair> = store
        .signing_keys()
        .await?
        .iter()
        .map(KeyPair::from_stored)
        .collect::<anyhow::Result<_>>()?;
    if let Some(pair) = configured {
        pairs.insert(0, pair.clone());
    }
    let newest = pairs
        .first()
        .ok_or_else(|| anyhow::anyhow!("no ticket signing key: run `usher keys rotate`"))?;
    let signer = Signer {
        kid: newest.kid.clone(),
        key: newest.encoding_key()?,
    };
    let mut keys = HashMap::new();
    let mut published = Vec::new();
    for pair in &pairs {
        let x = pair.public_x();
        keys.insert(pair.kid.clone(), pair.signing.clone());
        published.push(serde_json::json!({
            "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": pair.kid, "x": x,
        }));
    }
    let retired = store
        .retired_signing_keys()
        .await?
        .iter()
        .filter_map(retired_key)
        .filter(|(kid, _)| !keys.contains_key(kid))
        .collect();
    Ok(Keyring {
        signer,
        keys,
        retired,
        jwks: serde_json::json!({ "keys": published }).to_string(),
    })
}
