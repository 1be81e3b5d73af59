//! Credentials under attack: access tokens end with their login (logout, a
//! replayed refresh token) within two seconds on every instance, and from the
//! first request of a server started later; a token signed
//! with the real secret is still refused when it claims a lifetime the
//! server never issues; and with a key file, the database holds no secret
//! in clear.

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use usher_api::auth::token_hash;
use usher_api::codes::TicketKeys;
use usher_domain::tickets::ballot::hex;
use usher_persistence::{SecretKey, StoreOptions};

use usher_tests::catalogue::{at, create_item, festival};
use usher_tests::cli::usher;
use usher_tests::on_both_databases;
use usher_tests::{Gql, PASSWORD, TestApp, TestDatabase, spawn_app_with};

const REFRESH: &str =
    "mutation($token: String!) { refresh(refreshToken: $token) { accessToken refreshToken } }";
const LOGOUT: &str = "mutation($token: String!) { logout(refreshToken: $token) }";
const ME: &str = "{ me { email } }";

/// The revocation delay promised: two seconds (the database is asked every
/// second which logins ended), and a little for the request itself.
const ENDS_WITHIN: Duration = Duration::from_millis(2_500);

on_both_databases!(
    logout_ends_the_access_tokens_of_the_login_at_once,
    a_login_ended_elsewhere_stops_its_access_tokens_within_two_seconds,
    a_replayed_refresh_token_ends_the_access_tokens_of_its_login,
    a_server_started_after_a_login_ended_refuses_its_tokens_from_the_first_request,
    tokens_signed_with_the_real_secret_but_longer_lived_are_refused,
    a_secret_key_seals_the_stored_secrets_and_a_wrong_one_stops_the_start,
);

/// Registers `email` and signs in: (access token, refresh token).
async fn signed_in(app: &TestApp, email: &str) -> (String, String) {
    app.attendee(email).await;
    app.sign_in(email, PASSWORD).await
}

async fn me(app: &TestApp, token: &str) -> Gql {
    app.gql(Some(token), ME, json!({})).await
}

/// How long until `token` answers UNAUTHENTICATED, polling every 50 ms for
/// up to five seconds; None if it never does.
async fn refused_after(app: &TestApp, token: &str) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(5) {
        let answer = me(app, token).await;
        if answer.0.get("errors").is_some() {
            assert_eq!(answer.error_code(), "UNAUTHENTICATED", "{:?}", answer.0);
            assert!(
                answer.0["data"].is_null(),
                "nothing answered: {:?}",
                answer.0
            );
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

async fn logout_ends_the_access_tokens_of_the_login_at_once(app: TestApp) {
    let (access, refresh) = signed_in(&app, "kanya@example.org").await;
    let (other_access, _) = signed_in(&app, "somsak@example.org").await;
    assert_eq!(
        me(&app, &access).await.data("/me/email"),
        "kanya@example.org"
    );

    let logout = app.gql(None, LOGOUT, json!({ "token": refresh })).await;

    assert_eq!(logout.data("/logout"), true);
    let answer = me(&app, &access).await;
    assert_eq!(answer.error_code(), "UNAUTHENTICATED", "{:?}", answer.0);
    assert!(answer.0["data"].is_null(), "{:?}", answer.0);
    let qr = app
        .get(
            &app.url(&format!("/tickets/{}/qr.svg", uuid::Uuid::now_v7())),
            Some(&access),
        )
        .await;
    assert_eq!(qr.status(), reqwest::StatusCode::UNAUTHORIZED);
    assert_eq!(
        me(&app, &other_access).await.data("/me/email"),
        "somsak@example.org",
        "another login goes on"
    );
}

async fn a_login_ended_elsewhere_stops_its_access_tokens_within_two_seconds(app: TestApp) {
    let (access, refresh) = signed_in(&app, "vannak@example.org").await;
    assert_eq!(
        me(&app, &access).await.data("/me/email"),
        "vannak@example.org"
    );

    // Another instance (here: the store itself) ends the login, so this
    // instance learns of it only from the database.
    assert!(
        app.store
            .end_session(&token_hash(&refresh))
            .await
            .unwrap()
            .is_some()
    );

    let refused = refused_after(&app, &access).await;
    assert!(
        refused.is_some_and(|after| after <= ENDS_WITHIN),
        "refused after {refused:?}"
    );
}

async fn a_server_started_after_a_login_ended_refuses_its_tokens_from_the_first_request(
    app: TestApp,
) {
    let (ended_access, refresh) = signed_in(&app, "dara@example.org").await;
    let (live_access, _) = signed_in(&app, "sophea@example.org").await;
    let ended = app.gql(None, LOGOUT, json!({ "token": refresh })).await;
    assert_eq!(ended.data("/logout"), true);

    let restarted = app.another_instance().await;

    let answer = me(&restarted, &ended_access).await;
    assert_eq!(answer.error_code(), "UNAUTHENTICATED", "{:?}", answer.0);
    assert_eq!(
        me(&restarted, &live_access).await.data("/me/email"),
        "sophea@example.org"
    );
}

async fn a_replayed_refresh_token_ends_the_access_tokens_of_its_login(app: TestApp) {
    let (first_access, first_refresh) = signed_in(&app, "thida@example.org").await;
    let rotated = app
        .gql(None, REFRESH, json!({ "token": first_refresh }))
        .await;
    let second_access = rotated
        .data("/refresh/accessToken")
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        me(&app, &second_access).await.data("/me/email"),
        "thida@example.org"
    );

    let replay = app
        .gql(None, REFRESH, json!({ "token": first_refresh }))
        .await;

    assert_eq!(replay.error_code(), "UNAUTHENTICATED");
    for access in [&first_access, &second_access] {
        let refused = refused_after(&app, access).await;
        assert!(
            refused.is_some_and(|after| after <= ENDS_WITHIN),
            "refused after {refused:?}"
        );
    }
}

/// The text in the first column of every row `query` returns, read
/// straight from the database.
async fn raw_texts(app: &TestApp, query: &str) -> Vec<String> {
    let db = Database::connect(&app.database.url).await.unwrap();
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), query))
        .await
        .unwrap();
    db.close().await.unwrap();
    rows.iter()
        .map(|row| row.try_get_by_index::<String>(0).unwrap())
        .collect()
}

/// The HS256 secret as the database holds it (in clear: no key file).
async fn access_token_secret(app: &TestApp) -> Vec<u8> {
    let values = raw_texts(
        app,
        "SELECT value FROM server_secret WHERE name = 'access-token-hs256'",
    )
    .await;
    STANDARD.decode(&values[0]).expect("a plain secret")
}

async fn tokens_signed_with_the_real_secret_but_longer_lived_are_refused(app: TestApp) {
    let (access, _) = signed_in(&app, "bopha@example.org").await;
    let secret = access_token_secret(&app).await;
    let issued: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(access.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    let now = chrono::Utc::now().timestamp();
    let forge = |changes: Value| {
        let mut claims = issued.clone();
        claims["iat"] = json!(now);
        claims["exp"] = json!(now + 600);
        claims
            .as_object_mut()
            .unwrap()
            .extend(changes.as_object().unwrap().clone());
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(&secret),
        )
        .unwrap()
    };

    let honest = me(&app, &forge(json!({}))).await;
    let forever = me(&app, &forge(json!({ "exp": 1_i64 << 62 }))).await;
    let later = me(&app, &forge(json!({ "nbf": now + 3600 }))).await;
    let backdated_forever = me(&app, &forge(json!({ "iat": 0, "exp": 1_i64 << 62 }))).await;

    assert_eq!(
        honest.data("/me/email"),
        "bopha@example.org",
        "the forger holds the real secret: a token like the server's passes"
    );
    for refused in [forever, later, backdated_forever] {
        assert_eq!(refused.error_code(), "UNAUTHENTICATED", "{:?}", refused.0);
        assert!(
            refused.0["data"].is_null(),
            "nothing leaked: {:?}",
            refused.0
        );
    }
}

const KEY_HEX: &str = "4f1c6be0d8a7a3e2b1c0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8";

/// A ballot item's input: open since a minute, closing in an hour.
fn ballot() -> Value {
    json!({
        "allocation": "BALLOT",
        "ballotOpensAt": at(-1),
        "ballotClosesAt": at(60),
        "claimMinutes": 30,
    })
}

fn sealing(key: &str) -> StoreOptions {
    StoreOptions {
        secret_key: Some(SecretKey::parse(key).unwrap()),
        ..StoreOptions::default()
    }
}

async fn a_secret_key_seals_the_stored_secrets_and_a_wrong_one_stops_the_start(app: TestApp) {
    // A server without a key, as before: secrets in clear; a login and a ticket.
    let festival = festival(&app, "sealed").await;
    let item = create_item(&app, &festival, 120, json!({})).await;
    let (access, _) = signed_in(&app, "sokha@example.org").await;
    let reserved = app
        .gql(
            Some(&access),
            "mutation($input: ReserveTicketsInput!) { reserveTickets(input: $input) { tickets { code } } }",
            json!({ "input": { "itemId": item["id"], "quantity": 1 } }),
        )
        .await;
    let code = reserved
        .data("/reserveTickets/tickets/0/code")
        .as_str()
        .unwrap()
        .to_owned();
    let first_ballot = create_item(&app, &festival, 2 * 24 * 60, ballot()).await;
    let plain_secret = raw_texts(&app, "SELECT value FROM server_secret").await;
    let plain_seed = raw_texts(&app, "SELECT private_key FROM signing_key").await;
    let plain_ballot = raw_texts(&app, "SELECT secret FROM ballot").await;
    let directory = tempfile::tempdir().unwrap();
    let key_file = directory.path().join("usher.key");
    std::fs::write(&key_file, format!("{KEY_HEX}\n")).unwrap();

    // The same database, now served with a key: sealed in place on start.
    let sealed = spawn_app_with(
        TestDatabase::shared(&app.database.url),
        app.db,
        sealing(KEY_HEX),
    )
    .await
    .unwrap();
    usher(&[
        "keys",
        "rotate",
        "--database-url",
        &app.database.url,
        "--secret-key-file",
        key_file.to_str().unwrap(),
    ])
    .await
    .unwrap();

    let second_ballot = create_item(&sealed, &festival, 2 * 24 * 60, ballot()).await;

    let secrets = raw_texts(&app, "SELECT value FROM server_secret").await;
    let seeds = raw_texts(&app, "SELECT private_key FROM signing_key").await;
    let ballots = raw_texts(&app, "SELECT secret FROM ballot").await;
    assert_eq!(seeds.len(), 2, "the rotated key is stored too");
    assert_eq!(ballots.len(), 2, "the ballot before the key, and one after");
    for stored in secrets.iter().chain(&seeds).chain(&ballots) {
        assert!(stored.starts_with("sealed:v1:"), "in clear: {stored}");
        for plain in plain_secret.iter().chain(&plain_seed).chain(&plain_ballot) {
            assert!(
                !stored.contains(plain.as_str()),
                "a plain secret is in {stored}"
            );
        }
    }
    assert_eq!(
        me(&sealed, &access).await.data("/me/email"),
        "sokha@example.org",
        "the sealed secret is the same secret"
    );
    let (new_access, _) = signed_in(&sealed, "rith@example.org").await;
    assert_eq!(
        me(&sealed, &new_access).await.data("/me/email"),
        "rith@example.org"
    );
    let keys = TicketKeys::load(sealed.store.clone(), None).await.unwrap();
    assert!(
        keys.verify(&code).is_ok(),
        "a ticket issued before still verifies"
    );
    // A sealed secret opens only in its own ballot's row: one copied over
    // another ballot's is refused at the draw, not drawn with.
    let after_the_close = chrono::Utc::now() + chrono::Duration::hours(2);
    let sealed_second = raw_texts(
        &app,
        &format!(
            "SELECT secret FROM ballot WHERE item_id = {}",
            app.uuid(second_ballot["id"].as_str().unwrap())
        ),
    )
    .await;
    app.sql(&format!(
        "UPDATE ballot SET secret = '{}' WHERE item_id = {}",
        sealed_second[0],
        app.uuid(first_ballot["id"].as_str().unwrap())
    ))
    .await
    .unwrap();
    let item_id = |item: &Value| item["id"].as_str().unwrap().parse().unwrap();
    let swapped = sealed
        .store
        .draw_ballot(item_id(&first_ballot), after_the_close)
        .await;
    let drawn = sealed
        .store
        .draw_ballot(item_id(&second_ballot), after_the_close)
        .await;
    assert!(swapped.is_err(), "{swapped:?}");
    assert!(drawn.unwrap(), "its own secret opens");
    let published = sealed
        .gql(
            None,
            "query($id: ID!) { ballotResult(itemId: $id) { commitment secret } }",
            json!({ "id": second_ballot["id"] }),
        )
        .await;
    let secret = published.data("/ballotResult/secret").as_str().unwrap();
    let secret_bytes: Vec<u8> = (0..secret.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&secret[at..at + 2], 16).unwrap())
        .collect();
    let digest: [u8; 32] = Sha256::digest(&secret_bytes).into();
    assert_eq!(
        hex(&digest),
        published.data("/ballotResult/commitment").as_str().unwrap(),
        "the sealed secret opens as the one committed to"
    );

    let wrong = spawn_app_with(
        TestDatabase::shared(&app.database.url),
        app.db,
        sealing(&"5a".repeat(32)),
    )
    .await
    .err()
    .expect("a wrong key stops the start");
    let keyless = spawn_app_with(
        TestDatabase::shared(&app.database.url),
        app.db,
        StoreOptions::default(),
    )
    .await
    .err()
    .expect("no key stops the start of a sealed database");

    let wrong = format!("{wrong:#}");
    assert!(wrong.contains("not the key"), "{wrong}");
    let keyless = format!("{keyless:#}");
    assert!(keyless.contains("--secret-key-file"), "{keyless}");
    assert!(
        raw_texts(&app, "SELECT value FROM server_secret")
            .await
            .iter()
            .all(|value| value.starts_with("sealed:v1:")),
        "a failed start writes nothing in clear"
    );
}
