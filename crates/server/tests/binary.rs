//! The `usher` binary itself: `schema` prints schema.graphql; `serve
//! --demo` starts on an empty directory, serves, and stops cleanly on
//! SIGTERM; subscriptions over graphql-transport-ws get live attendance,
//! also from another `usher serve` process on the same PostgreSQL database.
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
        let mut child = Command::new(USHER)
            .args([
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--database-url",
                database_url,
            ])
            .current_dir(directory)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
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

    async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = reqwest::Client::new()
            .post(format!("http://{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response: Value = request.send().await.unwrap().json().await.unwrap();
        assert!(response.get("errors").is_none(), "{response}");
        response["data"].clone()
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
/// doors are open, and an attendee; the tokens and the ids.
async fn festival(
    server: &Server,
    database_url: &str,
    directory: &std::path::Path,
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
        .gql(Some(&admin), "mutation($id: ID!) { createVenue(input: { festivalId: $id, name: \"Hall\", address: \"Street\", capacity: 100, gates: [\"A\"] }) { id } }", json!({ "id": festival }))
        .await["createVenue"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let starts =
        |minutes: i64| (chrono::Utc::now() + chrono::Duration::minutes(minutes)).to_rfc3339();
    let item = server
        .gql(
            Some(&admin),
            "mutation($festival: ID!, $venue: ID!, $starts: DateTime!, $ends: DateTime!) { createItem(input: { festivalId: $festival, venueId: $venue, kind: OTHER, title: \"Opening\", startsAt: $starts, endsAt: $ends, ticketCapacity: 10 }) { id } }",
            json!({ "festival": festival, "venue": venue, "starts": starts(10), "ends": starts(100) }),
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
    let mut attendance = server
        .subscribe(&admin, ATTENDANCE, json!({ "id": item["id"] }))
        .await;
    let mut availability = server
        .subscribe(&attendee, AVAILABILITY, json!({ "id": item["id"] }))
        .await;
    let mut refused = server
        .subscribe(&attendee, ATTENDANCE, json!({ "id": item["id"] }))
        .await;

    assert_eq!(
        attendance.next_value().await["attendanceChanged"]["issued"],
        0
    );
    assert_eq!(
        availability.next_value().await["availabilityChanged"]["ticketsLeft"],
        10
    );
    let refusal = refused.message().await;
    assert_eq!(
        refusal["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{refusal}"
    );
    assert_eq!(refused.message().await["type"], "complete");

    let code = server
        .gql(Some(&attendee), RESERVE, json!({ "id": item["id"] }))
        .await["reserveTickets"]["tickets"][0]["code"]
        .clone();
    assert_eq!(
        attendance.next_value().await["attendanceChanged"]["issued"],
        1
    );
    assert_eq!(
        availability.next_value().await["availabilityChanged"]["ticketsLeft"],
        9
    );

    server
        .gql(Some(&admin), "mutation($code: String!, $venue: ID!) { checkIn(input: { code: $code, venueId: $venue }) { outcome } }", json!({ "code": code, "venue": venue }))
        .await;
    assert_eq!(
        attendance.next_value().await["attendanceChanged"]["checkedIn"],
        1
    );
}

#[tokio::test]
async fn a_change_through_one_instance_reaches_subscribers_of_another() {
    let Ok(admin_url) = std::env::var("USHER_TEST_DATABASE_URL") else {
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            b"two-instance test skipped: USHER_TEST_DATABASE_URL is not set\n",
        );
        return;
    };
    let name = format!("usher_test_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(&admin_url).await.unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let url = format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0);
    let directory = tempfile::tempdir().unwrap();
    Command::new(USHER)
        .args(["migrate", "--database-url", &url])
        .status()
        .unwrap();
    let first = Server::start(&url, directory.path());
    let second = Server::start(&url, directory.path());
    let (organizer, attendee, item, venue) = festival(&first, &url, directory.path()).await;

    let mut attendance = second
        .subscribe(&organizer, ATTENDANCE, json!({ "id": item["id"] }))
        .await;
    let mut availability = second
        .subscribe(&attendee, AVAILABILITY, json!({ "id": item["id"] }))
        .await;
    assert_eq!(
        attendance.next_value().await["attendanceChanged"]["issued"],
        0
    );
    assert_eq!(
        availability.next_value().await["availabilityChanged"]["ticketsLeft"],
        10
    );

    let code = first
        .gql(Some(&attendee), RESERVE, json!({ "id": item["id"] }))
        .await["reserveTickets"]["tickets"][0]["code"]
        .clone();
    assert_eq!(
        attendance.next_value().await["attendanceChanged"]["issued"],
        1,
        "a reservation on the first instance"
    );
    assert_eq!(
        availability.next_value().await["availabilityChanged"]["ticketsLeft"],
        9
    );
    first
        .gql(Some(&organizer), "mutation($code: String!, $venue: ID!) { checkIn(input: { code: $code, venueId: $venue }) { outcome } }", json!({ "code": code, "venue": venue }))
        .await;
    assert_eq!(
        attendance.next_value().await["attendanceChanged"]["checkedIn"],
        1,
        "a check-in on the first instance"
    );

    drop((first, second));
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .unwrap();
}
