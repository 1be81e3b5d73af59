//! Pairing a phone: the origin that pairing URLs start with (the GraphQL
//! routes put it in each request).

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use crate::http::AppState;
use crate::pairing::{Origin, RequestOrigin};

/// `--public-url`'s origin or, without it, the request's own: `http://`
/// and its Host header (for a WebSocket, the upgrade request's). A request
/// without a usable one is not refused here: only what needs the origin
/// fails, with the reason.
impl FromRequestParts<AppState> for RequestOrigin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(origin) = &state.services.public_origin {
            return Ok(Self(Ok(origin.clone())));
        }
        let host = match parts.headers.get(header::HOST) {
            Some(value) => value.to_str().ok(),
            // A request in absolute form names its host in the target.
            None => parts.uri.authority().map(|authority| authority.as_str()),
        };
        Ok(Self(Origin::of_host(host)))
    }
}
