//! The embedded web pages and their files (see the usher-web crate),
//! served with an `ETag` so that a browser asks again cheaply, and
//! compressed by the router (`http::compressed`).

use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};

/// GraphiQL, at `GET /graphql`.
pub(crate) async fn graphiql(headers: HeaderMap) -> Response {
    file(usher_web::GRAPHIQL_PAGE, &headers)
}

/// What the apps may load and connect to: their own origin only, so that
/// nothing they run comes from another host.
const APP_CONTENT_SECURITY: &str = "default-src 'self'; img-src 'self' data: blob:; \
     media-src 'self' blob: mediastream:; connect-src 'self'; worker-src 'self'; \
     object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// The door app, at `GET /door`.
pub(crate) async fn door(headers: HeaderMap) -> Response {
    app(usher_web::DOOR_PAGE, &headers)
}

/// The attendees' festival app, at `GET /`.
pub(crate) async fn festival(headers: HeaderMap) -> Response {
    app(usher_web::FESTIVAL_PAGE, &headers)
}

/// The organizers' console, at `GET /organizer`.
pub(crate) async fn organizer(headers: HeaderMap) -> Response {
    app(usher_web::ORGANIZER_PAGE, &headers)
}

fn app(page: &str, headers: &HeaderMap) -> Response {
    let mut response = file(page, headers);
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(APP_CONTENT_SECURITY),
    );
    response
}

/// An app's address with a trailing slash (`/door/`), sent to the address
/// without it, query kept; the browser keeps the fragment (a pairing
/// link's token) across the redirect.
pub(crate) async fn without_trailing_slash(uri: Uri) -> Redirect {
    let path = uri.path().trim_end_matches('/');
    match uri.query() {
        Some(query) => Redirect::permanent(&format!("{path}?{query}")),
        None => Redirect::permanent(path),
    }
}

/// Any other embedded file, at its path; 404 for the rest.
pub(crate) async fn embedded(uri: Uri, headers: HeaderMap) -> Response {
    file(uri.path().trim_start_matches('/'), &headers)
}

fn file(path: &str, headers: &HeaderMap) -> Response {
    let Some(asset) = usher_web::asset(path) else {
        return (StatusCode::NOT_FOUND, "no such page or file").into_response();
    };
    let Ok(etag) = HeaderValue::from_str(&asset.etag) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let cache = [
        (header::ETAG, etag),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        // Said on every answer, 304s and uncompressed ones included, so
        // that a cache never hands a compressed copy to a browser that did
        // not ask for one.
        (header::VARY, HeaderValue::from_static("accept-encoding")),
    ];
    let unchanged = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .any(|seen| matches_etag(seen.as_bytes(), &asset.etag));
    if unchanged {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    (
        cache,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(asset.content_type),
        )],
        asset.bytes,
    )
        .into_response()
}

/// Whether an `If-None-Match` header names `etag`, by the weak comparison
/// RFC 9110 (13.1.2) asks for: a list of tags, each possibly `W/`, or `*`.
/// (A proxy that compresses on its own makes a strong tag weak.)
fn matches_etag(header: &[u8], etag: &str) -> bool {
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    let Ok(header) = std::str::from_utf8(header) else {
        return false;
    };
    let etag = opaque(etag);
    header.trim() == "*" || header.split(',').any(|tag| opaque(tag) == etag)
}

#[cfg(test)]
mod tests {
    use super::matches_etag;

    #[test]
    fn if_none_match_compares_tags_weakly_in_a_list() {
        let etag = "\"abc\"";
        for header in ["\"abc\"", "W/\"abc\"", "\"x\", W/\"abc\"", " \"abc\" ", "*"] {
            assert!(matches_etag(header.as_bytes(), etag), "{header}");
        }
        for header in ["\"abd\"", "abc", "\"x\", \"y\"", ""] {
            assert!(!matches_etag(header.as_bytes(), etag), "{header}");
        }
    }
}
