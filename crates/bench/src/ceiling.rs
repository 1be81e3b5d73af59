//! The raw ceiling: the reservation and check-in transactions of a rush and
//! a door rush run straight on the store (the same conditional updates, in
//! process, without HTTP, GraphQL or signature checks), with one task and
//! with K. The HTTP figures are read against these.

use std::sync::Arc;

use chrono::Duration;
use usher_domain::catalogue::{ProgrammeKind, Schedule, ScheduleParts, Venue};
use usher_domain::door::{Scan, ScannedBy};
use usher_domain::ids::UserId;
use usher_domain::input::{
    Address, Capacity, Email, Label, Minutes, Name, Slug, TicketLimit, Timezone,
};
use usher_domain::tickets::{Quantity, TicketClaims};
use usher_domain::time;
use usher_persistence::{
    NewFestival, NewItem, NewReservation, NewUser, NewVenue, ScanAttempt, Store, StoreOptions,
};

use crate::measure::{self, Results};

fn invalid(error: usher_domain::InvalidInput) -> anyhow::Error {
    anyhow::anyhow!("{error}")
}

/// A store on a fresh database with one item of `capacity` tickets (doors
/// open) in a hall as large, and `attendees` accounts.
async fn prepare(
    url: &str,
    capacity: u32,
    limit: u32,
    attendees: usize,
) -> anyhow::Result<(Store, Venue, usher_domain::catalogue::Item, Vec<UserId>)> {
    let store = Store::connect(url, &StoreOptions::default()).await?;
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let festival = store
        .create_festival(NewFestival {
            slug: Slug::parse("slug", &format!("ceiling-{}", &suffix[..12])).map_err(invalid)?,
            name: Name::parse("name", "Ceiling").map_err(invalid)?,
            city: Name::parse("city", "Nanning").map_err(invalid)?,
            timezone: Timezone::parse("timezone", "Asia/Shanghai").map_err(invalid)?,
            hosts: Vec::new(),
            allow_overlapping_tickets: false,
            min_account_age: None,
            no_shows: usher_domain::tickets::no_shows::NoShowPolicy::default(),
        })
        .await?;
    let venue = store
        .create_venue(NewVenue {
            festival_id: festival.id,
            name: Name::parse("name", "Hall").map_err(invalid)?,
            address: Address::parse("address", "Street").map_err(invalid)?,
            capacity: Capacity::parse("capacity", capacity.into()).map_err(invalid)?,
            gates: vec![Label::parse("gates", "A").map_err(invalid)?],
        })
        .await?;
    let now = time::now();
    let item = store
        .create_item(NewItem {
            festival_id: festival.id,
            venue_id: venue.id,
            film_id: None,
            kind: ProgrammeKind::Screening,
            title: Some(Name::parse("title", "Ceiling").map_err(invalid)?),
            schedule: Schedule::new(ScheduleParts {
                starts_at: now + Duration::minutes(10),
                ends_at: now + Duration::minutes(100),
                reservation_opens_at: now - Duration::minutes(1),
                reservation_closes_at: now + Duration::minutes(10),
                doors_open: Minutes::of(30),
                late_entry: Minutes::of(15),
                release_unscanned: None,
                ballot: None,
            })
            .map_err(invalid)?,
            ticket_capacity: Some(
                Capacity::parse("ticketCapacity", capacity.into()).map_err(invalid)?,
            ),
            max_tickets_per_attendee: TicketLimit::parse("limit", limit.into()).map_err(invalid)?,
            requires_settled_account: false,
            standby_opens: usher_domain::catalogue::DEFAULT_STANDBY_OPENS,
        })
        .await?;
    let mut users = Vec::with_capacity(attendees);
    for index in 0..attendees {
        let user = store
            .create_user(
                NewUser {
                    email: Email::parse("email", &format!("raw{index}-{suffix}@bench.example"))
                        .map_err(invalid)?,
                    password_hash: "not a hash: these accounts never sign in".to_owned(),
                    display_name: Name::parse("name", "Raw").map_err(invalid)?,
                },
                &[],
            )
            .await?;
        users.push(user.id);
    }
    Ok((store, venue, item, users))
}

/// Runs the ceiling on `database_url` (a new, empty database; a temporary
/// SQLite file by default).
pub async fn run(
    database_url: Option<&str>,
    operations: usize,
    concurrency: usize,
) -> anyhow::Result<Vec<Results>> {
    let directory = tempfile::tempdir()?;
    let mut results = Vec::new();
    for tasks in [1, concurrency] {
        let url = match database_url {
            Some(url) => url.to_owned(),
            None => format!("sqlite://{}/ceiling-{tasks}.db", directory.path().display()),
        };
        let capacity = u32::try_from(operations)?;
        let (store, venue, item, users) = prepare(&url, capacity, 20, operations).await?;
        let users = Arc::new(users);
        let one = Quantity::parse("quantity", 1).map_err(invalid)?;
        let name = Name::parse("name", "Raw").map_err(invalid)?;
        let (task_store, task_users, item_id) = (store.clone(), users.clone(), item.id);
        let (recorder, elapsed) = measure::run("raw rush", operations, tasks, move |index| {
            let (store, users, name) = (task_store.clone(), task_users.clone(), name.clone());
            async move {
                let reservation = NewReservation {
                    item_id,
                    holder_id: users[index],
                    // The ceiling's festival sets no account-age brake.
                    holder_since: time::now(),
                    quantity: one,
                    holder_names: vec![name],
                    idempotency_key: None,
                };
                match store.reserve(reservation, time::now()).await {
                    Ok(_) => "ok".to_owned(),
                    Err(error) => format!("{error}"),
                }
            }
        })
        .await;
        let mut rush = Results::new(&format!("raw rush x{tasks}"), &recorder, elapsed, None);
        rush.check(
            "every reservation issued",
            rush.count("ok") == operations as u64,
        );
        results.push(rush);

        let tickets: Vec<TicketClaims> = futures::future::join_all(users.iter().map(|&user| {
            let store = store.clone();
            async move { store.tickets_of_holder(user, false).await }
        }))
        .await
        .into_iter()
        .flatten()
        .flatten()
        .map(|ticket| ticket.claims())
        .collect();
        let tickets = Arc::new(tickets);
        let count = tickets.len();
        let (task_store, task_tickets, venue_id) = (store.clone(), tickets.clone(), item.venue_id);
        let festival_id = venue.festival_id;
        let by = ScannedBy::Account(users[0]);
        let (recorder, elapsed) = measure::run("raw door", count, tasks, move |index| {
            let (store, tickets) = (task_store.clone(), task_tickets.clone());
            async move {
                let attempt = ScanAttempt {
                    claims: Some(tickets[index]),
                    scan: Scan {
                        festival_id,
                        venue_id,
                        item_id: None,
                        at: time::now(),
                    },
                    gate: None,
                    by,
                    client_scan_id: None,
                    offline: false,
                };
                match store.check_in(attempt).await {
                    Ok(result) => result.outcome.as_str().to_owned(),
                    Err(error) => format!("{error}"),
                }
            }
        })
        .await;
        let mut door = Results::new(&format!("raw door x{tasks}"), &recorder, elapsed, None);
        door.check(
            "every ticket admitted once",
            door.count("ADMITTED") == count as u64,
        );
        results.push(door);
        store.close().await?;
    }
    Ok(results)
}
