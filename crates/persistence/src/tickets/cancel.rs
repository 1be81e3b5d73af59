//! Giving a ticket back.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use usher_domain::ids::{TicketId, UserId};
use usher_domain::tickets::{Cancellation, Ticket, TicketStatus, decide_cancellation};
use usher_domain::time::Timestamp;

use super::waitlist::promote_waitlist;
use super::{find_ticket, move_issued};
use crate::catalogue::load_item;
use crate::entities::ticket;
use crate::error::StoreError;
use crate::store::Store;
use crate::transaction::commit;

impl Store {
    /// Gives a ticket back until its item starts; the freed place goes to
    /// the waitlist in the same transaction. Cancelling twice changes nothing.
    #[tracing::instrument(level = "debug", skip_all, fields(ticket = %ticket_id), err(level = "debug"))]
    pub async fn cancel_ticket(
        &self,
        ticket_id: TicketId,
        holder: UserId,
        now: Timestamp,
    ) -> Result<Ticket, StoreError> {
        self.write(|| self.cancel_ticket_once(ticket_id, holder, now))
            .await
    }

    async fn cancel_ticket_once(
        &self,
        ticket_id: TicketId,
        holder: UserId,
        now: Timestamp,
    ) -> Result<Ticket, StoreError> {
        let current = self
            .ticket_of_holder(ticket_id, holder)
            .await?
            .ok_or(StoreError::NotFound("ticket"))?;
        let transaction = self.begin_write().await?;
        let item = load_item(&transaction, current.item_id).await?;
        match decide_cancellation(&current, &item, now) {
            Ok(Cancellation::GiveBack) => {}
            Ok(Cancellation::AlreadyCancelled) => {
                transaction.rollback().await?;
                return Ok(current);
            }
            Err(denial) => {
                transaction.rollback().await?;
                return Err(denial.into());
            }
        }
        move_issued(&transaction, item.id, -1).await?;
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
        let ticket = find_ticket(&transaction, ticket_id)
            .await?
            .ok_or(StoreError::NotFound("ticket"))?;
        commit(transaction).await?;
        Ok(ticket)
    }
}
