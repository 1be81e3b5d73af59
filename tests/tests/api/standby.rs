//! The standby line: numbered places online and at the door, the window,
//! who keeps the line, and numbers that hold under a rush.

use futures::future::join_all;
use serde_json::{Value, json};
use usher_domain::roles::{Role, RoleGrant};

use usher_tests::catalogue::{Festival, create_item, festival};
use usher_tests::on_both_databases;
use usher_tests::{Gql, TestApp};

const JOIN: &str = "mutation($input: JoinStandbyInput!) { joinStandby(input: $input) { id number name quantity walkUp item { id } } }";
const WALK_UP: &str = "mutation($input: AddStandbyWalkUpInput!) { addStandbyWalkUp(input: $input) { id number name quantity walkUp } }";
const LEAVE: &str = "mutation($id: ID!) { leaveStandby(placeId: $id) }";
const LINE: &str =
    "query($id: ID!) { standbyLine(itemId: $id) { id number name quantity joinedAt walkUp } }";
const MINE: &str = "{ myStandby { id number quantity item { id } } }";

on_both_databases!(
    an_attendee_joins_sees_their_place_and_leaves_without_freeing_the_number,
    the_line_opens_an_hour_before_the_start_and_closes_with_late_entry,
    door_staff_and_a_scanner_of_the_venue_add_walk_ups_in_the_same_sequence,
    only_organizers_and_door_staff_see_the_line_and_only_attendees_join,
    forty_attendees_joining_at_once_get_the_numbers_one_to_forty,
    an_organizer_sets_when_the_line_opens_when_creating_and_updating_an_item,
    cancelling_an_item_ends_its_line,
);

async fn join(app: &TestApp, token: &str, item: &Value, quantity: i64) -> Gql {
    app.gql(
        Some(token),
        JOIN,
        json!({ "input": { "itemId": item["id"], "quantity": quantity } }),
    )
    .await
}

async fn line(app: &TestApp, token: &str, item: &Value) -> Vec<Value> {
    app.gql(Some(token), LINE, json!({ "id": item["id"] }))
        .await
        .data("/standbyLine")
        .as_array()
        .unwrap()
        .clone()
}

async fn staff(app: &TestApp, festival: &Festival, email: &str) -> String {
    app.user_with(
        email,
        &[RoleGrant::new(Role::DoorStaff, Some(festival.id.parse().unwrap()), None).unwrap()],
    )
    .await
}

async fn an_attendee_joins_sees_their_place_and_leaves_without_freeing_the_number(app: TestApp) {
    let festival = festival(&app, "standby-join").await;
    let item = create_item(&app, &festival, 30, json!({})).await;
    let mai = app.attendee("mai@example.org").await;
    let linh = app.attendee("linh@example.org").await;

    let first = join(&app, &mai, &item, 2).await;
    let again = join(&app, &mai, &item, 1).await;
    let mine = app.gql(Some(&mai), MINE, json!({})).await;
    let left = app
        .gql(
            Some(&mai),
            LEAVE,
            json!({ "id": first.data("/joinStandby/id") }),
        )
        .await;
    let second = join(&app, &linh, &item, 1).await;
    let back = join(&app, &mai, &item, 1).await;

    assert_eq!(first.data("/joinStandby/number"), 1);
    assert_eq!(first.data("/joinStandby/quantity"), 2);
    assert_eq!(first.data("/joinStandby/walkUp"), false);
    assert_eq!(again.error_code(), "ALREADY_EXISTS");
    assert_eq!(mine.data("/myStandby/0/number"), 1);
    assert_eq!(mine.data("/myStandby/0/item/id"), &item["id"]);
    assert_eq!(left.data("/leaveStandby"), true);
    assert_eq!(second.data("/joinStandby/number"), 2);
    assert_eq!(back.data("/joinStandby/number"), 3);
    let numbers: Vec<_> = line(&app, &festival.admin, &item)
        .await
        .iter()
        .map(|place| place["number"].clone())
        .collect();
    assert_eq!(numbers, [json!(2), json!(3)]);
    let three = join(&app, &linh, &item, 3).await;
    assert_eq!(three.error_code(), "BAD_USER_INPUT");
}

async fn the_line_opens_an_hour_before_the_start_and_closes_with_late_entry(app: TestApp) {
    let festival = festival(&app, "standby-window").await;
    // Starts in 62 minutes: the line opens in 2. Started 16 minutes ago:
    // late entry (15 minutes) closed a minute ago. Starts in 59: open.
    let early = create_item(&app, &festival, 62, json!({})).await;
    let late = create_item(
        &app,
        &festival,
        -16,
        json!({ "reservationOpensAt": usher_tests::catalogue::at(-120) }),
    )
    .await;
    let open = create_item(&app, &festival, 59, json!({})).await;
    let mai = app.attendee("mai@example.org").await;

    let too_early = join(&app, &mai, &early, 1).await;
    let too_late = join(&app, &mai, &late, 1).await;
    let in_time = join(&app, &mai, &open, 1).await;

    assert_eq!(too_early.error_code(), "BAD_USER_INPUT");
    assert_eq!(too_early.error_field(), "itemId");
    assert!(
        too_early
            .0
            .to_string()
            .contains("60 minutes before the start")
    );
    assert_eq!(too_late.error_code(), "BAD_USER_INPUT", "{:?}", too_late.0);
    assert!(too_late.0.to_string().contains("closed with late entry"));
    assert_eq!(in_time.data("/joinStandby/number"), 1);
}

async fn door_staff_and_a_scanner_of_the_venue_add_walk_ups_in_the_same_sequence(app: TestApp) {
    let festival = festival(&app, "standby-walk-ups").await;
    let item = create_item(&app, &festival, 30, json!({})).await;
    let door = staff(&app, &festival, "door@example.org").await;
    let mai = app.attendee("mai@example.org").await;
    let scanner = app
        .gql(
            Some(&festival.admin),
            "mutation($input: IssueScannerTokenInput!) { issueScannerToken(input: $input) { token } }",
            json!({ "input": { "venueId": festival.venue, "label": "Gate A" } }),
        )
        .await
        .data("/issueScannerToken/token")
        .as_str()
        .unwrap()
        .to_owned();
    let walk_up = |token: String, name: &'static str| {
        let app = &app;
        let item = &item;
        async move {
            app.gql(
                Some(&token),
                WALK_UP,
                json!({ "input": { "itemId": item["id"], "name": name, "quantity": 1 } }),
            )
            .await
        }
    };

    let by_staff = walk_up(door.clone(), "Bao").await;
    join(&app, &mai, &item, 1).await;
    let by_scanner = walk_up(scanner.clone(), "Nok").await;
    let by_attendee = walk_up(mai.clone(), "Lek").await;

    assert_eq!(by_staff.data("/addStandbyWalkUp/number"), 1);
    assert_eq!(by_staff.data("/addStandbyWalkUp/walkUp"), true);
    assert_eq!(by_scanner.data("/addStandbyWalkUp/number"), 3);
    assert_eq!(by_attendee.error_code(), "FORBIDDEN");
    let seen = line(&app, &scanner, &item).await;
    let names: Vec<_> = seen.iter().map(|place| place["name"].clone()).collect();
    let numbers: Vec<_> = seen.iter().map(|place| place["number"].clone()).collect();
    assert_eq!(names[0], "Bao");
    assert_eq!(names[2], "Nok");
    assert_eq!(numbers, [json!(1), json!(2), json!(3)]);
    assert_eq!(seen[1]["walkUp"], false);
}

async fn only_organizers_and_door_staff_see_the_line_and_only_attendees_join(app: TestApp) {
    let festival = festival(&app, "standby-access").await;
    let item = create_item(&app, &festival, 30, json!({})).await;
    let mai = app.attendee("mai@example.org").await;

    let attendee_looks = app.gql(Some(&mai), LINE, json!({ "id": item["id"] })).await;
    let anonymous_looks = app.gql(None, LINE, json!({ "id": item["id"] })).await;
    let anonymous_joins = app
        .gql(
            None,
            JOIN,
            json!({ "input": { "itemId": item["id"], "quantity": 1 } }),
        )
        .await;

    assert_eq!(attendee_looks.error_code(), "FORBIDDEN");
    assert_eq!(anonymous_looks.error_code(), "UNAUTHENTICATED");
    assert_eq!(anonymous_joins.error_code(), "UNAUTHENTICATED");
    assert!(line(&app, &festival.admin, &item).await.is_empty());
}

async fn forty_attendees_joining_at_once_get_the_numbers_one_to_forty(app: TestApp) {
    let festival = festival(&app, "standby-rush").await;
    let item = create_item(&app, &festival, 30, json!({})).await;
    let tokens = join_all((0..40).map(|n| {
        let app = &app;
        async move { app.attendee(&format!("rush{n}@example.org")).await }
    }))
    .await;

    let joined = join_all(tokens.iter().map(|token| join(&app, token, &item, 1))).await;

    let mut numbers: Vec<i64> = joined
        .iter()
        .map(|response| response.data("/joinStandby/number").as_i64().unwrap())
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=40).collect::<Vec<_>>());
    let seen: Vec<i64> = line(&app, &festival.admin, &item)
        .await
        .iter()
        .map(|place| place["number"].as_i64().unwrap())
        .collect();
    assert_eq!(seen, (1..=40).collect::<Vec<_>>());
}

async fn an_organizer_sets_when_the_line_opens_when_creating_and_updating_an_item(app: TestApp) {
    let festival = festival(&app, "standby-setting").await;
    let item = create_item(&app, &festival, 30, json!({ "standbyOpensMinutes": 10 })).await;
    let mai = app.attendee("mai@example.org").await;
    let update = "mutation($input: UpdateItemInput!) { updateItem(input: $input) { standbyOpensMinutes standbyOpensAt startsAt } }";

    let before = join(&app, &mai, &item, 1).await;
    let out_of_range = app
        .gql(
            Some(&festival.admin),
            update,
            json!({ "input": { "itemId": item["id"], "standbyOpensMinutes": 1441 } }),
        )
        .await;
    let updated = app
        .gql(
            Some(&festival.admin),
            update,
            json!({ "input": { "itemId": item["id"], "standbyOpensMinutes": 45 } }),
        )
        .await;
    let after = join(&app, &mai, &item, 1).await;

    assert_eq!(before.error_code(), "BAD_USER_INPUT");
    assert!(before.0.to_string().contains("10 minutes before the start"));
    assert_eq!(out_of_range.error_code(), "BAD_USER_INPUT");
    assert_eq!(out_of_range.error_field(), "standbyOpensMinutes");
    assert_eq!(updated.data("/updateItem/standbyOpensMinutes"), 45);
    assert_eq!(after.data("/joinStandby/number"), 1);
    let defaulted = create_item(&app, &festival, 90, json!({})).await;
    let read = app
        .gql(
            None,
            "query($id: ID!) { item(id: $id) { standbyOpensMinutes } }",
            json!({ "id": defaulted["id"] }),
        )
        .await;
    assert_eq!(read.data("/item/standbyOpensMinutes"), 60);
}

async fn cancelling_an_item_ends_its_line(app: TestApp) {
    let festival = festival(&app, "standby-cancel").await;
    let item = create_item(&app, &festival, 30, json!({})).await;
    let mai = app.attendee("mai@example.org").await;
    join(&app, &mai, &item, 1).await;

    app.gql(
        Some(&festival.admin),
        "mutation($id: ID!) { cancelItem(itemId: $id) { id } }",
        json!({ "id": item["id"] }),
    )
    .await
    .data("/cancelItem/id");
    let again = join(&app, &mai, &item, 1).await;
    let mine = app.gql(Some(&mai), MINE, json!({})).await;

    assert_eq!(again.error_code(), "BAD_USER_INPUT");
    assert!(again.0.to_string().contains("cancelled"));
    assert_eq!(mine.data("/myStandby"), &json!([]));
    assert!(line(&app, &festival.admin, &item).await.is_empty());
}
