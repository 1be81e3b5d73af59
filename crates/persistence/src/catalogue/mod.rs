//! Festivals, venues, films and programme items: what is new, what is
//! stored, and the reads other features lock or load them by.

mod festivals;
mod films;
mod items;
mod venues;

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use usher_domain::catalogue::{
    BallotWindow, Festival, Film, Item, ProgrammeKind, Schedule, ScheduleParts, Venue,
};
use usher_domain::ids::{FestivalId, FilmId, ItemId, VenueId};
use usher_domain::input::{
    Address, Capacity, CountryCode, Label, MinAccountAge, Minutes, Name, Slug, TicketLimit,
    Timezone,
};
use usher_domain::tickets::no_shows::{BlockDays, NoShowLimit, NoShowPolicy};
use usher_domain::time::Timestamp;

use crate::entities::{festival, film, programme_item, venue};
use crate::error::{StoreError, corrupt};
use crate::rows::{convert_all, count, from_json, in_list, stored};

/// A festival to create.
#[derive(Debug, Clone)]
pub struct NewFestival {
    /// URL-safe short name, unique.
    pub slug: Slug,
    /// Full name.
    pub name: Name,
    /// City.
    pub city: Name,
    /// Time zone of its dates.
    pub timezone: Timezone,
    /// Co-hosting organisations.
    pub hosts: Vec<Label>,
    /// Whether attendees may hold tickets for overlapping items.
    pub allow_overlapping_tickets: bool,
    /// How old an account must be to reserve the items that ask for it.
    pub min_account_age: Option<MinAccountAge>,
    /// Strikes for no-shows and what they lead to.
    pub no_shows: NoShowPolicy,
}

/// A venue to create.
#[derive(Debug, Clone)]
pub struct NewVenue {
    /// The festival it belongs to.
    pub festival_id: FestivalId,
    /// Its name.
    pub name: Name,
    /// Its address.
    pub address: Address,
    /// People admitted at once.
    pub capacity: Capacity,
    /// Its gates.
    pub gates: Vec<Label>,
}

/// A film to create.
#[derive(Debug, Clone)]
pub struct NewFilm {
    /// The festival it belongs to.
    pub festival_id: FestivalId,
    /// Programme title.
    pub title: Name,
    /// Original title.
    pub original_title: Option<Name>,
    /// Countries of production.
    pub countries: Vec<CountryCode>,
    /// Spoken languages.
    pub languages: Vec<Label>,
    /// Running time.
    pub runtime_minutes: Option<u32>,
    /// Director.
    pub director: Option<Name>,
}

/// A programme item to create.
#[derive(Debug, Clone)]
pub struct NewItem {
    /// The festival it belongs to.
    pub festival_id: FestivalId,
    /// Where it happens; must be a venue of the festival.
    pub venue_id: VenueId,
    /// The film it shows; must be a film of the festival.
    pub film_id: Option<FilmId>,
    /// Kind of item.
    pub kind: ProgrammeKind,
    /// Title; the film's title when absent.
    pub title: Option<Name>,
    /// Its times.
    pub schedule: Schedule,
    /// Tickets to issue; the venue's capacity when absent.
    pub ticket_capacity: Option<Capacity>,
    /// Per-attendee limit.
    pub max_tickets_per_attendee: TicketLimit,
    /// Whether the festival's account-age brake applies.
    pub requires_settled_account: bool,
    /// How long before the start the standby line opens.
    pub standby_opens: Minutes,
}

/// Which items of a festival's programme to list, in order of start time
/// and then id.
#[derive(Debug, Clone, Default)]
pub struct ProgrammeQuery {
    /// Only this kind.
    pub kind: Option<ProgrammeKind>,
    /// Only at this venue.
    pub venue_id: Option<VenueId>,
    /// Only showing this film.
    pub film_id: Option<FilmId>,
    /// Only starting at or after this moment.
    pub starts_after: Option<Timestamp>,
    /// Only starting before this moment.
    pub starts_before: Option<Timestamp>,
    /// Only items whose status is OPEN at `now`.
    pub only_available_at: Option<Timestamp>,
    /// Only items after this (start, id) position.
    pub after: Option<(Timestamp, ItemId)>,
    /// At most this many items.
    pub first: u64,
}

/// One page of a list.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The rows of this page.
    pub rows: Vec<T>,
    /// Whether more rows follow.
    pub has_next_page: bool,
    /// Rows matching the filter, on all pages.
    pub total_count: u64,
}

impl TryFrom<festival::Model> for Festival {
    type Error = StoreError;

    fn try_from(row: festival::Model) -> Result<Self, StoreError> {
        const T: &str = "festival";
        Ok(Self {
            id: row.id.into(),
            slug: stored(T, Slug::parse("slug", &row.slug))?,
            name: stored(T, Name::parse("name", &row.name))?,
            city: stored(T, Name::parse("city", &row.city))?,
            timezone: stored(T, Timezone::parse("timezone", &row.timezone))?,
            hosts: from_json(T, &row.hosts)?
                .iter()
                .map(|host| stored(T, Label::parse("hosts", host)))
                .collect::<Result<_, _>>()?,
            allow_overlapping_tickets: row.allow_overlapping_tickets,
            min_account_age: stored_min_account_age(row.min_account_age_minutes)?,
            no_shows: stored_no_show_policy(
                row.no_show_limit,
                row.no_show_block_days,
                row.cancel_without_penalty_minutes,
            )?,
        })
    }
}

/// A festival's no-show policy as stored.
pub(crate) fn stored_no_show_policy(
    limit: Option<i32>,
    block_days: i32,
    cancel_without_penalty_minutes: i32,
) -> Result<NoShowPolicy, StoreError> {
    const T: &str = "festival";
    Ok(NoShowPolicy {
        limit: limit
            .map(|limit| stored(T, NoShowLimit::parse("noShowLimit", limit.into())))
            .transpose()?,
        block_days: stored(T, BlockDays::parse("noShowBlockDays", block_days.into()))?,
        cancel_without_penalty: stored(
            T,
            Minutes::parse(
                "cancelWithoutPenaltyMinutes",
                cancel_without_penalty_minutes.into(),
            ),
        )?,
    })
}

impl TryFrom<venue::Model> for Venue {
    type Error = StoreError;

    fn try_from(row: venue::Model) -> Result<Self, StoreError> {
        const T: &str = "venue";
        Ok(Self {
            id: row.id.into(),
            festival_id: row.festival_id.into(),
            name: stored(T, Name::parse("name", &row.name))?,
            address: stored(T, Address::parse("address", &row.address))?,
            capacity: stored(T, Capacity::parse("capacity", row.capacity.into()))?,
            gates: from_json(T, &row.gates)?
                .iter()
                .map(|gate| stored(T, Label::parse("gates", gate)))
                .collect::<Result<_, _>>()?,
        })
    }
}

impl TryFrom<film::Model> for Film {
    type Error = StoreError;

    fn try_from(row: film::Model) -> Result<Self, StoreError> {
        const T: &str = "film";
        Ok(Self {
            id: row.id.into(),
            festival_id: row.festival_id.into(),
            title: stored(T, Name::parse("title", &row.title))?,
            original_title: row
                .original_title
                .map(|title| stored(T, Name::parse("originalTitle", &title)))
                .transpose()?,
            countries: from_json(T, &row.countries)?
                .iter()
                .map(|code| stored(T, CountryCode::parse("countries", code)))
                .collect::<Result<_, _>>()?,
            languages: from_json(T, &row.languages)?
                .iter()
                .map(|language| stored(T, Label::parse("languages", language)))
                .collect::<Result<_, _>>()?,
            runtime_minutes: row
                .runtime_minutes
                .map(|minutes| count(T, minutes))
                .transpose()?,
            director: row
                .director
                .map(|director| stored(T, Name::parse("director", &director)))
                .transpose()?,
        })
    }
}

impl TryFrom<programme_item::Model> for Item {
    type Error = StoreError;

    fn try_from(row: programme_item::Model) -> Result<Self, StoreError> {
        const T: &str = "programme_item";
        let schedule = Schedule::new(ScheduleParts {
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            reservation_opens_at: row.reservation_opens_at,
            reservation_closes_at: row.reservation_closes_at,
            doors_open: stored(
                T,
                Minutes::parse("doorsOpenMinutes", row.doors_open_minutes.into()),
            )?,
            late_entry: stored(
                T,
                Minutes::parse("lateEntryMinutes", row.late_entry_minutes.into()),
            )?,
            release_unscanned: row
                .release_unscanned_minutes
                .map(|minutes| stored(T, Minutes::parse("releaseUnscannedMinutes", minutes.into())))
                .transpose()?,
            ballot: match (row.ballot_opens_at, row.ballot_closes_at, row.claim_minutes) {
                (Some(opens_at), Some(closes_at), Some(claim)) => Some(BallotWindow {
                    opens_at,
                    closes_at,
                    claim: stored(T, Minutes::parse("claimMinutes", claim.into()))?,
                }),
                _ => None,
            },
        });
        Ok(Self {
            id: row.id.into(),
            festival_id: row.festival_id.into(),
            venue_id: row.venue_id.into(),
            film_id: row.film_id.map(FilmId::from),
            kind: ProgrammeKind::from_stored(&row.kind)
                .ok_or_else(|| corrupt(T, format!("unknown kind {}", row.kind)))?,
            title: stored(T, Name::parse("title", &row.title))?,
            schedule: stored(T, schedule)?,
            ticket_capacity: stored(
                T,
                Capacity::parse("ticketCapacity", row.ticket_capacity.into()),
            )?,
            tickets_issued: count(T, row.tickets_issued)?,
            admitted: count(T, row.admitted)?,
            max_tickets_per_attendee: stored(
                T,
                TicketLimit::parse("maxTicketsPerAttendee", row.max_tickets_per_attendee.into()),
            )?,
            cancelled_at: row.cancelled_at,
            requires_settled_account: row.requires_settled_account,
            standby_opens: stored(
                T,
                Minutes::parse("standbyOpensMinutes", row.standby_opens_minutes.into()),
            )?,
            released_at: row.released_at,
            ballot_drawn_at: row.ballot_drawn_at,
        })
    }
}

/// A festival's account-age brake as stored: null when off.
pub(crate) fn stored_min_account_age(
    minutes: Option<i32>,
) -> Result<Option<MinAccountAge>, StoreError> {
    Ok(minutes
        .map(|minutes| {
            stored(
                "festival",
                MinAccountAge::parse("minAccountAgeMinutes", minutes.into()),
            )
        })
        .transpose()?
        .flatten())
}

/// The item with this id, as the connection (or transaction) sees it.
pub(crate) async fn load_item(
    db: &impl ConnectionTrait,
    item_id: ItemId,
) -> Result<Item, StoreError> {
    programme_item::Entity::find_by_id(item_id.as_uuid())
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("item"))?
        .try_into()
}

/// The items with these ids, their rows locked for the transaction `db`
/// (in id order, as every transaction locks them), by id.
pub(crate) async fn lock_items(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = ItemId>,
) -> Result<HashMap<ItemId, Item>, StoreError> {
    let rows = programme_item::Entity::find()
        .filter(programme_item::Column::Id.is_in(in_list(ids)))
        .order_by_asc(programme_item::Column::Id)
        .lock_exclusive()
        .all(db)
        .await?;
    Ok(convert_all::<_, Item>(rows)?
        .into_iter()
        .map(|item| (item.id, item))
        .collect())
}

/// The venue with this id.
pub(crate) async fn load_venue(
    db: &impl ConnectionTrait,
    venue_id: VenueId,
) -> Result<Venue, StoreError> {
    venue::Entity::find_by_id(venue_id.as_uuid())
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("venue"))?
        .try_into()
}
