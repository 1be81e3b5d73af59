//! No-show strikes: counted once when late entry closes (by the instances'
//! own job, on any number of instances), late cancellations too; a
//! festival with a limit blocks reserving, waitlists and standby lines
//! until the block ends or an organizer forgives a strike, also when a
//! blocked attendee fires many reservations at once on two instances.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use futures::future::join_all;
use serde_json::{Value, json};
use usher_domain::roles::{Role, RoleGrant};

use usher_tests::catalogue::{Festival, create_item, festival_with};
use usher_tests::door::scan;
use usher_tests::on_both_databases;
use usher_tests::tickets::{buy, cancel};
use usher_tests::{Gql, TestApp};

on_both_databases!(
    strikes_block_an_attendee_until_the_block_ends_or_an_organizer_forgives_one,
    two_instances_counting_at_once_count_each_strike_once,
    a_festival_sets_its_policy_and_without_a_limit_strikes_never_block,
);

const ME: &str = "{ me { blockedUntil noShows { id kind at forgivenAt item { id } } } }";
const STANDING: &str = "query($id: ID!, $email: String!) { festival(id: $id) {
    attendeeStanding(email: $email) { email displayName blockedUntil noShows { id kind forgivenAt } }
} }";
const FORGIVE: &str = "mutation($id: ID!) { forgiveNoShow(noShowId: $id) { id forgivenAt } }";

/// An item starting in `seconds` with no late entry: its strikes fall due
/// `seconds` from now.
async fn starting_in(app: &TestApp, festival: &Festival, seconds: i64) -> Value {
    let starts_at = (Utc::now() + Duration::seconds(seconds)).trunc_subsecs(0);
    let item = create_item(
        app,
        festival,
        0,
        json!({
            "startsAt": starts_at.to_rfc3339(),
            "endsAt": (starts_at + Duration::minutes(90)).to_rfc3339(),
            "reservationOpensAt": (Utc::now() - Duration::hours(1)).trunc_subsecs(0).to_rfc3339(),
            "lateEntryMinutes": 0,
        }),
    )
    .await;
    assert!(item["id"].is_string(), "{item}");
    item
}

async fn strict_festival(app: &TestApp, slug: &str) -> Festival {
    festival_with(
        app,
        slug,
        json!({ "allowOverlappingTickets": true, "noShowLimit": 2, "noShowBlockDays": 1 }),
    )
    .await
}

/// The signed-in attendee's strikes once there are `count` (waiting up to
/// 20 s for an instance's job to count them).
async fn strikes(app: &TestApp, token: &str, count: usize) -> Value {
    for _ in 0..200 {
        let me = app
            .gql(Some(token), ME, json!({}))
            .await
            .data("/me")
            .clone();
        if me["noShows"]
            .as_array()
            .is_some_and(|strikes| strikes.len() >= count)
        {
            return me;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    panic!("{count} strikes were not counted within 20 s");
}

fn blocked_until(answer: &Gql) -> DateTime<Utc> {
    assert_eq!(answer.error_code(), "NO_SHOW_BLOCKED", "{:?}", answer.0);
    let extensions = &answer.0["errors"][0]["extensions"];
    assert_eq!(extensions["until"], extensions["blockedUntil"]);
    let until = extensions["until"]
        .as_str()
        .unwrap_or_else(|| panic!("until in {:?}", answer.0));
    DateTime::parse_from_rfc3339(until).unwrap().to_utc()
}

async fn strikes_block_an_attendee_until_the_block_ends_or_an_organizer_forgives_one(app: TestApp) {
    let festival = strict_festival(&app, "strikes").await;
    let door = app
        .user_with(
            "door@example.org",
            &[RoleGrant::new(Role::DoorStaff, Some(festival.id.parse().unwrap()), None).unwrap()],
        )
        .await;
    let mai = app.attendee("mai@example.org").await;
    let linh = app.attendee("linh@example.org").await;
    let missed = starting_in(&app, &festival, 8).await;
    let dropped = starting_in(&app, &festival, 8).await;
    let later = create_item(&app, &festival, 30, json!({ "ticketCapacity": 1 })).await;
    let full = create_item(&app, &festival, 40, json!({ "ticketCapacity": 1 })).await;
    let linh_full = buy(&app, &linh, &full).await;
    let in_line_early = app
        .gql(
            Some(&mai),
            "mutation($input: JoinWaitlistInput!) { joinWaitlist(input: $input) { id } }",
            json!({ "input": { "itemId": full["id"], "quantity": 1 } }),
        )
        .await;
    assert!(in_line_early.data("/joinWaitlist/id").is_string());
    buy(&app, &mai, &missed).await;
    let given_back = buy(&app, &mai, &dropped).await;
    let used = buy(&app, &linh, &missed).await;
    assert_eq!(
        scan(&app, &door, &used["code"], &festival.venue, None)
            .await
            .data("/checkIn/outcome"),
        "ADMITTED"
    );
    cancel(&app, &mai, &given_back["id"]).await;

    let me = strikes(&app, &mai, 2).await;
    let reserved = app.reserve(&mai, &later).await;
    let other = app.another_instance().await;
    let burst = join_all((0..12).map(|n| {
        let instance = if n % 2 == 0 { &app } else { &other };
        instance.reserve(&mai, &later)
    }))
    .await;
    cancel(&app, &linh, &linh_full["id"]).await;
    let still_waiting = app
        .gql(Some(&mai), "{ myWaitlist { position } }", json!({}))
        .await;
    let waitlisted = app
        .gql(
            Some(&mai),
            "mutation($input: JoinWaitlistInput!) { joinWaitlist(input: $input) { id } }",
            json!({ "input": { "itemId": full["id"], "quantity": 1 } }),
        )
        .await;
    let standing_by = app
        .gql(
            Some(&mai),
            "mutation($input: JoinStandbyInput!) { joinStandby(input: $input) { id } }",
            json!({ "input": { "itemId": later["id"], "quantity": 1 } }),
        )
        .await;
    let linh_me = app.gql(Some(&linh), ME, json!({})).await;
    let seen_by_organizer = app
        .gql(
            Some(&festival.admin),
            STANDING,
            json!({ "id": festival.id, "email": "mai@example.org" }),
        )
        .await;
    let seen_by_attendee = app
        .gql(
            Some(&linh),
            STANDING,
            json!({ "id": festival.id, "email": "mai@example.org" }),
        )
        .await;

    let kinds: Vec<(&Value, &Value)> = me["noShows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|strike| (&strike["kind"], &strike["item"]["id"]))
        .collect();
    assert!(
        kinds.contains(&(&json!("NO_SHOW"), &missed["id"])),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&(&json!("LATE_CANCELLATION"), &dropped["id"])),
        "{kinds:?}"
    );
    let until = blocked_until(&reserved);
    for answer in &burst {
        assert_eq!(blocked_until(answer), until, "on either instance, at once");
    }
    let issued_while_blocked = app
        .count(&format!(
            "SELECT COUNT(*) FROM ticket WHERE item_id = {}",
            app.uuid(later["id"].as_str().unwrap())
        ))
        .await;
    assert_eq!(issued_while_blocked, 0);
    let second_strike = me["noShows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|strike| DateTime::parse_from_rfc3339(strike["at"].as_str().unwrap()).unwrap())
        .max()
        .unwrap();
    assert_eq!(
        until,
        second_strike + Duration::days(1),
        "a day from the second strike"
    );
    assert!(
        reserved
            .0
            .to_string()
            .contains(&until.format("%Y-%m-%d %H:%M UTC").to_string())
    );
    assert_eq!(
        me["blockedUntil"]
            .as_str()
            .map(DateTime::parse_from_rfc3339),
        Some(Ok(until.fixed_offset()))
    );
    assert_eq!(blocked_until(&waitlisted), until, "{:?}", still_waiting.0);
    assert_eq!(
        still_waiting.data("/myWaitlist/0/position"),
        1,
        "a blocked attendee's place is not promoted"
    );
    assert_eq!(blocked_until(&standing_by), until);
    assert_eq!(
        linh_me.data("/me/noShows"),
        &json!([]),
        "an admitted ticket is no strike"
    );
    assert!(linh_me.data("/me/blockedUntil").is_null());
    let standing = seen_by_organizer.data("/festival/attendeeStanding");
    assert_eq!(standing["displayName"], "mai");
    assert_eq!(standing["noShows"].as_array().unwrap().len(), 2);
    assert!(standing["blockedUntil"].is_string());
    assert_eq!(seen_by_attendee.error_code(), "FORBIDDEN");

    // Forgiven, one strike is left: under the limit.
    let strike = &standing["noShows"][0]["id"];
    let refused_forgiveness = app.gql(Some(&mai), FORGIVE, json!({ "id": strike })).await;
    let forgiven = app
        .gql(Some(&festival.admin), FORGIVE, json!({ "id": strike }))
        .await;
    let reserved_after = app.reserve(&mai, &later).await;

    assert_eq!(refused_forgiveness.error_code(), "FORBIDDEN");
    assert!(forgiven.data("/forgiveNoShow/forgivenAt").is_string());
    assert!(reserved_after.data("/reserveTickets/id").is_string());
    let after = app.gql(Some(&mai), ME, json!({})).await;
    assert!(after.data("/me/blockedUntil").is_null());
    assert_eq!(
        after.data("/me/noShows").as_array().unwrap().len(),
        2,
        "forgiven, still listed"
    );
}

async fn two_instances_counting_at_once_count_each_strike_once(app: TestApp) {
    let festival = strict_festival(&app, "strikes-twice").await;
    let item = starting_in(&app, &festival, 2).await;
    let later = create_item(&app, &festival, 30, json!({})).await;
    let holders = join_all((0..8).map(|n| {
        let app = &app;
        async move { app.attendee(&format!("sleeper{n}@example.org")).await }
    }))
    .await;
    for holder in &holders {
        buy(&app, holder, &item).await;
    }
    let other = app.another_instance().await;
    tokio::time::sleep(StdDuration::from_secs(3)).await;
    let now = Utc::now();

    let runs = join_all((0..6).map(|n| {
        let store = if n % 2 == 0 { &app.store } else { &other.store };
        async move { store.count_due_no_shows(now).await.unwrap() }
    }))
    .await;

    let counted: usize = runs.iter().flatten().map(|(_, strikes)| strikes).sum();
    let from_the_jobs = app
        .count(&format!(
            "SELECT COUNT(*) FROM no_show_strike WHERE item_id = {}",
            app.uuid(item["id"].as_str().unwrap())
        ))
        .await;
    assert!(
        counted == 8 || counted == 0,
        "all in one go or by a job: {runs:?}"
    );
    assert_eq!(from_the_jobs, 8, "one strike per ticket");
    // One strike each: under the limit of 2.
    assert!(
        app.reserve(&holders[0], &later)
            .await
            .data("/reserveTickets/id")
            .is_string()
    );
}

async fn a_festival_sets_its_policy_and_without_a_limit_strikes_never_block(app: TestApp) {
    let festival = festival_with(&app, "lenient", json!({ "allowOverlappingTickets": true })).await;
    let policy = "query($id: ID!) { festival(id: $id) { noShowLimit noShowBlockDays cancelWithoutPenaltyMinutes } }";
    let update = "mutation($input: UpdateFestivalInput!) { updateFestival(input: $input) { noShowLimit noShowBlockDays cancelWithoutPenaltyMinutes } }";
    let defaults = app.gql(None, policy, json!({ "id": festival.id })).await;
    let out_of_range = app
        .gql(
            Some(&festival.admin),
            update,
            json!({ "input": { "festivalId": festival.id, "noShowLimit": 0 } }),
        )
        .await;
    let set = app
        .gql(
            Some(&festival.admin),
            update,
            json!({ "input": { "festivalId": festival.id, "noShowLimit": 3, "noShowBlockDays": 30, "cancelWithoutPenaltyMinutes": 60 } }),
        )
        .await;
    let cleared = app
        .gql(
            Some(&festival.admin),
            update,
            json!({ "input": { "festivalId": festival.id, "noShowLimit": null } }),
        )
        .await;
    let mai = app.attendee("mai@example.org").await;
    let first = starting_in(&app, &festival, 2).await;
    let second = starting_in(&app, &festival, 2).await;
    let later = create_item(&app, &festival, 30, json!({})).await;
    buy(&app, &mai, &first).await;
    buy(&app, &mai, &second).await;
    let me = strikes(&app, &mai, 2).await;

    assert_eq!(
        defaults.data("/festival"),
        &json!({ "noShowLimit": null, "noShowBlockDays": 7, "cancelWithoutPenaltyMinutes": 120 })
    );
    assert_eq!(out_of_range.error_field(), "noShowLimit");
    assert_eq!(
        set.data("/updateFestival"),
        &json!({ "noShowLimit": 3, "noShowBlockDays": 30, "cancelWithoutPenaltyMinutes": 60 })
    );
    assert_eq!(
        cleared.data("/updateFestival"),
        &json!({ "noShowLimit": null, "noShowBlockDays": 30, "cancelWithoutPenaltyMinutes": 60 })
    );
    assert!(me["blockedUntil"].is_null());
    assert!(
        app.reserve(&mai, &later)
            .await
            .data("/reserveTickets/id")
            .is_string()
    );
}
