//! The door's group commit: every scan that arrives while the previous
//! batch is being written is decided and recorded in the next transaction.
//! The batch locks its items, then its tickets (the order every transaction
//! locks rows in), reads them and their venues into a snapshot, lets the
//! domain decide the scans ([`decide_scans`]), and writes what it decided
//! with conditional updates that refuse to break the rules even so: a
//! ticket moves from ACTIVE only, an item's admitted count stays within its
//! venue, a first check-in moves only to an earlier time.

use std::collections::{BTreeSet, HashMap, HashSet};

use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use usher_domain::catalogue::{Item, Venue};
use usher_domain::door::batch::{
    Admissions, DoorSnapshot, ScanAttempt, ScanDecision, ScanResult, decide_scans,
};
use usher_domain::door::{CheckInOutcome, ScannedBy};
use usher_domain::ids::{ScanId, TicketId, VenueId};
use usher_domain::tickets::{Ticket, TicketStatus};
use usher_domain::time;
use uuid::Uuid;

use crate::catalogue::lock_items;
use crate::entities::{programme_item, scan, ticket, venue};
use crate::error::{StoreError, on_unique_violation};
use crate::group_commit::Batch;
use crate::rows::{MOST_ROWS_PER_STATEMENT, convert_all, in_list, insert_padded, stored_count};
use crate::transaction::{begin_write, commit};

/// The door's writer (see the module's documentation).
#[derive(Debug)]
pub(crate) struct DoorScans;

impl Batch for DoorScans {
    const NAME: &'static str = "door";
    type Request = ScanAttempt;
    type Answer = ScanDecision;

    async fn apply(
        db: &DatabaseConnection,
        attempts: &[ScanAttempt],
    ) -> Result<Vec<Result<ScanDecision, StoreError>>, StoreError> {
        let transaction = begin_write(db).await?;
        let snapshot = snapshot(&transaction, attempts).await?;
        // Online scans are decided at the moment their batch holds the
        // items' locks, not when their requests arrived: batches decided one
        // after the other, on any instance, then have their times in that
        // order, so a scan from just before a release is never admitted
        // after one from just after it was answered RELEASED.
        let now = time::now();
        let attempts: Vec<ScanAttempt> = attempts
            .iter()
            .map(|attempt| {
                let mut attempt = attempt.clone();
                if !attempt.offline {
                    attempt.scan.at = now;
                }
                attempt
            })
            .collect();
        let attempts = attempts.as_slice();
        let batch = decide_scans(snapshot, attempts);

        use_tickets(&transaction, &batch.checked_in).await?;
        move_first_check_ins(&transaction, &batch.first_check_in_moved).await?;
        for admissions in &batch.admissions {
            fill_places(&transaction, admissions).await?;
        }
        let scans: Vec<scan::ActiveModel> = attempts
            .iter()
            .zip(&batch.decisions)
            .filter_map(|(attempt, decision)| match decision {
                ScanDecision::Settled(result) => Some(scan_row(attempt, result)),
                ScanDecision::Recorded => None,
            })
            .collect();
        insert_padded(&transaction, &scans)
            .await
            .map_err(scan_recorded_already)?;
        commit(transaction).await?;
        Ok(batch.decisions.into_iter().map(Ok).collect())
    }
}

/// What the scans of a batch are decided against: their items and tickets,
/// locked in that order, the items' venues, and which of their client scan
/// ids are recorded already.
async fn snapshot(
    db: &impl ConnectionTrait,
    attempts: &[ScanAttempt],
) -> Result<DoorSnapshot, StoreError> {
    let claims = || attempts.iter().filter_map(|attempt| attempt.claims);
    let items = lock_items(db, claims().map(|claim| claim.item_id)).await?;
    let ticket_ids: BTreeSet<Uuid> = claims().map(|claim| claim.ticket_id.as_uuid()).collect();
    let tickets: HashMap<TicketId, Ticket> = convert_all::<_, Ticket>(
        ticket::Entity::find()
            .filter(ticket::Column::Id.is_in(in_list(ticket_ids)))
            .order_by_asc(ticket::Column::Id)
            .lock_exclusive()
            .all(db)
            .await?,
    )?
    .into_iter()
    .map(|ticket| (ticket.id, ticket))
    .collect();
    let venues = venues_of(db, items.values()).await?;
    let recorded = recorded_keys(db, attempts).await?;
    Ok(DoorSnapshot {
        tickets,
        items,
        venues,
        recorded,
    })
}

/// The client scan keys of `attempts` that are recorded already, by one
/// query when any attempt has one.
async fn recorded_keys(
    db: &impl ConnectionTrait,
    attempts: &[ScanAttempt],
) -> Result<HashSet<String>, StoreError> {
    let keys: BTreeSet<String> = attempts
        .iter()
        .filter_map(ScanAttempt::client_scan_key)
        .collect();
    if keys.is_empty() {
        return Ok(HashSet::new());
    }
    let recorded: Vec<Option<String>> = scan::Entity::find()
        .select_only()
        .column(scan::Column::ClientScanKey)
        .filter(scan::Column::ClientScanKey.is_in(keys))
        .into_tuple()
        .all(db)
        .await?;
    Ok(recorded.into_iter().flatten().collect())
}

/// The venues of `items`, by one query when there are any. Read in the
/// batch's transaction, not taken from the caller's memory: an organizer
/// may change a venue's capacity (`updateVenue`), and the door's capacity
/// rule holds against the stored one on every instance.
async fn venues_of(
    db: &impl ConnectionTrait,
    items: impl Iterator<Item = &Item>,
) -> Result<HashMap<VenueId, Venue>, StoreError> {
    let ids: BTreeSet<Uuid> = items.map(|item| item.venue_id.as_uuid()).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = venue::Entity::find()
        .filter(venue::Column::Id.is_in(in_list(ids)))
        .all(db)
        .await?;
    Ok(convert_all::<_, Venue>(rows)?
        .into_iter()
        .map(|venue| (venue.id, venue))
        .collect())
}

/// Moves the admitted tickets from ACTIVE (or RELEASED, for an offline scan
/// made before the release) to CHECKED_IN, each with its own
/// time and gate, up to 256 in one statement; fails unless every one moved.
/// The list is padded to a power of two like [`in_list`]: repeating the last
/// ticket in the `IN` list and the `CASE` changes nothing.
async fn use_tickets(db: &impl ConnectionTrait, admitted: &[Ticket]) -> Result<(), StoreError> {
    use ticket::Column;

    for chunk in admitted.chunks(MOST_ROWS_PER_STATEMENT) {
        let Some((first, rest)) = chunk.split_first() else {
            continue;
        };
        let padding = chunk.len().next_power_of_two() - chunk.len();
        let last = &chunk[chunk.len() - 1];
        let padded = || rest.iter().chain(std::iter::repeat_n(last, padding));
        let when = |ticket: &Ticket| Column::Id.eq(ticket.id.as_uuid());
        let mut at = Expr::case(when(first), first.checked_in_at);
        let mut gate = Expr::case(when(first), first.checked_in_gate.clone());
        for ticket in padded() {
            at = at.case(when(ticket), ticket.checked_in_at);
            gate = gate.case(when(ticket), ticket.checked_in_gate.clone());
        }
        let used = ticket::Entity::update_many()
            .col_expr(Column::Status, Expr::val(TicketStatus::CheckedIn.as_str()))
            .col_expr(
                Column::CheckedInAt,
                at.finally(Expr::col(Column::CheckedInAt)).into(),
            )
            .col_expr(
                Column::CheckedInGate,
                gate.finally(Expr::col(Column::CheckedInGate)).into(),
            )
            .filter(Column::Id.is_in(in_list(chunk.iter().map(|ticket| ticket.id.as_uuid()))))
            // RELEASED: an offline scan before the release admitted it.
            .filter(Column::Status.is_in([
                TicketStatus::Active.as_str(),
                TicketStatus::Released.as_str(),
            ]))
            .exec(db)
            .await?;
        if used.rows_affected != chunk.len() as u64 {
            return Err(anyhow::anyhow!("a ticket of the batch was used meanwhile").into());
        }
    }
    Ok(())
}

/// Moves the first check-in of tickets checked in before the batch to the
/// earlier offline scan that took its place, and marks their admitting
/// scans on record as conflicts (before the batch's own scans are written,
/// which carry their own). Rare: a statement or two per ticket.
async fn move_first_check_ins(
    db: &impl ConnectionTrait,
    tickets: &[Ticket],
) -> Result<(), StoreError> {
    for ticket in tickets {
        let Some(at) = ticket.checked_in_at else {
            return Err(anyhow::anyhow!("ticket {} moved to no check-in", ticket.id).into());
        };
        let moved = ticket::Entity::update_many()
            .col_expr(ticket::Column::CheckedInAt, Expr::val(at))
            .col_expr(
                ticket::Column::CheckedInGate,
                Expr::val(ticket.checked_in_gate.clone()),
            )
            .filter(ticket::Column::Id.eq(ticket.id.as_uuid()))
            .filter(ticket::Column::Status.eq(TicketStatus::CheckedIn.as_str()))
            .filter(ticket::Column::CheckedInAt.gt(at))
            .exec(db)
            .await?;
        if moved.rows_affected != 1 {
            return Err(
                anyhow::anyhow!("ticket {} was first checked in earlier", ticket.id).into(),
            );
        }
        scan::Entity::update_many()
            .col_expr(scan::Column::Conflict, Expr::val(true))
            .filter(scan::Column::TicketId.eq(ticket.id.as_uuid()))
            .filter(scan::Column::Outcome.eq(CheckInOutcome::Admitted.as_str()))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Adds the batch's admissions to an item's count, only if they still fit
/// its venue.
pub(crate) async fn fill_places(
    db: &impl ConnectionTrait,
    admissions: &Admissions,
) -> Result<(), StoreError> {
    use programme_item::Column;

    let room = programme_item::Entity::update_many()
        .col_expr(
            Column::Admitted,
            Expr::col(Column::Admitted).add(stored_count(admissions.newly)),
        )
        .filter(Column::Id.eq(admissions.item_id.as_uuid()))
        .filter(Column::Admitted.lte(stored_count(
            admissions.capacity.saturating_sub(admissions.newly),
        )))
        .exec(db)
        .await?;
    if room.rows_affected != 1 {
        return Err(
            anyhow::anyhow!("item {} has less room than it had", admissions.item_id).into(),
        );
    }
    Ok(())
}

/// The result of an online scan without a client scan id, which is always
/// settled in its batch.
pub(super) fn settled(decision: ScanDecision) -> Result<ScanResult, StoreError> {
    match decision {
        ScanDecision::Settled(result) => Ok(result),
        ScanDecision::Recorded => Err(anyhow::anyhow!(
            "a scan without a client scan id was answered from the record"
        )
        .into()),
    }
}

/// The row that records `attempt` as decided.
fn scan_row(attempt: &ScanAttempt, result: &ScanResult) -> scan::ActiveModel {
    let (account_id, scanner_device_id) = match attempt.by {
        ScannedBy::Account(id) => (Some(id.as_uuid()), None),
        ScannedBy::Device(id) => (None, Some(id.as_uuid())),
    };
    scan::ActiveModel {
        id: Set(ScanId::generate().as_uuid()),
        item_id: Set(result.item.as_ref().map(|item| item.id.as_uuid())),
        ticket_id: Set(result.ticket.as_ref().map(|ticket| ticket.id.as_uuid())),
        venue_id: Set(attempt.scan.venue_id.as_uuid()),
        gate: Set(attempt.gate.clone()),
        account_id: Set(account_id),
        scanner_device_id: Set(scanner_device_id),
        outcome: Set(result.outcome.as_str().to_owned()),
        scanned_at: Set(attempt.scan.at),
        client_scan_key: Set(attempt.client_scan_key()),
        offline: Set(attempt.offline),
        conflict: Set(result.conflict),
        created_at: Set(time::now()),
    }
}

/// A scan's client scan key is unique: another instance recorded it first.
fn scan_recorded_already(error: sea_orm::DbErr) -> StoreError {
    on_unique_violation(error, || "this scan was recorded already".to_owned())
}
