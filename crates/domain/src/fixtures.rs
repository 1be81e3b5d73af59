//! Festivals, venues, items and tickets for the domain's unit tests.

use chrono::Duration;

use crate::catalogue::{BallotWindow, Item, ProgrammeKind, Schedule, ScheduleParts, Venue};
use crate::ids::{FestivalId, ItemId, ReservationId, TicketId, UserId, VenueId};
use crate::input::{Address, Capacity, Minutes, Name, TicketLimit};
use crate::tickets::{Ticket, TicketStatus};
use crate::time::Timestamp;

/// A name, label or other parsed input known to be valid.
pub fn valid<T, E: std::fmt::Display>(parsed: Result<T, E>) -> T {
    parsed.unwrap_or_else(|error| panic!("{error}"))
}

/// A two-hour screening of ten tickets starting at `starts_at`: reservations
/// open two days before and close when it starts, doors open 30 minutes
/// before, late entry for 15 minutes after.
pub fn item_at(starts_at: Timestamp) -> Item {
    Item {
        id: ItemId::generate(),
        festival_id: FestivalId::generate(),
        venue_id: VenueId::generate(),
        film_id: None,
        kind: ProgrammeKind::Screening,
        title: valid(Name::parse("title", "Diamond Island")),
        schedule: valid(Schedule::new(ScheduleParts {
            starts_at,
            ends_at: starts_at + Duration::hours(2),
            reservation_opens_at: starts_at - Duration::days(2),
            reservation_closes_at: starts_at,
            doors_open: Minutes::of(30),
            late_entry: Minutes::of(15),
            release_unscanned: None,
            ballot: None,
        })),
        ticket_capacity: valid(Capacity::parse("ticketCapacity", 10)),
        tickets_issued: 0,
        admitted: 0,
        max_tickets_per_attendee: TicketLimit::DEFAULT,
        cancelled_at: None,
        requires_settled_account: false,
        standby_opens: crate::catalogue::DEFAULT_STANDBY_OPENS,
        released_at: None,
        ballot_drawn_at: None,
    }
}

/// `item` with its unscanned tickets released `minutes` before its start
/// (reservations closing then).
pub fn releasing(item: &Item, minutes: u32) -> Item {
    let mut parts = item.schedule.parts();
    parts.release_unscanned = Some(Minutes::of(minutes));
    parts.reservation_closes_at = parts.starts_at - Duration::minutes(i64::from(minutes));
    Item {
        schedule: valid(Schedule::new(parts)),
        ..item.clone()
    }
}

/// `item` allocated by a ballot open from `opens_at` until `closes_at`,
/// whose winners have `claim_minutes` to claim.
pub fn balloting(
    item: &Item,
    opens_at: Timestamp,
    closes_at: Timestamp,
    claim_minutes: u32,
) -> Item {
    let mut parts = item.schedule.parts();
    parts.ballot = Some(BallotWindow {
        opens_at,
        closes_at,
        claim: Minutes::of(claim_minutes),
    });
    Item {
        schedule: valid(Schedule::new(parts)),
        ..item.clone()
    }
}

/// The venue of `item`, holding `capacity` people.
pub fn venue_of(item: &Item, capacity: u32) -> Venue {
    Venue {
        id: item.venue_id,
        festival_id: item.festival_id,
        name: valid(Name::parse("name", "Hall 2")),
        address: valid(Address::parse("address", "1 Minzu Avenue")),
        capacity: valid(Capacity::parse("capacity", i64::from(capacity))),
        gates: Vec::new(),
    }
}

/// A ticket for `item`, held by a new attendee.
pub fn ticket(item: &Item, status: TicketStatus) -> Ticket {
    let holder_id = UserId::generate();
    Ticket {
        id: TicketId::generate(),
        item_id: item.id,
        holder_id,
        reservation_id: ReservationId::generate(),
        holder_name: valid(Name::parse("holderName", "Dara")),
        status,
        issued_at: item.schedule.reservation_opens_at(),
        checked_in_at: None,
        checked_in_gate: None,
        seat: None,
        from_standby: false,
    }
}
