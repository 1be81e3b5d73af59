//! Deciding scans at the door and putting a check-in back.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use usher_domain::door::batch::{ScanAttempt, ScanDecision, ScanResult};
use usher_domain::ids::TicketId;
use usher_domain::tickets::{Ticket, TicketStatus};
use usher_domain::time::Timestamp;

use super::batch::settled;
use crate::entities::{programme_item, ticket};
use crate::error::StoreError;
use crate::rows::{convert_all, in_list};
use crate::store::Store;
use crate::tickets::find_ticket;
use crate::transaction::commit;

impl Store {
    /// Decides a scan and records it: online, or uploaded from an offline
    /// scanner (then ordered by `scannedAt` among the scans of its ticket).
    /// A scan with a client scan id is recorded once: sent again by the
    /// same scanner, even while the first is in flight, it gets the first
    /// answer from the record.
    #[tracing::instrument(level = "debug", skip_all, fields(venue = %attempt.scan.venue_id), err(level = "debug"))]
    pub async fn check_in(&self, attempt: ScanAttempt) -> Result<ScanResult, StoreError> {
        let Some(client_scan_id) = attempt.client_scan_id.clone() else {
            return settled(self.writers.door.submit(attempt).await?);
        };
        let by = attempt.by;
        match self.writers.door.submit(attempt).await {
            Ok(ScanDecision::Settled(result)) => Ok(result),
            // The key is unique: a conflict is a copy of the scan that
            // another instance recorded meanwhile.
            Ok(ScanDecision::Recorded) | Err(StoreError::Conflict(_)) => self
                .recorded_scan(by, &client_scan_id)
                .await?
                .ok_or(StoreError::NotFound("scan")),
            Err(error) => Err(error),
        }
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
        if current.from_standby {
            return Err(usher_domain::InvalidInput::new(
                "ticketId",
                "was let in from the standby line: its place cannot be given back",
            )
            .into());
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
}
