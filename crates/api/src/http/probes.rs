//! What operators poll: liveness, readiness and metrics.

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use usher_persistence::{OutageKind, StoreError};

use crate::error::ApiError;
use crate::http::AppState;
use crate::monitoring;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        monitoring::render(&state.services),
    )
        .into_response()
}

async fn healthz() -> &'static str {
    "ok"
}

/// Ready while the database answers and can write: 503 otherwise.
async fn readyz(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    match state.services.store.check_ready().await {
        Ok(()) => Ok("ready"),
        Err(StoreError::Unavailable(outage)) if outage.kind() == OutageKind::CannotWrite => {
            tracing::warn!(error = %outage, "database cannot write");
            Err(ApiError::Unavailable("database cannot write".into()))
        }
        Err(error) => {
            tracing::warn!(error = %error, "database unreachable");
            Err(ApiError::Unavailable("database unreachable".into()))
        }
    }
}
