//! Reservations, cancellations and the waitlist. Every change that moves
//! tickets is one transaction whose capacity rule is a conditional update of
//! the item's counter; the attendee's own limits are checked after the
//! item's and the attendee's rows are locked, so that concurrent requests of
//! one attendee are decided one after the other.
//!
//! Rows are locked in one order everywhere (item, then tickets, then
//! accounts by id), so that PostgreSQL transactions never wait on each other
//! in a cycle.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use usher_domain::catalogue::Item;
use usher_domain::ids::{ItemId, ReservationId, TicketId, UserId, WaitlistEntryId};
use usher_domain::input::Name;
use usher_domain::tickets::{
    Quantity, Reservation, ReservationRefusal, Ticket, TicketStatus, WaitlistEntry, check_attendee,
    refusal_without_room, window_refusal,
};
use usher_domain::time::Timestamp;
use uuid::Uuid;

use crate::catalogue::load_item;
use crate::entities::{account, festival, programme_item, reservation, ticket, waitlist_entry};
use crate::error::{StoreError, corrupt};
use crate::rows::{batch, convert_all, count, stored, stored_count};
use crate::store::Store;

const HELD: [&str; 2] = ["ACTIVE", "CHECKED_IN"];
const WAITING: &str = "WAITING";

/// A reservation to make.
#[derive(Debug, Clone)]
pub struct NewReservation {
    /// The item.
    pub item_id: ItemId,
    /// The attendee reserving.
    pub holder_id: UserId,
    /// How many tickets.
    pub quantity: Quantity,
    /// One name per ticket.
    pub holder_names: Vec<Name>,
    /// A retry with the same key returns the first reservation.
    pub idempotency_key: Option<String>,
}

impl TryFrom<ticket::Model> for Ticket {
    type Error = StoreError;

    fn try_from(row: ticket::Model) -> Result<Self, StoreError> {
        Ok(Self {
            id: row.id.into(),
            item_id: row.item_id.into(),
            holder_id: row.account_id.into(),
            reservation_id: row.reservation_id.into(),
            holder_name: stored("ticket", Name::parse("holderName", &row.holder_name))?,
            status: TicketStatus::from_stored(&row.status)
                .ok_or_else(|| corrupt("ticket", format!("unknown status {}", row.status)))?,
            issued_at: row.issued_at,
            checked_in_at: row.checked_in_at,
            checked_in_gate: row.checked_in_gate,
            seat: row.seat,
        })
    }
}

/// Adds `delta` tickets to the item's counter if they fit (or gives them
/// back, for a negative delta). Only open items take new tickets; the
/// condition is the capacity rule itself.
async fn move_issued(
    db: &impl ConnectionTrait,
    item_id: ItemId,
    delta: i32,
    open_at: Option<Timestamp>,
) -> Result<bool, StoreError> {
    use programme_item::Column;

    let mut update = programme_item::Entity::update_many()
        .col_expr(
            Column::TicketsIssued,
            Expr::col(Column::TicketsIssued).add(delta),
        )
        .filter(Column::Id.eq(item_id.as_uuid()))
        .filter(
            Expr::col(Column::TicketsIssued)
                .add(delta)
                .lte(Expr::col(Column::TicketCapacity)),
        );
    if let Some(now) = open_at {
        update = update
            .filter(Column::CancelledAt.is_null())
            .filter(Column::ReservationOpensAt.lte(now))
            .filter(Column::ReservationClosesAt.gt(now));
    }
    Ok(update.exec(db).await?.rows_affected == 1)
}

async fn reservation_by_key(
    db: &impl ConnectionTrait,
    holder: UserId,
    key: &str,
) -> Result<Option<Reservation>, StoreError> {
    let Some(row) = reservation::Entity::find()
        .filter(reservation::Column::AccountId.eq(holder.as_uuid()))
        .filter(reservation::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let tickets = ticket::Entity::find()
        .filter(ticket::Column::ReservationId.eq(row.id))
        .order_by_asc(ticket::Column::Id)
        .all(db)
        .await?;
    Ok(Some(Reservation {
        id: row.id.into(),
        item_id: row.item_id.into(),
        holder_id: row.account_id.into(),
        tickets: convert_all(tickets)?,
        created_at: row.created_at,
    }))
}

/// What an attendee holds that bears on a new reservation for `item`: the
/// tickets they hold for it, and (unless the festival allows overlaps)
/// whether they hold one for another item at the same time. Two counting
/// queries, whatever the number of tickets the attendee holds.
async fn holdings(
    db: &impl ConnectionTrait,
    holder: Uuid,
    item: &Item,
    overlap_allowed: bool,
) -> Result<(u32, bool), StoreError> {
    use programme_item::Column;

    let held = ticket::Entity::find()
        .filter(ticket::Column::AccountId.eq(holder))
        .filter(ticket::Column::ItemId.eq(item.id.as_uuid()))
        .filter(ticket::Column::Status.is_in(HELD))
        .count(db)
        .await?;
    let overlapping = !overlap_allowed
        && ticket::Entity::find()
            .filter(ticket::Column::AccountId.eq(holder))
            .filter(ticket::Column::Status.is_in(HELD))
            .filter(
                ticket::Column::ItemId.in_subquery(
                    Query::select()
                        .column(Column::Id)
                        .from(programme_item::Entity)
                        .and_where(Column::Id.ne(item.id.as_uuid()))
                        .and_where(Column::CancelledAt.is_null())
                        .and_where(Column::StartsAt.lt(item.schedule.ends_at()))
                        .and_where(Column::EndsAt.gt(item.schedule.starts_at()))
                        .to_owned(),
                ),
            )
            .count(db)
            .await?
            > 0;
    Ok((u32::try_from(held).unwrap_or(u32::MAX), overlapping))
}

async fn allows_overlap(db: &impl ConnectionTrait, item: &Item) -> Result<bool, StoreError> {
    Ok(festival::Entity::find_by_id(item.festival_id.as_uuid())
        .one(db)
        .await?
        .is_some_and(|festival| festival.allow_overlapping_tickets))
}

/// Inserts a reservation and its tickets; the counter was moved already.
async fn issue(
    db: &impl ConnectionTrait,
    item: &Item,
    holder: UserId,
    names: &[Name],
    idempotency_key: Option<String>,
    now: Timestamp,
) -> Result<Reservation, sea_orm::DbErr> {
    let reservation_id = ReservationId::generate();
    reservation::ActiveModel {
        id: Set(reservation_id.as_uuid()),
        item_id: Set(item.id.as_uuid()),
        account_id: Set(holder.as_uuid()),
        idempotency_key: Set(idempotency_key),
        quantity: Set(stored_count(u32::try_from(names.len()).unwrap_or(u32::MAX))),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    let tickets: Vec<Ticket> = names
        .iter()
        .map(|name| Ticket {
            id: TicketId::generate(),
            item_id: item.id,
            holder_id: holder,
            reservation_id,
            holder_name: name.clone(),
            status: TicketStatus::Active,
            issued_at: now,
            checked_in_at: None,
            checked_in_gate: None,
            seat: None,
        })
        .collect();
    ticket::Entity::insert_many(tickets.iter().map(|ticket| ticket::ActiveModel {
        id: Set(ticket.id.as_uuid()),
        item_id: Set(item.id.as_uuid()),
        account_id: Set(holder.as_uuid()),
        reservation_id: Set(reservation_id.as_uuid()),
        holder_name: Set(ticket.holder_name.as_str().to_owned()),
        status: Set(TicketStatus::Active.as_str().to_owned()),
        issued_at: Set(now),
        cancelled_at: Set(None),
        checked_in_at: Set(None),
        checked_in_gate: Set(None),
        seat: Set(None),
        created_at: Set(now),
    }))
    .exec(db)
    .await?;
    Ok(Reservation {
        id: reservation_id,
        item_id: item.id,
        holder_id: holder,
        tickets,
        created_at: now,
    })
}

/// Gives freed tickets to the waitlist, first in line first. Entries that do
/// not fit, or whose attendee may not hold more, are skipped and keep their
/// place. Runs inside the transaction that freed the tickets, after the
/// item's row was locked by its counter update.
pub(crate) async fn promote_waitlist(
    db: &DatabaseTransaction,
    item_id: ItemId,
    now: Timestamp,
) -> Result<(), StoreError> {
    use waitlist_entry::Column;

    let item = load_item(db, item_id).await?;
    if item.cancelled_at.is_some() || now >= item.schedule.starts_at() {
        return Ok(());
    }
    let mut available = item.tickets_left();
    if available == 0 {
        return Ok(());
    }
    let queue = waitlist_entry::Entity::find()
        .filter(Column::ItemId.eq(item_id.as_uuid()))
        .filter(Column::Status.eq(WAITING))
        .filter(Column::Quantity.lte(stored_count(available)))
        .order_by_asc(Column::CreatedAt)
        .order_by_asc(Column::Id)
        .all(db)
        .await?;
    if queue.is_empty() {
        return Ok(());
    }
    let account_ids: Vec<Uuid> = queue.iter().map(|entry| entry.account_id).collect();
    let accounts: HashMap<Uuid, account::Model> = account::Entity::find()
        .filter(account::Column::Id.is_in(account_ids))
        .order_by_asc(account::Column::Id)
        .lock_exclusive()
        .all(db)
        .await?
        .into_iter()
        .map(|account| (account.id, account))
        .collect();
    let overlap_allowed = allows_overlap(db, &item).await?;
    for entry in queue {
        let wanted = count("waitlist_entry", entry.quantity)?;
        if wanted > available {
            continue;
        }
        let quantity = stored(
            "waitlist_entry",
            Quantity::parse("quantity", entry.quantity.into()),
        )?;
        let (held, overlapping) = holdings(db, entry.account_id, &item, overlap_allowed).await?;
        if check_attendee(&item, held, quantity, overlapping).is_err() {
            continue;
        }
        let Some(account) = accounts.get(&entry.account_id) else {
            continue;
        };
        if !move_issued(db, item_id, stored_count(wanted), None).await? {
            break;
        }
        let name = stored("account", Name::parse("displayName", &account.display_name))?;
        let names = vec![name; usize::try_from(wanted).unwrap_or(0)];
        let reservation = issue(db, &item, account.id.into(), &names, None, now).await?;
        waitlist_entry::Entity::update_many()
            .col_expr(Column::Status, Expr::val("PROMOTED"))
            .col_expr(Column::WaitingKey, Expr::val(Option::<String>::None))
            .col_expr(Column::ReservationId, Expr::val(reservation.id.as_uuid()))
            .col_expr(Column::ClosedAt, Expr::val(now))
            .filter(Column::Id.eq(entry.id))
            .exec(db)
            .await?;
        available -= wanted;
        tracing::info!(item = %item_id, tickets = wanted, "promoted from the waitlist");
    }
    Ok(())
}

/// Ends every place in an item's waitlist: the item was cancelled.
pub(crate) async fn close_waitlist(
    db: &DatabaseTransaction,
    item_id: ItemId,
    now: Timestamp,
) -> Result<(), StoreError> {
    use waitlist_entry::Column;

    waitlist_entry::Entity::update_many()
        .col_expr(Column::Status, Expr::val("CANCELLED"))
        .col_expr(Column::WaitingKey, Expr::val(Option::<String>::None))
        .col_expr(Column::ClosedAt, Expr::val(now))
        .filter(Column::ItemId.eq(item_id.as_uuid()))
        .filter(Column::Status.eq(WAITING))
        .exec(db)
        .await?;
    Ok(())
}

impl Store {
    /// Reserves tickets: all of them or none.
    #[tracing::instrument(skip_all, fields(item = %new.item_id, quantity = new.quantity.get()), err)]
    pub async fn reserve(
        &self,
        new: NewReservation,
        now: Timestamp,
    ) -> Result<Reservation, StoreError> {
        let key = new.idempotency_key.as_deref();
        if let Some(key) = key
            && let Some(first) = reservation_by_key(&self.db, new.holder_id, key).await?
        {
            return Ok(first);
        }
        let transaction = self.begin_write().await?;
        let delta = stored_count(new.quantity.get());
        let taken = move_issued(&transaction, new.item_id, delta, Some(now)).await?;
        let item = load_item(&transaction, new.item_id).await?;
        if !taken {
            transaction.rollback().await?;
            // A retry that lost the race to its own first attempt gets that attempt's answer.
            if let Some(key) = key
                && let Some(first) = reservation_by_key(&self.db, new.holder_id, key).await?
            {
                return Ok(first);
            }
            return Err(refusal_without_room(&item, now, new.quantity).into());
        }
        account::Entity::find_by_id(new.holder_id.as_uuid())
            .lock_exclusive()
            .one(&transaction)
            .await?
            .ok_or(StoreError::NotFound("user"))?;
        if let Some(key) = key
            && let Some(first) = reservation_by_key(&transaction, new.holder_id, key).await?
        {
            transaction.rollback().await?;
            return Ok(first);
        }
        let overlap_allowed = allows_overlap(&transaction, &item).await?;
        let (held, overlapping) = holdings(
            &transaction,
            new.holder_id.as_uuid(),
            &item,
            overlap_allowed,
        )
        .await?;
        if let Err(refusal) = check_attendee(&item, held, new.quantity, overlapping) {
            transaction.rollback().await?;
            return Err(refusal.into());
        }
        let reservation = issue(
            &transaction,
            &item,
            new.holder_id,
            &new.holder_names,
            new.idempotency_key.clone(),
            now,
        )
        .await?;
        transaction.commit().await?;
        Ok(reservation)
    }

    /// Gives a ticket back until its item starts; the freed place goes to
    /// the waitlist in the same transaction. Cancelling twice changes nothing.
    #[tracing::instrument(skip_all, fields(ticket = %ticket_id), err)]
    pub async fn cancel_ticket(
        &self,
        ticket_id: TicketId,
        holder: UserId,
        now: Timestamp,
    ) -> Result<Ticket, StoreError> {
        let current = self
            .ticket_of_holder(ticket_id, holder)
            .await?
            .ok_or(StoreError::NotFound("ticket"))?;
        match current.status {
            TicketStatus::Cancelled => return Ok(current),
            TicketStatus::CheckedIn => {
                return Err(usher_domain::InvalidInput::new(
                    "ticketId",
                    "was used at the door and cannot be cancelled",
                )
                .into());
            }
            TicketStatus::Active => {}
        }
        let transaction = self.begin_write().await?;
        let item = load_item(&transaction, current.item_id).await?;
        if now >= item.schedule.starts_at() {
            transaction.rollback().await?;
            return Err(ReservationRefusal::Closed(
                "closed: the item has started, tickets can be given back until it starts",
            )
            .into());
        }
        move_issued(&transaction, item.id, -1, None).await?;
        let cancelled = ticket::Entity::update_many()
            .col_expr(
                ticket::Column::Status,
                Expr::val(TicketStatus::Cancelled.as_str()),
            )
            .col_expr(ticket::Column::CancelledAt, Expr::val(now))
            .filter(ticket::Column::Id.eq(ticket_id.as_uuid()))
            .filter(ticket::Column::Status.eq(TicketStatus::Active.as_str()))
            .exec(&transaction)
            .await?;
        if cancelled.rows_affected == 0 {
            // Changed since it was read (cancelled or checked in meanwhile).
            transaction.rollback().await?;
            return Box::pin(self.cancel_ticket(ticket_id, holder, now)).await;
        }
        promote_waitlist(&transaction, item.id, now).await?;
        let ticket = ticket::Entity::find_by_id(ticket_id.as_uuid())
            .one(&transaction)
            .await?
            .ok_or(StoreError::NotFound("ticket"))?
            .try_into()?;
        transaction.commit().await?;
        Ok(ticket)
    }

    /// The ticket, if `holder` holds it.
    #[tracing::instrument(skip_all, fields(ticket = %ticket_id), err)]
    pub async fn ticket_of_holder(
        &self,
        ticket_id: TicketId,
        holder: UserId,
    ) -> Result<Option<Ticket>, StoreError> {
        ticket::Entity::find_by_id(ticket_id.as_uuid())
            .filter(ticket::Column::AccountId.eq(holder.as_uuid()))
            .one(&self.db)
            .await?
            .map(Ticket::try_from)
            .transpose()
    }

    /// The tickets an attendee holds, newest first.
    #[tracing::instrument(skip_all, fields(holder = %holder), err)]
    pub async fn tickets_of_holder(
        &self,
        holder: UserId,
        include_cancelled: bool,
    ) -> Result<Vec<Ticket>, StoreError> {
        let mut query =
            ticket::Entity::find().filter(ticket::Column::AccountId.eq(holder.as_uuid()));
        if !include_cancelled {
            query = query.filter(ticket::Column::Status.is_in(HELD));
        }
        let rows = query
            .order_by_desc(ticket::Column::IssuedAt)
            .order_by_asc(ticket::Column::Id)
            .all(&self.db)
            .await?;
        convert_all(rows)
    }

    /// Puts an attendee in line for a sold-out item. One place per attendee
    /// and item; the quantity must be one they may hold.
    #[tracing::instrument(skip_all, fields(item = %item_id), err)]
    pub async fn join_waitlist(
        &self,
        item_id: ItemId,
        holder: UserId,
        quantity: Quantity,
        now: Timestamp,
    ) -> Result<WaitlistEntry, StoreError> {
        let transaction = self.begin_write().await?;
        let item = load_item(&transaction, item_id).await?;
        if let Some(refusal) = window_refusal(&item, now) {
            return Err(refusal.into());
        }
        if item.tickets_left() >= quantity.get() {
            return Err(usher_domain::InvalidInput::new(
                "quantity",
                format!(
                    "{} tickets are still available: reserve them instead",
                    item.tickets_left()
                ),
            )
            .into());
        }
        let (held, _) = holdings(&transaction, holder.as_uuid(), &item, true).await?;
        check_attendee(&item, held, quantity, false)?;
        let id = WaitlistEntryId::generate();
        waitlist_entry::ActiveModel {
            id: Set(id.as_uuid()),
            item_id: Set(item_id.as_uuid()),
            account_id: Set(holder.as_uuid()),
            quantity: Set(stored_count(quantity.get())),
            status: Set(WAITING.to_owned()),
            waiting_key: Set(Some(format!("{item_id}:{holder}"))),
            reservation_id: Set(None),
            created_at: Set(now),
            closed_at: Set(None),
        }
        .insert(&transaction)
        .await
        .map_err(|error| {
            crate::error::on_unique_violation(error, || {
                "you are already on this item's waitlist".to_owned()
            })
        })?;
        transaction.commit().await?;
        self.waitlist_of_holder(holder)
            .await?
            .into_iter()
            .find(|entry| entry.id == id)
            .ok_or(StoreError::NotFound("waitlist entry"))
    }

    /// Takes an attendee out of line: the item they left, or None when the
    /// entry was no longer waiting.
    #[tracing::instrument(skip_all, fields(entry = %entry_id), err)]
    pub async fn leave_waitlist(
        &self,
        entry_id: WaitlistEntryId,
        holder: UserId,
    ) -> Result<Option<ItemId>, StoreError> {
        use waitlist_entry::Column;

        let entry = waitlist_entry::Entity::find_by_id(entry_id.as_uuid())
            .filter(Column::AccountId.eq(holder.as_uuid()))
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound("waitlist entry"))?;
        let left = waitlist_entry::Entity::update_many()
            .col_expr(Column::Status, Expr::val("LEFT"))
            .col_expr(Column::WaitingKey, Expr::val(Option::<String>::None))
            .col_expr(Column::ClosedAt, Expr::val(usher_domain::time::now()))
            .filter(Column::Id.eq(entry_id.as_uuid()))
            .filter(Column::Status.eq(WAITING))
            .exec(&self.db)
            .await?;
        Ok((left.rows_affected == 1).then_some(entry.item_id.into()))
    }

    /// The places an attendee waits in, with their positions (1 = next).
    #[tracing::instrument(skip_all, fields(holder = %holder), err)]
    pub async fn waitlist_of_holder(
        &self,
        holder: UserId,
    ) -> Result<Vec<WaitlistEntry>, StoreError> {
        use waitlist_entry::Column;

        let mine = waitlist_entry::Entity::find()
            .filter(Column::AccountId.eq(holder.as_uuid()))
            .filter(Column::Status.eq(WAITING))
            .order_by_asc(Column::CreatedAt)
            .all(&self.db)
            .await?;
        let items: Vec<Uuid> = mine.iter().map(|entry| entry.item_id).collect();
        let queues = waitlist_entry::Entity::find()
            .filter(Column::ItemId.is_in(items))
            .filter(Column::Status.eq(WAITING))
            .order_by_asc(Column::CreatedAt)
            .order_by_asc(Column::Id)
            .all(&self.db)
            .await?;
        mine.into_iter()
            .map(|entry| {
                let ahead = queues
                    .iter()
                    .filter(|other| other.item_id == entry.item_id)
                    .take_while(|other| other.id != entry.id)
                    .count();
                Ok(WaitlistEntry {
                    id: entry.id.into(),
                    item_id: entry.item_id.into(),
                    quantity: stored(
                        "waitlist_entry",
                        Quantity::parse("quantity", entry.quantity.into()),
                    )?,
                    position: u32::try_from(ahead + 1).unwrap_or(u32::MAX),
                    created_at: entry.created_at,
                })
            })
            .collect()
    }

    /// How many attendees wait for each of these items.
    #[tracing::instrument(skip_all, fields(count = items.len()), err)]
    pub async fn waitlist_lengths(
        &self,
        items: &[ItemId],
    ) -> Result<HashMap<ItemId, u32>, StoreError> {
        use waitlist_entry::Column;

        let rows: Vec<(Uuid, i64)> = waitlist_entry::Entity::find()
            .select_only()
            .column(Column::ItemId)
            .column_as(Column::Id.count(), "waiting")
            .filter(Column::ItemId.is_in(batch(items)))
            .filter(Column::Status.eq(WAITING))
            .group_by(Column::ItemId)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(item, waiting)| (item.into(), u32::try_from(waiting).unwrap_or(u32::MAX)))
            .collect())
    }
}
