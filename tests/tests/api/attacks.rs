//! What an anonymous or revoked client gets when it attacks the server:
//! each test plays the attack as a client would and asserts what the
//! attacker got, and what everyone else still gets.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use usher_api::auth::AuthSettings;
use usher_api::throttle::ThrottleSettings;
use usher_tests::catalogue::{create_item, festival};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use usher_server::listen::ConnectionLimits;

use usher_tests::on_both_databases;
use usher_tests::tickets::cancel;
use usher_tests::{
    Db, PASSWORD, Socket, TestApp, spawn_app_with_auth, spawn_app_with_connections,
    test_auth_settings,
};

on_both_databases!(
    a_websocket_client_that_stops_reading_hurts_only_itself,
    subscribers_of_one_item_cost_one_read_per_change,
    a_connection_holds_a_bounded_number_of_subscriptions,
    a_revoked_scanner_token_closes_its_open_socket,
    a_refused_token_in_connection_init_closes_with_4403,
    a_fragment_bomb_is_refused_in_milliseconds,
    one_document_holds_one_login_register_refresh_or_upload,
    nul_characters_are_refused_as_bad_input,
    repeated_directives_are_refused,
    invented_field_names_never_become_metric_labels,
);

/// A subscription to an item's availability selecting each field `aliases`
/// times, so that every update is large.
fn heavy_availability(aliases: usize) -> String {
    let fields: String = (0..aliases)
        .map(|alias| format!("a{alias}: ticketsLeft s{alias}: status "))
        .collect();
    format!("subscription($id: ID!) {{ availabilityChanged(itemId: $id) {{ {fields} }} }}")
}

/// Reserves one ticket and gives it back: two changes to the item.
async fn reserve_and_cancel(app: &TestApp, token: &str, item: &Value) {
    let reserved = app.reserve(token, item).await;
    cancel(app, token, reserved.data("/reserveTickets/tickets/0/id")).await;
}

/// Subscribes `count` times to the item's availability on `socket` and
/// reads each first value.
async fn watch_many(socket: &mut Socket, item: &Value, count: usize, query: &str) {
    for id in 0..count {
        socket
            .subscribe(&id.to_string(), query, json!({ "id": item["id"] }))
            .await;
    }
    for _ in 0..count {
        let message = socket.message().await;
        assert_eq!(message["type"], "next", "{message}");
    }
}

async fn a_websocket_client_that_stops_reading_hurts_only_itself(app: TestApp) {
    let festival = festival(&app, "slow-reader").await;
    let item = create_item(&app, &festival, 20, json!({ "ticketCapacity": 1000 })).await;
    let attendee = app.attendee("busy@usher.test").await;
    let mut attacker = app.connect_socket(Some(4096)).await;
    attacker
        .send(json!({ "type": "connection_init", "payload": {} }))
        .await;
    assert_eq!(attacker.message().await["type"], "connection_ack");
    let query = heavy_availability(400);
    for id in 0..50 {
        attacker
            .subscribe(&id.to_string(), &query, json!({ "id": item["id"] }))
            .await;
    }

    for _ in 0..50 {
        if open_subscriptions(&app).await >= 50 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The attacker reads nothing more while everyone else goes on, until
    // the server gives up on it.
    let mut slowest = Duration::ZERO;
    let attack = Instant::now();
    while open_subscriptions(&app).await > 0 {
        assert!(
            attack.elapsed() < Duration::from_secs(90),
            "the server still serves a client that reads nothing"
        );
        let started = Instant::now();
        reserve_and_cancel(&app, &attendee, &item).await;
        slowest = slowest.max(started.elapsed());
    }
    let started = Instant::now();
    let ready = app.get(&app.url("/readyz"), None).await;
    let programme = app.gql(None, "{ festivals { id } }", json!({})).await;
    let login = app.login("busy@usher.test").await;
    let others_waited = started.elapsed();

    assert!(
        slowest < Duration::from_secs(2),
        "a reservation took {slowest:?} while a client did not read"
    );
    assert_eq!(ready.status().as_u16(), 200);
    assert!(programme.data("/festivals").is_array());
    assert!(!login.is_empty());
    assert!(
        others_waited < Duration::from_secs(2),
        "others waited {others_waited:?}"
    );
    drop(attacker);
}

/// What /metrics shows now.
async fn metrics(app: &TestApp) -> String {
    app.get(&app.url("/metrics"), None)
        .await
        .text()
        .await
        .unwrap()
}

/// The subscriptions the server holds open, from /metrics.
async fn open_subscriptions(app: &TestApp) -> u64 {
    metrics(app)
        .await
        .lines()
        .find_map(|line| line.strip_prefix("usher_subscriptions_open "))
        .and_then(|value| value.trim().parse::<f64>().ok())
        .map_or(0, |value| value as u64)
}

async fn subscribers_of_one_item_cost_one_read_per_change(app: TestApp) {
    let festival = festival(&app, "premiere").await;
    let item = create_item(&app, &festival, 20, json!({ "ticketCapacity": 1000 })).await;
    let attendee = app.attendee("fan@usher.test").await;
    let query = "subscription($id: ID!) { availabilityChanged(itemId: $id) { ticketsLeft status waitlistLength } }";
    let mut sockets = Vec::new();
    for _ in 0..4 {
        let mut socket = app.socket(None).await;
        watch_many(&mut socket, &item, 50, query).await;
        sockets.push(socket);
    }
    let before = app.store.statements_executed();

    let reserved = app.reserve(&attendee, &item).await;
    assert!(reserved.data("/reserveTickets/tickets").is_array());
    for socket in &mut sockets {
        for _ in 0..50 {
            let message = socket.message().await;
            assert_eq!(
                message["payload"]["data"]["availabilityChanged"]["ticketsLeft"],
                999
            );
        }
    }
    let statements = app.store.statements_executed() - before;

    // The reservation's own statements and one read of the item, not 200.
    assert!(
        statements < 40,
        "{statements} statements for 200 subscribers of one change"
    );
}

async fn a_connection_holds_a_bounded_number_of_subscriptions(app: TestApp) {
    let festival = festival(&app, "many-subs").await;
    let item = create_item(&app, &festival, 20, json!({})).await;
    let query = "subscription($id: ID!) { availabilityChanged(itemId: $id) { ticketsLeft } }";
    let mut socket = app.socket(None).await;
    watch_many(&mut socket, &item, 50, query).await;

    socket
        .subscribe("one-too-many", query, json!({ "id": item["id"] }))
        .await;
    let refused = socket.message().await;
    let refusal_ended = socket.message().await;
    socket.send(json!({ "id": "0", "type": "complete" })).await;
    socket
        .subscribe("after-one-ended", query, json!({ "id": item["id"] }))
        .await;
    let mut accepted = socket.message().await;
    while accepted["id"] == "0" {
        accepted = socket.message().await;
    }

    assert_eq!(refused["id"], "one-too-many", "{refused}");
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"],
        "RATE_LIMITED"
    );
    assert_eq!(refusal_ended["type"], "complete");
    assert_eq!(accepted["type"], "next", "{accepted}");
    assert_eq!(accepted["id"], "after-one-ended");
}

async fn a_revoked_scanner_token_closes_its_open_socket(app: TestApp) {
    let festival = festival(&app, "revoked").await;
    let item = create_item(&app, &festival, 20, json!({})).await;
    let issued = app
        .gql(
            Some(&festival.admin),
            "mutation($input: IssueScannerTokenInput!) { issueScannerToken(input: $input) { token scanner { id } } }",
            json!({ "input": { "venueId": festival.venue, "label": "Gate A" } }),
        )
        .await;
    let token = issued.data("/issueScannerToken/token").as_str().unwrap();
    let mut socket = app.socket(Some(token)).await;
    socket
        .subscribe(
            "1",
            "subscription($id: ID!) { attendanceChanged(itemId: $id) { checkedIn } }",
            json!({ "id": item["id"] }),
        )
        .await;
    assert_eq!(socket.message().await["type"], "next");

    app.gql(
        Some(&festival.admin),
        "mutation($id: ID!) { revokeScannerToken(scannerId: $id) { active } }",
        json!({ "id": issued.data("/issueScannerToken/scanner/id") }),
    )
    .await;

    assert_eq!(
        socket.closed_within(Duration::from_secs(5)).await,
        Some(4403)
    );
}

async fn a_refused_token_in_connection_init_closes_with_4403(app: TestApp) {
    let mut socket = app.connect_socket(None).await;

    socket
        .send(json!({ "type": "connection_init", "payload": { "Authorization": "Bearer not-a-token" } }))
        .await;

    assert_eq!(
        socket.closed_within(Duration::from_secs(5)).await,
        Some(4403)
    );
}

/// An access token that expires while its socket is open closes the socket.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_expired_access_token_closes_its_open_socket() {
    let mut settings = test_auth_settings();
    settings.access_token_ttl = Duration::from_secs(3);
    let app = spawn_app_with_auth(Db::Sqlite, settings).await;
    let token = app.attendee("short@usher.test").await;
    let mut socket = app.socket(Some(&token)).await;
    let opened = Instant::now();

    let code = socket.closed_within(Duration::from_secs(15)).await;

    // Three seconds of life, five of leeway for clocks, two of cache.
    assert_eq!(code, Some(4403));
    let lived = opened.elapsed();
    assert!(
        (Duration::from_secs(3)..Duration::from_secs(12)).contains(&lived),
        "{lived:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_socket_that_never_initialises_is_closed_with_4408() {
    let app = spawn_app_with_auth(Db::Sqlite, test_auth_settings()).await;
    let mut socket = app.connect_socket(None).await;

    let code = socket.closed_within(Duration::from_secs(15)).await;

    assert_eq!(code, Some(4408));
}

/// Fragments F1…F`levels`, each spreading the one before twice: a document
/// of a kilobyte that expands to 2^`levels` fields.
fn fragment_bomb(levels: usize) -> String {
    let mut document = String::from("{ ...F0 } fragment F0 on QueryRoot { __typename }");
    for level in 1..=levels {
        let previous = level - 1;
        document.push_str(&format!(
            " fragment F{level} on QueryRoot {{ ...F{previous} ...F{previous} }}"
        ));
    }
    document.replacen("...F0 }", &format!("...F{levels} }}"), 1)
}

async fn a_fragment_bomb_is_refused_in_milliseconds(app: TestApp) {
    let bomb = fragment_bomb(28);
    assert!(bomb.len() < 2_000, "{} bytes", bomb.len());

    let started = Instant::now();
    let (first, second) = tokio::join!(
        app.gql(None, &bomb, json!({})),
        app.gql(None, &bomb, json!({})),
    );
    let took = started.elapsed();
    let health = Instant::now();
    let healthy = app.get(&app.url("/healthz"), None).await;

    for refused in [&first, &second] {
        assert_eq!(refused.error_code(), "BAD_USER_INPUT");
        assert!(refused.0["data"].is_null(), "{}", refused.0);
    }
    assert!(
        first.0["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("expands to more than"),
        "{}",
        first.0
    );
    assert!(took < Duration::from_millis(500), "two bombs took {took:?}");
    assert_eq!(healthy.status().as_u16(), 200);
    assert!(health.elapsed() < Duration::from_millis(500));
}

async fn one_document_holds_one_login_register_refresh_or_upload(app: TestApp) {
    app.attendee("target@usher.test").await;
    let guesses: String = (0..200)
        .map(|guess| {
            format!(
                r#"g{guess}: login(input: {{ email: "target@usher.test", password: "guess number {guess}" }}) {{ accessToken }} "#
            )
        })
        .collect();
    let registrations: String = (0..100)
        .map(|bot| {
            format!(
                r#"b{bot}: register(input: {{ email: "bot{bot}@usher.test", password: "a long enough password", displayName: "Bot" }}) {{ accessToken }} "#
            )
        })
        .collect();
    let through_fragments = "mutation { ...Twice } fragment Twice on MutationRoot { a: refresh(refreshToken: \"x\") { accessToken } b: refresh(refreshToken: \"y\") { accessToken } }";
    let uploads = "mutation($scans: [OfflineScanInput!]!) { a: syncOfflineScans(scans: $scans) { outcome } b: syncOfflineScans(scans: $scans) { outcome } }";

    let started = Instant::now();
    let guessed = app
        .gql(None, &format!("mutation {{ {guesses} }}"), json!({}))
        .await;
    let guessing_took = started.elapsed();
    let registered = app
        .gql(None, &format!("mutation {{ {registrations} }}"), json!({}))
        .await;
    let refreshed = app.gql(None, through_fragments, json!({})).await;
    let uploaded = app.gql(None, uploads, json!({ "scans": [] })).await;

    for refused in [&guessed, &registered, &refreshed, &uploaded] {
        assert_eq!(refused.error_code(), "BAD_USER_INPUT", "{}", refused.0);
        assert!(refused.0["data"].is_null(), "{}", refused.0);
    }
    assert!(
        guessing_took < Duration::from_millis(500),
        "no password was hashed: {guessing_took:?}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM account WHERE email LIKE 'bot%'")
            .await,
        0,
        "no bot account was made"
    );
}

async fn nul_characters_are_refused_as_bad_input(app: TestApp) {
    let literal = app
        .gql(
            None,
            r#"{ festivalBySlug(slug: "a\u0000b") { id } }"#,
            json!({}),
        )
        .await;
    let variable = app
        .gql(
            None,
            "query($slug: String!) { festivalBySlug(slug: $slug) { id } }",
            json!({ "slug": "a\u{0}b" }),
        )
        .await;
    let nested = app
        .gql(
            None,
            "mutation($input: LoginInput!) { login(input: $input) { accessToken } }",
            json!({ "input": { "email": "a\u{0}@usher.test", "password": "whatever it is" } }),
        )
        .await;

    for refused in [&literal, &variable, &nested] {
        assert_eq!(refused.error_code(), "BAD_USER_INPUT", "{}", refused.0);
        assert!(refused.0["data"].is_null(), "{}", refused.0);
    }
}

async fn repeated_directives_are_refused(app: TestApp) {
    let twice = app
        .gql(
            None,
            "{ festivals @include(if: true) @include(if: true) { id } }",
            json!({}),
        )
        .await;
    let many: String = (0..200)
        .map(|alias| format!("f{alias}: festivals @skip(if: false) {{ id }} "))
        .collect();
    let flood = app.gql(None, &format!("{{ {many} }}"), json!({})).await;

    for refused in [&twice, &flood] {
        assert_eq!(refused.error_code(), "BAD_USER_INPUT", "{}", refused.0);
        assert!(
            refused.0.to_string().len() < 1_000,
            "a short answer: {}",
            refused.0
        );
    }
}

async fn invented_field_names_never_become_metric_labels(app: TestApp) {
    let invented: String = (0..500).map(|name| format!("invented{name} ")).collect();
    let answer = app.gql(None, &format!("{{ {invented} }}"), json!({})).await;
    assert_eq!(answer.error_code(), "BAD_USER_INPUT");

    let metrics = metrics(&app).await;

    assert!(!metrics.contains("invented"), "no invented label");
    assert!(
        metrics.contains(r#"usher_graphql_operations_total{operation="invalid""#),
        "{metrics}"
    );
}

/// A server with the throttles a festival runs with (cheap hashes only).
async fn throttled_app() -> TestApp {
    let settings = AuthSettings {
        throttles: ThrottleSettings::default(),
        ..test_auth_settings()
    };
    spawn_app_with_auth(Db::Sqlite, settings).await
}

const LOGIN: &str = "mutation($input: LoginInput!) { login(input: $input) { accessToken } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn guessing_a_password_is_throttled_per_account() {
    let app = throttled_app().await;
    app.attendee("target@usher.test").await;
    app.attendee("bystander@usher.test").await;
    let attempt = |password: &'static str| {
        app.gql(
            None,
            LOGIN,
            json!({ "input": { "email": "target@usher.test", "password": password } }),
        )
    };

    let mut answers = Vec::new();
    for _ in 0..12 {
        answers.push(attempt("not the password").await.error_code().to_owned());
    }
    let right_password_now = attempt(PASSWORD).await;
    let bystander = app.login("bystander@usher.test").await;

    // Ten sign-ins a minute for one account, then RATE_LIMITED, whatever
    // the password.
    assert_eq!(
        answers
            .iter()
            .filter(|code| *code == "INVALID_CREDENTIALS")
            .count(),
        10,
        "{answers:?}"
    );
    assert_eq!(answers[10..], ["RATE_LIMITED", "RATE_LIMITED"]);
    assert_eq!(right_password_now.error_code(), "RATE_LIMITED");
    let retry_after = right_password_now.0["errors"][0]["extensions"]["retryAfterSeconds"]
        .as_u64()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert!(right_password_now.0["data"].is_null());
    assert!(!bystander.is_empty(), "another account signs in");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn registrations_are_throttled_per_address() {
    let app = throttled_app().await;
    let register = "mutation($input: RegisterInput!) { register(input: $input) { accessToken } }";
    let mut codes = Vec::new();
    for bot in 0..61 {
        let answer = app
            .gql(
                None,
                register,
                json!({ "input": { "email": format!("bot{bot}@usher.test"), "password": PASSWORD, "displayName": "Bot" } }),
            )
            .await;
        codes.push(
            answer.0["errors"][0]["extensions"]["code"]
                .as_str()
                .unwrap_or("ok")
                .to_owned(),
        );
    }

    assert!(codes[..60].iter().all(|code| code == "ok"), "{codes:?}");
    assert_eq!(codes[60], "RATE_LIMITED");
    assert_eq!(app.count("SELECT COUNT(*) FROM account").await, 60);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn slow_and_idle_connections_are_closed_and_capped() {
    let limits = ConnectionLimits {
        max_connections: 8,
        header_read_timeout: Duration::from_secs(1),
    };
    let app = spawn_app_with_connections(Db::Sqlite, limits).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    // Eight clients take every connection: half send half a request head
    // and stop, half send nothing at all.
    let mut attackers = Vec::new();
    for attacker in 0..8 {
        let mut stream = TcpStream::connect(&address).await.unwrap();
        if attacker % 2 == 0 {
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: usher\r\n")
                .await
                .unwrap();
        }
        attackers.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;

    let started = Instant::now();
    let served = tokio::time::timeout(Duration::from_secs(5), app.get(&app.url("/healthz"), None))
        .await
        .expect("served once the attackers' time ran out");
    let waited = started.elapsed();

    assert_eq!(served.status().as_u16(), 200);
    assert!(waited < Duration::from_secs(3), "{waited:?}");
    for mut attacker in attackers {
        let mut answer = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(3), attacker.read_to_end(&mut answer))
            .await
            .expect("the server closed the connection");
        assert!(read.is_ok() || answer.is_empty());
        assert!(
            !String::from_utf8_lossy(&answer).contains("200 OK"),
            "an unfinished request is not served"
        );
    }
}
