//! Releasing unscanned tickets to the standby line and calling the line:
//! the release happens once, on time, on any number of instances and after
//! a restart; the door answers RELEASED from the release moment on; calling
//! the line never lets in more than the venue holds.

use std::collections::HashSet;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use futures::future::join_all;
use serde_json::{Value, json};
use usher_domain::roles::{Role, RoleGrant};

use usher_tests::catalogue::{Festival, create_item, festival};
use usher_tests::door::scan;
use usher_tests::on_both_databases;
use usher_tests::tickets::buy;
use usher_tests::{Gql, TestApp};

on_both_databases!(
    unscanned_tickets_are_released_at_their_moment_and_their_holders_hear_it,
    the_release_run_by_two_instances_at_once_releases_each_ticket_once,
    a_release_missed_while_no_server_ran_happens_on_the_next_start,
    holders_racing_their_own_release_each_get_one_consistent_answer,
    attendees_and_walk_ups_called_at_once_at_several_gates_never_pass_the_capacity,
    calling_the_line_lets_people_in_in_order_within_the_room_and_says_why_not,
    an_attendees_called_place_becomes_their_tickets_checked_in_at_the_gate,
    a_call_reads_a_long_line_past_its_first_page,
    an_offline_scan_before_the_release_synced_after_it_admits_while_there_is_room,
    an_organizer_sets_the_release_and_reservations_close_at_it,
);

const ITEM: &str = "query($id: ID!) { item(id: $id) {
    status releaseUnscannedMinutes releaseAt releasedAt reservationClosesAt standbyPlaces
    attendance { issued checkedIn cancelled released noShows standbyAdmitted standbyWaiting standbyPlaces }
} }";
const CALL: &str = "mutation($input: CallStandbyInput!) { callStandby(input: $input) { id number name quantity admittedAt } }";
const WALK_UP: &str =
    "mutation($input: AddStandbyWalkUpInput!) { addStandbyWalkUp(input: $input) { id number } }";
const SYNC: &str = "mutation($scans: [OfflineScanInput!]!) {
    syncOfflineScans(scans: $scans) { clientScanId conflict result { outcome ticket { status } } }
}";
const UPDATE_ITEM: &str = "mutation($input: UpdateItemInput!) { updateItem(input: $input) { releaseUnscannedMinutes releaseAt reservationClosesAt } }";
const UPDATE_VENUE: &str =
    "mutation($input: UpdateVenueInput!) { updateVenue(input: $input) { capacity } }";

/// The moment `seconds` from now, to the second.
fn in_seconds(seconds: i64) -> DateTime<Utc> {
    (Utc::now() + Duration::seconds(seconds)).trunc_subsecs(0)
}

/// An item whose unscanned tickets are released at `release_at`, 10
/// minutes before its start; its doors opened 20 minutes before that.
async fn releasing_at(app: &TestApp, festival: &Festival, release_at: DateTime<Utc>) -> Value {
    let starts_at = release_at + Duration::minutes(10);
    let item = create_item(
        app,
        festival,
        0,
        json!({
            "startsAt": starts_at.to_rfc3339(),
            "endsAt": (starts_at + Duration::minutes(100)).to_rfc3339(),
            "reservationOpensAt": (Utc::now() - Duration::hours(1)).trunc_subsecs(0).to_rfc3339(),
            "releaseUnscannedMinutes": 10,
        }),
    )
    .await;
    assert!(item["id"].is_string(), "{item}");
    item
}

async fn staff(app: &TestApp, festival: &Festival) -> String {
    app.user_with(
        &format!("door-{}@example.org", festival.id),
        &[RoleGrant::new(Role::DoorStaff, Some(festival.id.parse().unwrap()), None).unwrap()],
    )
    .await
}

async fn set_capacity(app: &TestApp, festival: &Festival, capacity: i64) {
    let updated = app
        .gql(
            Some(&festival.admin),
            UPDATE_VENUE,
            json!({ "input": { "venueId": festival.venue, "capacity": capacity } }),
        )
        .await;
    assert_eq!(updated.data("/updateVenue/capacity"), capacity);
}

async fn item_state(app: &TestApp, festival: &Festival, item: &Value) -> Value {
    app.gql(Some(&festival.admin), ITEM, json!({ "id": item["id"] }))
        .await
        .data("/item")
        .clone()
}

/// Waits (up to 20 s) until some instance has written the item's release.
async fn released(app: &TestApp, festival: &Festival, item: &Value) -> Value {
    for _ in 0..200 {
        let state = item_state(app, festival, item).await;
        if !state["releasedAt"].is_null() {
            return state;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    panic!("the item's tickets were not released within 20 s");
}

async fn tickets_with_status(app: &TestApp, item: &Value, status: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM ticket WHERE item_id = {} AND status = '{status}'",
        app.uuid(item["id"].as_str().unwrap())
    ))
    .await
}

async fn admitted(app: &TestApp, item: &Value) -> i64 {
    app.count(&format!(
        "SELECT CAST(admitted AS BIGINT) FROM programme_item WHERE id = {}",
        app.uuid(item["id"].as_str().unwrap())
    ))
    .await
}

async fn sleep_until(moment: DateTime<Utc>) {
    if let Ok(wait) = (moment - Utc::now()).to_std() {
        tokio::time::sleep(wait).await;
    }
}

fn outcome(answer: &Gql) -> String {
    answer.data("/checkIn/outcome").as_str().unwrap().to_owned()
}

async fn walk_ups(app: &TestApp, token: &str, item: &Value, quantities: &[i64]) {
    for (n, quantity) in quantities.iter().enumerate() {
        let added = app
            .gql(
                Some(token),
                WALK_UP,
                json!({ "input": { "itemId": item["id"], "name": format!("Walk-up {n}"), "quantity": quantity } }),
            )
            .await;
        assert!(added.data("/addStandbyWalkUp/number").is_number());
    }
}

async fn unscanned_tickets_are_released_at_their_moment_and_their_holders_hear_it(app: TestApp) {
    let festival = festival(&app, "release-moment").await;
    set_capacity(&app, &festival, 3).await;
    let release_at = in_seconds(5);
    let item = releasing_at(&app, &festival, release_at).await;
    let door = staff(&app, &festival).await;
    let mai = app.attendee("mai@example.org").await;
    let linh = app.attendee("linh@example.org").await;
    let on_time = buy(&app, &mai, &item).await;
    let late = buy(&app, &linh, &item).await;

    let admitted_before = scan(&app, &door, &on_time["code"], &festival.venue, Some("A")).await;
    let before = item_state(&app, &festival, &item).await;
    let after = released(&app, &festival, &item).await;
    let refused = scan(&app, &door, &late["code"], &festival.venue, Some("A")).await;
    let cancelled = app
        .gql(
            Some(&linh),
            "mutation($id: ID!) { cancelTicket(ticketId: $id) { status } }",
            json!({ "id": late["id"] }),
        )
        .await;
    let reserved_after = app.reserve(&linh, &item).await;

    assert_eq!(outcome(&admitted_before), "ADMITTED");
    assert_eq!(
        before["releaseAt"]
            .as_str()
            .map(DateTime::parse_from_rfc3339),
        Some(Ok(release_at.fixed_offset()))
    );
    assert_eq!(before["reservationClosesAt"], before["releaseAt"]);
    assert_eq!(before["standbyPlaces"], 1, "3 seats, 1 inside, 1 held");
    let released_at = DateTime::parse_from_rfc3339(after["releasedAt"].as_str().unwrap()).unwrap();
    assert!(
        released_at >= release_at,
        "{released_at} before {release_at}"
    );
    assert_eq!(outcome(&refused), "RELEASED");
    let message = refused.data("/checkIn/message").as_str().unwrap();
    assert!(message.contains("standby line"), "{message}");
    assert!(
        message.contains(
            &(release_at + Duration::hours(8))
                .format("%H:%M")
                .to_string()
        ),
        "the release time, in the festival's zone: {message}"
    );
    assert_eq!(refused.data("/checkIn/ticket/status"), "RELEASED");
    assert_eq!(cancelled.error_code(), "BAD_USER_INPUT");
    assert_eq!(
        reserved_after.error_code(),
        "RESERVATION_CLOSED",
        "{:?}",
        reserved_after.0
    );
    assert_eq!(tickets_with_status(&app, &item, "RELEASED").await, 1);
    assert_eq!(tickets_with_status(&app, &item, "CHECKED_IN").await, 1);
    assert_eq!(after["status"], "CLOSED");
    assert_eq!(after["standbyPlaces"], 2, "3 seats, 1 inside, none held");
    let attendance = &after["attendance"];
    assert_eq!(attendance["issued"], 1);
    assert_eq!(attendance["checkedIn"], 1);
    assert_eq!(attendance["released"], 1);
    assert_eq!(attendance["standbyPlaces"], 2);
    let log = app
        .count(&format!(
            "SELECT COUNT(*) FROM scan WHERE ticket_id = {} AND outcome = 'RELEASED'",
            app.uuid(late["id"].as_str().unwrap())
        ))
        .await;
    assert_eq!(log, 1, "the refused scan is recorded");
}

async fn the_release_run_by_two_instances_at_once_releases_each_ticket_once(app: TestApp) {
    let festival = festival(&app, "release-twice").await;
    // Due in 30 minutes: the instances' own jobs leave it alone, the test
    // runs the release as if it were then.
    let release_at = in_seconds(30 * 60);
    let item = releasing_at(&app, &festival, release_at).await;
    let holders = join_all((0..12).map(|n| {
        let app = &app;
        async move { app.attendee(&format!("holder{n}@example.org")).await }
    }))
    .await;
    for holder in &holders {
        buy(&app, holder, &item).await;
    }
    let other = app.another_instance().await;
    let then = release_at + Duration::seconds(1);

    let runs = join_all((0..6).map(|n| {
        let store = if n % 2 == 0 { &app.store } else { &other.store };
        async move { store.release_due_tickets(then).await.unwrap() }
    }))
    .await;

    let releases: Vec<_> = runs.into_iter().flatten().collect();
    assert_eq!(releases.len(), 1, "released once: {releases:?}");
    assert_eq!(releases[0].tickets, 12);
    assert_eq!(tickets_with_status(&app, &item, "RELEASED").await, 12);
    assert_eq!(tickets_with_status(&app, &item, "ACTIVE").await, 0);
    assert!(
        other
            .store
            .release_due_tickets(then)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn a_release_missed_while_no_server_ran_happens_on_the_next_start(mut app: TestApp) {
    let festival = festival(&app, "release-restart").await;
    let release_at = in_seconds(4);
    let item = releasing_at(&app, &festival, release_at).await;
    let mai = app.attendee("mai@example.org").await;
    buy(&app, &mai, &item).await;

    app.stop().await;
    sleep_until(release_at + Duration::seconds(1)).await;
    let unreleased_while_down = tickets_with_status(&app, &item, "ACTIVE").await;
    let restarted = app.another_instance().await;
    let state = released(&restarted, &festival, &item).await;

    assert_eq!(unreleased_while_down, 1);
    assert_eq!(tickets_with_status(&restarted, &item, "RELEASED").await, 1);
    assert_eq!(state["attendance"]["released"], 1);
}

async fn holders_racing_their_own_release_each_get_one_consistent_answer(app: TestApp) {
    let festival = festival(&app, "release-race").await;
    let release_at = in_seconds(8);
    let item = releasing_at(&app, &festival, release_at).await;
    let door = staff(&app, &festival).await;
    let other = app.another_instance().await;
    let holders = join_all((0..20).map(|n| {
        let app = &app;
        async move { app.attendee(&format!("racer{n}@example.org")).await }
    }))
    .await;
    let mut tickets = Vec::new();
    for holder in &holders {
        tickets.push(buy(&app, holder, &item).await);
    }

    // Each ticket is scanned twice, on both instances, at moments spread
    // over 200 ms around the release, while the instances release it.
    let start = release_at - Duration::milliseconds(100);
    let answers = join_all(tickets.iter().enumerate().flat_map(|(n, ticket)| {
        let moment = start + Duration::milliseconds(10 * n as i64);
        [&app, &other].map(|instance| {
            let door = &door;
            let festival = &festival;
            async move {
                sleep_until(moment).await;
                outcome(&scan(instance, door, &ticket["code"], &festival.venue, None).await)
            }
        })
    }))
    .await;
    released(&app, &festival, &item).await;

    let mut admitted_tickets = 0;
    for (ticket, pair) in tickets.iter().zip(answers.chunks(2)) {
        let mut seen: Vec<&str> = pair.iter().map(String::as_str).collect();
        seen.sort_unstable();
        let final_status = app
            .count(&format!(
                "SELECT COUNT(*) FROM ticket WHERE id = {} AND status = 'CHECKED_IN'",
                app.uuid(ticket["id"].as_str().unwrap())
            ))
            .await;
        match seen.as_slice() {
            ["ADMITTED", "ALREADY_CHECKED_IN"] => {
                assert_eq!(final_status, 1);
                admitted_tickets += 1;
            }
            ["RELEASED", "RELEASED"] => assert_eq!(final_status, 0),
            other => panic!("one ticket, two stories: {other:?}"),
        }
    }
    assert_eq!(admitted(&app, &item).await, admitted_tickets);
    assert_eq!(
        tickets_with_status(&app, &item, "RELEASED").await,
        20 - admitted_tickets
    );
}

async fn attendees_and_walk_ups_called_at_once_at_several_gates_never_pass_the_capacity(
    app: TestApp,
) {
    let festival = festival(&app, "standby-call-rush").await;
    set_capacity(&app, &festival, 60).await;
    let item = create_item(&app, &festival, 20, json!({})).await;
    let door = staff(&app, &festival).await;
    let other = app.another_instance().await;
    let holders = join_all((0..10).map(|n| {
        let app = &app;
        async move { app.attendee(&format!("seat{n}@example.org")).await }
    }))
    .await;
    let mut tickets = Vec::new();
    for holder in &holders {
        tickets.push(buy(&app, holder, &item).await);
    }
    for ticket in &tickets[..5] {
        scan(&app, &door, &ticket["code"], &festival.venue, Some("A")).await;
    }
    // Ten attendees first in the line (their places become tickets when
    // called), then 200 walk-ups.
    let online = join_all((0..10).map(|n| {
        let app = &app;
        async move { app.attendee(&format!("line{n}@example.org")).await }
    }))
    .await;
    let mut quantities: Vec<i64> = (0..10).map(|n| 1 + i64::from(n % 2 == 0)).collect();
    for (token, quantity) in online.iter().zip(&quantities) {
        let joined = app
            .gql(
                Some(token),
                "mutation($input: JoinStandbyInput!) { joinStandby(input: $input) { number } }",
                json!({ "input": { "itemId": item["id"], "quantity": quantity } }),
            )
            .await;
        assert!(joined.data("/joinStandby/number").is_number());
    }
    let walking_up: Vec<i64> = (0..200).map(|n| 1 + i64::from(n % 3 == 0)).collect();
    walk_ups(&app, &door, &item, &walking_up).await;
    quantities.extend(&walking_up);
    let room = item_state(&app, &festival, &item).await["standbyPlaces"].clone();

    let calls = join_all((0..40).map(|n| {
        let instance = if n % 2 == 0 { &app } else { &other };
        let door = &door;
        let item = &item;
        let gate = ["A", "B"][n % 2];
        async move {
            instance
                .gql(
                    Some(door),
                    CALL,
                    json!({ "input": { "itemId": item["id"], "count": 3, "gate": gate } }),
                )
                .await
        }
    }))
    .await;
    let held = join_all(
        tickets[5..]
            .iter()
            .map(|ticket| scan(&other, &door, &ticket["code"], &festival.venue, Some("B"))),
    )
    .await;

    assert_eq!(room, 50, "60 seats, 5 inside, 5 held");
    let called: Vec<Value> = calls
        .iter()
        .flat_map(|call| call.data("/callStandby").as_array().unwrap().clone())
        .collect();
    let ids: HashSet<&str> = called
        .iter()
        .map(|place| place["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), called.len(), "no place called twice");
    let people: i64 = called
        .iter()
        .map(|place| place["quantity"].as_i64().unwrap())
        .sum();
    assert_eq!(people, 50, "the room filled exactly");
    let mut numbers: Vec<i64> = called
        .iter()
        .map(|place| place["number"].as_i64().unwrap())
        .collect();
    numbers.sort_unstable();
    let highest = *numbers.last().unwrap();
    let skipped: Vec<i64> = (1..=highest).filter(|n| !numbers.contains(n)).collect();
    assert!(
        skipped.iter().all(|&n| quantities[n as usize - 1] == 2),
        "only pairs that did not fit are passed over: {skipped:?}"
    );
    assert!(
        held.iter().all(|answer| outcome(answer) == "ADMITTED"),
        "the held seats stayed free"
    );
    assert_eq!(admitted(&app, &item).await, 60);
    let state = item_state(&app, &festival, &item).await;
    assert_eq!(state["standbyPlaces"], 0);
    assert_eq!(state["attendance"]["standbyAdmitted"], 50);
    assert_eq!(state["attendance"]["checkedIn"], 10);
    for (token, quantity) in online.iter().zip(&quantities) {
        let mine = app
            .gql(
                Some(token),
                "{ myTickets { status fromStandby } }",
                json!({}),
            )
            .await;
        let tickets = mine.data("/myTickets").as_array().unwrap();
        assert_eq!(
            tickets.len() as i64,
            *quantity,
            "one ticket per person, once"
        );
        assert!(
            tickets
                .iter()
                .all(|ticket| ticket["status"] == "CHECKED_IN" && ticket["fromStandby"] == true)
        );
    }
    let from_standby = app
        .count(&format!(
            "SELECT COUNT(*) FROM ticket WHERE item_id = {} AND from_standby",
            app.uuid(item["id"].as_str().unwrap())
        ))
        .await;
    assert_eq!(
        from_standby, 15,
        "the online places' people, and no one else"
    );
}

async fn calling_the_line_lets_people_in_in_order_within_the_room_and_says_why_not(app: TestApp) {
    let festival = festival(&app, "standby-call").await;
    set_capacity(&app, &festival, 4).await;
    let item = create_item(&app, &festival, 20, json!({})).await;
    let not_open = create_item(&app, &festival, 45, json!({})).await;
    let door = staff(&app, &festival).await;
    let mai = app.attendee("mai@example.org").await;
    let linh = app.attendee("linh@example.org").await;
    buy(&app, &linh, &item).await;
    let joined = app
        .gql(
            Some(&mai),
            "mutation($input: JoinStandbyInput!) { joinStandby(input: $input) { id } }",
            json!({ "input": { "itemId": item["id"], "quantity": 2 } }),
        )
        .await;
    assert!(joined.data("/joinStandby/id").is_string());
    walk_ups(&app, &door, &item, &[1, 1, 1]).await;
    let call = |token: &str, item: &Value, count: i64, gate: Option<&str>| {
        let input = json!({ "input": { "itemId": item["id"], "count": count, "gate": gate } });
        let token = token.to_owned();
        let app = &app;
        async move { app.gql(Some(&token), CALL, input).await }
    };

    let before_doors = call(&door, &not_open, 1, None).await;
    let none = call(&door, &item, 0, None).await;
    let unknown_gate = call(&door, &item, 1, Some("Z")).await;
    let attendee_calls = call(&mai, &item, 1, None).await;
    let first = call(&door, &item, 1, Some("A")).await;
    let second = call(&door, &item, 5, Some("B")).await;
    let full = call(&door, &item, 1, None).await;
    let mine = app
        .gql(
            Some(&mai),
            "{ myStandby { number admittedAt peopleAhead } }",
            json!({}),
        )
        .await;
    let state = item_state(&app, &festival, &item).await;
    let waiting = app
        .gql(
            Some(&door),
            "query($id: ID!) { standbyLine(itemId: $id) { number peopleAhead } }",
            json!({ "id": item["id"] }),
        )
        .await;

    assert_eq!(before_doors.error_code(), "BAD_USER_INPUT");
    assert!(
        before_doors.0.to_string().contains("doors"),
        "{:?}",
        before_doors.0
    );
    assert_eq!(none.error_code(), "BAD_USER_INPUT");
    assert_eq!(none.error_field(), "count");
    assert_eq!(unknown_gate.error_field(), "gate");
    assert_eq!(attendee_calls.error_code(), "FORBIDDEN");
    // 4 seats, 1 ticket held: room for 3. Mai's pair (1) first, then
    // walk-up 2 alone, and walk-ups 3 and 4 wait.
    let numbers = |answer: &Gql| -> Vec<i64> {
        answer
            .data("/callStandby")
            .as_array()
            .unwrap()
            .iter()
            .map(|place| place["number"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(numbers(&first), [1]);
    assert!(first.data("/callStandby/0/admittedAt").is_string());
    assert_eq!(numbers(&second), [2]);
    assert_eq!(numbers(&full), Vec::<i64>::new());
    assert_eq!(mine.data("/myStandby/0/number"), 1);
    assert!(mine.data("/myStandby/0/admittedAt").is_string());
    assert!(mine.data("/myStandby/0/peopleAhead").is_null());
    assert_eq!(
        waiting.data("/standbyLine"),
        &json!([{ "number": 3, "peopleAhead": 0 }, { "number": 4, "peopleAhead": 1 }])
    );
    assert_eq!(state["standbyPlaces"], 0);
    assert_eq!(state["attendance"]["standbyAdmitted"], 3);
    assert_eq!(state["attendance"]["standbyWaiting"], 2);
    assert_eq!(admitted(&app, &item).await, 3);
    let gate = app
        .count(&format!(
            "SELECT COUNT(*) FROM standby_place WHERE item_id = {} AND admitted_gate = 'A' AND number = 1",
            app.uuid(item["id"].as_str().unwrap())
        ))
        .await;
    assert_eq!(gate, 1, "the gate they came in at is kept");
}

async fn an_attendees_called_place_becomes_their_tickets_checked_in_at_the_gate(app: TestApp) {
    let festival = festival(&app, "standby-tickets").await;
    let item = create_item(&app, &festival, 20, json!({})).await;
    let door = staff(&app, &festival).await;
    let mai = app.attendee("mai@example.org").await;
    let linh = app.attendee("linh@example.org").await;
    buy(&app, &linh, &item).await;
    let joined = app
        .gql(
            Some(&mai),
            "mutation($input: JoinStandbyInput!) { joinStandby(input: $input) { id } }",
            json!({ "input": { "itemId": item["id"], "quantity": 2 } }),
        )
        .await;
    assert!(joined.data("/joinStandby/id").is_string());
    walk_ups(&app, &door, &item, &[1]).await;

    let called = app
        .gql(
            Some(&door),
            CALL,
            json!({ "input": { "itemId": item["id"], "count": 2, "gate": "A" } }),
        )
        .await;
    let tickets = app
        .gql(
            Some(&mai),
            "{ myTickets { id code status holderName checkedInAt checkedInGate fromStandby item { id } } }",
            json!({}),
        )
        .await;
    let tickets = tickets.data("/myTickets").as_array().unwrap().clone();
    let again = scan(&app, &door, &tickets[0]["code"], &festival.venue, Some("B")).await;
    let undo = app
        .gql(
            Some(&door),
            "mutation($id: ID!) { undoCheckIn(ticketId: $id) { status } }",
            json!({ "id": tickets[1]["id"] }),
        )
        .await;
    let state = item_state(&app, &festival, &item).await;

    assert_eq!(called.data("/callStandby").as_array().unwrap().len(), 2);
    assert_eq!(tickets.len(), 2, "one ticket per person on the place");
    for ticket in &tickets {
        assert_eq!(ticket["item"]["id"], item["id"]);
        assert_eq!(ticket["status"], "CHECKED_IN");
        assert_eq!(ticket["checkedInGate"], "A");
        assert_eq!(
            ticket["checkedInAt"],
            called.data("/callStandby/0/admittedAt").clone()
        );
        assert_eq!(ticket["fromStandby"], true);
        assert_eq!(ticket["holderName"], "mai");
    }
    assert_eq!(outcome(&again), "ALREADY_CHECKED_IN", "{:?}", again.0);
    assert_eq!(undo.error_code(), "BAD_USER_INPUT");
    assert_eq!(undo.error_field(), "ticketId");
    assert_eq!(
        admitted(&app, &item).await,
        3,
        "two from Mai's place, one walk-up"
    );
    // Reserved tickets and people let in from the line are counted apart.
    assert_eq!(state["attendance"]["issued"], 1);
    assert_eq!(state["attendance"]["checkedIn"], 0);
    assert_eq!(state["attendance"]["standbyAdmitted"], 3);
    assert_eq!(tickets_with_status(&app, &item, "CHECKED_IN").await, 2);
}

async fn an_offline_scan_before_the_release_synced_after_it_admits_while_there_is_room(
    app: TestApp,
) {
    let festival = festival(&app, "release-offline").await;
    set_capacity(&app, &festival, 2).await;
    let release_at = in_seconds(5);
    let item = releasing_at(&app, &festival, release_at).await;
    let door = staff(&app, &festival).await;
    let mai = app.attendee("mai@example.org").await;
    let linh = app.attendee("linh@example.org").await;
    let first = buy(&app, &mai, &item).await;
    let second = buy(&app, &linh, &item).await;
    let scanned_at = Utc::now().trunc_subsecs(0).to_rfc3339();

    released(&app, &festival, &item).await;
    walk_ups(&app, &door, &item, &[1]).await;
    let called = app
        .gql(
            Some(&door),
            CALL,
            json!({ "input": { "itemId": item["id"], "count": 1 } }),
        )
        .await;
    let synced = app
        .gql(
            Some(&door),
            SYNC,
            json!({ "scans": [
                { "clientScanId": "phone-1", "code": first["code"], "venueId": festival.venue, "scannedAt": scanned_at },
                { "clientScanId": "phone-2", "code": second["code"], "venueId": festival.venue, "scannedAt": scanned_at },
                { "clientScanId": "phone-3", "code": second["code"], "venueId": festival.venue, "scannedAt": Utc::now().to_rfc3339() },
            ] }),
        )
        .await;

    assert_eq!(called.data("/callStandby/0/number"), 1);
    let results = synced.data("/syncOfflineScans");
    assert_eq!(results[0]["result"]["outcome"], "ADMITTED");
    assert_eq!(results[0]["result"]["ticket"]["status"], "CHECKED_IN");
    assert_eq!(results[0]["conflict"], false);
    assert_eq!(results[1]["result"]["outcome"], "VENUE_FULL");
    assert_eq!(
        results[1]["conflict"], true,
        "the phone let in one the hall had no room for"
    );
    assert_eq!(results[2]["result"]["outcome"], "RELEASED");
    assert_eq!(admitted(&app, &item).await, 2);
    assert_eq!(tickets_with_status(&app, &item, "RELEASED").await, 1);
    let attendance = item_state(&app, &festival, &item).await["attendance"].clone();
    assert_eq!(attendance["checkedIn"], 1);
    assert_eq!(attendance["released"], 1);
    assert_eq!(attendance["standbyAdmitted"], 1);
}

async fn an_organizer_sets_the_release_and_reservations_close_at_it(app: TestApp) {
    let festival = festival(&app, "release-settings").await;
    let item = create_item(&app, &festival, 120, json!({})).await;
    let update = |input: Value| {
        let app = &app;
        let admin = festival.admin.clone();
        async move {
            app.gql(Some(&admin), UPDATE_ITEM, json!({ "input": input }))
                .await
        }
    };

    let too_long = update(json!({ "itemId": item["id"], "releaseUnscannedMinutes": 30 })).await;
    let set = update(json!({ "itemId": item["id"], "releaseUnscannedMinutes": 10 })).await;
    let late_close = update(
        json!({ "itemId": item["id"], "reservationClosesAt": usher_tests::catalogue::at(115) }),
    )
    .await;
    let cleared = update(json!({ "itemId": item["id"], "releaseUnscannedMinutes": null })).await;
    let created_too_long = app
        .gql(
            Some(&festival.admin),
            usher_tests::catalogue::CREATE_ITEM,
            usher_tests::catalogue::item_input(
                &festival,
                60,
                json!({ "releaseUnscannedMinutes": 45, "doorsOpenMinutes": 45 }),
            ),
        )
        .await;

    assert_eq!(too_long.error_code(), "BAD_USER_INPUT");
    assert_eq!(too_long.error_field(), "releaseUnscannedMinutes");
    assert_eq!(set.data("/updateItem/releaseUnscannedMinutes"), 10);
    assert_eq!(
        set.data("/updateItem/reservationClosesAt"),
        set.data("/updateItem/releaseAt"),
        "reservations that closed at the start now close at the release"
    );
    assert_eq!(late_close.error_field(), "reservationClosesAt");
    assert!(
        cleared
            .data("/updateItem/releaseUnscannedMinutes")
            .is_null()
    );
    assert!(cleared.data("/updateItem/releaseAt").is_null());
    assert_eq!(created_too_long.error_field(), "releaseUnscannedMinutes");

    let released_item = releasing_at(&app, &festival, in_seconds(1)).await;
    released(&app, &festival, &released_item).await;
    let changed_after =
        update(json!({ "itemId": released_item["id"], "releaseUnscannedMinutes": 5 })).await;
    assert_eq!(changed_after.error_field(), "releaseUnscannedMinutes");
    assert!(changed_after.0.to_string().contains("released at"));
}

async fn a_call_reads_a_long_line_past_its_first_page(app: TestApp) {
    let festival = festival(&app, "standby-long-line").await;
    set_capacity(&app, &festival, 1).await;
    let item = create_item(&app, &festival, 20, json!({})).await;
    let door = staff(&app, &festival).await;
    // 65 pairs, more than a page of the line, then one single: the one
    // seat left fits the single only.
    let mut quantities = vec![2; 65];
    quantities.push(1);
    walk_ups(&app, &door, &item, &quantities).await;
    let call = |count: i64| {
        let app = &app;
        let door = door.clone();
        let input = json!({ "input": { "itemId": item["id"], "count": count } });
        async move { app.gql(Some(&door), CALL, input).await }
    };

    let single = call(1).await;
    let full = call(1).await;
    set_capacity(&app, &festival, 2).await;
    let one_seat_for_pairs = call(5).await;

    assert_eq!(
        single.data("/callStandby").as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(single.data("/callStandby/0/number"), 66);
    assert_eq!(full.data("/callStandby"), &json!([]));
    assert_eq!(
        one_seat_for_pairs.data("/callStandby"),
        &json!([]),
        "no pair fits in one seat, however long the line"
    );
    let state = item_state(&app, &festival, &item).await;
    assert_eq!(state["attendance"]["standbyWaiting"], 130);
    assert_eq!(admitted(&app, &item).await, 1);
}
