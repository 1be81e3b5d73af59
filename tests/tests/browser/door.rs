//! The door app (/door) as door staff use it: a phone paired through its
//! pairing link, the camera reading a real ticket's QR code, a
//! keyboard-wedge scanner, offline scans kept through a reload and synced,
//! undo, signing in with a personal account, and Chinese.
//!
//! With `USHER_SCREENSHOTS=DIR` the tests leave the README's screenshots
//! in DIR.

use std::time::Duration;

use serde_json::{Value, json};
use usher_domain::roles::{Role, RoleGrant};
use usher_tests::browser::{Browser, BrowserOptions, Window, with_camera_on_ticket};
use usher_tests::catalogue::{self, Festival};
use usher_tests::{PASSWORD, TestApp, on_both_databases_in_a_browser};

const WAIT: Duration = Duration::from_secs(15);

on_both_databases_in_a_browser!(
    a_paired_phone_admits_a_ticket_its_camera_reads_and_refuses_it_the_second_time,
    offline_scans_survive_a_reload_and_are_synced_when_the_network_is_back,
    a_server_slower_than_two_seconds_is_offline_and_the_scan_is_recorded_once,
    the_door_speaks_chinese_in_a_chinese_browser_and_switches_language,
    undo_takes_an_admission_back_on_the_server,
    door_staff_sign_in_with_their_own_account_and_scan,
    the_bundled_ed25519_accepts_real_codes_and_refuses_forged_ones,
    a_paired_phone_adds_a_walk_up_and_calls_the_standby_line_in,
);

/// A festival with an item whose doors are open now, a scanner token for
/// its venue, and `tickets` tickets of an attendee.
struct Door {
    festival: Festival,
    item: Value,
    tickets: Vec<Value>,
    attendee: String,
    pairing_url: String,
}

async fn door(app: &TestApp, tickets: usize) -> Door {
    let festival = catalogue::festival(app, "door-app").await;
    let item = catalogue::create_item(app, &festival, 20, json!({})).await;
    let attendee = app.attendee("holder@example.com").await;
    let names = &["Nguyen Van An", "Siti Rahma"][..tickets];
    let reserved = app
        .gql(
            Some(&attendee),
            "mutation($input: ReserveTicketsInput!) { reserveTickets(input: $input) { tickets { id code } } }",
            json!({ "input": { "itemId": item["id"], "quantity": tickets, "holderNames": names } }),
        )
        .await;
    let issued = app
        .gql(
            Some(&festival.admin),
            "mutation($input: IssueScannerTokenInput!) { issueScannerToken(input: $input) { pairingUrl } }",
            json!({ "input": { "venueId": festival.venue, "label": "Gate A, phone 1", "gate": "A" } }),
        )
        .await;
    Door {
        tickets: reserved
            .data("/reserveTickets/tickets")
            .as_array()
            .unwrap()
            .clone(),
        pairing_url: issued
            .data("/issueScannerToken/pairingUrl")
            .as_str()
            .unwrap()
            .to_owned(),
        festival,
        item,
        attendee,
    }
}

/// The scans the server recorded for the item, oldest first.
async fn recorded_scans(app: &TestApp, door: &Door) -> Vec<Value> {
    let scans = app
        .gql(
            Some(&door.festival.admin),
            "query($id: ID!) { item(id: $id) { scans(first: 50) { edges { node {
                outcome offline gate scanner { label } ticket { id status } } } } } }",
            json!({ "id": door.item["id"] }),
        )
        .await;
    let mut scans: Vec<Value> = scans
        .data("/item/scans/edges")
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"].clone())
        .collect();
    scans.reverse();
    scans
}

/// Opens the pairing link and waits until the phone holds the manifest.
async fn pair(browser: &Browser, door: &Door) {
    browser.goto(&door.pairing_url).await.unwrap();
    browser
        .wait_for_attribute("html", "data-online", "true", WAIT)
        .await
        .unwrap();
    browser
        .wait_until("return !!document.documentElement.dataset.manifest;", WAIT)
        .await
        .unwrap();
}

/// Waits for the `n`th answer since the page opened and returns its outcome.
async fn answer(browser: &Browser, n: usize) -> String {
    browser
        .wait_for_attribute("#answer", "data-answers", &n.to_string(), WAIT)
        .await
        .unwrap();
    browser
        .attribute("#answer", "data-outcome")
        .await
        .unwrap()
        .unwrap_or_default()
}

async fn a_paired_phone_admits_a_ticket_its_camera_reads_and_refuses_it_the_second_time(
    app: TestApp,
) {
    let door = door(&app, 1).await;
    let ticket = &door.tickets[0];
    let (browser, _camera) =
        with_camera_on_ticket(&app, ticket["id"].as_str().unwrap(), &door.attendee)
            .await
            .unwrap();

    browser.goto(&door.pairing_url).await.unwrap();
    let from_camera = answer(&browser, 1).await;
    let url_after_pairing = browser.current_url().await.unwrap();
    let shown = (
        browser.text("#answer-holder").await.unwrap(),
        browser.text("#answer-message").await.unwrap(),
        browser.attribute("#answer", "data-colour").await.unwrap(),
    );
    browser
        .screenshot_for_readme("door-admitted")
        .await
        .unwrap();
    // The camera still sees the same code: it is not sent again.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let answers_while_in_view = browser.attribute("#answer", "data-answers").await.unwrap();
    // The same code from a keyboard-wedge scanner: typed into the page, then Enter.
    browser
        .send_keys_to_page(&format!("{}\n", ticket["code"].as_str().unwrap()))
        .await
        .unwrap();
    let from_wedge = answer(&browser, 2).await;
    let colour_again = browser.attribute("#answer", "data-colour").await.unwrap();
    browser
        .screenshot_for_readme("door-already-in")
        .await
        .unwrap();
    let scans = recorded_scans(&app, &door).await;

    assert_eq!(from_camera, "ADMITTED");
    assert_eq!(
        url_after_pairing,
        app.url("/door"),
        "the token leaves the address bar"
    );
    assert_eq!(shown.0, "Nguyen Van An");
    assert!(
        shown.1.starts_with("Admitted: Nguyen Van An for Ròm"),
        "{shown:?}"
    );
    assert_eq!(shown.2.as_deref(), Some("green"));
    assert_eq!(answers_while_in_view.as_deref(), Some("1"));
    assert_eq!(from_wedge, "ALREADY_CHECKED_IN");
    assert_eq!(colour_again.as_deref(), Some("amber"));
    let outcomes: Vec<&Value> = scans.iter().map(|scan| &scan["outcome"]).collect();
    assert_eq!(outcomes, ["ADMITTED", "ALREADY_CHECKED_IN"]);
    assert_eq!(scans[0]["scanner"]["label"], "Gate A, phone 1");
    assert_eq!(scans[0]["gate"], "A", "the device's gate, chosen by no one");
    assert_eq!(scans[0]["offline"], false);
}

async fn offline_scans_survive_a_reload_and_are_synced_when_the_network_is_back(app: TestApp) {
    let door = door(&app, 2).await;
    let browser = Browser::launch(BrowserOptions::default()).await.unwrap();
    pair(&browser, &door).await;
    browser.set_offline(true).await.unwrap();
    browser
        .send_keys_to_page(&format!("{}\n", door.tickets[0]["code"].as_str().unwrap()))
        .await
        .unwrap();
    let offline = answer(&browser, 1).await;
    let offline_note_shown = browser.text("#answer-offline").await.unwrap();
    // A forged code: the phone refuses it alone.
    let forged = forge(door.tickets[1]["code"].as_str().unwrap());
    browser
        .send_keys_to_page(&format!("{forged}\n"))
        .await
        .unwrap();
    let forged_outcome = answer(&browser, 2).await;
    browser.click("#answer").await.unwrap();
    let state = (
        browser.attribute("html", "data-online").await.unwrap(),
        browser
            .attribute("html", "data-pending-sync")
            .await
            .unwrap(),
        browser.text("#banner").await.unwrap(),
    );
    browser.screenshot_for_readme("door-offline").await.unwrap();
    let recorded_while_offline = recorded_scans(&app, &door).await.len();

    browser.reload().await.unwrap();
    browser
        .wait_until("return !!document.documentElement.dataset.manifest;", WAIT)
        .await
        .unwrap();
    let pending_after_reload = browser
        .attribute("html", "data-pending-sync")
        .await
        .unwrap();
    // The same ticket again, still offline: this phone admitted it already.
    browser
        .send_keys_to_page(&format!("{}\n", door.tickets[0]["code"].as_str().unwrap()))
        .await
        .unwrap();
    let again = answer(&browser, 1).await;

    browser.set_offline(false).await.unwrap();
    browser
        .wait_for_attribute("html", "data-pending-sync", "0", WAIT)
        .await
        .unwrap();
    browser
        .wait_for_attribute("html", "data-online", "true", WAIT)
        .await
        .unwrap();
    let scans = recorded_scans(&app, &door).await;

    assert_eq!(offline, "ADMITTED");
    assert_eq!(offline_note_shown, "Decided on this phone (offline)");
    assert_eq!(forged_outcome, "INVALID_CODE");
    assert_eq!(state.0.as_deref(), Some("false"));
    assert_eq!(state.1.as_deref(), Some("2"));
    assert_eq!(
        state.2,
        "Offline: this phone decides alone. 2 scans wait to be sent."
    );
    assert_eq!(recorded_while_offline, 0);
    assert_eq!(pending_after_reload.as_deref(), Some("2"));
    assert_eq!(again, "ALREADY_CHECKED_IN");
    let seen: Vec<(&Value, &Value)> = scans
        .iter()
        .map(|scan| (&scan["outcome"], &scan["offline"]))
        .collect();
    // The forged code names no item the server can trust: it is recorded,
    // but not among the item's scans.
    assert_eq!(
        seen,
        [
            (&json!("ADMITTED"), &json!(true)),
            (&json!("ALREADY_CHECKED_IN"), &json!(true)),
        ]
    );
    assert_eq!(scans[0]["ticket"]["status"], "CHECKED_IN");
}

async fn a_server_slower_than_two_seconds_is_offline_and_the_scan_is_recorded_once(app: TestApp) {
    let door = door(&app, 1).await;
    let browser = Browser::launch(BrowserOptions::default()).await.unwrap();
    pair(&browser, &door).await;
    let network = |latency: u32| json!({ "offline": false, "latency": latency, "downloadThroughput": -1, "uploadThroughput": -1 });
    browser.cdp("Network.enable", json!({})).await.unwrap();
    browser
        .cdp("Network.emulateNetworkConditions", network(10_000))
        .await
        .unwrap();
    let started = std::time::Instant::now();
    browser
        .send_keys_to_page(&format!("{}\n", door.tickets[0]["code"].as_str().unwrap()))
        .await
        .unwrap();
    let outcome = answer(&browser, 1).await;
    let waited = started.elapsed();
    let decided_offline = browser.text("#answer-offline").await.unwrap();
    let pending = browser
        .attribute("html", "data-pending-sync")
        .await
        .unwrap();
    browser
        .cdp("Network.emulateNetworkConditions", network(0))
        .await
        .unwrap();
    browser
        .wait_for_attribute("html", "data-pending-sync", "0", WAIT)
        .await
        .unwrap();
    let scans = recorded_scans(&app, &door).await;
    let conflicts_hidden = browser
        .execute("return document.getElementById('conflicts').hidden;", &[])
        .await
        .unwrap();

    assert_eq!(outcome, "ADMITTED");
    assert!(
        waited >= Duration::from_secs(2) && waited < Duration::from_secs(8),
        "decided alone once 2 s had passed, not after the 10 s answer: {waited:?}"
    );
    assert_eq!(decided_offline, "Decided on this phone (offline)");
    assert_eq!(pending.as_deref(), Some("1"));
    let outcomes: Vec<&Value> = scans.iter().map(|scan| &scan["outcome"]).collect();
    assert_eq!(
        outcomes,
        ["ADMITTED"],
        "one record, whichever copy arrived first"
    );
    assert_eq!(conflicts_hidden, true);
}

/// `code` with its signature's first character changed.
fn forge(code: &str) -> String {
    let (signed, signature) = code.rsplit_once('.').unwrap();
    let first = if signature.starts_with('A') { 'B' } else { 'A' };
    format!("{signed}.{first}{}", &signature[1..])
}

async fn the_door_speaks_chinese_in_a_chinese_browser_and_switches_language(app: TestApp) {
    let door = door(&app, 2).await;
    let browser = Browser::launch(BrowserOptions {
        language: "zh-CN".to_owned(),
        dark: true,
        ..BrowserOptions::default()
    })
    .await
    .unwrap();
    pair(&browser, &door).await;
    let status = browser.text("#status").await.unwrap();
    browser
        .type_into(
            "#code",
            &format!("{}\n", door.tickets[0]["code"].as_str().unwrap()),
        )
        .await
        .unwrap();
    let outcome = answer(&browser, 1).await;
    let chinese = (
        browser.text("#answer-outcome").await.unwrap(),
        browser.text("#answer-message").await.unwrap(),
    );
    browser
        .screenshot_for_readme("door-admitted-zh-dark")
        .await
        .unwrap();
    browser.click("#answer").await.unwrap();
    browser
        .screenshot_for_readme("door-scanning-zh-dark")
        .await
        .unwrap();

    browser.set_value("#language", "en").await.unwrap();
    browser
        .wait_until(
            "return document.getElementById('status').textContent === 'Online';",
            WAIT,
        )
        .await
        .unwrap();
    browser
        .type_into(
            "#code",
            &format!("{}\n", door.tickets[1]["code"].as_str().unwrap()),
        )
        .await
        .unwrap();
    answer(&browser, 2).await;
    let english = browser.text("#answer-message").await.unwrap();

    assert_eq!(status, "在线");
    assert_eq!(outcome, "ADMITTED");
    assert_eq!(chinese.0, "准许入场");
    assert!(
        chinese.1.starts_with("准许入场：Nguyen Van An，Ròm，"),
        "{chinese:?}"
    );
    assert!(
        english.starts_with("Admitted: Siti Rahma for Ròm"),
        "{english}"
    );
}

async fn undo_takes_an_admission_back_on_the_server(app: TestApp) {
    let door = door(&app, 1).await;
    let browser = Browser::launch(BrowserOptions::default()).await.unwrap();
    pair(&browser, &door).await;
    browser
        .send_keys_to_page(&format!("{}\n", door.tickets[0]["code"].as_str().unwrap()))
        .await
        .unwrap();
    let admitted = answer(&browser, 1).await;
    browser.click("#undo").await.unwrap();
    browser
        .wait_for_attribute("#answer", "data-colour", "neutral", WAIT)
        .await
        .unwrap();
    let message = browser.text("#answer-message").await.unwrap();
    let ticket = app
        .gql(
            Some(&door.attendee),
            "{ myTickets { status checkedInAt } }",
            json!({}),
        )
        .await;

    assert_eq!(admitted, "ADMITTED");
    assert_eq!(message, "Admission undone.");
    assert_eq!(ticket.data("/myTickets/0/status"), "ACTIVE");
    assert_eq!(ticket.data("/myTickets/0/checkedInAt"), &Value::Null);
}

async fn door_staff_sign_in_with_their_own_account_and_scan(app: TestApp) {
    let door = door(&app, 1).await;
    let festival_id = door.festival.id.parse().unwrap();
    app.user_with(
        "usher@example.com",
        &[RoleGrant::new(Role::DoorStaff, Some(festival_id), None).unwrap()],
    )
    .await;
    let browser = Browser::launch(BrowserOptions {
        window: Window::LAPTOP,
        ..BrowserOptions::default()
    })
    .await
    .unwrap();
    browser.goto(&app.url("/door")).await.unwrap();
    browser.wait_for("#sign-in", WAIT).await.unwrap();
    browser
        .screenshot_for_readme("door-sign-in-laptop")
        .await
        .unwrap();
    browser
        .type_into("#sign-in [name=email]", "usher@example.com")
        .await
        .unwrap();
    browser
        .type_into("#sign-in [name=password]", &format!("{PASSWORD}\n"))
        .await
        .unwrap();
    browser
        .wait_until("return !!document.documentElement.dataset.manifest;", WAIT)
        .await
        .unwrap();
    let item_picked = browser
        .execute("return document.getElementById('item').value;", &[])
        .await
        .unwrap();
    browser
        .send_keys_to_page(&format!("{}\n", door.tickets[0]["code"].as_str().unwrap()))
        .await
        .unwrap();
    let outcome = answer(&browser, 1).await;
    browser.click("#answer").await.unwrap();
    browser
        .wait_until(
            "return document.getElementById('counter').textContent === '1 / 300 in';",
            WAIT,
        )
        .await
        .unwrap();
    browser.screenshot_for_readme("door-laptop").await.unwrap();
    let stored = browser
        .execute(
            "return localStorage.getItem('usher.door.credentials');",
            &[],
        )
        .await
        .unwrap();

    assert_eq!(
        item_picked, door.item["id"],
        "the item whose doors are open"
    );
    assert_eq!(outcome, "ADMITTED");
    assert!(
        stored.as_str().unwrap().contains("refreshToken"),
        "the session survives a reload"
    );
}

async fn the_bundled_ed25519_accepts_real_codes_and_refuses_forged_ones(app: TestApp) {
    let door = door(&app, 1).await;
    let code = door.tickets[0]["code"].as_str().unwrap();
    let browser = Browser::launch(BrowserOptions::default()).await.unwrap();
    pair(&browser, &door).await;
    let verify = "const ed25519 = await import('/vendor/ed25519.js');
                  const { verifyCode } = await import('/door/offline.js');
                  const jwks = await (await fetch('/.well-known/jwks.json')).json();
                  const bytes = (text) => Uint8Array.from(
                      atob(text.replace(/-/g, '+').replace(/_/g, '/') + '=='.slice(0, (4 - text.length % 4) % 4)),
                      (char) => char.charCodeAt(0));
                  const [header, claims, signature] = arguments[0].split('.');
                  const kid = JSON.parse(new TextDecoder().decode(bytes(header))).kid;
                  const key = jwks.keys.find((key) => key.kid === kid);
                  const message = new TextEncoder().encode(header + '.' + claims);
                  return {
                    bundled: await ed25519.verifyAsync(bytes(signature), message, bytes(key.x)),
                    webCrypto: await verifyCode(arguments[0], jwks),
                  };";
    let genuine = browser.execute_async(verify, &[json!(code)]).await.unwrap();
    let forged = browser
        .execute_async(verify, &[json!(forge(code))])
        .await
        .unwrap();

    assert_eq!(genuine["bundled"], true);
    assert_eq!(genuine["webCrypto"]["ticketId"], door.tickets[0]["id"]);
    assert_eq!(genuine["webCrypto"]["itemId"], door.item["id"]);
    assert_eq!(forged["bundled"], false);
    assert_eq!(forged["webCrypto"], Value::Null);
}

async fn a_paired_phone_adds_a_walk_up_and_calls_the_standby_line_in(app: TestApp) {
    let door = door(&app, 1).await;
    app.gql(
        Some(&door.festival.admin),
        "mutation($input: UpdateVenueInput!) { updateVenue(input: $input) { id } }",
        json!({ "input": { "venueId": door.festival.venue, "capacity": 4 } }),
    )
    .await
    .data("/updateVenue/id");
    let browser = Browser::launch(BrowserOptions::default()).await.unwrap();
    pair(&browser, &door).await;
    browser
        .wait_for_attribute("#standby", "data-standby-places", "3", WAIT)
        .await
        .unwrap();

    browser.type_into("#walk-up-name", "Bao").await.unwrap();
    browser.set_value("#walk-up-quantity", "2").await.unwrap();
    browser.click("#walk-up-add").await.unwrap();
    browser
        .wait_for_attribute("#standby", "data-walk-up-number", "1", WAIT)
        .await
        .unwrap();
    browser.type_into("#walk-up-name", "Lek").await.unwrap();
    browser.set_value("#walk-up-quantity", "2").await.unwrap();
    browser.click("#walk-up-add").await.unwrap();
    browser
        .wait_for_attribute("#standby", "data-standby-waiting", "2", WAIT)
        .await
        .unwrap();
    let big_number = browser.text("#walk-up-number").await.unwrap();
    browser.screenshot_for_readme("door-standby").await.unwrap();
    browser.click("#standby-call-button").await.unwrap();
    browser
        .wait_for_attribute("#standby", "data-standby-calls", "1", WAIT)
        .await
        .unwrap();
    browser
        .wait_for_attribute("#standby", "data-standby-places", "1", WAIT)
        .await
        .unwrap();
    let called = browser
        .attribute("#standby", "data-standby-called")
        .await
        .unwrap();
    let waiting = browser
        .attribute("#standby", "data-standby-waiting")
        .await
        .unwrap();
    browser
        .screenshot_for_readme("door-standby-called")
        .await
        .unwrap();
    let line = app
        .gql(
            Some(&door.festival.admin),
            "query($id: ID!) { standbyLine(itemId: $id) { number name } item(id: $id) { standbyPlaces attendance { standbyAdmitted } } }",
            json!({ "id": door.item["id"] }),
        )
        .await;

    assert!(big_number.contains('2'), "{big_number}");
    assert_eq!(
        called.as_deref(),
        Some("1"),
        "Bao's pair fits in the 3 seats left; Lek's does not"
    );
    assert_eq!(waiting.as_deref(), Some("1"));
    assert_eq!(
        line.data("/standbyLine"),
        &json!([{ "number": 2, "name": "Lek" }])
    );
    assert_eq!(
        line.data("/item/standbyPlaces"),
        1,
        "4 seats, 2 inside, 1 ticket held"
    );
    assert_eq!(line.data("/item/attendance/standbyAdmitted"), 2);
}
