//! The HTTP face of Usher: one router per feature, composed here with the
//! hardening every request passes through (body limit, request id,
//! tracing). Plain-HTTP routes learn who is asking from the extractors of
//! `viewer` and answer a failure with an `ApiError`, which becomes a
//! response in one place (`crate::error`).

mod attendance;
mod calendar;
mod graphql;
mod keys;
mod pairing;
mod probes;
mod request_body;
mod tickets;
mod viewer;
mod websocket;

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::HeaderName;
use axum::middleware;
use axum::routing::{MethodRouter, any, get};
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::Services;
use crate::field_errors::SpecExecutor;
use crate::monitoring;
use crate::pages;
use crate::parsed_queries::ParsedQueries;
use crate::schema::build_schema;

/// Request bodies larger than this get 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What every route is served with.
#[derive(Clone)]
struct AppState {
    services: Arc<Services>,
    schema: SpecExecutor,
    parsed: Arc<ParsedQueries>,
    root_fields: Arc<monitoring::RootFields>,
}

/// A page route, its answers compressed (gzip or brotli, whichever the
/// browser prefers) with `Vary: Accept-Encoding`. Only the pages and their
/// files: GraphQL, the door's path, is answered as it was (its answers are
/// small, and compressing them would cost the door CPU at every scan).
/// Brotli at tower-http's default level (4) compresses the largest file,
/// the QR decoder, within a few milliseconds, once per download; a browser
/// that has it asks again with its ETag and gets a 304.
fn compressed<S: Clone + Send + Sync + 'static>(route: MethodRouter<S>) -> MethodRouter<S> {
    route.layer(
        CompressionLayer::new()
            .gzip(true)
            .br(true)
            .no_deflate()
            .no_zstd(),
    )
}

/// Every route of the server, over `services`.
pub fn router(services: Arc<Services>) -> Router {
    monitoring::install();
    let parsed = Arc::<ParsedQueries>::default();
    let state = AppState {
        schema: SpecExecutor::new(build_schema(services.clone()), parsed.clone()),
        services,
        parsed,
        root_fields: Arc::new(monitoring::RootFields::of_sdl(&crate::schema::sdl())),
    };
    Router::new()
        .merge(graphql::routes())
        .merge(attendance::routes())
        .merge(calendar::routes())
        .merge(keys::routes())
        .merge(tickets::routes())
        .merge(pairing::routes())
        .merge(probes::routes())
        .route("/", compressed(get(pages::festival)))
        .route("/door", compressed(get(pages::door)))
        .route("/organizer", compressed(get(pages::organizer)))
        .route("/door/", get(pages::without_trailing_slash))
        .route("/organizer/", get(pages::without_trailing_slash))
        .fallback_service(compressed(any(pages::embedded)))
        .route_layer(middleware::from_fn(monitoring::track_requests))
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http().make_span_with(|request: &Request| {
                        let request_id = request
                            .headers()
                            .get(REQUEST_ID)
                            .and_then(|id| id.to_str().ok())
                            .unwrap_or_default();
                        tracing::info_span!(
                            "request",
                            method = %request.method(),
                            path = request.uri().path(),
                            request_id,
                        )
                    }),
                )
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES)),
        )
}
