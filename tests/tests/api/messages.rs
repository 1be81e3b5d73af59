//! Sentences people read: the door's refusals name the day and tell a
//! retired key from a forged code, counts agree with their nouns, and a
//! body that is not JSON gets a sentence rather than Rust internals.

use chrono::{DateTime, FixedOffset};
use serde_json::{Value, json};

use usher_tests::catalogue::{Festival, create_item, festival};
use usher_tests::cli::usher;
use usher_tests::door;
use usher_tests::graphql::request;
use usher_tests::on_both_databases;
use usher_tests::tickets::buy;
use usher_tests::tickets::kid_of;
use usher_tests::{Gql, Socket, TestApp, TestDatabase, spawn_app_on, test_auth_settings};

const RESERVE: &str =
    "mutation($input: ReserveTicketsInput!) { reserveTickets(input: $input) { tickets { code } } }";
const MY_CODES: &str = "{ myTickets { code } }";
const JOIN: &str = "mutation($input: JoinWaitlistInput!) { joinWaitlist(input: $input) { id } }";

on_both_databases!(
    too_early_names_the_day_the_doors_open_three_days_ahead,
    a_code_signed_with_a_retired_key_says_so_and_what_to_do,
    counts_agree_with_their_nouns,
    a_body_that_is_not_json_gets_a_sentence_and_bad_user_input,
    the_door_answers_in_the_language_the_request_asks_for,
    a_websocket_answers_in_the_language_its_upgrade_asked_for,
);

/// A ticket for `item`, held by a new attendee: the holder's token and the
/// ticket's code.
async fn ticket(app: &TestApp, item: &Value, holder: &str) -> (String, Value) {
    let attendee = app.attendee(holder).await;
    let code = buy(app, &attendee, item).await["code"].clone();
    (attendee, code)
}

/// A scan by the festival's admin at its first venue.
async fn scan(app: &TestApp, festival: &Festival, code: &Value) -> Gql {
    door::scan(app, &festival.admin, code, &festival.venue, None).await
}

fn message(scanned: &Gql) -> &str {
    scanned.data("/checkIn/message").as_str().unwrap()
}

fn error_message(response: &Gql) -> &str {
    response.0["errors"][0]["message"].as_str().unwrap()
}

async fn too_early_names_the_day_the_doors_open_three_days_ahead(app: TestApp) {
    let festival = festival(&app, "early-days").await;
    let item = create_item(&app, &festival, 3 * 24 * 60, json!({})).await;
    let (_, code) = ticket(&app, &item, "early@example.org").await;

    let scanned = scan(&app, &festival, &code).await;

    // The festival is in Asia/Shanghai, always UTC+8.
    let nanning = FixedOffset::east_opt(8 * 3600).unwrap();
    let doors = DateTime::parse_from_rfc3339(item["doorsOpenAt"].as_str().unwrap())
        .unwrap()
        .with_timezone(&nanning);
    assert_eq!(scanned.data("/checkIn/outcome"), "TOO_EARLY");
    assert_eq!(
        message(&scanned),
        format!(
            "Too early: doors open {} for {}.",
            doors.format("on %a %-d %b at %H:%M"),
            item["title"].as_str().unwrap()
        )
    );
}

async fn a_code_signed_with_a_retired_key_says_so_and_what_to_do(app: TestApp) {
    let festival = festival(&app, "retired-keys").await;
    let item = create_item(&app, &festival, 10, json!({})).await;
    let (holder, old_code) = ticket(&app, &item, "keeper@example.org").await;
    let old_code = old_code.as_str().unwrap().to_owned();
    let url = app.database.url.clone();
    usher(&["keys", "rotate", "--database-url", &url])
        .await
        .unwrap();
    usher(&["keys", "retire", &kid_of(&old_code), "--database-url", &url])
        .await
        .unwrap();
    // A second instance reads the keys as they are now; the first learns
    // of the retirement within a minute.
    let now = spawn_app_on(app.db, TestDatabase::shared(&url), test_auth_settings()).await;
    let (signed, signature) = old_code.rsplit_once('.').unwrap();
    let forged = format!("{signed}.{}", signature.chars().rev().collect::<String>());

    let retired = scan(&now, &festival, &json!(old_code)).await;
    let tampered = scan(&now, &festival, &json!(forged)).await;
    let reopened = now.gql(Some(&holder), MY_CODES, json!({})).await;
    let fresh = scan(&now, &festival, reopened.data("/myTickets/0/code")).await;

    assert_eq!(retired.data("/checkIn/outcome"), "INVALID_CODE");
    assert!(
        message(&retired).contains("retired")
            && message(&retired).contains("open the ticket again"),
        "{}",
        message(&retired)
    );
    assert!(!message(&retired).contains("forged"));
    assert_eq!(tampered.data("/checkIn/outcome"), "INVALID_CODE");
    assert!(
        message(&tampered).contains("unreadable or forged"),
        "{}",
        message(&tampered)
    );
    assert_eq!(
        fresh.data("/checkIn/outcome"),
        "ADMITTED",
        "the ticket's fresh code lets them in"
    );
}

async fn counts_agree_with_their_nouns(app: TestApp) {
    let festival = festival(&app, "grammar").await;
    let one_each = create_item(&app, &festival, 300, json!({ "maxTicketsPerAttendee": 1 })).await;
    let last_seat = create_item(&app, &festival, 600, json!({ "ticketCapacity": 1 })).await;
    let pair = create_item(&app, &festival, 900, json!({ "maxTicketsPerAttendee": 5 })).await;
    let attendee = app.attendee("counted@example.org").await;

    let ask = |query, input: Value| app.gql(Some(&attendee), query, json!({ "input": input }));

    let over_the_limit = ask(RESERVE, json!({ "itemId": one_each["id"], "quantity": 2 })).await;
    let one_name = ask(
        RESERVE,
        json!({ "itemId": pair["id"], "quantity": 2, "holderNames": ["Only one"] }),
    )
    .await;
    let waiting_needlessly = ask(JOIN, json!({ "itemId": last_seat["id"], "quantity": 1 })).await;

    assert_eq!(over_the_limit.error_code(), "LIMIT_EXCEEDED");
    assert_eq!(
        error_message(&over_the_limit),
        "at most 1 ticket per attendee for this item; you hold 0"
    );
    assert_eq!(one_name.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        error_message(&one_name),
        "holderNames gives 1 name for 2 tickets: give one per ticket"
    );
    assert_eq!(waiting_needlessly.error_field(), "quantity");
    assert_eq!(
        error_message(&waiting_needlessly),
        "quantity is still available (1 ticket is left): reserve instead of joining the waitlist"
    );
}

async fn a_body_that_is_not_json_gets_a_sentence_and_bad_user_input(app: TestApp) {
    let send = |body: &'static str| {
        app.client
            .post(app.url("/graphql"))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };

    let broken = send(r#"{"query": "{ festivals { id } }""#).await.unwrap();
    let unquoted = send("{query: 1}").await.unwrap();
    let not_a_request = send(r#"{"query": 1}"#).await.unwrap();

    assert_eq!(broken.status().as_u16(), 400);
    let broken: Value = broken.json().await.unwrap();
    let unquoted: Value = unquoted.json().await.unwrap();
    let not_a_request: Value = not_a_request.json().await.unwrap();
    assert_eq!(
        broken["errors"][0]["message"],
        "body is not valid JSON: EOF while parsing an object at line 1 column 32"
    );
    assert_eq!(broken["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(broken["errors"][0]["extensions"]["field"], "body");
    assert_eq!(
        unquoted["errors"][0]["message"],
        "body is not valid JSON: key must be a string at line 1 column 2"
    );
    let not_a_request = not_a_request["errors"][0]["message"].as_str().unwrap();
    assert!(
        not_a_request.starts_with("body is not a GraphQL request")
            && not_a_request.contains("`query` string"),
        "{not_a_request}"
    );
}

async fn the_door_answers_in_the_language_the_request_asks_for(app: TestApp) {
    let festival = festival(&app, "languages").await;
    let item = create_item(&app, &festival, 10, json!({})).await;
    let (_, code) = ticket(&app, &item, "lan@example.org").await;
    let title = item["title"].as_str().unwrap();
    let scan_in = async |accept_language: &str| {
        let response = request(
            &app.client,
            &app.url("/graphql"),
            Some(&festival.admin),
            door::CHECK_IN,
            json!({ "input": { "code": code, "venueId": festival.venue, "gate": "A" } }),
        )
        .header("Accept-Language", accept_language)
        .send()
        .await
        .unwrap();
        Gql(response.json().await.unwrap())
    };

    let chinese = scan_in("zh-CN,zh;q=0.9,en;q=0.8").await;
    let english = scan_in("en-GB").await;
    let neither = scan_in("vi-VN").await;

    assert_eq!(chinese.data("/checkIn/outcome"), "ADMITTED");
    let admitted = message(&chinese);
    assert!(
        admitted.starts_with("准许入场：") && admitted.contains(title),
        "{admitted}"
    );
    assert_eq!(english.data("/checkIn/outcome"), "ALREADY_CHECKED_IN");
    assert!(
        message(&english).starts_with("Already checked in at ")
            && message(&english).ends_with(" at gate A."),
        "{}",
        message(&english)
    );
    assert!(
        message(&neither).starts_with("Already checked in"),
        "English when none fits"
    );
}

async fn a_websocket_answers_in_the_language_its_upgrade_asked_for(app: TestApp) {
    let festival = festival(&app, "socket-languages").await;
    let item = create_item(&app, &festival, 10, json!({})).await;
    let (_, code) = ticket(&app, &item, "ws@example.org").await;
    let address = app.address.trim_start_matches("http://");
    let mut socket = Socket::connect_asking(address, None, Some("zh-CN")).await;
    socket.init(Some(&festival.admin)).await;

    socket
        .subscribe(
            "scan",
            door::CHECK_IN,
            json!({ "input": { "code": code, "venueId": festival.venue } }),
        )
        .await;
    let answer = socket.next_value().await;

    assert_eq!(answer["checkIn"]["outcome"], "ADMITTED");
    let sentence = answer["checkIn"]["message"].as_str().unwrap();
    assert!(sentence.starts_with("准许入场："), "{sentence}");
}
