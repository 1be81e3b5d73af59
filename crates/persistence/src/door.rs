//! Check-in at the door, scanner devices, and the scan record.
//!
//! Scans are decided and recorded by the door's writer, many to a
//! transaction (see [`DoorScans`]): the item's admitted counter never passes
//! the venue's capacity, a ticket moves from ACTIVE to CHECKED_IN exactly
//! once whatever the number of gates, and every scan is recorded, refusals
//! too.

use std::collections::{BTreeSet, HashMap, HashSet};

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use usher_domain::catalogue::{Item, Venue};
use usher_domain::door::{
    CheckInOutcome, Decision, Scan, ScanRecord, ScannedBy, ScannerDevice, decide_check_in,
};
use usher_domain::ids::{FestivalId, ItemId, ScanId, ScannerId, TicketId, UserId, VenueId};
use usher_domain::input::Label;
use usher_domain::tickets::{Ticket, TicketClaims, TicketStatus};
use usher_domain::time::{self, Timestamp};
use uuid::Uuid;

use crate::catalogue::{Page, load_item, load_venue, lock_items};
use crate::entities::{programme_item, scan, scanner_device, ticket, venue};
use crate::error::{StoreError, corrupt, on_unique_violation};
use crate::group_commit::Batch;
use crate::rows::{
    MOST_ROWS_PER_STATEMENT, convert_all, in_list, insert_padded, stored, stored_count,
};
use crate::store::{Store, begin_write, commit};

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
    fn client_scan_key(&self) -> Option<String> {
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
    /// Whether the device let in someone the server would not have.
    pub conflict: bool,
}

impl ScanResult {
    /// When and at which gate the ticket was first admitted.
    pub fn first_check_in(&self) -> Option<(Timestamp, Option<&str>)> {
        let ticket = self.ticket.as_ref()?;
        Some((ticket.checked_in_at?, ticket.checked_in_gate.as_deref()))
    }
}

/// What an offline scanner needs to decide alone.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// Items at the venue whose late entry has not closed.
    pub items: Vec<Item>,
    /// Cancelled tickets of those items.
    pub cancelled: Vec<TicketId>,
    /// Tickets of those items already checked in.
    pub checked_in: Vec<TicketId>,
}

impl TryFrom<scan::Model> for ScanRecord {
    type Error = StoreError;

    fn try_from(row: scan::Model) -> Result<Self, StoreError> {
        let scanned_by = match (row.account_id, row.scanner_device_id) {
            (_, Some(device)) => ScannedBy::Device(device.into()),
            (Some(account), None) => ScannedBy::Account(account.into()),
            (None, None) => return Err(corrupt("scan", "a scan by nobody")),
        };
        Ok(Self {
            id: row.id.into(),
            item_id: row.item_id.map(ItemId::from),
            ticket_id: row.ticket_id.map(TicketId::from),
            venue_id: row.venue_id.into(),
            gate: row.gate,
            scanned_by,
            outcome: CheckInOutcome::from_stored(&row.outcome)
                .ok_or_else(|| corrupt("scan", format!("unknown outcome {}", row.outcome)))?,
            scanned_at: row.scanned_at,
            offline: row.offline,
            conflict: row.conflict,
        })
    }
}

impl TryFrom<scanner_device::Model> for ScannerDevice {
    type Error = StoreError;

    fn try_from(row: scanner_device::Model) -> Result<Self, StoreError> {
        Ok(Self {
            id: row.id.into(),
            festival_id: row.festival_id.into(),
            venue_id: row.venue_id.into(),
            label: stored("scanner_device", Label::parse("label", &row.label))?,
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
            created_at: row.created_at,
        })
    }
}

async fn find_ticket(
    db: &impl ConnectionTrait,
    id: TicketId,
) -> Result<Option<Ticket>, StoreError> {
    ticket::Entity::find_by_id(id.as_uuid())
        .one(db)
        .await?
        .map(Ticket::try_from)
        .transpose()
}

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

fn scan_recorded_already(error: sea_orm::DbErr) -> StoreError {
    on_unique_violation(error, || "this scan was recorded already".to_owned())
}

async fn record(
    db: &impl ConnectionTrait,
    attempt: &ScanAttempt,
    result: &ScanResult,
) -> Result<(), StoreError> {
    scan_row(attempt, result)
        .insert(db)
        .await
        .map_err(scan_recorded_already)?;
    Ok(())
}

/// The door's group commit: every scan that arrives while the previous
/// batch is being written is decided and recorded in the next transaction.
/// The batch locks its items, then its tickets (the order every transaction
/// locks rows in), decides each scan in arrival order against what the
/// scans before it in the batch did, and writes the admissions with
/// conditional updates that refuse to break the rules even so: a ticket
/// moves from ACTIVE only, an item's admitted count stays within its venue.
#[derive(Debug)]
pub(crate) struct DoorScans;

/// What the door's writer answers a scan.
#[derive(Debug)]
pub(crate) enum Judged {
    /// Decided and recorded.
    Settled(ScanResult),
    /// Sent again with a client scan id recorded before (or earlier in the
    /// batch): answered from the record, not decided again.
    Recorded,
    /// An offline scan of a ticket checked in already: whether it came first
    /// is settled apart, and it is not recorded yet.
    CheckedInBefore {
        ticket: Ticket,
        item: Item,
        venue: Venue,
    },
}

impl Batch for DoorScans {
    const NAME: &'static str = "door";
    type Request = ScanAttempt;
    type Answer = Judged;

    async fn apply(
        db: &DatabaseConnection,
        attempts: &[ScanAttempt],
    ) -> Result<Vec<Result<Judged, StoreError>>, StoreError> {
        let transaction = begin_write(db).await?;
        let claims = || attempts.iter().filter_map(|attempt| attempt.claims);
        let items = lock_items(&transaction, claims().map(|claim| claim.item_id)).await?;
        let ticket_ids: BTreeSet<Uuid> = claims().map(|claim| claim.ticket_id.as_uuid()).collect();
        let mut tickets: HashMap<TicketId, Ticket> = convert_all::<_, Ticket>(
            ticket::Entity::find()
                .filter(ticket::Column::Id.is_in(in_list(ticket_ids)))
                .order_by_asc(ticket::Column::Id)
                .lock_exclusive()
                .all(&transaction)
                .await?,
        )?
        .into_iter()
        .map(|ticket| (ticket.id, ticket))
        .collect();
        let venues = venues_of(&transaction, items.values()).await?;
        let mut recorded = recorded_keys(&transaction, attempts).await?;

        let mut admitted_here: HashMap<ItemId, u32> = HashMap::new();
        let mut judged: Vec<Judged> = Vec::with_capacity(attempts.len());
        for attempt in attempts {
            let key = attempt.client_scan_key();
            if key.as_ref().is_some_and(|key| recorded.contains(key)) {
                judged.push(Judged::Recorded);
                continue;
            }
            let verdict = judge(attempt, &mut tickets, &items, &venues, &mut admitted_here);
            if let (Some(key), Judged::Settled(_)) = (key, &verdict) {
                recorded.insert(key);
            }
            judged.push(verdict);
        }

        let settled: Vec<(&ScanAttempt, &ScanResult)> = attempts
            .iter()
            .zip(&judged)
            .filter_map(|(attempt, judged)| match judged {
                Judged::Settled(result) => Some((attempt, result)),
                Judged::Recorded | Judged::CheckedInBefore { .. } => None,
            })
            .collect();
        let admissions: Vec<&Ticket> = settled
            .iter()
            .filter(|(_, result)| result.outcome == CheckInOutcome::Admitted)
            .filter_map(|(_, result)| result.ticket.as_ref())
            .collect();
        use_tickets(&transaction, &admissions).await?;
        for (item_id, newly) in admitted_here.into_iter().filter(|(_, newly)| *newly > 0) {
            let capacity = venues
                .get(&items[&item_id].venue_id)
                .map_or(0, |venue| venue.capacity.get());
            let room = programme_item::Entity::update_many()
                .col_expr(
                    programme_item::Column::Admitted,
                    Expr::col(programme_item::Column::Admitted).add(stored_count(newly)),
                )
                .filter(programme_item::Column::Id.eq(item_id.as_uuid()))
                .filter(
                    programme_item::Column::Admitted
                        .lte(stored_count(capacity.saturating_sub(newly))),
                )
                .exec(&transaction)
                .await?;
            if room.rows_affected != 1 {
                return Err(anyhow::anyhow!("item {item_id} has less room than it had").into());
            }
        }
        let scans: Vec<scan::ActiveModel> = settled
            .iter()
            .map(|(attempt, result)| scan_row(attempt, result))
            .collect();
        insert_padded(&transaction, &scans)
            .await
            .map_err(scan_recorded_already)?;
        commit(transaction).await?;
        Ok(judged.into_iter().map(Ok).collect())
    }
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

/// Decides one scan of a batch; an admission changes `tickets` and
/// `admitted_here`, so that the scans after it see it.
fn judge(
    attempt: &ScanAttempt,
    tickets: &mut HashMap<TicketId, Ticket>,
    items: &HashMap<ItemId, Item>,
    venues: &HashMap<VenueId, Venue>,
    admitted_here: &mut HashMap<ItemId, u32>,
) -> Judged {
    let offline = attempt.offline;
    let unknown = |outcome| {
        Judged::Settled(ScanResult {
            outcome,
            ticket: None,
            item: None,
            venue: None,
            conflict: offline,
        })
    };
    let Some(claims) = attempt.claims else {
        return unknown(CheckInOutcome::InvalidCode);
    };
    let Some(ticket) = tickets
        .get_mut(&claims.ticket_id)
        .filter(|ticket| ticket.item_id == claims.item_id)
    else {
        return unknown(CheckInOutcome::UnknownTicket);
    };
    let Some((item, venue)) = items
        .get(&ticket.item_id)
        .and_then(|item| Some((item, venues.get(&item.venue_id)?)))
    else {
        return unknown(CheckInOutcome::UnknownTicket);
    };
    let outcome = match decide_check_in(ticket, item, &attempt.scan) {
        Decision::Refuse(CheckInOutcome::AlreadyCheckedIn) if offline => {
            return Judged::CheckedInBefore {
                ticket: ticket.clone(),
                item: item.clone(),
                venue: venue.clone(),
            };
        }
        Decision::Refuse(outcome) if !outcome.shows_ticket() => return unknown(outcome),
        Decision::Refuse(outcome) => outcome,
        Decision::Admit => {
            let inside = admitted_here.entry(item.id).or_default();
            if item.admitted.saturating_add(*inside) < venue.capacity.get() {
                *inside += 1;
                ticket.status = TicketStatus::CheckedIn;
                ticket.checked_in_at = Some(attempt.scan.at);
                ticket.checked_in_gate = attempt.gate.clone();
                CheckInOutcome::Admitted
            } else {
                CheckInOutcome::VenueFull
            }
        }
    };
    Judged::Settled(ScanResult {
        outcome,
        ticket: Some(ticket.clone()),
        item: Some(item.clone()),
        venue: Some(venue.clone()),
        conflict: offline && outcome != CheckInOutcome::Admitted,
    })
}

/// Moves the admitted tickets from ACTIVE to CHECKED_IN, each with its own
/// time and gate, up to 256 in one statement; fails unless every one moved.
/// The list is padded to a power of two like [`in_list`]: repeating the last
/// ticket in the `IN` list and the `CASE` changes nothing.
async fn use_tickets(db: &impl ConnectionTrait, admitted: &[&Ticket]) -> Result<(), StoreError> {
    use ticket::Column;

    for chunk in admitted.chunks(MOST_ROWS_PER_STATEMENT) {
        let Some((first, rest)) = chunk.split_first() else {
            continue;
        };
        let padding = chunk.len().next_power_of_two() - chunk.len();
        let last = chunk[chunk.len() - 1];
        let padded = || rest.iter().chain(std::iter::repeat_n(&last, padding));
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
            .filter(Column::Status.eq(TicketStatus::Active.as_str()))
            .exec(db)
            .await?;
        if used.rows_affected != chunk.len() as u64 {
            return Err(anyhow::anyhow!("a ticket of the batch was used meanwhile").into());
        }
    }
    Ok(())
}

impl Judged {
    /// The result of an online scan without a client scan id, which is
    /// always settled in its batch.
    fn settled(self) -> Result<ScanResult, StoreError> {
        match self {
            Self::Settled(result) => Ok(result),
            Self::Recorded | Self::CheckedInBefore { .. } => Err(anyhow::anyhow!(
                "a scan without a client scan id was not settled in its batch"
            )
            .into()),
        }
    }
}

impl Store {
    /// Decides a scan and records it: online, or uploaded from an offline
    /// scanner (then ordered by `scannedAt` among the scans of its ticket).
    /// A scan with a client scan id is recorded once: sent again by the
    /// same scanner, even while the first is in flight, it gets the first
    /// answer from the record.
    #[tracing::instrument(level = "debug", skip_all, fields(venue = %attempt.scan.venue_id), err(level = "debug"))]
    pub async fn check_in(&self, attempt: ScanAttempt) -> Result<ScanResult, StoreError> {
        let Some(client_scan_id) = attempt.client_scan_id.clone() else {
            return self.door.submit(attempt).await?.settled();
        };
        let by = attempt.by;
        let answer_from_record = async || {
            self.recorded_scan(by, &client_scan_id)
                .await?
                .ok_or(StoreError::NotFound("scan"))
        };
        let offline = attempt.offline.then(|| attempt.clone());
        let (ticket, item, venue) = match self.door.submit(attempt).await {
            Ok(Judged::Settled(result)) => return Ok(result),
            // The key is unique: a conflict is a copy of the scan that
            // another instance recorded meanwhile.
            Ok(Judged::Recorded) | Err(StoreError::Conflict(_)) => {
                return answer_from_record().await;
            }
            Ok(Judged::CheckedInBefore {
                ticket,
                item,
                venue,
            }) => (ticket, item, venue),
            Err(error) => return Err(error),
        };
        let Some(attempt) = offline else {
            return Err(anyhow::anyhow!("an online scan was judged as an offline one").into());
        };
        let result = match self
            .admit_earlier_offline_scan(&attempt, ticket, &item, &venue)
            .await
        {
            Err(StoreError::Conflict(_)) => return answer_from_record().await,
            other => other?,
        };
        if result.outcome != CheckInOutcome::Admitted {
            match record(&self.db, &attempt, &result).await {
                Err(StoreError::Conflict(_)) => return answer_from_record().await,
                other => other?,
            }
        }
        Ok(result)
    }

    /// An offline scan of a ticket that is checked in already: if it was
    /// scanned before the admitting scan and would have admitted then, it
    /// becomes the admitting scan and the later one the conflict.
    async fn admit_earlier_offline_scan(
        &self,
        attempt: &ScanAttempt,
        ticket: Ticket,
        item: &Item,
        venue: &Venue,
    ) -> Result<ScanResult, StoreError> {
        self.write(|| self.admit_earlier_offline_scan_once(attempt, ticket.clone(), item, venue))
            .await
    }

    async fn admit_earlier_offline_scan_once(
        &self,
        attempt: &ScanAttempt,
        ticket: Ticket,
        item: &Item,
        venue: &Venue,
    ) -> Result<ScanResult, StoreError> {
        let later = |ticket: Ticket| ScanResult {
            outcome: CheckInOutcome::AlreadyCheckedIn,
            ticket: Some(ticket),
            item: Some(item.clone()),
            venue: Some(venue.clone()),
            conflict: true,
        };
        let Some(first_at) = ticket.checked_in_at else {
            return Ok(later(ticket));
        };
        let unused = Ticket {
            status: TicketStatus::Active,
            ..ticket.clone()
        };
        if attempt.scan.at >= first_at
            || decide_check_in(&unused, item, &attempt.scan) != Decision::Admit
        {
            return Ok(later(ticket));
        }
        let transaction = self.begin_write().await?;
        let moved = ticket::Entity::update_many()
            .col_expr(ticket::Column::CheckedInAt, Expr::val(attempt.scan.at))
            .col_expr(
                ticket::Column::CheckedInGate,
                Expr::val(attempt.gate.clone()),
            )
            .filter(ticket::Column::Id.eq(ticket.id.as_uuid()))
            .filter(ticket::Column::Status.eq(TicketStatus::CheckedIn.as_str()))
            .filter(ticket::Column::CheckedInAt.gt(attempt.scan.at))
            .exec(&transaction)
            .await?;
        if moved.rows_affected == 0 {
            transaction.rollback().await?;
            return Ok(later(ticket));
        }
        scan::Entity::update_many()
            .col_expr(scan::Column::Conflict, Expr::val(true))
            .filter(scan::Column::TicketId.eq(ticket.id.as_uuid()))
            .filter(scan::Column::Outcome.eq(CheckInOutcome::Admitted.as_str()))
            .exec(&transaction)
            .await?;
        let ticket = find_ticket(&transaction, ticket.id)
            .await?
            .ok_or(StoreError::NotFound("ticket"))?;
        let result = ScanResult {
            outcome: CheckInOutcome::Admitted,
            ticket: Some(ticket),
            item: Some(item.clone()),
            venue: Some(venue.clone()),
            conflict: false,
        };
        record(&transaction, attempt, &result).await?;
        commit(transaction).await?;
        Ok(result)
    }

    /// A scan recorded before under its client scan id, answered from the
    /// record.
    async fn recorded_scan(
        &self,
        by: ScannedBy,
        client_scan_id: &str,
    ) -> Result<Option<ScanResult>, StoreError> {
        let Some(row) = scan::Entity::find()
            .filter(scan::Column::ClientScanKey.eq(by.client_scan_key(client_scan_id)))
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let recorded = ScanRecord::try_from(row)?;
        let ticket = match recorded.ticket_id {
            Some(id) => find_ticket(&self.db, id).await?,
            None => None,
        };
        let item = match recorded.item_id {
            Some(id) => Some(load_item(&self.db, id).await?),
            None => None,
        };
        let venue = match &item {
            Some(item) => Some(load_venue(&self.db, item.venue_id).await?),
            None => None,
        };
        Ok(Some(ScanResult {
            outcome: recorded.outcome,
            ticket,
            item,
            venue,
            conflict: recorded.conflict,
        }))
    }

    /// Puts a checked-in ticket back to ACTIVE and frees its place inside.
    #[tracing::instrument(level = "debug", skip_all, fields(ticket = %ticket_id), err(level = "debug"))]
    pub async fn undo_check_in(&self, ticket_id: TicketId) -> Result<Ticket, StoreError> {
        self.write(|| self.undo_check_in_once(ticket_id)).await
    }

    async fn undo_check_in_once(&self, ticket_id: TicketId) -> Result<Ticket, StoreError> {
        use programme_item::Column;

        let current = find_ticket(&self.db, ticket_id)
            .await?
            .ok_or(StoreError::NotFound("ticket"))?;
        if current.status != TicketStatus::CheckedIn {
            return Err(usher_domain::InvalidInput::new("ticketId", "is not checked in").into());
        }
        let transaction = self.begin_write().await?;
        programme_item::Entity::update_many()
            .col_expr(Column::Admitted, Expr::col(Column::Admitted).sub(1))
            .filter(Column::Id.eq(current.item_id.as_uuid()))
            .filter(Column::Admitted.gt(0))
            .exec(&transaction)
            .await?;
        let undone = ticket::Entity::update_many()
            .col_expr(
                ticket::Column::Status,
                Expr::val(TicketStatus::Active.as_str()),
            )
            .col_expr(
                ticket::Column::CheckedInAt,
                Expr::val(Option::<Timestamp>::None),
            )
            .col_expr(
                ticket::Column::CheckedInGate,
                Expr::val(Option::<String>::None),
            )
            .filter(ticket::Column::Id.eq(ticket_id.as_uuid()))
            .filter(ticket::Column::Status.eq(TicketStatus::CheckedIn.as_str()))
            .exec(&transaction)
            .await?;
        if undone.rows_affected == 0 {
            transaction.rollback().await?;
            return Err(usher_domain::InvalidInput::new("ticketId", "is not checked in").into());
        }
        let ticket = find_ticket(&transaction, ticket_id)
            .await?
            .ok_or(StoreError::NotFound("ticket"))?;
        commit(transaction).await?;
        Ok(ticket)
    }

    /// The tickets with these ids (whoever holds them).
    #[tracing::instrument(level = "debug", skip_all, fields(count = ids.len()), err(level = "debug"))]
    pub async fn tickets_by_id(&self, ids: &[TicketId]) -> Result<Vec<Ticket>, StoreError> {
        let rows = ticket::Entity::find()
            .filter(ticket::Column::Id.is_in(in_list(ids.iter().copied())))
            .all(&self.db)
            .await?;
        convert_all(rows)
    }

    /// What an offline scanner at `venue_id` needs from `now` on.
    #[tracing::instrument(level = "debug", skip_all, fields(venue = %venue_id), err(level = "debug"))]
    pub async fn scanner_manifest(
        &self,
        venue_id: VenueId,
        now: Timestamp,
    ) -> Result<Manifest, StoreError> {
        use programme_item::Column;

        let rows = programme_item::Entity::find()
            .filter(Column::VenueId.eq(venue_id.as_uuid()))
            .filter(Column::StartsAt.gte(now - chrono::Duration::days(1)))
            .order_by_asc(Column::StartsAt)
            .order_by_asc(Column::Id)
            .all(&self.db)
            .await?;
        let items: Vec<Item> = convert_all::<_, Item>(rows)?
            .into_iter()
            .filter(|item| item.schedule.late_entry_until() >= now)
            .collect();
        let ids: Vec<_> = items.iter().map(|item| item.id.as_uuid()).collect();
        let tickets: Vec<(uuid::Uuid, String)> = ticket::Entity::find()
            .select_only()
            .column(ticket::Column::Id)
            .column(ticket::Column::Status)
            .filter(ticket::Column::ItemId.is_in(in_list(ids)))
            .filter(ticket::Column::Status.is_in([
                TicketStatus::Cancelled.as_str(),
                TicketStatus::CheckedIn.as_str(),
            ]))
            .into_tuple()
            .all(&self.db)
            .await?;
        let (cancelled, checked_in): (Vec<_>, Vec<_>) = tickets
            .into_iter()
            .partition(|(_, status)| status == TicketStatus::Cancelled.as_str());
        Ok(Manifest {
            items,
            cancelled: cancelled.into_iter().map(|(id, _)| id.into()).collect(),
            checked_in: checked_in.into_iter().map(|(id, _)| id.into()).collect(),
        })
    }

    /// A page of an item's scans, newest first, optionally of one outcome.
    #[tracing::instrument(level = "debug", skip_all, fields(item = %item_id), err(level = "debug"))]
    pub async fn scans_of_item(
        &self,
        item_id: ItemId,
        outcome: Option<CheckInOutcome>,
        after: Option<(Timestamp, ScanId)>,
        first: u64,
    ) -> Result<Page<ScanRecord>, StoreError> {
        use scan::Column;

        let mut filter = Condition::all().add(Column::ItemId.eq(item_id.as_uuid()));
        if let Some(outcome) = outcome {
            filter = filter.add(Column::Outcome.eq(outcome.as_str()));
        }
        let total_count =
            sea_orm::PaginatorTrait::count(scan::Entity::find().filter(filter.clone()), &self.db)
                .await?;
        if let Some((at, id)) = after {
            filter = filter.add(
                Condition::any().add(Column::ScannedAt.lt(at)).add(
                    Condition::all()
                        .add(Column::ScannedAt.eq(at))
                        .add(Column::Id.lt(id.as_uuid())),
                ),
            );
        }
        let mut rows = scan::Entity::find()
            .filter(filter)
            .order_by_desc(Column::ScannedAt)
            .order_by_desc(Column::Id)
            .limit(first + 1)
            .all(&self.db)
            .await?;
        let has_next_page = rows.len() as u64 > first;
        rows.truncate(usize::try_from(first).unwrap_or(usize::MAX));
        Ok(Page {
            rows: convert_all(rows)?,
            has_next_page,
            total_count,
        })
    }

    /// Issues a scanner device for a venue; only the hash of its token is kept.
    #[tracing::instrument(level = "debug", skip_all, fields(venue = %venue_id), err(level = "debug"))]
    pub async fn issue_scanner(
        &self,
        festival_id: FestivalId,
        venue_id: VenueId,
        label: Label,
        token_hash: String,
        expires_at: Timestamp,
        issued_by: UserId,
    ) -> Result<ScannerDevice, StoreError> {
        let row = scanner_device::ActiveModel {
            id: Set(ScannerId::generate().as_uuid()),
            festival_id: Set(festival_id.as_uuid()),
            venue_id: Set(venue_id.as_uuid()),
            label: Set(label.as_str().to_owned()),
            token_hash: Set(token_hash),
            expires_at: Set(expires_at),
            revoked_at: Set(None),
            created_by: Set(issued_by.as_uuid()),
            created_at: Set(time::now()),
        }
        .insert(&self.db)
        .await?;
        row.try_into()
    }

    /// The scanner devices of a venue, newest first.
    #[tracing::instrument(level = "debug", skip_all, fields(venue = %venue_id), err(level = "debug"))]
    pub async fn scanners_of_venue(
        &self,
        venue_id: VenueId,
    ) -> Result<Vec<ScannerDevice>, StoreError> {
        let rows = scanner_device::Entity::find()
            .filter(scanner_device::Column::VenueId.eq(venue_id.as_uuid()))
            .order_by_desc(scanner_device::Column::CreatedAt)
            .all(&self.db)
            .await?;
        convert_all(rows)
    }

    /// The scanner device with this id.
    pub async fn scanner(&self, id: ScannerId) -> Result<Option<ScannerDevice>, StoreError> {
        Ok(self.scanners_by_id(&[id]).await?.into_iter().next())
    }

    /// The scanner devices with these ids.
    #[tracing::instrument(level = "debug", skip_all, fields(count = ids.len()), err(level = "debug"))]
    pub async fn scanners_by_id(
        &self,
        ids: &[ScannerId],
    ) -> Result<Vec<ScannerDevice>, StoreError> {
        let rows = scanner_device::Entity::find()
            .filter(scanner_device::Column::Id.is_in(in_list(ids.iter().copied())))
            .all(&self.db)
            .await?;
        convert_all(rows)
    }

    /// Revokes a scanner device; its token stops working at once.
    #[tracing::instrument(level = "debug", skip_all, fields(scanner = %id), err(level = "debug"))]
    pub async fn revoke_scanner(&self, id: ScannerId) -> Result<ScannerDevice, StoreError> {
        scanner_device::Entity::update_many()
            .col_expr(scanner_device::Column::RevokedAt, Expr::val(time::now()))
            .filter(scanner_device::Column::Id.eq(id.as_uuid()))
            .filter(scanner_device::Column::RevokedAt.is_null())
            .exec(&self.db)
            .await?;
        self.scanner(id)
            .await?
            .ok_or(StoreError::NotFound("scanner"))
    }

    /// Moves a live scanner device's expiry later, keeping its token. The
    /// conditional update holds the domain's rule (live, and later) against
    /// a revocation or renewal at the same moment; a refusal says why.
    #[tracing::instrument(level = "debug", skip_all, fields(scanner = %id), err(level = "debug"))]
    pub async fn renew_scanner(
        &self,
        id: ScannerId,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> Result<ScannerDevice, StoreError> {
        use scanner_device::Column;

        let renewed = scanner_device::Entity::update_many()
            .col_expr(Column::ExpiresAt, Expr::val(expires_at))
            .filter(Column::Id.eq(id.as_uuid()))
            .filter(Column::RevokedAt.is_null())
            .filter(Column::ExpiresAt.gt(now))
            .filter(Column::ExpiresAt.lt(expires_at))
            .exec(&self.db)
            .await?;
        let device = self
            .scanner(id)
            .await?
            .ok_or(StoreError::NotFound("scanner"))?;
        if renewed.rows_affected == 0 {
            device.check_renewal(expires_at, now)?;
            return Err(anyhow::anyhow!("scanner {id} was renewable but not renewed").into());
        }
        Ok(device)
    }

    /// The live (not revoked, not expired) device whose token has this hash.
    #[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
    pub async fn scanner_by_token(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<ScannerDevice>, StoreError> {
        scanner_device::Entity::find()
            .filter(scanner_device::Column::TokenHash.eq(token_hash))
            .filter(scanner_device::Column::RevokedAt.is_null())
            .filter(scanner_device::Column::ExpiresAt.gt(now))
            .one(&self.db)
            .await?
            .map(ScannerDevice::try_from)
            .transpose()
    }
}
