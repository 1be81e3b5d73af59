//! The standby line: a numbered line per item, online or at the door, for
//! the places that no-shows leave. Who may take a place, and when.

use super::no_shows::check_not_blocked;
use super::{Quantity, Reservation, ReservationRefusal, TicketStatus, fill_in_order};
use crate::catalogue::Item;
use crate::ids::{ItemId, StandbyPlaceId, UserId};
use crate::input::{InvalidInput, Name};
use crate::time::{Timestamp, minute};

/// At most this many people on one place: the holder and a companion.
pub const MAX_STANDBY_QUANTITY: u32 = 2;

/// A numbered place in an item's standby line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandbyPlace {
    /// Its id.
    pub id: StandbyPlaceId,
    /// The item waited for.
    pub item_id: ItemId,
    /// Its number in the item's line: 1, 2, 3… in order of arrival, never reused.
    pub number: u32,
    /// The attendee's display name, or the walk-up's name.
    pub name: Name,
    /// People on this place: 1 or 2.
    pub quantity: Quantity,
    /// When the place was taken.
    pub joined_at: Timestamp,
    /// The attendee who took it online; None for a walk-up, whom door
    /// staff gave a place by name.
    pub holder_id: Option<UserId>,
    /// When door staff called it and let its people in, if they did.
    pub admitted_at: Option<Timestamp>,
}

impl StandbyPlace {
    /// Taken at the door by staff, not online by an attendee.
    pub fn is_walk_up(&self) -> bool {
        self.holder_id.is_none()
    }

    /// The tickets an attendee's place becomes when it is called: one per
    /// person, in the holder's name, admitted on the spot at `gate`, marked
    /// as coming from the standby line. None for a walk-up: without an
    /// account there is no one to hold a ticket.
    pub fn admitted_tickets(&self, gate: Option<&str>, now: Timestamp) -> Option<Reservation> {
        let holder = self.holder_id?;
        let names = vec![self.name.clone(); self.quantity.get() as usize];
        let mut reservation = Reservation::draft(self.item_id, holder, &names, now);
        for ticket in &mut reservation.tickets {
            ticket.status = TicketStatus::CheckedIn;
            ticket.checked_in_at = Some(now);
            ticket.checked_in_gate = gate.map(str::to_owned);
            ticket.from_standby = true;
        }
        Some(reservation)
    }
}

/// Why a place in a standby line is not given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StandbyRefusal {
    /// The attendee has a place in this item's line already.
    #[error("you already have a place in this item's standby line")]
    AlreadyInLine,
    /// The request is wrong, or the line is not open.
    #[error(transparent)]
    Invalid(#[from] InvalidInput),
    /// The attendee is blocked for no-shows.
    #[error(transparent)]
    Refused(#[from] ReservationRefusal),
}

/// When `item`'s standby line opens and closes: from its `standby_opens`
/// minutes before the start until late entry closes.
pub fn standby_window(item: &Item) -> (Timestamp, Timestamp) {
    let starts_at = item.schedule.starts_at();
    (
        starts_at - item.standby_opens.duration(),
        item.schedule.late_entry_until(),
    )
}

/// Checks that a place for `quantity` people may be taken in `item`'s line
/// at `now`: the item is not cancelled, the line is open, the quantity is 1
/// or 2, and an attendee (`already_in_line` and `blocked_until` are theirs;
/// false and None for a walk-up) has no place in it yet and is not blocked
/// for no-shows.
pub fn check_taking_standby_place(
    item: &Item,
    already_in_line: bool,
    blocked_until: Option<Timestamp>,
    quantity: Quantity,
    now: Timestamp,
) -> Result<(), StandbyRefusal> {
    if item.cancelled_at.is_some() {
        return Err(InvalidInput::new("itemId", "is cancelled: it has no standby line").into());
    }
    let (opens, closes) = standby_window(item);
    if now < opens {
        return Err(InvalidInput::new(
            "itemId",
            format!(
                "has no standby line yet: it opens {} minutes before the start, at {}",
                item.standby_opens.get(),
                minute(opens)
            ),
        )
        .into());
    }
    if now > closes {
        return Err(InvalidInput::new(
            "itemId",
            format!(
                "has no standby line any more: it closed with late entry, at {}",
                minute(closes)
            ),
        )
        .into());
    }
    if quantity.get() > MAX_STANDBY_QUANTITY {
        return Err(InvalidInput::new(
            "quantity",
            format!("must be 1 or {MAX_STANDBY_QUANTITY} for a place in a standby line"),
        )
        .into());
    }
    if already_in_line {
        return Err(StandbyRefusal::AlreadyInLine);
    }
    check_not_blocked(blocked_until, now)?;
    Ok(())
}

/// Places called in one go at most.
pub const MAX_STANDBY_CALL: u32 = 100;

/// The places door staff may let in from `item`'s line at `now`, when they
/// call `count` of them and the door may still fill `room` places
/// ([`crate::attendance::standby_places`]): in number order, each place
/// whose people fit in what is left of the room; a pair that does not fit
/// is passed over for the next single, and keeps its number. Refused while
/// the doors are closed, for a cancelled item, and for a count outside 1 to
/// [`MAX_STANDBY_CALL`].
pub fn call_standby<'a>(
    item: &Item,
    line: &'a [StandbyPlace],
    count: u32,
    room: u32,
    now: Timestamp,
) -> Result<Vec<&'a StandbyPlace>, InvalidInput> {
    if !(1..=MAX_STANDBY_CALL).contains(&count) {
        return Err(InvalidInput::new(
            "count",
            format!("must be 1 to {MAX_STANDBY_CALL}"),
        ));
    }
    if item.cancelled_at.is_some() {
        return Err(InvalidInput::new(
            "itemId",
            "is cancelled: it has no standby line",
        ));
    }
    if now < item.schedule.doors_open_at() {
        return Err(InvalidInput::new(
            "itemId",
            format!(
                "has its doors closed: they open at {}",
                minute(item.schedule.doors_open_at())
            ),
        ));
    }
    if now > item.schedule.late_entry_until() {
        return Err(InvalidInput::new(
            "itemId",
            format!(
                "has closed late entry, at {}",
                minute(item.schedule.late_entry_until())
            ),
        ));
    }
    let wanted = usize::try_from(count).unwrap_or(usize::MAX);
    Ok(fill_in_order(line, room, wanted, |place| {
        place.quantity.get()
    }))
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::time;

    fn item() -> Item {
        crate::fixtures::item_at(time::now() + Duration::hours(2))
    }

    fn quantity(n: i64) -> Quantity {
        Quantity::parse("quantity", n).unwrap()
    }

    #[test]
    fn the_line_opens_an_hour_before_the_start_and_closes_with_late_entry() {
        let item = item();
        let (opens, closes) = standby_window(&item);
        let one = quantity(1);

        assert!(
            check_taking_standby_place(&item, false, None, one, opens - Duration::seconds(1))
                .is_err()
        );
        assert_eq!(
            check_taking_standby_place(&item, false, None, one, opens),
            Ok(())
        );
        assert_eq!(
            check_taking_standby_place(&item, false, None, one, closes),
            Ok(())
        );
        let late =
            check_taking_standby_place(&item, false, None, one, closes + Duration::seconds(1));
        assert!(
            matches!(&late, Err(StandbyRefusal::Invalid(invalid)) if invalid.field == "itemId" && invalid.message.contains("closed with late entry")),
            "{late:?}"
        );
        assert_eq!(opens, item.schedule.starts_at() - Duration::minutes(60));
    }

    #[test]
    fn an_organizer_may_open_the_line_earlier_or_later() {
        let mut item = item();
        item.standby_opens = crate::input::Minutes::of(10);
        let (opens, _) = standby_window(&item);
        assert_eq!(opens, item.schedule.starts_at() - Duration::minutes(10));
        let refused = check_taking_standby_place(
            &item,
            false,
            None,
            quantity(1),
            opens - Duration::seconds(1),
        );
        assert!(
            matches!(&refused, Err(StandbyRefusal::Invalid(invalid))
                if invalid.message.contains("10 minutes before the start")
                    && invalid.message.ends_with(&format!("at {}", opens.format("%Y-%m-%d %H:%M UTC")))),
            "{refused:?}"
        );
    }

    #[test]
    fn a_cancelled_item_has_no_line() {
        let mut item = item();
        let (opens, _) = standby_window(&item);
        item.cancelled_at = Some(opens);
        assert!(matches!(
            check_taking_standby_place(&item, false, None, quantity(1), opens),
            Err(StandbyRefusal::Invalid(invalid)) if invalid.message.contains("cancelled")
        ));
    }

    #[test]
    fn a_place_is_for_one_or_two_people() {
        let item = item();
        let (opens, _) = standby_window(&item);
        assert_eq!(
            check_taking_standby_place(&item, false, None, quantity(2), opens),
            Ok(())
        );
        assert!(matches!(
            check_taking_standby_place(&item, false, None, quantity(3), opens),
            Err(StandbyRefusal::Invalid(invalid)) if invalid.field == "quantity"
        ));
    }

    #[test]
    fn an_attendee_has_one_place_per_line() {
        let item = item();
        let (opens, _) = standby_window(&item);
        assert_eq!(
            check_taking_standby_place(&item, true, None, quantity(1), opens),
            Err(StandbyRefusal::AlreadyInLine)
        );
    }

    fn line(quantities: &[i64], item: &Item) -> Vec<StandbyPlace> {
        quantities
            .iter()
            .enumerate()
            .map(|(n, &people)| StandbyPlace {
                id: StandbyPlaceId::generate(),
                item_id: item.id,
                number: u32::try_from(n + 1).unwrap(),
                name: Name::parse("name", "Walk-up").unwrap(),
                quantity: quantity(people),
                joined_at: time::now(),
                holder_id: None,
                admitted_at: None,
            })
            .collect()
    }

    #[test]
    fn an_attendees_called_place_becomes_tickets_let_in_on_the_spot() {
        let item = item();
        let now = time::now();
        let mut pair = line(&[2], &item).remove(0);
        assert!(pair.is_walk_up());
        assert!(pair.admitted_tickets(Some("North"), now).is_none());

        let holder = UserId::generate();
        pair.holder_id = Some(holder);
        assert!(!pair.is_walk_up());
        let reservation = pair.admitted_tickets(Some("North"), now).unwrap();
        assert_eq!(
            (reservation.holder_id, reservation.item_id),
            (holder, item.id)
        );
        assert_eq!(reservation.tickets.len(), 2);
        for ticket in &reservation.tickets {
            assert_eq!(ticket.status, TicketStatus::CheckedIn);
            assert_eq!(ticket.checked_in_at, Some(now));
            assert_eq!(ticket.checked_in_gate.as_deref(), Some("North"));
            assert!(ticket.from_standby);
            assert_eq!(
                (ticket.holder_id, &ticket.holder_name),
                (holder, &pair.name)
            );
        }
    }

    fn numbers(called: &[&StandbyPlace]) -> Vec<u32> {
        called.iter().map(|place| place.number).collect()
    }

    #[test]
    fn the_line_is_called_in_order_passing_over_a_pair_that_does_not_fit() {
        let item = crate::fixtures::item_at(time::now() + Duration::minutes(10));
        let now = time::now();
        let line = line(&[1, 2, 1, 2, 1], &item);
        assert_eq!(
            numbers(&call_standby(&item, &line, 2, 10, now).unwrap()),
            [1, 2]
        );
        assert_eq!(
            numbers(&call_standby(&item, &line, 5, 4, now).unwrap()),
            [1, 2, 3]
        );
        assert_eq!(
            numbers(&call_standby(&item, &line, 5, 2, now).unwrap()),
            [1, 3]
        );
        assert_eq!(
            numbers(&call_standby(&item, &line, 5, 3, now).unwrap()),
            [1, 2]
        );
        assert!(call_standby(&item, &line, 5, 0, now).unwrap().is_empty());
        assert_eq!(
            numbers(&call_standby(&item, &line, MAX_STANDBY_CALL, 100, now).unwrap()),
            [1, 2, 3, 4, 5]
        );
    }

    #[test]
    fn the_line_is_called_while_the_doors_are_open_one_to_a_hundred_at_a_time() {
        let mut item = crate::fixtures::item_at(time::now() + Duration::minutes(10));
        let line = line(&[1], &item);
        let doors = item.schedule.doors_open_at();
        let closes = item.schedule.late_entry_until();
        fn field(result: Result<Vec<&StandbyPlace>, InvalidInput>) -> Result<usize, String> {
            result.map(|called| called.len()).map_err(|e| e.field)
        }
        assert_eq!(
            field(call_standby(&item, &line, 0, 5, doors)),
            Err("count".into())
        );
        assert_eq!(
            field(call_standby(&item, &line, MAX_STANDBY_CALL + 1, 5, doors)),
            Err("count".into())
        );
        assert!(call_standby(&item, &line, 1, 5, doors - Duration::seconds(1)).is_err());
        assert_eq!(call_standby(&item, &line, 1, 5, doors).unwrap().len(), 1);
        assert_eq!(call_standby(&item, &line, 1, 5, closes).unwrap().len(), 1);
        let late = call_standby(&item, &line, 1, 5, closes + Duration::seconds(1));
        assert!(matches!(late, Err(invalid) if invalid.message.contains("late entry")));
        item.cancelled_at = Some(doors);
        assert!(matches!(
            call_standby(&item, &line, 1, 5, doors),
            Err(invalid) if invalid.message.contains("cancelled")
        ));
    }

    #[test]
    fn an_attendee_blocked_for_no_shows_takes_no_place_until_the_block_ends() {
        let item = item();
        let (opens, _) = standby_window(&item);
        let until = opens + Duration::minutes(1);
        assert_eq!(
            check_taking_standby_place(&item, false, Some(until), quantity(1), opens),
            Err(StandbyRefusal::Refused(ReservationRefusal::NoShowBlocked {
                until
            }))
        );
        assert_eq!(
            check_taking_standby_place(&item, false, Some(until), quantity(1), until),
            Ok(())
        );
    }
}
