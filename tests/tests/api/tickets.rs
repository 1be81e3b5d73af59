//! Free tickets: reservations under a rush, codes that verify offline, QR
//! codes, cancellation and the waitlist.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures::future::join_all;
use jwt_compact::alg::Ed25519;
use jwt_compact::{AlgorithmExt, UntrustedToken};
use serde_json::{Value, json};

use usher_tests::catalogue::{Festival, create_item, festival, festival_with};
use usher_tests::on_both_databases;
use usher_tests::tickets::{CANCEL, cancel};
use usher_tests::{Gql, TestApp};

const RESERVE: &str = "mutation($input: ReserveTicketsInput!) {
    reserveTickets(input: $input) { id tickets { id holderName status code qrSvg item { id } } item { ticketsLeft status } }
}";
const JOIN: &str =
    "mutation($input: JoinWaitlistInput!) { joinWaitlist(input: $input) { id position quantity } }";
const MY_TICKETS: &str = "{ myTickets { id holderName status item { id title } } }";
const MY_WAITLIST: &str = "{ myWaitlist { id position quantity item { id } } }";
const ITEM: &str =
    "query($id: ID!) { item(id: $id) { ticketsLeft status waitlistLength ticketCapacity } }";

async fn reserve(app: &TestApp, token: &str, item: &Value, quantity: i64) -> Gql {
    app.gql(
        Some(token),
        RESERVE,
        json!({ "input": { "itemId": item["id"], "quantity": quantity } }),
    )
    .await
}

fn succeeded(responses: &[Gql]) -> usize {
    responses
        .iter()
        .filter(|r| r.0.get("errors").is_none())
        .count()
}

fn codes_of(responses: &[Gql]) -> Vec<String> {
    responses
        .iter()
        .filter(|r| r.0.get("errors").is_some())
        .map(|r| r.error_code().to_owned())
        .collect()
}

/// Registers `count` attendees at once and returns their tokens.
async fn attendees(app: &TestApp, prefix: &str, count: usize) -> Vec<String> {
    join_all((0..count).map(|n| {
        let email = format!("{prefix}{n}@example.org");
        async move { app.attendee(&email).await }
    }))
    .await
}

async fn item_state(app: &TestApp, item: &Value) -> Value {
    app.gql(None, ITEM, json!({ "id": item["id"] }))
        .await
        .data("/item")
        .clone()
}

/// A festival and one screening two hours from now with the given settings.
async fn screening(app: &TestApp, slug: &str, settings: Value) -> (Festival, Value) {
    let festival = festival(app, slug).await;
    let item = create_item(app, &festival, 120, settings).await;
    (festival, item)
}

on_both_databases!(
    reserved_tickets_carry_codes_that_verify_offline_with_the_jwks,
    the_qr_png_decodes_to_the_code_for_its_holder_only,
    two_hundred_attendees_racing_for_fifty_tickets_get_exactly_fifty,
    one_attendee_firing_ten_requests_gets_only_the_limit,
    parallel_retries_with_one_key_make_one_reservation,
    a_used_key_with_another_request_is_refused_and_the_first_request_still_answered,
    a_cancellation_racing_reservations_and_a_waitlist_never_over_issues,
    overlapping_items_are_refused_even_when_reserved_at_once,
    a_festival_may_allow_overlapping_tickets,
    reservations_outside_the_window_or_for_cancelled_items_are_closed,
    bad_reservation_input_is_refused_and_changes_nothing,
    a_freed_place_goes_to_the_first_in_line_that_fits,
    raising_the_capacity_promotes_the_waitlist,
    the_waitlist_takes_each_attendee_once_and_lets_them_leave,
    a_freed_place_skips_an_attendee_holding_a_ticket_at_the_same_time,
    cancelling_an_item_ends_its_waitlist,
    a_failure_in_the_middle_of_a_reservation_leaves_nothing,
);

async fn reserved_tickets_carry_codes_that_verify_offline_with_the_jwks(app: TestApp) {
    let (_, item) = screening(&app, "codes", json!({})).await;
    let attendee = app.attendee("nok@example.org").await;

    let reserved = app
        .gql(
            Some(&attendee),
            RESERVE,
            json!({ "input": { "itemId": item["id"], "quantity": 2, "holderNames": ["Nok", "Lek"] } }),
        )
        .await;

    let tickets = reserved
        .data("/reserveTickets/tickets")
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(tickets.len(), 2);
    assert_eq!(tickets[0]["holderName"], "Nok");
    assert_eq!(tickets[1]["holderName"], "Lek");
    assert_eq!(reserved.data("/reserveTickets/item/ticketsLeft"), 298);
    let jwks: Value = app
        .client
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for ticket in &tickets {
        let code = ticket["code"].as_str().unwrap();
        assert!(code.len() <= 213, "{} characters", code.len());
        let version = usher_api::qr::version_needed(code).unwrap();
        assert!(
            version <= 10,
            "version {version} for {} characters",
            code.len()
        );
        assert!(ticket["qrSvg"].as_str().unwrap().contains("<svg"));
        let claims = verify_independently(&jwks, code).expect("a genuine code verifies");
        let ticket_id = uuid::Uuid::parse_str(ticket["id"].as_str().unwrap()).unwrap();
        assert_eq!(claims["t"], URL_SAFE_NO_PAD.encode(ticket_id.as_bytes()));
        let item_id = uuid::Uuid::parse_str(item["id"].as_str().unwrap()).unwrap();
        assert_eq!(claims["i"], URL_SAFE_NO_PAD.encode(item_id.as_bytes()));
        let (signed, signature) = code.rsplit_once('.').unwrap();
        let mut forged_claims = signed.to_owned();
        forged_claims.replace_range(
            signed.len() - 3..signed.len() - 2,
            if signed.ends_with('A') { "B" } else { "A" },
        );
        assert!(verify_independently(&jwks, &format!("{forged_claims}.{signature}")).is_none());
        let reversed: String = signature.chars().rev().collect();
        assert!(verify_independently(&jwks, &format!("{signed}.{reversed}")).is_none());
    }
    let mine = app.gql(Some(&attendee), MY_TICKETS, json!({})).await;
    assert_eq!(mine.data("/myTickets").as_array().unwrap().len(), 2);
    app.assert_counter_matches_tickets(item["id"].as_str().unwrap())
        .await;
}

/// Verifies a code with another JOSE implementation (jwt-compact with
/// ed25519-compact) and the published JWKS; the claims, if genuine.
fn verify_independently(jwks: &Value, code: &str) -> Option<Value> {
    let token = UntrustedToken::new(code).ok()?;
    let kid = token.header().key_id.clone()?;
    let jwk = jwks["keys"]
        .as_array()?
        .iter()
        .find(|key| key["kid"] == kid.as_str())?;
    assert_eq!(jwk["kty"], "OKP");
    assert_eq!(jwk["crv"], "Ed25519");
    let x = URL_SAFE_NO_PAD.decode(jwk["x"].as_str()?).ok()?;
    let key = <Ed25519 as jwt_compact::Algorithm>::VerifyingKey::from_slice(&x).ok()?;
    let verified = Ed25519.validator::<Value>(&key).validate(&token).ok()?;
    Some(verified.claims().custom.clone())
}

async fn the_qr_png_decodes_to_the_code_for_its_holder_only(app: TestApp) {
    let (_, item) = screening(&app, "qr", json!({})).await;
    let holder = app.attendee("holder@example.org").await;
    let stranger = app.attendee("stranger@example.org").await;
    let reserved = reserve(&app, &holder, &item, 1).await;
    let ticket = reserved.data("/reserveTickets/tickets/0").clone();
    let png_url = app.url(&format!(
        "/tickets/{}/qr.png",
        ticket["id"].as_str().unwrap()
    ));

    let png = app.get(&png_url, Some(&holder)).await;
    let for_stranger = app.get(&png_url, Some(&stranger)).await;
    let anonymous = app.get(&png_url, None).await;
    let svg = app
        .client
        .get(app.url(&format!(
            "/tickets/{}/qr.svg",
            ticket["id"].as_str().unwrap()
        )))
        .bearer_auth(&holder)
        .send()
        .await
        .unwrap();

    assert_eq!(png.status().as_u16(), 200);
    assert_eq!(png.headers()["content-type"], "image/png");
    assert_eq!(
        decode_qr(&png.bytes().await.unwrap()),
        ticket["code"].as_str().unwrap()
    );
    assert_eq!(for_stranger.status().as_u16(), 404);
    assert_eq!(anonymous.status().as_u16(), 401);
    assert_eq!(svg.status().as_u16(), 200);
    assert!(svg.text().await.unwrap().contains("<svg"));
}

fn decode_qr(png_bytes: &[u8]) -> String {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    let (width, height) = (frame.width as usize, frame.height as usize);
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| pixels[y * width + x]);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    grids[0].decode().unwrap().1
}

async fn two_hundred_attendees_racing_for_fifty_tickets_get_exactly_fifty(app: TestApp) {
    let (_, item) = screening(&app, "rush", json!({ "ticketCapacity": 50 })).await;
    let crowd = attendees(&app, "fan", 200).await;

    let attempts = join_all(crowd.iter().map(|token| reserve(&app, token, &item, 1))).await;

    assert_eq!(succeeded(&attempts), 50);
    assert!(
        codes_of(&attempts).iter().all(|code| code == "SOLD_OUT"),
        "{:?}",
        codes_of(&attempts)
    );
    let state = item_state(&app, &item).await;
    assert_eq!(state["ticketsLeft"], 0);
    assert_eq!(state["status"], "SOLD_OUT");
    app.assert_counter_matches_tickets(item["id"].as_str().unwrap())
        .await;
}

async fn one_attendee_firing_ten_requests_gets_only_the_limit(app: TestApp) {
    let (_, item) = screening(&app, "greedy", json!({ "maxTicketsPerAttendee": 2 })).await;
    let attendee = app.attendee("greedy@example.org").await;

    let attempts = join_all((0..10).map(|_| reserve(&app, &attendee, &item, 1))).await;

    assert_eq!(succeeded(&attempts), 2);
    assert!(
        codes_of(&attempts)
            .iter()
            .all(|code| code == "LIMIT_EXCEEDED")
    );
    let mine = app.gql(Some(&attendee), MY_TICKETS, json!({})).await;
    assert_eq!(mine.data("/myTickets").as_array().unwrap().len(), 2);
    app.assert_counter_matches_tickets(item["id"].as_str().unwrap())
        .await;
}

async fn parallel_retries_with_one_key_make_one_reservation(app: TestApp) {
    let (_, item) = screening(&app, "retries", json!({})).await;
    let attendee = app.attendee("retry@example.org").await;
    let input = json!({ "input": { "itemId": item["id"], "quantity": 2, "idempotencyKey": "checkout-7f3a" } });

    let attempts =
        join_all((0..10).map(|_| app.gql(Some(&attendee), RESERVE, input.clone()))).await;

    assert_eq!(
        succeeded(&attempts),
        10,
        "every retry is answered: {:?}",
        codes_of(&attempts)
    );
    let first = attempts[0].data("/reserveTickets/id");
    assert!(
        attempts
            .iter()
            .all(|attempt| attempt.data("/reserveTickets/id") == first)
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM reservation").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM ticket").await, 2);
    let other_key = json!({ "input": { "itemId": item["id"], "quantity": 1, "idempotencyKey": "checkout-other" } });
    assert_eq!(
        app.gql(Some(&attendee), RESERVE, other_key)
            .await
            .error_code(),
        "LIMIT_EXCEEDED"
    );
    app.assert_counter_matches_tickets(item["id"].as_str().unwrap())
        .await;
}

async fn a_used_key_with_another_request_is_refused_and_the_first_request_still_answered(
    app: TestApp,
) {
    let (festival, item) = screening(&app, "one-key", json!({ "maxTicketsPerAttendee": 5 })).await;
    let other_item = create_item(&app, &festival, 600, json!({})).await;
    let attendee = app.attendee("keys@example.org").await;
    let request = |item: &Value, quantity: i64, names: &[&str], key: &str| json!({ "input": { "itemId": item["id"], "quantity": quantity, "holderNames": names, "idempotencyKey": key } });
    let send = {
        let (app, attendee) = (&app, attendee.as_str());
        move |input: Value| app.gql(Some(attendee), RESERVE, input)
    };
    let first = send(request(&item, 2, &["Mai", "Linh"], "checkout-1")).await;
    let first_id = first.data("/reserveTickets/id").clone();

    for (what, other) in [
        (
            "another item",
            request(&other_item, 2, &["Mai", "Linh"], "checkout-1"),
        ),
        (
            "another quantity",
            request(&item, 3, &["Mai", "Linh", "Bao"], "checkout-1"),
        ),
        (
            "other names",
            request(&item, 2, &["Mai", "Bao"], "checkout-1"),
        ),
    ] {
        let refused = send(other).await;
        assert_eq!(refused.error_code(), "BAD_USER_INPUT", "{what}");
        assert_eq!(refused.error_field(), "idempotencyKey", "{what}");
        let message = refused.0["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("belongs to another request"),
            "{what}: {message}"
        );
    }
    let again = send(request(&item, 2, &["Mai", "Linh"], "checkout-1")).await;
    assert_eq!(again.data("/reserveTickets/id"), &first_id);

    // Two different requests with one new key at the same moment: one is
    // reserved, the other refused, whichever comes first.
    let racing = join_all([
        send(request(&item, 1, &["Mai"], "checkout-2")),
        send(request(&other_item, 1, &["Mai"], "checkout-2")),
    ])
    .await;
    assert_eq!(succeeded(&racing), 1, "{racing:?}");
    assert_eq!(codes_of(&racing), ["BAD_USER_INPUT"]);

    assert_eq!(app.count("SELECT COUNT(*) FROM reservation").await, 2);
    assert_eq!(app.count("SELECT COUNT(*) FROM ticket").await, 3);
    for item in [&item, &other_item] {
        app.assert_counter_matches_tickets(item["id"].as_str().unwrap())
            .await;
    }
}

async fn a_cancellation_racing_reservations_and_a_waitlist_never_over_issues(app: TestApp) {
    let (_, item) = screening(&app, "churn", json!({ "ticketCapacity": 10 })).await;
    let holders = attendees(&app, "holder", 10).await;
    let waiting = attendees(&app, "waiting", 5).await;
    let latecomers = attendees(&app, "late", 10).await;
    let mut tickets = Vec::new();
    for holder in &holders {
        tickets.push(
            reserve(&app, holder, &item, 1)
                .await
                .data("/reserveTickets/tickets/0/id")
                .clone(),
        );
    }
    for token in &waiting {
        app.gql(
            Some(token),
            JOIN,
            json!({ "input": { "itemId": item["id"], "quantity": 1 } }),
        )
        .await
        .data("/joinWaitlist");
    }

    let cancellations = join_all(
        holders
            .iter()
            .zip(&tickets)
            .take(5)
            .map(|(token, id)| app.gql(Some(token), CANCEL, json!({ "id": id }))),
    );
    let reservations = join_all(
        latecomers
            .iter()
            .map(|token| reserve(&app, token, &item, 1)),
    );
    let (cancelled, reserved) = tokio::join!(cancellations, reservations);

    assert_eq!(succeeded(&cancelled), 5);
    assert!(codes_of(&reserved).iter().all(|code| code == "SOLD_OUT"));
    let promoted = join_all(
        waiting
            .iter()
            .map(|token| app.gql(Some(token), MY_TICKETS, json!({}))),
    )
    .await;
    let promoted = promoted
        .iter()
        .filter(|r| !r.data("/myTickets").as_array().unwrap().is_empty())
        .count();
    assert_eq!(
        promoted + succeeded(&reserved),
        5,
        "every freed place went to exactly one person"
    );
    let state = item_state(&app, &item).await;
    assert_eq!(state["ticketsLeft"], 0);
    app.assert_counter_matches_tickets(item["id"].as_str().unwrap())
        .await;
}

async fn overlapping_items_are_refused_even_when_reserved_at_once(app: TestApp) {
    let festival = festival(&app, "overlap").await;
    let first = create_item(&app, &festival, 120, json!({})).await;
    let second = create_item(&app, &festival, 150, json!({})).await;
    let after = create_item(&app, &festival, 300, json!({})).await;
    let attendee = app.attendee("busy@example.org").await;

    let attempts = join_all((0..6).map(|n| {
        reserve(
            &app,
            &attendee,
            if n % 2 == 0 { &first } else { &second },
            1,
        )
    }))
    .await;

    assert_eq!(
        succeeded(&attempts),
        2,
        "two tickets for one of the two items"
    );
    let refusals = codes_of(&attempts);
    assert!(
        refusals
            .iter()
            .all(|code| code == "OVERLAPPING_TICKET" || code == "LIMIT_EXCEEDED"),
        "{refusals:?}"
    );
    assert!(refusals.iter().any(|code| code == "OVERLAPPING_TICKET"));
    reserve(&app, &attendee, &after, 1)
        .await
        .data("/reserveTickets/id");
}

async fn a_festival_may_allow_overlapping_tickets(app: TestApp) {
    let festival =
        festival_with(&app, "marathon", json!({ "allowOverlappingTickets": true })).await;
    let first = create_item(
        &app,
        &festival,
        120,
        json!({ "filmId": null, "title": "A" }),
    )
    .await;
    let second = create_item(
        &app,
        &festival,
        150,
        json!({ "filmId": null, "title": "B" }),
    )
    .await;
    let attendee = app.attendee("binge@example.org").await;

    reserve(&app, &attendee, &first, 1)
        .await
        .data("/reserveTickets/id");
    reserve(&app, &attendee, &second, 1)
        .await
        .data("/reserveTickets/id");
}

async fn reservations_outside_the_window_or_for_cancelled_items_are_closed(app: TestApp) {
    let festival = festival(&app, "window").await;
    let not_yet = create_item(&app, &festival, 600, json!({ "reservationOpensAt": (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339() })).await;
    let doomed = create_item(&app, &festival, 300, json!({})).await;
    let attendee = app.attendee("early@example.org").await;
    let held = reserve(&app, &attendee, &doomed, 2).await;

    app.gql(
        Some(&festival.admin),
        "mutation($id: ID!) { cancelItem(itemId: $id) { id } }",
        json!({ "id": doomed["id"] }),
    )
    .await
    .data("/cancelItem");

    assert_eq!(
        reserve(&app, &attendee, &not_yet, 1).await.error_code(),
        "RESERVATION_CLOSED"
    );
    assert_eq!(
        reserve(&app, &attendee, &doomed, 1).await.error_code(),
        "RESERVATION_CLOSED"
    );
    let mine = app
        .gql(
            Some(&attendee),
            "{ myTickets(includeCancelled: true) { id status } }",
            json!({}),
        )
        .await;
    assert!(
        mine.data("/myTickets")
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["status"] == "CANCELLED")
    );
    assert_eq!(mine.data("/myTickets").as_array().unwrap().len(), 2);
    let active = app.gql(Some(&attendee), MY_TICKETS, json!({})).await;
    assert!(active.data("/myTickets").as_array().unwrap().is_empty());
    let ticket = held.data("/reserveTickets/tickets/0/id");
    assert_eq!(
        app.gql(Some(&attendee), CANCEL, json!({ "id": ticket }))
            .await
            .data("/cancelTicket/status"),
        "CANCELLED"
    );
    app.assert_counter_matches_tickets(doomed["id"].as_str().unwrap())
        .await;
}

async fn bad_reservation_input_is_refused_and_changes_nothing(app: TestApp) {
    let (_, item) = screening(&app, "bad-input", json!({ "maxTicketsPerAttendee": 5 })).await;
    let attendee = app.attendee("typo@example.org").await;
    let cases = [
        (json!({ "itemId": item["id"], "quantity": 0 }), "quantity"),
        (json!({ "itemId": item["id"], "quantity": -1 }), "quantity"),
        (
            json!({ "itemId": item["id"], "quantity": 1_000_000 }),
            "quantity",
        ),
        (
            json!({ "itemId": item["id"], "quantity": 2, "holderNames": ["Only one"] }),
            "holderNames",
        ),
        (
            json!({ "itemId": item["id"], "quantity": 1, "holderNames": [""] }),
            "holderNames",
        ),
        (json!({ "itemId": "item-1", "quantity": 1 }), "itemId"),
        (
            json!({ "itemId": item["id"], "quantity": 1, "idempotencyKey": "" }),
            "idempotencyKey",
        ),
    ];
    for (input, field) in cases {
        let response = app
            .gql(Some(&attendee), RESERVE, json!({ "input": input }))
            .await;
        assert_eq!(response.error_code(), "BAD_USER_INPUT", "{field}");
        assert_eq!(response.error_field(), field);
    }
    let unknown = json!({ "input": { "itemId": uuid::Uuid::now_v7().to_string(), "quantity": 1 } });
    assert_eq!(
        app.gql(Some(&attendee), RESERVE, unknown)
            .await
            .error_code(),
        "NOT_FOUND"
    );
    assert_eq!(
        reserve(&app, "", &item, 1).await.error_code(),
        "UNAUTHENTICATED"
    );
    let anonymous = app
        .gql(
            None,
            RESERVE,
            json!({ "input": { "itemId": item["id"], "quantity": 1 } }),
        )
        .await;
    assert_eq!(anonymous.error_code(), "UNAUTHENTICATED");
    assert_eq!(
        reserve(&app, &attendee, &item, 6).await.error_code(),
        "LIMIT_EXCEEDED"
    );

    assert_eq!(app.count("SELECT COUNT(*) FROM ticket").await, 0);
    assert_eq!(
        app.count("SELECT SUM(tickets_issued) FROM programme_item")
            .await,
        0
    );
    assert_eq!(item_state(&app, &item).await["ticketsLeft"], 300);
}

async fn a_freed_place_goes_to_the_first_in_line_that_fits(app: TestApp) {
    let (_, item) = screening(&app, "line", json!({ "ticketCapacity": 3 })).await;
    let (a, b, c, d) = (
        app.attendee("a@example.org").await,
        app.attendee("b@example.org").await,
        app.attendee("c@example.org").await,
        app.attendee("d@example.org").await,
    );
    let a_tickets = reserve(&app, &a, &item, 2)
        .await
        .data("/reserveTickets/tickets")
        .clone();
    let b_ticket = reserve(&app, &b, &item, 1)
        .await
        .data("/reserveTickets/tickets/0/id")
        .clone();
    let c_place = app
        .gql(
            Some(&c),
            JOIN,
            json!({ "input": { "itemId": item["id"], "quantity": 2 } }),
        )
        .await;
    let d_place = app
        .gql(
            Some(&d),
            JOIN,
            json!({ "input": { "itemId": item["id"], "quantity": 1 } }),
        )
        .await;
    assert_eq!(c_place.data("/joinWaitlist/position"), 1);
    assert_eq!(d_place.data("/joinWaitlist/position"), 2);
    assert_eq!(item_state(&app, &item).await["waitlistLength"], 2);

    let someone_elses = app.gql(Some(&c), CANCEL, json!({ "id": b_ticket })).await;
    assert_eq!(someone_elses.error_code(), "NOT_FOUND");
    cancel(&app, &b, &b_ticket).await;

    let d_tickets = app.gql(Some(&d), MY_TICKETS, json!({})).await;
    assert_eq!(
        d_tickets.data("/myTickets").as_array().unwrap().len(),
        1,
        "D fits the one freed place"
    );
    let c_line = app.gql(Some(&c), MY_WAITLIST, json!({})).await;
    assert_eq!(
        c_line.data("/myWaitlist/0/position"),
        1,
        "C did not fit and keeps first place"
    );

    cancel(&app, &a, &a_tickets[0]["id"]).await;
    assert!(
        app.gql(Some(&c), MY_TICKETS, json!({}))
            .await
            .data("/myTickets")
            .as_array()
            .unwrap()
            .is_empty()
    );
    cancel(&app, &a, &a_tickets[1]["id"]).await;

    let c_tickets = app.gql(Some(&c), MY_TICKETS, json!({})).await;
    assert_eq!(
        c_tickets.data("/myTickets").as_array().unwrap().len(),
        2,
        "C is promoted once two are free"
    );
    assert!(
        app.gql(Some(&c), MY_WAITLIST, json!({}))
            .await
            .data("/myWaitlist")
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(item_state(&app, &item).await["waitlistLength"], 0);
    app.assert_counter_matches_tickets(item["id"].as_str().unwrap())
        .await;
}

async fn raising_the_capacity_promotes_the_waitlist(app: TestApp) {
    let (festival, item) = screening(&app, "raise", json!({ "ticketCapacity": 1 })).await;
    let first = app.attendee("first@example.org").await;
    let second = app.attendee("second@example.org").await;
    reserve(&app, &first, &item, 1)
        .await
        .data("/reserveTickets");
    app.gql(
        Some(&second),
        JOIN,
        json!({ "input": { "itemId": item["id"], "quantity": 2 } }),
    )
    .await
    .data("/joinWaitlist");

    let lowered = app
        .gql(
            Some(&festival.admin),
            "mutation($id: ID!) { updateItem(input: { itemId: $id, ticketCapacity: 0 }) { id } }",
            json!({ "id": item["id"] }),
        )
        .await;
    app.gql(
        Some(&festival.admin),
        "mutation($id: ID!) { updateItem(input: { itemId: $id, ticketCapacity: 3 }) { id } }",
        json!({ "id": item["id"] }),
    )
    .await
    .data("/updateItem");

    assert_eq!(lowered.error_field(), "ticketCapacity");
    let promoted = app.gql(Some(&second), MY_TICKETS, json!({})).await;
    assert_eq!(promoted.data("/myTickets").as_array().unwrap().len(), 2);
    assert_eq!(item_state(&app, &item).await["ticketsLeft"], 0);
    app.assert_counter_matches_tickets(item["id"].as_str().unwrap())
        .await;
}

async fn the_waitlist_takes_each_attendee_once_and_lets_them_leave(app: TestApp) {
    let (_, item) = screening(&app, "queue", json!({ "ticketCapacity": 1 })).await;
    let lucky = app.attendee("lucky@example.org").await;
    let patient = app.attendee("patient@example.org").await;
    let early = app
        .gql(
            Some(&patient),
            JOIN,
            json!({ "input": { "itemId": item["id"], "quantity": 1 } }),
        )
        .await;
    reserve(&app, &lucky, &item, 1)
        .await
        .data("/reserveTickets");

    let joined = app
        .gql(
            Some(&patient),
            JOIN,
            json!({ "input": { "itemId": item["id"], "quantity": 1 } }),
        )
        .await;
    let again = app
        .gql(
            Some(&patient),
            JOIN,
            json!({ "input": { "itemId": item["id"], "quantity": 1 } }),
        )
        .await;
    let too_many = app
        .gql(
            Some(&lucky),
            JOIN,
            json!({ "input": { "itemId": item["id"], "quantity": 2 } }),
        )
        .await;
    let entry = joined.data("/joinWaitlist/id").clone();
    let leave = "mutation($id: ID!) { leaveWaitlist(entryId: $id) }";
    let by_someone_else = app.gql(Some(&lucky), leave, json!({ "id": entry })).await;
    let left = app.gql(Some(&patient), leave, json!({ "id": entry })).await;
    let left_again = app.gql(Some(&patient), leave, json!({ "id": entry })).await;

    assert_eq!(
        early.error_field(),
        "quantity",
        "tickets were still available"
    );
    assert_eq!(joined.data("/joinWaitlist/position"), 1);
    assert_eq!(again.error_code(), "ALREADY_EXISTS");
    assert_eq!(too_many.error_code(), "LIMIT_EXCEEDED");
    assert_eq!(by_someone_else.error_code(), "NOT_FOUND");
    assert_eq!(left.data("/leaveWaitlist"), true);
    assert_eq!(left_again.data("/leaveWaitlist"), false);
    assert!(
        app.gql(Some(&patient), MY_WAITLIST, json!({}))
            .await
            .data("/myWaitlist")
            .as_array()
            .unwrap()
            .is_empty()
    );
}

async fn a_failure_in_the_middle_of_a_reservation_leaves_nothing(app: TestApp) {
    let (_, item) = screening(&app, "sabotage", json!({})).await;
    let attendee = app.attendee("unlucky@example.org").await;
    // The item's counter is raised and the reservation row written before
    // the tickets: their insert failing must take both back.
    app.refuse_inserts_into("ticket").await;

    let response = reserve(&app, &attendee, &item, 2).await;

    assert_eq!(response.error_code(), "INTERNAL", "{:?}", response.0);
    assert_eq!(app.count("SELECT COUNT(*) FROM reservation").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM ticket").await, 0);
    assert_eq!(
        app.count("SELECT SUM(tickets_issued) FROM programme_item")
            .await,
        0
    );
    assert_eq!(item_state(&app, &item).await["ticketsLeft"], 300);

    app.allow_inserts_into("ticket").await;
    let retried = reserve(&app, &attendee, &item, 2).await;
    assert_eq!(
        retried
            .data("/reserveTickets/tickets")
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(item_state(&app, &item).await["ticketsLeft"], 298);
}

async fn a_freed_place_skips_an_attendee_holding_a_ticket_at_the_same_time(app: TestApp) {
    let (festival, wanted) = screening(&app, "same-time", json!({ "ticketCapacity": 1 })).await;
    let elsewhere = create_item(&app, &festival, 120, json!({})).await;
    let (holder, busy, free) = (
        app.attendee("holder@example.org").await,
        app.attendee("busy@example.org").await,
        app.attendee("free@example.org").await,
    );
    reserve(&app, &busy, &elsewhere, 1)
        .await
        .data("/reserveTickets");
    let ticket = reserve(&app, &holder, &wanted, 1)
        .await
        .data("/reserveTickets/tickets/0/id")
        .clone();
    for attendee in [&busy, &free] {
        app.gql(
            Some(attendee),
            JOIN,
            json!({ "input": { "itemId": wanted["id"], "quantity": 1 } }),
        )
        .await
        .data("/joinWaitlist");
    }

    cancel(&app, &holder, &ticket).await;

    let tickets_of = async |token: &str| {
        let mine = app.gql(Some(token), MY_TICKETS, json!({})).await;
        mine.data("/myTickets")
            .as_array()
            .unwrap()
            .iter()
            .map(|ticket| ticket["item"]["id"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        tickets_of(&free).await,
        [wanted["id"].clone()],
        "next in line"
    );
    assert_eq!(
        tickets_of(&busy).await,
        [elsewhere["id"].clone()],
        "first in line, but holding a ticket for an item at the same time"
    );
    let line = app.gql(Some(&busy), MY_WAITLIST, json!({})).await;
    assert_eq!(line.data("/myWaitlist/0/position"), 1, "keeps the place");
    app.assert_counter_matches_tickets(wanted["id"].as_str().unwrap())
        .await;
}

async fn cancelling_an_item_ends_its_waitlist(app: TestApp) {
    let (festival, item) = screening(&app, "ends", json!({ "ticketCapacity": 1 })).await;
    let (holder, waiting) = (
        app.attendee("holder@example.org").await,
        app.attendee("waiting@example.org").await,
    );
    reserve(&app, &holder, &item, 1)
        .await
        .data("/reserveTickets");
    app.gql(
        Some(&waiting),
        JOIN,
        json!({ "input": { "itemId": item["id"], "quantity": 1 } }),
    )
    .await
    .data("/joinWaitlist");

    app.gql(
        Some(&festival.admin),
        "mutation($id: ID!) { cancelItem(itemId: $id) { id } }",
        json!({ "id": item["id"] }),
    )
    .await
    .data("/cancelItem");

    let line = app.gql(Some(&waiting), MY_WAITLIST, json!({})).await;
    assert_eq!(line.data("/myWaitlist"), &json!([]));
    assert_eq!(item_state(&app, &item).await["waitlistLength"], 0);
    let held = app.gql(Some(&holder), MY_TICKETS, json!({})).await;
    assert_eq!(
        held.data("/myTickets"),
        &json!([]),
        "its tickets are cancelled"
    );
}
