//! Who is asking: access tokens (HS256 JWTs, issuer and audience checked,
//! algorithm pinned, lifetime bounded, tied to their login), opaque refresh
//! tokens (stored hashed), scanner device tokens (derived from their
//! device's id, stored hashed), and argon2id password hashes computed off
//! the async runtime's threads.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::{Semaphore, SemaphorePermit};
use usher_domain::accounts::User;
use usher_domain::door::ScannerDevice;
use usher_domain::ids::{ScannerId, SessionId, UserId};
use usher_domain::input::Password;
use usher_domain::time::{self, Timestamp};

use crate::error::{ApiError, ApiResult};
use crate::throttle::ThrottleSettings;

const ISSUER: &str = "usher";
const AUDIENCE: &str = "usher-api";
/// Seconds a token is still taken after its `exp`, for clocks that differ.
const LEEWAY_SECONDS: i64 = 5;
/// More verified tokens than this and the cache starts over.
const MOST_VERIFIED_TOKENS: usize = 10_000;

/// How expensive password hashes are, and how long tokens live.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// Lifetime of an access token.
    pub access_token_ttl: Duration,
    /// Lifetime of a refresh token (and so of a login left unused).
    pub refresh_token_ttl: Duration,
    /// Argon2id memory cost in KiB.
    pub argon2_memory_kib: u32,
    /// Argon2id passes.
    pub argon2_iterations: u32,
    /// How many sign-ins and registrations are let through.
    pub throttles: ThrottleSettings,
}

impl Default for AuthSettings {
    /// OWASP's argon2id recommendation (19 MiB, 2 passes); 15-minute access
    /// tokens; 30-day refresh tokens.
    fn default() -> Self {
        Self {
            access_token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            argon2_memory_kib: 19 * 1024,
            argon2_iterations: 2,
            throttles: ThrottleSettings::default(),
        }
    }
}

/// What an access token says. `iat` and `sid` are required: a token without
/// them was not issued by this server (or predates logins that end).
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    /// The login the token was issued with: it stops working when the login
    /// ends.
    sid: String,
    iss: String,
    aud: String,
    iat: i64,
    exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nbf: Option<i64>,
}

/// Whom a genuine access token speaks for, and within which login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenSubject {
    /// The signed-in user.
    pub user: UserId,
    /// The login the token belongs to.
    pub session: SessionId,
}

/// Issues and checks the credentials of people.
#[derive(Clone)]
pub struct Auth {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    argon2: Argon2<'static>,
    settings: AuthSettings,
    /// Checked when the email is unknown, so that a wrong email takes as long
    /// as a wrong password.
    decoy_hash: String,
    /// Tokens verified already, with their subject and expiry (a door phone
    /// sends the same token with every scan). The signature and lifetime of
    /// a token checked once stay good until it expires; whether its login
    /// goes on is asked separately, on every request.
    verified: Arc<RwLock<HashMap<String, (TokenSubject, i64)>>>,
    /// Turns to hash a password: at most half the cores hash at once, so
    /// that no flood of sign-ins takes the whole machine from the door.
    hashing: Arc<Semaphore>,
}

impl Auth {
    /// Access tokens signed with `secret` (shared by every instance).
    pub fn new(secret: &[u8], settings: AuthSettings) -> anyhow::Result<Self> {
        let argon2 = argon2_of(&settings)?;
        let mut validation = Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECONDS.unsigned_abs();
        let decoy_hash = hash_with(&argon2, "decoy password, never matches")?;
        Ok(Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            argon2,
            settings,
            decoy_hash,
            verified: Arc::default(),
            hashing: Arc::new(Semaphore::new(
                std::thread::available_parallelism()
                    .map_or(1, usize::from)
                    .div_ceil(2),
            )),
        })
    }

    /// A fresh access token for `user` within login `session`, and when it
    /// expires.
    pub fn access_token(&self, user: UserId, session: SessionId) -> ApiResult<(String, Timestamp)> {
        let now = time::now();
        let ttl = chrono::Duration::from_std(self.settings.access_token_ttl)
            .map_err(ApiError::internal)?;
        let expires_at = now + ttl;
        let claims = Claims {
            sub: user.to_string(),
            sid: session.to_string(),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
            nbf: None,
        };
        let token = jsonwebtoken::encode(
            &Header::new(jsonwebtoken::Algorithm::HS256),
            &claims,
            &self.encoding,
        )
        .map_err(ApiError::internal)?;
        Ok((token, expires_at))
    }

    /// Whom an access token speaks for, if it is genuine, current, and no
    /// longer-lived than the tokens this server issues. Whether its login
    /// goes on is for the caller to ask.
    pub fn verify_access_token(&self, token: &str) -> Option<TokenSubject> {
        self.subject_of_token(token, time::now().timestamp())
    }

    /// [`Self::verify_access_token`] at `now` (Unix seconds) for tokens
    /// verified before.
    fn subject_of_token(&self, token: &str, now: i64) -> Option<TokenSubject> {
        let current = |expires: i64| now <= expires + LEEWAY_SECONDS;
        if let Some(&(subject, expires)) = self
            .verified
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(token)
        {
            return current(expires).then_some(subject);
        }
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()?
            .claims;
        // Whoever holds the secret could sign a token for 2^62 seconds; the
        // server never issues one that lives longer than its setting, nor
        // one dated in the future.
        let longest = i64::try_from(self.settings.access_token_ttl.as_secs()).ok()?;
        let lifetime = claims.exp.checked_sub(claims.iat)?;
        if !(0..=longest).contains(&lifetime) || claims.iat > now + LEEWAY_SECONDS {
            return None;
        }
        let subject = TokenSubject {
            user: claims.sub.parse().ok()?,
            session: claims.sid.parse().ok()?,
        };
        let mut verified = self
            .verified
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if verified.len() >= MOST_VERIFIED_TOKENS {
            verified.retain(|_, (_, expires)| current(*expires));
            if verified.len() >= MOST_VERIFIED_TOKENS {
                verified.clear();
            }
        }
        verified.insert(token.to_owned(), (subject, claims.exp));
        Some(subject)
    }

    /// When a refresh token issued now expires.
    pub fn refresh_expiry(&self) -> ApiResult<Timestamp> {
        chrono::Duration::from_std(self.settings.refresh_token_ttl)
            .map(|ttl| time::now() + ttl)
            .map_err(ApiError::internal)
    }

    /// Hashes a new password with argon2id, on a blocking thread.
    pub async fn hash_password(&self, password: Password) -> ApiResult<String> {
        let _turn = self.hashing_turn().await?;
        let argon2 = self.argon2.clone();
        tokio::task::spawn_blocking(move || hash_with(&argon2, password.expose()))
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::internal)
    }

    async fn hashing_turn(&self) -> ApiResult<SemaphorePermit<'_>> {
        self.hashing
            .acquire()
            .await
            .map_err(|_| ApiError::internal(anyhow::anyhow!("password hashing closed")))
    }

    /// Whether `password` matches `hash`; with no hash (unknown email) it
    /// spends the same time and says no.
    pub async fn verify_password(&self, password: String, hash: Option<String>) -> ApiResult<bool> {
        let _turn = self.hashing_turn().await?;
        let argon2 = self.argon2.clone();
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.decoy_hash.clone());
        let matches = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash)
                .map(|parsed| argon2.verify_password(password.as_bytes(), &parsed).is_ok())
                .unwrap_or(false)
        })
        .await
        .map_err(ApiError::internal)?;
        Ok(known && matches)
    }
}

/// Argon2id with the costs of `settings`.
fn argon2_of(settings: &AuthSettings) -> anyhow::Result<Argon2<'static>> {
    let params = Params::new(
        settings.argon2_memory_kib,
        settings.argon2_iterations,
        1,
        None,
    )
    .map_err(|error| anyhow::anyhow!("bad argon2 parameters: {error}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a new password as the server would, for a command that makes an
/// account without serving (`usher user add`); blocks while it hashes.
pub fn hash_new_password(settings: &AuthSettings, password: &Password) -> anyhow::Result<String> {
    hash_with(&argon2_of(settings)?, password.expose())
}

fn hash_with(argon2: &Argon2<'_>, password: &str) -> anyhow::Result<String> {
    let mut salt = [0_u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|error| anyhow::anyhow!("{error}"))?;
    argon2
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| anyhow::anyhow!("cannot hash a password: {error}"))
}

/// A new opaque refresh token: 256 random bits.
pub fn new_refresh_token() -> String {
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of an opaque token (refresh or scanner): its
/// SHA-256, so that a leaked table does not leak logins.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The person or device behind a request, attached to it as request data.
/// What each may do is checked in `crate::access`.
#[derive(Debug, Clone)]
pub enum Viewer {
    /// No token was sent.
    Anonymous,
    /// A valid access token for this user was sent, within this login.
    User(Box<User>, SessionId),
    /// A scanner device's token was sent: it may only scan at its venue.
    Scanner(Box<ScannerDevice>),
}

/// Scanner device tokens start with this, so that they are told apart from
/// access tokens at a glance.
pub const SCANNER_TOKEN_PREFIX: &str = "usc_";

/// Makes each scanner device's token from its id: `usc_` and the
/// base64url HMAC-SHA256 of the id's 16 bytes under a 32-byte key that
/// every instance shares (kept with the other server secrets, sealed when
/// the operator gives a secret key file).
///
/// Derived rather than stored so that an organizer can show a live token
/// again, as the QR code that pairs a phone, while the database still keeps
/// only its SHA-256: a token is checked by that hash as before, no column
/// holds it, and a copy of the database reveals no token unless it also
/// reveals this key, which it does only when the server runs without a
/// secret key file, when it leaks the access-token key (every account) as
/// well.
#[derive(Clone)]
pub struct ScannerTokens {
    mac: Hmac<Sha256>,
}

impl ScannerTokens {
    /// Tokens under `key` (the shared secret; any length works, 32 bytes
    /// are stored).
    pub fn new(key: &[u8]) -> anyhow::Result<Self> {
        let mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
            .map_err(|error| anyhow::anyhow!("bad scanner token key: {error}"))?;
        Ok(Self { mac })
    }

    /// The token of scanner device `id`: the same whenever it is asked for.
    pub fn token(&self, id: ScannerId) -> String {
        let mut mac = self.mac.clone();
        mac.update(id.as_uuid().as_bytes());
        let tag = mac.finalize().into_bytes();
        format!("{SCANNER_TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(tag))
    }
}

impl std::fmt::Debug for ScannerTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ScannerTokens { key: [hidden] }")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth() -> Auth {
        let settings = AuthSettings {
            argon2_memory_kib: 1024,
            argon2_iterations: 1,
            ..AuthSettings::default()
        };
        Auth::new(SECRET, settings).unwrap()
    }

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn subject() -> TokenSubject {
        TokenSubject {
            user: UserId::generate(),
            session: SessionId::generate(),
        }
    }

    fn token_for(subject: TokenSubject, auth: &Auth) -> (String, Timestamp) {
        auth.access_token(subject.user, subject.session).unwrap()
    }

    /// A token signed with the real secret, with claims of the forger's choosing.
    fn forged(claims: &serde_json::Value) -> String {
        jsonwebtoken::encode(
            &Header::new(jsonwebtoken::Algorithm::HS256),
            claims,
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap()
    }

    #[test]
    fn an_access_token_names_its_user_and_login() {
        let auth = auth();
        let subject = subject();
        let (token, _) = token_for(subject, &auth);
        assert_eq!(auth.verify_access_token(&token), Some(subject));
    }

    #[test]
    fn a_verified_token_is_refused_once_it_expires() {
        let auth = auth();
        let subject = subject();
        let (token, expires_at) = token_for(subject, &auth);
        assert_eq!(auth.verify_access_token(&token), Some(subject));
        let expires = expires_at.timestamp();
        assert_eq!(auth.subject_of_token(&token, expires), Some(subject));
        assert_eq!(
            auth.subject_of_token(&token, expires + LEEWAY_SECONDS + 1),
            None
        );
    }

    #[test]
    fn tokens_that_live_longer_than_issued_or_start_later_are_refused() {
        let auth = auth();
        let subject = subject();
        let now = time::now().timestamp();
        let claims = |changes: serde_json::Value| {
            let mut claims = serde_json::json!({
                "sub": subject.user.to_string(), "sid": subject.session.to_string(),
                "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 900,
            });
            for (name, value) in changes.as_object().unwrap() {
                if value.is_null() {
                    claims.as_object_mut().unwrap().remove(name);
                } else {
                    claims[name] = value.clone();
                }
            }
            forged(&claims)
        };
        assert_eq!(
            auth.verify_access_token(&claims(serde_json::json!({}))),
            Some(subject),
            "the forger's baseline is a token the server would issue"
        );
        for (what, changes) in [
            ("exp = 2^62", serde_json::json!({ "exp": 1_i64 << 62 })),
            ("a day long", serde_json::json!({ "exp": now + 86_400 })),
            ("nbf in an hour", serde_json::json!({ "nbf": now + 3600 })),
            ("no iat", serde_json::json!({ "iat": null })),
            (
                "iat in an hour",
                serde_json::json!({ "iat": now + 3600, "exp": now + 3700 }),
            ),
            (
                "exp before iat",
                serde_json::json!({ "iat": now + 3, "exp": now + 1 }),
            ),
            ("no login", serde_json::json!({ "sid": null })),
        ] {
            assert_eq!(auth.verify_access_token(&claims(changes)), None, "{what}");
        }
    }

    #[test]
    fn unsigned_and_foreign_tokens_are_refused() {
        let auth = auth();
        let (token, _) = token_for(subject(), &auth);
        let mut parts: Vec<&str> = token.split('.').collect();
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        parts[0] = &none_header;
        let unsigned = format!("{}.{}.", parts[0], parts[1]);
        assert_eq!(auth.verify_access_token(&unsigned), None);
        let other = Auth::new(
            b"another secret of thirty-two byte",
            AuthSettings {
                argon2_memory_kib: 1024,
                argon2_iterations: 1,
                ..AuthSettings::default()
            },
        )
        .unwrap();
        assert_eq!(other.verify_access_token(&token), None);
    }

    #[test]
    fn a_scanner_token_is_the_same_for_its_device_and_only_for_it() {
        let tokens = ScannerTokens::new(SECRET).unwrap();
        let other_key = ScannerTokens::new(b"another secret of thirty-two byte").unwrap();
        let device = ScannerId::generate();
        let another = ScannerId::generate();

        let token = tokens.token(device);

        assert_eq!(tokens.token(device), token, "derived again, the same");
        assert_eq!(
            ScannerTokens::new(SECRET).unwrap().token(device),
            token,
            "the same on every instance with the key"
        );
        assert_ne!(tokens.token(another), token, "another device");
        assert_ne!(other_key.token(device), token, "another key");
        let tag = token.strip_prefix(SCANNER_TOKEN_PREFIX).unwrap();
        assert_eq!(URL_SAFE_NO_PAD.decode(tag).unwrap().len(), 32);
        assert!(!format!("{tokens:?}").contains("0123"), "{tokens:?}");
    }

    #[test]
    fn a_scanner_token_is_hmac_sha256_of_the_id_bytes_in_base64url() {
        // Computed apart from this code, with Python's hmac module:
        // "usc_" + urlsafe_b64encode(hmac.new(SECRET, uuid.bytes, sha256)
        // .digest()) without its padding.
        let device: ScannerId = "0190f6a4-8c1e-7b3d-9a55-3c2f1e0d9b8a".parse().unwrap();
        assert_eq!(
            ScannerTokens::new(SECRET).unwrap().token(device),
            "usc_UjjRET059AYVXwbR-f95PFLii21cTTVjbfZFQqpYpGw"
        );
    }

    #[tokio::test]
    async fn passwords_verify_only_against_their_hash() {
        let auth = auth();
        let hash = auth
            .hash_password(Password::parse("password", "correct horse battery").unwrap())
            .await
            .unwrap();
        assert!(
            auth.verify_password("correct horse battery".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !auth
                .verify_password("wrong horse battery".into(), Some(hash))
                .await
                .unwrap()
        );
        assert!(
            !auth
                .verify_password("correct horse battery".into(), None)
                .await
                .unwrap()
        );
    }
}
