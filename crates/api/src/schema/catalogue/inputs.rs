//! The catalogue's inputs, each converted into the domain's types with
//! `TryFrom`; a refusal names the field.

use async_graphql::{ID, InputObject, MaybeUndefined};
use usher_domain::catalogue::{
    BallotChange, DEFAULT_DOORS_OPEN, DEFAULT_LATE_ENTRY, DEFAULT_STANDBY_OPENS, FestivalChanges,
    FilmChanges, ItemChanges, Schedule, ScheduleParts, VenueChanges,
};
use usher_domain::input::{
    Address, Capacity, CountryCode, InvalidInput, MinAccountAge, Minutes, Name, Slug, TicketLimit,
    Timezone, parse_labels, parse_runtime,
};
use usher_domain::tickets::no_shows::{
    BlockDays, DEFAULT_BLOCK_DAYS, DEFAULT_CANCEL_WITHOUT_PENALTY, NoShowLimit, NoShowPolicy,
};
use usher_domain::time;
use usher_persistence::{NewFestival, NewFilm, NewItem, NewVenue};

use crate::error::{ApiError, ApiResult};
use crate::schema::ballots::AllocationMode;
use crate::schema::programme::ProgrammeKind;
use crate::schema::scalars::{DateTime, optional, parse_id};

#[derive(InputObject)]
pub struct CreateFestivalInput {
    pub slug: String,
    pub name: String,
    pub city: String,
    /// IANA name, e.g. Asia/Shanghai.
    pub timezone: String,
    pub hosts: Option<Vec<String>>,
    /// Let attendees hold tickets for items that overlap in time (default false).
    pub allow_overlapping_tickets: Option<bool>,
    /// 0 to 10080: accounts younger than this may not reserve items that
    /// require a settled account. Null or 0 = no brake.
    pub min_account_age_minutes: Option<i32>,
    /// 1 to 100: an attendee with this many no-shows and late cancellations
    /// (not forgiven) may not reserve, join a waitlist or a standby line
    /// for noShowBlockDays. Null (the default): strikes never block.
    pub no_show_limit: Option<i32>,
    /// 1 to 365, default 7.
    pub no_show_block_days: Option<i32>,
    /// 0 to 1440, default 120: giving a ticket back later than this before
    /// the start is a strike, like a no-show.
    pub cancel_without_penalty_minutes: Option<i32>,
}

fn min_account_age(raw: Option<i32>) -> ApiResult<Option<MinAccountAge>> {
    Ok(raw
        .map(|minutes| MinAccountAge::parse("minAccountAgeMinutes", minutes.into()))
        .transpose()?
        .flatten())
}

impl TryFrom<CreateFestivalInput> for NewFestival {
    type Error = ApiError;

    fn try_from(input: CreateFestivalInput) -> ApiResult<Self> {
        Ok(Self {
            slug: Slug::parse("slug", &input.slug)?,
            name: Name::parse("name", &input.name)?,
            city: Name::parse("city", &input.city)?,
            timezone: Timezone::parse("timezone", &input.timezone)?,
            hosts: parse_labels("hosts", &input.hosts.unwrap_or_default())?,
            allow_overlapping_tickets: input.allow_overlapping_tickets.unwrap_or(false),
            min_account_age: min_account_age(input.min_account_age_minutes)?,
            no_shows: NoShowPolicy {
                limit: input
                    .no_show_limit
                    .map(|limit| NoShowLimit::parse("noShowLimit", limit.into()))
                    .transpose()?,
                block_days: input
                    .no_show_block_days
                    .map(|days| BlockDays::parse("noShowBlockDays", days.into()))
                    .transpose()?
                    .unwrap_or(DEFAULT_BLOCK_DAYS),
                cancel_without_penalty: minutes_or(
                    "cancelWithoutPenaltyMinutes",
                    input.cancel_without_penalty_minutes,
                    DEFAULT_CANCEL_WITHOUT_PENALTY,
                )?,
            },
        })
    }
}

#[derive(InputObject)]
pub struct UpdateFestivalInput {
    pub festival_id: ID,
    /// 0 to 10080; null or 0 turns the brake off, absent keeps it.
    pub min_account_age_minutes: MaybeUndefined<i32>,
    /// 1 to 100; null turns blocking off, absent keeps it.
    pub no_show_limit: MaybeUndefined<i32>,
    /// 1 to 365.
    pub no_show_block_days: Option<i32>,
    /// 0 to 1440.
    pub cancel_without_penalty_minutes: Option<i32>,
}

impl TryFrom<&UpdateFestivalInput> for FestivalChanges {
    type Error = ApiError;

    fn try_from(input: &UpdateFestivalInput) -> ApiResult<Self> {
        Ok(Self {
            min_account_age: match input.min_account_age_minutes {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(minutes) => Some(min_account_age(Some(minutes))?),
            },
            no_show_limit: match input.no_show_limit {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(limit) => {
                    Some(Some(NoShowLimit::parse("noShowLimit", limit.into())?))
                }
            },
            no_show_block_days: input
                .no_show_block_days
                .map(|days| BlockDays::parse("noShowBlockDays", days.into()))
                .transpose()?,
            cancel_without_penalty: input
                .cancel_without_penalty_minutes
                .map(|minutes| Minutes::parse("cancelWithoutPenaltyMinutes", minutes.into()))
                .transpose()?,
        })
    }
}

#[derive(InputObject)]
pub struct CreateVenueInput {
    pub festival_id: ID,
    pub name: String,
    pub address: String,
    /// Physical capacity: the most people admitted at once.
    pub capacity: i32,
    pub gates: Option<Vec<String>>,
}

impl TryFrom<CreateVenueInput> for NewVenue {
    type Error = ApiError;

    fn try_from(input: CreateVenueInput) -> ApiResult<Self> {
        Ok(Self {
            festival_id: parse_id("festivalId", &input.festival_id)?,
            name: Name::parse("name", &input.name)?,
            address: Address::parse("address", &input.address)?,
            capacity: Capacity::parse("capacity", input.capacity.into())?,
            gates: parse_labels("gates", &input.gates.unwrap_or_default())?,
        })
    }
}

/// The fields of CreateVenueInput to change; absent (or null) keeps a field.
#[derive(InputObject)]
pub struct UpdateVenueInput {
    pub venue_id: ID,
    pub name: Option<String>,
    pub address: Option<String>,
    /// The door admits up to the new capacity from now on.
    pub capacity: Option<i32>,
    /// Replaces the venue's gates; [] for none.
    pub gates: Option<Vec<String>>,
}

impl TryFrom<&UpdateVenueInput> for VenueChanges {
    type Error = ApiError;

    fn try_from(input: &UpdateVenueInput) -> ApiResult<Self> {
        Ok(Self {
            name: input
                .name
                .as_deref()
                .map(|name| Name::parse("name", name))
                .transpose()?,
            address: input
                .address
                .as_deref()
                .map(|address| Address::parse("address", address))
                .transpose()?,
            capacity: input
                .capacity
                .map(|capacity| Capacity::parse("capacity", capacity.into()))
                .transpose()?,
            gates: input
                .gates
                .as_deref()
                .map(|gates| parse_labels("gates", gates))
                .transpose()?,
        })
    }
}

#[derive(InputObject)]
pub struct CreateFilmInput {
    pub festival_id: ID,
    pub title: String,
    pub original_title: Option<String>,
    /// ISO 3166-1 alpha-2 codes, e.g. TH.
    pub countries: Vec<String>,
    pub languages: Option<Vec<String>>,
    pub runtime_minutes: Option<i32>,
    pub director: Option<String>,
}

/// Country codes, each once, in the order given.
fn parse_countries(raw: &[String]) -> ApiResult<Vec<CountryCode>> {
    let mut countries: Vec<CountryCode> = Vec::with_capacity(raw.len());
    for code in raw {
        let code = CountryCode::parse("countries", code)?;
        if !countries.contains(&code) {
            countries.push(code);
        }
    }
    Ok(countries)
}

fn original_title(raw: Option<&str>) -> ApiResult<Option<Name>> {
    Ok(raw
        .map(|title| Name::parse("originalTitle", title))
        .transpose()?)
}

fn runtime(raw: Option<i32>) -> ApiResult<Option<u32>> {
    Ok(raw
        .map(|minutes| parse_runtime("runtimeMinutes", minutes.into()))
        .transpose()?)
}

fn director(raw: Option<&str>) -> ApiResult<Option<Name>> {
    Ok(raw
        .map(|director| Name::parse("director", director))
        .transpose()?)
}

impl TryFrom<CreateFilmInput> for NewFilm {
    type Error = ApiError;

    fn try_from(input: CreateFilmInput) -> ApiResult<Self> {
        Ok(Self {
            festival_id: parse_id("festivalId", &input.festival_id)?,
            title: Name::parse("title", &input.title)?,
            original_title: original_title(input.original_title.as_deref())?,
            countries: parse_countries(&input.countries)?,
            languages: parse_labels("languages", &input.languages.unwrap_or_default())?,
            runtime_minutes: runtime(input.runtime_minutes)?,
            director: director(input.director.as_deref())?,
        })
    }
}

/// The fields of CreateFilmInput to change: absent keeps a field; null
/// clears originalTitle, runtimeMinutes or director and keeps the others.
#[derive(InputObject)]
pub struct UpdateFilmInput {
    pub film_id: ID,
    /// Items whose title is the film's (as when created without one) take the new title too.
    pub title: Option<String>,
    pub original_title: MaybeUndefined<String>,
    /// ISO 3166-1 alpha-2 codes; replaces the film's countries.
    pub countries: Option<Vec<String>>,
    /// Replaces the film's languages; [] for none.
    pub languages: Option<Vec<String>>,
    pub runtime_minutes: MaybeUndefined<i32>,
    pub director: MaybeUndefined<String>,
}

/// A change to an optional field: absent keeps it, null clears it.
fn clearable<T, U>(
    value: &MaybeUndefined<T>,
    parse: impl FnOnce(Option<&T>) -> ApiResult<Option<U>>,
) -> ApiResult<Option<Option<U>>> {
    match value {
        MaybeUndefined::Undefined => Ok(None),
        MaybeUndefined::Null => Ok(Some(None)),
        MaybeUndefined::Value(value) => parse(Some(value)).map(Some),
    }
}

impl TryFrom<&UpdateFilmInput> for FilmChanges {
    type Error = ApiError;

    fn try_from(input: &UpdateFilmInput) -> ApiResult<Self> {
        Ok(Self {
            title: input
                .title
                .as_deref()
                .map(|title| Name::parse("title", title))
                .transpose()?,
            original_title: clearable(&input.original_title, |title| {
                original_title(title.map(String::as_str))
            })?,
            countries: input
                .countries
                .as_deref()
                .map(parse_countries)
                .transpose()?,
            languages: input
                .languages
                .as_deref()
                .map(|languages| parse_labels("languages", languages))
                .transpose()?,
            runtime_minutes: clearable(&input.runtime_minutes, |minutes| {
                runtime(minutes.copied())
            })?,
            director: clearable(&input.director, |name| director(name.map(String::as_str)))?,
        })
    }
}

#[derive(InputObject)]
pub struct CreateItemInput {
    pub festival_id: ID,
    pub venue_id: ID,
    pub kind: ProgrammeKind,
    /// The film's title when absent.
    pub title: Option<String>,
    pub film_id: Option<ID>,
    pub starts_at: DateTime,
    pub ends_at: DateTime,
    /// Defaults to venue capacity; may exceed it (overbooking for expected no-shows).
    pub ticket_capacity: Option<i32>,
    /// Default 2.
    pub max_tickets_per_attendee: Option<i32>,
    /// Default now.
    pub reservation_opens_at: Option<DateTime>,
    /// Default startsAt.
    pub reservation_closes_at: Option<DateTime>,
    /// Default 30: doors open this long before startsAt.
    pub doors_open_minutes: Option<i32>,
    /// Default 15: admission closes this long after startsAt.
    pub late_entry_minutes: Option<i32>,
    /// Default false: true holds the festival's minAccountAgeMinutes brake
    /// on this item (for the most wanted ones).
    pub requires_settled_account: Option<bool>,
    /// Default 60 (0 to 1440): the standby line opens this long before startsAt.
    pub standby_opens_minutes: Option<i32>,
    /// Unset: never. Otherwise (less than doorsOpenMinutes) the tickets not
    /// yet scanned are released to the standby line this long before
    /// startsAt; reservations close then at the latest (the default
    /// reservationClosesAt).
    pub release_unscanned_minutes: Option<i32>,
    /// Default FIRST_COME. BALLOT needs ballotOpensAt and ballotClosesAt.
    pub allocation: Option<AllocationMode>,
    /// For a ballot: entries are taken from then on.
    pub ballot_opens_at: Option<DateTime>,
    /// For a ballot: entries close and the draw is made then; the winners'
    /// claimMinutes must end by startsAt.
    pub ballot_closes_at: Option<DateTime>,
    /// For a ballot, 1 to 1440, default 60: how long a winner has to claim.
    pub claim_minutes: Option<i32>,
}

/// The allocation asked for by `allocation` and the ballot's fields; None
/// when none of them is given.
fn ballot_change(
    allocation: Option<AllocationMode>,
    opens_at: Option<&DateTime>,
    closes_at: Option<&DateTime>,
    claim_minutes: Option<i32>,
) -> ApiResult<Option<BallotChange>> {
    let by_ballot = opens_at.is_some() || closes_at.is_some() || claim_minutes.is_some();
    Ok(match allocation {
        None if !by_ballot => None,
        Some(AllocationMode::FirstCome) if by_ballot => {
            return Err(InvalidInput::new(
                "allocation",
                "must be BALLOT when ballot times are given",
            )
            .into());
        }
        Some(AllocationMode::FirstCome) => Some(BallotChange::FirstCome),
        None | Some(AllocationMode::Ballot) => Some(BallotChange::Ballot {
            opens_at: optional(opens_at, "ballotOpensAt")?,
            closes_at: optional(closes_at, "ballotClosesAt")?,
            claim: claim_minutes
                .map(|minutes| Minutes::parse("claimMinutes", minutes.into()))
                .transpose()?,
        }),
    })
}

fn minutes_or(field: &str, raw: Option<i32>, default: Minutes) -> ApiResult<Minutes> {
    Ok(raw
        .map(|minutes| Minutes::parse(field, minutes.into()))
        .transpose()?
        .unwrap_or(default))
}

impl TryFrom<CreateItemInput> for NewItem {
    type Error = ApiError;

    fn try_from(input: CreateItemInput) -> ApiResult<Self> {
        let starts_at = input.starts_at.parse("startsAt")?;
        let release_unscanned = input
            .release_unscanned_minutes
            .map(|minutes| Minutes::parse("releaseUnscannedMinutes", minutes.into()))
            .transpose()?;
        let schedule = Schedule::new(ScheduleParts {
            starts_at,
            ends_at: input.ends_at.parse("endsAt")?,
            reservation_opens_at: optional(
                input.reservation_opens_at.as_ref(),
                "reservationOpensAt",
            )?
            .unwrap_or_else(time::now),
            reservation_closes_at: optional(
                input.reservation_closes_at.as_ref(),
                "reservationClosesAt",
            )?
            .unwrap_or_else(|| {
                release_unscanned.map_or(starts_at, |release| starts_at - release.duration())
            }),
            doors_open: minutes_or(
                "doorsOpenMinutes",
                input.doors_open_minutes,
                DEFAULT_DOORS_OPEN,
            )?,
            late_entry: minutes_or(
                "lateEntryMinutes",
                input.late_entry_minutes,
                DEFAULT_LATE_ENTRY,
            )?,
            release_unscanned,
            ballot: ballot_change(
                input.allocation,
                input.ballot_opens_at.as_ref(),
                input.ballot_closes_at.as_ref(),
                input.claim_minutes,
            )?
            .map_or(Ok(None), |change| change.merged(None))?,
        })?;
        Ok(Self {
            festival_id: parse_id("festivalId", &input.festival_id)?,
            venue_id: parse_id("venueId", &input.venue_id)?,
            film_id: input
                .film_id
                .map(|id| parse_id("filmId", &id))
                .transpose()?,
            kind: input.kind.into(),
            title: input
                .title
                .map(|title| Name::parse("title", &title))
                .transpose()?,
            schedule,
            ticket_capacity: input
                .ticket_capacity
                .map(|capacity| Capacity::parse("ticketCapacity", capacity.into()))
                .transpose()?,
            max_tickets_per_attendee: input
                .max_tickets_per_attendee
                .map(|limit| TicketLimit::parse("maxTicketsPerAttendee", limit.into()))
                .transpose()?
                .unwrap_or(TicketLimit::DEFAULT),
            requires_settled_account: input.requires_settled_account.unwrap_or(false),
            standby_opens: minutes_or(
                "standbyOpensMinutes",
                input.standby_opens_minutes,
                DEFAULT_STANDBY_OPENS,
            )?,
        })
    }
}

#[derive(InputObject)]
pub struct UpdateItemInput {
    pub item_id: ID,
    /// May not fall below the tickets already issued.
    pub ticket_capacity: Option<i32>,
    pub max_tickets_per_attendee: Option<i32>,
    pub reservation_opens_at: Option<DateTime>,
    pub reservation_closes_at: Option<DateTime>,
    pub starts_at: Option<DateTime>,
    pub ends_at: Option<DateTime>,
    /// Whether the festival's minAccountAgeMinutes brake holds on this item.
    pub requires_settled_account: Option<bool>,
    /// 0 to 1440: the standby line opens this long before startsAt.
    pub standby_opens_minutes: Option<i32>,
    /// Less than doorsOpenMinutes; null: never release. Reservations that
    /// would close after the release close at it, unless
    /// reservationClosesAt is given. Fixed once the release has happened.
    pub release_unscanned_minutes: MaybeUndefined<i32>,
    /// FIRST_COME ends a ballot that has no entries; BALLOT (or any ballot
    /// field) sets one, keeping the ballot's fields not given. Fixed once
    /// drawn.
    pub allocation: Option<AllocationMode>,
    pub ballot_opens_at: Option<DateTime>,
    pub ballot_closes_at: Option<DateTime>,
    /// 1 to 1440.
    pub claim_minutes: Option<i32>,
}

impl TryFrom<&UpdateItemInput> for ItemChanges {
    type Error = ApiError;

    fn try_from(input: &UpdateItemInput) -> ApiResult<Self> {
        Ok(Self {
            ticket_capacity: input
                .ticket_capacity
                .map(|capacity| Capacity::parse("ticketCapacity", capacity.into()))
                .transpose()?,
            max_tickets_per_attendee: input
                .max_tickets_per_attendee
                .map(|limit| TicketLimit::parse("maxTicketsPerAttendee", limit.into()))
                .transpose()?,
            reservation_opens_at: optional(
                input.reservation_opens_at.as_ref(),
                "reservationOpensAt",
            )?,
            reservation_closes_at: optional(
                input.reservation_closes_at.as_ref(),
                "reservationClosesAt",
            )?,
            starts_at: optional(input.starts_at.as_ref(), "startsAt")?,
            ends_at: optional(input.ends_at.as_ref(), "endsAt")?,
            requires_settled_account: input.requires_settled_account,
            standby_opens: input
                .standby_opens_minutes
                .map(|minutes| Minutes::parse("standbyOpensMinutes", minutes.into()))
                .transpose()?,
            release_unscanned: match input.release_unscanned_minutes {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(minutes) => Some(Some(Minutes::parse(
                    "releaseUnscannedMinutes",
                    minutes.into(),
                )?)),
            },
            ballot: ballot_change(
                input.allocation,
                input.ballot_opens_at.as_ref(),
                input.ballot_closes_at.as_ref(),
                input.claim_minutes,
            )?,
        })
    }
}
