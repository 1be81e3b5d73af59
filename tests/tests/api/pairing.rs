//! Pairing a phone: `issueScannerToken` answers a pairing URL (the door
//! page with the token in its fragment) whose origin is `--public-url`'s
//! or the request's own, over HTTP and WebSocket.

use chrono::Utc;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use usher_tests::catalogue::{Festival, create_item, festival};
use usher_tests::door::scan;
use usher_tests::tickets::buy;
use usher_tests::{Db, TestApp, on_both_databases, spawn_app_with_public_url};

const ISSUE: &str = "mutation($input: IssueScannerTokenInput!) {
    issueScannerToken(input: $input) { token pairingUrl scanner { id } }
}";

on_both_databases!(
    the_pairing_url_is_the_door_page_with_a_token_that_scans,
    the_pairing_url_takes_the_origin_of_the_request_or_refuses_without_one,
);

/// A scanner device issued by `who` at the festival's venue (expiring at
/// `expires_at`, default a day): (token, pairing URL, scanner id).
async fn issue(
    app: &TestApp,
    who: &str,
    festival: &Festival,
    expires_at: Option<chrono::DateTime<Utc>>,
) -> (String, String, String) {
    let issued = app
        .gql(
            Some(who),
            ISSUE,
            json!({ "input": { "venueId": festival.venue, "label": "Gate A, phone 1",
                               "expiresAt": expires_at.map(|at| at.to_rfc3339()) } }),
        )
        .await;
    let text = |pointer: &str| {
        issued
            .data(&format!("/issueScannerToken/{pointer}"))
            .as_str()
            .unwrap()
            .to_owned()
    };
    (text("token"), text("pairingUrl"), text("scanner/id"))
}

/// The token a pairing URL carries, as the door page reads it.
fn paired_token(pairing_url: &str) -> &str {
    pairing_url
        .split_once("#pair=")
        .map(|(_, token)| token)
        .unwrap_or_else(|| panic!("no #pair= in {pairing_url}"))
}

async fn the_pairing_url_is_the_door_page_with_a_token_that_scans(app: TestApp) {
    let festival = festival(&app, "pairing").await;
    let item = create_item(&app, &festival, 10, json!({})).await;
    let attendee = app.attendee("guest@example.org").await;
    let ticket = buy(&app, &attendee, &item).await;

    let (token, pairing_url, _) = issue(&app, &festival.admin, &festival, None).await;
    let admitted = scan(
        &app,
        paired_token(&pairing_url),
        &ticket["code"],
        &festival.venue,
        Some("A"),
    )
    .await;

    assert!(token.starts_with("usc_"), "{token}");
    assert_eq!(pairing_url, format!("{}/door#pair={token}", app.address));
    assert!(
        pairing_url.starts_with("http://127.0.0.1:"),
        "the request's own origin: {pairing_url}"
    );
    assert!(
        !pairing_url.contains('?'),
        "no query string, so the token stays out of logs: {pairing_url}"
    );
    assert_eq!(admitted.data("/checkIn/outcome"), "ADMITTED");
    let other = issue(&app, &festival.admin, &festival, None).await;
    assert_ne!(other.0, token, "each device has a token of its own");
}

/// Sends `body` (a GraphQL request) with `token` to the app over a raw
/// HTTP/1.0 connection, with `host` as its Host header or none at all, and
/// returns the JSON answer.
async fn post_with_host(app: &TestApp, token: &str, host: Option<&str>, body: &Value) -> Value {
    let address = app.address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.unwrap();
    let body = body.to_string();
    let host = host
        .map(|host| format!("Host: {host}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "POST /graphql HTTP/1.0\r\n{host}Authorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(
        head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"),
        "{head}"
    );
    serde_json::from_str(body).unwrap()
}

async fn the_pairing_url_takes_the_origin_of_the_request_or_refuses_without_one(app: TestApp) {
    let festival = festival(&app, "origins").await;
    let admin = &festival.admin;
    let issue_request = json!({ "query": ISSUE, "variables": { "input": { "venueId": festival.venue, "label": "Gate B" } } });

    let through_a_name =
        post_with_host(&app, admin, Some("Door.Example.org:8080"), &issue_request).await;
    let without_host = post_with_host(&app, admin, None, &issue_request).await;
    let with_a_bad_host = post_with_host(&app, admin, Some("x@evil.example"), &issue_request).await;
    let mut socket = app.socket(Some(&festival.admin)).await;
    socket
        .subscribe("1", ISSUE, issue_request["variables"].clone())
        .await;
    let over_the_socket = socket.next_value().await;

    let url = through_a_name["data"]["issueScannerToken"]["pairingUrl"]
        .as_str()
        .unwrap_or_else(|| panic!("{through_a_name}"));
    assert!(
        url.starts_with("http://door.example.org:8080/door#pair=usc_"),
        "{url}"
    );
    for refused in [&without_host, &with_a_bad_host] {
        assert!(refused["data"].is_null(), "{refused}");
        assert_eq!(
            refused["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{refused}"
        );
        assert_eq!(
            refused["errors"][0]["extensions"]["field"], "Host",
            "{refused}"
        );
        assert!(
            refused["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("--public-url"),
            "{refused}"
        );
    }
    let listed = app
        .gql(
            Some(&festival.admin),
            "query($id: ID!) { scannerTokens(venueId: $id) { id } }",
            json!({ "id": festival.venue }),
        )
        .await;
    assert_eq!(
        listed.data("/scannerTokens").as_array().unwrap().len(),
        2,
        "a refused issue issues nothing: {:?}",
        listed.0
    );
    let socket_url = over_the_socket["issueScannerToken"]["pairingUrl"]
        .as_str()
        .unwrap_or_else(|| panic!("{over_the_socket}"));
    assert_eq!(
        socket_url,
        format!(
            "{}/door#pair={}",
            app.address,
            over_the_socket["issueScannerToken"]["token"]
                .as_str()
                .unwrap()
        ),
        "over a WebSocket, the upgrade request's origin"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn behind_a_proxy_the_pairing_url_starts_with_the_public_url_on_sqlite() {
    behind_a_proxy_the_pairing_url_starts_with_the_public_url(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[cfg_attr(not(usher_postgres), ignore = "set USHER_TEST_DATABASE_URL to run it")]
async fn behind_a_proxy_the_pairing_url_starts_with_the_public_url_on_postgres() {
    behind_a_proxy_the_pairing_url_starts_with_the_public_url(Db::Postgres).await;
}

async fn behind_a_proxy_the_pairing_url_starts_with_the_public_url(db: Db) {
    let app = spawn_app_with_public_url(db, "https://Tickets.example.org/").await;
    let festival = festival(&app, "proxied").await;
    let issue_request = json!({ "query": ISSUE, "variables": { "input": { "venueId": festival.venue, "label": "Gate C" } } });

    let (token, pairing_url, _) = issue(&app, &festival.admin, &festival, None).await;
    let other_host =
        post_with_host(&app, &festival.admin, Some("internal:8080"), &issue_request).await;
    let without_host = post_with_host(&app, &festival.admin, None, &issue_request).await;

    assert_eq!(
        pairing_url,
        format!("https://tickets.example.org/door#pair={token}")
    );
    for answer in [&other_host, &without_host] {
        let url = answer["data"]["issueScannerToken"]["pairingUrl"]
            .as_str()
            .unwrap_or_else(|| panic!("{answer}"));
        assert!(
            url.starts_with("https://tickets.example.org/door#pair=usc_"),
            "whatever the Host: {url}"
        );
    }
}
