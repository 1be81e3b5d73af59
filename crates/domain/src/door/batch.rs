//! A batch of scans at the door, decided together: the whole of DESIGN.md's
//! door order for each scan, against what the scans before it in the batch
//! did. The store locks the batch's items and tickets, reads them into a
//! [`DoorSnapshot`], calls [`decide_scans`], and writes what the
//! [`DoorBatch`] says with conditional updates that still refuse to break
//! the rules.

use std::collections::{HashMap, HashSet};

use super::{CheckInOutcome, Decision, Scan, ScannedBy, decide_check_in};
use crate::catalogue::{Item, Venue};
use crate::ids::{ItemId, TicketId, VenueId};
use crate::tickets::{Ticket, TicketClaims, TicketStatus};
use crate::time::Timestamp;

/// A scan to decide and record.
#[derive(Debug, Clone)]
pub struct ScanAttempt {
    /// The code's claims, or None when the code is not genuine.
    pub claims: Option<TicketClaims>,
    /// Where, for what and when.
    pub scan: Scan,
    /// At which gate.
    pub gate: Option<String>,
    /// By whom.
    pub by: ScannedBy,
    /// The scan's id on the scanner, when it gave one: a scan sent again
    /// with the same id by the same scanner is answered from the record.
    pub client_scan_id: Option<String>,
    /// Whether it was decided by an offline scanner and uploaded later.
    pub offline: bool,
}

impl ScanAttempt {
    /// The key under which the scan is recorded once, when it has an id.
    pub fn client_scan_key(&self) -> Option<String> {
        self.client_scan_id
            .as_deref()
            .map(|id| self.by.client_scan_key(id))
    }
}

/// What a scan came to, with what the answer needs to tell.
#[derive(Debug, Clone)]
pub struct ScanResult {
    /// The outcome.
    pub outcome: CheckInOutcome,
    /// The ticket, when known (as it is after the scan).
    pub ticket: Option<Ticket>,
    /// Its item, when known.
    pub item: Option<Item>,
    /// The item's venue, when known.
    pub venue: Option<Venue>,
    /// Whether the device let in someone the server would not have (or, for
    /// an admission, whether an earlier offline scan of the ticket took its
    /// place as the first).
    pub conflict: bool,
}

impl ScanResult {
    /// When and at which gate the ticket was first admitted.
    pub fn first_check_in(&self) -> Option<(Timestamp, Option<&str>)> {
        let ticket = self.ticket.as_ref()?;
        Some((ticket.checked_in_at?, ticket.checked_in_gate.as_deref()))
    }

    /// A scan of a code that is no ticket of the scanning festival: nothing
    /// about a ticket is shown.
    fn unknown(outcome: CheckInOutcome, offline: bool) -> Self {
        Self {
            outcome,
            ticket: None,
            item: None,
            venue: None,
            conflict: offline,
        }
    }
}

/// What a batch's scans are decided against, read under the batch's locks.
#[derive(Debug, Clone, Default)]
pub struct DoorSnapshot {
    /// The tickets the scans claim (those that exist).
    pub tickets: HashMap<TicketId, Ticket>,
    /// Their items.
    pub items: HashMap<ItemId, Item>,
    /// The items' venues, with the capacity the door holds to.
    pub venues: HashMap<VenueId, Venue>,
    /// The client scan keys of the batch recorded already.
    pub recorded: HashSet<String>,
}

/// What one scan of a batch comes to.
#[derive(Debug, Clone)]
#[expect(
    clippy::large_enum_variant,
    reason = "nearly every scan is settled: a box would cost an allocation per scan"
)]
pub enum ScanDecision {
    /// Decided now: record it with this result.
    Settled(ScanResult),
    /// Sent again with a client scan id recorded before (or earlier in the
    /// batch): answered from the record, not decided again.
    Recorded,
}

/// Places an item fills in a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admissions {
    /// The item.
    pub item_id: ItemId,
    /// People the batch lets in.
    pub newly: u32,
    /// Its venue's capacity: `before + newly` never passes it.
    pub capacity: u32,
}

/// A batch decided: the answer to each scan and the changes to write.
#[derive(Debug, Clone)]
pub struct DoorBatch {
    /// One per scan, in order.
    pub decisions: Vec<ScanDecision>,
    /// Tickets that go from ACTIVE to CHECKED_IN, with their first check-in.
    pub checked_in: Vec<Ticket>,
    /// Tickets checked in before the batch whose first check-in an earlier
    /// offline scan took: their admitting scans on record become conflicts.
    pub first_check_in_moved: Vec<Ticket>,
    /// The items that let people in.
    pub admissions: Vec<Admissions>,
}

/// Decides a batch of scans in arrival order, each in DESIGN.md's door
/// order: INVALID_CODE for a code that is not genuine, UNKNOWN_TICKET for
/// one that names no ticket of this item, then [`decide_check_in`]'s steps,
/// then VENUE_FULL when the venue holds as many people as it may for the
/// item, else ADMITTED. A scan with a client scan id recorded already is
/// not decided again.
///
/// An offline scan of a ticket checked in already is ordered by its
/// `scannedAt`: when it was scanned before the admitting scan and would have
/// admitted then, it becomes the admitting scan and the later one the
/// conflict; otherwise it is the conflict.
pub fn decide_scans(mut snapshot: DoorSnapshot, attempts: &[ScanAttempt]) -> DoorBatch {
    let mut newly: HashMap<ItemId, u32> = HashMap::new();
    let mut decisions: Vec<ScanDecision> = Vec::with_capacity(attempts.len());
    let mut admitting: HashMap<TicketId, usize> = HashMap::new();
    let mut checked_in: Vec<TicketId> = Vec::new();
    let mut moved: Vec<TicketId> = Vec::new();
    for attempt in attempts {
        let key = attempt.client_scan_key();
        if key
            .as_ref()
            .is_some_and(|key| snapshot.recorded.contains(key))
        {
            decisions.push(ScanDecision::Recorded);
            continue;
        }
        let step = decide_one(attempt, &mut snapshot, &mut newly);
        let result = match step {
            Step::Answer(result) => result,
            Step::Admitted(result) => {
                if let Some(ticket) = &result.ticket {
                    admitting.insert(ticket.id, decisions.len());
                    checked_in.push(ticket.id);
                }
                result
            }
            Step::TookFirstCheckIn(result) => {
                if let Some(ticket) = &result.ticket {
                    match admitting.insert(ticket.id, decisions.len()) {
                        Some(later) => {
                            if let ScanDecision::Settled(later) = &mut decisions[later] {
                                later.conflict = true;
                            }
                        }
                        None => moved.push(ticket.id),
                    }
                }
                result
            }
        };
        if let Some(key) = key {
            snapshot.recorded.insert(key);
        }
        decisions.push(ScanDecision::Settled(result));
    }
    let final_state = |id: &TicketId| snapshot.tickets.get(id).cloned();
    let admissions = newly
        .into_iter()
        .filter(|(_, newly)| *newly > 0)
        .filter_map(|(item_id, newly)| {
            let item = snapshot.items.get(&item_id)?;
            let venue = snapshot.venues.get(&item.venue_id)?;
            Some(Admissions {
                item_id,
                newly,
                capacity: venue.capacity.get(),
            })
        })
        .collect();
    DoorBatch {
        decisions,
        checked_in: checked_in.iter().filter_map(final_state).collect(),
        first_check_in_moved: moved.iter().filter_map(final_state).collect(),
        admissions,
    }
}

/// What one scan did to the batch.
enum Step {
    /// Changed nothing.
    Answer(ScanResult),
    /// Let the ticket's holder in.
    Admitted(ScanResult),
    /// An offline scan earlier than the ticket's first check-in took its
    /// place.
    TookFirstCheckIn(ScanResult),
}

/// Decides one scan of a batch; an admission changes the snapshot's ticket
/// and `newly`, so that the scans after it see it.
fn decide_one(
    attempt: &ScanAttempt,
    snapshot: &mut DoorSnapshot,
    newly: &mut HashMap<ItemId, u32>,
) -> Step {
    let offline = attempt.offline;
    let Some(claims) = attempt.claims else {
        return Step::Answer(ScanResult::unknown(CheckInOutcome::InvalidCode, offline));
    };
    let Some(ticket) = snapshot
        .tickets
        .get_mut(&claims.ticket_id)
        .filter(|ticket| ticket.item_id == claims.item_id)
    else {
        return Step::Answer(ScanResult::unknown(CheckInOutcome::UnknownTicket, offline));
    };
    let Some((item, venue)) = snapshot
        .items
        .get(&ticket.item_id)
        .and_then(|item| Some((item, snapshot.venues.get(&item.venue_id)?)))
    else {
        return Step::Answer(ScanResult::unknown(CheckInOutcome::UnknownTicket, offline));
    };
    let shown = |outcome, ticket: &Ticket, conflict| ScanResult {
        outcome,
        ticket: Some(ticket.clone()),
        item: Some(item.clone()),
        venue: Some(venue.clone()),
        conflict,
    };
    match decide_check_in(ticket, item, &attempt.scan) {
        Decision::Refuse(CheckInOutcome::AlreadyCheckedIn)
            if offline && came_first(ticket, attempt.scan.at) =>
        {
            ticket.checked_in_at = Some(attempt.scan.at);
            ticket.checked_in_gate = attempt.gate.clone();
            Step::TookFirstCheckIn(shown(CheckInOutcome::Admitted, ticket, false))
        }
        Decision::Refuse(outcome) if !outcome.shows_ticket() => {
            Step::Answer(ScanResult::unknown(outcome, offline))
        }
        Decision::Refuse(outcome) => Step::Answer(shown(outcome, ticket, offline)),
        Decision::Admit => {
            let inside = newly.entry(item.id).or_default();
            if item.admitted.saturating_add(*inside) >= venue.capacity.get() {
                return Step::Answer(shown(CheckInOutcome::VenueFull, ticket, offline));
            }
            *inside += 1;
            ticket.status = TicketStatus::CheckedIn;
            ticket.checked_in_at = Some(attempt.scan.at);
            ticket.checked_in_gate = attempt.gate.clone();
            Step::Admitted(shown(CheckInOutcome::Admitted, ticket, false))
        }
    }
}

/// Whether a scan at `at` of a checked-in ticket came before its first
/// check-in. Every other step of the door order passed (the ticket was
/// found ALREADY_CHECKED_IN at `at`), so the scan would have admitted then.
fn came_first(ticket: &Ticket, at: Timestamp) -> bool {
    ticket.checked_in_at.is_some_and(|first| at < first)
}

#[cfg(test)]
mod tests;
