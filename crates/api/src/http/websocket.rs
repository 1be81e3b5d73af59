//! GraphQL over WebSocket at /graphql/ws: the graphql-transport-ws protocol
//! (and the older graphql-ws), driven so that a client only ever hurts its
//! own connection.
//!
//! async-graphql's own driver polls every operation of a connection only
//! while the socket accepts writes: a client that stops reading pauses its
//! operations wherever they are, database connections included, until the
//! whole pool is held by one socket. Here the operations are polled all the
//! time, whatever the client does; what they send waits in a short queue
//! that a writer task empties with a timeout, and a client that lets the
//! queue fill up, or a write hang, is disconnected.
//!
//! The token from `connection_init` is checked again on every operation
//! and every few seconds (through the same short-lived cache as HTTP): a
//! revoked or expired credential closes the socket with 4403.

use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_graphql::http::{WebSocket as Protocol, WebSocketProtocols, WsMessage};
use async_graphql::{Data, ServerError};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::http::HeaderMap;
use axum::http::header::SEC_WEBSOCKET_PROTOCOL;
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::sync::mpsc;
use usher_domain::language::Language;

use crate::Services;
use crate::auth::Viewer;
use crate::documents;
use crate::error::ApiError;
use crate::field_errors::SpecExecutor;
use crate::http::viewer::viewer_from_token;
use crate::live::ConnectionSubscriptions;
use crate::loaders::loaders;
use crate::pairing::RequestHost;
use crate::parsed_queries::ParsedQueries;
use crate::throttle::ClientAddress;

/// A client that has not sent `connection_init` by then is closed with 4408.
pub const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// A write to the client that takes longer closes the connection.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Messages waiting for a slow client; one more closes the connection.
const OUTGOING_QUEUE: usize = 256;
/// Client messages waiting for the protocol; one more closes the connection.
const INCOMING_QUEUE: usize = 128;
/// How often the connection's credential is checked again.
pub const RECHECK_EVERY: Duration = Duration::from_secs(2);

/// graphql-transport-ws close codes.
const FORBIDDEN: u16 = 4403;
const INIT_TIMED_OUT: u16 = 4408;
const TOO_MANY_MESSAGES: u16 = 4429;

/// The protocol the client asked for in `Sec-WebSocket-Protocol`.
pub(crate) fn protocol(headers: &HeaderMap) -> Option<WebSocketProtocols> {
    headers
        .get(SEC_WEBSOCKET_PROTOCOL)?
        .to_str()
        .ok()?
        .split(',')
        .find_map(|name| WebSocketProtocols::from_str(name.trim()).ok())
}

/// What `connection_init` established about the client.
#[derive(Default)]
struct Credential {
    /// The token the connection speaks with, once accepted.
    token: Mutex<Option<String>>,
    /// `connection_init` arrived.
    initialised: AtomicBool,
    /// `connection_init` carried a token that was refused.
    refused: AtomicBool,
}

impl Credential {
    fn token(&self) -> Option<String> {
        self.token
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Whether the token, if any, still speaks for someone. A database
    /// that cannot answer does not close the socket: only a refusal does.
    async fn still_valid(&self, services: &Services) -> bool {
        let Some(token) = self.token() else {
            return true;
        };
        !matches!(
            viewer_from_token(services, &token).await,
            Err(ApiError::Unauthenticated(_))
        )
    }
}

/// The part of a client message that tells what it is.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "type", borrow)]
    kind: &'a str,
}

/// A client message that starts an operation.
#[derive(Deserialize)]
struct Start {
    id: String,
    payload: async_graphql::Request,
}

/// Whether a client message starts an operation (a query, a mutation or a
/// subscription), in either protocol.
fn starts_operation(message: &[u8]) -> bool {
    serde_json::from_slice::<Envelope<'_>>(message)
        .is_ok_and(|envelope| matches!(envelope.kind, "subscribe" | "start"))
}

/// The error message refusing an operation whose document asks too much,
/// or None to let the protocol run it (and report what it finds wrong).
fn refusal(message: &[u8], parsed: &ParsedQueries) -> Option<String> {
    let start: Start = serde_json::from_slice(message).ok()?;
    let document = parsed.document(&start.payload.query)?;
    let error = documents::check(&document, &start.payload.variables).err()?;
    let refusal = serde_json::json!({
        "id": start.id,
        "type": "error",
        "payload": [ServerError::from(error)],
    });
    Some(refusal.to_string())
}

/// What the upgrade request said, which holds for the whole connection.
pub(crate) struct UpgradeRequest {
    /// The client's address, when the server knows it.
    pub(crate) address: Option<ClientAddress>,
    /// The language its `Accept-Language` asks for.
    pub(crate) language: Language,
    /// The Host the pairing URLs made on the connection start with.
    pub(crate) host: RequestHost,
}

/// Serves one upgraded connection until either side ends it.
pub(crate) async fn serve(
    socket: WebSocket,
    schema: SpecExecutor,
    protocol: WebSocketProtocols,
    services: Arc<Services>,
    parsed: Arc<ParsedQueries>,
    upgrade: UpgradeRequest,
) {
    let (mut sink, mut source) = socket.split();
    let (outgoing, mut to_send) = mpsc::channel::<Message>(OUTGOING_QUEUE);
    let mut writer = tokio::spawn(async move {
        while let Some(message) = to_send.recv().await {
            let closing = matches!(message, Message::Close(_));
            let sent = tokio::time::timeout(WRITE_TIMEOUT, sink.send(message)).await;
            if closing || !matches!(sent, Ok(Ok(()))) {
                break;
            }
        }
    });

    let (incoming, mut received) = mpsc::channel::<Vec<u8>>(INCOMING_QUEUE);
    let input = futures::stream::poll_fn(move |cx| received.poll_recv(cx));
    let credential = Arc::new(Credential::default());
    let mut connection_data = Data::default();
    connection_data.insert(ConnectionSubscriptions::default());
    connection_data.insert(upgrade.language);
    connection_data.insert(upgrade.host);
    if let Some(address) = upgrade.address {
        connection_data.insert(address);
    }
    let on_init = {
        let credential = credential.clone();
        let services = services.clone();
        move |payload: serde_json::Value| async move {
            credential.initialised.store(true, Ordering::SeqCst);
            let token = ["Authorization", "authorization", "token"]
                .iter()
                .find_map(|key| payload.get(key).and_then(|value| value.as_str()))
                .map(|value| value.trim_start_matches("Bearer ").trim().to_owned());
            let viewer = match token {
                Some(token) => match viewer_from_token(&services, &token).await {
                    Ok(viewer) => {
                        *credential
                            .token
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner) = Some(token);
                        viewer
                    }
                    Err(error) => {
                        credential.refused.store(true, Ordering::SeqCst);
                        return Err(async_graphql::Error::from(error));
                    }
                },
                None => Viewer::Anonymous,
            };
            let mut data = Data::default();
            data.insert(viewer);
            data.insert(loaders(services.store.clone()));
            Ok(data)
        }
    };
    let operations = Protocol::new(schema, input, protocol)
        .connection_data(connection_data)
        .on_connection_init(on_init);
    futures::pin_mut!(operations);

    let close = |code: u16, reason: &str| {
        // A client too slow to take the close frame is dropped all the same.
        let _ = outgoing.try_send(Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })));
    };
    let init_deadline = tokio::time::sleep(INIT_TIMEOUT);
    tokio::pin!(init_deadline);
    let mut recheck = tokio::time::interval(RECHECK_EVERY);
    recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut writer_done = false;

    loop {
        tokio::select! {
            message = source.next() => {
                let bytes = match message {
                    Some(Ok(Message::Text(text))) => Vec::from(text.as_bytes()),
                    Some(Ok(Message::Binary(bytes))) => bytes.to_vec(),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                };
                if starts_operation(&bytes) {
                    if !credential.still_valid(&services).await {
                        close(FORBIDDEN, "Forbidden: the credential was revoked or has expired");
                        break;
                    }
                    if let Some(refusal) = refusal(&bytes, &parsed) {
                        if outgoing.try_send(Message::Text(refusal.into())).is_err() {
                            break;
                        }
                        continue;
                    }
                }
                if incoming.try_send(bytes).is_err() {
                    close(TOO_MANY_MESSAGES, "Too many messages at once");
                    break;
                }
            }
            reply = operations.next() => match reply {
                Some(WsMessage::Text(text)) => {
                    if outgoing.try_send(Message::Text(text.into())).is_err() {
                        tracing::info!("closing a WebSocket client that does not keep up");
                        break;
                    }
                }
                Some(WsMessage::Close(code, reason)) => {
                    let code = if credential.refused.load(Ordering::SeqCst) { FORBIDDEN } else { code };
                    close(code, &reason);
                    break;
                }
                None => break,
            },
            () = &mut init_deadline, if !credential.initialised.load(Ordering::SeqCst) => {
                close(INIT_TIMED_OUT, "Connection initialisation timeout");
                break;
            }
            _ = recheck.tick() => {
                if !credential.still_valid(&services).await {
                    close(FORBIDDEN, "Forbidden: the credential was revoked or has expired");
                    break;
                }
            }
            _ = &mut writer, if !writer_done => {
                writer_done = true;
                break;
            }
        }
    }
    drop(outgoing);
    if !writer_done
        && tokio::time::timeout(WRITE_TIMEOUT, &mut writer)
            .await
            .is_err()
    {
        writer.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::starts_operation;

    #[test]
    fn operations_are_told_from_other_messages() {
        assert!(starts_operation(
            br#"{"id":"1","type":"subscribe","payload":{}}"#
        ));
        assert!(starts_operation(br#"{"type":"start","id":"1"}"#));
        assert!(!starts_operation(br#"{"type":"connection_init"}"#));
        assert!(!starts_operation(br#"{"type":"complete","id":"1"}"#));
        assert!(!starts_operation(b"not json"));
    }
}
