//! A programme item for an attendee's calendar: `GET
//! /items/{id}/calendar.ics`, an RFC 5545 file read back here by hand.

use chrono::{DateTime, FixedOffset};
use serde_json::json;

use usher_tests::TestApp;
use usher_tests::catalogue::{create_item, festival};
use usher_tests::on_both_databases;

on_both_databases!(
    an_item_downloads_as_an_icalendar_event_in_the_festivals_local_time,
    a_cancelled_item_says_so_and_unknown_items_are_not_found,
);

/// A property of an unfolded iCalendar file: name, parameters, value.
#[derive(Debug)]
struct Property {
    name: String,
    params: String,
    value: String,
}

/// The file's lines unfolded (RFC 5545, 3.1), after checking that each
/// physical line ends with CRLF and holds at most 75 octets.
fn unfold(ics: &str) -> Vec<Property> {
    assert!(ics.ends_with("\r\n"), "{ics:?}");
    for line in ics.split_terminator("\r\n") {
        assert!(
            !line.contains('\n') && !line.contains('\r'),
            "bare line break in {line:?}"
        );
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
    }
    ics.replace("\r\n ", "")
        .split_terminator("\r\n")
        .map(|line| {
            let (head, value) = line.split_once(':').expect("NAME:value");
            let (name, params) = head.split_once(';').unwrap_or((head, ""));
            Property {
                name: name.to_owned(),
                params: params.to_owned(),
                value: value.to_owned(),
            }
        })
        .collect()
}

/// The values of `name` within the VEVENT.
fn event<'a>(properties: &'a [Property], name: &str) -> Vec<&'a Property> {
    let start = properties
        .iter()
        .position(|p| p.name == "BEGIN" && p.value == "VEVENT")
        .expect("a VEVENT");
    properties[start..]
        .iter()
        .take_while(|p| !(p.name == "END" && p.value == "VEVENT"))
        .filter(|p| p.name == name)
        .collect()
}

fn one<'a>(properties: &'a [Property], name: &str) -> &'a Property {
    let found = event(properties, name);
    assert_eq!(found.len(), 1, "one {name}: {properties:?}");
    found[0]
}

/// A TEXT value with RFC 5545's escapes undone.
fn unescape(value: &str) -> String {
    let mut text = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => text.push('\n'),
                Some(other) => text.push(other),
                None => panic!("a lone backslash in {value:?}"),
            }
        } else {
            assert!(
                c != ',' && c != ';',
                "an unescaped {c} in the TEXT value {value:?}"
            );
            text.push(c);
        }
    }
    text
}

fn local(at: &serde_json::Value) -> String {
    let shanghai = FixedOffset::east_opt(8 * 3600).unwrap();
    DateTime::parse_from_rfc3339(at.as_str().unwrap())
        .unwrap()
        .with_timezone(&shanghai)
        .format("%Y%m%dT%H%M%S")
        .to_string()
}

async fn an_item_downloads_as_an_icalendar_event_in_the_festivals_local_time(app: TestApp) {
    let festival = festival(&app, "calendar-week").await;
    let title = "Ilo Ilo, a family; a maid — and the long years of the Asian financial crisis in Singapore, 1997";
    let item = create_item(&app, &festival, 24 * 60, json!({ "title": title })).await;
    let id = item["id"].as_str().unwrap();

    let response = app
        .get(&app.url(&format!("/items/{id}/calendar.ics")), None)
        .await;

    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/calendar; charset=utf-8"
    );
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"ilo-ilo-a-family")
            && disposition.ends_with(".ics\""),
        "{disposition}"
    );
    let ics = response.text().await.unwrap();
    assert!(
        ics.lines().any(|line| line.starts_with(' ')),
        "the long title is folded:\n{ics}"
    );
    let properties = unfold(&ics);
    let calendar: Vec<(&str, &str)> = properties
        .iter()
        .take(5)
        .map(|p| (p.name.as_str(), p.value.as_str()))
        .collect();
    assert_eq!(calendar[0], ("BEGIN", "VCALENDAR"));
    assert_eq!(calendar[2], ("VERSION", "2.0"));
    assert_eq!(calendar[3], ("CALSCALE", "GREGORIAN"));
    assert_eq!(calendar[4], ("METHOD", "PUBLISH"));
    assert_eq!(properties[1].name, "PRODID");
    assert_eq!(
        properties
            .last()
            .map(|p| (p.name.as_str(), p.value.as_str())),
        Some(("END", "VCALENDAR"))
    );

    let host = app.address.trim_start_matches("http://");
    assert_eq!(one(&properties, "UID").value, format!("{id}@{host}"));
    let stamp = &one(&properties, "DTSTAMP").value;
    assert!(stamp.len() == 16 && stamp.ends_with('Z'), "UTC: {stamp}");
    let starts = one(&properties, "DTSTART");
    assert_eq!(starts.params, "TZID=Asia/Shanghai");
    assert_eq!(starts.value, local(&item["startsAt"]), "local time");
    let ends = one(&properties, "DTEND");
    assert_eq!(ends.params, "TZID=Asia/Shanghai");
    assert_eq!(
        unescape(&one(&properties, "SUMMARY").value),
        title,
        "the title, unfolded and unescaped"
    );
    assert_eq!(
        unescape(&one(&properties, "LOCATION").value),
        "Hall 2, Minzu Avenue"
    );
    let description = unescape(&one(&properties, "DESCRIPTION").value);
    assert_eq!(
        description.lines().collect::<Vec<_>>(),
        [
            "Film: Ròm (VN), 79 min",
            "Gates: A, B",
            &format!(
                "Doors open at {}:{}",
                &local(&item["doorsOpenAt"])[9..11],
                &local(&item["doorsOpenAt"])[11..13]
            ),
            "Film Week",
        ]
    );
    assert_eq!(one(&properties, "URL").value, format!("{}/", app.address));
    assert_eq!(one(&properties, "STATUS").value, "CONFIRMED");

    let zone: Vec<(&str, &str)> = properties
        .iter()
        .skip_while(|p| p.value != "VTIMEZONE")
        .take_while(|p| !(p.name == "END" && p.value == "VTIMEZONE"))
        .map(|p| (p.name.as_str(), p.value.as_str()))
        .collect();
    assert!(zone.contains(&("TZID", "Asia/Shanghai")), "{zone:?}");
    assert!(zone.contains(&("BEGIN", "STANDARD")), "{zone:?}");
    assert!(zone.contains(&("TZOFFSETTO", "+0800")), "{zone:?}");
    assert!(!zone.contains(&("BEGIN", "DAYLIGHT")), "{zone:?}");
}

async fn a_cancelled_item_says_so_and_unknown_items_are_not_found(app: TestApp) {
    let festival = festival(&app, "cancelled-week").await;
    let item = create_item(&app, &festival, 60, json!({})).await;
    let id = item["id"].as_str().unwrap();
    app.gql(
        Some(&festival.admin),
        "mutation($id: ID!) { cancelItem(itemId: $id) { id } }",
        json!({ "id": id }),
    )
    .await
    .data("/cancelItem");

    let ics = app
        .get(&app.url(&format!("/items/{id}/calendar.ics")), None)
        .await
        .text()
        .await
        .unwrap();
    let unknown = app
        .get(
            &app.url(&format!("/items/{}/calendar.ics", uuid::Uuid::new_v4())),
            None,
        )
        .await;
    let malformed = app
        .get(&app.url("/items/nonsense/calendar.ics"), None)
        .await;

    let properties = unfold(&ics);
    assert_eq!(one(&properties, "STATUS").value, "CANCELLED");
    assert_eq!(one(&properties, "SEQUENCE").value, "1");
    assert_eq!(one(&properties, "SUMMARY").value, "Ròm");
    assert_eq!(unknown.status().as_u16(), 404);
    assert_eq!(unknown.text().await.unwrap(), "no such item");
    assert_eq!(malformed.status().as_u16(), 404);
}
