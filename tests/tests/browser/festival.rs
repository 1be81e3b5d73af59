//! The festival app (/) as attendees use it: signing up, reserving two
//! tickets, carrying them offline with QR codes that scan, availability
//! that moves while the page stays open, refusals as sentences, an
//! attendee's no-show strikes with the block they bring, and a ballot
//! entered, confirmed as a partner, won and claimed.
//!
//! With `USHER_SCREENSHOTS=DIR` the tests leave the README's screenshots
//! in DIR.

use std::time::Duration;

use chrono::{DateTime, FixedOffset, SubsecRound, Utc};
use serde_json::{Value, json};
use usher_tests::browser::{Browser, BrowserOptions, qr_codes_in};
use usher_tests::catalogue::{self, Festival};
use usher_tests::tickets::{buy, cancel};
use usher_tests::{PASSWORD, TestApp, on_both_databases_in_a_browser};

const WAIT: Duration = Duration::from_secs(15);

on_both_databases_in_a_browser!(
    an_attendee_signs_up_reserves_two_tickets_and_shows_them_offline,
    availability_follows_a_rush_of_reservations_without_a_reload,
    a_refusal_is_a_sentence_in_the_pages_language,
    an_attendee_joins_the_standby_line_of_a_sold_out_item_and_is_let_in,
    an_attendee_sees_their_strikes_and_until_when_they_cannot_reserve,
    an_attendee_enters_a_ballot_confirms_as_a_partner_wins_and_claims,
);

const EMAIL: &str = "mai@example.com";

async fn sign_up(browser: &Browser, app: &TestApp) {
    browser.goto(&app.url("/#account")).await.unwrap();
    // The account view shows once the page's modules have run: typing
    // before then meets a hidden form.
    browser
        .wait_until(
            "const field = document.querySelector('#sign-up [name=displayName]');
             return field !== null && field.getClientRects().length > 0;",
            WAIT,
        )
        .await
        .unwrap();
    browser
        .type_into("#sign-up [name=displayName]", "Tran Thi Mai")
        .await
        .unwrap();
    browser
        .type_into("#sign-up [name=email]", EMAIL)
        .await
        .unwrap();
    browser
        .type_into("#sign-up [name=password]", &format!("{PASSWORD}\n"))
        .await
        .unwrap();
    browser
        .wait_for_attribute("html", "data-signed-in", "true", WAIT)
        .await
        .unwrap();
}

/// Opens the reservation of `item` on the programme, for `quantity` tickets.
async fn open_reservation(browser: &Browser, item: &Value, quantity: u32) {
    browser
        .goto(
            &browser
                .current_url()
                .await
                .unwrap()
                .replace("#account", "#programme"),
        )
        .await
        .unwrap();
    let reserve = format!(
        ".item[data-item-id=\"{}\"] .reserve",
        item["id"].as_str().unwrap()
    );
    browser.wait_for(&reserve, WAIT).await.unwrap();
    browser.click(&reserve).await.unwrap();
    browser
        .set_value("#reserve-quantity", &quantity.to_string())
        .await
        .unwrap();
}

async fn an_attendee_signs_up_reserves_two_tickets_and_shows_them_offline(app: TestApp) {
    let festival = catalogue::festival(&app, "film-week").await;
    let item = catalogue::create_item(&app, &festival, 24 * 60, json!({})).await;
    let browser = Browser::launch(BrowserOptions::default()).await.unwrap();
    sign_up(&browser, &app).await;
    open_reservation(&browser, &item, 2).await;
    browser
        .type_into("#holder-names label:nth-child(2) input", "Le Van Binh")
        .await
        .unwrap();
    browser
        .screenshot_for_readme("festival-reserve")
        .await
        .unwrap();
    browser.click("#reserve-submit").await.unwrap();
    browser
        .wait_until(
            "return document.querySelectorAll('.card').length === 2;",
            WAIT,
        )
        .await
        .unwrap();
    let notice = browser.text("#notice").await.unwrap();
    browser
        .screenshot_for_readme("festival-tickets")
        .await
        .unwrap();

    browser.set_offline(true).await.unwrap();
    browser.reload().await.unwrap();
    browser
        .wait_for_attribute("html", "data-online", "false", WAIT)
        .await
        .unwrap();
    browser
        .wait_until(
            "return document.querySelectorAll('.card').length === 2;",
            WAIT,
        )
        .await
        .unwrap();
    let mut seen = Vec::new();
    for card in 1..=2 {
        browser
            .execute(
                "document.querySelector(`.card:nth-child(${arguments[0]}) .qr`).scrollIntoView({ block: 'center' });",
                &[json!(card)],
            )
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        seen.extend(qr_codes_in(&browser.screenshot_png().await.unwrap()));
    }
    browser
        .screenshot_for_readme("festival-ticket-offline")
        .await
        .unwrap();
    let (token, _) = app.sign_in(EMAIL, PASSWORD).await;
    let tickets = app
        .gql(Some(&token), "{ myTickets { code holderName } }", json!({}))
        .await;
    let mut codes: Vec<&str> = tickets
        .data("/myTickets")
        .as_array()
        .unwrap()
        .iter()
        .map(|ticket| ticket["code"].as_str().unwrap())
        .collect();
    let mut holders: Vec<&str> = tickets
        .data("/myTickets")
        .as_array()
        .unwrap()
        .iter()
        .map(|ticket| ticket["holderName"].as_str().unwrap())
        .collect();

    assert_eq!(notice, "Your 2 tickets for Ròm are below.");
    seen.sort();
    seen.dedup();
    codes.sort();
    holders.sort();
    assert_eq!(
        seen, codes,
        "the QR codes on the screen are the tickets' codes"
    );
    assert_eq!(holders, ["Le Van Binh", "Tran Thi Mai"]);
}

async fn availability_follows_a_rush_of_reservations_without_a_reload(app: TestApp) {
    let festival = catalogue::festival(&app, "film-week").await;
    let item =
        catalogue::create_item(&app, &festival, 24 * 60, json!({ "ticketCapacity": 5 })).await;
    let card = format!(".item[data-item-id=\"{}\"]", item["id"].as_str().unwrap());
    let browser = Browser::launch(BrowserOptions::default()).await.unwrap();
    browser.goto(&app.url("/")).await.unwrap();
    browser
        .wait_for_attribute(&card, "data-tickets-left", "5", WAIT)
        .await
        .unwrap();

    let rush = (0..5).map(|n| {
        let app = &app;
        let item = &item;
        async move {
            let token = app.attendee(&format!("rush{n}@example.com")).await;
            app.reserve(&token, item).await
        }
    });
    futures::future::join_all(rush).await;
    browser
        .wait_for_attribute(&card, "data-status", "SOLD_OUT", WAIT)
        .await
        .unwrap();
    let shown = browser
        .text(&format!("{card} .availability"))
        .await
        .unwrap();

    assert_eq!(
        browser
            .attribute(&card, "data-tickets-left")
            .await
            .unwrap()
            .as_deref(),
        Some("0")
    );
    assert_eq!(shown, "Sold out · 0 waiting");
}

async fn a_refusal_is_a_sentence_in_the_pages_language(app: TestApp) {
    let festival = catalogue::festival(&app, "film-week").await;
    let item = catalogue::create_item(
        &app,
        &festival,
        24 * 60,
        json!({ "maxTicketsPerAttendee": 1 }),
    )
    .await;
    let browser = Browser::launch(BrowserOptions {
        language: "zh-CN".to_owned(),
        dark: true,
        ..BrowserOptions::default()
    })
    .await
    .unwrap();
    sign_up(&browser, &app).await;
    let (token, _) = app.sign_in(EMAIL, PASSWORD).await;
    app.reserve(&token, &item).await.data("/reserveTickets");
    open_reservation(&browser, &item, 1).await;
    browser.click("#reserve-submit").await.unwrap();
    browser
        .wait_for("#reserve-problem:not([hidden])", WAIT)
        .await
        .unwrap();
    let problem = browser.text("#reserve-problem").await.unwrap();
    browser
        .screenshot_for_readme("festival-refusal-zh-dark")
        .await
        .unwrap();

    assert_eq!(problem, "您持有的票已达此场次的上限（1 张）。");
}

async fn an_attendee_joins_the_standby_line_of_a_sold_out_item_and_is_let_in(app: TestApp) {
    let festival = catalogue::festival(&app, "standby-page").await;
    let item = catalogue::create_item(&app, &festival, 20, json!({ "ticketCapacity": 1 })).await;
    let item_id = item["id"].as_str().unwrap();
    let holder = app.attendee("holder@example.com").await;
    app.reserve(&holder, &item).await.data("/reserveTickets/id");
    let call = |count: i64| {
        let app = &app;
        let admin = festival.admin.clone();
        let item_id = item_id.to_owned();
        async move {
            app.gql(
                Some(&admin),
                "mutation($input: CallStandbyInput!) { callStandby(input: $input) { number } }",
                json!({ "input": { "itemId": item_id, "count": count } }),
            )
            .await
        }
    };
    app.gql(
        Some(&festival.admin),
        "mutation($input: AddStandbyWalkUpInput!) { addStandbyWalkUp(input: $input) { number } }",
        json!({ "input": { "itemId": item_id, "name": "Bao", "quantity": 2 } }),
    )
    .await
    .data("/addStandbyWalkUp/number");
    let browser = Browser::launch(BrowserOptions::default()).await.unwrap();
    sign_up(&browser, &app).await;
    browser
        .wait_until("return location.hash === '#programme';", WAIT)
        .await
        .unwrap();

    let join = format!(".item[data-item-id=\"{item_id}\"] .standby");
    browser.wait_for(&join, WAIT).await.unwrap();
    browser.click(&join).await.unwrap();
    browser.set_value("#standby-quantity", "1").await.unwrap();
    browser.click("#standby-submit").await.unwrap();
    let place = format!(".place[data-item-id=\"{item_id}\"]");
    browser
        .wait_for_attribute(&place, "data-people-ahead", "2", WAIT)
        .await
        .unwrap();
    let number = browser
        .attribute(&place, "data-standby-number")
        .await
        .unwrap();
    browser
        .screenshot_for_readme("festival-standby")
        .await
        .unwrap();
    assert_eq!(call(1).await.data("/callStandby/0/number"), 1);
    browser
        .wait_for_attribute(&place, "data-people-ahead", "0", WAIT)
        .await
        .unwrap();
    assert_eq!(call(1).await.data("/callStandby/0/number"), 2);
    browser
        .wait_for_attribute(&place, "data-standby-admitted", "true", WAIT)
        .await
        .unwrap();
    // The place became a ticket, checked in: it shows without a reload.
    let ticket = "#ticket-list .card[data-from-standby=\"true\"]";
    browser.wait_for(ticket, WAIT).await.unwrap();
    let ticket_status = (
        browser.attribute(ticket, "data-status").await.unwrap(),
        browser.text(&format!("{ticket} .status")).await.unwrap(),
    );
    let loads = browser
        .execute(
            "return performance.getEntriesByType('navigation').length;",
            &[],
        )
        .await
        .unwrap();

    assert_eq!(number.as_deref(), Some("2"));
    assert_eq!(
        ticket_status,
        (
            Some("CHECKED_IN".to_owned()),
            "Checked in from the standby line".to_owned()
        )
    );
    assert_eq!(loads, json!(1), "followed live, without a reload");
}

/// Two strikes against the holder of `token` at `festival`, counted: a
/// ticket left unscanned (`NO_SHOW`) and one given back moments before the
/// start (`LATE_CANCELLATION`), of two items starting in a few seconds
/// with no late entry. The two items, in that order.
pub(crate) async fn two_strikes(app: &TestApp, festival: &Festival, token: &str) -> (Value, Value) {
    let starts_at = (Utc::now() + chrono::Duration::seconds(6)).trunc_subsecs(0);
    let soon = json!({
        "startsAt": starts_at.to_rfc3339(),
        "endsAt": (starts_at + chrono::Duration::minutes(90)).to_rfc3339(),
        "reservationOpensAt": catalogue::at(-60),
        "lateEntryMinutes": 0,
    });
    let missed = catalogue::create_item(app, festival, 0, soon.clone()).await;
    let dropped = catalogue::create_item(app, festival, 0, soon).await;
    buy(app, token, &missed).await;
    let given_back = buy(app, token, &dropped).await;
    cancel(app, token, &given_back["id"]).await;
    // Counted once late entry has closed, by this call or by a job of
    // the server's that came first.
    let wait = (starts_at - Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(wait + Duration::from_millis(500)).await;
    app.store.count_due_no_shows(Utc::now()).await.unwrap();
    (missed, dropped)
}

/// `at` (RFC 3339) on Nanning's clock (UTC+8 all year), as the pages
/// write a moment in English: `Sat, Dec 13 19:45`.
pub(crate) fn in_nanning(at: &str) -> String {
    let nanning = FixedOffset::east_opt(8 * 3600).unwrap();
    DateTime::parse_from_rfc3339(at)
        .unwrap()
        .with_timezone(&nanning)
        .format("%a, %b %-d %H:%M")
        .to_string()
}

async fn an_attendee_sees_their_strikes_and_until_when_they_cannot_reserve(app: TestApp) {
    let festival = catalogue::festival_with(
        &app,
        "strikes-page",
        json!({ "allowOverlappingTickets": true, "noShowLimit": 2, "noShowBlockDays": 1 }),
    )
    .await;
    let later = catalogue::create_item(&app, &festival, 24 * 60, json!({})).await;
    let browser = Browser::launch(BrowserOptions::default()).await.unwrap();
    sign_up(&browser, &app).await;
    browser
        .wait_until("return location.hash === '#programme';", WAIT)
        .await
        .unwrap();
    let (token, _) = app.sign_in(EMAIL, PASSWORD).await;
    let (missed, dropped) = two_strikes(&app, &festival, &token).await;
    let me = app
        .gql(
            Some(&token),
            "{ me { blockedUntil noShows { id kind } } }",
            json!({}),
        )
        .await;
    let until = me.data("/me/blockedUntil").as_str().unwrap().to_owned();

    browser.goto(&app.url("/#tickets")).await.unwrap();
    browser
        .wait_for_attribute("#standing", "data-strikes", "2", WAIT)
        .await
        .unwrap();
    let shown_until = browser
        .attribute("#standing", "data-blocked-until")
        .await
        .unwrap();
    let blocked = browser.text("#standing-blocked").await.unwrap();
    let strikes = browser
        .execute(
            "return [...document.querySelectorAll('#strike-list li')]
               .map((line) => [line.dataset.itemId, line.dataset.kind, line.dataset.forgiven,
                               line.querySelector('.kind').textContent]);",
            &[],
        )
        .await
        .unwrap();
    browser
        .screenshot_for_readme("festival-strikes")
        .await
        .unwrap();

    // Reserving says until when, on the festival's clock.
    browser.goto(&app.url("/#programme")).await.unwrap();
    let day = in_nanning_day(later["startsAt"].as_str().unwrap());
    let day_tab = format!(".days button[data-day=\"{day}\"]");
    browser.wait_for(&day_tab, WAIT).await.unwrap();
    browser.click(&day_tab).await.unwrap();
    let reserve = format!(
        ".item[data-item-id=\"{}\"] .reserve",
        later["id"].as_str().unwrap()
    );
    browser.wait_for(&reserve, WAIT).await.unwrap();
    browser.click(&reserve).await.unwrap();
    browser.click("#reserve-submit").await.unwrap();
    browser
        .wait_for("#reserve-problem:not([hidden])", WAIT)
        .await
        .unwrap();
    let refused = browser.text("#reserve-problem").await.unwrap();
    browser.click("#reserve-cancel").await.unwrap();

    // In Chinese, on the same phone.
    browser.goto(&app.url("/#tickets")).await.unwrap();
    browser.set_value("#language", "zh-CN").await.unwrap();
    browser
        .wait_until(
            "return document.getElementById('standing-blocked').textContent.includes('之前不能预约');",
            WAIT,
        )
        .await
        .unwrap();
    let blocked_in_chinese = browser.text("#standing-blocked").await.unwrap();
    browser.execute("scrollTo(0, 0);", &[]).await.unwrap();
    browser
        .screenshot_for_readme("festival-strikes-zh")
        .await
        .unwrap();

    // Forgiven by an organizer, a strike stays listed and the block ends.
    let late = me
        .data("/me/noShows")
        .as_array()
        .unwrap()
        .iter()
        .find(|strike| strike["kind"] == "LATE_CANCELLATION")
        .unwrap()["id"]
        .clone();
    app.gql(
        Some(&festival.admin),
        "mutation($id: ID!) { forgiveNoShow(noShowId: $id) { forgivenAt } }",
        json!({ "id": late }),
    )
    .await
    .data("/forgiveNoShow/forgivenAt");
    browser.goto(&app.url("/#programme")).await.unwrap();
    browser.goto(&app.url("/#tickets")).await.unwrap();
    browser
        .wait_for_attribute("#standing", "data-blocked-until", "", WAIT)
        .await
        .unwrap();
    let forgiven = browser
        .attribute(
            "#strike-list li[data-kind=LATE_CANCELLATION]",
            "data-forgiven",
        )
        .await
        .unwrap();
    let notice_hidden = browser
        .execute(
            "return document.getElementById('standing-blocked').hidden;",
            &[],
        )
        .await
        .unwrap();

    assert_eq!(shown_until.as_deref(), Some(until.as_str()));
    assert_eq!(
        blocked,
        format!(
            "You cannot reserve until {} because of 2 no-shows and late cancellations. \
             Waitlists and standby lines are closed to you until then too.",
            in_nanning(&until)
        )
    );
    let mut strikes: Vec<Value> = strikes.as_array().unwrap().clone();
    strikes.sort_by_key(|strike| strike[1].as_str().unwrap().to_owned());
    assert_eq!(
        strikes,
        [
            json!([
                dropped["id"],
                "LATE_CANCELLATION",
                "false",
                "Late cancellation"
            ]),
            json!([missed["id"], "NO_SHOW", "false", "No-show"]),
        ]
    );
    assert_eq!(
        refused,
        format!(
            "You cannot reserve, join a waitlist or a standby line until {}: \
             too many no-shows and late cancellations. See My tickets.",
            in_nanning(&until)
        )
    );
    assert!(
        blocked_in_chinese.starts_with("由于 2 次爽约（未到场或临近开场退票），您在 "),
        "{blocked_in_chinese}"
    );
    assert!(
        blocked_in_chinese.contains(&in_nanning(&until)[in_nanning(&until).len() - 5..]),
        "the time of day: {blocked_in_chinese}"
    );
    assert_eq!(forgiven.as_deref(), Some("true"));
    assert_eq!(notice_hidden, json!(true));
}

/// The day (`YYYY-MM-DD`) of `at` in Nanning, as the programme's day tabs name it.
fn in_nanning_day(at: &str) -> String {
    let nanning = FixedOffset::east_opt(8 * 3600).unwrap();
    DateTime::parse_from_rfc3339(at)
        .unwrap()
        .with_timezone(&nanning)
        .format("%Y-%m-%d")
        .to_string()
}

/// Shows My tickets read again: the programme, then My tickets.
async fn my_tickets_again(browser: &Browser, app: &TestApp) {
    browser.goto(&app.url("/#programme")).await.unwrap();
    browser.goto(&app.url("/#tickets")).await.unwrap();
}

async fn an_attendee_enters_a_ballot_confirms_as_a_partner_wins_and_claims(app: TestApp) {
    let festival = catalogue::festival_with(
        &app,
        "ballot-page",
        json!({ "allowOverlappingTickets": true }),
    )
    .await;
    let closes_at = (Utc::now() + chrono::Duration::minutes(60)).trunc_subsecs(0);
    let ballot = |title: &str| {
        json!({
            "title": title,
            "ticketCapacity": 10,
            "maxTicketsPerAttendee": 3,
            "allocation": "BALLOT",
            "ballotOpensAt": catalogue::at(-1),
            "ballotClosesAt": closes_at.to_rfc3339(),
            "claimMinutes": 30,
        })
    };
    let premiere =
        catalogue::create_item(&app, &festival, 2 * 24 * 60, ballot("Ròm, the premiere")).await;
    let encore = catalogue::create_item(
        &app,
        &festival,
        2 * 24 * 60 + 180,
        ballot("Ròm, the encore"),
    )
    .await;
    let premiere_id = premiere["id"].as_str().unwrap();
    let encore_id = encore["id"].as_str().unwrap();
    let browser = Browser::launch(BrowserOptions::default()).await.unwrap();
    sign_up(&browser, &app).await;
    browser
        .wait_until("return location.hash === '#programme';", WAIT)
        .await
        .unwrap();

    // On the programme: by ballot, entered for two tickets.
    let card = format!(".item[data-item-id=\"{premiere_id}\"]");
    browser
        .wait_for_attribute(&card, "data-status", "BALLOT", WAIT)
        .await
        .unwrap();
    let availability = browser
        .text(&format!("{card} .availability"))
        .await
        .unwrap();
    let reserve_hidden = browser
        .execute(
            "return document.querySelector(arguments[0] + ' .reserve').hidden;",
            &[json!(card)],
        )
        .await
        .unwrap();
    browser.click(&format!("{card} .ballot")).await.unwrap();
    browser.set_value("#ballot-quantity", "2").await.unwrap();
    browser.click("#ballot-submit").await.unwrap();
    let entry = format!("#ballot-list li[data-item-id=\"{premiere_id}\"]");
    browser
        .wait_for_attribute(&entry, "data-ballot-state", "open", WAIT)
        .await
        .unwrap();
    let entered_notice = browser.text("#notice").await.unwrap();
    let entered = browser.text(&format!("{entry} .sentence")).await.unwrap();
    let withdraw_shown = browser
        .exists(&format!("{entry} button.withdraw"))
        .await
        .unwrap();

    // Named as a partner in someone else's entry, and confirmed.
    let linh = app.attendee("linh@example.com").await;
    let linhs = app
        .gql(
            Some(&linh),
            "mutation($input: EnterBallotInput!) { enterBallot(input: $input) { id } }",
            json!({ "input": { "itemId": encore_id, "quantity": 1, "partnerEmail": EMAIL } }),
        )
        .await
        .data("/enterBallot/id")
        .clone();
    my_tickets_again(&browser, &app).await;
    let partnered = format!("#ballot-list li[data-item-id=\"{encore_id}\"]");
    browser
        .wait_for_attribute(&partnered, "data-ballot-state", "partner-asked", WAIT)
        .await
        .unwrap();
    let asked = browser
        .text(&format!("{partnered} .sentence"))
        .await
        .unwrap();
    browser
        .click(&format!("{partnered} .confirm-partner"))
        .await
        .unwrap();
    browser
        .wait_for_attribute(&partnered, "data-partner-confirmed", "true", WAIT)
        .await
        .unwrap();
    let confirmed = browser
        .text(&format!("{partnered} .sentence"))
        .await
        .unwrap();

    // Drawn as at the close; ten places for three: every entry wins.
    let drawn = app.store.draw_due_ballots(closes_at).await.unwrap();
    // Opened afresh: what the page said before the draw is gone.
    browser.reload().await.unwrap();
    browser
        .wait_for_attribute(&entry, "data-ballot-status", "WON", WAIT)
        .await
        .unwrap();
    browser
        .wait_for_attribute(&partnered, "data-ballot-status", "WON", WAIT)
        .await
        .unwrap();
    let claim_until = browser
        .attribute(&entry, "data-claim-until")
        .await
        .unwrap()
        .unwrap();
    let won = (
        browser.text(&format!("{entry} .status")).await.unwrap(),
        browser.text(&format!("{entry} .sentence")).await.unwrap(),
        browser.text(&format!("{entry} .claim")).await.unwrap(),
    );
    let partner_won = browser
        .text(&format!("{partnered} .sentence"))
        .await
        .unwrap();
    let partner_may_claim = browser
        .exists(&format!("{partnered} .claim"))
        .await
        .unwrap();
    browser.execute("scrollTo(0, 0);", &[]).await.unwrap();
    browser
        .screenshot_for_readme("festival-ballot")
        .await
        .unwrap();

    // In Chinese, on the same phone.
    browser.set_value("#language", "zh-CN").await.unwrap();
    browser
        .wait_until(
            &format!(
                "return document.querySelector('{} .status')?.textContent === '您中签了！';",
                entry.replace('\'', "\\'")
            ),
            WAIT,
        )
        .await
        .unwrap();
    let won_in_chinese = browser.text(&format!("{entry} .claim")).await.unwrap();
    browser.execute("scrollTo(0, 0);", &[]).await.unwrap();
    browser
        .screenshot_for_readme("festival-ballot-zh")
        .await
        .unwrap();
    browser.set_value("#language", "en").await.unwrap();
    browser
        .wait_until(
            &format!(
                "return document.querySelector('{} .status')?.textContent === 'You won!';",
                entry.replace('\'', "\\'")
            ),
            WAIT,
        )
        .await
        .unwrap();

    // The draw, checked on the phone against its commitment.
    browser
        .click(&format!("{entry} details.draw summary"))
        .await
        .unwrap();
    browser
        .wait_for_attribute(
            &format!("{entry} details.draw"),
            "data-loaded",
            "drawn",
            WAIT,
        )
        .await
        .unwrap();
    let checked = browser
        .attribute(&format!("{entry} details.draw .checked"), "data-good")
        .await
        .unwrap();

    // Claimed: the two tickets show; the partner's comes with Linh's claim.
    browser.click(&format!("{entry} .claim")).await.unwrap();
    browser
        .wait_for_attribute(&entry, "data-ballot-status", "CLAIMED", WAIT)
        .await
        .unwrap();
    browser
        .wait_until(
            "return document.querySelectorAll('#ticket-list .card').length === 2;",
            WAIT,
        )
        .await
        .unwrap();
    let claimed_notice = browser.text("#notice").await.unwrap();
    app.gql(
        Some(&linh),
        "mutation($id: ID!) { claimBallotWin(entryId: $id) { id } }",
        json!({ "id": linhs }),
    )
    .await
    .data("/claimBallotWin/1/id");
    my_tickets_again(&browser, &app).await;
    browser
        .wait_for_attribute(&partnered, "data-ballot-status", "CLAIMED", WAIT)
        .await
        .unwrap();
    browser
        .wait_until(
            "return document.querySelectorAll('#ticket-list .card').length === 3;",
            WAIT,
        )
        .await
        .unwrap();
    let partner_claimed = browser
        .text(&format!("{partnered} .sentence"))
        .await
        .unwrap();
    let (token, _) = app.sign_in(EMAIL, PASSWORD).await;
    let mine = app
        .gql(
            Some(&token),
            "{ myTickets { holderName item { id } } }",
            json!({}),
        )
        .await;
    let mut held: Vec<(String, String)> = mine
        .data("/myTickets")
        .as_array()
        .unwrap()
        .iter()
        .map(|ticket| {
            (
                ticket["item"]["id"].as_str().unwrap().to_owned(),
                ticket["holderName"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    held.sort();

    // An entry in a ballot the festival then cancels.
    let midnight = catalogue::create_item(
        &app,
        &festival,
        2 * 24 * 60 + 360,
        ballot("Ròm, at midnight"),
    )
    .await;
    app.gql(
        Some(&token),
        "mutation($input: EnterBallotInput!) { enterBallot(input: $input) { id } }",
        json!({ "input": { "itemId": midnight["id"], "quantity": 1 } }),
    )
    .await
    .data("/enterBallot/id");
    app.gql(
        Some(&festival.admin),
        "mutation($id: ID!) { cancelItem(itemId: $id) { status } }",
        json!({ "id": midnight["id"] }),
    )
    .await
    .data("/cancelItem/status");
    my_tickets_again(&browser, &app).await;
    let ended = format!(
        "#ballot-list li[data-item-id=\"{}\"]",
        midnight["id"].as_str().unwrap()
    );
    browser
        .wait_for_attribute(&ended, "data-ballot-status", "CANCELLED", WAIT)
        .await
        .unwrap();
    let cancelled = (
        browser.text(&format!("{ended} .status")).await.unwrap(),
        browser.text(&format!("{ended} .sentence")).await.unwrap(),
        browser
            .exists(&format!("{ended} button, {ended} details"))
            .await
            .unwrap(),
    );
    browser
        .execute(
            "document.querySelector(arguments[0]).scrollIntoView({ block: 'center' });",
            &[json!(ended)],
        )
        .await
        .unwrap();
    browser
        .screenshot_for_readme("festival-ballot-cancelled")
        .await
        .unwrap();
    browser.set_value("#language", "zh-CN").await.unwrap();
    browser
        .wait_until(
            &format!(
                "return document.querySelector('{} .status')?.textContent === '已取消';",
                ended.replace('\'', "\\'")
            ),
            WAIT,
        )
        .await
        .unwrap();
    let cancelled_in_chinese = browser.text(&format!("{ended} .sentence")).await.unwrap();
    browser
        .screenshot_for_readme("festival-ballot-cancelled-zh")
        .await
        .unwrap();

    let closes = in_nanning(&closes_at.to_rfc3339());
    assert_eq!(availability, format!("By ballot · entries until {closes}"));
    assert_eq!(reserve_hidden, json!(true));
    assert_eq!(
        entered_notice,
        format!("You're in the ballot for Ròm, the premiere. The draw is made on {closes}.")
    );
    assert_eq!(
        entered,
        format!(
            "You're in the draw for 2 tickets. The draw is made on {closes}; \
             you may withdraw until then."
        )
    );
    assert!(withdraw_shown);
    assert_eq!(
        asked,
        format!(
            "linh named you as their partner in this ballot. Confirm by {closes} \
             to take part with one ticket of your own: you win or lose together."
        )
    );
    assert_eq!(
        confirmed,
        format!(
            "You're in the draw as linh's partner, for one ticket of your own: you win or \
             lose together. The draw is made on {closes}."
        )
    );
    assert_eq!(drawn.len(), 2, "{drawn:?}");
    assert_eq!(
        claim_until.parse::<DateTime<Utc>>().unwrap(),
        closes_at + chrono::Duration::minutes(30)
    );
    assert_eq!(
        won,
        (
            "You won!".to_owned(),
            format!(
                "Claim your 2 tickets by {}. Not claimed by then, the places go to the next \
                 entry in the draw.",
                in_nanning(&claim_until)
            ),
            "Claim your tickets".to_owned()
        )
    );
    assert_eq!(
        partner_won,
        format!(
            "Your pair won! linh claims the tickets by {}; yours then shows below.",
            in_nanning(&claim_until)
        )
    );
    assert!(!partner_may_claim, "the entrant claims a pair's win");
    assert_eq!(won_in_chinese, "领取我的票");
    assert_eq!(checked.as_deref(), Some("true"));
    assert_eq!(
        claimed_notice,
        "Your 2 tickets for Ròm, the premiere are below."
    );
    assert_eq!(partner_claimed, "Claimed by linh: your ticket is below.");
    let mut expected: Vec<(String, String)> = [encore_id, premiere_id, premiere_id]
        .into_iter()
        .map(|item| (item.to_owned(), "Tran Thi Mai".to_owned()))
        .collect();
    expected.sort();
    assert_eq!(held, expected, "two won and claimed, one as a partner");
    assert_eq!(
        cancelled,
        (
            "Cancelled".to_owned(),
            "The festival cancelled this item: its ballot ends here.".to_owned(),
            false
        )
    );
    assert_eq!(cancelled_in_chinese, "主办方已取消此场次：抽签到此结束。");
}
