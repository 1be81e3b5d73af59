//! The account-age brake: a festival asks that accounts be some minutes old
//! before they reserve (or wait for) its most wanted items, so that accounts
//! made by the hundred in the minutes before a rush do not take the tickets.

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use usher_domain::roles::{Role, RoleGrant};

use futures::future::join_all;
use usher_tests::catalogue::{Festival, create_item, festival, festival_with};

use usher_tests::on_both_databases;
use usher_tests::{Gql, TestApp};

const JOIN: &str =
    "mutation($input: JoinWaitlistInput!) { joinWaitlist(input: $input) { id position } }";
const UPDATE_FESTIVAL: &str = "mutation($input: UpdateFestivalInput!) {
    updateFestival(input: $input) { id minAccountAgeMinutes }
}";
const SETTINGS: &str = "query($festival: ID!, $item: ID!) {
    festival(id: $festival) { minAccountAgeMinutes }
    item(id: $item) { requiresSettledAccount ticketsLeft waitlistLength }
}";

async fn join(app: &TestApp, token: &str, item: &Value) -> Gql {
    app.gql(
        Some(token),
        JOIN,
        json!({ "input": { "itemId": item["id"], "quantity": 1 } }),
    )
    .await
}

async fn set_min_age(app: &TestApp, token: &str, festival: &Festival, minutes: Value) -> Gql {
    app.gql(
        Some(token),
        UPDATE_FESTIVAL,
        json!({ "input": { "festivalId": festival.id, "minAccountAgeMinutes": minutes } }),
    )
    .await
}

async fn set_item_brake(app: &TestApp, festival: &Festival, item: &Value, on: bool) -> Gql {
    app.gql(
        Some(&festival.admin),
        "mutation($input: UpdateItemInput!) { updateItem(input: $input) { requiresSettledAccount } }",
        json!({ "input": { "itemId": item["id"], "requiresSettledAccount": on } }),
    )
    .await
}

/// Registers an attendee whose account was made `minutes` ago. The
/// account's age is set before its first signed-in request, so that no
/// instance has read it yet.
async fn attendee_since(app: &TestApp, email: &str, minutes: i64) -> String {
    let token = app.attendee(email).await;
    let created_at = (Utc::now() - Duration::minutes(minutes)).to_rfc3339();
    app.sql(&format!(
        "UPDATE account SET created_at = '{created_at}' WHERE email = '{email}'"
    ))
    .await
    .unwrap();
    token
}

/// The seconds a refusal says to wait; it must be RATE_LIMITED.
fn retry_after(refused: &Gql) -> u64 {
    assert_eq!(refused.error_code(), "RATE_LIMITED", "{}", refused.0);
    refused.0["errors"][0]["extensions"]["retryAfterSeconds"]
        .as_u64()
        .unwrap_or_else(|| panic!("retryAfterSeconds: {}", refused.0))
}

async fn settings(app: &TestApp, festival: &Festival, item: &Value) -> Value {
    app.gql(
        None,
        SETTINGS,
        json!({ "festival": festival.id, "item": item["id"] }),
    )
    .await
    .0["data"]
        .clone()
}

/// A festival braking accounts younger than an hour, with a wanted
/// screening that asks for settled accounts two hours from now and an
/// ordinary one later.
async fn braked_festival(app: &TestApp, slug: &str, hot: Value) -> (Festival, Value, Value) {
    let festival = festival_with(app, slug, json!({ "minAccountAgeMinutes": 60 })).await;
    let mut settings = json!({ "requiresSettledAccount": true });
    if let (Some(settings), Some(hot)) = (settings.as_object_mut(), hot.as_object()) {
        settings.extend(hot.clone());
    }
    let hot = create_item(app, &festival, 120, settings).await;
    let calm = create_item(app, &festival, 600, json!({})).await;
    (festival, hot, calm)
}

on_both_databases!(
    a_new_account_is_told_to_wait_for_a_wanted_item_and_an_older_one_reserves,
    a_new_account_cannot_join_a_wanted_item_waitlist_either,
    organizers_turn_the_brake_off_and_attendees_cannot,
    a_place_in_line_taken_before_the_brake_waits_for_its_account_to_settle,
    brake_settings_out_of_range_are_refused_by_field,
    a_rush_of_new_and_settled_accounts_leaves_the_places_to_the_settled,
);

async fn a_new_account_is_told_to_wait_for_a_wanted_item_and_an_older_one_reserves(app: TestApp) {
    let (festival, hot, calm) = braked_festival(&app, "brake", json!({})).await;
    let fresh = app.attendee("fresh@example.org").await;
    let settled = attendee_since(&app, "settled@example.org", 120).await;

    let refused = app.reserve(&fresh, &hot).await;
    let wait = retry_after(&refused);
    assert!((3590..=3600).contains(&wait), "{wait}");
    let message = refused.0["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("younger than 60 minutes") && message.contains("try again in 60 minutes"),
        "{message}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM ticket").await,
        0,
        "the bot got nothing"
    );

    app.reserve(&settled, &hot).await.data("/reserveTickets/id");
    app.reserve(&fresh, &calm).await.data("/reserveTickets/id");
    let read = settings(&app, &festival, &hot).await;
    assert_eq!(read["festival"]["minAccountAgeMinutes"], 60);
    assert_eq!(read["item"]["requiresSettledAccount"], true);
    assert_eq!(read["item"]["ticketsLeft"], 299);
    let calm_read = settings(&app, &festival, &calm).await;
    assert_eq!(calm_read["item"]["requiresSettledAccount"], false);

    let braked = set_item_brake(&app, &festival, &calm, true).await;
    assert_eq!(braked.data("/updateItem/requiresSettledAccount"), true);
    retry_after(&app.reserve(&fresh, &calm).await);
    set_item_brake(&app, &festival, &calm, false)
        .await
        .data("/updateItem");
    app.reserve(&fresh, &calm).await.data("/reserveTickets/id");
    app.assert_counter_matches_tickets(hot["id"].as_str().unwrap())
        .await;
}

async fn a_new_account_cannot_join_a_wanted_item_waitlist_either(app: TestApp) {
    let (festival, hot, _) =
        braked_festival(&app, "brake-line", json!({ "ticketCapacity": 1 })).await;
    let holder = attendee_since(&app, "holder@example.org", 120).await;
    let fresh = app.attendee("fresh@example.org").await;
    let settled = attendee_since(&app, "settled@example.org", 61).await;
    app.reserve(&holder, &hot).await.data("/reserveTickets/id");

    let wait = retry_after(&join(&app, &fresh, &hot).await);
    let place = join(&app, &settled, &hot).await;

    assert!((3590..=3600).contains(&wait), "{wait}");
    assert_eq!(place.data("/joinWaitlist/position"), 1);
    assert_eq!(
        settings(&app, &festival, &hot).await["item"]["waitlistLength"],
        1
    );
}

async fn organizers_turn_the_brake_off_and_attendees_cannot(app: TestApp) {
    let (festival, hot, _) = braked_festival(&app, "brake-off", json!({})).await;
    let other = usher_tests::catalogue::festival(&app, "elsewhere").await;
    let organizer = app
        .user_with(
            "organizer@example.org",
            &[RoleGrant::new(Role::Organizer, Some(festival.id.parse().unwrap()), None).unwrap()],
        )
        .await;
    let stranger = app
        .user_with(
            "stranger@example.org",
            &[RoleGrant::new(Role::Organizer, Some(other.id.parse().unwrap()), None).unwrap()],
        )
        .await;
    let fresh = app.attendee("fresh@example.org").await;
    retry_after(&app.reserve(&fresh, &hot).await);

    for token in [&fresh, &stranger] {
        assert_eq!(
            set_min_age(&app, token, &festival, json!(0))
                .await
                .error_code(),
            "FORBIDDEN"
        );
    }
    assert_eq!(
        settings(&app, &festival, &hot).await["festival"]["minAccountAgeMinutes"],
        60,
        "a refused change changes nothing"
    );
    retry_after(&app.reserve(&fresh, &hot).await);

    let shorter = set_min_age(&app, &organizer, &festival, json!(30)).await;
    assert_eq!(shorter.data("/updateFestival/minAccountAgeMinutes"), 30);
    let wait = retry_after(&app.reserve(&fresh, &hot).await);
    assert!((1700..=1800).contains(&wait), "{wait}");

    let off = set_min_age(&app, &organizer, &festival, json!(0)).await;
    assert_eq!(
        off.data("/updateFestival/minAccountAgeMinutes"),
        &Value::Null
    );
    app.reserve(&fresh, &hot).await.data("/reserveTickets/id");

    let on = set_min_age(&app, &festival.admin, &festival, json!(60)).await;
    assert_eq!(on.data("/updateFestival/minAccountAgeMinutes"), 60);
    let kept = app
        .gql(
            Some(&organizer),
            UPDATE_FESTIVAL,
            json!({ "input": { "festivalId": festival.id } }),
        )
        .await;
    assert_eq!(kept.data("/updateFestival/minAccountAgeMinutes"), 60);
    let cleared = set_min_age(&app, &organizer, &festival, Value::Null).await;
    assert_eq!(
        cleared.data("/updateFestival/minAccountAgeMinutes"),
        &Value::Null
    );
}

async fn a_place_in_line_taken_before_the_brake_waits_for_its_account_to_settle(app: TestApp) {
    let festival = festival(&app, "brake-later").await;
    let hot = create_item(
        &app,
        &festival,
        120,
        json!({ "ticketCapacity": 1, "requiresSettledAccount": true }),
    )
    .await;
    let holder = attendee_since(&app, "holder@example.org", 120).await;
    let fresh = app.attendee("fresh@example.org").await;
    let ticket = app
        .reserve(&holder, &hot)
        .await
        .data("/reserveTickets/tickets/0/id")
        .clone();
    join(&app, &fresh, &hot)
        .await
        .data("/joinWaitlist/position");

    set_min_age(&app, &festival.admin, &festival, json!(60))
        .await
        .data("/updateFestival");
    usher_tests::tickets::cancel(&app, &holder, &ticket).await;

    let mine = app
        .gql(
            Some(&fresh),
            "{ myTickets { id } myWaitlist { position } }",
            json!({}),
        )
        .await;
    assert_eq!(mine.data("/myTickets"), &json!([]));
    assert_eq!(mine.data("/myWaitlist"), &json!([{ "position": 1 }]));
    assert_eq!(
        settings(&app, &festival, &hot).await["item"]["ticketsLeft"],
        1
    );
}

async fn brake_settings_out_of_range_are_refused_by_field(app: TestApp) {
    let (festival, hot, _) = braked_festival(&app, "brake-input", json!({})).await;
    let admin = festival.admin.clone();
    let create = |minutes: i64| {
        json!({ "input": { "slug": format!("brake-{minutes}"), "name": "Week", "city": "Nanning",
                           "timezone": "Asia/Shanghai", "minAccountAgeMinutes": minutes } })
    };

    for minutes in [10_081, -1] {
        let created = app
            .gql(
                Some(&admin),
                "mutation($input: CreateFestivalInput!) { createFestival(input: $input) { id } }",
                create(minutes),
            )
            .await;
        assert_eq!(created.error_code(), "BAD_USER_INPUT", "{minutes}");
        assert_eq!(created.error_field(), "minAccountAgeMinutes");
        let updated = set_min_age(&app, &admin, &festival, json!(minutes)).await;
        assert_eq!(updated.error_code(), "BAD_USER_INPUT", "{minutes}");
        assert_eq!(updated.error_field(), "minAccountAgeMinutes");
    }
    let week = set_min_age(&app, &admin, &festival, json!(10_080)).await;
    assert_eq!(week.data("/updateFestival/minAccountAgeMinutes"), 10_080);
    let unknown = app
        .gql(
            Some(&admin),
            UPDATE_FESTIVAL,
            json!({ "input": { "festivalId": uuid::Uuid::now_v7().to_string(), "minAccountAgeMinutes": 5 } }),
        )
        .await;
    assert_eq!(unknown.error_code(), "NOT_FOUND");
    assert_eq!(app.count("SELECT COUNT(*) FROM festival").await, 1);
    assert_eq!(
        settings(&app, &festival, &hot).await["festival"]["minAccountAgeMinutes"],
        10_080
    );
}

/// Bots and settled attendees race for a five-place item in the same
/// moments (so in the same reservation batches): every bot is refused and
/// every place goes to a settled account.
async fn a_rush_of_new_and_settled_accounts_leaves_the_places_to_the_settled(app: TestApp) {
    let (_, hot, _) = braked_festival(&app, "brake-rush", json!({ "ticketCapacity": 5 })).await;
    let mut bots = Vec::new();
    let mut settled = Vec::new();
    for n in 0..12 {
        bots.push(app.attendee(&format!("bot{n}@example.org")).await);
        settled.push(attendee_since(&app, &format!("fan{n}@example.org"), 120).await);
    }

    let (bot_answers, settled_answers) = tokio::join!(
        join_all(bots.iter().map(|token| app.reserve(token, &hot))),
        join_all(settled.iter().map(|token| app.reserve(token, &hot))),
    );

    for answer in &bot_answers {
        retry_after(answer);
    }
    let reserved = settled_answers
        .iter()
        .filter(|answer| answer.0.get("errors").is_none())
        .count();
    assert_eq!(reserved, 5, "five settled attendees get the five places");
    for answer in settled_answers
        .iter()
        .filter(|answer| answer.0.get("errors").is_some())
    {
        assert_eq!(answer.error_code(), "SOLD_OUT");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM ticket t JOIN account a ON a.id = t.account_id WHERE a.email LIKE 'bot%'")
            .await,
        0
    );
    app.assert_counter_matches_tickets(hot["id"].as_str().unwrap())
        .await;
}
