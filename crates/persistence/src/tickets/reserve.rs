//! Reserving tickets, and the tickets an attendee holds.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use usher_domain::ids::{TicketId, UserId};
use usher_domain::tickets::reservations::NewReservation;
use usher_domain::tickets::{Reservation, Ticket, check_retry};
use usher_domain::time::Timestamp;

use super::HELD;
use super::snapshot::reservation_by_key;
use crate::entities::ticket;
use crate::error::StoreError;
use crate::rows::convert_all;
use crate::store::Store;

impl Store {
    /// Reserves tickets: all of them or none. A retry under an idempotency
    /// key already used is answered without joining a batch.
    #[tracing::instrument(level = "debug", skip_all, fields(item = %new.item_id, quantity = new.quantity.get()), err(level = "debug"))]
    pub async fn reserve(
        &self,
        new: NewReservation,
        now: Timestamp,
    ) -> Result<Reservation, StoreError> {
        if let Some(key) = new.idempotency_key.as_deref()
            && let Some(first) = reservation_by_key(&self.db, new.holder_id, key).await?
        {
            check_retry("idempotencyKey", &first, new.item_id, &new.holder_names)?;
            return Ok(first);
        }
        self.writers.reservations.submit((new, now)).await
    }

    /// The ticket, if `holder` holds it.
    #[tracing::instrument(level = "debug", skip_all, fields(ticket = %ticket_id), err(level = "debug"))]
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
    #[tracing::instrument(level = "debug", skip_all, fields(holder = %holder), err(level = "debug"))]
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
}
