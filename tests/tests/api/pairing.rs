//! Pairing a phone: `issueScannerToken` answers a pairing URL (the door
//! page with the token in its fragment) whose origin is `--public-url`'s
//! or the request's own, over HTTP and WebSocket; `GET
//! /scanners/{id}/pairing.svg` shows it as a QR code to the festival's
//! organizers while the token is live, and to no one else.

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use usher_api::auth::token_hash;
use usher_domain::ids::{ScannerId, UserId};
use usher_domain::input::Label;
use usher_domain::roles::{Role, RoleGrant};
use usher_persistence::NewScanner;

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
    the_pairing_qr_code_is_for_organizers_while_the_token_is_live,
    a_device_of_one_gate_tells_its_gate_and_only_a_gate_of_its_venue,
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

async fn a_device_of_one_gate_tells_its_gate_and_only_a_gate_of_its_venue(app: TestApp) {
    let festival = festival(&app, "gates").await;
    let issue_at = |gate: &'static str| {
        let app = &app;
        let festival = &festival;
        async move {
            app.gql(
                Some(&festival.admin),
                "mutation($input: IssueScannerTokenInput!) {
                    issueScannerToken(input: $input) { token scanner { gate } } }",
                json!({ "input": { "venueId": festival.venue, "label": "East door", "gate": gate } }),
            )
            .await
        }
    };

    let at_b = issue_at("B").await;
    let token = at_b.data("/issueScannerToken/token").as_str().unwrap();
    let seen_by_device = app
        .gql(Some(token), "{ myScanner { label gate } }", json!({}))
        .await;
    let unknown_gate = issue_at("Z").await;
    let listed = app
        .gql(
            Some(&festival.admin),
            "query($venue: ID!) { scannerTokens(venueId: $venue) { gate } }",
            json!({ "venue": festival.venue }),
        )
        .await;

    assert_eq!(at_b.data("/issueScannerToken/scanner/gate"), "B");
    assert_eq!(seen_by_device.data("/myScanner/gate"), "B");
    assert_eq!(seen_by_device.data("/myScanner/label"), "East door");
    assert_eq!(unknown_gate.error_code(), "BAD_USER_INPUT");
    assert_eq!(unknown_gate.error_field(), "gate");
    assert_eq!(
        listed.data("/scannerTokens"),
        &json!([{ "gate": "B" }]),
        "the refused one was not issued"
    );
    let people = app
        .gql(Some(&festival.admin), "{ myScanner { label } }", json!({}))
        .await;
    assert_eq!(
        people.data("/myScanner"),
        &Value::Null,
        "a person is no scanner"
    );
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

    let (token, pairing_url, scanner_id) = issue(&app, &festival.admin, &festival, None).await;
    let other_host =
        post_with_host(&app, &festival.admin, Some("internal:8080"), &issue_request).await;
    let without_host = post_with_host(&app, &festival.admin, None, &issue_request).await;
    let svg = pairing_svg(&app, &scanner_id, Some(&festival.admin)).await;

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
    assert_eq!(svg.status().as_u16(), 200);
    assert_eq!(decode_svg_qr(&svg.text().await.unwrap()), pairing_url);
}

async fn pairing_svg(app: &TestApp, scanner_id: &str, token: Option<&str>) -> reqwest::Response {
    app.get(
        &app.url(&format!("/scanners/{scanner_id}/pairing.svg")),
        token,
    )
    .await
}

async fn the_pairing_qr_code_is_for_organizers_while_the_token_is_live(app: TestApp) {
    let festival = festival(&app, "qr-pairing").await;
    let festival_id = festival.id.parse().unwrap();
    let organizer = app
        .user_with(
            "lead@example.org",
            &[RoleGrant::new(Role::Organizer, Some(festival_id), None).unwrap()],
        )
        .await;
    let staff = app
        .user_with(
            "gate@example.org",
            &[RoleGrant::new(Role::DoorStaff, Some(festival_id), None).unwrap()],
        )
        .await;
    let elsewhere = festival_of_another(&app).await;
    let attendee = app.attendee("guest@example.org").await;
    let (token, pairing_url, scanner_id) = issue(&app, &organizer, &festival, None).await;

    let for_organizer = pairing_svg(&app, &scanner_id, Some(&organizer)).await;
    let for_admin = pairing_svg(&app, &scanner_id, Some(&festival.admin)).await;
    let for_attendee = pairing_svg(&app, &scanner_id, Some(&attendee)).await;
    let for_staff = pairing_svg(&app, &scanner_id, Some(&staff)).await;
    let for_another_festival = pairing_svg(&app, &scanner_id, Some(&elsewhere)).await;
    let for_the_device = pairing_svg(&app, &scanner_id, Some(&token)).await;
    let anonymous = pairing_svg(&app, &scanner_id, None).await;
    let bad_token = pairing_svg(&app, &scanner_id, Some("not-a-token")).await;
    let unknown = pairing_svg(&app, &ScannerId::generate().to_string(), Some(&organizer)).await;
    let malformed = pairing_svg(&app, "gate-a", Some(&organizer)).await;

    assert_eq!(for_organizer.status().as_u16(), 200);
    assert_eq!(for_organizer.headers()["content-type"], "image/svg+xml");
    assert_eq!(for_organizer.headers()["cache-control"], "no-store");
    assert_eq!(
        decode_svg_qr(&for_organizer.text().await.unwrap()),
        pairing_url,
        "the QR code holds the pairing URL"
    );
    assert_eq!(for_admin.status().as_u16(), 200);
    for (who, response) in [
        ("an attendee", for_attendee),
        ("door staff", for_staff),
        ("another festival's organizer", for_another_festival),
    ] {
        assert_eq!(response.status().as_u16(), 403, "{who}");
    }
    for (who, response) in [
        ("a scanner device", for_the_device),
        ("no one", anonymous),
        ("a bad token", bad_token),
    ] {
        assert_eq!(response.status().as_u16(), 401, "{who}");
    }
    assert_eq!(unknown.status().as_u16(), 404);
    assert_eq!(malformed.status().as_u16(), 404);

    // Renewed, the token is the same, and so is its code.
    let renewed = app
        .gql(
            Some(&organizer),
            "mutation($input: RenewScannerTokenInput!) { renewScannerToken(input: $input) { active } }",
            json!({ "input": { "scannerId": scanner_id, "expiresAt": (Utc::now() + Duration::days(3)).to_rfc3339() } }),
        )
        .await;
    assert_eq!(renewed.data("/renewScannerToken/active"), true);
    let after_renewal = pairing_svg(&app, &scanner_id, Some(&organizer)).await;
    assert_eq!(
        decode_svg_qr(&after_renewal.text().await.unwrap()),
        pairing_url
    );

    // Revoked or expired: gone.
    app.gql(
        Some(&organizer),
        "mutation($id: ID!) { revokeScannerToken(scannerId: $id) { active } }",
        json!({ "id": scanner_id }),
    )
    .await
    .data("/revokeScannerToken");
    let revoked = pairing_svg(&app, &scanner_id, Some(&organizer)).await;
    let (_, _, short_lived) = issue(
        &app,
        &organizer,
        &festival,
        Some(Utc::now() + Duration::seconds(1)),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    let expired = pairing_svg(&app, &short_lived, Some(&organizer)).await;
    // A token issued before tokens were derived from their device's id: its
    // hash is of a random token, which cannot be shown again.
    let legacy = app
        .store
        .issue_scanner(NewScanner {
            id: ScannerId::generate(),
            festival_id,
            venue_id: festival.venue.parse().unwrap(),
            label: Label::parse("label", "Old phone").unwrap(),
            gate: None,
            token_hash: token_hash("usc_a-random-token-from-before"),
            expires_at: Utc::now() + Duration::hours(1),
            issued_by: organizer_id(&app, "lead@example.org").await,
        })
        .await
        .unwrap();
    let legacy = pairing_svg(&app, &legacy.id.to_string(), Some(&organizer)).await;

    for (what, response, says) in [
        ("revoked", revoked, "revoked or expired"),
        ("expired", expired, "revoked or expired"),
        ("issued before", legacy, "issue a new token"),
    ] {
        assert_eq!(response.status().as_u16(), 410, "{what}");
        assert_eq!(response.headers()["cache-control"], "no-store", "{what}");
        let text = response.text().await.unwrap();
        assert!(text.contains(says), "{what}: {text}");
        assert!(!text.contains("usc_"), "{what}: {text}");
    }
}

/// An organizer of another festival, signed in.
async fn festival_of_another(app: &TestApp) -> String {
    let other = festival(app, "another-week").await;
    app.user_with(
        "other-lead@example.org",
        &[RoleGrant::new(Role::Organizer, Some(other.id.parse().unwrap()), None).unwrap()],
    )
    .await
}

async fn organizer_id(app: &TestApp, email: &str) -> UserId {
    let me = app
        .gql(Some(&app.login(email).await), "{ me { id } }", json!({}))
        .await;
    me.data("/me/id").as_str().unwrap().parse().unwrap()
}

/// The text of the one QR code in an SVG drawn as Usher's renderer draws
/// it: a light background and one path of dark rectangles, each
/// `M{x} {y}h{w}v{h}H{x}V{y}`, rasterized here and decoded with rqrr. Any
/// other drawing fails the test rather than decoding to something.
fn decode_svg_qr(svg: &str) -> String {
    let number = |text: &str| -> usize {
        text.parse()
            .unwrap_or_else(|_| panic!("not a number: {text:?}"))
    };
    let attribute = |name: &str| {
        let start = svg.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        let end = start + svg[start..].find('"').unwrap();
        &svg[start..end]
    };
    let (width, height) = (number(attribute("width")), number(attribute("height")));
    let mut pixels = vec![255_u8; width * height];
    let path = attribute("d");
    for rectangle in path.split('M').filter(|part| !part.is_empty()) {
        let fields: Vec<&str> = rectangle.split(['h', 'v', 'H', 'V', ' ']).collect();
        assert_eq!(fields.len(), 6, "not a rectangle: M{rectangle}");
        let [x, y, w, h, x_again, y_again] = [0, 1, 2, 3, 4, 5].map(|index| number(fields[index]));
        assert_eq!((x, y), (x_again, y_again), "M{rectangle}");
        for row in y..y + h {
            pixels[row * width + x..row * width + x + w].fill(0);
        }
    }
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| pixels[y * width + x]);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    grids[0].decode().unwrap().1
}
