//! Ballots: entries under the rules of tickets, a draw made once whatever
//! the number of instances, a result anyone recomputes from the README's
//! procedure, claims that never issue more tickets than places, and
//! unclaimed places rolled down in rank order, then to the waitlist.

use std::collections::HashSet;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use futures::future::join_all;
use futures::stream::{self, StreamExt};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use usher_domain::ids::{ItemId, UserId};
use usher_domain::input::{Email, Name};
use usher_domain::tickets::Quantity;
use usher_domain::tickets::ballot::BallotEntry;
use usher_persistence::{NewBallotEntry, NewUser};

use usher_tests::catalogue::{Festival, create_item, festival, festival_with};
use usher_tests::on_both_databases;
use usher_tests::tickets::buy;
use usher_tests::{Gql, TestApp};

on_both_databases!(
    a_ballot_item_takes_entries_under_the_rules_of_tickets,
    a_draw_of_ten_thousand_entries_is_the_one_anyone_recomputes,
    two_instances_reaching_the_close_together_draw_once,
    claims_racing_their_deadline_and_each_other_never_pass_the_places,
    unclaimed_places_roll_down_in_rank_order_then_to_the_waitlist,
    a_standing_entry_and_a_ticket_at_the_same_time_exclude_each_other,
    a_ballot_with_entries_ends_only_with_its_item,
    losers_reserving_while_places_roll_down_never_hold_both,
    cancelling_an_item_while_its_winners_claim_leaves_nothing_standing,
    a_switch_to_first_come_racing_entries_never_strands_one,
);

const ENTER: &str = "mutation($input: EnterBallotInput!) {
    enterBallot(input: $input) { id status quantity places hasPartner isPartner partnerConfirmedAt }
}";
const CONFIRM: &str = "mutation($id: ID!) { confirmBallotPartner(entryId: $id) { id places partnerConfirmedAt isPartner } }";
const WITHDRAW: &str = "mutation($id: ID!) { withdrawBallotEntry(entryId: $id) { id status } }";
const CLAIM: &str = "mutation($id: ID!) { claimBallotWin(entryId: $id) { id status holderName } }";
const MINE: &str = "{ myBallotEntries {
    id status places claimUntil isPartner entrantName partnerName item { id status }
} }";
const RESULT: &str = "query($id: ID!) { ballotResult(itemId: $id) {
    commitment secret seed entriesDigest places drawnAt entries { id rank quantity won }
} }";
const ITEM: &str = "query($id: ID!) { item(id: $id) {
    status allocation ballotOpensAt ballotClosesAt claimMinutes ballotDrawnAt ticketsLeft
    attendance { issued ballotEntries ballotWon }
} }";

fn moment(minutes: i64) -> DateTime<Utc> {
    (Utc::now() + Duration::minutes(minutes)).trunc_subsecs(0)
}

/// An item of `capacity` tickets, starting in two days, whose ballot
/// opened a minute ago and closes at `closes_at`, with 30 minutes to claim.
async fn ballot_item(
    app: &TestApp,
    festival: &Festival,
    capacity: i64,
    closes_at: DateTime<Utc>,
) -> Value {
    let item = create_item(
        app,
        festival,
        2 * 24 * 60,
        json!({
            "ticketCapacity": capacity,
            "maxTicketsPerAttendee": 3,
            "allocation": "BALLOT",
            "ballotOpensAt": moment(-1).to_rfc3339(),
            "ballotClosesAt": closes_at.to_rfc3339(),
            "claimMinutes": 30,
        }),
    )
    .await;
    assert!(item["id"].is_string(), "{item}");
    item
}

fn item_id(item: &Value) -> ItemId {
    item["id"].as_str().unwrap().parse().unwrap()
}

async fn enter(
    app: &TestApp,
    token: &str,
    item: &Value,
    quantity: i64,
    partner: Option<&str>,
) -> Gql {
    app.gql(
        Some(token),
        ENTER,
        json!({ "input": { "itemId": item["id"], "quantity": quantity, "partnerEmail": partner } }),
    )
    .await
}

/// `count` accounts made through the store (no password hashing), their ids.
async fn accounts(app: &TestApp, prefix: &str, count: usize) -> Vec<UserId> {
    stream::iter(0..count)
        .map(|n| async move {
            app.store
                .create_user(
                    NewUser {
                        email: Email::parse("email", &format!("{prefix}{n}@example.org")).unwrap(),
                        password_hash: "not a hash: these accounts never sign in".to_owned(),
                        display_name: Name::parse("displayName", &format!("{prefix} {n}")).unwrap(),
                    },
                    &[],
                )
                .await
                .unwrap()
                .id
        })
        .buffer_unordered(32)
        .collect()
        .await
}

/// `count` attendees signed in as `{prefix}{n}@example.org`, their tokens.
async fn attendees(app: &TestApp, prefix: &str, count: usize) -> Vec<String> {
    join_all(
        (0..count).map(|n| async move { app.attendee(&format!("{prefix}{n}@example.org")).await }),
    )
    .await
}

/// Enters every account in `entrants` once, through the ballot's group
/// commit, 256 at a time: entrant n for `quantity(n)` tickets, every tenth
/// naming the next of `partners` (who confirms). The entries, in order.
async fn enter_all(
    app: &TestApp,
    item: &Value,
    entrants: &[UserId],
    quantity: fn(usize) -> i64,
    partners: &[UserId],
) -> Vec<BallotEntry> {
    let item_id = item_id(item);
    let entries: Vec<BallotEntry> = stream::iter(entrants.iter().enumerate())
        .map(|(n, &entrant)| async move {
            let partner = (n % 10 == 0).then(|| partners.get(n / 10)).flatten();
            app.store
                .enter_ballot(NewBallotEntry {
                    item_id,
                    entrant_id: entrant,
                    quantity: Quantity::parse("quantity", quantity(n)).unwrap(),
                    partner_id: partner.copied(),
                    now: usher_domain::time::now(),
                })
                .await
                .unwrap()
        })
        .buffered(256)
        .collect()
        .await;
    for entry in &entries {
        if let Some(partner) = entry.partner_id {
            app.store
                .confirm_ballot_partner(entry.id, partner, usher_domain::time::now())
                .await
                .unwrap();
        }
    }
    entries
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&text[at..at + 2], 16).unwrap())
        .collect()
}

fn sha256_hex(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The README's "Checking a draw", in a few lines: the winners that the
/// published result gives, recomputed from its secret and entries alone.
fn recomputed_winners(result: &Value) -> HashSet<String> {
    let secret = unhex(result["secret"].as_str().unwrap());
    assert_eq!(
        sha256_hex(&[&secret]),
        result["commitment"].as_str().unwrap()
    );
    let mut entries: Vec<(String, u64)> = result["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            (
                entry["id"].as_str().unwrap().to_owned(),
                entry["quantity"].as_u64().unwrap(),
            )
        })
        .collect();
    entries.sort();
    let canonical: String = entries
        .iter()
        .map(|(id, places)| format!("{id}:{places}\n"))
        .collect();
    let digest = sha256_hex(&[canonical.as_bytes()]);
    assert_eq!(digest, result["entriesDigest"].as_str().unwrap());
    let seed = sha256_hex(&[&secret, &unhex(&digest)]);
    assert_eq!(seed, result["seed"].as_str().unwrap());
    let mut ranked: Vec<(String, &String, u64)> = entries
        .iter()
        .map(|(id, places)| (sha256_hex(&[&unhex(&seed), id.as_bytes()]), id, *places))
        .collect();
    ranked.sort();
    let mut left = result["places"].as_u64().unwrap();
    let mut winners = HashSet::new();
    for (_, id, places) in ranked {
        if places <= left {
            left -= places;
            winners.insert(id.clone());
        }
    }
    winners
}

async fn result(app: &TestApp, item: &Value) -> Value {
    app.gql(None, RESULT, json!({ "id": item["id"] }))
        .await
        .data("/ballotResult")
        .clone()
}

async fn item_state(app: &TestApp, festival: &Festival, item: &Value) -> Value {
    app.gql(Some(&festival.admin), ITEM, json!({ "id": item["id"] }))
        .await
        .data("/item")
        .clone()
}

fn statuses(mine: &Gql) -> Vec<String> {
    mine.data("/myBallotEntries")
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["status"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_ballot_item_takes_entries_under_the_rules_of_tickets(app: TestApp) {
    let festival = festival(&app, "ballot-rules").await;
    let closes_at = moment(60);
    let item = ballot_item(&app, &festival, 10, closes_at).await;
    let same_time = create_item(&app, &festival, 2 * 24 * 60 + 30, json!({})).await;
    let first_come = create_item(&app, &festival, 3 * 24 * 60, json!({})).await;
    let mai = app.attendee("mai@example.org").await;
    let linh = app.attendee("linh@example.org").await;
    let bao = app.attendee("bao@example.org").await;
    let busy = app.attendee("busy@example.org").await;
    buy(&app, &busy, &same_time).await;

    let reserved = app.reserve(&mai, &item).await;
    let state = item_state(&app, &festival, &item).await;
    let alone = enter(&app, &mai, &item, 2, None).await;
    let twice = enter(&app, &mai, &item, 1, None).await;
    let too_many = enter(&app, &linh, &item, 4, None).await;
    let self_partner = enter(&app, &linh, &item, 1, Some("linh@example.org")).await;
    let nobody = enter(&app, &linh, &item, 1, Some("nobody@example.org")).await;
    let overlapping = enter(&app, &busy, &item, 1, None).await;
    let not_a_ballot = enter(&app, &linh, &first_come, 1, None).await;
    let pair = enter(&app, &linh, &item, 1, Some("bao@example.org")).await;
    let pair_id = pair.data("/enterBallot/id").clone();
    let as_partner = app.gql(Some(&bao), MINE, json!({})).await;
    let stranger_confirms = app.gql(Some(&mai), CONFIRM, json!({ "id": pair_id })).await;
    let confirmed = app.gql(Some(&bao), CONFIRM, json!({ "id": pair_id })).await;
    let partner_enters = enter(&app, &bao, &item, 1, None).await;
    let withdrawn = app
        .gql(
            Some(&mai),
            WITHDRAW,
            json!({ "id": alone.data("/enterBallot/id") }),
        )
        .await;
    let again = enter(&app, &mai, &item, 1, None).await;
    let mine = app.gql(Some(&mai), MINE, json!({})).await;
    let counted = item_state(&app, &festival, &item).await;
    let too_early = app
        .gql(
            Some(&festival.admin),
            "mutation($id: ID!) { drawBallot(itemId: $id) }",
            json!({ "id": item["id"] }),
        )
        .await;
    let before_draw = result(&app, &item).await;

    assert_eq!(reserved.error_code(), "BALLOT_ONLY", "{:?}", reserved.0);
    assert!(reserved.0.to_string().contains("enterBallot"));
    assert_eq!(state["status"], "BALLOT");
    assert_eq!(state["allocation"], "BALLOT");
    assert_eq!(state["claimMinutes"], 30);
    assert!(state["ballotDrawnAt"].is_null());
    assert_eq!(alone.data("/enterBallot/status"), "OPEN");
    assert_eq!(alone.data("/enterBallot/places"), 2);
    assert_eq!(twice.error_code(), "ALREADY_EXISTS");
    assert_eq!(too_many.error_code(), "LIMIT_EXCEEDED");
    assert_eq!(self_partner.error_field(), "partnerEmail");
    assert_eq!(nobody.error_field(), "partnerEmail");
    assert_eq!(overlapping.error_code(), "OVERLAPPING_TICKET");
    assert_eq!(not_a_ballot.error_field(), "itemId");
    assert_eq!(
        pair.data("/enterBallot/places"),
        1,
        "until the partner confirms"
    );
    assert_eq!(as_partner.data("/myBallotEntries/0/isPartner"), true);
    assert_eq!(stranger_confirms.error_code(), "NOT_FOUND");
    assert_eq!(confirmed.data("/confirmBallotPartner/places"), 2);
    assert!(
        confirmed
            .data("/confirmBallotPartner/partnerConfirmedAt")
            .is_string()
    );
    assert_eq!(partner_enters.error_code(), "ALREADY_EXISTS");
    assert_eq!(withdrawn.data("/withdrawBallotEntry/status"), "WITHDRAWN");
    assert_eq!(again.data("/enterBallot/status"), "OPEN");
    assert_eq!(statuses(&mine), ["OPEN", "WITHDRAWN"]);
    assert_eq!(
        counted["attendance"]["ballotEntries"], 2,
        "withdrawn ones do not count"
    );
    assert_eq!(too_early.error_field(), "itemId");
    assert_eq!(before_draw["commitment"].as_str().unwrap().len(), 64);
    assert!(before_draw["secret"].is_null());
    assert_eq!(before_draw["entries"], json!([]));
}

async fn a_draw_of_ten_thousand_entries_is_the_one_anyone_recomputes(app: TestApp) {
    let festival = festival_with(
        &app,
        "ballot-draw",
        json!({ "allowOverlappingTickets": true }),
    )
    .await;
    let closes_at = moment(60);
    let item = ballot_item(&app, &festival, 1_000, closes_at).await;
    let entrants = accounts(&app, "fan", 10_000).await;
    let partners = accounts(&app, "partner", 1_000).await;
    // One or two tickets each; every tenth entry with a partner.
    let entries = enter_all(&app, &item, &entrants, |n| 1 + (n % 2) as i64, &partners).await;
    assert_eq!(entries.len(), 10_000);

    let drawn = app.store.draw_due_ballots(closes_at).await.unwrap();
    let published = result(&app, &item).await;
    let state = item_state(&app, &festival, &item).await;

    assert_eq!(drawn, [item_id(&item)]);
    let winners = recomputed_winners(&published);
    let published_winners: HashSet<String> = published["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["won"] == true)
        .map(|entry| entry["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(published["entries"].as_array().unwrap().len(), 10_000);
    assert_eq!(winners, published_winners);
    let won_places: u64 = published["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["won"] == true)
        .map(|entry| entry["quantity"].as_u64().unwrap())
        .sum();
    assert_eq!(won_places, 1_000, "1 and 2 place entries fill every place");
    assert_eq!(state["ticketsLeft"], 0, "the won places are held");
    assert_eq!(state["status"], "SOLD_OUT");
    assert_eq!(state["attendance"]["ballotWon"], winners.len());
    assert_eq!(state["attendance"]["issued"], 0, "no ticket until claimed");
}

async fn two_instances_reaching_the_close_together_draw_once(app: TestApp) {
    let festival = festival_with(
        &app,
        "ballot-once",
        json!({ "allowOverlappingTickets": true }),
    )
    .await;
    let closes_at = moment(60);
    let item = ballot_item(&app, &festival, 20, closes_at).await;
    let entrants = accounts(&app, "racer", 60).await;
    let partners = accounts(&app, "racer-partner", 6).await;
    enter_all(&app, &item, &entrants, |n| 1 + (n % 2) as i64, &partners).await;
    let other = app.another_instance().await;

    let runs = join_all((0..6).map(|n| {
        let store = if n % 2 == 0 { &app.store } else { &other.store };
        async move { store.draw_due_ballots(closes_at).await.unwrap() }
    }))
    .await;

    let draws: usize = runs.iter().map(Vec::len).sum();
    assert_eq!(draws, 1, "{runs:?}");
    let issued = app
        .count(&format!(
            "SELECT CAST(tickets_issued AS BIGINT) FROM programme_item WHERE id = {}",
            app.uuid(item["id"].as_str().unwrap())
        ))
        .await;
    let published = result(&app, &item).await;
    let won: Vec<&Value> = published["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["won"] == true)
        .collect();
    let won_places: i64 = won
        .iter()
        .map(|entry| entry["quantity"].as_i64().unwrap())
        .sum();
    assert_eq!(issued, won_places, "the places held are the places won");
    assert_eq!(issued, 20, "plenty of single entries fill every place");
    let winners: HashSet<String> = won
        .iter()
        .map(|entry| entry["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(recomputed_winners(&published), winners);
}

async fn claims_racing_their_deadline_and_each_other_never_pass_the_places(app: TestApp) {
    let festival = festival_with(
        &app,
        "ballot-claims",
        json!({ "allowOverlappingTickets": true }),
    )
    .await;
    let closes_at = moment(60);
    let item = ballot_item(&app, &festival, 10, closes_at).await;
    let tokens = attendees(&app, "claimer", 24).await;
    for token in &tokens {
        assert_eq!(
            enter(&app, token, &item, 1, None)
                .await
                .data("/enterBallot/status"),
            "OPEN"
        );
    }
    app.store.draw_due_ballots(closes_at).await.unwrap();
    let other = app.another_instance().await;
    let deadline = closes_at + Duration::minutes(30);
    let mut seen = Vec::new();
    let mut claim_until = HashSet::new();
    for token in &tokens {
        let mine = app.gql(Some(token), MINE, json!({})).await;
        if let Some(until) = mine.data("/myBallotEntries/0/claimUntil").as_str() {
            claim_until.insert(until.parse::<DateTime<Utc>>().unwrap());
        }
        seen.extend(statuses(&mine));
    }
    seen.sort();
    assert_eq!(
        seen,
        [vec!["LOST"; 14], vec!["WON"; 10]].concat(),
        "ten of 24 single entries win"
    );
    assert_eq!(
        claim_until,
        HashSet::from([closes_at + Duration::minutes(30)]),
        "every win may be claimed until the draw plus the claim minutes"
    );

    // Every attendee claims twice, on both instances, while both instances
    // pass the deadline (the claims, at the real time, are well before it;
    // the expiries see it passed).
    let claims = join_all(tokens.iter().flat_map(|token| {
        [&app, &other].map(|instance| async move {
            let mine = instance.gql(Some(token), MINE, json!({})).await;
            let id = mine.data("/myBallotEntries/0/id").clone();
            instance.gql(Some(token), CLAIM, json!({ "id": id })).await
        })
    }));
    let expiries = join_all([&app, &other].map(|instance| async move {
        instance
            .store
            .expire_due_claims(deadline + Duration::seconds(1))
            .await
            .unwrap()
    }));
    let (claims, _) = tokio::join!(claims, expiries);

    let claimed_tickets: usize = claims
        .iter()
        .filter_map(|claim| claim.0["data"]["claimBallotWin"].as_array().map(Vec::len))
        .sum();
    let tickets = app
        .count(&format!(
            "SELECT COUNT(*) FROM ticket WHERE item_id = {}",
            app.uuid(item["id"].as_str().unwrap())
        ))
        .await;
    let issued = app
        .count(&format!(
            "SELECT CAST(tickets_issued AS BIGINT) FROM programme_item WHERE id = {}",
            app.uuid(item["id"].as_str().unwrap())
        ))
        .await;
    let held = app
        .count(&format!(
            "SELECT COUNT(*) FROM ballot_entry WHERE item_id = {} AND status = 'WON'",
            app.uuid(item["id"].as_str().unwrap())
        ))
        .await;
    assert_eq!(
        claimed_tickets as i64, tickets,
        "each claim answered once with its tickets"
    );
    assert!(tickets <= 10, "{tickets} tickets for 10 places");
    assert_eq!(
        issued,
        tickets + held,
        "the counter is the tickets and the places held"
    );
    assert!(issued <= 10);
    for claim in &claims {
        if claim.0["errors"].is_array() {
            assert_eq!(claim.error_code(), "BAD_USER_INPUT", "{:?}", claim.0);
        }
    }
}

async fn unclaimed_places_roll_down_in_rank_order_then_to_the_waitlist(app: TestApp) {
    let festival = festival_with(
        &app,
        "ballot-roll",
        json!({ "allowOverlappingTickets": true }),
    )
    .await;
    let closes_at = moment(60);
    let item = ballot_item(&app, &festival, 3, closes_at).await;
    let entrants = accounts(&app, "hopeful", 8).await;
    let entered = enter_all(&app, &item, &entrants, |_| 1, &[]).await;
    assert_eq!(entered.len(), 8);
    app.store.draw_due_ballots(closes_at).await.unwrap();
    let waiting = app.attendee("waiting@example.org").await;
    let joined = app
        .gql(
            Some(&waiting),
            "mutation($input: JoinWaitlistInput!) { joinWaitlist(input: $input) { id } }",
            json!({ "input": { "itemId": item["id"], "quantity": 1 } }),
        )
        .await;
    assert!(
        joined.data("/joinWaitlist/id").is_string(),
        "{:?}",
        joined.0
    );
    let published = result(&app, &item).await;
    // The entries in rank order, and their places.
    let by_rank: Vec<(String, u64)> = published["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            (
                entry["id"].as_str().unwrap().to_owned(),
                entry["quantity"].as_u64().unwrap(),
            )
        })
        .collect();
    let won_now = || async {
        let mut ids = Vec::new();
        for (id, _) in &by_rank {
            let status = app
                .count(&format!(
                    "SELECT COUNT(*) FROM ballot_entry WHERE id = {} AND status = 'WON'",
                    app.uuid(id)
                ))
                .await;
            if status == 1 {
                ids.push(id.clone());
            }
        }
        ids
    };

    let mut deadline = closes_at + Duration::minutes(30);
    let mut rounds = Vec::new();
    for _ in 0..3 {
        rounds.push(won_now().await);
        app.store
            .expire_due_claims(deadline + Duration::seconds(1))
            .await
            .unwrap();
        deadline = deadline + Duration::seconds(1) + Duration::minutes(30);
    }
    let promoted = app
        .gql(
            Some(&waiting),
            "{ myTickets { id } myWaitlist { id } }",
            json!({}),
        )
        .await;

    // Single entries: the draw serves ranks 1 to 3, each expiry the next 3,
    // and the last place goes to the waitlist.
    let ids: Vec<String> = by_rank.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(
        rounds,
        [ids[0..3].to_vec(), ids[3..6].to_vec(), ids[6..8].to_vec()]
    );
    assert_eq!(
        promoted.data("/myTickets").as_array().unwrap().len(),
        1,
        "what no entry takes goes to the waitlist: {:?}",
        promoted.0
    );
}

/// The status of the entry with this id, as stored.
async fn stored_status(app: &TestApp, entry_id: &str) -> &'static str {
    for status in [
        "OPEN",
        "WON",
        "EXPIRED",
        "CLAIMED",
        "CANCELLED",
        "WITHDRAWN",
    ] {
        let found = app
            .count(&format!(
                "SELECT COUNT(*) FROM ballot_entry WHERE id = {} AND status = '{status}'",
                app.uuid(entry_id)
            ))
            .await;
        if found == 1 {
            return status;
        }
    }
    panic!("no entry {entry_id}")
}

async fn a_standing_entry_and_a_ticket_at_the_same_time_exclude_each_other(app: TestApp) {
    let festival = festival(&app, "ballot-overlaps").await;
    let closes_at = moment(60);
    let item = ballot_item(&app, &festival, 1, closes_at).await;
    let raced = ballot_item(&app, &festival, 1, closes_at).await;
    let same_time = create_item(&app, &festival, 2 * 24 * 60 + 30, json!({})).await;
    let singles = join_all(["ana", "ben", "cao"].map(|name| {
        let app = &app;
        async move { app.attendee(&format!("{name}@example.org")).await }
    }))
    .await;
    let linh = app.attendee("linh@example.org").await;
    let bao = app.attendee("bao@example.org").await;
    let mut entry_ids = Vec::new();
    for token in &singles {
        let entered = enter(&app, token, &item, 1, None).await;
        entry_ids.push(entered.data("/enterBallot/id").as_str().unwrap().to_owned());
    }
    let pair = enter(&app, &linh, &item, 1, Some("bao@example.org")).await;
    let bao_before_confirming = app.reserve(&bao, &same_time).await;
    let cancel = "mutation($id: ID!) { cancelTicket(ticketId: $id) { id } }";
    let bao_ticket = bao_before_confirming
        .data("/reserveTickets/tickets/0/id")
        .clone();
    let refused_while_holding = app
        .gql(
            Some(&bao),
            CONFIRM,
            json!({ "id": pair.data("/enterBallot/id") }),
        )
        .await;
    app.gql(Some(&bao), cancel, json!({ "id": bao_ticket }))
        .await;
    let confirmed = app
        .gql(
            Some(&bao),
            CONFIRM,
            json!({ "id": pair.data("/enterBallot/id") }),
        )
        .await;
    let entrant_refused = app.reserve(&singles[0], &same_time).await;
    let partner_refused = app.reserve(&bao, &same_time).await;
    let as_partner = app.gql(Some(&bao), MINE, json!({})).await;

    // One attendee enters a ballot and reserves an item at the same time,
    // four times each, on two instances at once.
    let racer = app.attendee("racer@example.org").await;
    let other = app.another_instance().await;
    let attempts = join_all((0..8).map(|n| {
        let instance = if n % 2 == 0 { &app } else { &other };
        let (racer, raced, same_time) = (&racer, &raced, &same_time);
        async move {
            if n < 4 {
                enter(instance, racer, raced, 1, None).await
            } else {
                instance.reserve(racer, same_time).await
            }
        }
    }))
    .await;
    let entered = attempts[..4]
        .iter()
        .filter(|attempt| attempt.0["data"]["enterBallot"].is_object())
        .count();
    let reserved = attempts[4..]
        .iter()
        .filter(|attempt| attempt.0["data"]["reserveTickets"].is_object())
        .count();

    // After the draw, an entry that lost stands no more.
    app.store.draw_due_ballots(closes_at).await.unwrap();
    let published = result(&app, &item).await;
    let ranked: Vec<String> = published["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["quantity"] == 1)
        .map(|entry| entry["id"].as_str().unwrap().to_owned())
        .collect();
    let holder = |entry: &String| &singles[entry_ids.iter().position(|id| id == entry).unwrap()];
    let first_loser = holder(&ranked[1]);
    let loser_reserves = app.reserve(first_loser, &same_time).await;
    let partner_reserves = app.reserve(&bao, &same_time).await;
    // The winner does not claim: the place passes over the first loser,
    // who now holds a ticket at the same time, to the next.
    app.store
        .expire_due_claims(closes_at + Duration::minutes(31))
        .await
        .unwrap();
    let rolled = [
        stored_status(&app, &ranked[0]).await,
        stored_status(&app, &ranked[1]).await,
        stored_status(&app, &ranked[2]).await,
    ];

    assert_eq!(
        bao_before_confirming.0["errors"],
        Value::Null,
        "an unconfirmed partner holds nothing"
    );
    assert_eq!(refused_while_holding.error_code(), "OVERLAPPING_TICKET");
    assert!(
        confirmed
            .data("/confirmBallotPartner/partnerConfirmedAt")
            .is_string()
    );
    assert_eq!(entrant_refused.error_code(), "OVERLAPPING_TICKET");
    assert!(
        entrant_refused.0.to_string().contains("ballot entry"),
        "{:?}",
        entrant_refused.0
    );
    assert_eq!(partner_refused.error_code(), "OVERLAPPING_TICKET");
    assert_eq!(as_partner.data("/myBallotEntries/0/entrantName"), "linh");
    assert_eq!(as_partner.data("/myBallotEntries/0/partnerName"), "bao");
    assert!(
        (entered, reserved) == (1, 0) || (entered == 0 && reserved > 0),
        "an entry and tickets at the same time: {entered} entries, {reserved} reservations"
    );
    for attempt in &attempts {
        if attempt.0["errors"].is_array() {
            let code = attempt.error_code();
            assert!(
                ["OVERLAPPING_TICKET", "ALREADY_EXISTS", "LIMIT_EXCEEDED"].contains(&code),
                "{:?}",
                attempt.0
            );
        }
    }
    assert!(
        loser_reserves.0["errors"].is_null(),
        "{:?}",
        loser_reserves.0
    );
    assert!(
        partner_reserves.0["errors"].is_null(),
        "{:?}",
        partner_reserves.0
    );
    assert_eq!(rolled, ["EXPIRED", "OPEN", "WON"]);
}

async fn a_ballot_with_entries_ends_only_with_its_item(app: TestApp) {
    let festival = festival_with(
        &app,
        "ballot-ends",
        json!({ "allowOverlappingTickets": true }),
    )
    .await;
    let closes_at = moment(60);
    let item = ballot_item(&app, &festival, 2, closes_at).await;
    let empty = ballot_item(&app, &festival, 2, closes_at).await;
    let tokens = attendees(&app, "ends", 4).await;
    for token in &tokens {
        enter(&app, token, &item, 1, None).await;
    }
    let update =
        "mutation($input: UpdateItemInput!) { updateItem(input: $input) { status allocation } }";
    let to_first_come =
        |item: &Value| json!({ "input": { "itemId": item["id"], "allocation": "FIRST_COME" } });
    let kept = app
        .gql(Some(&festival.admin), update, to_first_come(&item))
        .await;
    let ended = app
        .gql(Some(&festival.admin), update, to_first_come(&empty))
        .await;
    app.store.draw_due_ballots(closes_at).await.unwrap();
    let drawn = result(&app, &item).await;
    // One winner claims before the item is cancelled.
    let mut claimed = None;
    for (n, token) in tokens.iter().enumerate() {
        let mine = app.gql(Some(token), MINE, json!({})).await;
        if mine.data("/myBallotEntries/0/status") == "WON" {
            let id = mine.data("/myBallotEntries/0/id").clone();
            claimed = Some((n, app.gql(Some(token), CLAIM, json!({ "id": id })).await));
            break;
        }
    }
    let (winner, claimed) = claimed.expect("two of four entries won");
    let cancelled = app
        .gql(
            Some(&festival.admin),
            "mutation($id: ID!) { cancelItem(itemId: $id) { status } }",
            json!({ "id": item["id"] }),
        )
        .await;
    let mut seen = Vec::new();
    for token in &tokens {
        seen.extend(statuses(&app.gql(Some(token), MINE, json!({})).await));
    }
    app.store
        .expire_due_claims(closes_at + Duration::minutes(31))
        .await
        .unwrap();
    let after_the_deadline = app
        .count(&format!(
            "SELECT COUNT(*) FROM ballot_entry WHERE item_id = {} AND status = 'CANCELLED'",
            app.uuid(item["id"].as_str().unwrap())
        ))
        .await;
    let published = result(&app, &item).await;
    let counted = item_state(&app, &festival, &item).await;

    assert_eq!(kept.error_field(), "allocation");
    assert!(
        kept.0.to_string().contains("4 entries await the draw"),
        "{:?}",
        kept.0
    );
    assert_eq!(ended.data("/updateItem/allocation"), "FIRST_COME");
    assert_eq!(ended.data("/updateItem/status"), "OPEN");
    assert_eq!(
        claimed.data("/claimBallotWin"),
        &json!([{ "id": claimed.data("/claimBallotWin/0/id"), "status": "ACTIVE", "holderName": format!("ends{winner}") }]),
        "the win becomes a ticket in the winner's name"
    );
    assert_eq!(cancelled.data("/cancelItem/status"), "CANCELLED");
    seen.sort();
    assert_eq!(
        seen,
        ["CANCELLED", "CANCELLED", "CANCELLED", "CLAIMED"],
        "won and lost entries end; the claimed one stays claimed"
    );
    assert_eq!(after_the_deadline, 3, "nothing expires or rolls down");
    assert_eq!(published, drawn, "the draw stays as published");
    assert_eq!(counted["attendance"]["ballotEntries"], 4);
    assert_eq!(counted["attendance"]["ballotWon"], 1, "the claimed win");
}

async fn losers_reserving_while_places_roll_down_never_hold_both(app: TestApp) {
    let festival = festival(&app, "ballot-roll-race").await;
    let tokens = attendees(&app, "roller", 30).await;
    let other = app.another_instance().await;
    // Four rounds, each a ballot of its own, five hours apart: a race that
    // goes the wrong way shows in at least one of them.
    for round in 0..4 {
        let starts = 2 * 24 * 60 + round * 300;
        let closes_at = moment(60);
        let item = create_item(
            &app,
            &festival,
            starts,
            json!({
                "ticketCapacity": 10,
                "allocation": "BALLOT",
                "ballotOpensAt": moment(-1).to_rfc3339(),
                "ballotClosesAt": closes_at.to_rfc3339(),
                "claimMinutes": 30,
            }),
        )
        .await;
        let same_time = create_item(
            &app,
            &festival,
            starts + 30,
            json!({ "ticketCapacity": 100 }),
        )
        .await;
        let mut entries = Vec::new();
        for token in &tokens {
            let entered = enter(&app, token, &item, 1, None).await;
            entries.push(entered.data("/enterBallot/id").as_str().unwrap().to_owned());
        }
        app.store.draw_due_ballots(closes_at).await.unwrap();
        let mut losers = Vec::new();
        for (token, entry) in tokens.iter().zip(&entries) {
            if stored_status(&app, entry).await == "OPEN" {
                losers.push((token, entry));
            }
        }
        assert_eq!(losers.len(), 20);

        // No winner claims: while both instances pass the claim deadline
        // and roll the ten places down, every loser reserves the item at
        // the same time, on one instance or the other.
        let reservations = join_all(losers.iter().enumerate().map(|(n, (token, _))| {
            let instance = if n % 2 == 0 { &app } else { &other };
            let same_time = &same_time;
            async move { instance.reserve(token, same_time).await }
        }));
        let expiries = join_all([&app, &other].map(|instance| async move {
            instance
                .store
                .expire_due_claims(closes_at + Duration::minutes(31))
                .await
                .unwrap()
        }));
        let (reservations, _) = tokio::join!(reservations, expiries);

        let mut won = 0;
        for ((_, entry), reserved) in losers.iter().zip(&reservations) {
            let status = stored_status(&app, entry).await;
            let holds_ticket = reserved.0["errors"].is_null();
            if status == "WON" {
                won += 1;
                assert!(
                    !holds_ticket,
                    "round {round}: a place rolled down to a loser who reserved at the same time"
                );
                assert_eq!(
                    reserved.error_code(),
                    "OVERLAPPING_TICKET",
                    "{:?}",
                    reserved.0
                );
            } else {
                assert_eq!(status, "OPEN");
                assert!(holds_ticket, "{:?}", reserved.0);
            }
        }
        assert!(won <= 10, "{won} wins rolled down for 10 places");
    }
}

async fn cancelling_an_item_while_its_winners_claim_leaves_nothing_standing(app: TestApp) {
    let festival = festival_with(
        &app,
        "ballot-cancel-race",
        json!({ "allowOverlappingTickets": true }),
    )
    .await;
    let closes_at = moment(60);
    let item = ballot_item(&app, &festival, 10, closes_at).await;
    let tokens = attendees(&app, "canceller", 16).await;
    let mut entries = Vec::new();
    for token in &tokens {
        let entered = enter(&app, token, &item, 1, None).await;
        entries.push(entered.data("/enterBallot/id").clone());
    }
    app.store.draw_due_ballots(closes_at).await.unwrap();

    // Every entrant claims, twice, on both instances, while the festival
    // cancels the item.
    let other = app.another_instance().await;
    let claims = join_all(tokens.iter().zip(&entries).flat_map(|(token, entry)| {
        [&app, &other].map(|instance| async move {
            instance
                .gql(Some(token), CLAIM, json!({ "id": entry }))
                .await
        })
    }));
    let cancel = other.gql(
        Some(&festival.admin),
        "mutation($id: ID!) { cancelItem(itemId: $id) { status } }",
        json!({ "id": item["id"] }),
    );
    let (claims, cancelled) = tokio::join!(claims, cancel);

    let item_uuid = app.uuid(item["id"].as_str().unwrap());
    let standing_tickets = app
        .count(&format!(
            "SELECT COUNT(*) FROM ticket WHERE item_id = {item_uuid} AND status IN ('ACTIVE', 'CHECKED_IN')"
        ))
        .await;
    let tickets = app
        .count(&format!(
            "SELECT COUNT(*) FROM ticket WHERE item_id = {item_uuid}"
        ))
        .await;
    let claimed_entries = app
        .count(&format!(
            "SELECT COUNT(*) FROM ballot_entry WHERE item_id = {item_uuid} AND status = 'CLAIMED'"
        ))
        .await;
    let still_standing = app
        .count(&format!(
            "SELECT COUNT(*) FROM ballot_entry WHERE item_id = {item_uuid} AND status NOT IN ('CLAIMED', 'CANCELLED')"
        ))
        .await;
    let claimed = claims
        .iter()
        .filter(|claim| claim.0["errors"].is_null())
        .count();

    assert_eq!(cancelled.data("/cancelItem/status"), "CANCELLED");
    assert_eq!(
        standing_tickets, 0,
        "a claim outlived its item's cancellation"
    );
    assert_eq!(
        still_standing, 0,
        "an entry outlived its item's cancellation"
    );
    assert_eq!(claimed as i64, claimed_entries, "each win claimed once");
    assert_eq!(tickets, claimed_entries, "a ticket for each claimed win");
    assert!(claimed <= 10);
    for claim in &claims {
        if claim.0["errors"].is_array() {
            assert_eq!(claim.error_code(), "BAD_USER_INPUT", "{:?}", claim.0);
        }
    }
}

async fn a_switch_to_first_come_racing_entries_never_strands_one(app: TestApp) {
    let festival = festival_with(
        &app,
        "ballot-switch-race",
        json!({ "allowOverlappingTickets": true }),
    )
    .await;
    let item = ballot_item(&app, &festival, 10, moment(60)).await;
    let tokens = attendees(&app, "switcher", 12).await;
    let other = app.another_instance().await;
    let entering = join_all(tokens.iter().enumerate().map(|(n, token)| {
        let instance = if n % 2 == 0 { &app } else { &other };
        let item = &item;
        async move { enter(instance, token, item, 1, None).await }
    }));
    let switch = other.gql(
        Some(&festival.admin),
        "mutation($input: UpdateItemInput!) { updateItem(input: $input) { allocation } }",
        json!({ "input": { "itemId": item["id"], "allocation": "FIRST_COME" } }),
    );
    let (entering, switched) = tokio::join!(entering, switch);

    let stored = app
        .count(&format!(
            "SELECT COUNT(*) FROM ballot_entry WHERE item_id = {}",
            app.uuid(item["id"].as_str().unwrap())
        ))
        .await;
    let entered = entering
        .iter()
        .filter(|entry| entry.0["errors"].is_null())
        .count();
    assert_eq!(entered as i64, stored, "each entry answered once");
    if switched.0["errors"].is_null() {
        assert_eq!(switched.data("/updateItem/allocation"), "FIRST_COME");
        assert_eq!(stored, 0, "a switch to first come left entries behind");
        for entry in &entering {
            assert_eq!(entry.error_field(), "itemId", "{:?}", entry.0);
        }
    } else {
        assert_eq!(switched.error_field(), "allocation", "{:?}", switched.0);
        assert_eq!(stored, 12, "every entry stands while the ballot stays");
    }
}
