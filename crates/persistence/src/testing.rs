//! A festival in a fresh SQLite file for the crate's own tests.

use chrono::Duration;
use usher_domain::catalogue::{Item, ProgrammeKind, Schedule, ScheduleParts, Venue};
use usher_domain::ids::UserId;
use usher_domain::input::{
    Address, Capacity, Email, Label, Minutes, Name, Slug, TicketLimit, Timezone,
};
use usher_domain::time;

use crate::{NewFestival, NewItem, NewUser, NewVenue, Store, StoreOptions};

pub(crate) struct Festival {
    pub(crate) store: Store,
    pub(crate) venue: Venue,
    /// Two items at the same time in the same hall; doors open.
    pub(crate) items: [Item; 2],
    _directory: tempfile::TempDir,
}

pub(crate) async fn festival(hall: u32, tickets: u32) -> Festival {
    let directory = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/batches.db", directory.path().display());
    let store = Store::connect(&url, &StoreOptions::default())
        .await
        .unwrap();
    let festival = store
        .create_festival(NewFestival {
            slug: Slug::parse("slug", "batches").unwrap(),
            name: Name::parse("name", "Batches").unwrap(),
            city: Name::parse("city", "Nanning").unwrap(),
            timezone: Timezone::UTC,
            hosts: Vec::new(),
            allow_overlapping_tickets: false,
            min_account_age: None,
            no_shows: usher_domain::tickets::no_shows::NoShowPolicy::default(),
        })
        .await
        .unwrap();
    let venue = store
        .create_venue(NewVenue {
            festival_id: festival.id,
            name: Name::parse("name", "Hall").unwrap(),
            address: Address::parse("address", "Street").unwrap(),
            capacity: Capacity::parse("capacity", hall.into()).unwrap(),
            gates: vec![Label::parse("gates", "A").unwrap()],
        })
        .await
        .unwrap();
    let now = time::now();
    let mut items = Vec::new();
    for title in ["Early", "Late"] {
        let schedule = Schedule::new(ScheduleParts {
            starts_at: now + Duration::minutes(10),
            ends_at: now + Duration::minutes(100),
            reservation_opens_at: now - Duration::minutes(1),
            reservation_closes_at: now + Duration::minutes(10),
            doors_open: Minutes::of(30),
            late_entry: Minutes::of(15),
            release_unscanned: None,
            ballot: None,
        })
        .unwrap();
        let item = NewItem {
            festival_id: festival.id,
            venue_id: venue.id,
            film_id: None,
            kind: ProgrammeKind::Screening,
            title: Some(Name::parse("title", title).unwrap()),
            schedule,
            ticket_capacity: Some(Capacity::parse("ticketCapacity", tickets.into()).unwrap()),
            max_tickets_per_attendee: TicketLimit::parse("limit", 2).unwrap(),
            requires_settled_account: false,
            standby_opens: usher_domain::catalogue::DEFAULT_STANDBY_OPENS,
        };
        items.push(store.create_item(item).await.unwrap());
    }
    Festival {
        store,
        venue,
        items: items.try_into().unwrap(),
        _directory: directory,
    }
}

impl Festival {
    pub(crate) async fn attendee(&self, name: &str) -> UserId {
        let new = NewUser {
            email: Email::parse("email", &format!("{name}@batches.example")).unwrap(),
            password_hash: "never signs in".to_owned(),
            display_name: Name::parse("name", name).unwrap(),
        };
        self.store.create_user(new, &[]).await.unwrap().id
    }

    pub(crate) async fn item(&self, which: usize) -> Item {
        let id = self.items[which].id;
        crate::catalogue::load_item(&self.store.db, id)
            .await
            .unwrap()
    }

    /// A new item at the festival's venue like its first one.
    pub(crate) fn new_item(&self) -> NewItem {
        let first = &self.items[0];
        NewItem {
            festival_id: first.festival_id,
            venue_id: self.venue.id,
            film_id: None,
            kind: first.kind,
            title: Some(first.title.clone()),
            schedule: first.schedule,
            ticket_capacity: Some(first.ticket_capacity),
            max_tickets_per_attendee: first.max_tickets_per_attendee,
            requires_settled_account: false,
            standby_opens: usher_domain::catalogue::DEFAULT_STANDBY_OPENS,
        }
    }
}
