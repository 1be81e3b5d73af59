//! The door: every outcome, exactly once at many gates, door capacity,
//! scopes, scanner devices, the scan record, offline scanning and hostile
//! codes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, SubsecRound, Utc};
use futures::future::join_all;
use serde_json::{Value, json};
use usher_api::codes::TicketKeys;
use usher_domain::ids::{ItemId, TicketId};
use usher_domain::roles::{Role, RoleGrant};
use usher_domain::tickets::TicketClaims;

use usher_tests::catalogue::{Festival, create_item, festival, venue};
use usher_tests::door::{CHECK_IN, scan};
use usher_tests::on_both_databases;
use usher_tests::tickets::{RESERVE, buy, cancel};
use usher_tests::{Gql, TestApp};

const SYNC: &str = "mutation($scans: [OfflineScanInput!]!) {
    syncOfflineScans(scans: $scans) { clientScanId conflict result { outcome admitted message ticket { checkedInAt checkedInGate } } }
}";
/// A festival whose item starts in ten minutes (doors open), door staff for
/// the whole festival, and an attendee holding one ticket.
struct Door {
    festival: Festival,
    item: Value,
    staff: String,
    attendee: String,
    ticket: Value,
}

async fn door(app: &TestApp, slug: &str, item_settings: Value) -> Door {
    let festival = festival(app, slug).await;
    let item = create_item(app, &festival, 10, item_settings).await;
    let staff = app
        .user_with(
            &format!("staff-{slug}@example.org"),
            &[RoleGrant::new(Role::DoorStaff, Some(festival.id.parse().unwrap()), None).unwrap()],
        )
        .await;
    let attendee = app.attendee(&format!("guest-{slug}@example.org")).await;
    let ticket = buy(app, &attendee, &item).await;
    Door {
        festival,
        item,
        staff,
        attendee,
        ticket,
    }
}

/// How many the item's counter says are inside, read from the database.
async fn admitted(app: &TestApp, item_id: &str) -> i64 {
    app.count(&format!(
        "SELECT CAST(admitted AS BIGINT) FROM programme_item WHERE id = {}",
        app.uuid(item_id)
    ))
    .await
}

fn outcome(response: &Gql) -> String {
    response
        .data("/checkIn/outcome")
        .as_str()
        .unwrap()
        .to_owned()
}

on_both_databases!(
    a_failure_in_the_middle_of_a_door_batch_leaves_nothing,
    every_outcome_has_its_answer_and_a_sentence,
    concurrent_scans_of_one_ticket_at_many_gates_admit_exactly_once,
    the_door_never_admits_more_than_the_venue_holds,
    door_staff_scan_only_where_their_grant_reaches,
    scanner_devices_scan_until_revoked,
    an_organizer_renews_a_live_scanner_token_and_the_phone_scans_on,
    a_renewal_racing_a_revocation_never_brings_the_token_back,
    a_changed_venue_is_seen_at_the_door_at_once_and_its_capacity_on_every_instance,
    every_scan_is_recorded_for_the_organizers,
    offline_scans_are_ordered_by_scan_time_and_answered_once,
    hostile_codes_are_invalid_never_internal,
    a_ticket_of_another_festival_is_unknown_there_and_stays_out_of_its_record,
    a_scan_sent_again_with_its_client_scan_id_gets_the_first_answer,
    concurrent_copies_of_one_scan_get_one_answer_and_one_record,
);

async fn every_outcome_has_its_answer_and_a_sentence(app: TestApp) {
    let d = door(&app, "outcomes", json!({})).await;
    let venue_id = d.festival.venue.clone();
    let keys = TicketKeys::load(app.store.clone(), None).await.unwrap();
    let unknown = keys
        .sign(TicketClaims {
            ticket_id: TicketId::generate(),
            item_id: d.item["id"].as_str().unwrap().parse::<ItemId>().unwrap(),
        })
        .unwrap();

    let admitted = scan(&app, &d.staff, &d.ticket["code"], &venue_id, Some("A")).await;
    let again = scan(&app, &d.staff, &d.ticket["code"], &venue_id, Some("B")).await;
    let invalid = scan(&app, &d.staff, &json!("not a ticket"), &venue_id, None).await;
    let unknown = scan(&app, &d.staff, &json!(unknown), &venue_id, None).await;

    assert_eq!(outcome(&admitted), "ADMITTED");
    assert_eq!(admitted.data("/checkIn/admitted"), true);
    assert_eq!(admitted.data("/checkIn/ticket/status"), "CHECKED_IN");
    assert_eq!(admitted.data("/checkIn/ticket/checkedInGate"), "A");
    assert_eq!(outcome(&again), "ALREADY_CHECKED_IN");
    assert_eq!(again.data("/checkIn/firstCheckIn/gate"), "A");
    assert!(
        again
            .data("/checkIn/message")
            .as_str()
            .unwrap()
            .contains("gate A")
    );
    assert_eq!(outcome(&invalid), "INVALID_CODE");
    assert_eq!(invalid.data("/checkIn/ticket"), &json!(null));
    assert_eq!(outcome(&unknown), "UNKNOWN_TICKET");

    // Cancelled ticket, cancelled item.
    let spare = buy(&app, &app.attendee("spare@example.org").await, &d.item).await;
    let spare_holder = app.login("spare@example.org").await;
    cancel(&app, &spare_holder, &spare["id"]).await;
    assert_eq!(
        outcome(&scan(&app, &d.staff, &spare["code"], &venue_id, None).await),
        "CANCELLED"
    );
    let doomed = create_item(&app, &d.festival, 5, json!({})).await;
    let doomed_ticket = buy(&app, &app.attendee("doomed@example.org").await, &doomed).await;
    app.gql(
        Some(&d.festival.admin),
        "mutation($id: ID!) { cancelItem(itemId: $id) { id } }",
        json!({ "id": doomed["id"] }),
    )
    .await
    .data("/cancelItem");
    assert_eq!(
        outcome(&scan(&app, &d.staff, &doomed_ticket["code"], &venue_id, None).await),
        "ITEM_CANCELLED"
    );

    // Wrong venue, wrong item.
    let annex = venue(&app, &d.festival, "Annex Hall", 50).await;
    let elsewhere = create_item(&app, &d.festival, 300, json!({ "venueId": annex })).await;
    let elsewhere_ticket = buy(&app, &app.attendee("roam@example.org").await, &elsewhere).await;
    let wrong_venue = scan(&app, &d.staff, &elsewhere_ticket["code"], &venue_id, None).await;
    assert_eq!(outcome(&wrong_venue), "WRONG_VENUE");
    assert!(
        wrong_venue
            .data("/checkIn/message")
            .as_str()
            .unwrap()
            .contains("Annex Hall"),
        "{wrong_venue:?}"
    );
    let later = create_item(&app, &d.festival, 400, json!({})).await;
    let later_ticket = buy(&app, &app.attendee("later@example.org").await, &later).await;
    let wrong_item = app
        .gql(Some(&d.staff), CHECK_IN, json!({ "input": { "code": later_ticket["code"], "venueId": venue_id, "itemId": d.item["id"] } }))
        .await;
    assert_eq!(outcome(&wrong_item), "WRONG_ITEM");
    assert!(
        wrong_item
            .data("/checkIn/message")
            .as_str()
            .unwrap()
            .contains("Ròm")
    );

    // Too early, too late.
    assert_eq!(
        outcome(&scan(&app, &d.staff, &later_ticket["code"], &venue_id, None).await),
        "TOO_EARLY"
    );
    let started = create_item(&app, &d.festival, 60, json!({})).await;
    let started_ticket = buy(&app, &app.attendee("latecomer@example.org").await, &started).await;
    let moved = json!({ "input": { "itemId": started["id"], "startsAt": (Utc::now() - Duration::minutes(30)).to_rfc3339() } });
    app.gql(
        Some(&d.festival.admin),
        "mutation($input: UpdateItemInput!) { updateItem(input: $input) { id } }",
        moved,
    )
    .await
    .data("/updateItem");
    let too_late = scan(&app, &d.staff, &started_ticket["code"], &venue_id, None).await;
    assert_eq!(outcome(&too_late), "TOO_LATE");
    assert!(
        too_late
            .data("/checkIn/message")
            .as_str()
            .unwrap()
            .starts_with("Too late")
    );

    let bad_gate = scan(&app, &d.staff, &d.ticket["code"], &venue_id, Some("Z")).await;
    assert_eq!(bad_gate.error_field(), "gate");
}

async fn concurrent_scans_of_one_ticket_at_many_gates_admit_exactly_once(app: TestApp) {
    let d = door(&app, "gates", json!({})).await;

    let scans = join_all((0..20).map(|n| {
        scan(
            &app,
            &d.staff,
            &d.ticket["code"],
            &d.festival.venue,
            Some(if n % 2 == 0 { "A" } else { "B" }),
        )
    }))
    .await;

    let outcomes: Vec<String> = scans.iter().map(outcome).collect();
    assert_eq!(
        outcomes.iter().filter(|o| *o == "ADMITTED").count(),
        1,
        "{outcomes:?}"
    );
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| *o == "ALREADY_CHECKED_IN")
            .count(),
        19
    );
    let admitted = admitted(&app, d.item["id"].as_str().unwrap()).await;
    assert_eq!(admitted, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM scan").await,
        20,
        "every scan is recorded"
    );
}

async fn the_door_never_admits_more_than_the_venue_holds(app: TestApp) {
    let festival = festival(&app, "full").await;
    let small = venue(&app, &festival, "Screening Room", 5).await;
    let item = create_item(
        &app,
        &festival,
        10,
        json!({ "venueId": small, "ticketCapacity": 10 }),
    )
    .await;
    let staff = app
        .user_with(
            "usher@example.org",
            &[RoleGrant::new(Role::DoorStaff, Some(festival.id.parse().unwrap()), None).unwrap()],
        )
        .await;
    let mut tickets = Vec::new();
    for n in 0..10 {
        tickets.push(
            buy(
                &app,
                &app.attendee(&format!("viewer{n}@example.org")).await,
                &item,
            )
            .await,
        );
    }

    let scans = join_all(
        tickets
            .iter()
            .map(|ticket| scan(&app, &staff, &ticket["code"], &small, Some("Main"))),
    )
    .await;

    let outcomes: Vec<String> = scans.iter().map(outcome).collect();
    assert_eq!(
        outcomes.iter().filter(|o| *o == "ADMITTED").count(),
        5,
        "{outcomes:?}"
    );
    assert_eq!(outcomes.iter().filter(|o| *o == "VENUE_FULL").count(), 5);
    let refused = scans
        .iter()
        .position(|s| outcome(s) == "VENUE_FULL")
        .unwrap();
    assert!(
        scans[refused]
            .data("/checkIn/message")
            .as_str()
            .unwrap()
            .contains("full")
    );

    let inside = scans.iter().position(|s| outcome(s) == "ADMITTED").unwrap();
    let undo = "mutation($id: ID!) { undoCheckIn(ticketId: $id) { status checkedInAt } }";
    let undone = app
        .gql(Some(&staff), undo, json!({ "id": tickets[inside]["id"] }))
        .await;
    assert_eq!(undone.data("/undoCheckIn/status"), "ACTIVE");
    assert_eq!(
        app.gql(Some(&staff), undo, json!({ "id": tickets[inside]["id"] }))
            .await
            .error_code(),
        "BAD_USER_INPUT"
    );
    let attendee = app.login("viewer0@example.org").await;
    assert_eq!(
        app.gql(
            Some(&attendee),
            undo,
            json!({ "id": tickets[inside]["id"] })
        )
        .await
        .error_code(),
        "FORBIDDEN"
    );
    assert_eq!(
        outcome(&scan(&app, &staff, &tickets[refused]["code"], &small, None).await),
        "ADMITTED"
    );
    assert_eq!(
        outcome(&scan(&app, &staff, &tickets[inside]["code"], &small, None).await),
        "VENUE_FULL"
    );
}

async fn door_staff_scan_only_where_their_grant_reaches(app: TestApp) {
    let d = door(&app, "scopes", json!({})).await;
    let annex = venue(&app, &d.festival, "Annex", 40).await;
    let festival_id = d.festival.id.parse().unwrap();
    let hall_only = app
        .user_with(
            "hall@example.org",
            &[RoleGrant::new(
                Role::DoorStaff,
                Some(festival_id),
                Some(d.festival.venue.parse().unwrap()),
            )
            .unwrap()],
        )
        .await;
    let other = festival(&app, "other-scopes").await;
    let foreign_staff = app
        .user_with(
            "foreign@example.org",
            &[RoleGrant::new(Role::DoorStaff, Some(other.id.parse().unwrap()), None).unwrap()],
        )
        .await;

    assert_eq!(
        scan(&app, &hall_only, &d.ticket["code"], &annex, None)
            .await
            .error_code(),
        "FORBIDDEN"
    );
    assert_eq!(
        scan(
            &app,
            &foreign_staff,
            &d.ticket["code"],
            &d.festival.venue,
            None
        )
        .await
        .error_code(),
        "FORBIDDEN"
    );
    assert_eq!(
        scan(
            &app,
            &d.attendee,
            &d.ticket["code"],
            &d.festival.venue,
            None
        )
        .await
        .error_code(),
        "FORBIDDEN"
    );
    let anonymous = app
        .gql(
            None,
            CHECK_IN,
            json!({ "input": { "code": d.ticket["code"], "venueId": d.festival.venue } }),
        )
        .await;
    assert_eq!(anonymous.error_code(), "UNAUTHENTICATED");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM scan").await,
        0,
        "refused callers record nothing"
    );
    assert_eq!(
        outcome(&scan(&app, &hall_only, &d.ticket["code"], &d.festival.venue, None).await),
        "ADMITTED"
    );
    let organizer_scan = scan(
        &app,
        &d.festival.admin,
        &d.ticket["code"],
        &d.festival.venue,
        None,
    )
    .await;
    assert_eq!(outcome(&organizer_scan), "ALREADY_CHECKED_IN");
}

async fn scanner_devices_scan_until_revoked(app: TestApp) {
    let d = door(&app, "devices", json!({})).await;
    let annex = venue(&app, &d.festival, "Annex", 40).await;
    let issue = "mutation($input: IssueScannerTokenInput!) { issueScannerToken(input: $input) { token scanner { id label active venue { name } } } }";
    let issued = app
        .gql(
            Some(&d.festival.admin),
            issue,
            json!({ "input": { "venueId": d.festival.venue, "label": "Gate A, phone 2" } }),
        )
        .await;
    let token = issued
        .data("/issueScannerToken/token")
        .as_str()
        .unwrap()
        .to_owned();
    let scanner_id = issued.data("/issueScannerToken/scanner/id").clone();
    let by_staff = app
        .gql(
            Some(&d.staff),
            issue,
            json!({ "input": { "venueId": d.festival.venue, "label": "Mine" } }),
        )
        .await;

    let admitted = scan(
        &app,
        &token,
        &d.ticket["code"],
        &d.festival.venue,
        Some("A"),
    )
    .await;
    let elsewhere = scan(&app, &token, &d.ticket["code"], &annex, None).await;
    let me = app.gql(Some(&token), "{ me { email } }", json!({})).await;
    let reserve = app
        .gql(
            Some(&token),
            RESERVE,
            json!({ "input": { "itemId": d.item["id"], "quantity": 1 } }),
        )
        .await;
    let listed = app
        .gql(
            Some(&d.festival.admin),
            "query($id: ID!) { scannerTokens(venueId: $id) { id label active } }",
            json!({ "id": d.festival.venue }),
        )
        .await;
    let revoked = app
        .gql(
            Some(&d.festival.admin),
            "mutation($id: ID!) { revokeScannerToken(scannerId: $id) { active revokedAt } }",
            json!({ "id": scanner_id }),
        )
        .await;
    let after_revoke = scan(&app, &token, &d.ticket["code"], &d.festival.venue, None).await;

    assert_eq!(
        issued.data("/issueScannerToken/scanner/venue/name"),
        "Hall 2"
    );
    assert_eq!(by_staff.error_code(), "FORBIDDEN");
    assert_eq!(outcome(&admitted), "ADMITTED");
    assert_eq!(elsewhere.error_code(), "FORBIDDEN");
    assert_eq!(me.data("/me"), &json!(null));
    assert_eq!(reserve.error_code(), "FORBIDDEN");
    assert_eq!(
        listed.data("/scannerTokens"),
        &json!([{ "id": scanner_id, "label": "Gate A, phone 2", "active": true }])
    );
    assert_eq!(revoked.data("/revokeScannerToken/active"), false);
    assert_eq!(
        after_revoke.error_code(),
        "UNAUTHENTICATED",
        "a revoked token stops at once"
    );
    let scanned_by = app
        .gql(Some(&d.festival.admin), "query($id: ID!) { item(id: $id) { scans(outcome: ADMITTED) { edges { node { scanner { label } gate } } } } }", json!({ "id": d.item["id"] }))
        .await;
    assert_eq!(
        scanned_by.data("/item/scans/edges/0/node/scanner/label"),
        "Gate A, phone 2"
    );
}

const RENEW: &str = "mutation($input: RenewScannerTokenInput!) { renewScannerToken(input: $input) { id expiresAt active } }";

/// When the door's scanner `token` is taken: a query only a live scanner
/// token (or door staff) may make.
async fn scanner_works(app: &TestApp, token: &str, venue: &str) -> Gql {
    app.gql(
        Some(token),
        "query($venue: ID!) { scannerManifest(venueId: $venue) { generatedAt } }",
        json!({ "venue": venue }),
    )
    .await
}

async fn renew(app: &TestApp, who: &str, scanner_id: &Value, until: chrono::DateTime<Utc>) -> Gql {
    app.gql(
        Some(who),
        RENEW,
        json!({ "input": { "scannerId": scanner_id, "expiresAt": until.to_rfc3339() } }),
    )
    .await
}

async fn an_organizer_renews_a_live_scanner_token_and_the_phone_scans_on(app: TestApp) {
    let d = door(&app, "renewals", json!({})).await;
    let issue = "mutation($input: IssueScannerTokenInput!) { issueScannerToken(input: $input) { token scanner { id } } }";
    let issued = |expires_at: chrono::DateTime<Utc>| {
        app.gql(
            Some(&d.festival.admin),
            issue,
            json!({ "input": { "venueId": d.festival.venue, "label": "Gate A", "expiresAt": expires_at.to_rfc3339() } }),
        )
    };
    let soon = Utc::now() + Duration::seconds(3);
    let phone = issued(soon).await;
    let token = phone
        .data("/issueScannerToken/token")
        .as_str()
        .unwrap()
        .to_owned();
    let scanner_id = phone.data("/issueScannerToken/scanner/id").clone();
    // The phone scans (this instance now remembers the token's expiry for
    // two seconds), then the organizer renews it before it expires.
    let until = Utc::now() + Duration::days(7);
    tokio::time::sleep(
        (soon - Utc::now() - Duration::milliseconds(1500))
            .to_std()
            .unwrap_or_default(),
    )
    .await;
    scanner_works(&app, &token, &d.festival.venue)
        .await
        .data("/scannerManifest");
    let by_staff = renew(&app, &d.staff, &scanner_id, until).await;
    let too_long = renew(
        &app,
        &d.festival.admin,
        &scanner_id,
        Utc::now() + Duration::days(32),
    )
    .await;
    let renewed = renew(&app, &d.festival.admin, &scanner_id, until).await;
    let earlier = renew(
        &app,
        &d.festival.admin,
        &scanner_id,
        until - Duration::days(1),
    )
    .await;
    tokio::time::sleep(
        (soon - Utc::now() + Duration::milliseconds(300))
            .to_std()
            .unwrap_or_default(),
    )
    .await;
    let after_the_old_expiry = scanner_works(&app, &token, &d.festival.venue).await;

    assert_eq!(by_staff.error_code(), "FORBIDDEN");
    assert_eq!(too_long.error_code(), "BAD_USER_INPUT");
    assert_eq!(too_long.error_field(), "expiresAt");
    assert_eq!(renewed.data("/renewScannerToken/active"), true);
    let renewed_until = renewed
        .data("/renewScannerToken/expiresAt")
        .as_str()
        .unwrap();
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(renewed_until).unwrap(),
        until.trunc_subsecs(6)
    );
    assert_eq!(
        earlier.error_code(),
        "BAD_USER_INPUT",
        "a renewal never shortens"
    );
    assert_eq!(earlier.error_field(), "expiresAt");
    assert!(
        after_the_old_expiry.0.get("errors").is_none(),
        "the same token works past its first expiry, at once: {:?}",
        after_the_old_expiry.0
    );
    assert_eq!(
        outcome(&scan(&app, &token, &d.ticket["code"], &d.festival.venue, None).await),
        "ADMITTED"
    );

    // A revoked or expired token is over: it is not renewed.
    app.gql(
        Some(&d.festival.admin),
        "mutation($id: ID!) { revokeScannerToken(scannerId: $id) { active } }",
        json!({ "id": scanner_id }),
    )
    .await
    .data("/revokeScannerToken");
    let revoked = renew(&app, &d.festival.admin, &scanner_id, until).await;
    let short = issued(Utc::now() + Duration::seconds(1)).await;
    let short_id = short.data("/issueScannerToken/scanner/id").clone();
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let expired = renew(&app, &d.festival.admin, &short_id, until).await;
    for refused in [revoked, expired] {
        assert_eq!(refused.error_code(), "BAD_USER_INPUT");
        assert_eq!(refused.error_field(), "scannerId");
        let message = refused.0["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("issue a new one"), "{message}");
    }
    assert_eq!(
        scanner_works(&app, &token, &d.festival.venue)
            .await
            .error_code(),
        "UNAUTHENTICATED"
    );
}

async fn a_changed_venue_is_seen_at_the_door_at_once_and_its_capacity_on_every_instance(
    app: TestApp,
) {
    let d = door(&app, "changed-venue", json!({})).await;
    let second = buy(&app, &app.attendee("second@example.org").await, &d.item).await;
    let third = buy(&app, &app.attendee("third@example.org").await, &d.item).await;
    // Another instance of the same database, with its own memory.
    let elsewhere = app.another_instance().await;
    let hall = d.festival.venue.as_str();
    // Both instances have read the venue: 300 places, gates A and B.
    assert_eq!(
        outcome(&scan(&app, &d.staff, &d.ticket["code"], hall, Some("B")).await),
        "ADMITTED"
    );
    assert_eq!(
        outcome(&scan(&elsewhere, &d.staff, &second["code"], hall, Some("A")).await),
        "ADMITTED"
    );

    let changed = app
        .gql(
            Some(&d.festival.admin),
            "mutation($input: UpdateVenueInput!) { updateVenue(input: $input) { capacity gates } }",
            json!({ "input": { "venueId": hall, "capacity": 2, "gates": ["A", "C"], "name": "Hall 2 (upstairs)" } }),
        )
        .await;
    assert_eq!(changed.data("/updateVenue/capacity"), 2);

    let here = scan(&app, &d.staff, &third["code"], hall, Some("C")).await;
    let there = scan(&elsewhere, &d.staff, &third["code"], hall, Some("A")).await;
    assert_eq!(
        outcome(&here),
        "VENUE_FULL",
        "the new gate and capacity at once here"
    );
    assert_eq!(
        outcome(&there),
        "VENUE_FULL",
        "the new capacity at once on every instance"
    );
    for answer in [&here, &there] {
        let message = answer.data("/checkIn/message").as_str().unwrap();
        assert!(message.contains("Hall 2 (upstairs)"), "{message}");
    }
    let started = std::time::Instant::now();
    loop {
        let answer = scan(&elsewhere, &d.staff, &third["code"], hall, Some("C")).await;
        if answer.0.get("errors").is_none() {
            assert_eq!(outcome(&answer), "VENUE_FULL");
            break;
        }
        assert_eq!(answer.error_field(), "gate");
        assert!(
            started.elapsed() < std::time::Duration::from_millis(2_500),
            "the other instance takes the new gates within two seconds"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let admitted = admitted(&app, d.item["id"].as_str().unwrap()).await;
    assert_eq!(admitted, 2);
}

async fn every_scan_is_recorded_for_the_organizers(app: TestApp) {
    let d = door(&app, "records", json!({})).await;
    for gate in ["A", "B", "A", "B", "A"] {
        scan(
            &app,
            &d.staff,
            &d.ticket["code"],
            &d.festival.venue,
            Some(gate),
        )
        .await
        .data("/checkIn");
    }
    let query = "query($id: ID!, $outcome: CheckInOutcome, $first: Int, $after: String) {
        item(id: $id) { scans(outcome: $outcome, first: $first, after: $after) {
            totalCount pageInfo { hasNextPage endCursor } edges { node { outcome gate offline conflict ticket { id } scannedAt } } } }
    }";

    let all = app
        .gql(
            Some(&d.festival.admin),
            query,
            json!({ "id": d.item["id"] }),
        )
        .await;
    let repeats = app
        .gql(
            Some(&d.festival.admin),
            query,
            json!({ "id": d.item["id"], "outcome": "ALREADY_CHECKED_IN", "first": 3 }),
        )
        .await;
    let after = repeats.data("/item/scans/pageInfo/endCursor").clone();
    let rest = app
        .gql(Some(&d.festival.admin), query, json!({ "id": d.item["id"], "outcome": "ALREADY_CHECKED_IN", "first": 3, "after": after }))
        .await;
    let by_staff = app
        .gql(Some(&d.staff), query, json!({ "id": d.item["id"] }))
        .await;

    assert_eq!(all.data("/item/scans/totalCount"), 5);
    let last = &all.data("/item/scans/edges").as_array().unwrap()[4]["node"];
    assert_eq!(
        last["outcome"], "ADMITTED",
        "newest first: the admitting scan is the oldest"
    );
    assert_eq!(last["ticket"]["id"], d.ticket["id"]);
    assert_eq!(repeats.data("/item/scans/totalCount"), 4);
    assert_eq!(repeats.data("/item/scans/pageInfo/hasNextPage"), true);
    assert_eq!(rest.data("/item/scans/edges").as_array().unwrap().len(), 1);
    assert_eq!(by_staff.error_code(), "FORBIDDEN");
}

async fn offline_scans_are_ordered_by_scan_time_and_answered_once(app: TestApp) {
    let d = door(&app, "offline", json!({})).await;
    let second = buy(&app, &app.attendee("second@example.org").await, &d.item).await;
    let cancelled = buy(&app, &app.attendee("gone@example.org").await, &d.item).await;
    let gone = app.login("gone@example.org").await;
    cancel(&app, &gone, &cancelled["id"]).await;
    let manifest = app
        .gql(
            Some(&d.staff),
            "query($id: ID!) { scannerManifest(venueId: $id) { venue { name } items { id } cancelledTicketIds checkedInTicketIds jwks generatedAt } }",
            json!({ "id": d.festival.venue }),
        )
        .await;
    // Online, the ticket is admitted now; offline, a device had admitted it two minutes earlier.
    scan(
        &app,
        &d.staff,
        &d.ticket["code"],
        &d.festival.venue,
        Some("A"),
    )
    .await
    .data("/checkIn");
    let at = |minutes_ago: i64| (Utc::now() - Duration::minutes(minutes_ago)).to_rfc3339();
    let scans = json!([
        { "clientScanId": "phone-1", "code": d.ticket["code"], "venueId": d.festival.venue, "gate": "B", "scannedAt": at(2) },
        { "clientScanId": "phone-2", "code": d.ticket["code"], "venueId": d.festival.venue, "gate": "B", "scannedAt": at(1) },
        { "clientScanId": "phone-3", "code": second["code"], "venueId": d.festival.venue, "gate": "B", "scannedAt": at(3) },
        { "clientScanId": "phone-4", "code": cancelled["code"], "venueId": d.festival.venue, "scannedAt": at(3) },
    ]);

    let synced = app
        .gql(Some(&d.staff), SYNC, json!({ "scans": scans }))
        .await;
    let again = app
        .gql(Some(&d.staff), SYNC, json!({ "scans": scans }))
        .await;

    assert_eq!(manifest.data("/scannerManifest/venue/name"), "Hall 2");
    assert_eq!(manifest.data("/scannerManifest/items/0/id"), &d.item["id"]);
    assert_eq!(
        manifest.data("/scannerManifest/cancelledTicketIds"),
        &json!([cancelled["id"]])
    );
    assert!(
        manifest
            .data("/scannerManifest/jwks")
            .as_str()
            .unwrap()
            .contains("Ed25519")
    );
    let results = synced.data("/syncOfflineScans").as_array().unwrap().clone();
    let summary: Vec<(String, bool)> = results
        .iter()
        .map(|r| {
            (
                r["result"]["outcome"].as_str().unwrap().to_owned(),
                r["conflict"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("ADMITTED".to_owned(), false),
            ("ALREADY_CHECKED_IN".to_owned(), true),
            ("ADMITTED".to_owned(), false),
            ("CANCELLED".to_owned(), true),
        ]
    );
    assert_eq!(
        results[0]["result"]["ticket"]["checkedInGate"], "B",
        "checkedInAt moved to the earliest admitted scan"
    );
    let checked_in_at = chrono::DateTime::parse_from_rfc3339(
        results[0]["result"]["ticket"]["checkedInAt"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert!(checked_in_at < Utc::now() - Duration::seconds(90));
    assert_eq!(
        again.data("/syncOfflineScans"),
        synced.data("/syncOfflineScans"),
        "a re-sent upload gets the same answers"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM scan WHERE offline").await,
        4,
        "and is not recorded twice"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM scan WHERE conflict").await,
        3,
        "the later online admission is now a conflict"
    );
    let admitted = admitted(&app, d.item["id"].as_str().unwrap()).await;
    assert_eq!(admitted, 2);
    let future = json!([{ "clientScanId": "phone-9", "code": d.ticket["code"], "venueId": d.festival.venue, "scannedAt": (Utc::now() + Duration::hours(1)).to_rfc3339() }]);
    let refused = app
        .gql(Some(&d.staff), SYNC, json!({ "scans": future }))
        .await;
    assert_eq!(refused.error_field(), "scans[0].scannedAt");
}

async fn hostile_codes_are_invalid_never_internal(app: TestApp) {
    let d = door(&app, "hostile", json!({})).await;
    let code = d.ticket["code"].as_str().unwrap();
    let (signed, signature) = code.rsplit_once('.').unwrap();
    let (header, payload) = signed.split_once('.').unwrap();
    let flipped = |letter: &str| if letter == "A" { "B" } else { "A" };
    let hostile = [
        String::new(),
        "A".repeat(10 * 1024),
        "\u{fffd}\u{7f}ÿþ".to_owned(),
        format!("eyJhbGciOiJub25lIn0.{payload}."),
        format!("eyJhbGciOiJIUzI1NiIsImtpZCI6IngifQ.{payload}.{signature}"),
        format!("{signed}.{}", &signature[..40]),
        format!("{signed}.{}", signature.chars().rev().collect::<String>()),
        format!("{signed}.{}{}", flipped(&signature[..1]), &signature[1..]),
        format!(
            "{header}.{}.{signature}",
            URL_SAFE_NO_PAD.encode(r#"{"t":"x","i":"y"}"#)
        ),
        "' OR 1=1; DROP TABLE ticket; --".to_owned(),
        format!("{code}.{code}"),
    ];
    for code in &hostile {
        let response = scan(&app, &d.staff, &json!(code), &d.festival.venue, None).await;
        assert_eq!(outcome(&response), "INVALID_CODE", "{code:?}");
    }
    let with_nul = scan(&app, &d.staff, &json!("\u{0}ÿþ"), &d.festival.venue, None).await;
    assert_eq!(
        with_nul.error_code(),
        "BAD_USER_INPUT",
        "no string holds a NUL"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM scan WHERE outcome = 'INVALID_CODE'")
            .await,
        hostile.len() as i64
    );
    assert_eq!(
        outcome(&scan(&app, &d.staff, &d.ticket["code"], &d.festival.venue, None).await),
        "ADMITTED"
    );
}

async fn a_ticket_of_another_festival_is_unknown_there_and_stays_out_of_its_record(app: TestApp) {
    let a = door(&app, "festival-a", json!({})).await;
    let b = festival(&app, "festival-b").await;
    let b_staff = app
        .user_with(
            "staff-b@example.org",
            &[RoleGrant::new(Role::DoorStaff, Some(b.id.parse().unwrap()), None).unwrap()],
        )
        .await;
    let b_device = app
        .gql(
            Some(&b.admin),
            "mutation($input: IssueScannerTokenInput!) { issueScannerToken(input: $input) { token } }",
            json!({ "input": { "venueId": b.venue, "label": "Festival B phone" } }),
        )
        .await
        .data("/issueScannerToken/token")
        .as_str()
        .unwrap()
        .to_owned();
    let at_a = scan(
        &app,
        &a.staff,
        &a.ticket["code"],
        &a.festival.venue,
        Some("A"),
    )
    .await;
    assert_eq!(outcome(&at_a), "ADMITTED");

    let by_device = scan(&app, &b_device, &a.ticket["code"], &b.venue, Some("A")).await;
    let by_staff = scan(&app, &b_staff, &a.ticket["code"], &b.venue, None).await;
    let offline = app
        .gql(
            Some(&b_staff),
            SYNC,
            json!({ "scans": [{ "clientScanId": "b-1", "code": a.ticket["code"], "venueId": b.venue, "scannedAt": Utc::now().to_rfc3339() }] }),
        )
        .await;

    let refusal = json!({
        "outcome": "UNKNOWN_TICKET",
        "admitted": false,
        "message": "Unknown ticket: this is not a ticket of this festival.",
        "firstCheckIn": null,
        "ticket": null,
    });
    assert_eq!(
        by_device.data("/checkIn"),
        &refusal,
        "no name, no item, no status"
    );
    assert_eq!(by_staff.data("/checkIn"), &refusal);
    assert_eq!(
        offline.data("/syncOfflineScans/0/result"),
        &json!({ "outcome": "UNKNOWN_TICKET", "admitted": false, "message": refusal["message"], "ticket": null })
    );
    let a_record = app
        .gql(
            Some(&a.festival.admin),
            "query($id: ID!) { item(id: $id) { scans { totalCount edges { node { outcome scanner { label } } } } } }",
            json!({ "id": a.item["id"] }),
        )
        .await;
    assert_eq!(
        a_record.data("/item/scans"),
        &json!({ "totalCount": 1, "edges": [{ "node": { "outcome": "ADMITTED", "scanner": null } }] }),
        "festival A's record holds its own scan only"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM scan WHERE venue_id = {} AND outcome = 'UNKNOWN_TICKET' \
             AND ticket_id IS NULL AND item_id IS NULL",
            app.uuid(&b.venue)
        ))
        .await,
        3,
        "festival B's record has the three scans, at its venue"
    );
    let tickets = app
        .gql(
            Some(&a.attendee),
            "{ myTickets { status checkedInGate } }",
            json!({}),
        )
        .await;
    assert_eq!(
        tickets.data("/myTickets"),
        &json!([{ "status": "CHECKED_IN", "checkedInGate": "A" }])
    );
}

const CHECK_IN_ONCE: &str = "mutation($input: CheckInInput!) {
    checkIn(input: $input) { outcome admitted message firstCheckIn { at gate } ticket { id status checkedInAt checkedInGate } }
}";

async fn a_scan_sent_again_with_its_client_scan_id_gets_the_first_answer(app: TestApp) {
    let d = door(&app, "retries", json!({})).await;
    let other_staff = app
        .user_with(
            "other-staff@example.org",
            &[
                RoleGrant::new(Role::DoorStaff, Some(d.festival.id.parse().unwrap()), None)
                    .unwrap(),
            ],
        )
        .await;
    let input = |gate: &str, id: Value| json!({ "input": { "code": d.ticket["code"], "venueId": d.festival.venue, "gate": gate, "clientScanId": id } });

    // The first answer is lost on the way (a crash, a dropped connection):
    // the scanner sends the scan again with the same id.
    let first = app
        .gql(
            Some(&d.staff),
            CHECK_IN_ONCE,
            input("A", json!("gate-a:42")),
        )
        .await;
    let again = app
        .gql(
            Some(&d.staff),
            CHECK_IN_ONCE,
            input("A", json!(" gate-a:42 ")),
        )
        .await;
    let same_id_elsewhere = app
        .gql(
            Some(&other_staff),
            CHECK_IN_ONCE,
            input("B", json!("gate-a:42")),
        )
        .await;
    let without_id = app
        .gql(Some(&d.staff), CHECK_IN_ONCE, input("B", json!(null)))
        .await;
    let empty = app
        .gql(Some(&d.staff), CHECK_IN_ONCE, input("A", json!(" ")))
        .await;
    let long = app
        .gql(
            Some(&d.staff),
            CHECK_IN_ONCE,
            input("A", json!("x".repeat(101))),
        )
        .await;

    assert_eq!(first.data("/checkIn/outcome"), "ADMITTED");
    assert_eq!(
        again.data("/checkIn"),
        first.data("/checkIn"),
        "the same answer, checkedInAt included"
    );
    assert_eq!(
        same_id_elsewhere.data("/checkIn/outcome"),
        "ALREADY_CHECKED_IN",
        "ids are the scanner's own"
    );
    assert_eq!(without_id.data("/checkIn/outcome"), "ALREADY_CHECKED_IN");
    for refused in [&empty, &long] {
        assert_eq!(refused.error_code(), "BAD_USER_INPUT");
        assert_eq!(refused.error_field(), "clientScanId");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM scan").await, 3);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM scan WHERE outcome = 'ADMITTED'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM scan WHERE offline").await,
        0,
        "online scans with an id are still online"
    );
}

async fn concurrent_copies_of_one_scan_get_one_answer_and_one_record(app: TestApp) {
    let d = door(&app, "copies", json!({})).await;
    let input = json!({ "input": { "code": d.ticket["code"], "venueId": d.festival.venue, "gate": "A", "clientScanId": "gate-a:7" } });

    let answers =
        join_all((0..8).map(|_| app.gql(Some(&d.staff), CHECK_IN_ONCE, input.clone()))).await;

    let first = answers[0].data("/checkIn");
    assert_eq!(first["outcome"], "ADMITTED");
    for answer in &answers {
        assert_eq!(answer.data("/checkIn"), first);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM scan").await, 1);
    let admitted = admitted(&app, d.item["id"].as_str().unwrap()).await;
    assert_eq!(admitted, 1);
}

async fn a_failure_in_the_middle_of_a_door_batch_leaves_nothing(app: TestApp) {
    let d = door(&app, "sabotaged-door", json!({})).await;
    // An admission marks the ticket used and raises the item's count of
    // people inside before the scan is recorded: the record failing must
    // take both back.
    app.refuse_inserts_into("scan").await;

    let failed = scan(&app, &d.staff, &d.ticket["code"], &d.festival.venue, None).await;

    assert_eq!(failed.error_code(), "INTERNAL", "{:?}", failed.0);
    assert_eq!(app.count("SELECT COUNT(*) FROM scan").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM ticket WHERE checked_in_at IS NOT NULL")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT SUM(admitted) FROM programme_item").await,
        0
    );

    app.allow_inserts_into("scan").await;
    let admitted = scan(&app, &d.staff, &d.ticket["code"], &d.festival.venue, None).await;
    assert_eq!(outcome(&admitted), "ADMITTED");
    assert_eq!(
        app.count("SELECT SUM(admitted) FROM programme_item").await,
        1
    );
}

async fn a_renewal_racing_a_revocation_never_brings_the_token_back(app: TestApp) {
    let d = door(&app, "renew-revoke", json!({})).await;
    let issue = "mutation($input: IssueScannerTokenInput!) { issueScannerToken(input: $input) { token scanner { id } } }";
    let revoke = "mutation($id: ID!) { revokeScannerToken(scannerId: $id) { active revokedAt } }";
    let mut phones = Vec::new();
    for n in 0..8 {
        let issued = app
            .gql(
                Some(&d.festival.admin),
                issue,
                json!({ "input": { "venueId": d.festival.venue, "label": format!("Phone {n}") } }),
            )
            .await;
        phones.push((
            issued
                .data("/issueScannerToken/token")
                .as_str()
                .unwrap()
                .to_owned(),
            issued.data("/issueScannerToken/scanner/id").clone(),
        ));
    }
    let until = Utc::now() + Duration::days(7);

    let (app, admin) = (&app, d.festival.admin.as_str());
    let races = join_all(phones.iter().map(|(_, id)| async move {
        tokio::join!(
            renew(app, admin, id, until),
            app.gql(Some(admin), revoke, json!({ "id": id })),
        )
    }))
    .await;

    for ((token, id), (renewed, revoked)) in phones.iter().zip(&races) {
        assert_eq!(revoked.data("/revokeScannerToken/active"), false);
        if renewed.0["errors"].is_null() {
            assert_eq!(
                renewed.data("/renewScannerToken/id"),
                id,
                "renewed before it was revoked"
            );
        } else {
            assert_eq!(renewed.error_code(), "BAD_USER_INPUT", "{renewed:?}");
            assert_eq!(renewed.error_field(), "scannerId");
        }
        assert_eq!(
            scanner_works(app, token, &d.festival.venue)
                .await
                .error_code(),
            "UNAUTHENTICATED",
            "revoked, whichever came first"
        );
    }
}
