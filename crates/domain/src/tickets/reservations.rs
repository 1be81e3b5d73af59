//! A batch of reservations, decided together: the item's window, the
//! festival's account-age brake, stock, the attendee's limit and overlaps,
//! and idempotency keys, each reservation against what the ones before it in
//! the batch took. The store locks the batch's items and attendees, reads
//! them into a [`ReservationSnapshot`], calls [`decide_reservations`], and
//! writes what the [`ReservationBatch`] says with a conditional update per
//! item that still refuses to pass its capacity.

use std::collections::{HashMap, HashSet};

use super::no_shows::{NoShowPolicy, check_not_blocked};
use super::{
    Quantity, Reservation, Ticket, TicketDenial, TicketStatus, check_account_age, check_attendee,
    check_retry, refusal_without_room, window_refusal,
};
use crate::catalogue::{Item, Schedule};
use crate::ids::{FestivalId, ItemId, ReservationId, TicketId, UserId};
use crate::input::{MinAccountAge, Name};
use crate::time::Timestamp;

/// A reservation to make.
#[derive(Debug, Clone)]
pub struct NewReservation {
    /// The item.
    pub item_id: ItemId,
    /// The attendee reserving.
    pub holder_id: UserId,
    /// When the attendee's account was created, for the festival's
    /// account-age brake (the signed-in user carries it: no query).
    pub holder_since: Timestamp,
    /// How many tickets.
    pub quantity: Quantity,
    /// One name per ticket.
    pub holder_names: Vec<Name>,
    /// A retry with the same key (and the same item and names) returns the
    /// first reservation; another request with it is refused.
    pub idempotency_key: Option<String>,
}

/// What a festival's settings say about new tickets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReservationRules {
    /// Whether an attendee may hold tickets for items at the same time.
    pub allow_overlapping_tickets: bool,
    /// The account-age brake, for items that ask for a settled account.
    pub min_account_age: Option<MinAccountAge>,
    /// Who is blocked for no-shows, and for how long.
    pub no_shows: NoShowPolicy,
}

/// What some attendees hold that bears on new tickets: how many tickets
/// each holds for each item, and the items (with their times) each holds
/// tickets for, where overlaps matter.
#[derive(Debug, Clone, Default)]
pub struct Holdings {
    held: HashMap<(UserId, ItemId), u32>,
    elsewhere: HashMap<UserId, Vec<(ItemId, Schedule)>>,
}

impl Holdings {
    /// Records that `holder` holds `tickets` tickets for `item` (counted
    /// only: see [`Holdings::holds_at`] for the item's times).
    pub fn count(&mut self, holder: UserId, item: ItemId, tickets: u32) {
        *self.held.entry((holder, item)).or_default() += tickets;
    }

    /// Records that `holder` holds a ticket for `item`, on at `schedule`.
    pub fn holds_at(&mut self, holder: UserId, item: ItemId, schedule: Schedule) {
        self.elsewhere
            .entry(holder)
            .or_default()
            .push((item, schedule));
    }

    /// Tickets `holder` holds for `item`.
    pub fn held(&self, holder: UserId, item: ItemId) -> u32 {
        self.held.get(&(holder, item)).copied().unwrap_or(0)
    }

    /// Whether `holder` holds a ticket for another item on at the same time.
    pub fn overlapping(&self, holder: UserId, item: &Item) -> bool {
        self.elsewhere.get(&holder).is_some_and(|others| {
            others
                .iter()
                .any(|(other, schedule)| *other != item.id && schedule.overlaps(&item.schedule))
        })
    }

    /// Records new tickets for `item`.
    pub fn add(&mut self, holder: UserId, item: &Item, tickets: u32) {
        self.count(holder, item.id, tickets);
        self.holds_at(holder, item.id, item.schedule);
    }
}

/// What a batch's reservations are decided against, read under the
/// batch's locks.
#[derive(Debug, Clone, Default)]
pub struct ReservationSnapshot {
    /// The items asked for (those that exist).
    pub items: HashMap<ItemId, Item>,
    /// The attendees asking (those whose accounts exist).
    pub holders: HashSet<UserId>,
    /// The rules of the items' festivals.
    pub rules: HashMap<FestivalId, ReservationRules>,
    /// What the attendees hold.
    pub holdings: Holdings,
    /// Reservations made before under the batch's idempotency keys, by
    /// attendee and key.
    pub by_key: HashMap<(UserId, String), Reservation>,
    /// When the no-show blocks of the attendees end, by festival (only
    /// where the festival has a limit and the attendee reached it).
    pub blocked: HashMap<(UserId, FestivalId), Timestamp>,
}

/// The rules of `item`'s festival.
fn rules_of(rules: &HashMap<FestivalId, ReservationRules>, item: &Item) -> ReservationRules {
    rules.get(&item.festival_id).copied().unwrap_or_default()
}

/// What one reservation of a batch comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReservationDecision {
    /// New tickets: write them.
    Issued(Reservation),
    /// The same request again under its idempotency key: its first answer.
    Replayed(Reservation),
    /// Refused.
    Denied(TicketDenial),
}

/// A batch decided: the answer to each reservation and the tickets each
/// item gives.
#[derive(Debug, Clone)]
pub struct ReservationBatch {
    /// One per reservation, in order.
    pub decisions: Vec<ReservationDecision>,
    /// Tickets each item issues in the batch (only items that issue any).
    pub issued: Vec<(ItemId, u32)>,
}

/// Decides a batch of reservations in arrival order, each made at its own
/// time. A request under an idempotency key used before is answered with
/// the first reservation if it is the same request again, refused
/// otherwise. Then: no such item; a closed item (waiting will not help);
/// an account too new for the festival's brake (waiting will); a holder
/// blocked for no-shows; too few
/// tickets left; no such attendee; the attendee's limit for the item; a
/// ticket they hold for an item at the same time, unless the festival
/// allows overlaps.
pub fn decide_reservations(
    mut snapshot: ReservationSnapshot,
    requests: &[(NewReservation, Timestamp)],
) -> ReservationBatch {
    let issued_before: HashMap<ItemId, u32> = snapshot
        .items
        .values()
        .map(|item| (item.id, item.tickets_issued))
        .collect();
    let mut decisions = Vec::with_capacity(requests.len());
    for (new, now) in requests {
        let key = new
            .idempotency_key
            .as_ref()
            .map(|key| (new.holder_id, key.clone()));
        if let Some(first) = key.as_ref().and_then(|key| snapshot.by_key.get(key)) {
            decisions.push(
                match check_retry("idempotencyKey", first, new.item_id, &new.holder_names) {
                    Ok(()) => ReservationDecision::Replayed(first.clone()),
                    Err(invalid) => ReservationDecision::Denied(invalid.into()),
                },
            );
            continue;
        }
        let decision = match decide_one(new, *now, &mut snapshot) {
            Ok(reservation) => {
                if let Some(key) = key {
                    snapshot.by_key.insert(key, reservation.clone());
                }
                ReservationDecision::Issued(reservation)
            }
            Err(denial) => ReservationDecision::Denied(denial),
        };
        decisions.push(decision);
    }
    let issued = snapshot
        .items
        .values()
        .map(|item| (item.id, item.tickets_issued - issued_before[&item.id]))
        .filter(|(_, issued)| *issued > 0)
        .collect();
    ReservationBatch { decisions, issued }
}

/// Decides one reservation of a batch; issuing changes the snapshot's item
/// and holdings, so that the reservations after it see it.
fn decide_one(
    new: &NewReservation,
    now: Timestamp,
    snapshot: &mut ReservationSnapshot,
) -> Result<Reservation, TicketDenial> {
    let Some(item) = snapshot.items.get_mut(&new.item_id) else {
        return Err(TicketDenial::NotFound("item"));
    };
    let rules = rules_of(&snapshot.rules, item);
    if let Some(refusal) = window_refusal(item, now) {
        return Err(refusal.into());
    }
    check_account_age(item, rules.min_account_age, new.holder_since, now)?;
    check_not_blocked(
        snapshot
            .blocked
            .get(&(new.holder_id, item.festival_id))
            .copied(),
        now,
    )?;
    if item.tickets_left() < new.quantity.get() {
        return Err(refusal_without_room(item, now, new.quantity).into());
    }
    if !snapshot.holders.contains(&new.holder_id) {
        return Err(TicketDenial::NotFound("user"));
    }
    let holdings = &mut snapshot.holdings;
    check_attendee(
        item,
        holdings.held(new.holder_id, item.id),
        new.quantity,
        !rules.allow_overlapping_tickets && holdings.overlapping(new.holder_id, item),
    )?;
    item.tickets_issued += new.quantity.get();
    holdings.add(new.holder_id, item, new.quantity.get());
    Ok(Reservation::draft(
        item.id,
        new.holder_id,
        &new.holder_names,
        now,
    ))
}

impl Reservation {
    /// A new reservation of one unused ticket per name, made at `now`.
    pub fn draft(item_id: ItemId, holder: UserId, names: &[Name], now: Timestamp) -> Self {
        let id = ReservationId::generate();
        Self {
            id,
            item_id,
            holder_id: holder,
            tickets: names
                .iter()
                .map(|name| Ticket {
                    id: TicketId::generate(),
                    item_id,
                    holder_id: holder,
                    reservation_id: id,
                    holder_name: name.clone(),
                    status: TicketStatus::Active,
                    issued_at: now,
                    checked_in_at: None,
                    checked_in_gate: None,
                    seat: None,
                    from_standby: false,
                })
                .collect(),
            created_at: now,
        }
    }
}

#[cfg(test)]
mod tests;
