//! Tickets, reservations and the waitlist: who may reserve how many, and
//! why a reservation is refused.

use crate::catalogue::{Item, ProgrammeStatus};
use crate::ids::{ItemId, ReservationId, TicketId, UserId, WaitlistEntryId};
pub use crate::input::Quantity;
use crate::input::{InvalidInput, MinAccountAge, Name};
use crate::time::Timestamp;
use crate::wording::count;

pub mod ballot;
pub mod no_shows;
pub mod reservations;
pub mod standby;
pub mod waitlist;

/// The state of a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TicketStatus {
    /// Valid, not yet used.
    Active,
    /// Admitted at the door.
    CheckedIn,
    /// Given back by the attendee or cancelled with its item.
    Cancelled,
    /// Not scanned by its item's release time: its place went to the
    /// standby line.
    Released,
}

impl TicketStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::CheckedIn => "CHECKED_IN",
            Self::Cancelled => "CANCELLED",
            Self::Released => "RELEASED",
        }
    }

    /// The status with stored name `name`.
    pub fn from_stored(name: &str) -> Option<Self> {
        [
            Self::Active,
            Self::CheckedIn,
            Self::Cancelled,
            Self::Released,
        ]
        .into_iter()
        .find(|status| status.as_str() == name)
    }
}

/// A ticket as its holder sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// Its id.
    pub id: TicketId,
    /// The item it admits to.
    pub item_id: ItemId,
    /// The account that holds it.
    pub holder_id: UserId,
    /// The reservation it came from.
    pub reservation_id: ReservationId,
    /// The name on the ticket.
    pub holder_name: Name,
    /// Active, checked in or cancelled.
    pub status: TicketStatus,
    /// When it was issued.
    pub issued_at: Timestamp,
    /// When it was admitted at the door.
    pub checked_in_at: Option<Timestamp>,
    /// At which gate.
    pub checked_in_gate: Option<String>,
    /// The seat, for seated items (none yet: general admission).
    pub seat: Option<String>,
    /// Issued to a person called from the standby line, admitted on the
    /// spot: over the venue's room, not the item's ticket capacity.
    pub from_standby: bool,
}

impl Ticket {
    /// What the ticket's code claims.
    pub fn claims(&self) -> TicketClaims {
        TicketClaims {
            ticket_id: self.id,
            item_id: self.item_id,
        }
    }
}

/// What a ticket code carries: no more than the ids. Venue, times and names
/// come from the item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketClaims {
    /// The ticket.
    pub ticket_id: TicketId,
    /// The item it admits to.
    pub item_id: ItemId,
}

/// Tickets reserved together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    /// Its id.
    pub id: ReservationId,
    /// The item.
    pub item_id: ItemId,
    /// The attendee who reserved.
    pub holder_id: UserId,
    /// The tickets, in the order of their holder names.
    pub tickets: Vec<Ticket>,
    /// When it was made.
    pub created_at: Timestamp,
}

/// A place in an item's waitlist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitlistEntry {
    /// Its id.
    pub id: WaitlistEntryId,
    /// The item waited for.
    pub item_id: ItemId,
    /// Tickets wanted.
    pub quantity: Quantity,
    /// 1 = next in line.
    pub position: u32,
    /// When the attendee joined.
    pub created_at: Timestamp,
}

/// Where a place in a waitlist stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WaitlistStatus {
    /// In line.
    Waiting,
    /// Turned into tickets when places came back.
    Promoted,
    /// Given up by the attendee.
    Left,
}

impl WaitlistStatus {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "WAITING",
            Self::Promoted => "PROMOTED",
            Self::Left => "LEFT",
        }
    }
}

/// Why tickets cannot be reserved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReservationRefusal {
    /// Not enough tickets left.
    #[error("not enough tickets left: {left} left, {asked} asked")]
    SoldOut {
        /// Tickets left.
        left: u32,
        /// Tickets asked for.
        asked: u32,
    },
    /// The attendee would hold more than the item allows.
    #[error(
        "at most {} per attendee for this item; you hold {held}",
        count(*.limit, "ticket", "tickets")
    )]
    LimitExceeded {
        /// The item's limit.
        limit: u32,
        /// Tickets the attendee holds already.
        held: u32,
    },
    /// The attendee holds a ticket, or a ballot entry that may still win,
    /// for an item at the same time.
    #[error("you already hold a ticket or a ballot entry for an item at the same time")]
    Overlapping,
    /// Outside the reservation window, or the item is cancelled.
    #[error("reservations for this item are {0}")]
    Closed(&'static str),
    /// The item asks for a settled account and the attendee's is too new.
    #[error(
        "accounts younger than {} cannot reserve this item yet; try again in {}",
        count(*.min_age_minutes, "minute", "minutes"),
        in_minutes(*.retry_after_seconds)
    )]
    AccountTooNew {
        /// The festival's minimum account age.
        min_age_minutes: u32,
        /// Seconds until the account is old enough.
        retry_after_seconds: u64,
    },
    /// The holder reached the festival's no-show limit and is blocked.
    #[error(
        "you reached this festival's limit of no-shows and late cancellations: \
         reserving, waitlists and standby lines are closed to you until {}",
        .until.format("%Y-%m-%d %H:%M UTC")
    )]
    NoShowBlocked {
        /// When the block ends.
        until: Timestamp,
    },
    /// The item's places go by ballot until its draw.
    #[error(
        "this item's places go by ballot: enter it from {} until {} (enterBallot)",
        .opens_at.format("%Y-%m-%d %H:%M UTC"),
        .closes_at.format("%Y-%m-%d %H:%M UTC")
    )]
    BallotOnly {
        /// When entries open.
        opens_at: Timestamp,
        /// When entries close and the draw is made.
        closes_at: Timestamp,
    },
}

/// Why a change to tickets is not made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TicketDenial {
    /// What it names does not exist: "item", "user", "ticket".
    #[error("no such {0}")]
    NotFound(&'static str),
    /// The rules say no.
    #[error(transparent)]
    Refused(#[from] ReservationRefusal),
    /// The request is wrong.
    #[error(transparent)]
    Invalid(#[from] InvalidInput),
}

/// What giving a ticket back does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancellation {
    /// It was given back before: nothing changes.
    AlreadyCancelled,
    /// Its place goes back to the item (and to the waitlist).
    GiveBack,
}

/// Takes `candidates` in their order while their people fit in `room`, at
/// most `limit` of them; one that does not fit is passed over for the next
/// that does. The standby line is called so, and a ballot's winners drawn.
pub(crate) fn fill_in_order<T>(
    candidates: impl IntoIterator<Item = T>,
    room: u32,
    limit: usize,
    people: impl Fn(&T) -> u32,
) -> Vec<T> {
    let mut left = room;
    let mut taken = Vec::new();
    for candidate in candidates {
        if taken.len() == limit || left == 0 {
            break;
        }
        let people = people(&candidate);
        if people <= left {
            left -= people;
            taken.push(candidate);
        }
    }
    taken
}

/// Whether `ticket` for `item` may be given back at `now`: an unused ticket
/// until the item starts; cancelling twice changes nothing.
pub fn decide_cancellation(
    ticket: &Ticket,
    item: &Item,
    now: Timestamp,
) -> Result<Cancellation, TicketDenial> {
    match ticket.status {
        TicketStatus::Cancelled => Ok(Cancellation::AlreadyCancelled),
        TicketStatus::CheckedIn => Err(InvalidInput::new(
            "ticketId",
            "was used at the door and cannot be cancelled",
        )
        .into()),
        TicketStatus::Released => Err(InvalidInput::new(
            "ticketId",
            "was released to the standby line and cannot be cancelled",
        )
        .into()),
        TicketStatus::Active if item.schedule.released_by(now) => Err(InvalidInput::new(
            "ticketId",
            "was released to the standby line and cannot be cancelled",
        )
        .into()),
        TicketStatus::Active if now >= item.schedule.starts_at() => {
            Err(ReservationRefusal::Closed(
                "closed: the item has started, tickets can be given back until it starts",
            )
            .into())
        }
        TicketStatus::Active => Ok(Cancellation::GiveBack),
    }
}

/// Seconds as whole minutes, rounded up, for a person.
fn in_minutes(seconds: u64) -> String {
    count(seconds.div_ceil(60), "minute", "minutes")
}

impl ReservationRefusal {
    /// When asking again may succeed, for a refusal that time lifts.
    pub fn retry_after_seconds(&self) -> Option<u64> {
        match self {
            Self::AccountTooNew {
                retry_after_seconds,
                ..
            } => Some(*retry_after_seconds),
            Self::SoldOut { .. }
            | Self::LimitExceeded { .. }
            | Self::Overlapping
            | Self::Closed(_)
            | Self::NoShowBlocked { .. }
            | Self::BallotOnly { .. } => None,
        }
    }
}

/// Checks the festival's account-age brake: an item that asks for a settled
/// account takes reservations (and waitlist places) only from accounts at
/// least `min_age` old. Bots make their accounts in the minutes before a
/// rush; people made theirs days before, or can wait.
pub fn check_account_age(
    item: &Item,
    min_age: Option<MinAccountAge>,
    account_created_at: Timestamp,
    now: Timestamp,
) -> Result<(), ReservationRefusal> {
    let Some(min_age) = min_age.filter(|_| item.requires_settled_account) else {
        return Ok(());
    };
    let settled_at = account_created_at + min_age.duration();
    if now >= settled_at {
        return Ok(());
    }
    let wait = settled_at - now;
    let whole = u64::try_from(wait.num_seconds()).unwrap_or(0);
    let part = wait.subsec_nanos() > 0;
    Err(ReservationRefusal::AccountTooNew {
        min_age_minutes: min_age.minutes(),
        retry_after_seconds: whole + u64::from(part),
    })
}

/// Why an item takes no reservations now, if it does not.
pub fn window_refusal(item: &Item, now: Timestamp) -> Option<ReservationRefusal> {
    let status = item.status(now);
    if let (ProgrammeStatus::Ballot | ProgrammeStatus::NotYetOpen, Some(ballot)) =
        (status, item.ballot_pending())
    {
        return Some(ReservationRefusal::BallotOnly {
            opens_at: ballot.opens_at,
            closes_at: ballot.closes_at,
        });
    }
    match status {
        ProgrammeStatus::Cancelled => {
            Some(ReservationRefusal::Closed("closed: the item is cancelled"))
        }
        ProgrammeStatus::NotYetOpen => Some(ReservationRefusal::Closed("not open yet")),
        ProgrammeStatus::Closed => Some(ReservationRefusal::Closed("closed")),
        ProgrammeStatus::Open | ProgrammeStatus::SoldOut | ProgrammeStatus::Ballot => None,
    }
}

/// Why a reservation that found no room was refused: the window, or stock.
pub fn refusal_without_room(item: &Item, now: Timestamp, asked: Quantity) -> ReservationRefusal {
    window_refusal(item, now).unwrap_or(ReservationRefusal::SoldOut {
        left: item.tickets_left(),
        asked: asked.get(),
    })
}

/// Checks the attendee's own limits, once the item's room is taken: how
/// many they hold for the item, and whether they hold an overlapping one.
pub fn check_attendee(
    item: &Item,
    held_for_item: u32,
    asked: Quantity,
    holds_overlapping: bool,
) -> Result<(), ReservationRefusal> {
    let limit = item.max_tickets_per_attendee.get();
    if held_for_item + asked.get() > limit {
        return Err(ReservationRefusal::LimitExceeded {
            limit,
            held: held_for_item,
        });
    }
    if holds_overlapping {
        return Err(ReservationRefusal::Overlapping);
    }
    Ok(())
}

/// One name per ticket: the given names, or the attendee's name on each.
pub fn holder_names(
    field: &str,
    given: Option<&[String]>,
    quantity: Quantity,
    default: &Name,
) -> Result<Vec<Name>, InvalidInput> {
    let tickets = usize::try_from(quantity.get()).unwrap_or(usize::MAX);
    match given {
        None => Ok(vec![default.clone(); tickets]),
        Some(names) if names.len() != tickets => Err(InvalidInput::new(
            field,
            format!(
                "gives {} for {}: give one per ticket",
                count(names.len(), "name", "names"),
                count(tickets, "ticket", "tickets"),
            ),
        )),
        Some(names) => names.iter().map(|name| Name::parse(field, name)).collect(),
    }
}

/// Whether a reservation asked for with an idempotency key already used is
/// the same request again: the same item and the same holder names (so the
/// same quantity). Then the first reservation is its answer; any other
/// request with that key is refused, rather than answered with tickets the
/// attendee did not ask for.
pub fn check_retry(
    field: &str,
    first: &Reservation,
    item_id: ItemId,
    holder_names: &[Name],
) -> Result<(), InvalidInput> {
    let reserved = first.tickets.len();
    let difference = if first.item_id != item_id {
        "it reserved another item".to_owned()
    } else if reserved != holder_names.len() {
        format!("it reserved {}", count(reserved, "ticket", "tickets"))
    } else if first
        .tickets
        .iter()
        .zip(holder_names)
        .any(|(ticket, name)| ticket.holder_name != *name)
    {
        "it reserved tickets for other names".to_owned()
    } else {
        return Ok(());
    };
    Err(InvalidInput::new(
        field,
        format!(
            "belongs to another request ({difference}); send a new key for a new \
             reservation, or the same request again to get its answer"
        ),
    ))
}

/// An idempotency key: 1 to 200 visible characters.
pub fn parse_idempotency_key(field: &str, raw: &str) -> Result<String, InvalidInput> {
    if raw.is_empty() || raw.len() > 200 || raw.chars().any(char::is_control) {
        return Err(InvalidInput::new(
            field,
            "must be 1 to 200 characters without control characters",
        ));
    }
    Ok(raw.to_owned())
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::time;

    /// An item starting in two hours whose reservations are open, with
    /// `issued` of its ten tickets issued.
    fn item(issued: u32) -> Item {
        let now = time::now();
        let mut item = crate::fixtures::item_at(now + Duration::hours(2));
        item.tickets_issued = issued;
        item
    }

    #[test]
    fn quantities_are_between_one_and_twenty() {
        assert!(Quantity::parse("quantity", 0).is_err());
        assert!(Quantity::parse("quantity", -1).is_err());
        assert!(Quantity::parse("quantity", 1_000_000).is_err());
        assert_eq!(Quantity::parse("quantity", 2).map(Quantity::get), Ok(2));
    }

    #[test]
    fn a_full_item_is_sold_out_and_a_cancelled_one_closed() {
        let two = Quantity::parse("q", 2).unwrap();
        let mut full = item(10);
        assert_eq!(
            refusal_without_room(&full, time::now(), two),
            ReservationRefusal::SoldOut { left: 0, asked: 2 }
        );
        full.cancelled_at = Some(time::now());
        assert!(matches!(
            refusal_without_room(&full, time::now(), two),
            ReservationRefusal::Closed(_)
        ));
    }

    #[test]
    fn the_per_attendee_limit_counts_tickets_already_held() {
        let one = Quantity::parse("q", 1).unwrap();
        let item = item(0);
        assert_eq!(check_attendee(&item, 1, one, false), Ok(()));
        assert_eq!(
            check_attendee(&item, 2, one, false),
            Err(ReservationRefusal::LimitExceeded { limit: 2, held: 2 })
        );
        assert_eq!(
            check_attendee(&item, 0, one, true),
            Err(ReservationRefusal::Overlapping)
        );
    }

    #[test]
    fn refusals_with_counts_read_as_sentences() {
        let one = ReservationRefusal::LimitExceeded { limit: 1, held: 1 };
        let two = ReservationRefusal::LimitExceeded { limit: 2, held: 2 };
        let minute = ReservationRefusal::AccountTooNew {
            min_age_minutes: 1,
            retry_after_seconds: 30,
        };

        assert_eq!(
            one.to_string(),
            "at most 1 ticket per attendee for this item; you hold 1"
        );
        assert_eq!(
            two.to_string(),
            "at most 2 tickets per attendee for this item; you hold 2"
        );
        assert_eq!(
            minute.to_string(),
            "accounts younger than 1 minute cannot reserve this item yet; try again in 1 minute"
        );
    }

    #[test]
    fn names_that_do_not_match_the_quantity_are_counted_in_words() {
        let dara = Name::parse("n", "Dara").unwrap();
        let one = Quantity::parse("q", 1).unwrap();
        let two = Quantity::parse("q", 2).unwrap();
        let names = |given: &[&str]| {
            given
                .iter()
                .map(|name| (*name).to_owned())
                .collect::<Vec<_>>()
        };

        let too_many = holder_names("holderNames", Some(&names(&["A", "B"])), one, &dara);
        let too_few = holder_names("holderNames", Some(&names(&["A"])), two, &dara);

        assert_eq!(
            too_many.unwrap_err().message,
            "gives 2 names for 1 ticket: give one per ticket"
        );
        assert_eq!(
            too_few.unwrap_err().message,
            "gives 1 name for 2 tickets: give one per ticket"
        );
    }

    fn braked(minutes: i64) -> (Item, Option<MinAccountAge>) {
        let mut item = item(0);
        item.requires_settled_account = true;
        (
            item,
            MinAccountAge::parse("minAccountAgeMinutes", minutes).unwrap(),
        )
    }

    #[test]
    fn an_account_exactly_the_minimum_age_reserves_and_one_a_second_younger_waits_a_second() {
        let (item, hour) = braked(60);
        let now = time::now();

        assert_eq!(
            check_account_age(&item, hour, now - Duration::minutes(60), now),
            Ok(())
        );
        assert_eq!(
            check_account_age(&item, hour, now - Duration::seconds(3599), now),
            Err(ReservationRefusal::AccountTooNew {
                min_age_minutes: 60,
                retry_after_seconds: 1
            })
        );
    }

    #[test]
    fn a_new_account_is_told_how_long_to_wait_rounded_up() {
        let (item, hour) = braked(60);
        let now = time::now();

        let just_made = check_account_age(&item, hour, now, now).unwrap_err();
        let made_a_moment_ago =
            check_account_age(&item, hour, now - Duration::milliseconds(1500), now).unwrap_err();

        assert_eq!(just_made.retry_after_seconds(), Some(3600));
        assert_eq!(made_a_moment_ago.retry_after_seconds(), Some(3599));
        assert_eq!(
            just_made.to_string(),
            "accounts younger than 60 minutes cannot reserve this item yet; try again in 60 minutes"
        );
        assert_eq!(
            check_account_age(&item, hour, now - Duration::seconds(3599), now)
                .unwrap_err()
                .to_string(),
            "accounts younger than 60 minutes cannot reserve this item yet; try again in 1 minute"
        );
    }

    #[test]
    fn the_brake_holds_only_items_that_ask_for_it_in_festivals_that_set_it() {
        let now = time::now();
        let (mut item, hour) = braked(60);

        assert_eq!(check_account_age(&item, None, now, now), Ok(()));
        item.requires_settled_account = false;
        assert_eq!(check_account_age(&item, hour, now, now), Ok(()));
    }

    #[test]
    fn the_minimum_age_is_off_at_zero_and_at_most_a_week() {
        assert_eq!(MinAccountAge::parse("m", 0), Ok(None));
        assert_eq!(
            MinAccountAge::parse("m", 10_080).map(|age| age.map(MinAccountAge::minutes)),
            Ok(Some(10_080))
        );
        assert!(MinAccountAge::parse("m", 10_081).is_err());
        assert!(MinAccountAge::parse("m", -1).is_err());
    }

    #[test]
    fn holder_names_are_one_per_ticket() {
        let two = Quantity::parse("q", 2).unwrap();
        let me = Name::parse("n", "Mai").unwrap();
        assert_eq!(
            holder_names("holderNames", None, two, &me).unwrap(),
            vec![me.clone(), me.clone()]
        );
        assert!(holder_names("holderNames", Some(&["A".into()]), two, &me).is_err());
        assert!(holder_names("holderNames", Some(&["A".into(), " ".into()]), two, &me).is_err());
        assert_eq!(
            holder_names("holderNames", Some(&["Lek".into(), "Nok".into()]), two, &me).unwrap(),
            vec![
                Name::parse("n", "Lek").unwrap(),
                Name::parse("n", "Nok").unwrap()
            ]
        );
    }

    #[test]
    fn waitlist_statuses_are_stored_by_name() {
        let stored = [
            WaitlistStatus::Waiting,
            WaitlistStatus::Promoted,
            WaitlistStatus::Left,
        ]
        .map(WaitlistStatus::as_str);
        assert_eq!(stored, ["WAITING", "PROMOTED", "LEFT"]);
    }

    #[test]
    fn a_key_answers_only_the_request_it_was_first_sent_with() {
        let item = item(0);
        let name = |text: &str| Name::parse("n", text).unwrap();
        let holder = UserId::generate();
        let id = ReservationId::generate();
        let first = Reservation {
            id,
            item_id: item.id,
            holder_id: holder,
            tickets: ["Mai", "Linh"]
                .into_iter()
                .map(|holder_name| Ticket {
                    id: TicketId::generate(),
                    item_id: item.id,
                    holder_id: holder,
                    reservation_id: id,
                    holder_name: name(holder_name),
                    status: TicketStatus::Active,
                    issued_at: time::now(),
                    checked_in_at: None,
                    checked_in_gate: None,
                    seat: None,
                    from_standby: false,
                })
                .collect(),
            created_at: time::now(),
        };
        let check = |item_id, names: &[&str]| {
            let names: Vec<Name> = names.iter().map(|text| name(text)).collect();
            check_retry("idempotencyKey", &first, item_id, &names).map_err(|error| error.message)
        };

        assert_eq!(check(item.id, &["Mai", "Linh"]), Ok(()));
        for (item_id, names, difference) in [
            (ItemId::generate(), &["Mai", "Linh"][..], "another item"),
            (item.id, &["Mai"][..], "2 tickets"),
            (item.id, &["Mai", "Bao"][..], "tickets for other names"),
        ] {
            let refused = check(item_id, names).unwrap_err();
            assert!(
                refused.starts_with(&format!(
                    "belongs to another request (it reserved {difference})"
                )),
                "{refused}"
            );
        }
    }

    #[test]
    fn a_ticket_can_be_given_back_unused_until_its_item_starts_and_twice_changes_nothing() {
        let item = item(1);
        let active = crate::fixtures::ticket(&item, TicketStatus::Active);
        let starts = item.schedule.starts_at();
        let before = starts - Duration::seconds(1);
        assert_eq!(
            decide_cancellation(&active, &item, before),
            Ok(Cancellation::GiveBack)
        );
        assert!(matches!(
            decide_cancellation(&active, &item, starts),
            Err(TicketDenial::Refused(ReservationRefusal::Closed(_)))
        ));
        let cancelled = Ticket {
            status: TicketStatus::Cancelled,
            ..active.clone()
        };
        assert_eq!(
            decide_cancellation(&cancelled, &item, starts),
            Ok(Cancellation::AlreadyCancelled)
        );
        let used = Ticket {
            status: TicketStatus::CheckedIn,
            ..active
        };
        assert!(matches!(
            decide_cancellation(&used, &item, before),
            Err(TicketDenial::Invalid(invalid)) if invalid.field == "ticketId"
        ));
    }

    #[test]
    fn a_released_ticket_is_not_given_back() {
        let item = crate::fixtures::releasing(
            &crate::fixtures::item_at(time::now() + Duration::minutes(30)),
            10,
        );
        let release = item.schedule.release_at().unwrap();
        let unused = crate::fixtures::ticket(&item, TicketStatus::Active);
        let released = crate::fixtures::ticket(&item, TicketStatus::Released);
        assert_eq!(
            decide_cancellation(&unused, &item, release - Duration::seconds(1)),
            Ok(Cancellation::GiveBack)
        );
        for ticket in [&unused, &released] {
            assert!(matches!(
                decide_cancellation(ticket, &item, release),
                Err(TicketDenial::Invalid(invalid)) if invalid.message.contains("released")
            ));
        }
    }

    #[test]
    fn statuses_round_trip_through_their_stored_names() {
        for (status, name) in [
            (TicketStatus::Active, "ACTIVE"),
            (TicketStatus::CheckedIn, "CHECKED_IN"),
            (TicketStatus::Cancelled, "CANCELLED"),
            (TicketStatus::Released, "RELEASED"),
        ] {
            assert_eq!(status.as_str(), name);
            assert_eq!(TicketStatus::from_stored(name), Some(status));
        }
        assert_eq!(TicketStatus::from_stored("USED"), None);
    }
}
