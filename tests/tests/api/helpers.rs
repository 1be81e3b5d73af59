//! `spawn_app()`: the real `Application` on port 0 over a fresh database
//! (a SQLite file in a temporary directory, or a new PostgreSQL database
//! with a random name, dropped afterwards), with typed helpers per role.

use std::io::Write as _;
use std::time::Duration;

use futures::{SinkExt, StreamExt};

use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::oneshot;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use usher_api::auth::AuthSettings;
use usher_api::throttle::ThrottleSettings;
use usher_domain::input::{Email, Name};
use usher_domain::roles::RoleGrant;
use usher_persistence::{NewUser, Store, StoreOptions};
use usher_server::listen::ConnectionLimits;
use usher_server::{Application, Settings};

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server tests create their databases on, when set.
const POSTGRES_ENV: &str = "USHER_TEST_DATABASE_URL";

pub const PASSWORD: &str = "a long enough password";

/// Cheap password hashes and no throttles worth the name: tests register
/// many users from one address.
pub fn test_auth_settings() -> AuthSettings {
    AuthSettings {
        argon2_memory_kib: 256,
        argon2_iterations: 1,
        throttles: ThrottleSettings {
            sign_ins_per_account_per_minute: 100_000,
            sign_ins_per_address_per_minute: 100_000,
            registrations_per_address_per_hour: 100_000,
        },
        ..AuthSettings::default()
    }
}

/// A database made for one test and removed after it.
pub struct TestDatabase {
    pub url: String,
    _sqlite_dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    /// A SQLite database in a file the test chose (e.g. on a small disk of
    /// its own); the test removes it.
    pub fn sqlite_file(path: &std::path::Path) -> Self {
        Self {
            url: format!("sqlite://{}", path.display()),
            _sqlite_dir: None,
            postgres: None,
        }
    }

    /// A fresh database. PostgreSQL tests are built ignored unless
    /// `USHER_TEST_DATABASE_URL` was set (see build.rs), so a run without a
    /// server shows them as skipped; one run anyway needs the variable.
    pub async fn create(db: Db) -> Self {
        match db {
            Db::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let url = format!("sqlite://{}/usher.db", dir.path().display());
                Self {
                    url,
                    _sqlite_dir: Some(dir),
                    postgres: None,
                }
            }
            Db::Postgres => {
                let admin_url = std::env::var(POSTGRES_ENV).unwrap_or_else(|_| {
                    panic!(
                        "PostgreSQL tests need {POSTGRES_ENV} (e.g. postgres://postgres@127.0.0.1:5432/test), when they are built and when they run"
                    )
                });
                let name = format!("usher_test_{}", uuid::Uuid::new_v4().simple());
                let admin = Database::connect(&admin_url).await.unwrap_or_else(|error| {
                    panic!("{POSTGRES_ENV} is set but unreachable: {error}")
                });
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create the test database");
                admin.close().await.expect("close the admin connection");
                let base = admin_url
                    .rsplit_once('/')
                    .map_or(admin_url.as_str(), |(base, _)| base);
                Self {
                    url: format!("{base}/{name}"),
                    _sqlite_dir: None,
                    postgres: Some((admin_url.clone(), name)),
                }
            }
        }
    }
}

impl TestDatabase {
    /// The database at `url`, left in place when this is dropped: for a
    /// second server on a test's database.
    pub fn shared(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            _sqlite_dir: None,
            postgres: None,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs outside async; a small runtime of its own removes the database.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let admin = Database::connect(&admin_url).await?;
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await?;
                admin.close().await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            let _ = writeln!(std::io::stderr(), "could not drop a test database");
        }
    }
}

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
    )
    .await
}

async fn start_app(
    database: TestDatabase,
    db: Db,
    store: StoreOptions,
    auth: AuthSettings,
    connections: ConnectionLimits,
) -> anyhow::Result<TestApp> {
    let settings = Settings {
        bind: "127.0.0.1:0".parse().expect("address"),
        database_url: database.url.clone(),
        store,
        auth,
        demo: false,
        ticket_key_pem: None,
        connections,
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

/// A graphql-transport-ws connection to the server.
pub struct Socket(WebSocketStream<TcpStream>);

impl Socket {
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

impl TestApp {
    /// A WebSocket connection to /graphql/ws before `connection_init`;
    /// `receive_buffer` shrinks the client's TCP buffer, to play a client
    /// that reads slowly.
    pub async fn connect_socket(&self, receive_buffer: Option<u32>) -> Socket {
        let address: std::net::SocketAddr = self
            .address
            .trim_start_matches("http://")
            .parse()
            .expect("address");
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
        let (socket, _) = tokio_tungstenite::client_async(request, stream)
            .await
            .expect("upgraded");
        Socket(socket)
    }

    /// A WebSocket connection, initialised with `token` and acknowledged.
    pub async fn socket(&self, token: Option<&str>) -> Socket {
        let mut socket = self.connect_socket(None).await;
        let payload = token.map_or_else(
            || json!({}),
            |token| json!({ "Authorization": format!("Bearer {token}") }),
        );
        socket
            .send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        assert_eq!(socket.message().await["type"], "connection_ack");
        socket
    }

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
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request sent");
        assert!(response.status().is_success(), "HTTP {}", response.status());
        Gql(response.json().await.expect("JSON response"))
    }

    /// Reserves one ticket of `item` (a createItem answer) for `token`'s holder.
    pub async fn reserve(&self, token: &str, item: &Value) -> Gql {
        self.gql(
            Some(token),
            "mutation($input: ReserveTicketsInput!) { reserveTickets(input: $input) { id tickets { id } } }",
            json!({ "input": { "itemId": item["id"], "quantity": 1 } }),
        )
        .await
    }

    /// Registers a new attendee and returns their access token.
    /// Their display name is the email's local part.
    pub async fn attendee(&self, email: &str) -> String {
        let response = self
            .gql(
                None,
                "mutation($input: RegisterInput!) { register(input: $input) { accessToken } }",
                json!({ "input": { "email": email, "password": PASSWORD, "displayName": email.split('@').next().unwrap_or(email) } }),
            )
            .await;
        response
            .data("/register/accessToken")
            .as_str()
            .expect("token")
            .to_owned()
    }

    /// Creates an account with `grants` directly in the store and signs in.
    pub async fn user_with(&self, email: &str, grants: &[RoleGrant]) -> String {
        let password_hash = {
            let services = usher_api::Services::new(self.store.clone(), test_auth_settings(), None)
                .await
                .expect("services");
            services
                .auth
                .hash_password(
                    usher_domain::input::Password::parse("password", PASSWORD).expect("password"),
                )
                .await
                .expect("hash")
        };
        self.store
            .create_user(
                NewUser {
                    email: Email::parse("email", email).expect("email"),
                    password_hash,
                    display_name: Name::parse("displayName", "Test User").expect("name"),
                },
                grants,
            )
            .await
            .expect("create user");
        self.login(email).await
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

    /// Signs in with `password`: (access token, refresh token).
    pub async fn sign_in(&self, email: &str, password: &str) -> (String, String) {
        let login = self
            .gql(
                None,
                "mutation($input: LoginInput!) { login(input: $input) { accessToken refreshToken } }",
                json!({ "input": { "email": email, "password": password } }),
            )
            .await;
        let token = |name: &str| {
            login
                .data(&format!("/login/{name}"))
                .as_str()
                .expect("a token")
                .to_owned()
        };
        (token("accessToken"), token("refreshToken"))
    }

    /// Signs in and returns the access token.
    pub async fn login(&self, email: &str) -> String {
        let response = self
            .gql(
                None,
                "mutation($input: LoginInput!) { login(input: $input) { accessToken } }",
                json!({ "input": { "email": email, "password": PASSWORD } }),
            )
            .await;
        response
            .data("/login/accessToken")
            .as_str()
            .expect("token")
            .to_owned()
    }

    /// An admin's access token.
    pub async fn admin(&self) -> String {
        let grant = RoleGrant::new(usher_domain::roles::Role::Admin, None, None).expect("grant");
        self.user_with(
            &format!("admin-{}@usher.test", uuid::Uuid::new_v4().simple()),
            &[grant],
        )
        .await
    }

    /// Checks the counter rule: an item's issued counter equals its tickets
    /// that are active or checked in, and never exceeds its capacity.
    pub async fn assert_counter_matches_tickets(&self, item_id: &str) {
        let issued = self
            .count(&format!(
                "SELECT CAST(tickets_issued AS BIGINT) FROM programme_item WHERE id = {}",
                self.uuid(item_id)
            ))
            .await;
        let held = self
            .count(&format!(
                "SELECT COUNT(*) FROM ticket WHERE item_id = {} AND status IN ('ACTIVE', 'CHECKED_IN')",
                self.uuid(item_id)
            ))
            .await;
        let capacity = self
            .count(&format!(
                "SELECT CAST(ticket_capacity AS BIGINT) FROM programme_item WHERE id = {}",
                self.uuid(item_id)
            ))
            .await;
        assert_eq!(issued, held, "the issued counter equals the tickets held");
        assert!(
            issued <= capacity,
            "{issued} issued over a capacity of {capacity}"
        );
    }

    /// A UUID literal for raw SQL on this database (a blob on SQLite).
    pub fn uuid(&self, id: &str) -> String {
        let uuid = uuid::Uuid::parse_str(id).expect("a UUID");
        match self.db {
            Db::Sqlite => format!("X'{}'", uuid.simple()),
            Db::Postgres => format!("'{uuid}'"),
        }
    }

    /// Runs a raw SQL statement against the test database.
    pub async fn sql(&self, statement: &str) -> Result<(), sea_orm::DbErr> {
        let db = Database::connect(&self.database.url).await?;
        db.execute_unprepared(statement).await?;
        db.close().await
    }

    /// Makes every insert into `table` fail from now on, as a full disk or
    /// a broken connection would in the middle of a transaction: what ran
    /// before the insert in that transaction must not be kept.
    pub async fn refuse_inserts_into(&self, table: &str) {
        let statements = match self.db {
            Db::Sqlite => vec![format!(
                "CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} \
                 BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
            )],
            Db::Postgres => vec![
                "CREATE OR REPLACE FUNCTION refuse_insert() RETURNS trigger AS $$ \
                 BEGIN RAISE EXCEPTION 'refused by the test'; END $$ LANGUAGE plpgsql"
                    .to_owned(),
                format!(
                    "CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} \
                     FOR EACH ROW EXECUTE FUNCTION refuse_insert()"
                ),
            ],
        };
        for statement in statements {
            self.sql(&statement).await.expect("install the trigger");
        }
    }

    /// Undoes `refuse_inserts_into(table)`.
    pub async fn allow_inserts_into(&self, table: &str) {
        let statement = match self.db {
            Db::Sqlite => format!("DROP TRIGGER refuse_{table}"),
            Db::Postgres => format!("DROP TRIGGER refuse_{table} ON {table}"),
        };
        self.sql(&statement).await.expect("drop the trigger");
    }

    /// Counts rows with a raw SQL `SELECT COUNT(*) ...`.
    pub async fn count(&self, query: &str) -> i64 {
        let db = Database::connect(&self.database.url)
            .await
            .expect("connect");
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                query,
            ))
            .await
            .expect("count query")
            .expect("one row");
        let count: i64 = row.try_get_by_index(0).expect("a count");
        db.close().await.expect("close");
        count
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

/// Runs each named `async fn(TestApp)` once on SQLite and once on
/// PostgreSQL (ignored, so shown as skipped, when the tests were built
/// without `USHER_TEST_DATABASE_URL`).
#[macro_export]
macro_rules! on_both_databases {
    ($($test:ident),* $(,)?) => {$(
        mod $test {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$test($crate::helpers::spawn_app($crate::helpers::Db::Sqlite).await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            #[cfg_attr(not(usher_postgres), ignore = "set USHER_TEST_DATABASE_URL to run it")]
            async fn postgres() {
                super::$test($crate::helpers::spawn_app($crate::helpers::Db::Postgres).await).await;
            }
        }
    )*};
}
