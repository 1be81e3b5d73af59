//! The festival programme: kinds of items, their schedule and the status an
//! attendee sees.

use crate::ids::{FestivalId, FilmId, ItemId, VenueId};
use crate::input::{
    Address, Capacity, CountryCode, InvalidInput, Label, MinAccountAge, Minutes, Name, Slug,
    TicketLimit, Timezone,
};
use crate::tickets::no_shows::{BlockDays, NoShowLimit, NoShowPolicy};
use crate::time::{Timestamp, minute};
use crate::wording::count;

/// A festival: the top of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Festival {
    /// Its id.
    pub id: FestivalId,
    /// Its URL-safe short name.
    pub slug: Slug,
    /// Its full name.
    pub name: Name,
    /// The city it takes place in.
    pub city: Name,
    /// The time zone its dates are told in.
    pub timezone: Timezone,
    /// The co-hosting organisations.
    pub hosts: Vec<Label>,
    /// Whether an attendee may hold tickets for items that overlap in time
    /// (off by default).
    pub allow_overlapping_tickets: bool,
    /// How old an account must be to reserve the items that ask for a
    /// settled account; none = no brake.
    pub min_account_age: Option<MinAccountAge>,
    /// Strikes for no-shows and late cancellations, and what they lead to.
    pub no_shows: NoShowPolicy,
}

/// A change an organizer makes to a festival's settings; `None` keeps the
/// current value.
#[derive(Debug, Clone, Default)]
pub struct FestivalChanges {
    /// A new account-age brake: `Some(None)` turns it off.
    pub min_account_age: Option<Option<MinAccountAge>>,
    /// A new no-show limit: `Some(None)` turns blocking off.
    pub no_show_limit: Option<Option<NoShowLimit>>,
    /// A new block length.
    pub no_show_block_days: Option<BlockDays>,
    /// A new time before the start from which giving a ticket back is a strike.
    pub cancel_without_penalty: Option<Minutes>,
}

impl FestivalChanges {
    /// The no-show policy with these changes made.
    pub fn no_shows_of(&self, policy: NoShowPolicy) -> NoShowPolicy {
        NoShowPolicy {
            limit: self.no_show_limit.unwrap_or(policy.limit),
            block_days: self.no_show_block_days.unwrap_or(policy.block_days),
            cancel_without_penalty: self
                .cancel_without_penalty
                .unwrap_or(policy.cancel_without_penalty),
        }
    }
}

/// A venue of a festival.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Venue {
    /// Its id.
    pub id: VenueId,
    /// The festival it belongs to.
    pub festival_id: FestivalId,
    /// Its name, e.g. "Nanning Grand Theatre, Hall 2".
    pub name: Name,
    /// Its street address.
    pub address: Address,
    /// The most people admitted at once (fire code).
    pub capacity: Capacity,
    /// The gates door staff scan at.
    pub gates: Vec<Label>,
}

/// A change an organizer makes to a venue; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct VenueChanges {
    /// A new name.
    pub name: Option<Name>,
    /// A new address.
    pub address: Option<Address>,
    /// A new capacity: the door admits up to it from then on.
    pub capacity: Option<Capacity>,
    /// New gates, in place of the old ones.
    pub gates: Option<Vec<Label>>,
}

impl VenueChanges {
    /// The venue with these changes made.
    pub fn apply_to(&self, venue: &Venue) -> Venue {
        Venue {
            name: self.name.clone().unwrap_or_else(|| venue.name.clone()),
            address: self
                .address
                .clone()
                .unwrap_or_else(|| venue.address.clone()),
            capacity: self.capacity.unwrap_or(venue.capacity),
            gates: self.gates.clone().unwrap_or_else(|| venue.gates.clone()),
            ..venue.clone()
        }
    }
}

/// A film of a festival's catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Film {
    /// Its id.
    pub id: FilmId,
    /// The festival it belongs to.
    pub festival_id: FestivalId,
    /// Its title as shown in the programme.
    pub title: Name,
    /// Its title in the original language, if different.
    pub original_title: Option<Name>,
    /// Its countries of production.
    pub countries: Vec<CountryCode>,
    /// Its spoken languages.
    pub languages: Vec<Label>,
    /// Its running time in minutes.
    pub runtime_minutes: Option<u32>,
    /// Its director.
    pub director: Option<Name>,
}

/// A change an organizer makes to a film; `None` keeps the current value,
/// `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct FilmChanges {
    /// A new programme title.
    pub title: Option<Name>,
    /// A new original title, or none.
    pub original_title: Option<Option<Name>>,
    /// New countries of production, in place of the old ones.
    pub countries: Option<Vec<CountryCode>>,
    /// New spoken languages, in place of the old ones.
    pub languages: Option<Vec<Label>>,
    /// A new running time, or none.
    pub runtime_minutes: Option<Option<u32>>,
    /// A new director, or none.
    pub director: Option<Option<Name>>,
}

impl FilmChanges {
    /// The film with these changes made.
    pub fn apply_to(&self, film: &Film) -> Film {
        Film {
            title: self.title.clone().unwrap_or_else(|| film.title.clone()),
            original_title: self
                .original_title
                .clone()
                .unwrap_or_else(|| film.original_title.clone()),
            countries: self
                .countries
                .clone()
                .unwrap_or_else(|| film.countries.clone()),
            languages: self
                .languages
                .clone()
                .unwrap_or_else(|| film.languages.clone()),
            runtime_minutes: self.runtime_minutes.unwrap_or(film.runtime_minutes),
            director: self
                .director
                .clone()
                .unwrap_or_else(|| film.director.clone()),
            ..film.clone()
        }
    }
}

/// A programme item as set up by an organizer, with its live counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Its id.
    pub id: ItemId,
    /// The festival it belongs to.
    pub festival_id: FestivalId,
    /// Where it happens.
    pub venue_id: VenueId,
    /// The film it shows, if any.
    pub film_id: Option<FilmId>,
    /// Screening, forum, concert or other.
    pub kind: ProgrammeKind,
    /// Its title.
    pub title: Name,
    /// Its times.
    pub schedule: Schedule,
    /// How many tickets may be issued.
    pub ticket_capacity: Capacity,
    /// How many are issued (active or checked in).
    pub tickets_issued: u32,
    /// How many people were admitted at the door.
    pub admitted: u32,
    /// How many tickets one attendee may hold.
    pub max_tickets_per_attendee: TicketLimit,
    /// When it was cancelled, if it was.
    pub cancelled_at: Option<Timestamp>,
    /// Whether only accounts as old as the festival's `min_account_age` may
    /// reserve it or wait for it (for the most wanted items).
    pub requires_settled_account: bool,
    /// How long before the start its standby line opens.
    pub standby_opens: Minutes,
    /// When its unscanned tickets were released to the standby line, once
    /// the release was written.
    pub released_at: Option<Timestamp>,
    /// When its ballot was drawn, for an item allocated by ballot.
    pub ballot_drawn_at: Option<Timestamp>,
}

impl Item {
    /// Tickets that can still be issued.
    pub fn tickets_left(&self) -> u32 {
        self.ticket_capacity
            .get()
            .saturating_sub(self.tickets_issued)
    }

    /// The item's ballot while it is not drawn yet: until then its places
    /// go by ballot only.
    pub fn ballot_pending(&self) -> Option<BallotWindow> {
        self.schedule
            .ballot()
            .filter(|_| self.ballot_drawn_at.is_none())
    }

    /// The status an attendee sees at `now`.
    pub fn status(&self, now: Timestamp) -> ProgrammeStatus {
        if let Some(ballot) = self
            .ballot_pending()
            .filter(|_| self.cancelled_at.is_none())
        {
            return if now < ballot.opens_at {
                ProgrammeStatus::NotYetOpen
            } else {
                ProgrammeStatus::Ballot
            };
        }
        programme_status(
            now,
            &self.schedule,
            self.cancelled_at.is_some(),
            self.tickets_left(),
        )
    }
}

/// A change an organizer makes to an item; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct ItemChanges {
    /// A new ticket capacity; it may not fall below the tickets issued.
    pub ticket_capacity: Option<Capacity>,
    /// A new per-attendee limit.
    pub max_tickets_per_attendee: Option<TicketLimit>,
    /// New times; the merged schedule must still be valid.
    pub reservation_opens_at: Option<Timestamp>,
    /// See `reservation_opens_at`.
    pub reservation_closes_at: Option<Timestamp>,
    /// See `reservation_opens_at`.
    pub starts_at: Option<Timestamp>,
    /// See `reservation_opens_at`.
    pub ends_at: Option<Timestamp>,
    /// Whether the festival's account-age brake applies to the item.
    pub requires_settled_account: Option<bool>,
    /// How long before the start the standby line opens.
    pub standby_opens: Option<Minutes>,
    /// When unscanned tickets are released: `Some(None)` never.
    pub release_unscanned: Option<Option<Minutes>>,
    /// First come, first served, or a ballot (its times merged with the
    /// item's own).
    pub ballot: Option<BallotChange>,
}

/// How an organizer changes an item's allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BallotChange {
    /// First come, first served: no ballot.
    FirstCome,
    /// By ballot; what is not given is kept from the item's ballot (the
    /// claim defaults to [`DEFAULT_CLAIM`]).
    Ballot {
        /// When entries open.
        opens_at: Option<Timestamp>,
        /// When entries close and the draw is made.
        closes_at: Option<Timestamp>,
        /// How long a winner has to claim.
        claim: Option<Minutes>,
    },
}

impl BallotChange {
    /// The ballot this change gives an item whose ballot is `current`.
    pub fn merged(
        self,
        current: Option<BallotWindow>,
    ) -> Result<Option<BallotWindow>, InvalidInput> {
        let Self::Ballot {
            opens_at,
            closes_at,
            claim,
        } = self
        else {
            return Ok(None);
        };
        let required = |field: &str| InvalidInput::new(field, "is required for a ballot");
        Ok(Some(BallotWindow {
            opens_at: opens_at
                .or(current.map(|ballot| ballot.opens_at))
                .ok_or_else(|| required("ballotOpensAt"))?,
            closes_at: closes_at
                .or(current.map(|ballot| ballot.closes_at))
                .ok_or_else(|| required("ballotClosesAt"))?,
            claim: claim
                .or(current.map(|ballot| ballot.claim))
                .unwrap_or(DEFAULT_CLAIM),
        }))
    }
}

impl ItemChanges {
    /// Whether these changes take `item`'s ballot, not drawn yet, back to
    /// first come, first served.
    pub fn leaves_pending_ballot(&self, item: &Item) -> bool {
        self.ballot == Some(BallotChange::FirstCome) && item.ballot_pending().is_some()
    }

    /// Checks that a ballot left for first come, first served has no
    /// `entries`: entrants were promised a draw.
    pub fn check_leaving_ballot(entries: u32) -> Result<(), InvalidInput> {
        if entries == 0 {
            return Ok(());
        }
        Err(InvalidInput::new(
            "allocation",
            format!(
                "cannot change: {} the draw",
                count(entries, "entry awaits", "entries await")
            ),
        ))
    }

    /// `item` with these changes applied: its schedule checked again, and
    /// its ticket capacity never below the tickets already issued.
    pub fn apply_to(&self, item: &Item) -> Result<Item, InvalidInput> {
        let mut parts = item.schedule.parts();
        parts.starts_at = self.starts_at.unwrap_or(parts.starts_at);
        parts.ends_at = self.ends_at.unwrap_or(parts.ends_at);
        parts.reservation_opens_at = self
            .reservation_opens_at
            .unwrap_or(parts.reservation_opens_at);
        if let Some(release) = self.release_unscanned {
            if let Some(released_at) = item.released_at {
                return Err(InvalidInput::new(
                    "releaseUnscannedMinutes",
                    format!(
                        "cannot change: the unscanned tickets were released at {}",
                        minute(released_at)
                    ),
                ));
            }
            parts.release_unscanned = release;
        }
        if let Some(ballot) = self.ballot {
            if let Some(drawn_at) = item.ballot_drawn_at {
                return Err(InvalidInput::new(
                    "allocation",
                    format!(
                        "cannot change: the ballot was drawn at {}",
                        minute(drawn_at)
                    ),
                ));
            }
            parts.ballot = ballot.merged(parts.ballot)?;
        }
        parts.reservation_closes_at = match self.reservation_closes_at {
            Some(closes_at) => closes_at,
            // Reservations close at the release at the latest: a ticket
            // reserved after it would be released already.
            None => parts
                .release_unscanned
                .map_or(parts.reservation_closes_at, |release| {
                    parts
                        .reservation_closes_at
                        .min(parts.starts_at - release.duration())
                }),
        };
        let ticket_capacity = self.ticket_capacity.unwrap_or(item.ticket_capacity);
        if ticket_capacity.get() < item.tickets_issued {
            return Err(InvalidInput::new(
                "ticketCapacity",
                format!(
                    "cannot be below the {} already issued",
                    count(item.tickets_issued, "ticket", "tickets")
                ),
            ));
        }
        Ok(Item {
            schedule: Schedule::new(parts)?,
            ticket_capacity,
            max_tickets_per_attendee: self
                .max_tickets_per_attendee
                .unwrap_or(item.max_tickets_per_attendee),
            requires_settled_account: self
                .requires_settled_account
                .unwrap_or(item.requires_settled_account),
            standby_opens: self.standby_opens.unwrap_or(item.standby_opens),
            ..item.clone()
        })
    }
}

/// The title and ticket capacity of a new item: as given, or else its
/// film's title and its venue's capacity. An item with neither a title nor
/// a film is refused.
pub fn new_item_title_and_capacity(
    title: Option<Name>,
    ticket_capacity: Option<Capacity>,
    venue: &Venue,
    film: Option<&Film>,
) -> Result<(Name, Capacity), InvalidInput> {
    let title = match (title, film) {
        (Some(title), _) => title,
        (None, Some(film)) => film.title.clone(),
        (None, None) => {
            return Err(InvalidInput::new(
                "title",
                "is needed when no film is given",
            ));
        }
    };
    Ok((title, ticket_capacity.unwrap_or(venue.capacity)))
}

/// What kind of programme item this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProgrammeKind {
    /// A film screening.
    Screening,
    /// A forum or talk.
    Forum,
    /// A concert.
    Concert,
    /// Anything else that needs a ticket.
    Other,
}

impl ProgrammeKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Screening => "SCREENING",
            Self::Forum => "FORUM",
            Self::Concert => "CONCERT",
            Self::Other => "OTHER",
        }
    }

    /// The kind with stored name `name`.
    pub fn from_stored(name: &str) -> Option<Self> {
        [Self::Screening, Self::Forum, Self::Concert, Self::Other]
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }
}

/// Whether an attendee can reserve an item now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgrammeStatus {
    /// Reservations open later.
    NotYetOpen,
    /// Tickets can be reserved.
    Open,
    /// No tickets left; the waitlist is open.
    SoldOut,
    /// Reservations have closed.
    Closed,
    /// The item was cancelled.
    Cancelled,
    /// Its places go by ballot: entries are taken (from ballotOpensAt),
    /// or the draw is under way.
    Ballot,
}

/// The doors open this long before an item starts, unless the organizer says otherwise.
pub const DEFAULT_DOORS_OPEN: Minutes = Minutes::of(30);
/// Admission closes this long after an item starts, unless the organizer says otherwise.
pub const DEFAULT_LATE_ENTRY: Minutes = Minutes::of(15);
/// The standby line opens this long before an item starts, unless the organizer says otherwise.
pub const DEFAULT_STANDBY_OPENS: Minutes = Minutes::of(60);
/// A ballot's winners have this long to claim, unless the organizer says otherwise.
pub const DEFAULT_CLAIM: Minutes = Minutes::of(60);

/// When an item happens and when it can be reserved and entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    starts_at: Timestamp,
    ends_at: Timestamp,
    reservation_opens_at: Timestamp,
    reservation_closes_at: Timestamp,
    doors_open: Minutes,
    late_entry: Minutes,
    release_unscanned: Option<Minutes>,
    ballot: Option<BallotWindow>,
}

/// When an item allocated by ballot takes entries, and how long a winner
/// has to claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BallotWindow {
    /// Entries are taken from then on.
    pub opens_at: Timestamp,
    /// Entries close, and the draw is made, then.
    pub closes_at: Timestamp,
    /// How long a winner has to claim their places (at least a minute).
    pub claim: Minutes,
}

/// The parts of a schedule, before their rules are checked.
#[derive(Debug, Clone, Copy)]
pub struct ScheduleParts {
    /// When the item starts.
    pub starts_at: Timestamp,
    /// When it ends.
    pub ends_at: Timestamp,
    /// When reservations open.
    pub reservation_opens_at: Timestamp,
    /// When reservations close.
    pub reservation_closes_at: Timestamp,
    /// How long before the start the doors open.
    pub doors_open: Minutes,
    /// How long after the start latecomers are admitted.
    pub late_entry: Minutes,
    /// How long before the start the tickets not yet scanned are released
    /// to the standby line; none: never.
    pub release_unscanned: Option<Minutes>,
    /// The ballot's times, for an item allocated by ballot; none: first
    /// come, first served.
    pub ballot: Option<BallotWindow>,
}

impl Schedule {
    /// Checks that the times are in order: the item ends after it starts, and
    /// reservations open before they close, and close no later than the end.
    pub fn new(parts: ScheduleParts) -> Result<Self, InvalidInput> {
        if parts.ends_at <= parts.starts_at {
            return Err(InvalidInput::new("endsAt", "must be after startsAt"));
        }
        if parts.ends_at - parts.starts_at > chrono::Duration::days(7) {
            return Err(InvalidInput::new(
                "endsAt",
                "must be within 7 days of startsAt",
            ));
        }
        if parts.reservation_closes_at <= parts.reservation_opens_at {
            return Err(InvalidInput::new(
                "reservationClosesAt",
                "must be after reservationOpensAt",
            ));
        }
        if parts.reservation_closes_at > parts.ends_at {
            return Err(InvalidInput::new(
                "reservationClosesAt",
                "must not be after endsAt",
            ));
        }
        if let Some(release) = parts.release_unscanned {
            if release.get() >= parts.doors_open.get() {
                return Err(InvalidInput::new(
                    "releaseUnscannedMinutes",
                    "must be less than doorsOpenMinutes: holders have the time from the doors' \
                     opening to the release to come in",
                ));
            }
            if parts.reservation_closes_at > parts.starts_at - release.duration() {
                return Err(InvalidInput::new(
                    "reservationClosesAt",
                    "must not be after the release of unscanned tickets \
                     (releaseUnscannedMinutes before startsAt)",
                ));
            }
        }
        if let Some(ballot) = parts.ballot {
            check_ballot(&ballot, parts.starts_at)?;
        }
        Ok(Self {
            starts_at: parts.starts_at,
            ends_at: parts.ends_at,
            reservation_opens_at: parts.reservation_opens_at,
            reservation_closes_at: parts.reservation_closes_at,
            doors_open: parts.doors_open,
            late_entry: parts.late_entry,
            release_unscanned: parts.release_unscanned,
            ballot: parts.ballot,
        })
    }

    /// The parts, for storing or changing some of them.
    pub fn parts(&self) -> ScheduleParts {
        ScheduleParts {
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            reservation_opens_at: self.reservation_opens_at,
            reservation_closes_at: self.reservation_closes_at,
            doors_open: self.doors_open,
            late_entry: self.late_entry,
            release_unscanned: self.release_unscanned,
            ballot: self.ballot,
        }
    }

    /// The ballot's times, for an item allocated by ballot.
    pub fn ballot(&self) -> Option<BallotWindow> {
        self.ballot
    }

    /// When the item starts.
    pub fn starts_at(&self) -> Timestamp {
        self.starts_at
    }

    /// When the item ends.
    pub fn ends_at(&self) -> Timestamp {
        self.ends_at
    }

    /// When reservations open.
    pub fn reservation_opens_at(&self) -> Timestamp {
        self.reservation_opens_at
    }

    /// When reservations close.
    pub fn reservation_closes_at(&self) -> Timestamp {
        self.reservation_closes_at
    }

    /// How long before the start the doors open.
    pub fn doors_open(&self) -> Minutes {
        self.doors_open
    }

    /// How long after the start latecomers are admitted.
    pub fn late_entry(&self) -> Minutes {
        self.late_entry
    }

    /// How long before the start unscanned tickets are released, if ever.
    pub fn release_unscanned(&self) -> Option<Minutes> {
        self.release_unscanned
    }

    /// The first moment a ticket is admitted.
    pub fn doors_open_at(&self) -> Timestamp {
        self.starts_at - self.doors_open.duration()
    }

    /// The last moment a ticket is admitted.
    pub fn late_entry_until(&self) -> Timestamp {
        self.starts_at + self.late_entry.duration()
    }

    /// When the tickets not yet scanned are released to the standby line,
    /// if they ever are.
    pub fn release_at(&self) -> Option<Timestamp> {
        self.release_unscanned
            .map(|release| self.starts_at - release.duration())
    }

    /// Whether an unscanned ticket is released at `at`: from the release
    /// moment on, whether or not the release has been written yet, so that
    /// every door, online or offline, answers a holder alike.
    pub fn released_by(&self, at: Timestamp) -> bool {
        self.release_at().is_some_and(|release| at >= release)
    }

    /// Whether the two items are on at the same time (touching ends do not overlap).
    pub fn overlaps(&self, other: &Schedule) -> bool {
        self.starts_at < other.ends_at && other.starts_at < self.ends_at
    }

    /// Whether reservations are accepted at `now`.
    pub fn reservation_window_open(&self, now: Timestamp) -> bool {
        self.reservation_opens_at <= now && now < self.reservation_closes_at
    }
}

/// A ballot's times are in order: it closes after it opens, and its
/// winners' claims end no later than the item's start.
fn check_ballot(ballot: &BallotWindow, starts_at: Timestamp) -> Result<(), InvalidInput> {
    if ballot.closes_at <= ballot.opens_at {
        return Err(InvalidInput::new(
            "ballotClosesAt",
            "must be after ballotOpensAt",
        ));
    }
    if ballot.claim.get() == 0 {
        return Err(InvalidInput::new(
            "claimMinutes",
            "must be at least 1: winners need time to claim",
        ));
    }
    if ballot.closes_at + ballot.claim.duration() > starts_at {
        return Err(InvalidInput::new(
            "ballotClosesAt",
            "must leave the winners' claimMinutes before startsAt",
        ));
    }
    Ok(())
}

/// The status an attendee sees for an item at `now`.
pub fn programme_status(
    now: Timestamp,
    schedule: &Schedule,
    cancelled: bool,
    tickets_left: u32,
) -> ProgrammeStatus {
    if cancelled {
        ProgrammeStatus::Cancelled
    } else if now >= schedule.reservation_closes_at {
        ProgrammeStatus::Closed
    } else if now < schedule.reservation_opens_at {
        ProgrammeStatus::NotYetOpen
    } else if tickets_left == 0 {
        ProgrammeStatus::SoldOut
    } else {
        ProgrammeStatus::Open
    }
}

impl Venue {
    /// The gate a scan names, if the venue has it: any label where the
    /// venue names no gates, one of its gates otherwise; `field` names the
    /// argument in the refusal.
    pub fn gate(&self, field: &str, gate: Option<&str>) -> Result<Option<Label>, InvalidInput> {
        let Some(gate) = gate else {
            return Ok(None);
        };
        let gate = Label::parse(field, gate)?;
        if !self.gates.is_empty() && !self.gates.contains(&gate) {
            let known: Vec<&str> = self.gates.iter().map(Label::as_str).collect();
            return Err(InvalidInput::new(
                field,
                format!("is not a gate of {}: {}", self.name, known.join(", ")),
            ));
        }
        Ok(Some(gate))
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};

    use super::*;

    fn venue() -> Venue {
        Venue {
            id: VenueId::generate(),
            festival_id: FestivalId::generate(),
            name: Name::parse("name", "Nanning Grand Theatre").unwrap_or_else(|e| panic!("{e}")),
            address: Address::parse("address", "1 Minzu Avenue").unwrap_or_else(|e| panic!("{e}")),
            capacity: Capacity::parse("capacity", 800).unwrap_or_else(|e| panic!("{e}")),
            gates: vec![Label::parse("gates", "North").unwrap_or_else(|e| panic!("{e}"))],
        }
    }

    fn film() -> Film {
        Film {
            id: FilmId::generate(),
            festival_id: FestivalId::generate(),
            title: Name::parse("title", "Diamond Island").unwrap_or_else(|e| panic!("{e}")),
            original_title: Some(
                Name::parse("originalTitle", "Koh Pich").unwrap_or_else(|e| panic!("{e}")),
            ),
            countries: vec![
                CountryCode::parse("countries", "KH").unwrap_or_else(|e| panic!("{e}")),
            ],
            languages: vec![Label::parse("languages", "Khmer").unwrap_or_else(|e| panic!("{e}"))],
            runtime_minutes: Some(101),
            director: Some(Name::parse("director", "Davy Chou").unwrap_or_else(|e| panic!("{e}"))),
        }
    }

    #[test]
    fn a_venue_change_replaces_what_it_names_and_keeps_the_rest() {
        let venue = venue();
        assert_eq!(VenueChanges::default().apply_to(&venue), venue);

        let changes = VenueChanges {
            name: Some(Name::parse("name", "Hall 2").unwrap_or_else(|e| panic!("{e}"))),
            address: Some(
                Address::parse("address", "9 Jinhu Road").unwrap_or_else(|e| panic!("{e}")),
            ),
            capacity: Some(Capacity::parse("capacity", 300).unwrap_or_else(|e| panic!("{e}"))),
            gates: Some(vec![
                Label::parse("gates", "South").unwrap_or_else(|e| panic!("{e}")),
            ]),
        };
        let changed = changes.apply_to(&venue);
        assert_eq!(
            changed,
            Venue {
                id: venue.id,
                festival_id: venue.festival_id,
                name: changes.name.clone().unwrap_or_else(|| unreachable!()),
                address: changes.address.clone().unwrap_or_else(|| unreachable!()),
                capacity: changes.capacity.unwrap_or_else(|| unreachable!()),
                gates: changes.gates.clone().unwrap_or_default(),
            }
        );
    }

    #[test]
    fn a_film_change_replaces_or_clears_what_it_names_and_keeps_the_rest() {
        let film = film();
        assert_eq!(FilmChanges::default().apply_to(&film), film);

        let title =
            Name::parse("title", "Diamond Island (restored)").unwrap_or_else(|e| panic!("{e}"));
        let countries =
            vec![CountryCode::parse("countries", "FR").unwrap_or_else(|e| panic!("{e}"))];
        let languages = vec![Label::parse("languages", "French").unwrap_or_else(|e| panic!("{e}"))];
        let changed = FilmChanges {
            title: Some(title.clone()),
            original_title: Some(None),
            countries: Some(countries.clone()),
            languages: Some(languages.clone()),
            runtime_minutes: Some(None),
            director: Some(None),
        }
        .apply_to(&film);
        assert_eq!(
            changed,
            Film {
                id: film.id,
                festival_id: film.festival_id,
                title,
                original_title: None,
                countries,
                languages,
                runtime_minutes: None,
                director: None,
            }
        );
    }

    fn schedule() -> Schedule {
        let starts_at = Utc
            .with_ymd_and_hms(2026, 12, 1, 11, 30, 0)
            .single()
            .unwrap_or_default();
        Schedule::new(ScheduleParts {
            starts_at,
            ends_at: starts_at + Duration::hours(2),
            reservation_opens_at: starts_at - Duration::days(3),
            reservation_closes_at: starts_at,
            doors_open: DEFAULT_DOORS_OPEN,
            late_entry: DEFAULT_LATE_ENTRY,
            release_unscanned: None,
            ballot: None,
        })
        .unwrap_or_else(|error| panic!("{error}"))
    }

    #[test]
    fn an_item_must_end_after_it_starts() {
        let mut parts = schedule().parts();
        parts.ends_at = parts.starts_at;
        assert_eq!(
            Schedule::new(parts).map_err(|e| e.field),
            Err("endsAt".into())
        );
    }

    #[test]
    fn reservations_must_open_before_they_close() {
        let mut parts = schedule().parts();
        parts.reservation_opens_at = parts.reservation_closes_at;
        assert_eq!(
            Schedule::new(parts).map_err(|e| e.field),
            Err("reservationClosesAt".into())
        );
    }

    #[test]
    fn status_follows_the_reservation_window_and_stock() {
        let schedule = schedule();
        let before = schedule.reservation_opens_at() - Duration::minutes(1);
        let during = schedule.reservation_opens_at() + Duration::minutes(1);
        let after = schedule.reservation_closes_at();
        assert_eq!(
            programme_status(before, &schedule, false, 10),
            ProgrammeStatus::NotYetOpen
        );
        assert_eq!(
            programme_status(during, &schedule, false, 10),
            ProgrammeStatus::Open
        );
        assert_eq!(
            programme_status(during, &schedule, false, 0),
            ProgrammeStatus::SoldOut
        );
        assert_eq!(
            programme_status(after, &schedule, false, 10),
            ProgrammeStatus::Closed
        );
        assert_eq!(
            programme_status(during, &schedule, true, 10),
            ProgrammeStatus::Cancelled
        );
    }

    #[test]
    fn doors_open_and_close_around_the_start() {
        let schedule = schedule();
        assert_eq!(
            schedule.doors_open_at(),
            schedule.starts_at() - Duration::minutes(30)
        );
        assert_eq!(
            schedule.late_entry_until(),
            schedule.starts_at() + Duration::minutes(15)
        );
    }

    #[test]
    fn an_item_change_keeps_what_it_does_not_name_and_never_drops_below_the_tickets_issued() {
        let mut item = crate::fixtures::item_at(Utc::now() + Duration::days(3));
        item.tickets_issued = 6;
        assert_eq!(ItemChanges::default().apply_to(&item), Ok(item.clone()));

        let six = Capacity::parse("ticketCapacity", 6).unwrap_or_else(|e| panic!("{e}"));
        let one_each =
            TicketLimit::parse("maxTicketsPerAttendee", 1).unwrap_or_else(|e| panic!("{e}"));
        let changes = ItemChanges {
            ticket_capacity: Some(six),
            max_tickets_per_attendee: Some(one_each),
            requires_settled_account: Some(true),
            standby_opens: Some(crate::input::Minutes::of(15)),
            ..ItemChanges::default()
        };
        let changed = changes.apply_to(&item).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(changed.standby_opens, crate::input::Minutes::of(15));
        assert_ne!(item.standby_opens, changed.standby_opens);
        assert_eq!(changed.ticket_capacity, six);
        assert_eq!(changed.max_tickets_per_attendee, one_each);
        assert!(changed.requires_settled_account);
        assert_eq!(changed.schedule, item.schedule);

        let five = Capacity::parse("ticketCapacity", 5).unwrap_or_else(|e| panic!("{e}"));
        let below = ItemChanges {
            ticket_capacity: Some(five),
            ..ItemChanges::default()
        };
        let refused = below.apply_to(&item).unwrap_err();
        assert_eq!(refused.field, "ticketCapacity");
        assert!(refused.message.contains("6 tickets"), "{refused}");

        let inside_out = ItemChanges {
            ends_at: Some(item.schedule.starts_at() - Duration::hours(1)),
            ..ItemChanges::default()
        };
        assert!(inside_out.apply_to(&item).is_err());
    }

    #[test]
    fn a_new_item_takes_its_films_title_and_its_venues_capacity_unless_given() {
        let venue = venue();
        let film = film();
        let own = Name::parse("title", "Opening night").unwrap_or_else(|e| panic!("{e}"));
        let ten = Capacity::parse("ticketCapacity", 10).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            new_item_title_and_capacity(None, None, &venue, Some(&film)),
            Ok((film.title.clone(), venue.capacity))
        );
        assert_eq!(
            new_item_title_and_capacity(Some(own.clone()), Some(ten), &venue, Some(&film)),
            Ok((own, ten))
        );
        let untitled = new_item_title_and_capacity(None, Some(ten), &venue, None).unwrap_err();
        assert_eq!(untitled.field, "title");
    }

    #[test]
    fn a_scan_names_one_of_the_venues_gates_or_none() {
        let venue = venue();
        let gate = |raw| venue.gate("gate", raw);

        assert_eq!(gate(None), Ok(None));
        assert_eq!(
            gate(Some(" North ")).map(|g| g.map(Label::into_string)),
            Ok(Some("North".into()))
        );
        assert_eq!(
            gate(Some("South")),
            Err(InvalidInput::new(
                "gate",
                "is not a gate of Nanning Grand Theatre: North"
            ))
        );
        assert_eq!(
            gate(Some(" ")).map_err(|refusal| refusal.field),
            Err("gate".into())
        );
    }

    #[test]
    fn a_venue_without_gates_takes_any_gate() {
        let venue = Venue {
            gates: Vec::new(),
            ..venue()
        };

        assert_eq!(
            venue
                .gate("scans[2].gate", Some("Side door"))
                .map(|g| g.map(Label::into_string)),
            Ok(Some("Side door".into()))
        );
    }

    #[test]
    fn tickets_are_released_after_the_doors_open_and_reservations_close_by_then() {
        let mut parts = schedule().parts();
        parts.release_unscanned = Some(Minutes::of(10));
        assert_eq!(
            Schedule::new(parts).map_err(|e| e.field),
            Err("reservationClosesAt".into()),
            "reservations may not close after the release"
        );
        parts.reservation_closes_at = parts.starts_at - Duration::minutes(10);
        let released = Schedule::new(parts).unwrap();
        assert_eq!(released.release_unscanned(), Some(Minutes::of(10)));
        assert_eq!(
            released.release_at(),
            Some(parts.starts_at - Duration::minutes(10))
        );
        let release = released.release_at().unwrap();
        assert!(!released.released_by(release - Duration::milliseconds(1)));
        assert!(released.released_by(release));
        assert!(!schedule().released_by(parts.ends_at), "never released");
        parts.release_unscanned = Some(parts.doors_open);
        assert_eq!(
            Schedule::new(parts).map_err(|e| e.field),
            Err("releaseUnscannedMinutes".into())
        );
        parts.release_unscanned = Some(Minutes::of(parts.doors_open.get() - 1));
        parts.reservation_closes_at = parts.starts_at - Duration::minutes(30);
        assert!(Schedule::new(parts).is_ok());
    }

    #[test]
    fn setting_the_release_closes_reservations_at_it_until_it_has_happened() {
        let item = crate::fixtures::item_at(schedule().starts_at());
        let starts_at = item.schedule.starts_at();
        let release = ItemChanges {
            release_unscanned: Some(Some(Minutes::of(10))),
            ..ItemChanges::default()
        };
        let changed = release.apply_to(&item).unwrap();
        assert_eq!(
            changed.schedule.reservation_closes_at(),
            starts_at - Duration::minutes(10)
        );
        let earlier = ItemChanges {
            release_unscanned: Some(Some(Minutes::of(10))),
            reservation_closes_at: Some(starts_at - Duration::hours(1)),
            ..ItemChanges::default()
        };
        assert_eq!(
            earlier
                .apply_to(&item)
                .unwrap()
                .schedule
                .reservation_closes_at(),
            starts_at - Duration::hours(1),
            "an earlier close is kept"
        );
        let later = ItemChanges {
            reservation_closes_at: Some(starts_at),
            ..ItemChanges::default()
        };
        assert_eq!(
            later.apply_to(&changed).map_err(|e| e.field),
            Err("reservationClosesAt".into())
        );
        let cleared = ItemChanges {
            release_unscanned: Some(None),
            ..ItemChanges::default()
        };
        assert_eq!(
            cleared.apply_to(&changed).unwrap().schedule.release_at(),
            None
        );
        let done = Item {
            released_at: Some(starts_at - Duration::minutes(10)),
            ..changed
        };
        let refused = cleared.apply_to(&done).map_err(|e| e.field);
        assert_eq!(refused, Err("releaseUnscannedMinutes".into()));
        assert!(
            ItemChanges::default().apply_to(&done).is_ok(),
            "other changes stay possible"
        );
    }

    #[test]
    fn a_festival_change_keeps_the_no_show_settings_it_does_not_name() {
        let policy = NoShowPolicy {
            limit: NoShowLimit::parse("noShowLimit", 3).ok(),
            block_days: BlockDays::parse("noShowBlockDays", 30).unwrap(),
            cancel_without_penalty: Minutes::of(60),
        };
        assert_eq!(FestivalChanges::default().no_shows_of(policy), policy);
        let changes = FestivalChanges {
            no_show_limit: Some(None),
            no_show_block_days: BlockDays::parse("noShowBlockDays", 2).ok(),
            ..FestivalChanges::default()
        };
        assert_eq!(
            changes.no_shows_of(policy),
            NoShowPolicy {
                limit: None,
                block_days: BlockDays::parse("noShowBlockDays", 2).unwrap(),
                ..policy
            }
        );
        let cancel = FestivalChanges {
            cancel_without_penalty: Some(Minutes::of(15)),
            ..FestivalChanges::default()
        };
        assert_eq!(
            cancel.no_shows_of(policy).cancel_without_penalty,
            Minutes::of(15)
        );
    }
}
