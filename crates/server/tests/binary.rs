//! The `usher` binary itself: `schema` prints schema.graphql; `serve
//! --demo` starts on an empty directory, serves, and stops cleanly on
//! SIGTERM; subscriptions over graphql-transport-ws get live attendance,
//! also from another `usher serve` process on the same PostgreSQL database;
//! `user add` makes no database where there is none; `serve` refuses a
//! malformed `--public-url`; logs on a pipe carry no colour codes.
//!
//! The helpers (a `usher serve` process, sockets, test databases, the
//! schema check) are usher-tests' test support, shared with the API tests;
//! only this package knows where the binary is, so it passes the path in.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly, with the value it choked on"
)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use usher_tests::process::{Server, printed_address, wait_for_exit};
use usher_tests::schema::assert_is_the_committed_schema;
use usher_tests::{Db, TestDatabase};

const USHER: &str = env!("CARGO_BIN_EXE_usher");

fn usher() -> &'static Path {
    Path::new(USHER)
}

#[test]
fn usher_schema_prints_the_committed_schema() {
    let output = Command::new(USHER).arg("schema").output().unwrap();

    assert!(output.status.success());
    assert_is_the_committed_schema(&String::from_utf8(output.stdout).unwrap());
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
    let address = printed_address(&mut lines, |line| {
        printed.push_str(line);
        printed.push('\n');
    });

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
    let status = wait_for_exit(&mut server);

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
fn serve_refuses_a_public_url_that_is_not_an_origin_before_touching_anything() {
    for (flag, url, says) in [
        (true, "tickets.example.org", "not an absolute URL"),
        (true, "ftp://tickets.example.org", "http or https"),
        (false, "https://tickets.example.org/usher", "no path"),
        (false, "https://tickets.example.org/?door=1", "no query"),
    ] {
        let directory = tempfile::tempdir().unwrap();
        let mut command = Command::new(USHER);
        command.args(["serve", "--bind", "127.0.0.1:0"]);
        if flag {
            command.args(["--public-url", url]);
        } else {
            command.env("USHER_PUBLIC_URL", url);
        }

        let output = command
            .env_remove("DATABASE_URL")
            .current_dir(directory.path())
            .output()
            .unwrap();

        let said = String::from_utf8(output.stderr).unwrap();
        assert!(!output.status.success(), "{url}: {said}");
        assert!(said.contains("--public-url"), "{url}: {said}");
        assert!(said.contains(says), "{url}: {said}");
        assert_eq!(
            std::fs::read_dir(directory.path()).unwrap().count(),
            0,
            "{url}: no database was made"
        );
    }
}

#[test]
fn log_lines_sent_to_a_pipe_carry_no_colour_codes() {
    let directory = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/usher.db", directory.path().display());
    let mut server = Server::start_logging_to(usher(), &url, directory.path(), Stdio::piped());
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

const ATTENDANCE: &str =
    "subscription($id: ID!) { attendanceChanged(itemId: $id) { issued checkedIn waitlisted } }";
const AVAILABILITY: &str =
    "subscription($id: ID!) { availabilityChanged(itemId: $id) { ticketsLeft status } }";

const RESERVE: &str = "mutation($id: ID!) { reserveTickets(input: { itemId: $id, quantity: 1 }) { tickets { code } } }";

#[tokio::test]
async fn subscribers_see_attendance_and_availability_change_live() {
    let directory = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/usher.db", directory.path().display());
    let server = Server::start(usher(), &url, directory.path());
    let (admin, attendee, item, venue) = server.festival(&url, directory.path(), 10, 100).await;
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
    let database = TestDatabase::create(Db::Postgres).await;
    let url = database.url.clone();
    let directory = tempfile::tempdir().unwrap();
    let (first, second) = two_instances(&url, directory.path());
    let (organizer, attendee, item, venue) = first.festival(&url, directory.path(), 10, 100).await;

    let people = People {
        organizer: &organizer,
        attendee: &attendee,
    };
    reserve_and_scan_while_watching(&first, &second, people, &item, &venue).await;
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
    (
        Server::start(usher(), url, directory),
        Server::start(usher(), url, directory),
    )
}

const STATE: &str = "query($id: ID!) { item(id: $id) { ticketCapacity ticketsLeft attendance { issued checkedIn } } }";

/// Kills the server with SIGKILL in the middle of a rush, restarts it on the
/// same database, and checks that every acknowledged reservation is there
/// and the counter equals the rows.
async fn survives_kill_9(url: &str, directory: &std::path::Path) {
    let mut server = Server::start(usher(), url, directory);
    let (admin, _, item, _) = server.festival(url, directory, 10_000, 10_000).await;
    let crowd = server.attendees("rush", 300).await;
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

    let restarted = Server::start(usher(), url, directory);

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
    let database = TestDatabase::create(Db::Postgres).await;
    let directory = tempfile::tempdir().unwrap();
    survives_kill_9(&database.url, directory.path()).await;
}

#[tokio::test]
#[cfg_attr(not(usher_postgres), ignore = "set USHER_TEST_DATABASE_URL to run it")]
async fn two_instances_racing_never_oversell_nor_admit_twice() {
    let database = TestDatabase::create(Db::Postgres).await;
    let url = database.url.clone();
    let directory = tempfile::tempdir().unwrap();
    let (first, second) = two_instances(&url, directory.path());
    let (admin, _, item, venue) = first.festival(&url, directory.path(), 50, 30).await;
    let crowd = first.attendees("racer", 200).await;

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
}
