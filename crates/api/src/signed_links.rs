//! Short-lived signed links to the organizers' downloads (the attendance
//! CSV, an item's arrivals chart), so that a browser opens them without a
//! Bearer header: `{path}?expires={unix seconds}&user={user id}&signature=…`.
//!
//! The signature is the base64url HMAC-SHA256, under a key every instance
//! shares (kept with the server's other secrets), of
//! `usher-link-v1\n{path}\n{expires}\n{user id}`: the link works for that
//! path only, until that moment, and on behalf of that user, whose roles
//! are read again when it is opened. Chosen over a cookie set at sign-in:
//! a link carries its authority in itself, so nothing ambient rides along
//! with a request another site makes (no CSRF to defend against), and it
//! expires within minutes by itself.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use usher_domain::ids::{FestivalId, ItemId, UserId};
use usher_domain::time::Timestamp;

use crate::error::{ApiError, ApiResult};

/// The name under which the key of signed links is kept in the database.
pub const SIGNED_LINK_SECRET: &str = "signed-link-hmac-sha256";

/// How long a signed link works.
pub const SIGNED_LINK_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// Seconds a link may say it lives beyond its lifetime, for clocks of
/// instances that differ.
const CLOCK_LEEWAY_SECONDS: i64 = 5;

/// What sets the signed message apart from any other use of the key.
const CONTEXT: &str = "usher-link-v1";

/// The path of festival `id`'s attendance CSV.
pub(crate) fn attendance_csv_path(id: FestivalId) -> String {
    format!("/festivals/{id}/attendance.csv")
}

/// The path of item `id`'s arrivals chart.
pub(crate) fn arrivals_svg_path(id: ItemId) -> String {
    format!("/items/{id}/arrivals.svg")
}

/// The query of a signed link, as it came: every part optional, so that a
/// missing or malformed one is refused here, saying what is wrong.
#[derive(Debug, Default, serde::Deserialize)]
pub struct LinkQuery {
    /// Unix seconds after which the link stops working.
    pub expires: Option<String>,
    /// The user the link was made for.
    pub user: Option<String>,
    /// base64url HMAC-SHA256.
    pub signature: Option<String>,
}

impl LinkQuery {
    /// Whether the request claims to be a signed link at all.
    pub fn is_signed(&self) -> bool {
        self.expires.is_some() || self.user.is_some() || self.signature.is_some()
    }
}

/// Signs links and checks them.
#[derive(Clone)]
pub struct LinkSigner {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for LinkSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkSigner { key: [hidden] }")
    }
}

impl LinkSigner {
    /// Links signed with `key` (the shared secret).
    pub fn new(key: &[u8]) -> anyhow::Result<Self> {
        let mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
            .map_err(|error| anyhow::anyhow!("bad signed-link key: {error}"))?;
        Ok(Self { mac })
    }

    fn mac_of(&self, path: &str, expires: i64, user: UserId) -> Hmac<Sha256> {
        let mut mac = self.mac.clone();
        mac.update(format!("{CONTEXT}\n{path}\n{expires}\n{user}").as_bytes());
        mac
    }

    /// The query (after `?`) that lets `user` open `path` until `expires`
    /// (Unix seconds).
    pub fn query(&self, path: &str, expires: i64, user: UserId) -> String {
        let tag = self.mac_of(path, expires, user).finalize().into_bytes();
        format!(
            "expires={expires}&user={user}&signature={}",
            URL_SAFE_NO_PAD.encode(tag)
        )
    }

    /// `path` with the query that lets `user` open it for
    /// [`SIGNED_LINK_LIFETIME`] from `now`.
    pub fn sign(&self, path: &str, user: UserId, now: Timestamp) -> String {
        let lifetime = i64::try_from(SIGNED_LINK_LIFETIME.as_secs()).unwrap_or(300);
        format!(
            "{path}?{}",
            self.query(path, now.timestamp() + lifetime, user)
        )
    }

    /// The user a signed link for `path` was made for, if it is genuine
    /// and current at `now`; UNAUTHENTICATED saying why otherwise.
    pub fn verify(&self, path: &str, link: &LinkQuery, now: Timestamp) -> ApiResult<UserId> {
        let refused = |why: &str| {
            ApiError::Unauthenticated(format!(
                "{why}; open the download again from the organizer console for a new link \
                 (or send `Authorization: Bearer <accessToken>`)"
            ))
        };
        let (Some(expires), Some(user), Some(signature)) =
            (&link.expires, &link.user, &link.signature)
        else {
            return Err(refused(
                "a signed link needs expires, user and signature, and this one lacks some",
            ));
        };
        let expires: i64 = expires
            .parse()
            .map_err(|_| refused("this link's expiry is not a number of seconds"))?;
        let user: UserId = user
            .parse()
            .map_err(|_| refused("this link's user is not an id"))?;
        let tag = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| refused("this link's signature is not base64url"))?;
        self.mac_of(path, expires, user)
            .verify_slice(&tag)
            .map_err(|_| refused("this link's signature does not match it (altered or forged)"))?;
        let now = now.timestamp();
        if now > expires {
            return Err(refused(&format!(
                "this link expired {} s ago (links work for {} minutes)",
                now - expires,
                SIGNED_LINK_LIFETIME.as_secs() / 60
            )));
        }
        let longest = i64::try_from(SIGNED_LINK_LIFETIME.as_secs()).unwrap_or(300);
        if expires > now + longest + CLOCK_LEEWAY_SECONDS {
            return Err(refused("this link says it lives longer than links do"));
        }
        Ok(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";
    const PATH: &str = "/festivals/1b4e28ba-2fa1-41d2-883f-0016d3cca427/attendance.csv";

    fn parsed(query: &str) -> LinkQuery {
        let mut link = LinkQuery::default();
        for pair in query.split('&') {
            let (name, value) = pair.split_once('=').unwrap();
            let value = Some(value.to_owned());
            match name {
                "expires" => link.expires = value,
                "user" => link.user = value,
                "signature" => link.signature = value,
                _ => panic!("{name}"),
            }
        }
        link
    }

    fn now() -> Timestamp {
        "2026-11-27T06:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_link_works_for_its_path_until_it_expires() {
        let signer = LinkSigner::new(KEY).unwrap();
        let user = UserId::generate();
        let url = signer.sign(PATH, user, now());
        let (path, query) = url.split_once('?').unwrap();
        assert_eq!(path, PATH);
        let link = parsed(query);

        assert_eq!(signer.verify(PATH, &link, now()).unwrap(), user);
        let later = now() + chrono::Duration::seconds(300);
        assert_eq!(signer.verify(PATH, &link, later).unwrap(), user);
        let too_late = later + chrono::Duration::seconds(1);
        let expired = signer.verify(PATH, &link, too_late).unwrap_err();
        assert!(expired.message().contains("expired 1 s ago"), "{expired:?}");
        let elsewhere = signer.verify("/items/x/arrivals.svg", &link, now());
        assert!(elsewhere.unwrap_err().message().contains("does not match"));
        let other_key = LinkSigner::new(b"another key of thirty-two bytes!").unwrap();
        assert_eq!(
            other_key.verify(PATH, &link, now()).unwrap_err().code(),
            "UNAUTHENTICATED"
        );
    }

    #[test]
    fn a_changed_expiry_or_user_breaks_the_signature() {
        let signer = LinkSigner::new(KEY).unwrap();
        let user = UserId::generate();
        let mut link = parsed(signer.sign(PATH, user, now()).split_once('?').unwrap().1);
        let expires: i64 = link.expires.as_ref().unwrap().parse().unwrap();
        link.expires = Some((expires + 60).to_string());
        assert!(signer.verify(PATH, &link, now()).is_err());
        let mut link = parsed(signer.sign(PATH, user, now()).split_once('?').unwrap().1);
        link.user = Some(UserId::generate().to_string());
        assert!(signer.verify(PATH, &link, now()).is_err());
    }

    #[test]
    fn malformed_and_overlong_links_are_refused_saying_why() {
        let signer = LinkSigner::new(KEY).unwrap();
        let user = UserId::generate();
        let good = parsed(signer.sign(PATH, user, now()).split_once('?').unwrap().1);
        let cases = [
            (
                LinkQuery {
                    signature: None,
                    ..parsed(signer.sign(PATH, user, now()).split_once('?').unwrap().1)
                },
                "lacks some",
            ),
            (
                LinkQuery {
                    expires: Some("soon".into()),
                    ..parsed(signer.sign(PATH, user, now()).split_once('?').unwrap().1)
                },
                "not a number",
            ),
            (
                LinkQuery {
                    user: Some("me".into()),
                    ..parsed(signer.sign(PATH, user, now()).split_once('?').unwrap().1)
                },
                "not an id",
            ),
            (
                LinkQuery {
                    signature: Some("%%%".into()),
                    ..parsed(signer.sign(PATH, user, now()).split_once('?').unwrap().1)
                },
                "not base64url",
            ),
            (
                parsed(&signer.query(PATH, now().timestamp() + 86_400, user)),
                "longer than links do",
            ),
        ];
        assert!(signer.verify(PATH, &good, now()).is_ok());
        for (link, why) in cases {
            let refused = signer.verify(PATH, &link, now()).unwrap_err();
            assert!(refused.message().contains(why), "{why}: {refused:?}");
        }
    }

    #[test]
    fn the_signature_is_hmac_sha256_of_the_documented_message() {
        // Computed apart from this code, with Python:
        // base64.urlsafe_b64encode(hmac.new(KEY, b"usher-link-v1\n/p\n1800000000\n"
        //   b"1b4e28ba-2fa1-41d2-883f-0016d3cca427", hashlib.sha256).digest()).rstrip(b"=")
        let signer = LinkSigner::new(KEY).unwrap();
        let user: UserId = "1b4e28ba-2fa1-41d2-883f-0016d3cca427".parse().unwrap();
        assert_eq!(
            signer.query("/p", 1_800_000_000, user),
            "expires=1800000000&user=1b4e28ba-2fa1-41d2-883f-0016d3cca427&signature=zf50W0TKQN0sNdWKDbmUVIZC1BVYKzlyZu-S1jj19GM"
        );
        assert!(!format!("{signer:?}").contains("0123"));
    }
}
