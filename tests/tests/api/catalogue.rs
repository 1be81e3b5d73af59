//! Festivals, venues, films and programme items: setting them up, reading
//! them a page at a time, and who may do which.

use chrono::Duration;
use futures::future::join_all;
use serde_json::{Value, json};
use usher_domain::roles::{Role, RoleGrant};

use usher_tests::TestApp;
use usher_tests::catalogue::{
    CREATE_FESTIVAL, CREATE_FILM, CREATE_ITEM, CREATE_VENUE, at, create_item, festival, item_input,
};
use usher_tests::on_both_databases;

const UPDATE_ITEM: &str = "mutation($input: UpdateItemInput!) { updateItem(input: $input) { id ticketCapacity status startsAt } }";

on_both_databases!(
    an_admin_sets_up_a_festival_that_anyone_can_read,
    items_default_to_the_venue_capacity_and_the_film_title,
    status_follows_the_reservation_window_and_cancellation,
    the_programme_pages_in_a_stable_order_with_a_total,
    the_programme_filters_by_kind_venue_film_time_and_availability,
    invalid_catalogue_input_names_the_field_and_changes_nothing,
    item_updates_are_checked_as_a_whole,
    organizers_correct_the_venues_and_films_of_their_festival,
    only_organizers_of_the_festival_set_it_up,
    organizers_grant_roles_within_their_festival_only,
    a_slug_is_taken_once_even_by_concurrent_admins,
    a_festival_lists_all_its_films_by_title_programmed_or_not,
);

async fn an_admin_sets_up_a_festival_that_anyone_can_read(app: TestApp) {
    let festival = festival(&app, "film-week").await;

    let read = app
        .gql(
            None,
            "query($id: ID!, $venue: ID!, $film: ID!) {
                festival(id: $id) { slug city timezone hosts venues { name capacity gates } }
                festivalBySlug(slug: \"film-week\") { id }
                venue(id: $venue) { name }
                film(id: $film) { title countries languages runtimeMinutes originalTitle }
                festivals { slug }
            }",
            json!({ "id": festival.id, "venue": festival.venue, "film": festival.film }),
        )
        .await;

    assert_eq!(read.data("/festival/timezone"), "Asia/Shanghai");
    assert_eq!(
        read.data("/festival/hosts/1"),
        "China-ASEAN Expo Secretariat"
    );
    assert_eq!(
        read.data("/festival/venues"),
        &json!([{ "name": "Hall 2", "capacity": 300, "gates": ["A", "B"] }])
    );
    assert_eq!(read.data("/festivalBySlug/id"), &json!(festival.id));
    assert_eq!(read.data("/film/countries"), &json!(["VN"]));
    assert_eq!(read.data("/film/originalTitle"), &json!(null));
    assert_eq!(read.data("/festivals"), &json!([{ "slug": "film-week" }]));
    let missing = app
        .gql(
            None,
            "{ festival(id: \"00000000-0000-0000-0000-000000000000\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(missing.data("/festival"), &json!(null));
}

async fn items_default_to_the_venue_capacity_and_the_film_title(app: TestApp) {
    let festival = festival(&app, "defaults").await;

    let item = create_item(&app, &festival, 120, json!({})).await;

    assert_eq!(item["title"], "Ròm");
    assert_eq!(item["ticketCapacity"], 300);
    assert_eq!(item["ticketsLeft"], 300);
    assert_eq!(item["maxTicketsPerAttendee"], 2);
    assert_eq!(item["status"], "OPEN");
    assert_eq!(item["reservationClosesAt"], item["startsAt"]);
    let starts = chrono::DateTime::parse_from_rfc3339(item["startsAt"].as_str().unwrap()).unwrap();
    let doors =
        chrono::DateTime::parse_from_rfc3339(item["doorsOpenAt"].as_str().unwrap()).unwrap();
    let late =
        chrono::DateTime::parse_from_rfc3339(item["lateEntryUntil"].as_str().unwrap()).unwrap();
    assert_eq!(starts - doors, Duration::minutes(30));
    assert_eq!(late - starts, Duration::minutes(15));
    assert_eq!(item["venue"]["name"], "Hall 2");
    assert_eq!(item["festival"]["slug"], "defaults");
}

async fn status_follows_the_reservation_window_and_cancellation(app: TestApp) {
    let festival = festival(&app, "status").await;
    let later = create_item(
        &app,
        &festival,
        600,
        json!({ "reservationOpensAt": at(300) }),
    )
    .await;
    let closed = create_item(
        &app,
        &festival,
        600,
        json!({ "reservationOpensAt": at(-60), "reservationClosesAt": at(-1) }),
    )
    .await;
    let open = create_item(&app, &festival, 600, json!({})).await;

    let cancelled = app
        .gql(
            Some(&festival.admin),
            "mutation($id: ID!) { cancelItem(itemId: $id) { status } }",
            json!({ "id": open["id"] }),
        )
        .await;

    assert_eq!(later["status"], "NOT_YET_OPEN");
    assert_eq!(closed["status"], "CLOSED");
    assert_eq!(open["status"], "OPEN");
    assert_eq!(cancelled.data("/cancelItem/status"), "CANCELLED");
}

async fn the_programme_pages_in_a_stable_order_with_a_total(app: TestApp) {
    let festival = festival(&app, "pages").await;
    // 60 items, several starting at the same moment, so the id breaks ties.
    let mut created = Vec::new();
    for index in 0..60 {
        created.push(create_item(&app, &festival, 100 + (index / 3) * 10, json!({})).await);
    }
    let query = "query($id: ID!, $first: Int, $after: String) {
        festival(id: $id) { programme(first: $first, after: $after) {
            totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id startsAt } } } }
    }";

    let mut seen: Vec<(String, String)> = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = app
            .gql(
                None,
                query,
                json!({ "id": festival.id, "first": 25, "after": after }),
            )
            .await;
        let programme = page.data("/festival/programme");
        assert_eq!(programme["totalCount"], 60);
        for edge in programme["edges"].as_array().unwrap() {
            seen.push((
                edge["node"]["startsAt"].as_str().unwrap().to_owned(),
                edge["node"]["id"].as_str().unwrap().to_owned(),
            ));
        }
        pages += 1;
        if programme["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = programme["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_owned);
    }

    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 60);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| {
        let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap();
        (at(&a.0), uuid::Uuid::parse_str(&a.1).unwrap())
            .cmp(&(at(&b.0), uuid::Uuid::parse_str(&b.1).unwrap()))
    });
    assert_eq!(
        seen, sorted,
        "ordered by start, then id, with nothing repeated or lost"
    );
    let big_page = app
        .gql(None, query, json!({ "id": festival.id, "first": 50 }))
        .await;
    assert_eq!(
        big_page
            .data("/festival/programme/edges")
            .as_array()
            .unwrap()
            .len(),
        50
    );
    for (first, field) in [(0, "first"), (201, "first")] {
        let refused = app
            .gql(None, query, json!({ "id": festival.id, "first": first }))
            .await;
        assert_eq!(refused.error_code(), "BAD_USER_INPUT");
        assert_eq!(refused.error_field(), field);
    }
    let bad_cursor = app
        .gql(None, query, json!({ "id": festival.id, "after": "bogus" }))
        .await;
    assert_eq!(bad_cursor.error_field(), "after");
}

async fn the_programme_filters_by_kind_venue_film_time_and_availability(app: TestApp) {
    let festival = festival(&app, "filters").await;
    let screening = create_item(&app, &festival, 120, json!({})).await;
    let forum = create_item(
        &app,
        &festival,
        2000,
        json!({ "kind": "FORUM", "filmId": null, "title": "Co-creation Forum" }),
    )
    .await;
    let not_open = create_item(
        &app,
        &festival,
        3000,
        json!({ "reservationOpensAt": at(1000) }),
    )
    .await;
    let query = "query($id: ID!, $filter: ProgrammeFilter) {
        festival(id: $id) { programme(filter: $filter) { totalCount edges { node { id } } } }
    }";
    let ids = |response: &usher_tests::Gql| -> Vec<Value> {
        response
            .data("/festival/programme/edges")
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["id"].clone())
            .collect()
    };

    let forums = app
        .gql(
            None,
            query,
            json!({ "id": festival.id, "filter": { "kind": "FORUM" } }),
        )
        .await;
    let by_film = app
        .gql(
            None,
            query,
            json!({ "id": festival.id, "filter": { "filmId": festival.film } }),
        )
        .await;
    let by_venue = app
        .gql(
            None,
            query,
            json!({ "id": festival.id, "filter": { "venueId": festival.venue } }),
        )
        .await;
    let soon = app
        .gql(
            None,
            query,
            json!({ "id": festival.id, "filter": { "startsBefore": at(1000) } }),
        )
        .await;
    let later = app
        .gql(
            None,
            query,
            json!({ "id": festival.id, "filter": { "startsAfter": at(1000) } }),
        )
        .await;
    let available = app
        .gql(
            None,
            query,
            json!({ "id": festival.id, "filter": { "onlyAvailable": true } }),
        )
        .await;
    let bad_venue = app
        .gql(
            None,
            query,
            json!({ "id": festival.id, "filter": { "venueId": "hall-2" } }),
        )
        .await;

    assert_eq!(ids(&forums), vec![forum["id"].clone()]);
    assert_eq!(
        ids(&by_film),
        vec![screening["id"].clone(), not_open["id"].clone()]
    );
    assert_eq!(by_venue.data("/festival/programme/totalCount"), 3);
    assert_eq!(ids(&soon), vec![screening["id"].clone()]);
    assert_eq!(
        ids(&later),
        vec![forum["id"].clone(), not_open["id"].clone()]
    );
    assert_eq!(
        ids(&available),
        vec![screening["id"].clone(), forum["id"].clone()]
    );
    assert_eq!(bad_venue.error_code(), "BAD_USER_INPUT");
    assert_eq!(bad_venue.error_field(), "filter.venueId");
}

async fn invalid_catalogue_input_names_the_field_and_changes_nothing(app: TestApp) {
    let festival = festival(&app, "invalid").await;
    let admin = festival.admin.clone();
    let venue_input = |extra: Value| {
        let mut input = json!({ "festivalId": festival.id, "name": "Hall", "address": "Street", "capacity": 100 });
        input
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        json!({ "input": input })
    };
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            CREATE_FESTIVAL,
            json!({ "input": { "slug": "x-y", "name": "F", "city": "C", "timezone": "Mars/Olympus" } }),
            "timezone",
        ),
        (
            CREATE_FESTIVAL,
            json!({ "input": { "slug": "Bad Slug", "name": "F", "city": "C", "timezone": "UTC" } }),
            "slug",
        ),
        (
            CREATE_VENUE,
            venue_input(json!({ "capacity": 0 })),
            "capacity",
        ),
        (
            CREATE_VENUE,
            venue_input(json!({ "capacity": -3 })),
            "capacity",
        ),
        (CREATE_VENUE, venue_input(json!({ "name": "" })), "name"),
        (
            CREATE_VENUE,
            venue_input(json!({ "name": "n".repeat(500) })),
            "name",
        ),
        (
            CREATE_VENUE,
            venue_input(json!({ "festivalId": "not-an-id" })),
            "festivalId",
        ),
        (
            CREATE_VENUE,
            venue_input(json!({ "gates": ["A", "A"] })),
            "gates",
        ),
        (
            CREATE_FILM,
            json!({ "input": { "festivalId": festival.id, "title": "T", "countries": ["Thailand"] } }),
            "countries",
        ),
        (
            CREATE_ITEM,
            item_input(&festival, 100, json!({ "endsAt": at(50) })),
            "endsAt",
        ),
        (
            CREATE_ITEM,
            item_input(&festival, 100, json!({ "ticketCapacity": 0 })),
            "ticketCapacity",
        ),
        (
            CREATE_ITEM,
            item_input(&festival, 100, json!({ "maxTicketsPerAttendee": 0 })),
            "maxTicketsPerAttendee",
        ),
        (
            CREATE_ITEM,
            item_input(&festival, 100, json!({ "doorsOpenMinutes": -5 })),
            "doorsOpenMinutes",
        ),
        (
            CREATE_ITEM,
            item_input(&festival, 100, json!({ "filmId": null })),
            "title",
        ),
        (
            CREATE_ITEM,
            item_input(&festival, 100, json!({ "startsAt": "tomorrow evening" })),
            "startsAt",
        ),
    ];
    for (mutation, variables, field) in cases {
        let response = app.gql(Some(&admin), mutation, variables).await;
        assert_eq!(
            response.error_code(),
            "BAD_USER_INPUT",
            "{field}: {:?}",
            response.0
        );
        assert_eq!(response.error_field(), field);
    }
    let unknown_venue = app
        .gql(
            Some(&admin),
            CREATE_ITEM,
            item_input(
                &festival,
                100,
                json!({ "venueId": uuid::Uuid::now_v7().to_string() }),
            ),
        )
        .await;
    assert_eq!(unknown_venue.error_code(), "NOT_FOUND");

    assert_eq!(app.count("SELECT COUNT(*) FROM festival").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM venue").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM film").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM programme_item").await, 0);
}

async fn item_updates_are_checked_as_a_whole(app: TestApp) {
    let festival = festival(&app, "updates").await;
    let item = create_item(&app, &festival, 600, json!({})).await;

    let raised = app
        .gql(
            Some(&festival.admin),
            UPDATE_ITEM,
            json!({ "input": { "itemId": item["id"], "ticketCapacity": 450 } }),
        )
        .await;
    let ends_before_start = app
        .gql(
            Some(&festival.admin),
            UPDATE_ITEM,
            json!({ "input": { "itemId": item["id"], "startsAt": at(2000) } }),
        )
        .await;
    let unknown = app
        .gql(
            Some(&festival.admin),
            UPDATE_ITEM,
            json!({ "input": { "itemId": uuid::Uuid::now_v7().to_string(), "ticketCapacity": 5 } }),
        )
        .await;

    assert_eq!(raised.data("/updateItem/ticketCapacity"), 450);
    assert_eq!(ends_before_start.error_code(), "BAD_USER_INPUT");
    assert_eq!(ends_before_start.error_field(), "endsAt");
    assert_eq!(unknown.error_code(), "NOT_FOUND");
    let read = app
        .gql(
            None,
            "query($id: ID!) { item(id: $id) { startsAt ticketCapacity } }",
            json!({ "id": item["id"] }),
        )
        .await;
    assert_eq!(
        read.data("/item/startsAt"),
        &item["startsAt"],
        "a refused update changes nothing"
    );
}

const UPDATE_VENUE: &str = "mutation($input: UpdateVenueInput!) { updateVenue(input: $input) { id name address capacity gates } }";
const UPDATE_FILM: &str = "mutation($input: UpdateFilmInput!) { updateFilm(input: $input) { id title originalTitle countries languages runtimeMinutes director } }";

async fn organizers_correct_the_venues_and_films_of_their_festival(app: TestApp) {
    let festival = festival(&app, "typos").await;
    let organizer = app
        .user_with(
            "fixer@example.org",
            &[RoleGrant::new(Role::Organizer, Some(festival.id.parse().unwrap()), None).unwrap()],
        )
        .await;
    let other = festival_of_another_organizer(&app).await;
    let attendee = app.attendee("reader@example.org").await;
    let from_film = create_item(&app, &festival, 300, json!({})).await;
    let titled = create_item(
        &app,
        &festival,
        600,
        json!({ "title": "Ròm, with the director" }),
    )
    .await;
    let update = |token: &str, mutation: &'static str, input: Value| {
        let token = token.to_owned();
        let app = &app;
        async move {
            app.gql(Some(&token), mutation, json!({ "input": input }))
                .await
        }
    };
    let venue = |changes: Value| {
        let mut input = json!({ "venueId": festival.venue });
        input
            .as_object_mut()
            .unwrap()
            .extend(changes.as_object().unwrap().clone());
        input
    };
    let film = |changes: Value| {
        let mut input = json!({ "filmId": festival.film });
        input
            .as_object_mut()
            .unwrap()
            .extend(changes.as_object().unwrap().clone());
        input
    };

    // Refused: the wrong people, unknown ids, and input createVenue and
    // createFilm refuse too; none of it changes anything.
    assert_eq!(
        update(&attendee, UPDATE_VENUE, venue(json!({ "name": "Mine" })))
            .await
            .error_code(),
        "FORBIDDEN"
    );
    assert_eq!(
        update(&other, UPDATE_FILM, film(json!({ "title": "Mine" })))
            .await
            .error_code(),
        "FORBIDDEN"
    );
    assert_eq!(
        update(
            &organizer,
            UPDATE_VENUE,
            json!({ "venueId": uuid::Uuid::now_v7().to_string(), "name": "X" })
        )
        .await
        .error_code(),
        "NOT_FOUND"
    );
    assert_eq!(
        update(&organizer, UPDATE_FILM, json!({ "filmId": "film-1" }))
            .await
            .error_field(),
        "filmId"
    );
    for (mutation, input, field) in [
        (UPDATE_VENUE, venue(json!({ "capacity": 0 })), "capacity"),
        (UPDATE_VENUE, venue(json!({ "name": " " })), "name"),
        (UPDATE_VENUE, venue(json!({ "address": "" })), "address"),
        (UPDATE_VENUE, venue(json!({ "gates": ["A", "A"] })), "gates"),
        (UPDATE_FILM, film(json!({ "title": "" })), "title"),
        (
            UPDATE_FILM,
            film(json!({ "countries": ["Thailand"] })),
            "countries",
        ),
        (
            UPDATE_FILM,
            film(json!({ "runtimeMinutes": 0 })),
            "runtimeMinutes",
        ),
        (
            UPDATE_FILM,
            film(json!({ "languages": ["Thai", "Thai"] })),
            "languages",
        ),
    ] {
        let refused = update(&organizer, mutation, input).await;
        assert_eq!(
            refused.error_code(),
            "BAD_USER_INPUT",
            "{field}: {:?}",
            refused.0
        );
        assert_eq!(refused.error_field(), field);
    }
    let read = "query($venue: ID!, $film: ID!) { venue(id: $venue) { name address capacity gates } film(id: $film) { title countries runtimeMinutes } }";
    let before = json!({
        "venue": { "name": "Hall 2", "address": "Minzu Avenue", "capacity": 300, "gates": ["A", "B"] },
        "film": { "title": "Ròm", "countries": ["VN"], "runtimeMinutes": 79 },
    });
    let ids = json!({ "venue": festival.venue, "film": festival.film });
    assert_eq!(app.gql(None, read, ids.clone()).await.data(""), &before);

    // Partial updates: what is not named stays.
    let venue_fixed = update(
        &organizer,
        UPDATE_VENUE,
        venue(json!({ "name": "Hall 2 (upstairs)", "gates": ["A", "C"] })),
    )
    .await;
    let capacity_fixed = update(&organizer, UPDATE_VENUE, venue(json!({ "capacity": 280 }))).await;
    let film_fixed = update(
        &organizer,
        UPDATE_FILM,
        film(json!({ "title": "Rom", "originalTitle": "Ròm", "countries": ["vn", "fr"], "director": "Trần Thanh Huy" })),
    )
    .await;
    let cleared = update(
        &festival.admin,
        UPDATE_FILM,
        film(json!({ "runtimeMinutes": null, "director": null })),
    )
    .await;

    assert_eq!(
        venue_fixed.data("/updateVenue"),
        &json!({ "id": festival.venue, "name": "Hall 2 (upstairs)", "address": "Minzu Avenue", "capacity": 300, "gates": ["A", "C"] })
    );
    assert_eq!(capacity_fixed.data("/updateVenue/capacity"), 280);
    assert_eq!(
        capacity_fixed.data("/updateVenue/gates"),
        &json!(["A", "C"])
    );
    assert_eq!(
        film_fixed.data("/updateFilm"),
        &json!({ "id": festival.film, "title": "Rom", "originalTitle": "Ròm", "countries": ["VN", "FR"],
                 "languages": ["Vietnamese"], "runtimeMinutes": 79, "director": "Trần Thanh Huy" })
    );
    assert_eq!(
        cleared.data("/updateFilm"),
        &json!({ "id": festival.film, "title": "Rom", "originalTitle": "Ròm", "countries": ["VN", "FR"],
                 "languages": ["Vietnamese"], "runtimeMinutes": null, "director": null })
    );
    let items = "query($a: ID!, $b: ID!) { a: item(id: $a) { title venue { name } } b: item(id: $b) { title } }";
    assert_eq!(
        app.gql(
            None,
            items,
            json!({ "a": from_film["id"], "b": titled["id"] })
        )
        .await
        .data(""),
        &json!({ "a": { "title": "Rom", "venue": { "name": "Hall 2 (upstairs)" } }, "b": { "title": "Ròm, with the director" } }),
        "an item that took the film's title follows it; one with its own keeps it"
    );
}

async fn only_organizers_of_the_festival_set_it_up(app: TestApp) {
    let festival = festival(&app, "guarded").await;
    let other = festival_of_another_organizer(&app).await;
    let attendee = app.attendee("visitor@example.org").await;
    let organizer = app
        .user_with(
            "organizer@example.org",
            &[RoleGrant::new(Role::Organizer, Some(festival.id.parse().unwrap()), None).unwrap()],
        )
        .await;
    let venue = json!({ "input": { "festivalId": festival.id, "name": "Annex", "address": "Street", "capacity": 50 } });

    assert_eq!(
        app.gql(None, CREATE_VENUE, venue.clone())
            .await
            .error_code(),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        app.gql(Some(&attendee), CREATE_VENUE, venue.clone())
            .await
            .error_code(),
        "FORBIDDEN"
    );
    assert_eq!(
        app.gql(Some(&other), CREATE_VENUE, venue.clone())
            .await
            .error_code(),
        "FORBIDDEN"
    );
    app.gql(Some(&organizer), CREATE_VENUE, venue)
        .await
        .data("/createVenue/id");
    let festival_input =
        json!({ "input": { "slug": "mine", "name": "F", "city": "C", "timezone": "UTC" } });
    assert_eq!(
        app.gql(Some(&organizer), CREATE_FESTIVAL, festival_input)
            .await
            .error_code(),
        "FORBIDDEN"
    );
    let item = create_item(&app, &festival, 300, json!({})).await;
    let cancel = "mutation($id: ID!) { cancelItem(itemId: $id) { id } }";
    assert_eq!(
        app.gql(Some(&attendee), cancel, json!({ "id": item["id"] }))
            .await
            .error_code(),
        "FORBIDDEN"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM programme_item WHERE cancelled_at IS NULL")
            .await,
        1
    );
}

/// An organizer of a second festival, who has no say over the first.
async fn festival_of_another_organizer(app: &TestApp) -> String {
    let other = festival(app, "elsewhere").await;
    app.user_with(
        "other-organizer@example.org",
        &[RoleGrant::new(Role::Organizer, Some(other.id.parse().unwrap()), None).unwrap()],
    )
    .await
}

async fn organizers_grant_roles_within_their_festival_only(app: TestApp) {
    let festival = festival(&app, "grants").await;
    let organizer = app
        .user_with(
            "boss@example.org",
            &[RoleGrant::new(Role::Organizer, Some(festival.id.parse().unwrap()), None).unwrap()],
        )
        .await;
    app.attendee("usher@example.org").await;
    let grant = "mutation($input: GrantRoleInput!) { grantRole(input: $input) { email roles { role festival { slug } venue { name } } } }";

    let door_staff = app
        .gql(Some(&organizer), grant, json!({ "input": { "email": "USHER@example.org", "role": "DOOR_STAFF", "festivalId": festival.id, "venueId": festival.venue } }))
        .await;
    let again = app
        .gql(Some(&organizer), grant, json!({ "input": { "email": "usher@example.org", "role": "DOOR_STAFF", "festivalId": festival.id, "venueId": festival.venue } }))
        .await;
    let admin = app
        .gql(
            Some(&organizer),
            grant,
            json!({ "input": { "email": "usher@example.org", "role": "ADMIN" } }),
        )
        .await;
    let unscoped = app
        .gql(
            Some(&festival.admin),
            grant,
            json!({ "input": { "email": "usher@example.org", "role": "ORGANIZER" } }),
        )
        .await;
    let nobody = app
        .gql(Some(&organizer), grant, json!({ "input": { "email": "nobody@example.org", "role": "DOOR_STAFF", "festivalId": festival.id } }))
        .await;

    assert_eq!(
        door_staff.data("/grantRole/roles"),
        &json!([{ "role": "ATTENDEE", "festival": null, "venue": null },
                 { "role": "DOOR_STAFF", "festival": { "slug": "grants" }, "venue": { "name": "Hall 2" } }])
    );
    assert_eq!(
        again.data("/grantRole/roles").as_array().unwrap().len(),
        2,
        "granting twice changes nothing"
    );
    assert_eq!(admin.error_code(), "FORBIDDEN");
    assert_eq!(unscoped.error_code(), "BAD_USER_INPUT");
    assert_eq!(unscoped.error_field(), "festivalId");
    assert_eq!(nobody.error_code(), "NOT_FOUND");
    let me = app
        .gql(
            Some(&app.login("usher@example.org").await),
            "{ me { roles { role } } }",
            json!({}),
        )
        .await;
    assert_eq!(me.data("/me/roles/1/role"), "DOOR_STAFF");
}

async fn a_slug_is_taken_once_even_by_concurrent_admins(app: TestApp) {
    let admin = app.admin().await;
    let input =
        json!({ "input": { "slug": "popular", "name": "F", "city": "C", "timezone": "UTC" } });

    let attempts =
        join_all((0..8).map(|_| app.gql(Some(&admin), CREATE_FESTIVAL, input.clone()))).await;

    assert_eq!(
        attempts
            .iter()
            .filter(|a| a.0.get("errors").is_none())
            .count(),
        1
    );
    for refused in attempts.iter().filter(|a| a.0.get("errors").is_some()) {
        assert_eq!(refused.error_code(), "ALREADY_EXISTS");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM festival").await, 1);
}

async fn a_festival_lists_all_its_films_by_title_programmed_or_not(app: TestApp) {
    // Ròm, the festival's film, is never programmed.
    let festival = festival(&app, "film-list").await;
    let other = usher_tests::catalogue::festival(&app, "other-films").await;
    let film = |festival_id: &str, title: &str| {
        app.gql(
            Some(&festival.admin),
            CREATE_FILM,
            json!({ "input": { "festivalId": festival_id, "title": title, "countries": ["my"] } }),
        )
    };
    let tiger = film(&festival.id, "Tiger Stripes").await;
    film(&festival.id, "Anatomy of Time").await;
    film(&other.id, "Elsewhere Only").await;
    create_item(
        &app,
        &festival,
        120,
        json!({ "filmId": tiger.data("/createFilm/id") }),
    )
    .await;

    let read = app
        .gql(
            None,
            "query($id: ID!) {
                festival(id: $id) { films { title countries } programme { edges { node { film { title } } } } }
                festivals { slug films { title } }
            }",
            json!({ "id": festival.id }),
        )
        .await;

    assert_eq!(
        read.data("/festival/films"),
        &json!([{ "title": "Anatomy of Time", "countries": ["MY"] },
                 { "title": "Ròm", "countries": ["VN"] },
                 { "title": "Tiger Stripes", "countries": ["MY"] }]),
        "every film, by title, anonymously like the programme"
    );
    assert_eq!(
        read.data("/festival/programme/edges"),
        &json!([{ "node": { "film": { "title": "Tiger Stripes" } } }]),
        "only one of them is programmed"
    );
    let films_of = |slug: &str| {
        read.data("/festivals")
            .as_array()
            .unwrap()
            .iter()
            .find(|festival| festival["slug"] == slug)
            .map(|festival| festival["films"].clone())
            .unwrap()
    };
    assert_eq!(
        films_of("film-list"),
        json!([{ "title": "Anatomy of Time" }, { "title": "Ròm" }, { "title": "Tiger Stripes" }])
    );
    assert_eq!(
        films_of("other-films"),
        json!([{ "title": "Elsewhere Only" }, { "title": "Ròm" }]),
        "each festival its own films"
    );
}
