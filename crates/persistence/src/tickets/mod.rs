//! Reservations, cancellations and the waitlist. Every change that moves
//! tickets is one transaction whose capacity rule is a conditional update of
//! the item's counter; the domain decides ([`usher_domain::tickets`]) once
//! the item's and the attendees' rows are locked, so that concurrent
//! requests of one attendee are decided one after the other. Reservations
//! are many to a transaction ([`batch::Reservations`]).
//!
//! Rows are locked in one order everywhere (item, then tickets, then
//! accounts by id), so that PostgreSQL transactions never wait on each other
//! in a cycle.

pub(crate) mod ballot;
pub(crate) mod batch;
mod cancel;
pub(crate) mod no_shows;
pub(crate) mod release;
mod reserve;
mod snapshot;
pub(crate) mod standby;
pub(crate) mod waitlist;

use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use usher_domain::ids::{ItemId, TicketId};
use usher_domain::input::Name;
use usher_domain::tickets::{Reservation, Ticket, TicketStatus};

use crate::entities::{programme_item, reservation, ticket};
use crate::error::{StoreError, corrupt};
use crate::rows::{insert_padded, stored, stored_count};

/// The statuses of tickets an attendee holds.
const HELD: [&str; 2] = ["ACTIVE", "CHECKED_IN"];

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
            from_standby: row.from_standby,
        })
    }
}

/// The ticket with this id, as the connection (or transaction) sees it.
pub(crate) async fn find_ticket(
    db: &impl ConnectionTrait,
    id: TicketId,
) -> Result<Option<Ticket>, StoreError> {
    ticket::Entity::find_by_id(id.as_uuid())
        .one(db)
        .await?
        .map(Ticket::try_from)
        .transpose()
}

/// Adds `delta` tickets to the item's counter if they fit (or gives them
/// back, for a negative delta). Whether the item takes tickets at all the
/// domain decided; the condition here is the capacity rule itself, so that
/// a bug above cannot oversell.
async fn move_issued(
    db: &impl ConnectionTrait,
    item_id: ItemId,
    delta: i32,
) -> Result<bool, StoreError> {
    use programme_item::Column;

    let update = programme_item::Entity::update_many()
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
    Ok(update.exec(db).await?.rows_affected == 1)
}

/// Issues `tickets` more of an item the domain decided may issue them;
/// fails (rolling the transaction back) if they no longer fit.
async fn issue(db: &impl ConnectionTrait, item_id: ItemId, tickets: u32) -> Result<(), StoreError> {
    if !move_issued(db, item_id, stored_count(tickets)).await? {
        return Err(anyhow::anyhow!("item {item_id} has fewer tickets than it had").into());
    }
    Ok(())
}

/// Writes reservations (each with its idempotency key) and their tickets,
/// as the domain made them, in statements of a few shapes. The counters
/// were moved already.
async fn insert(
    db: &impl ConnectionTrait,
    reservations: &[(&Reservation, Option<&str>)],
) -> Result<(), sea_orm::DbErr> {
    let rows: Vec<reservation::ActiveModel> = reservations
        .iter()
        .map(|(reservation, key)| reservation::ActiveModel {
            id: Set(reservation.id.as_uuid()),
            item_id: Set(reservation.item_id.as_uuid()),
            account_id: Set(reservation.holder_id.as_uuid()),
            idempotency_key: Set(key.map(str::to_owned)),
            quantity: Set(stored_count(
                u32::try_from(reservation.tickets.len()).unwrap_or(u32::MAX),
            )),
            created_at: Set(reservation.created_at),
        })
        .collect();
    insert_padded(db, &rows).await?;
    let tickets: Vec<ticket::ActiveModel> = reservations
        .iter()
        .flat_map(|(reservation, _)| &reservation.tickets)
        .map(|ticket| ticket::ActiveModel {
            id: Set(ticket.id.as_uuid()),
            item_id: Set(ticket.item_id.as_uuid()),
            account_id: Set(ticket.holder_id.as_uuid()),
            reservation_id: Set(ticket.reservation_id.as_uuid()),
            holder_name: Set(ticket.holder_name.as_str().to_owned()),
            status: Set(ticket.status.as_str().to_owned()),
            issued_at: Set(ticket.issued_at),
            cancelled_at: Set(None),
            checked_in_at: Set(ticket.checked_in_at),
            checked_in_gate: Set(ticket.checked_in_gate.clone()),
            seat: Set(None),
            created_at: Set(ticket.issued_at),
            from_standby: Set(ticket.from_standby),
        })
        .collect();
    insert_padded(db, &tickets).await
}
