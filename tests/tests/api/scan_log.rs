//! What organizers read of the door: when each scanner device last
//! scanned, and an item's scans filtered by gate.

use serde_json::{Value, json};

use usher_tests::TestApp;
use usher_tests::catalogue::{Festival, create_item, festival};
use usher_tests::door::scan;
use usher_tests::on_both_databases;
use usher_tests::tickets::buy;

on_both_databases!(
    a_scanner_device_shows_when_it_last_scanned,
    an_items_scans_filter_by_gate_and_outcome,
);

/// A scanner device at the festival's venue: (token, id).
async fn device(app: &TestApp, festival: &Festival, label: &str) -> (String, String) {
    let issued = app
        .gql(
            Some(&festival.admin),
            "mutation($input: IssueScannerTokenInput!) { issueScannerToken(input: $input) { token scanner { id } } }",
            json!({ "input": { "venueId": festival.venue, "label": label } }),
        )
        .await;
    let text = |pointer: &str| issued.data(pointer).as_str().unwrap().to_owned();
    (
        text("/issueScannerToken/token"),
        text("/issueScannerToken/scanner/id"),
    )
}

async fn devices(app: &TestApp, festival: &Festival) -> Vec<Value> {
    app.gql(
        Some(&festival.admin),
        "query($venue: ID!) { scannerTokens(venueId: $venue) { id label lastScanAt } }",
        json!({ "venue": festival.venue }),
    )
    .await
    .data("/scannerTokens")
    .as_array()
    .unwrap()
    .clone()
}

fn last_scan_of<'a>(devices: &'a [Value], id: &str) -> &'a Value {
    &devices
        .iter()
        .find(|device| device["id"] == id)
        .unwrap_or_else(|| panic!("{id} in {devices:?}"))["lastScanAt"]
}

async fn a_scanner_device_shows_when_it_last_scanned(app: TestApp) {
    let festival = festival(&app, "last-scans").await;
    let item = create_item(&app, &festival, 10, json!({})).await;
    let (gate_a, gate_a_id) = device(&app, &festival, "Gate A, phone 1").await;
    let (_, idle_id) = device(&app, &festival, "Gate B, phone 2").await;
    let before = devices(&app, &festival).await;
    let attendee = app.attendee("fan@example.org").await;
    let first = buy(&app, &attendee, &item).await;
    let started = chrono::Utc::now() - chrono::Duration::seconds(1);

    scan(&app, &gate_a, &first["code"], &festival.venue, Some("A"))
        .await
        .data("/checkIn");
    let after_one = devices(&app, &festival).await;
    scan(&app, &gate_a, &first["code"], &festival.venue, Some("A"))
        .await
        .data("/checkIn");
    let after_two = devices(&app, &festival).await;

    assert_eq!(*last_scan_of(&before, &gate_a_id), Value::Null);
    assert_eq!(
        *last_scan_of(&after_one, &idle_id),
        Value::Null,
        "never scanned"
    );
    let at = |devices: &[Value]| {
        chrono::DateTime::parse_from_rfc3339(last_scan_of(devices, &gate_a_id).as_str().unwrap())
            .unwrap()
    };
    assert!(at(&after_one) >= started, "{after_one:?}");
    assert!(
        at(&after_two) >= at(&after_one),
        "the latest scan, refused or not"
    );
}

async fn scans(app: &TestApp, festival: &Festival, item: &Value, args: &str) -> Value {
    let answer = app
        .gql(
            Some(&festival.admin),
            &format!(
                "query($id: ID!) {{ item(id: $id) {{ scans({args}) {{ totalCount edges {{ node {{ gate outcome }} }} }} }} }}"
            ),
            json!({ "id": item["id"] }),
        )
        .await;
    answer.0.clone()
}

async fn an_items_scans_filter_by_gate_and_outcome(app: TestApp) {
    let festival = festival(&app, "gates").await;
    let item = create_item(&app, &festival, 10, json!({})).await;
    let attendee = app.attendee("fan@example.org").await;
    let one = buy(&app, &attendee, &item).await;
    let two = buy(&app, &attendee, &item).await;
    let staff = &festival.admin;
    scan(&app, staff, &one["code"], &festival.venue, Some("A"))
        .await
        .data("/checkIn");
    scan(&app, staff, &two["code"], &festival.venue, Some("B"))
        .await
        .data("/checkIn");
    scan(&app, staff, &one["code"], &festival.venue, Some("B"))
        .await
        .data("/checkIn");
    scan(&app, staff, &two["code"], &festival.venue, None)
        .await
        .data("/checkIn");

    let all = scans(&app, &festival, &item, "first: 10").await;
    let gate_a = scans(&app, &festival, &item, "gate: \"A\"").await;
    let gate_b = scans(&app, &festival, &item, "gate: \"B\", first: 1").await;
    let gate_b_again = scans(
        &app,
        &festival,
        &item,
        "gate: \"B\", outcome: ALREADY_CHECKED_IN",
    )
    .await;
    let no_such_gate = scans(&app, &festival, &item, "gate: \"Z\"").await;
    let bad_gate = app
        .gql(
            Some(&festival.admin),
            "query($id: ID!, $gate: String) { item(id: $id) { scans(gate: $gate) { totalCount } } }",
            json!({ "id": item["id"], "gate": "A\u{7}" }),
        )
        .await;

    assert_eq!(all["data"]["item"]["scans"]["totalCount"], 4);
    assert_eq!(gate_a["data"]["item"]["scans"]["totalCount"], 1);
    assert_eq!(
        gate_a["data"]["item"]["scans"]["edges"][0]["node"],
        json!({ "gate": "A", "outcome": "ADMITTED" })
    );
    assert_eq!(gate_b["data"]["item"]["scans"]["totalCount"], 2);
    assert_eq!(
        gate_b["data"]["item"]["scans"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "a page of one"
    );
    assert_eq!(
        gate_b_again["data"]["item"]["scans"]["edges"],
        json!([{ "node": { "gate": "B", "outcome": "ALREADY_CHECKED_IN" } }])
    );
    assert_eq!(no_such_gate["data"]["item"]["scans"]["totalCount"], 0);
    assert_eq!(bad_gate.error_code(), "BAD_USER_INPUT");
    assert_eq!(bad_gate.error_field(), "gate");
}
