//! Pairing a phone with the door page: the URL an organizer shows it (as a
//! QR code) is `{origin}/door#pair={token}`. The token travels in the
//! fragment, which a browser never sends to a server, so that it stays out
//! of access logs, proxies and `Referer` headers. The origin is the one
//! `--public-url` names or, without it, the one the request came to.

use std::fmt;

use axum::http::HeaderValue;
use axum::http::uri::{Authority, Scheme, Uri};

use crate::error::{ApiError, ApiResult};

/// The page a pairing URL opens.
const DOOR_PAGE: &str = "/door";

/// What `--public-url` should look like, for the messages that refuse one.
const PUBLIC_URL_EXAMPLE: &str = "give only the scheme, host and port the door page is reached at, e.g. https://tickets.example.org";

/// Where the door page is reached: `http[s]://host[:port]`, nothing after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin(String);

impl Origin {
    /// The origin of the public URL the operator gives (`--public-url`),
    /// such as `https://tickets.example.org` or `http://10.0.0.5:8080/`.
    /// Refused, saying why: another scheme, a URL that is not absolute, a
    /// user name or password, a path (the door page is at `/door` of the
    /// origin: a path prefix is not supported), a query or a fragment.
    pub fn parse_public_url(raw: &str) -> Result<Self, String> {
        let refuse = |problem: &str| Err(format!("{problem}; {PUBLIC_URL_EXAMPLE}"));
        if raw.contains('#') {
            return refuse("a public URL has no fragment (#…)");
        }
        if raw.contains('?') {
            return refuse("a public URL has no query (?…)");
        }
        let Ok(uri) = raw.parse::<Uri>() else {
            return refuse("not a URL");
        };
        let (Some(scheme), Some(authority)) = (uri.scheme(), uri.authority()) else {
            return refuse("not an absolute URL");
        };
        if *scheme != Scheme::HTTP && *scheme != Scheme::HTTPS {
            return refuse(&format!("the scheme must be http or https, not {scheme}"));
        }
        if authority.as_str().contains('@') {
            return refuse("a public URL carries no user name or password");
        }
        if !is_host_and_port(authority) {
            return refuse("not a host with an optional port");
        }
        if !matches!(uri.path(), "" | "/") {
            return refuse(&format!(
                "a public URL has no path (here {}): the door page is served at /door of its \
                 origin, and a path prefix is not supported",
                uri.path()
            ));
        }
        Ok(Self(format!(
            "{scheme}://{}",
            authority.as_str().to_ascii_lowercase()
        )))
    }

    /// The origin a request reached when no public URL is set: `http://`
    /// and its `Host` (the server itself speaks no TLS; behind a proxy that
    /// does, the operator sets `--public-url`).
    pub fn of_host(host: Option<&str>) -> ApiResult<Self> {
        host.and_then(|host| host.parse::<Authority>().ok())
            .filter(|authority| !authority.as_str().contains('@') && is_host_and_port(authority))
            .map(|authority| {
                Self(format!(
                    "http://{}",
                    authority.as_str().to_ascii_lowercase()
                ))
            })
            .ok_or_else(|| {
                ApiError::bad_input(
                    "Host",
                    "is missing or is not a host[:port], and pairing URLs need it; a server \
                     behind a proxy is given its address with --public-url (USHER_PUBLIC_URL)",
                )
            })
    }

    /// The URL that pairs a phone with scanner token `token`.
    pub fn pairing_url(&self, token: &str) -> String {
        format!("{}{DOOR_PAGE}#pair={token}", self.0)
    }

    /// `scheme://host[:port]`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A non-empty host and nothing after it but, optionally, `:` and a port
/// number (`Authority` takes `host:http`, and its `port()` is then None).
fn is_host_and_port(authority: &Authority) -> bool {
    let host = authority.host();
    match authority.as_str().strip_prefix(host) {
        Some("") => !host.is_empty(),
        Some(rest) => {
            !host.is_empty()
                && rest
                    .strip_prefix(':')
                    .is_some_and(|port| port.parse::<u16>().is_ok())
        }
        None => false,
    }
}

/// The `Host` a request came with (for a WebSocket, its upgrade
/// request's), put in each request's data by the HTTP layer. It is kept as
/// it came and read only when a pairing URL is made: most requests make
/// none.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestHost(pub(crate) Option<HeaderValue>);

impl RequestHost {
    /// `--public-url`'s origin (`public`) or, without it, this request's.
    pub(crate) fn origin(&self, public: Option<&Origin>) -> ApiResult<Origin> {
        match public {
            Some(origin) => Ok(origin.clone()),
            None => Origin::of_host(self.0.as_ref().and_then(|host| host.to_str().ok())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_url_gives_its_origin() {
        for (url, origin) in [
            ("https://tickets.example.org", "https://tickets.example.org"),
            (
                "https://tickets.example.org/",
                "https://tickets.example.org",
            ),
            ("http://10.0.0.5:8080", "http://10.0.0.5:8080"),
            (
                "HTTPS://Door.Example.ORG:8443/",
                "https://door.example.org:8443",
            ),
            ("http://[::1]:8080", "http://[::1]:8080"),
        ] {
            assert_eq!(
                Origin::parse_public_url(url).ok(),
                Some(Origin(origin.to_owned())),
                "{url}"
            );
        }
    }

    #[test]
    fn a_public_url_that_is_not_an_origin_is_refused_saying_why() {
        for (url, why) in [
            ("tickets.example.org", "not an absolute URL"),
            ("/door", "not an absolute URL"),
            ("", "not a URL"),
            ("https://", "not a URL"),
            ("ftp://tickets.example.org", "http or https, not ftp"),
            ("https://tickets.example.org/usher", "no path (here /usher)"),
            ("https://tickets.example.org/?a=1", "no query"),
            ("https://tickets.example.org/#x", "no fragment"),
            ("https://admin:secret@tickets.example.org", "no user name"),
            (
                "https://tickets.example.org:http",
                "host with an optional port",
            ),
            (
                "https://tickets.example.org:99999",
                "host with an optional port",
            ),
            ("https://tickets example.org", "not a URL"),
        ] {
            let refused = Origin::parse_public_url(url).expect_err(url);
            assert!(refused.contains(why), "{url}: {refused}");
            assert!(refused.contains("e.g. https://"), "{refused}");
        }
    }

    #[test]
    fn a_request_origin_is_http_and_its_host() {
        assert_eq!(
            Origin::of_host(Some("127.0.0.1:8080")).ok(),
            Some(Origin("http://127.0.0.1:8080".to_owned()))
        );
        assert_eq!(
            Origin::of_host(Some("Door.example.org")).ok(),
            Some(Origin("http://door.example.org".to_owned()))
        );
        for host in [
            None,
            Some(""),
            Some("a b"),
            Some("x@evil.example"),
            Some("host:port"),
            Some("/door"),
        ] {
            let refused = Origin::of_host(host).expect_err("refused");
            assert_eq!(refused.code(), "BAD_USER_INPUT", "{host:?}");
        }
    }

    #[test]
    fn the_token_goes_in_the_fragment_of_the_door_page() {
        let origin = Origin::parse_public_url("https://tickets.example.org/").unwrap();
        assert_eq!(
            origin.pairing_url("usc_abc-_0"),
            "https://tickets.example.org/door#pair=usc_abc-_0"
        );
    }
}
