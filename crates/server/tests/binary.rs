//! The `usher` binary itself: `schema` prints schema.graphql; `serve
//! --demo` starts on an empty directory, serves, and stops cleanly on
//! SIGTERM; subscriptions over graphql-transport-ws get live attendance,
//! also from another `usher serve` process on the same PostgreSQL database;
//! `user add` makes no database where there is none; logs on a pipe carry
//! no colour codes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly, with the value it choked on"
)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const USHER: &str = env!("CARGO_BIN_EXE_usher");

#[test]
fn usher_schema_prints_the_committed_schema() {
    let output = Command::new(USHER).arg("schema").output().unwrap();

    assert!(output.status.success());
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../schema.graphql"))
            .unwrap();
    assert_eq!(String::from_utf8(output.stdout).unwrap(), committed);
}

#[tokio::test]
async fn serve_demo_starts_on_an_empty_directory_and_stops_on_sigterm() {
    let directory = tempfile::tempdir().unwrap();
    let mut server = Command::new(USHER)
        .args(["serve", "--demo", "--bind", "127.0.0.1:0"])
        .current_dir(directory.path())
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut printed = String::new();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("the server printed its address")
            .unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if let Some(rest) = line.split_once("http://").map(|(_, rest)| rest) {
            break rest
                .trim_end_matches("/graphql (GraphiQL in a browser)")
                .to_owned();
        }
    };

    let client = reqwest::Client::new();
    let login = client
        .post(format!("http://{address}/graphql"))
        .json(&json!({
            "query": "mutation($input: LoginInput!) { login(input: $input) { user { roles { role } } } }",
            "variables": { "input": { "email": "organizer@usher.example", "password": "usher-demo-2026" } }
        }))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let stopped = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    let status = wait(&mut server);

    assert!(printed.contains("organizer@usher.example"), "{printed}");
    assert!(printed.contains("door@usher.example") && printed.contains("attendee@usher.example"));
    assert_eq!(
        login["data"]["login"]["user"]["roles"][1]["role"], "ORGANIZER",
        "{login}"
    );
    assert!(
        directory.path().join("usher.db").exists(),
        "the default database is a file in the working directory"
    );
    assert!(stopped.success());
    assert!(status.success(), "graceful shutdown exits 0, got {status}");
}

#[test]
fn user_add_in_a_directory_without_a_database_refuses_and_creates_none() {
    let directory = tempfile::tempdir().unwrap();

    let output = Command::new(USHER)
        .args([
            "user",
            "add",
            "--email",
            "lost@example.org",
            "--name",
            "Lost",
        ])
        .env("USHER_USER_PASSWORD", "a long enough password")
        .env_remove("DATABASE_URL")
        .current_dir(directory.path())
        .output()
        .unwrap();

    let said = String::from_utf8(output.stderr).unwrap();
    assert!(!output.status.success(), "{said}");
    assert!(
        said.contains("there is no database at sqlite://usher.db"),
        "names the database it looked at: {said}"
    );
    assert!(said.contains("usher migrate"), "{said}");
    assert_eq!(
        std::fs::read_dir(directory.path()).unwrap().count(),
        0,
        "no usher.db was made"
    );
}

#[test]
fn log_lines_sent_to_a_pipe_carry_no_colour_codes() {
    let directory = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/usher.db", directory.path().display());
    let mut server = Server::start_logging_to(&url, directory.path(), Stdio::piped());
    let stderr = server.child.stderr.take().unwrap();

    let mut logged = Vec::new();
    for line in BufReader::new(stderr).split(b'\n') {
        let line = line.unwrap();
        logged.extend_from_slice(&line);
        logged.push(b'\n');
        if String::from_utf8_lossy(&line).contains("listening") {
            break;
        }
    }

    let logged = String::from_utf8(logged).unwrap();
    assert!(logged.contains("listening"), "{logged}");
    assert!(
        !logged.contains('\u{1b}'),
        "no ANSI escape codes off a terminal: {logged:?}"
    );
}

fn wait(server: &mut std::process::Child) -> std::process::ExitStatus {
    for _ in 0..100 {
        if let Some(status) = server.try_wait().unwrap() {
            return status;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    server.kill().unwrap();
    panic!("the server did not stop within 10 s of SIGTERM");
}

/// A running `usher serve` process, killed when dropped.
struct Server {
    child: Child,
    address: String,
}

impl Server {
    fn start(database_url: &str, directory: &std::path::Path) -> Self {
        Self::start_logging_to(database_url, directory, Stdio::null())
    }

    /// Starts a server whose log lines (stderr) go to `logs`.
    fn start_logging_to(database_url: &str, directory: &std::path::Path, logs: Stdio) -> Self {
        let mut child = Command::new(USHER)
            .args([
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--database-url",
                database_url,
            ])
            // The crowds below all sign up from this one address.
            .env("USHER_REGISTRATIONS_PER_ADDRESS_PER_HOUR", "100000")
            // Log lines as a user gets them by default.
            .env_remove("RUST_LOG")
            .env_remove("USHER_LOG_FORMAT")
            .env_remove("NO_COLOR")
            .current_dir(directory)
            .stdout(Stdio::piped())
            .stderr(logs)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let address = loop {
            let line = lines
                .next()
                .expect("the server printed its address")
                .unwrap();
            if let Some((_, rest)) = line.split_once("http://") {
                break rest
                    .trim_end_matches("/graphql (GraphiQL in a browser)")
                    .to_owned();
            }
        };
        Self { child, address }
    }

    /// The data of a request that must succeed.
    async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let response = self.send(token, query, variables).await.unwrap();
        assert!(response.get("errors").is_none(), "{response}");
        response["data"].clone()
    }

    /// The whole response, or the transport error (the server may be gone).
    async fn send(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> Result<Value, reqwest::Error> {
        let mut request = reqwest::Client::new()
            .post(format!("http://{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await?.json().await
    }

    /// Kills the process without warning, as a crash or an OOM killer would.
    fn kill_hard(&mut self) {
        let killed = Command::new("kill")
            .args(["-KILL", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let _ = self.child.wait();
    }

    /// Opens a graphql-transport-ws connection, signed in with `token`, and
    /// subscribes to `query`.
    async fn subscribe(&self, token: &str, query: &str, variables: Value) -> Subscription {
        let mut request = format!("ws://{}/graphql/ws", self.address)
            .into_client_request()
            .unwrap();
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
        let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
        socket.send(Message::text(init.to_string())).await.unwrap();
        let mut subscription = Subscription { socket };
        assert_eq!(subscription.message().await["type"], "connection_ack");
        let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": query, "variables": variables } });
        subscription
            .socket
            .send(Message::text(subscribe.to_string()))
            .await
            .unwrap();
        subscription
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Subscription {
    socket: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

impl Subscription {
    async fn message(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(Duration::from_secs(10), self.socket.next())
                .await
                .expect("a message within 10 s")
                .expect("the connection stays open")
                .unwrap();
            if let Message::Text(text) = message {
                return serde_json::from_str(&text).unwrap();
            }
        }
    }

    /// The payload of the next `next` message.
    async fn next_value(&mut self) -> Value {
        let message = self.message().await;
        assert_eq!(message["type"], "next", "{message}");
        message["payload"]["data"].clone()
    }
}

const ATTENDANCE: &str =
    "subscription($id: ID!) { attendanceChanged(itemId: $id) { issued checkedIn waitlisted } }";
const AVAILABILITY: &str =
    "subscription($id: ID!) { availabilityChanged(itemId: $id) { ticketsLeft status } }";

/// An admin made with `usher user add`, a festival with one item whose
/// doors are open (10 tickets in a hall for 100), and an attendee; the
/// tokens and the ids.
async fn festival(
    server: &Server,
    database_url: &str,
    directory: &std::path::Path,
) -> (String, String, Value, String) {
    festival_sized(server, database_url, directory, 10, 100).await
}

async fn festival_sized(
    server: &Server,
    database_url: &str,
    directory: &std::path::Path,
    tickets: u32,
    hall: u32,
) -> (String, String, Value, String) {
    let added = Command::new(USHER)
        .args([
            "user",
            "add",
            "--email",
            "boss@example.org",
            "--password",
            "a long enough password",
            "--name",
            "Boss",
            "--role",
            "admin",
            "--database-url",
            database_url,
        ])
        .current_dir(directory)
        .status()
        .unwrap();
    assert!(added.success());
    let login = "mutation($email: String!) { login(input: { email: $email, password: \"a long enough password\" }) { accessToken } }";
    let admin = server
        .gql(None, login, json!({ "email": "boss@example.org" }))
        .await["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let festival = server
        .gql(Some(&admin), "mutation { createFestival(input: { slug: \"live\", name: \"Live\", city: \"Nanning\", timezone: \"Asia/Shanghai\" }) { id } }", json!({}))
        .await["createFestival"]["id"]
        .clone();
    let venue = server
        .gql(Some(&admin), "mutation($id: ID!, $hall: Int!) { createVenue(input: { festivalId: $id, name: \"Hall\", address: \"Street\", capacity: $hall, gates: [\"A\"] }) { id } }", json!({ "id": festival, "hall": hall }))
        .await["createVenue"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let starts =
        |minutes: i64| (chrono::Utc::now() + chrono::Duration::minutes(minutes)).to_rfc3339();
    let item = server
        .gql(
            Some(&admin),
            "mutation($festival: ID!, $venue: ID!, $starts: DateTime!, $ends: DateTime!, $tickets: Int!) { createItem(input: { festivalId: $festival, venueId: $venue, kind: OTHER, title: \"Opening\", startsAt: $starts, endsAt: $ends, ticketCapacity: $tickets, maxTicketsPerAttendee: 1 }) { id } }",
            json!({ "festival": festival, "venue": venue, "starts": starts(10), "ends": starts(100), "tickets": tickets }),
        )
        .await["createItem"]
        .clone();
    let attendee = server
        .gql(None, "mutation { register(input: { email: \"fan@example.org\", password: \"a long enough password\", displayName: \"Fan\" }) { accessToken } }", json!({}))
        .await["register"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    (admin, attendee, item, venue)
}

const RESERVE: &str = "mutation($id: ID!) { reserveTickets(input: { itemId: $id, quantity: 1 }) { tickets { code } } }";

#[tokio::test]
async fn subscribers_see_attendance_and_availability_change_live() {
    let directory = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/usher.db", directory.path().display());
    let server = Server::start(&url, directory.path());
    let (admin, attendee, item, venue) = festival(&server, &url, directory.path()).await;
    let mut refused = server
        .subscribe(&attendee, ATTENDANCE, json!({ "id": item["id"] }))
        .await;

    let refusal = refused.message().await;
    assert_eq!(
        refusal["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{refusal}"
    );
    assert_eq!(refused.message().await["type"], "complete");
    let people = People {
        organizer: &admin,
        attendee: &attendee,
    };
    reserve_and_scan_while_watching(&server, &server, people, &item, &venue).await;
}

#[tokio::test]
#[cfg_attr(not(usher_postgres), ignore = "set USHER_TEST_DATABASE_URL to run it")]
async fn a_change_through_one_instance_reaches_subscribers_of_another() {
    let (admin, name, url) = postgres_database().await;
    let directory = tempfile::tempdir().unwrap();
    let (first, second) = two_instances(&url, directory.path());
    let (organizer, attendee, item, venue) = festival(&first, &url, directory.path()).await;

    let people = People {
        organizer: &organizer,
        attendee: &attendee,
    };
    reserve_and_scan_while_watching(&first, &second, people, &item, &venue).await;

    drop((first, second));
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .unwrap();
}

/// The item's organizer and an attendee, by their access tokens.
struct People<'a> {
    organizer: &'a str,
    attendee: &'a str,
}

/// Subscribes through `watched` to the item's attendance (as its
/// organizer) and availability (as the attendee), then reserves a ticket
/// and scans it through `acting`: each change reaches the subscribers.
async fn reserve_and_scan_while_watching(
    acting: &Server,
    watched: &Server,
    people: People<'_>,
    item: &Value,
    venue: &str,
) {
    let mut attendance = watched
        .subscribe(people.organizer, ATTENDANCE, json!({ "id": item["id"] }))
        .await;
    let mut availability = watched
        .subscribe(people.attendee, AVAILABILITY, json!({ "id": item["id"] }))
        .await;
    assert_eq!(
        attendance.next_value().await["attendanceChanged"]["issued"],
        0
    );
    assert_eq!(
        availability.next_value().await["availabilityChanged"]["ticketsLeft"],
        10
    );

    let code = acting
        .gql(Some(people.attendee), RESERVE, json!({ "id": item["id"] }))
        .await["reserveTickets"]["tickets"][0]["code"]
        .clone();
    assert_eq!(
        attendance.next_value().await["attendanceChanged"]["issued"],
        1,
        "a reservation"
    );
    assert_eq!(
        availability.next_value().await["availabilityChanged"]["ticketsLeft"],
        9
    );
    acting
        .gql(Some(people.organizer), "mutation($code: String!, $venue: ID!) { checkIn(input: { code: $code, venueId: $venue }) { outcome } }", json!({ "code": code, "venue": venue }))
        .await;
    assert_eq!(
        attendance.next_value().await["attendanceChanged"]["checkedIn"],
        1,
        "a check-in"
    );
}

/// Two servers on one database, migrated first.
fn two_instances(url: &str, directory: &std::path::Path) -> (Server, Server) {
    Command::new(USHER)
        .args(["migrate", "--database-url", url])
        .status()
        .unwrap();
    (Server::start(url, directory), Server::start(url, directory))
}

/// A new PostgreSQL database for one test. These tests are built ignored
/// unless `USHER_TEST_DATABASE_URL` was set (see build.rs).
async fn postgres_database() -> (sea_orm::DatabaseConnection, String, String) {
    let admin_url = std::env::var("USHER_TEST_DATABASE_URL").expect(
        "PostgreSQL tests need USHER_TEST_DATABASE_URL when they are built and when they run",
    );
    let name = format!("usher_test_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(&admin_url).await.unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let url = format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0);
    (admin, name, url)
}

async fn attendees(server: &Server, prefix: &str, count: usize) -> Vec<String> {
    let register = "mutation($email: String!) { register(input: { email: $email, password: \"a long enough password\", displayName: \"Fan\" }) { accessToken } }";
    futures::future::join_all((0..count).map(|n| async move {
        server
            .gql(
                None,
                register,
                json!({ "email": format!("{prefix}{n}@example.org") }),
            )
            .await["register"]["accessToken"]
            .as_str()
            .unwrap()
            .to_owned()
    }))
    .await
}

const STATE: &str = "query($id: ID!) { item(id: $id) { ticketCapacity ticketsLeft attendance { issued checkedIn } } }";

/// Kills the server with SIGKILL in the middle of a rush, restarts it on the
/// same database, and checks that every acknowledged reservation is there
/// and the counter equals the rows.
async fn survives_kill_9(url: &str, directory: &std::path::Path) {
    let mut server = Server::start(url, directory);
    let (admin, _, item, _) = festival_sized(&server, url, directory, 10_000, 10_000).await;
    let crowd = attendees(&server, "rush", 300).await;
    let server_address = server.address.clone();
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let rush = {
        let acknowledged = acknowledged.clone();
        let item_id = item["id"].clone();
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            futures::future::join_all(crowd.into_iter().map(|token| {
                let client = client.clone();
                let acknowledged = acknowledged.clone();
                let item_id = item_id.clone();
                let address = server_address.clone();
                async move {
                    let response = client
                        .post(format!("http://{address}/graphql"))
                        .bearer_auth(&token)
                        .json(&json!({ "query": RESERVE, "variables": { "id": item_id } }))
                        .send()
                        .await;
                    if let Ok(response) = response
                        && let Ok(body) = response.json::<Value>().await
                        && body.get("errors").is_none()
                    {
                        acknowledged.lock().unwrap().push(token);
                    }
                }
            }))
            .await;
        })
    };
    while acknowledged.lock().unwrap().len() < 50 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill_hard();
    rush.await.unwrap();
    let acknowledged = acknowledged.lock().unwrap().clone();

    let restarted = Server::start(url, directory);

    for token in &acknowledged {
        let mine = restarted
            .gql(Some(token), "{ myTickets { item { id } } }", json!({}))
            .await;
        assert_eq!(
            mine["myTickets"].as_array().unwrap().len(),
            1,
            "an acknowledged reservation was lost"
        );
    }
    let state = restarted
        .gql(Some(&admin), STATE, json!({ "id": item["id"] }))
        .await["item"]
        .clone();
    let counter =
        state["ticketCapacity"].as_i64().unwrap() - state["ticketsLeft"].as_i64().unwrap();
    assert_eq!(
        counter,
        state["attendance"]["issued"].as_i64().unwrap(),
        "the counter equals the rows"
    );
    assert!(counter >= acknowledged.len() as i64);
    assert!(
        acknowledged.len() < 300,
        "the kill came in the middle of the rush"
    );
}

#[tokio::test]
async fn a_killed_server_on_sqlite_loses_no_acknowledged_reservation() {
    let directory = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/usher.db", directory.path().display());
    survives_kill_9(&url, directory.path()).await;
}

#[tokio::test]
#[cfg_attr(not(usher_postgres), ignore = "set USHER_TEST_DATABASE_URL to run it")]
async fn a_killed_server_on_postgres_loses_no_acknowledged_reservation() {
    let (admin, name, url) = postgres_database().await;
    let directory = tempfile::tempdir().unwrap();
    survives_kill_9(&url, directory.path()).await;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .unwrap();
}

#[tokio::test]
#[cfg_attr(not(usher_postgres), ignore = "set USHER_TEST_DATABASE_URL to run it")]
async fn two_instances_racing_never_oversell_nor_admit_twice() {
    let (admin_connection, name, url) = postgres_database().await;
    let directory = tempfile::tempdir().unwrap();
    let (first, second) = two_instances(&url, directory.path());
    let (admin, _, item, venue) = festival_sized(&first, &url, directory.path(), 50, 30).await;
    let crowd = attendees(&first, "racer", 200).await;

    let reservations = futures::future::join_all(crowd.iter().enumerate().map(|(n, token)| {
        let server = if n % 2 == 0 { &first } else { &second };
        server.send(Some(token), RESERVE, json!({ "id": item["id"] }))
    }))
    .await;
    let codes: Vec<Value> = reservations
        .iter()
        .map(|response| response.as_ref().unwrap())
        .filter(|response| response.get("errors").is_none())
        .map(|response| response["data"]["reserveTickets"]["tickets"][0]["code"].clone())
        .collect();
    let scan = "mutation($code: String!, $venue: ID!) { checkIn(input: { code: $code, venueId: $venue }) { outcome } }";
    let scans = futures::future::join_all(codes.iter().flat_map(|code| {
        [&first, &second]
            .map(|server| server.send(Some(&admin), scan, json!({ "code": code, "venue": venue })))
    }))
    .await;

    assert_eq!(
        codes.len(),
        50,
        "exactly the capacity is sold through both instances"
    );
    let outcomes: Vec<String> = scans
        .iter()
        .map(|response| {
            response.as_ref().unwrap()["data"]["checkIn"]["outcome"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        outcomes.iter().filter(|o| *o == "ADMITTED").count(),
        30,
        "never more inside than the hall holds"
    );
    for (n, pair) in outcomes.chunks(2).enumerate() {
        assert!(
            pair.iter().filter(|o| *o == "ADMITTED").count() <= 1,
            "ticket {n} admitted twice: {pair:?}"
        );
    }
    let state = first
        .gql(Some(&admin), STATE, json!({ "id": item["id"] }))
        .await["item"]
        .clone();
    assert_eq!(state["ticketsLeft"], 0);
    assert_eq!(state["attendance"]["issued"], 50);
    assert_eq!(state["attendance"]["checkedIn"], 30);

    drop((first, second));
    admin_connection
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .unwrap();
}
