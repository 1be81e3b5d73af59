//! The HTTP face of Usher: GraphQL at /graphql (GraphiQL on GET), health
//! and readiness probes, and the hardening every request passes through
//! (body limit, request id, tracing).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use async_graphql::Executor;
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql::{ErrorExtensionValues, ServerError};
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::Extension;
use axum::Router;
use axum::extract::{ConnectInfo, Path, Request, State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderName, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use usher_domain::accounts::User;
use usher_domain::catalogue::Festival;
use usher_domain::ids::{FestivalId, ItemId};
use usher_domain::input::Timezone;
use usher_persistence::{OutageKind, StoreError};

use crate::Services;
use crate::auth::{SCANNER_TOKEN_PREFIX, Viewer, token_hash};
use crate::charts;
use crate::documents;
use crate::error::ApiError;
use crate::field_errors::SpecExecutor;
use crate::loaders::loaders;
use crate::monitoring;
use crate::pages;
use crate::parsed_queries::ParsedQueries;
use crate::reports::FestivalReport;
use crate::request_body::BadRequestBody;
use crate::schema::build_schema;
use crate::throttle::ClientAddress;
use crate::websocket;

/// Request bodies larger than this get 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

#[derive(Clone)]
struct AppState {
    services: Arc<Services>,
    schema: SpecExecutor,
    parsed: Arc<ParsedQueries>,
    root_fields: Arc<monitoring::RootFields>,
}

/// Every route of the server, over `services`.
pub fn router(services: Arc<Services>) -> Router {
    monitoring::install();
    let parsed = Arc::<ParsedQueries>::default();
    let state = AppState {
        schema: SpecExecutor::new(build_schema(services.clone()), parsed.clone()),
        services,
        parsed,
        root_fields: Arc::new(monitoring::RootFields::of_schema()),
    };
    Router::new()
        .route("/graphql", get(pages::graphiql).post(graphql))
        .route("/graphql/ws", get(graphql_ws))
        .route("/festivals/{id}/attendance.csv", get(attendance_csv))
        .route("/items/{id}/arrivals.svg", get(arrivals_svg))
        .route("/.well-known/jwks.json", get(jwks))
        .route("/tickets/{id}/qr.svg", get(ticket_qr_svg))
        .route("/tickets/{id}/qr.png", get(ticket_qr_png))
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .fallback(pages::embedded)
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

async fn graphql(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    request: GraphQLRequest<BadRequestBody>,
) -> GraphQLResponse {
    let viewer = match viewer_from_headers(&state.services, &headers).await {
        Ok(viewer) => viewer,
        Err(error) => {
            return async_graphql::Response::from_errors(vec![server_error(error)]).into();
        }
    };
    let mut request = request.into_inner();
    let document = state.parsed.document(&request.query);
    let mut operation = None;
    if let Some(document) = document {
        if let Err(error) = documents::check(&document, &request.variables) {
            return async_graphql::Response::from_errors(vec![server_error(error)]).into();
        }
        operation = Some(state.root_fields.label(&document));
        request.set_parsed_query(document);
    }
    let mut request = request
        .data(viewer)
        .data(loaders(state.services.store.clone()));
    if let Some(Extension(ConnectInfo(peer))) = peer {
        request = request.data(ClientAddress(peer.ip()));
    }
    let started = Instant::now();
    let mut response = state.schema.execute(request).await;
    for error in &mut response.errors {
        label_request_error(error);
    }
    if let Some(operation) = operation {
        monitoring::operation(operation, &response, started.elapsed());
    }
    response.into()
}

/// Subscriptions (and queries and mutations) over the graphql-transport-ws
/// protocol, or the older graphql-ws; the token comes in `connection_init`'s
/// payload, as `{"Authorization": "Bearer <token>"}` or `{"token": "<token>"}`.
async fn graphql_ws(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let Some(protocol) = websocket::protocol(&headers) else {
        return (
            StatusCode::BAD_REQUEST,
            "ask for the graphql-transport-ws protocol in Sec-WebSocket-Protocol",
        )
            .into_response();
    };
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            let address = peer.map(|Extension(ConnectInfo(peer))| ClientAddress(peer.ip()));
            websocket::serve(
                socket,
                state.schema,
                protocol,
                state.services,
                state.parsed,
                address,
            )
        })
}

/// The attendance report of a festival as CSV (RFC 4180), one row per
/// item, for its organizers; the festival named by its id or its slug.
async fn attendance_csv(
    State(state): State<AppState>,
    Path(id_or_slug): Path<String>,
    headers: HeaderMap,
) -> Response {
    let services = &state.services;
    let user = match signed_in(services, &headers).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let festival = match festival_by_id_or_slug(services, &id_or_slug).await {
        Ok(Some(festival)) => festival,
        Ok(None) => return (StatusCode::NOT_FOUND, "no such festival").into_response(),
        Err(error) => return failure(error),
    };
    let festival_id = festival.id;
    if !user.permissions.can_organize(festival_id) {
        return (StatusCode::FORBIDDEN, "only organizers of this festival").into_response();
    }
    let report = match FestivalReport::load(&services.store, festival_id, |_| true).await {
        Ok(report) => report,
        Err(error) => return failure(error.into()),
    };
    match attendance_csv_text(&report, festival.timezone) {
        Ok(text) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"{}-attendance.csv\"",
                        festival.slug.as_str()
                    ),
                ),
            ],
            text,
        )
            .into_response(),
        Err(error) => failure(ApiError::internal(error)),
    }
}

/// The festival with this id or, failing that, this slug (a slug may look
/// like an id: both are tried).
async fn festival_by_id_or_slug(
    services: &Services,
    id_or_slug: &str,
) -> Result<Option<Festival>, ApiError> {
    if let Ok(id) = id_or_slug.parse::<FestivalId>()
        && let Some(festival) = services.catalogue.festival(&services.store, id).await?
    {
        return Ok(Some(festival));
    }
    Ok(services.store.festival_by_slug(id_or_slug).await?)
}

/// A text cell that a spreadsheet program shows as text: one starting like
/// a formula (`=`, `+`, `-`, `@`, a tab or a carriage return) gets a single
/// quote before it, as OWASP's "CSV Injection" page recommends, so that an
/// item titled `=HYPERLINK(…)` is not run when the report is opened.
fn text_cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

fn attendance_csv_text(report: &FestivalReport, timezone: Timezone) -> anyhow::Result<String> {
    // RFC 4180 ends every line with CRLF; the csv crate's default is LF.
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    writer.write_record([
        "item_id",
        "title",
        "kind",
        "venue",
        "starts_at",
        "film",
        "countries",
        "ticket_capacity",
        "venue_capacity",
        "issued",
        "checked_in",
        "cancelled",
        "no_shows",
        "waitlisted",
        "check_in_rate",
    ])?;
    for row in report.rows() {
        let numbers = row.attendance;
        writer.write_record([
            row.item.id.to_string(),
            text_cell(row.item.title.as_str()),
            row.item.kind.as_str().to_owned(),
            text_cell(row.venue_name),
            row.item
                .schedule
                .starts_at()
                .with_timezone(&timezone.tz())
                .to_rfc3339(),
            row.film
                .map(|film| text_cell(film.title.as_str()))
                .unwrap_or_default(),
            row.film
                .map(|film| {
                    film.countries
                        .iter()
                        .map(|code| code.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default(),
            numbers.ticket_capacity.to_string(),
            numbers.venue_capacity.to_string(),
            numbers.issued.to_string(),
            numbers.checked_in.to_string(),
            numbers.cancelled.to_string(),
            numbers.no_shows.to_string(),
            numbers.waitlisted.to_string(),
            format!("{:.4}", numbers.check_in_rate()),
        ])?;
    }
    Ok(String::from_utf8(writer.into_inner()?)?)
}

/// The arrivals chart of an item, for organizers and its door staff.
async fn arrivals_svg(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let services = &state.services;
    let viewer = match viewer_from_headers(services, &headers).await {
        Ok(Viewer::Anonymous) => {
            return (
                StatusCode::UNAUTHORIZED,
                "send `Authorization: Bearer <accessToken>`",
            )
                .into_response();
        }
        Ok(viewer) => viewer,
        Err(error) => return (StatusCode::UNAUTHORIZED, error.message()).into_response(),
    };
    let not_found = || (StatusCode::NOT_FOUND, "no such item").into_response();
    let Ok(item_id) = id.parse::<ItemId>() else {
        return not_found();
    };
    let item = match services.store.items_by_id(&[item_id]).await {
        Ok(items) => match items.into_iter().next() {
            Some(item) => item,
            None => return not_found(),
        },
        Err(error) => return failure(error.into()),
    };
    if !viewer.may_watch(&item) {
        return (
            StatusCode::FORBIDDEN,
            "only organizers and door staff of this venue",
        )
            .into_response();
    }
    let timezone = match services
        .catalogue
        .festival(&services.store, item.festival_id)
        .await
    {
        Ok(festival) => festival.map_or(Timezone::UTC, |festival| festival.timezone),
        Err(error) => return failure(error),
    };
    let chart = match services.store.check_in_times(item_id).await {
        Ok(times) => charts::arrivals_svg(&item, &times, timezone),
        Err(error) => return failure(error.into()),
    };
    match chart {
        Ok(svg) => ([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response(),
        Err(error) => failure(ApiError::internal(anyhow::anyhow!("cannot draw: {error}"))),
    }
}

/// The signed-in user of a plain HTTP request: 401 without a valid token.
async fn signed_in(services: &Services, headers: &HeaderMap) -> Result<Box<User>, Response> {
    match viewer_from_headers(services, headers).await {
        Ok(Viewer::User(user, _)) => Ok(user),
        Ok(_) => Err((
            StatusCode::UNAUTHORIZED,
            "send `Authorization: Bearer <accessToken>`",
        )
            .into_response()),
        Err(error @ ApiError::Unavailable(_)) => Err(failure(error)),
        Err(error) => Err((StatusCode::UNAUTHORIZED, error.message()).into_response()),
    }
}

/// The viewer named by the Authorization header: anonymous without one,
/// UNAUTHENTICATED with one that is not a valid, current token.
pub(crate) async fn viewer_from_headers(
    services: &Services,
    headers: &HeaderMap,
) -> Result<Viewer, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(Viewer::Anonymous);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|value| value.strip_prefix("Bearer "))
        .ok_or_else(|| {
            ApiError::Unauthenticated("the Authorization header must be `Bearer <token>`".into())
        })?;
    viewer_from_token(services, token.trim()).await
}

/// The viewer an access token (or a scanner device's token) speaks for.
pub(crate) async fn viewer_from_token(
    services: &Services,
    token: &str,
) -> Result<Viewer, ApiError> {
    let store = &services.store;
    if token.starts_with(SCANNER_TOKEN_PREFIX) {
        let now = usher_domain::time::now();
        let hash = token_hash(token);
        let device = services
            .scanners
            .get(&hash, || async {
                Ok(store.scanner_by_token(&hash, now).await?)
            })
            .await?
            .filter(|device| device.expires_at > now)
            .ok_or_else(|| {
                ApiError::Unauthenticated(
                    "this scanner token is revoked, expired or unknown".into(),
                )
            })?;
        return Ok(Viewer::Scanner(Box::new(device)));
    }
    let subject = services.auth.verify_access_token(token).ok_or_else(|| {
        ApiError::Unauthenticated("invalid or expired access token; refresh or sign in".into())
    })?;
    if services.ended_logins.contains(&subject.session) {
        return Err(ApiError::Unauthenticated(
            "this login has ended (signed out, or its refresh token was used twice); sign in again"
                .into(),
        ));
    }
    services
        .users
        .get(&subject.user, || async {
            Ok(store.users_by_id(&[subject.user]).await?.into_iter().next())
        })
        .await?
        .map(|user| Viewer::User(Box::new(user), subject.session))
        .ok_or_else(|| ApiError::Unauthenticated("the account no longer exists".into()))
}

pub(crate) fn server_error(error: ApiError) -> ServerError {
    let error: async_graphql::Error = error.into();
    let mut server_error = ServerError::new(error.message, None);
    server_error.extensions = error.extensions;
    server_error
}

/// Errors raised by async-graphql itself (a query that does not parse or
/// validate, an argument of the wrong type, a query too deep or too
/// complex) carry no code; they are all the client's to fix.
fn label_request_error(error: &mut ServerError) {
    let extensions = error
        .extensions
        .get_or_insert_with(ErrorExtensionValues::default);
    if extensions.get("code").is_some() {
        return;
    }
    extensions.set("code", "BAD_USER_INPUT");
    if let Some(field) = quoted_argument(&error.message) {
        extensions.set("field", field);
    }
}

/// The argument an async-graphql message names, as in
/// `Invalid value for argument "input.startsAt", ...`.
fn quoted_argument(message: &str) -> Option<String> {
    let rest = message.split_once("argument \"")?.1;
    let (argument, _) = rest.split_once('"')?;
    Some(argument.to_owned())
}

async fn jwks(State(state): State<AppState>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/jwk-set+json"),
            (header::CACHE_CONTROL, "public, max-age=60"),
        ],
        state.services.ticket_keys.jwks(),
    )
        .into_response()
}

/// The code of a ticket the request's bearer holds: 401 without a valid
/// token, 404 for a ticket of someone else (or none).
async fn held_ticket_code(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
) -> Result<String, Response> {
    let services = &state.services;
    let user = signed_in(services, headers).await?;
    let not_found = || (StatusCode::NOT_FOUND, "no such ticket").into_response();
    let ticket_id = id.parse().map_err(|_| not_found())?;
    let ticket = services
        .store
        .ticket_of_holder(ticket_id, user.id)
        .await
        .map_err(|error| failure(error.into()))?
        .ok_or_else(not_found)?;
    services.ticket_keys.sign(ticket.claims()).map_err(failure)
}

/// The answer to a request that failed on the server's side: 503 with a
/// reason when the database is away or cannot write, 500 otherwise.
fn failure(error: ApiError) -> Response {
    if let ApiError::Unavailable(message) = error {
        return (StatusCode::SERVICE_UNAVAILABLE, message).into_response();
    }
    error.log_if_internal();
    (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
}

async fn ticket_qr_svg(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    match held_ticket_code(&state, &headers, &id).await {
        Ok(code) => match state.services.qr.svg(&code) {
            Ok(svg) => ([(header::CONTENT_TYPE, "image/svg+xml")], svg.to_string()).into_response(),
            Err(error) => failure(error),
        },
        Err(response) => response,
    }
}

async fn ticket_qr_png(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    match held_ticket_code(&state, &headers, &id).await {
        Ok(code) => match state.services.qr.png(&code) {
            Ok(png) => ([(header::CONTENT_TYPE, "image/png")], png.to_vec()).into_response(),
            Err(error) => failure(error),
        },
        Err(response) => response,
    }
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

async fn readyz(State(state): State<AppState>) -> Response {
    match state.services.store.check_ready().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(StoreError::Unavailable(outage)) if outage.kind() == OutageKind::CannotWrite => {
            tracing::warn!(error = %outage, "database cannot write");
            (StatusCode::SERVICE_UNAVAILABLE, "database cannot write").into_response()
        }
        Err(error) => {
            tracing::warn!(error = %error, "database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{quoted_argument, text_cell};

    #[test]
    fn cells_that_would_run_as_formulas_are_quoted() {
        for formula in [
            "=HYPERLINK(\"http://evil.example\",\"Click\")",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
        ] {
            assert_eq!(text_cell(formula), format!("'{formula}"));
        }
        assert_eq!(text_cell("Ròm"), "Ròm");
        assert_eq!(text_cell("Ilo Ilo - a film"), "Ilo Ilo - a film");
        assert_eq!(text_cell(""), "");
    }

    #[test]
    fn the_argument_is_read_from_async_graphql_messages() {
        assert_eq!(
            quoted_argument(
                r#"Invalid value for argument "input.startsAt", expected type "DateTime""#
            ),
            Some("input.startsAt".into())
        );
        assert_eq!(quoted_argument("Query is nested too deep."), None);
    }
}
