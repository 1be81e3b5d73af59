//! The organizer console (/organizer) as an organizer uses it on a laptop:
//! signing in and choosing a festival, creating a programme item, a
//! check-in reaching the dashboard without a reload, a scanner token and
//! its pairing QR code (in Chinese, on a phone), a role taken back, an
//! attendee's no-show strikes looked up, and one forgiven, and a ballot
//! item created on the form, its entries counted live and a ballot drawn.
//!
//! With `USHER_SCREENSHOTS=DIR` the tests leave the README's screenshots
//! in DIR.

use std::time::Duration;

use chrono::{FixedOffset, NaiveTime, SubsecRound as _, TimeZone as _, Utc};
use serde_json::{Value, json};
use usher_domain::roles::{Role, RoleGrant};
use usher_tests::browser::{Browser, BrowserOptions, Window};
use usher_tests::catalogue::{self, Festival};
use usher_tests::{PASSWORD, TestApp, door, on_both_databases_in_a_browser};

use crate::festival::{in_nanning, two_strikes};

const WAIT: Duration = Duration::from_secs(15);

on_both_databases_in_a_browser!(
    an_organizer_signs_in_picks_the_festival_and_creates_an_item,
    a_check_in_made_through_the_api_appears_on_the_dashboard_without_a_reload,
    a_scanner_token_issued_on_the_page_shows_its_pairing_qr_code,
    revoking_a_role_on_the_page_takes_the_access_away,
    the_csv_downloads_and_the_chart_opens_from_the_dashboard,
    the_dashboard_follows_the_standby_line,
    an_organizer_sets_the_no_show_policy_and_forgives_a_strike,
    an_organizer_creates_a_ballot_item_follows_its_entries_and_draws_one,
);

/// An organizer of `festivals`, with an account made in the store; their e-mail.
async fn organizer(app: &TestApp, festivals: &[&Festival]) -> String {
    let email = "organizer@example.com".to_owned();
    let grants: Vec<RoleGrant> = festivals
        .iter()
        .map(|festival| {
            RoleGrant::new(Role::Organizer, Some(festival.id.parse().unwrap()), None).unwrap()
        })
        .collect();
    app.user_with(&email, &grants).await;
    email
}

fn laptop() -> BrowserOptions {
    BrowserOptions {
        window: Window::LAPTOP,
        ..BrowserOptions::default()
    }
}

/// A browser signed in as the organizer of `festival` (their only one),
/// on its dashboard.
async fn on_the_dashboard(app: &TestApp, festival: &Festival, options: BrowserOptions) -> Browser {
    let email = organizer(app, &[festival]).await;
    let browser = Browser::launch(options).await.unwrap();
    sign_in(app, &browser, &email).await;
    browser
        .wait_for_attribute("html", "data-view", "dashboard", WAIT)
        .await
        .unwrap();
    browser
}

/// Opens the console and signs in as `email`.
async fn sign_in(app: &TestApp, browser: &Browser, email: &str) {
    browser.goto(&app.url("/organizer")).await.unwrap();
    browser
        .wait_for_attribute("html", "data-view", "sign-in", WAIT)
        .await
        .unwrap();
    browser
        .type_into("#sign-in [name=email]", email)
        .await
        .unwrap();
    browser
        .type_into("#sign-in [name=password]", &format!("{PASSWORD}\n"))
        .await
        .unwrap();
}

/// Clicks a tab of the console and waits for its screen.
async fn open(browser: &Browser, view: &str) {
    browser
        .click(&format!("#tabs button[data-view={view}]"))
        .await
        .unwrap();
    browser
        .wait_for_attribute("html", "data-view", view, WAIT)
        .await
        .unwrap();
}

async fn an_organizer_signs_in_picks_the_festival_and_creates_an_item(app: TestApp) {
    let festival = catalogue::festival(&app, "organizer-console").await;
    let other = catalogue::festival(&app, "another-week").await;
    let email = organizer(&app, &[&festival, &other]).await;
    let browser = Browser::launch(laptop()).await.unwrap();

    sign_in(&app, &browser, &email).await;
    browser
        .wait_for_attribute("html", "data-view", "festivals", WAIT)
        .await
        .unwrap();
    browser
        .click(&format!(
            "#festival-list [data-festival-id=\"{}\"]",
            festival.id
        ))
        .await
        .unwrap();
    browser
        .wait_for_attribute("html", "data-view", "dashboard", WAIT)
        .await
        .unwrap();
    let chosen = browser.attribute("html", "data-festival").await.unwrap();
    open(&browser, "setup").await;
    // The festival's film, never programmed, is listed.
    browser
        .wait_for("#film-list li[data-title=\"Ròm\"]", WAIT)
        .await
        .unwrap();
    // A film first, then a screening of it.
    browser
        .type_into("#film-form [name=title]", "Tiger Stripes")
        .await
        .unwrap();
    browser
        .type_into("#film-form [name=countries]", "my, TW")
        .await
        .unwrap();
    browser
        .type_into("#film-form [name=runtimeMinutes]", "95")
        .await
        .unwrap();
    browser.click("#film-submit").await.unwrap();
    browser
        .wait_for("#film-list li[data-title=\"Tiger Stripes\"]", WAIT)
        .await
        .unwrap();
    let film_id = browser
        .attribute(
            "#film-list li[data-title=\"Tiger Stripes\"]",
            "data-film-id",
        )
        .await
        .unwrap()
        .unwrap();
    browser
        .wait_until(
            "return document.querySelector('#item-form [name=venueId]').options.length === 1;",
            WAIT,
        )
        .await
        .unwrap();
    // Tomorrow at 19:30 in Nanning (UTC+8 all year), typed as the
    // festival's wall-clock time.
    let nanning = FixedOffset::east_opt(8 * 3600).unwrap();
    let tomorrow = Utc::now().with_timezone(&nanning).date_naive() + chrono::Days::new(1);
    let starts = nanning
        .from_local_datetime(&tomorrow.and_time(NaiveTime::from_hms_opt(19, 30, 0).unwrap()))
        .unwrap();
    let local = |time: &str| format!("{}T{time}", tomorrow.format("%Y-%m-%d"));
    browser
        .set_value("#item-form [name=filmId]", &film_id)
        .await
        .unwrap();
    browser
        .type_into(
            "#item-form [name=title]",
            "Tiger Stripes, with its director",
        )
        .await
        .unwrap();
    browser
        .set_value("#item-form [name=startsAt]", &local("19:30"))
        .await
        .unwrap();
    browser
        .set_value("#item-form [name=endsAt]", &local("21:10"))
        .await
        .unwrap();
    browser
        .type_into("#item-form [name=ticketCapacity]", "250")
        .await
        .unwrap();
    browser.click("#item-submit").await.unwrap();
    browser
        .wait_for(
            "#programme-rows tr[data-title=\"Tiger Stripes, with its director\"]",
            WAIT,
        )
        .await
        .unwrap();
    let notice = browser.text("#notice").await.unwrap();
    let shown_time = browser
        .text("#programme-rows tr[data-title=\"Tiger Stripes, with its director\"] td.time")
        .await
        .unwrap();
    browser
        .screenshot_for_readme("organizer-setup")
        .await
        .unwrap();
    let programme = app
        .gql(
            Some(&festival.admin),
            "query($id: ID!) { festival(id: $id) { programme { edges { node {
                title startsAt ticketCapacity film { id title countries runtimeMinutes } } } } } }",
            json!({ "id": festival.id }),
        )
        .await;

    assert_eq!(chosen.as_deref(), Some(festival.id.as_str()));
    assert_eq!(notice, "Tiger Stripes, with its director created.");
    assert!(shown_time.ends_with("19:30"), "{shown_time}");
    let items = programme
        .data("/festival/programme/edges")
        .as_array()
        .unwrap();
    assert_eq!(items.len(), 1);
    let item = &items[0]["node"];
    assert_eq!(item["title"], "Tiger Stripes, with its director");
    assert_eq!(item["ticketCapacity"], 250);
    assert_eq!(
        item["film"],
        json!({ "id": film_id, "title": "Tiger Stripes", "countries": ["MY", "TW"], "runtimeMinutes": 95 })
    );
    let starts_at =
        chrono::DateTime::parse_from_rfc3339(item["startsAt"].as_str().unwrap()).unwrap();
    assert_eq!(
        starts_at, starts,
        "19:30 in the festival's zone, not the browser's"
    );
}

async fn a_check_in_made_through_the_api_appears_on_the_dashboard_without_a_reload(app: TestApp) {
    let festival = catalogue::festival(&app, "organizer-dashboard").await;
    let item = catalogue::create_item(&app, &festival, 10, json!({})).await;
    let item_id = item["id"].as_str().unwrap().to_owned();
    let attendee = app.attendee("holder@example.com").await;
    let reserved = app
        .gql(
            Some(&attendee),
            "mutation($input: ReserveTicketsInput!) { reserveTickets(input: $input) { tickets { code } } }",
            json!({ "input": { "itemId": item_id, "quantity": 2, "holderNames": ["Nguyen Van An", "Siti Rahma"] } }),
        )
        .await;
    // One festival: straight to its dashboard.
    let browser = on_the_dashboard(&app, &festival, laptop()).await;
    let row = format!("#item-rows tr[data-item-id=\"{item_id}\"]");
    browser
        .wait_for_attribute("#live", "data-live", "1", WAIT)
        .await
        .unwrap();
    let before = (
        browser.attribute(&row, "data-issued").await.unwrap(),
        browser.attribute(&row, "data-checked-in").await.unwrap(),
    );

    let scanned = door::scan(
        &app,
        &festival.admin,
        reserved.data("/reserveTickets/tickets/0/code"),
        &festival.venue,
        Some("A"),
    )
    .await;
    browser
        .wait_for_attribute(&row, "data-checked-in", "1", WAIT)
        .await
        .unwrap();
    // The totals follow the change too.
    browser
        .wait_until(
            "const row = document.querySelector('#totals-rows tr');
         return row !== null && row.dataset.checkedIn === '1';",
            WAIT,
        )
        .await
        .unwrap();
    let loads = browser
        .execute(
            "return performance.getEntriesByType('navigation').length;",
            &[],
        )
        .await
        .unwrap();
    browser
        .screenshot_for_readme("organizer-dashboard")
        .await
        .unwrap();

    assert_eq!(before.0.as_deref(), Some("2"));
    assert_eq!(before.1.as_deref(), Some("0"));
    assert_eq!(scanned.data("/checkIn/outcome"), "ADMITTED");
    assert_eq!(
        browser
            .attribute(&row, "data-issued")
            .await
            .unwrap()
            .as_deref(),
        Some("2")
    );
    assert_eq!(loads, json!(1), "no reload");
}

async fn a_scanner_token_issued_on_the_page_shows_its_pairing_qr_code(app: TestApp) {
    let festival = catalogue::festival(&app, "organizer-scanners").await;
    // In Chinese, on a phone: the console works at 360 pixels too.
    let chinese_phone = BrowserOptions {
        language: "zh-CN".to_owned(),
        ..BrowserOptions::default()
    };
    let browser = on_the_dashboard(&app, &festival, chinese_phone).await;
    open(&browser, "scanners").await;
    let heading = browser.text("#view-scanners h1").await.unwrap();
    browser
        .type_into("#scanner-form [name=label]", "A 门 1 号手机\n")
        .await
        .unwrap();
    browser
        .wait_for_attribute("#pairing", "data-ready", "true", WAIT)
        .await
        .unwrap();
    let qr_width = browser
        .execute(
            "const image = document.getElementById('pairing-qr');
             return image.src.startsWith('blob:') ? image.naturalWidth : 0;",
            &[],
        )
        .await
        .unwrap();
    let pairing_url = browser.text("#pairing-url").await.unwrap();
    browser
        .wait_for_attribute("#devices", "data-count", "1", WAIT)
        .await
        .unwrap();
    let state = browser
        .attribute("#device-rows tr", "data-state")
        .await
        .unwrap();
    browser
        .execute("document.getElementById('pairing').scrollIntoView();", &[])
        .await
        .unwrap();
    browser
        .screenshot_for_readme("organizer-pairing-zh-phone")
        .await
        .unwrap();
    let devices = app
        .gql(
            Some(&festival.admin),
            "query($venueId: ID!) { scannerTokens(venueId: $venueId) { id label active } }",
            json!({ "venueId": festival.venue }),
        )
        .await;
    let scanner_id = browser
        .attribute("#pairing", "data-scanner-id")
        .await
        .unwrap();

    assert_eq!(heading, "检票设备");
    assert!(
        qr_width.as_u64().unwrap() > 0,
        "a QR code is shown: {qr_width}"
    );
    assert!(
        pairing_url.starts_with(&app.url("/door#pair=usc_")),
        "{pairing_url}"
    );
    assert_eq!(state.as_deref(), Some("active"));
    let devices: &Vec<Value> = devices.data("/scannerTokens").as_array().unwrap();
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0]["label"], "A 门 1 号手机");
    assert_eq!(devices[0]["active"], true);
    assert_eq!(
        scanner_id.as_ref(),
        devices[0]["id"].as_str().map(str::to_owned).as_ref()
    );
}

async fn revoking_a_role_on_the_page_takes_the_access_away(app: TestApp) {
    let festival = catalogue::festival(&app, "organizer-roles").await;
    let festival_id = festival.id.parse().unwrap();
    let staff_email = "gate-a@example.com";
    let staff = app
        .user_with(
            staff_email,
            &[RoleGrant::new(Role::DoorStaff, Some(festival_id), None).unwrap()],
        )
        .await;
    app.user_with(
        "gate-b@example.com",
        &[RoleGrant::new(
            Role::DoorStaff,
            Some(festival_id),
            Some(festival.venue.parse().unwrap()),
        )
        .unwrap()],
    )
    .await;
    let manifest = "query($venueId: ID!) { scannerManifest(venueId: $venueId) { generatedAt } }";
    let before = app
        .gql(Some(&staff), manifest, json!({ "venueId": festival.venue }))
        .await;
    let browser = on_the_dashboard(&app, &festival, laptop()).await;
    open(&browser, "setup").await;
    browser
        .wait_for_attribute("#role-holders", "data-count", "3", WAIT)
        .await
        .unwrap();
    let holders_script = "return [...document.querySelectorAll('#role-holders li')]
        .map((line) => [line.dataset.email, line.dataset.role, line.dataset.venueId]);";
    let listed = browser.execute(holders_script, &[]).await.unwrap();
    let narrowed = browser
        .text("#role-holders li[data-email=\"gate-b@example.com\"]")
        .await
        .unwrap();

    browser
        .click(&format!(
            "#role-holders li[data-email=\"{staff_email}\"] button[data-action=revoke]"
        ))
        .await
        .unwrap();
    browser
        .wait_for_attribute("#confirm", "data-open", "true", WAIT)
        .await
        .unwrap();
    let question = browser.text("#confirm-text").await.unwrap();
    browser.click("#confirm-yes").await.unwrap();
    browser
        .wait_for_attribute("#role-holders", "data-count", "2", WAIT)
        .await
        .unwrap();
    browser
        .wait_for_attribute("#role-results", "data-count", "1", WAIT)
        .await
        .unwrap();
    let result = browser.text("#role-results li").await.unwrap();
    let left = browser.execute(holders_script, &[]).await.unwrap();
    browser
        .execute("document.getElementById('roles').scrollIntoView();", &[])
        .await
        .unwrap();
    browser
        .screenshot_for_readme("organizer-roles")
        .await
        .unwrap();
    let after = app
        .gql(Some(&staff), manifest, json!({ "venueId": festival.venue }))
        .await;
    // Granted again by e-mail: the list shows it at once.
    browser
        .type_into("#role-form [name=email]", staff_email)
        .await
        .unwrap();
    browser
        .set_value("#role-form [name=role]", "DOOR_STAFF")
        .await
        .unwrap();
    browser.click("#grant").await.unwrap();
    browser
        .wait_for_attribute("#role-holders", "data-count", "3", WAIT)
        .await
        .unwrap();

    assert!(
        before.data("/scannerManifest/generatedAt").is_string(),
        "door staff could read the manifest before"
    );
    assert_eq!(
        listed,
        json!([
            ["organizer@example.com", "ORGANIZER", ""],
            [staff_email, "DOOR_STAFF", ""],
            ["gate-b@example.com", "DOOR_STAFF", festival.venue],
        ])
    );
    assert!(
        narrowed.contains("Door staff · Hall 2"),
        "a narrowed grant shows its venue: {narrowed}"
    );
    assert_eq!(
        question,
        "Take the role Door staff back from gate-a@example.com?"
    );
    assert_eq!(
        result,
        "gate-a@example.com is no longer Door staff. Now holds: no role beyond attendee"
    );
    assert_eq!(
        left,
        json!([
            ["organizer@example.com", "ORGANIZER", ""],
            ["gate-b@example.com", "DOOR_STAFF", festival.venue],
        ]),
        "the list is read again after the revocation"
    );
    assert_eq!(after.error_code(), "FORBIDDEN");
}

async fn the_csv_downloads_and_the_chart_opens_from_the_dashboard(app: TestApp) {
    let festival = catalogue::festival(&app, "organizer-downloads").await;
    let item = catalogue::create_item(&app, &festival, 10, json!({})).await;
    let item_id = item["id"].as_str().unwrap().to_owned();
    let attendee = app.attendee("holder@example.com").await;
    app.reserve(&attendee, &item).await.data("/reserveTickets");
    let browser = on_the_dashboard(&app, &festival, laptop()).await;
    browser
        .wait_for_attribute("#csv-link", "data-ready", "true", WAIT)
        .await
        .unwrap();
    let csv_link = browser
        .attribute("#csv-link", "href")
        .await
        .unwrap()
        .unwrap();
    // The link opens with no header at all, as a browser follows it.
    let csv = reqwest::get(&csv_link).await.unwrap();
    let csv_status = csv.status();
    let csv_text = csv.text().await.unwrap();

    browser
        .click(&format!(
            "#item-rows tr[data-item-id=\"{item_id}\"] [data-action=chart]"
        ))
        .await
        .unwrap();
    browser
        .wait_for_attribute("#chart", "data-ready", "true", WAIT)
        .await
        .unwrap();
    browser.wait_until("const image = document.getElementById('chart-image'); return image.complete && image.naturalWidth > 0;", WAIT).await.unwrap();
    let chart_link = browser
        .attribute("#chart-image", "src")
        .await
        .unwrap()
        .unwrap();
    let chart = reqwest::get(&chart_link).await.unwrap();
    let chart_type = chart.headers()["content-type"].clone();
    let tampered = reqwest::get(chart_link.replace("expires=", "expires=1"))
        .await
        .unwrap()
        .status();

    assert_eq!(csv_status, 200);
    assert!(
        csv_text.lines().count() >= 2,
        "a header and a row: {csv_text}"
    );
    assert!(csv_text.contains("Ròm"), "{csv_text}");
    assert!(
        chart_link.contains(&format!("/items/{item_id}/arrivals.svg?")),
        "{chart_link}"
    );
    assert_eq!(chart_type, "image/svg+xml");
    assert_eq!(tampered, 401);
}

async fn the_dashboard_follows_the_standby_line(app: TestApp) {
    let festival = catalogue::festival(&app, "organizer-standby").await;
    let item = catalogue::create_item(&app, &festival, 10, json!({})).await;
    let item_id = item["id"].as_str().unwrap().to_owned();
    let browser = on_the_dashboard(&app, &festival, laptop()).await;
    let row = format!("#item-rows tr[data-item-id=\"{item_id}\"]");
    browser
        .wait_for_attribute("#live", "data-live", "1", WAIT)
        .await
        .unwrap();

    for name in ["Bao", "Lek", "Nok"] {
        app.gql(
            Some(&festival.admin),
            "mutation($input: AddStandbyWalkUpInput!) { addStandbyWalkUp(input: $input) { number } }",
            json!({ "input": { "itemId": item_id, "name": name, "quantity": 1 } }),
        )
        .await
        .data("/addStandbyWalkUp/number");
    }
    browser
        .wait_for_attribute(&row, "data-standby-waiting", "3", WAIT)
        .await
        .unwrap();
    app.gql(
        Some(&festival.admin),
        "mutation($input: CallStandbyInput!) { callStandby(input: $input) { number } }",
        json!({ "input": { "itemId": item_id, "count": 2 } }),
    )
    .await
    .data("/callStandby");
    // The row's numbers arrive with the live update, not all at one
    // moment: each is waited for.
    for (attribute, value) in [
        ("data-standby-admitted", "2"),
        ("data-standby-waiting", "1"),
        ("data-standby-places", "298"),
    ] {
        browser
            .wait_for_attribute(&row, attribute, value, WAIT)
            .await
            .unwrap();
    }
    assert_eq!(
        browser
            .attribute(&row, "data-released")
            .await
            .unwrap()
            .as_deref(),
        Some("0")
    );
    browser
        .wait_until(
            "const row = document.querySelector('#totals-rows tr');
             return row !== null && row.dataset.standbyAdmitted === '2';",
            WAIT,
        )
        .await
        .unwrap();
}

async fn an_organizer_sets_the_no_show_policy_and_forgives_a_strike(app: TestApp) {
    let festival = catalogue::festival_with(
        &app,
        "organizer-strikes",
        json!({ "allowOverlappingTickets": true }),
    )
    .await;
    let mai = app.attendee("mai@example.org").await;
    let (missed, dropped) = two_strikes(&app, &festival, &mai).await;
    let later = catalogue::create_item(&app, &festival, 24 * 60, json!({})).await;
    let email = organizer(&app, &[&festival]).await;
    let browser = Browser::launch(laptop()).await.unwrap();
    sign_in(&app, &browser, &email).await;
    browser
        .wait_for_attribute("html", "data-view", "dashboard", WAIT)
        .await
        .unwrap();

    // The policy: no limit yet, the defaults; two strikes now block for 3 days.
    open(&browser, "setup").await;
    browser
        .wait_for_attribute("#policy-form", "data-no-show-block-days", "7", WAIT)
        .await
        .unwrap();
    let limit_before = browser
        .attribute("#policy-form", "data-no-show-limit")
        .await
        .unwrap();
    browser
        .set_value("#policy-form [name=noShowLimit]", "2")
        .await
        .unwrap();
    browser
        .set_value("#policy-form [name=noShowBlockDays]", "3")
        .await
        .unwrap();
    browser
        .set_value("#policy-form [name=cancelWithoutPenaltyMinutes]", "90")
        .await
        .unwrap();
    browser.click("#policy-submit").await.unwrap();
    browser
        .wait_for_attribute("#policy-form", "data-no-show-limit", "2", WAIT)
        .await
        .unwrap();
    browser
        .execute(
            "document.getElementById('no-show-policy').scrollIntoView({ block: 'end' });",
            &[],
        )
        .await
        .unwrap();
    browser
        .screenshot_for_readme("organizer-policy")
        .await
        .unwrap();
    let policy = app
        .gql(
            None,
            "query($id: ID!) { festival(id: $id) { noShowLimit noShowBlockDays cancelWithoutPenaltyMinutes } }",
            json!({ "id": festival.id }),
        )
        .await;
    let reserved_blocked = app.reserve(&mai, &later).await;

    // Looked up: blocked, with both strikes; an unknown e-mail says so.
    open(&browser, "attendees").await;
    browser
        .wait_until(
            "return document.getElementById('policy-summary').textContent !== '';",
            WAIT,
        )
        .await
        .unwrap();
    let summary = browser.text("#policy-summary").await.unwrap();
    browser
        .type_into("#lookup-form [name=email]", "nobody@example.org\n")
        .await
        .unwrap();
    browser
        .wait_for("#lookup-unknown:not([hidden])", WAIT)
        .await
        .unwrap();
    let unknown = browser.text("#lookup-unknown").await.unwrap();
    browser
        .set_value("#lookup-form [name=email]", "mai@example.org")
        .await
        .unwrap();
    browser.click("#lookup-submit").await.unwrap();
    browser
        .wait_for_attribute("#standing", "data-count", "2", WAIT)
        .await
        .unwrap();
    let blocked_until = browser
        .attribute("#standing", "data-blocked-until")
        .await
        .unwrap()
        .unwrap();
    let blocked = browser.text("#standing-state").await.unwrap();
    let listed = browser
        .execute(
            "return [...document.querySelectorAll('#standing-strikes li')]
               .map((line) => [line.dataset.itemId, line.dataset.kind, line.dataset.forgiven,
                               line.querySelectorAll('button[data-action=forgive]').length]);",
            &[],
        )
        .await
        .unwrap();

    // The late cancellation forgiven: one strike left, under the limit.
    browser
        .click("#standing-strikes li[data-kind=LATE_CANCELLATION] button[data-action=forgive]")
        .await
        .unwrap();
    browser
        .wait_for_attribute("#confirm", "data-open", "true", WAIT)
        .await
        .unwrap();
    let question = browser.text("#confirm-text").await.unwrap();
    browser.click("#confirm-yes").await.unwrap();
    browser
        .wait_for_attribute("#standing", "data-blocked-until", "", WAIT)
        .await
        .unwrap();
    let forgiven = browser
        .attribute(
            "#standing-strikes li[data-kind=LATE_CANCELLATION]",
            "data-forgiven",
        )
        .await
        .unwrap();
    let free = browser.text("#standing-state").await.unwrap();
    let notice = browser.text("#notice").await.unwrap();
    browser
        .execute(
            "scrollTo(0, document.getElementById('notice').offsetHeight);",
            &[],
        )
        .await
        .unwrap();
    browser
        .screenshot_for_readme("organizer-standing")
        .await
        .unwrap();
    let reserved_after = app.reserve(&mai, &later).await;
    let me = app
        .gql(Some(&mai), "{ me { blockedUntil } }", json!({}))
        .await;

    // The same look-up in Chinese, on a phone.
    let phone = Browser::launch(BrowserOptions {
        language: "zh-CN".to_owned(),
        ..BrowserOptions::default()
    })
    .await
    .unwrap();
    sign_in(&app, &phone, &email).await;
    phone
        .wait_for_attribute("html", "data-view", "dashboard", WAIT)
        .await
        .unwrap();
    open(&phone, "attendees").await;
    phone
        .type_into("#lookup-form [name=email]", "mai@example.org\n")
        .await
        .unwrap();
    phone
        .wait_for_attribute("#standing", "data-count", "2", WAIT)
        .await
        .unwrap();
    let free_in_chinese = phone.text("#standing-state").await.unwrap();
    phone
        .execute(
            "document.getElementById('standing').scrollIntoView({ block: 'end' });",
            &[],
        )
        .await
        .unwrap();
    phone
        .screenshot_for_readme("organizer-standing-zh-phone")
        .await
        .unwrap();

    assert_eq!(limit_before.as_deref(), Some(""));
    assert_eq!(
        policy.data("/festival"),
        &json!({ "noShowLimit": 2, "noShowBlockDays": 3, "cancelWithoutPenaltyMinutes": 90 })
    );
    assert_eq!(reserved_blocked.error_code(), "NO_SHOW_BLOCKED");
    assert_eq!(
        summary,
        "2 strikes block reserving for 3 days; giving a ticket back less than 90 minutes \
         before the start is a strike. Change it under Set up."
    );
    assert_eq!(unknown, "No account uses nobody@example.org.");
    assert!(!blocked_until.is_empty());
    assert_eq!(
        reserved_blocked.0["errors"][0]["extensions"]["blockedUntil"]
            .as_str()
            .map(in_nanning),
        Some(in_nanning(&blocked_until))
    );
    assert_eq!(
        blocked,
        format!(
            "Blocked until {}, with 2 strikes counting: cannot reserve, join a waitlist or a standby line.",
            on_the_consoles_clock(&blocked_until)
        )
    );
    let mut listed: Vec<Value> = listed.as_array().unwrap().clone();
    listed.sort_by_key(|strike| strike[1].as_str().unwrap().to_owned());
    assert_eq!(
        listed,
        [
            json!([dropped["id"], "LATE_CANCELLATION", "false", 1]),
            json!([missed["id"], "NO_SHOW", "false", 1]),
        ]
    );
    assert_eq!(
        question,
        "Forgive mai the strike for Ròm? It stays listed but no longer counts; \
         a block it completed ends unless other strikes still reach the limit."
    );
    assert_eq!(forgiven.as_deref(), Some("true"));
    assert_eq!(free, "Not blocked: may reserve. One strike counts.");
    assert_eq!(notice, "The strike of mai for Ròm is forgiven.");
    assert!(
        reserved_after.data("/reserveTickets/id").is_string(),
        "{:?}",
        reserved_after.0
    );
    assert!(me.data("/me/blockedUntil").is_null());
    assert_eq!(free_in_chinese, "未受限制：可以预约。计入 1 次爽约。");
}

/// `at` (RFC 3339) as the console writes a moment in English, on
/// Nanning's clock (UTC+8 all year): `Sat, Dec 13, 19:45`.
fn on_the_consoles_clock(at: &str) -> String {
    let nanning = FixedOffset::east_opt(8 * 3600).unwrap();
    chrono::DateTime::parse_from_rfc3339(at)
        .unwrap()
        .with_timezone(&nanning)
        .format("%a, %b %-d, %H:%M")
        .to_string()
}

/// Enters `item_id`'s ballot for a new attendee `email`, for `quantity` tickets.
async fn enter_ballot(app: &TestApp, email: &str, item_id: &str, quantity: i64) {
    let token = app.attendee(email).await;
    app.gql(
        Some(&token),
        "mutation($input: EnterBallotInput!) { enterBallot(input: $input) { id } }",
        json!({ "input": { "itemId": item_id, "quantity": quantity } }),
    )
    .await
    .data("/enterBallot/id");
}

async fn an_organizer_creates_a_ballot_item_follows_its_entries_and_draws_one(app: TestApp) {
    let festival = catalogue::festival(&app, "organizer-ballot").await;
    let browser = on_the_dashboard(&app, &festival, laptop()).await;
    open(&browser, "setup").await;
    browser
        .wait_until(
            "return document.querySelector('#item-form [name=venueId]').options.length === 1;",
            WAIT,
        )
        .await
        .unwrap();
    let fields_before = browser
        .execute(
            "return document.querySelector('#item-form [name=ballotClosesAt]').closest('label').hidden;",
            &[],
        )
        .await
        .unwrap();

    // The day after tomorrow at 19:30 in Nanning; the ballot open from a
    // few minutes ago until tomorrow noon, 45 minutes to claim.
    let nanning = FixedOffset::east_opt(8 * 3600).unwrap();
    let now = Utc::now().with_timezone(&nanning);
    let day = |days: u64| now.date_naive() + chrono::Days::new(days);
    let local = |days: u64, time: &str| format!("{}T{time}", day(days).format("%Y-%m-%d"));
    let opens = (now - chrono::Duration::minutes(5))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    browser
        .set_value("#item-form [name=filmId]", &festival.film)
        .await
        .unwrap();
    browser
        .type_into("#item-form [name=title]", "Ròm, the premiere")
        .await
        .unwrap();
    browser
        .set_value("#item-form [name=startsAt]", &local(2, "19:30"))
        .await
        .unwrap();
    browser
        .set_value("#item-form [name=endsAt]", &local(2, "21:10"))
        .await
        .unwrap();
    browser
        .set_value("#item-form [name=allocation]", "BALLOT")
        .await
        .unwrap();
    browser
        .set_value("#item-form [name=ballotOpensAt]", &opens)
        .await
        .unwrap();
    browser
        .set_value("#item-form [name=ballotClosesAt]", &local(1, "12:00"))
        .await
        .unwrap();
    browser
        .type_into("#item-form [name=claimMinutes]", "45")
        .await
        .unwrap();
    browser.click("#item-submit").await.unwrap();
    let listed = "#programme-rows tr[data-title=\"Ròm, the premiere\"]";
    browser.wait_for(listed, WAIT).await.unwrap();
    let item_id = browser
        .attribute(listed, "data-item-id")
        .await
        .unwrap()
        .unwrap();
    let listed_allocation = browser.attribute(listed, "data-allocation").await.unwrap();
    let created = app
        .gql(
            Some(&festival.admin),
            "query($id: ID!) { item(id: $id) { status allocation ballotOpensAt ballotClosesAt claimMinutes } }",
            json!({ "id": item_id }),
        )
        .await;

    // The dashboard counts the entries as they come.
    open(&browser, "dashboard").await;
    let row = format!("#item-rows tr[data-item-id=\"{item_id}\"]");
    browser
        .wait_for_attribute(&row, "data-ballot-state", "open", WAIT)
        .await
        .unwrap();
    browser
        .wait_for_attribute("#live", "data-live", "1", WAIT)
        .await
        .unwrap();
    enter_ballot(&app, "mai@example.org", &item_id, 2).await;
    enter_ballot(&app, "linh@example.org", &item_id, 1).await;
    browser
        .wait_for_attribute(&row, "data-ballot-entries", "2", WAIT)
        .await
        .unwrap();
    let open_line = browser.text(&format!("{row} .ballot")).await.unwrap();
    let drawable_while_open = browser
        .exists(&format!("{row} button[data-action=draw]"))
        .await
        .unwrap();

    // Another ballot, closing in a few seconds: "Draw now" at its close.
    let closes_at = (Utc::now() + chrono::Duration::seconds(10)).trunc_subsecs(0);
    let last_call = catalogue::create_item(
        &app,
        &festival,
        2 * 24 * 60,
        json!({
            "title": "Ròm, last call",
            "allocation": "BALLOT",
            "ballotOpensAt": catalogue::at(-1),
            "ballotClosesAt": closes_at.to_rfc3339(),
        }),
    )
    .await;
    let last_call_id = last_call["id"].as_str().unwrap().to_owned();
    enter_ballot(&app, "bao@example.org", &last_call_id, 1).await;
    open(&browser, "dashboard").await;
    let last_row = format!("#item-rows tr[data-item-id=\"{last_call_id}\"]");
    browser
        .wait_for_attribute(&last_row, "data-ballot-entries", "1", WAIT)
        .await
        .unwrap();
    browser
        .wait_for_attribute(
            &last_row,
            "data-ballot-state",
            "closed",
            Duration::from_secs(30),
        )
        .await
        .unwrap();
    let closed_line = browser.text(&format!("{last_row} .ballot")).await.unwrap();
    browser
        .screenshot_for_readme("organizer-ballot")
        .await
        .unwrap();
    browser
        .click(&format!("{last_row} button[data-action=draw]"))
        .await
        .unwrap();
    browser
        .wait_for_attribute(&last_row, "data-ballot-state", "drawn", WAIT)
        .await
        .unwrap();
    let won = browser
        .attribute(&last_row, "data-ballot-won")
        .await
        .unwrap();
    let notice = browser.text("#notice").await.unwrap();
    let drawn = app
        .gql(
            None,
            "query($id: ID!) { item(id: $id) { ballotDrawnAt status } }",
            json!({ "id": last_call_id }),
        )
        .await;

    // In Chinese.
    browser.set_value("#language", "zh-CN").await.unwrap();
    browser
        .wait_until(
            &format!(
                "return document.querySelector('{} .ballot')?.textContent.startsWith('抽签');",
                row.replace('\'', "\\'")
            ),
            WAIT,
        )
        .await
        .unwrap();
    let open_in_chinese = browser.text(&format!("{row} .ballot")).await.unwrap();

    let typed = |days: u64, time: &str| {
        nanning
            .from_local_datetime(
                &day(days).and_time(NaiveTime::parse_from_str(time, "%H:%M").unwrap()),
            )
            .unwrap()
    };
    assert_eq!(fields_before, json!(true), "first come: no ballot fields");
    assert_eq!(listed_allocation.as_deref(), Some("BALLOT"));
    assert_eq!(created.data("/item/status"), "BALLOT");
    assert_eq!(created.data("/item/allocation"), "BALLOT");
    assert_eq!(created.data("/item/claimMinutes"), 45);
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(
            created.data("/item/ballotClosesAt").as_str().unwrap()
        )
        .unwrap(),
        typed(1, "12:00"),
        "noon in the festival's zone"
    );
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(created.data("/item/ballotOpensAt").as_str().unwrap())
            .unwrap()
            .with_timezone(&nanning)
            .format("%Y-%m-%dT%H:%M")
            .to_string(),
        opens
    );
    let noon = created.data("/item/ballotClosesAt").as_str().unwrap();
    assert_eq!(
        open_line,
        format!(
            "Ballot · 2 entries · 0 won · open until {}",
            on_the_consoles_clock(noon)
        )
    );
    assert!(!drawable_while_open);
    assert_eq!(
        closed_line,
        format!(
            "Ballot · one entry · 0 won · closed {}, not drawn yet\nDraw now",
            on_the_consoles_clock(&closes_at.to_rfc3339())
        )
    );
    assert_eq!(won.as_deref(), Some("1"));
    assert!(
        [
            "The ballot for Ròm, last call is drawn: the winners may claim their tickets now.",
            // The server's own job may draw it first, at the close.
            "The ballot for Ròm, last call was drawn already.",
        ]
        .contains(&notice.as_str()),
        "{notice}"
    );
    assert!(drawn.data("/item/ballotDrawnAt").is_string());
    assert_eq!(drawn.data("/item/status"), "OPEN");
    assert!(
        open_in_chinese.starts_with("抽签 · 2 个报名 · 0 个中签 · 报名截止 "),
        "{open_in_chinese}"
    );
}
