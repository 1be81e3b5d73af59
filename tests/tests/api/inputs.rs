//! Text that people read: names that hide direction controls or invisible
//! characters, and country codes that name no country, are refused with the
//! field they came in.

use serde_json::json;

use usher_tests::catalogue::{create_item, festival};
use usher_tests::on_both_databases;
use usher_tests::{PASSWORD, TestApp};

on_both_databases!(
    names_with_direction_controls_or_invisible_characters_are_refused,
    country_codes_that_name_no_country_are_refused,
);

async fn names_with_direction_controls_or_invisible_characters_are_refused(app: TestApp) {
    let festival = festival(&app, "hidden-names").await;
    let item = create_item(&app, &festival, 120, json!({})).await;
    let accounts = app.count("SELECT COUNT(*) FROM account").await;

    let register = app
        .gql(
            None,
            "mutation($input: RegisterInput!) { register(input: $input) { accessToken } }",
            json!({ "input": { "email": "spoof@example.org", "password": PASSWORD,
                               "displayName": "Organizer\u{202E}nimda" } }),
        )
        .await;
    let venue = app
        .gql(
            Some(&festival.admin),
            "mutation($input: CreateVenueInput!) { createVenue(input: $input) { id } }",
            json!({ "input": { "festivalId": festival.id, "name": "Hall\u{200B}2",
                               "address": "Minzu Avenue", "capacity": 10 } }),
        )
        .await;
    let film = app
        .gql(
            Some(&festival.admin),
            "mutation($input: CreateFilmInput!) { createFilm(input: $input) { id } }",
            json!({ "input": { "festivalId": festival.id, "title": "\u{2067}Ròm\u{2069}",
                               "countries": ["VN"] } }),
        )
        .await;
    let attendee = app.attendee("holder@example.org").await;
    let reserve = app
        .gql(
            Some(&attendee),
            "mutation($input: ReserveTicketsInput!) { reserveTickets(input: $input) { id } }",
            json!({ "input": { "itemId": item["id"], "quantity": 1,
                               "holderNames": ["Mai\u{FEFF}"] } }),
        )
        .await;

    for (response, field, hidden) in [
        (register, "displayName", "U+202E"),
        (venue, "name", "U+200B"),
        (film, "title", "U+2067"),
        (reserve, "holderNames", "U+FEFF"),
    ] {
        assert_eq!(response.error_code(), "BAD_USER_INPUT", "{field}");
        assert_eq!(response.error_field(), field);
        let message = response.0["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(hidden), "{field}: {message}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM account").await,
        accounts + 1,
        "only the honest attendee was registered"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM venue").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM film").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM ticket").await, 0);
}

async fn country_codes_that_name_no_country_are_refused(app: TestApp) {
    let festival = festival(&app, "countries").await;
    let create_film = |countries: serde_json::Value| {
        app.gql(
            Some(&festival.admin),
            "mutation($input: CreateFilmInput!) { createFilm(input: $input) { countries } }",
            json!({ "input": { "festivalId": festival.id, "title": "Diamond Island",
                               "countries": countries } }),
        )
    };

    let unassigned = create_film(json!(["KH", "ZZ"])).await;
    let assigned = create_film(json!(["kh", "FR"])).await;

    assert_eq!(unassigned.error_code(), "BAD_USER_INPUT");
    assert_eq!(unassigned.error_field(), "countries");
    assert!(
        unassigned.0["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("'ZZ'"),
        "{:?}",
        unassigned.0
    );
    assert_eq!(assigned.data("/createFilm/countries"), &json!(["KH", "FR"]));
    assert_eq!(app.count("SELECT COUNT(*) FROM film").await, 2);
}
