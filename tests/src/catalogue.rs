//! A festival to test with, set up through the API by an admin: one venue,
//! one film, and programme items.

use chrono::{Duration, SubsecRound, Utc};
use serde_json::{Value, json};

use crate::app::TestApp;

pub const CREATE_FESTIVAL: &str = "mutation($input: CreateFestivalInput!) { createFestival(input: $input) { id slug timezone hosts } }";
pub const CREATE_VENUE: &str =
    "mutation($input: CreateVenueInput!) { createVenue(input: $input) { id name capacity gates } }";
pub const CREATE_FILM: &str =
    "mutation($input: CreateFilmInput!) { createFilm(input: $input) { id title countries } }";
pub const CREATE_ITEM: &str = "mutation($input: CreateItemInput!) {
    createItem(input: $input) { id title kind status ticketCapacity ticketsLeft maxTicketsPerAttendee
        startsAt doorsOpenAt lateEntryUntil reservationClosesAt film { title } venue { name } festival { slug } }
}";

/// A festival with one venue and one film, set up by an admin.
pub struct Festival {
    pub admin: String,
    pub id: String,
    pub venue: String,
    pub film: String,
}

/// A moment `minutes_from_now` (negative: ago), to the second, in RFC 3339.
pub fn at(minutes_from_now: i64) -> String {
    (Utc::now() + Duration::minutes(minutes_from_now))
        .trunc_subsecs(0)
        .to_rfc3339()
}

pub async fn festival(app: &TestApp, slug: &str) -> Festival {
    festival_with(app, slug, json!({})).await
}

/// Like `festival`, with more fields of CreateFestivalInput.
pub async fn festival_with(app: &TestApp, slug: &str, settings: Value) -> Festival {
    let admin = app.admin().await;
    let mut input = json!({ "slug": slug, "name": "Film Week", "city": "Nanning", "timezone": "Asia/Shanghai",
                            "hosts": ["Guangxi Film Bureau", "China-ASEAN Expo Secretariat"] });
    if let (Some(input), Some(settings)) = (input.as_object_mut(), settings.as_object()) {
        input.extend(settings.clone());
    }
    let created = app
        .gql(Some(&admin), CREATE_FESTIVAL, json!({ "input": input }))
        .await;
    let id = created
        .data("/createFestival/id")
        .as_str()
        .expect("an id")
        .to_owned();
    let venue = app
        .gql(
            Some(&admin),
            CREATE_VENUE,
            json!({ "input": { "festivalId": id, "name": "Hall 2", "address": "Minzu Avenue", "capacity": 300, "gates": ["A", "B"] } }),
        )
        .await;
    let film = app
        .gql(
            Some(&admin),
            CREATE_FILM,
            json!({ "input": { "festivalId": id, "title": "Ròm", "countries": ["vn"], "languages": ["Vietnamese"], "runtimeMinutes": 79 } }),
        )
        .await;
    Festival {
        venue: venue
            .data("/createVenue/id")
            .as_str()
            .expect("an id")
            .to_owned(),
        film: film
            .data("/createFilm/id")
            .as_str()
            .expect("an id")
            .to_owned(),
        admin,
        id,
    }
}

/// Another venue of the festival, with one gate.
pub async fn venue(app: &TestApp, festival: &Festival, name: &str, capacity: i64) -> String {
    app.gql(
        Some(&festival.admin),
        "mutation($input: CreateVenueInput!) { createVenue(input: $input) { id } }",
        json!({ "input": { "festivalId": festival.id, "name": name, "address": "Street", "capacity": capacity, "gates": ["Main"] } }),
    )
    .await
    .data("/createVenue/id")
    .as_str()
    .expect("an id")
    .to_owned()
}

/// The variables of a createItem: a screening of the festival's film at
/// its venue, starting in `starts_in_minutes` for 100 minutes, with the
/// fields of `extra` on top.
pub fn item_input(festival: &Festival, starts_in_minutes: i64, extra: Value) -> Value {
    let mut input = json!({
        "festivalId": festival.id,
        "venueId": festival.venue,
        "kind": "SCREENING",
        "filmId": festival.film,
        "startsAt": at(starts_in_minutes),
        "endsAt": at(starts_in_minutes + 100),
    });
    if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
        input.extend(extra.clone());
    }
    json!({ "input": input })
}

/// Creates the item of `item_input`; the createItem answer.
pub async fn create_item(
    app: &TestApp,
    festival: &Festival,
    starts_in_minutes: i64,
    extra: Value,
) -> Value {
    app.gql(
        Some(&festival.admin),
        CREATE_ITEM,
        item_input(festival, starts_in_minutes, extra),
    )
    .await
    .data("/createItem")
    .clone()
}
