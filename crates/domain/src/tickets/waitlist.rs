//! The waitlist: who may join a sold-out item's line, and who gets the
//! places that come back.

use super::no_shows::check_not_blocked;
use super::reservations::{Holdings, ReservationRules};
use super::{
    Quantity, Reservation, TicketDenial, check_account_age, check_attendee, window_refusal,
};
use crate::catalogue::Item;
use crate::ids::{UserId, WaitlistEntryId};
use crate::input::{InvalidInput, Name};
use crate::time::Timestamp;
use crate::wording::count;

/// Checks that an attendee may join `item`'s waitlist for `quantity`
/// tickets at `now`: the item takes reservations, the account is old enough
/// for the festival's brake, the attendee is not blocked for no-shows
/// (their block ends at `blocked_until`), there are not enough tickets left
/// to reserve instead, and the attendee could hold that many more.
pub fn check_joining_waitlist(
    item: &Item,
    rules: ReservationRules,
    holder_since: Timestamp,
    blocked_until: Option<Timestamp>,
    held_for_item: u32,
    quantity: Quantity,
    now: Timestamp,
) -> Result<(), TicketDenial> {
    if let Some(refusal) = window_refusal(item, now) {
        return Err(refusal.into());
    }
    check_account_age(item, rules.min_account_age, holder_since, now)?;
    check_not_blocked(blocked_until, now)?;
    if item.tickets_left() >= quantity.get() {
        return Err(InvalidInput::new(
            "quantity",
            format!(
                "is still available ({} left): reserve instead of joining the waitlist",
                count(item.tickets_left(), "ticket is", "tickets are")
            ),
        )
        .into());
    }
    check_attendee(item, held_for_item, quantity, false)?;
    Ok(())
}

/// A place in line, with what promoting it needs.
#[derive(Debug, Clone)]
pub struct WaitingPlace {
    /// The entry.
    pub id: WaitlistEntryId,
    /// Who waits.
    pub holder_id: UserId,
    /// Their name, for the tickets.
    pub holder_name: Name,
    /// When their account was created, for the account-age brake.
    pub holder_since: Timestamp,
    /// When their no-show block at the item's festival ends, if they have one.
    pub blocked_until: Option<Timestamp>,
    /// Tickets wanted.
    pub quantity: Quantity,
}

/// A place in line turned into tickets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promotion {
    /// The entry.
    pub entry_id: WaitlistEntryId,
    /// The tickets it got.
    pub reservation: Reservation,
}

/// Gives the tickets `item` has left at `now` to its line, first come first
/// served: a place that wants more than is left, whose account is too new,
/// whose attendee is blocked for no-shows, or whose attendee may not hold
/// that many more (or holds an overlapping ticket, where that matters) is
/// skipped and keeps its place. Nothing
/// for a cancelled item, once it has started, or once its unscanned
/// tickets are released (a ticket given then would be released at once).
/// `holdings` learns the new tickets.
pub fn promote_waitlist(
    item: &Item,
    line: &[WaitingPlace],
    rules: ReservationRules,
    holdings: &mut Holdings,
    now: Timestamp,
) -> Vec<Promotion> {
    if item.cancelled_at.is_some()
        || now >= item.schedule.starts_at()
        || item.schedule.released_by(now)
    {
        return Vec::new();
    }
    let mut available = item.tickets_left();
    let mut promotions = Vec::new();
    for place in line {
        let wanted = place.quantity.get();
        if wanted > available
            || check_account_age(item, rules.min_account_age, place.holder_since, now).is_err()
            || check_not_blocked(place.blocked_until, now).is_err()
        {
            continue;
        }
        let overlapping =
            !rules.allow_overlapping_tickets && holdings.overlapping(place.holder_id, item);
        let held = holdings.held(place.holder_id, item.id);
        if check_attendee(item, held, place.quantity, overlapping).is_err() {
            continue;
        }
        let names = vec![place.holder_name.clone(); usize::try_from(wanted).unwrap_or(0)];
        promotions.push(Promotion {
            entry_id: place.id,
            reservation: Reservation::draft(item.id, place.holder_id, &names, now),
        });
        holdings.add(place.holder_id, item, wanted);
        available -= wanted;
    }
    promotions
}

#[cfg(test)]
mod tests;
