//! Talking GraphQL to a server, in-process or a separate `usher` process:
//! a request over HTTP, its response, and a graphql-transport-ws socket.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

/// A POST of `query` to `url` (a server's /graphql), with a Bearer token
/// when given.
pub fn request(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> reqwest::RequestBuilder {
    let request = client
        .post(url)
        .json(&json!({ "query": query, "variables": variables }));
    match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    }
}

/// A GraphQL response, with helpers to read it.
#[derive(Debug, Clone)]
pub struct Gql(pub Value);

impl Gql {
    /// The data at a JSON pointer, e.g. `/register/user/email`; panics with
    /// the errors when the request failed.
    pub fn data(&self, pointer: &str) -> &Value {
        assert!(
            self.0.get("errors").is_none(),
            "unexpected errors: {}",
            self.0["errors"]
        );
        self.0
            .pointer(&format!("/data{pointer}"))
            .unwrap_or_else(|| panic!("no data at {pointer}: {}", self.0))
    }

    /// The code of the first error; panics when there is none.
    pub fn error_code(&self) -> &str {
        self.0["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("expected an error with a code: {}", self.0))
    }

    /// The field the first error names.
    pub fn error_field(&self) -> &str {
        self.0["errors"][0]["extensions"]["field"]
            .as_str()
            .unwrap_or_else(|| panic!("expected an error naming a field: {}", self.0))
    }
}

/// A graphql-transport-ws connection to a server.
pub struct Socket(WebSocketStream<TcpStream>);

impl Socket {
    /// A WebSocket connection to /graphql/ws at `address` (host:port),
    /// before `connection_init`; `receive_buffer` shrinks the client's TCP
    /// buffer, to play a client that reads slowly.
    pub async fn connect(address: &str, receive_buffer: Option<u32>) -> Self {
        Self::connect_asking(address, receive_buffer, None).await
    }

    /// Like [`Socket::connect`], the upgrade asking for sentences in
    /// `accept_language`.
    pub async fn connect_asking(
        address: &str,
        receive_buffer: Option<u32>,
        accept_language: Option<&'static str>,
    ) -> Self {
        let address: std::net::SocketAddr = address.parse().expect("address");
        let tcp = TcpSocket::new_v4().expect("socket");
        if let Some(size) = receive_buffer {
            tcp.set_recv_buffer_size(size).expect("buffer size");
        }
        let stream = tcp.connect(address).await.expect("connected");
        let mut request = format!("ws://{address}/graphql/ws")
            .into_client_request()
            .expect("request");
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_static("graphql-transport-ws"),
        );
        if let Some(language) = accept_language {
            request
                .headers_mut()
                .insert("Accept-Language", HeaderValue::from_static(language));
        }
        let (socket, _) = tokio_tungstenite::client_async(request, stream)
            .await
            .expect("upgraded");
        Self(socket)
    }

    /// Sends `connection_init` with `token` and waits for the server's ack.
    pub async fn init(&mut self, token: Option<&str>) {
        let payload = token.map_or_else(
            || json!({}),
            |token| json!({ "Authorization": format!("Bearer {token}") }),
        );
        self.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        assert_eq!(self.message().await["type"], "connection_ack");
    }

    pub async fn send(&mut self, message: Value) {
        self.0
            .send(Message::text(message.to_string()))
            .await
            .expect("message sent");
    }

    /// Starts operation `id`.
    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } }))
            .await;
    }

    /// The next text message within 10 s.
    pub async fn message(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(Duration::from_secs(10), self.0.next())
                .await
                .expect("a message within 10 s")
                .expect("the connection stays open")
                .expect("a readable message");
            if let Message::Text(text) = message {
                return serde_json::from_str(&text).expect("JSON");
            }
        }
    }

    /// The data of the next message, which must be a `next`.
    pub async fn next_value(&mut self) -> Value {
        let message = self.message().await;
        assert_eq!(message["type"], "next", "{message}");
        message["payload"]["data"].clone()
    }

    /// Reads until the server ends the connection, within `within`: the
    /// close code, if it sent one.
    pub async fn closed_within(&mut self, within: Duration) -> Option<u16> {
        tokio::time::timeout(within, async {
            loop {
                match self.0.next().await {
                    Some(Ok(Message::Close(frame))) => {
                        return frame.map(|frame| u16::from(frame.code));
                    }
                    Some(Ok(_)) => {}
                    Some(Err(_)) | None => return None,
                }
            }
        })
        .await
        .expect("the server closed the connection in time")
    }
}
