//! Check-in: what a scan comes to, and the answer door staff read, for
//! scans made now and scans uploaded from an offline scanner.

use async_graphql::{Context, Enum, ID, InputObject, SimpleObject};
use usher_domain::door::{self, Details};
use usher_domain::input::Timezone;
use usher_domain::tickets::{Ticket, TicketClaims};
use usher_domain::time::Timestamp;
use usher_persistence::ScanResult;

use crate::Services;
use crate::codes::InvalidCode;
use crate::error::ApiResult;
use crate::monitoring;
use crate::schema::context::{language, services};
use crate::schema::node::Node;
use crate::schema::scalars::DateTime;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "door::CheckInOutcome")]
pub enum CheckInOutcome {
    Admitted,
    AlreadyCheckedIn,
    InvalidCode,
    UnknownTicket,
    Cancelled,
    ItemCancelled,
    WrongVenue,
    WrongItem,
    TooEarly,
    TooLate,
    VenueFull,
    /// Not scanned by the item's release time (releaseUnscannedMinutes
    /// before startsAt): its place went to the standby line.
    Released,
}

#[derive(SimpleObject)]
pub struct FirstCheckIn {
    pub at: DateTime,
    pub gate: Option<String>,
}

/// What a scan came to, with a sentence door staff can read out.
#[derive(SimpleObject)]
pub struct CheckInResult {
    pub outcome: CheckInOutcome,
    /// True only for ADMITTED.
    pub admitted: bool,
    /// Null for INVALID_CODE and UNKNOWN_TICKET.
    pub ticket: Option<Node<Ticket>>,
    pub first_check_in: Option<FirstCheckIn>,
    /// A short sentence door staff can read out, e.g. which hall and time the ticket is for.
    pub message: String,
}

#[derive(SimpleObject)]
pub struct OfflineScanResult {
    pub client_scan_id: ID,
    /// The outcome this scan gets in the order of scannedAt among all scans of the ticket.
    pub result: CheckInResult,
    /// True when the device admitted someone the server would not have (e.g. a second entry on one ticket).
    pub conflict: bool,
}

#[derive(InputObject)]
pub struct CheckInInput {
    pub code: String,
    pub gate: Option<String>,
    /// Door staff admitting for one item at a time name it; then a ticket for another item at the same venue is WRONG_ITEM.
    pub item_id: Option<ID>,
    pub venue_id: ID,
    /// The scan's id on the scanner (1 to 100 characters). A scan sent again with the same id by the same scanner (device or account), e.g. after a lost answer, gets the first answer and is not decided or recorded again.
    pub client_scan_id: Option<ID>,
}

#[derive(InputObject)]
pub struct OfflineScanInput {
    /// Unique per scan on the device; a re-sent scan is answered, not recorded twice.
    pub client_scan_id: ID,
    pub code: String,
    pub venue_id: ID,
    pub gate: Option<String>,
    pub scanned_at: DateTime,
}

/// The answer to a scan made at `scanned_at` of a code that `verified`
/// (or did not, and why).
pub(super) async fn answer(
    ctx: &Context<'_>,
    result: ScanResult,
    scanned_at: Timestamp,
    verified: Result<TicketClaims, InvalidCode>,
) -> ApiResult<CheckInResult> {
    let services = services(ctx)?;
    let timezone = match &result.item {
        Some(item) => services
            .catalogue
            .festival(&services.store, item.festival_id)
            .await?
            .map_or(Timezone::UTC, |festival| festival.timezone),
        None => Timezone::UTC,
    };
    let first_check_in = result.first_check_in();
    let message = door::message(
        result.outcome,
        &Details {
            holder: result
                .ticket
                .as_ref()
                .map(|ticket| ticket.holder_name.as_str()),
            item: result.item.as_ref(),
            venue_name: result
                .venue
                .as_ref()
                .map_or("", |venue| venue.name.as_str()),
            venue_capacity: result
                .venue
                .as_ref()
                .map_or(0, |venue| venue.capacity.get()),
            first_check_in,
            timezone: timezone.tz(),
            scanned_at,
            retired_key: verified == Err(InvalidCode::RetiredKey),
        },
        language(ctx),
    );
    let first_check_in = first_check_in.map(|(at, gate)| FirstCheckIn {
        at: at.into(),
        gate: gate.map(str::to_owned),
    });
    let outcome = result.outcome;
    Ok(CheckInResult {
        outcome: outcome.into(),
        admitted: outcome == door::CheckInOutcome::Admitted,
        ticket: result.ticket.map(Node),
        first_check_in: (outcome != door::CheckInOutcome::Admitted)
            .then_some(first_check_in)
            .flatten(),
        message,
    })
}

/// Counts the decision, and tells subscribers about an admission (refusals
/// change no numbers).
pub(super) async fn announce(services: &Services, result: &ScanResult) {
    monitoring::check_in(result.outcome.as_str());
    if result.outcome == door::CheckInOutcome::Admitted
        && let Some(item) = &result.item
    {
        services.events.item_changed(item.id);
    }
}

pub(super) async fn verify(services: &Services, code: &str) -> Result<TicketClaims, InvalidCode> {
    services.ticket_keys.verify_current(code).await
}
