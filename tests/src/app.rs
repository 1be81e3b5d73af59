//! `spawn_app()`: the real `Application` on port 0 over a fresh database,
//! in this process, and what a test needs to talk to it.

use serde_json::Value;
use tokio::sync::oneshot;
use usher_api::auth::AuthSettings;
use usher_api::pairing::Origin;
use usher_persistence::{Store, StoreOptions};
use usher_server::listen::ConnectionLimits;
use usher_server::{Application, Settings};

use crate::accounts::test_auth_settings;
use crate::database::{Db, TestDatabase};
use crate::graphql::{self, Gql, Socket};

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub store: Store,
    pub db: Db,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    pub database: TestDatabase,
}

pub async fn spawn_app(db: Db) -> TestApp {
    spawn_app_with_auth(db, test_auth_settings()).await
}

/// Like `spawn_app`, with other token lifetimes or password costs.
pub async fn spawn_app_with_auth(db: Db, auth: AuthSettings) -> TestApp {
    let database = TestDatabase::create(db).await;
    spawn_app_on(db, database, auth).await
}

/// Like `spawn_app`, serving fewer connections or with a shorter deadline
/// for request heads.
pub async fn spawn_app_with_connections(db: Db, connections: ConnectionLimits) -> TestApp {
    let database = TestDatabase::create(db).await;
    start_app(
        database,
        db,
        StoreOptions::default(),
        test_auth_settings(),
        connections,
        None,
    )
    .await
    .expect("build the application")
}

/// Starts the application on a database the test made.
pub async fn spawn_app_on(db: Db, database: TestDatabase, auth: AuthSettings) -> TestApp {
    start_app(
        database,
        db,
        StoreOptions::default(),
        auth,
        ConnectionLimits::default(),
        None,
    )
    .await
    .expect("build the application")
}

/// A server on `database` with these store options; the error of a server
/// that does not start.
pub async fn spawn_app_with(
    database: TestDatabase,
    db: Db,
    store: StoreOptions,
) -> anyhow::Result<TestApp> {
    start_app(
        database,
        db,
        store,
        test_auth_settings(),
        ConnectionLimits::default(),
        None,
    )
    .await
}

/// Like `spawn_app`, told that people reach it at `public_url`
/// (`--public-url`), as behind a proxy.
pub async fn spawn_app_with_public_url(db: Db, public_url: &str) -> TestApp {
    let database = TestDatabase::create(db).await;
    start_app(
        database,
        db,
        StoreOptions::default(),
        test_auth_settings(),
        ConnectionLimits::default(),
        Some(Origin::parse_public_url(public_url).expect("a public URL")),
    )
    .await
    .expect("build the application")
}

async fn start_app(
    database: TestDatabase,
    db: Db,
    store: StoreOptions,
    auth: AuthSettings,
    connections: ConnectionLimits,
    public_url: Option<Origin>,
) -> anyhow::Result<TestApp> {
    let settings = Settings {
        bind: "127.0.0.1:0".parse().expect("address"),
        database_url: database.url.clone(),
        store,
        auth,
        demo: false,
        ticket_key_pem: None,
        connections,
        public_url,
    };
    let application = Application::build(&settings).await?;
    let address = format!(
        "http://{}",
        application.local_addr().expect("bound address")
    );
    let store = application.store().clone();
    let (shutdown, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        application
            .run_until(async {
                let _ = stopped.await;
            })
            .await
            .expect("server ran");
    });
    Ok(TestApp {
        address,
        client: reqwest::Client::new(),
        store,
        db,
        shutdown: Some(shutdown),
        server: Some(server),
        database,
    })
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// GETs an absolute URL, with a Bearer token when given.
    pub async fn get(&self, url: &str, token: Option<&str>) -> reqwest::Response {
        let mut request = self.client.get(url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request sent")
    }

    /// Sends a GraphQL request, with a Bearer token when given.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Gql {
        let response =
            graphql::request(&self.client, &self.url("/graphql"), token, query, variables)
                .send()
                .await
                .expect("request sent");
        assert!(response.status().is_success(), "HTTP {}", response.status());
        Gql(response.json().await.expect("JSON response"))
    }

    /// A WebSocket connection to /graphql/ws before `connection_init`;
    /// `receive_buffer` shrinks the client's TCP buffer, to play a client
    /// that reads slowly.
    pub async fn connect_socket(&self, receive_buffer: Option<u32>) -> Socket {
        Socket::connect(self.address.trim_start_matches("http://"), receive_buffer).await
    }

    /// A WebSocket connection, initialised with `token` and acknowledged.
    pub async fn socket(&self, token: Option<&str>) -> Socket {
        let mut socket = self.connect_socket(None).await;
        socket.init(token).await;
        socket
    }

    /// Stops the server (as a shutdown would) and waits until it has; the
    /// database stays for another instance.
    pub async fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }

    /// A second server on this test's database, with its own memory: what
    /// another instance behind the same load balancer would be.
    pub async fn another_instance(&self) -> TestApp {
        spawn_app_with(
            TestDatabase::shared(&self.database.url),
            self.db,
            StoreOptions::default(),
        )
        .await
        .expect("a second instance starts")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}
