//! A ticket's code as a QR image, for the attendee who holds it.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::Services;
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::http::AppState;
use crate::http::viewer::SignedIn;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/tickets/{id}/qr.svg", get(ticket_qr_svg))
        .route("/tickets/{id}/qr.png", get(ticket_qr_png))
}

/// The code of ticket `id`, if `holder` holds it: 404 for a ticket of
/// someone else (or none).
async fn held_ticket_code(services: &Services, holder: &Viewer, id: &str) -> ApiResult<String> {
    let holder = holder.user()?;
    let ticket_id = id.parse().map_err(|_| ApiError::not_found("ticket"))?;
    let ticket = services
        .store
        .ticket_of_holder(ticket_id, holder.id)
        .await?
        .ok_or_else(|| ApiError::not_found("ticket"))?;
    services.ticket_keys.sign(ticket.claims())
}

async fn ticket_qr_svg(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, ApiError> {
    let code = held_ticket_code(&state.services, &viewer, &id).await?;
    let svg = state.services.qr.svg(&code)?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg.to_string()).into_response())
}

async fn ticket_qr_png(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, ApiError> {
    let code = held_ticket_code(&state.services, &viewer, &id).await?;
    let png = state.services.qr.png(&code)?;
    Ok(([(header::CONTENT_TYPE, "image/png")], png.to_vec()).into_response())
}
