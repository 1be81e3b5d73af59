//! The organizers' downloads opened in a browser: short-lived signed links
//! to the attendance CSV and an item's arrivals chart, which need no
//! Bearer header and stop working when they expire, when they are altered
//! or when their maker no longer organizes the festival.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;
use usher_api::signed_links::{LinkSigner, SIGNED_LINK_SECRET};
use usher_domain::ids::UserId;
use usher_domain::roles::{Role, RoleGrant};

use usher_tests::TestApp;
use usher_tests::catalogue::{Festival, create_item, festival};
use usher_tests::on_both_databases;

on_both_databases!(
    a_signed_link_opens_the_csv_and_the_chart_without_a_token,
    altered_and_expired_links_are_refused,
    a_link_stops_working_when_its_maker_loses_the_role,
    only_organizers_and_admins_get_signed_links,
);

const LINKS: &str = "query($festival: ID!, $item: ID!) {
    festival(id: $festival) { signedAttendanceCsvUrl }
    item(id: $item) { signedArrivalsChartUrl }
}";

/// A festival with an item and an organizer (not an admin): (festival,
/// item id, the organizer's token).
async fn organized(app: &TestApp, slug: &str) -> (Festival, String, String) {
    let festival = festival(app, slug).await;
    let item = create_item(app, &festival, 10, json!({})).await;
    let organizer = app
        .user_with(
            &format!("lead@{slug}.example"),
            &[RoleGrant::new(Role::Organizer, Some(festival.id.parse().unwrap()), None).unwrap()],
        )
        .await;
    (festival, item["id"].as_str().unwrap().to_owned(), organizer)
}

/// The two signed links, as `token`'s holder asks for them.
async fn links(app: &TestApp, token: &str, festival: &Festival, item: &str) -> (String, String) {
    let answer = app
        .gql(
            Some(token),
            LINKS,
            json!({ "festival": festival.id, "item": item }),
        )
        .await;
    let text = |pointer: &str| answer.data(pointer).as_str().unwrap().to_owned();
    (
        text("/festival/signedAttendanceCsvUrl"),
        text("/item/signedArrivalsChartUrl"),
    )
}

async fn a_signed_link_opens_the_csv_and_the_chart_without_a_token(app: TestApp) {
    let (festival, item, organizer) = organized(&app, "linked").await;

    let (csv_url, chart_url) = links(&app, &organizer, &festival, &item).await;
    let csv = app.get(&csv_url, None).await;
    let chart = app.get(&chart_url, None).await;
    let with_header = app
        .get(
            &app.url(&format!("/festivals/{}/attendance.csv", festival.id)),
            Some(&organizer),
        )
        .await;

    let csv_path = format!("/festivals/{}/attendance.csv", festival.id);
    assert!(
        csv_url.starts_with(&format!("{}{csv_path}?expires=", app.address)),
        "{csv_url}"
    );
    assert!(csv_url.contains("&signature="), "{csv_url}");
    assert!(
        chart_url.starts_with(&app.url(&format!("/items/{item}/arrivals.svg?expires="))),
        "{chart_url}"
    );
    assert_eq!(csv.status().as_u16(), 200);
    assert_eq!(csv.headers()["cache-control"], "private, no-store");
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = csv.text().await.unwrap();
    assert!(text.starts_with("item_id,title,"), "{text}");
    assert_eq!(chart.status().as_u16(), 200);
    assert_eq!(chart.headers()["content-type"], "image/svg+xml");
    assert_eq!(chart.headers()["cache-control"], "private, no-store");
    assert!(chart.text().await.unwrap().starts_with("<svg"));
    assert_eq!(
        with_header.status().as_u16(),
        200,
        "the Bearer header works as before"
    );
    assert!(with_header.headers().get("cache-control").is_none());
}

/// The link's query parts, by name.
fn part<'a>(url: &'a str, name: &str) -> &'a str {
    url.split_once('?')
        .unwrap()
        .1
        .split('&')
        .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
        .unwrap()
}

async fn altered_and_expired_links_are_refused(app: TestApp) {
    let (festival, item, organizer) = organized(&app, "altered").await;
    let other = create_item(&app, &festival, 20, json!({})).await;
    let (csv_url, chart_url) = links(&app, &organizer, &festival, &item).await;
    let expires: i64 = part(&csv_url, "expires").parse().unwrap();
    let user: UserId = part(&csv_url, "user").parse().unwrap();
    // A link that expired a minute ago, signed with the server's own key
    // (read from the database, as another instance would).
    let key = app
        .store
        .shared_secret(SIGNED_LINK_SECRET, "unused".into())
        .await
        .unwrap();
    let signer = LinkSigner::new(&STANDARD.decode(key).unwrap()).unwrap();
    let csv_path = format!("/festivals/{}/attendance.csv", festival.id);
    let expired = app.url(&format!(
        "{csv_path}?{}",
        signer.query(&csv_path, chrono::Utc::now().timestamp() - 60, user)
    ));
    let genuine_now = app.url(&format!(
        "{csv_path}?{}",
        signer.query(&csv_path, chrono::Utc::now().timestamp() + 60, user)
    ));
    let later = csv_url.replace(
        &format!("expires={expires}"),
        &format!("expires={}", expires + 3600),
    );
    let signature = part(&csv_url, "signature");
    // The first character carries six whole bits: any other is a
    // well-formed signature (the last one's low bits must stay zero).
    let first = if signature.starts_with('A') { "B" } else { "A" };
    let forged_signature = format!("{first}{}", &signature[1..]);
    let forged = csv_url.replace(signature, &forged_signature);
    let other_item = chart_url.replace(&item, other["id"].as_str().unwrap());
    let by_slug = csv_url.replace(&festival.id, "altered");
    let no_signature = csv_url.split("&signature=").next().unwrap().to_owned();

    assert_eq!(app.get(&genuine_now, None).await.status().as_u16(), 200);
    for (what, url, why) in [
        ("expired", expired, "this link expired 6"),
        ("a later expiry", later, "does not match"),
        ("another signature", forged, "does not match"),
        ("another item", other_item, "does not match"),
        ("another path to the festival", by_slug, "does not match"),
        ("no signature", no_signature, "lacks some"),
    ] {
        let refused = app.get(&url, None).await;
        assert_eq!(refused.status().as_u16(), 401, "{what}");
        let text = refused.text().await.unwrap();
        assert!(text.contains(why), "{what}: {text}");
    }
}

async fn a_link_stops_working_when_its_maker_loses_the_role(app: TestApp) {
    let (festival, item, organizer) = organized(&app, "revoked").await;
    let (csv_url, chart_url) = links(&app, &organizer, &festival, &item).await;
    assert_eq!(app.get(&csv_url, None).await.status().as_u16(), 200);

    app.gql(
        Some(&festival.admin),
        "mutation($input: RevokeRoleInput!) { revokeRole(input: $input) { email } }",
        json!({ "input": { "email": "lead@revoked.example", "role": "ORGANIZER", "festivalId": festival.id } }),
    )
    .await
    .data("/revokeRole");
    let csv = app.get(&csv_url, None).await;
    let chart = app.get(&chart_url, None).await;

    assert_eq!(csv.status().as_u16(), 403);
    assert!(
        csv.text().await.unwrap().contains("no longer organizes"),
        "says why"
    );
    assert_eq!(chart.status().as_u16(), 403);
}

async fn only_organizers_and_admins_get_signed_links(app: TestApp) {
    let (festival, item, _) = organized(&app, "gated").await;
    let attendee = app.attendee("fan@example.org").await;
    let staff = app
        .user_with(
            "gate@example.org",
            &[RoleGrant::new(Role::DoorStaff, Some(festival.id.parse().unwrap()), None).unwrap()],
        )
        .await;
    let variables = json!({ "festival": festival.id, "item": item });

    let by_attendee = app.gql(Some(&attendee), LINKS, variables.clone()).await;
    let by_staff = app.gql(Some(&staff), LINKS, variables.clone()).await;
    let anonymous = app.gql(None, LINKS, variables).await;
    let (csv_url, _) = links(&app, &festival.admin, &festival, &item).await;

    assert_eq!(by_attendee.error_code(), "FORBIDDEN");
    assert_eq!(by_attendee.0["errors"].as_array().unwrap().len(), 2);
    assert_eq!(by_staff.error_code(), "FORBIDDEN");
    assert_eq!(anonymous.error_code(), "UNAUTHENTICATED");
    assert_eq!(
        app.get(&csv_url, None).await.status().as_u16(),
        200,
        "an admin's link"
    );
}
