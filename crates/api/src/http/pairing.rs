//! Pairing a phone: a scanner device's pairing URL as a QR code, for the
//! organizers of its festival to show at the gate, and the origin that
//! pairing URLs start with (the GraphQL routes put it in each request).

use axum::Router;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use usher_domain::ids::ScannerId;
use usher_domain::time;

use crate::auth::token_hash;
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::viewer::SignedIn;
use crate::pairing::RequestHost;
use crate::qr;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/scanners/{id}/pairing.svg", get(pairing_svg))
}

/// The request's `Host` (for a request in absolute form, the target's
/// authority). A request without a usable one is not refused here: only
/// what needs the origin fails, with the reason.
impl FromRequestParts<AppState> for RequestHost {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let host = parts.headers.get(header::HOST).cloned().or_else(|| {
            parts
                .uri
                .authority()
                .and_then(|authority| HeaderValue::from_str(authority.as_str()).ok())
        });
        Ok(Self(host))
    }
}

/// The pairing URL of scanner device `id` as a QR code (SVG), for the
/// organizers of its festival, while its token is live: 404 for no such
/// device, 403 for others, 410 once revoked or expired, or for a token
/// issued before tokens were derived (it cannot be shown again).
async fn pairing_svg(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedIn(viewer): SignedIn,
    host: RequestHost,
) -> Result<Response, ApiError> {
    let services = &state.services;
    let scanner_id: ScannerId = id.parse().map_err(|_| ApiError::not_found("scanner"))?;
    let scanner = services
        .store
        .scanner(scanner_id)
        .await?
        .ok_or_else(|| ApiError::not_found("scanner"))?;
    viewer.organizer(scanner.festival_id)?;
    let now = time::now();
    if !scanner.is_live(now) {
        return Ok(gone(
            "this scanner token is revoked or expired; issue a new one to pair a phone",
        ));
    }
    let token = services.scanner_tokens.token(scanner_id);
    // The token is made again from the id; the stored hash says whether it
    // is this device's (a token issued before tokens were derived is not,
    // and cannot be shown again).
    let derived = services
        .store
        .scanner_by_token(&token_hash(&token), now)
        .await?
        .is_some_and(|device| device.id == scanner_id);
    if !derived {
        return Ok(gone(
            "this scanner token was issued before pairing codes existed and cannot be shown \
             again; issue a new token to pair a phone",
        ));
    }
    let origin = host.origin(services.public_origin.as_ref())?;
    let svg = qr::secret_svg(&origin.pairing_url(&token))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("image/svg+xml"),
            ),
            // It carries a live credential: no cache, shared or private,
            // keeps a copy.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        svg,
    )
        .into_response())
}

/// 410 Gone, with what to do instead.
fn gone(message: &'static str) -> Response {
    (
        StatusCode::GONE,
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        message,
    )
        .into_response()
}
