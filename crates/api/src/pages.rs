//! The embedded web pages and their files (see the usher-web crate),
//! served with an `ETag` so that a browser asks again cheaply.

use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

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
    ];
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|seen| seen.as_bytes() == asset.etag.as_bytes());
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
