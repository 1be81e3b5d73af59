//! GraphQL over HTTP: queries and mutations at POST /graphql (GraphiQL on
//! GET), and every operation over a WebSocket at /graphql/ws.

use std::net::SocketAddr;
use std::time::Instant;

use async_graphql::Executor;
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql::{ErrorExtensionValues, ServerError};
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::Extension;
use axum::Router;
use axum::extract::{ConnectInfo, FromRequestParts, State, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::http::header::ACCEPT_LANGUAGE;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use usher_domain::language::Language;

use crate::auth::Viewer;
use crate::documents;
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::request_body::BadRequestBody;
use crate::http::websocket::{self, UpgradeRequest};
use crate::loaders::loaders;
use crate::monitoring;
use crate::pages;
use crate::pairing::RequestHost;
use crate::throttle::ClientAddress;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/graphql", get(pages::graphiql).post(graphql))
        .route("/graphql/ws", get(graphql_ws))
}

/// A request's errors, answered as a GraphQL response.
fn refused(error: ApiError) -> GraphQLResponse {
    async_graphql::Response::from_errors(vec![ServerError::from(error)]).into()
}

async fn graphql(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    viewer: Result<Viewer, ApiError>,
    AskedLanguage(language): AskedLanguage,
    host: RequestHost,
    request: GraphQLRequest<BadRequestBody>,
) -> GraphQLResponse {
    let viewer = match viewer {
        Ok(viewer) => viewer,
        Err(error) => return refused(error),
    };
    let mut request = request.into_inner();
    let document = state.parsed.document(&request.query);
    let mut operation = None;
    if let Some(document) = document {
        if let Err(error) = documents::check(&document, &request.variables) {
            return refused(error);
        }
        operation = Some(state.root_fields.label(&document));
        request.set_parsed_query(document);
    }
    let mut request = request
        .data(viewer)
        .data(language)
        .data(host)
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
    AskedLanguage(language): AskedLanguage,
    host: RequestHost,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let Some(protocol) = websocket::protocol(&headers) else {
        return ApiError::bad_input(
            "Sec-WebSocket-Protocol",
            "must ask for the graphql-transport-ws protocol",
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
                UpgradeRequest {
                    address,
                    language,
                    host,
                },
            )
        })
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

/// The language a request asks its sentences in (`Accept-Language`),
/// English when it asks for none Usher speaks.
struct AskedLanguage(Language);

impl<S: Send + Sync> FromRequestParts<S> for AskedLanguage {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        Ok(Self(Language::from_accept_language(header)))
    }
}

#[cfg(test)]
mod tests {
    use super::quoted_argument;

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
