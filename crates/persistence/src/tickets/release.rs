//! Releasing an item's unscanned tickets to its standby line, once, at its
//! release moment. Any instance may do it, as often as it likes: the item's
//! `released_at` moves from null in the transaction that releases the
//! tickets, by a conditional update that takes the item's row lock
//! (PostgreSQL) or the write lock (SQLite), so a second instance finds the
//! item released and changes nothing. The door does not wait for it: a
//! scan from the release moment on is RELEASED whether or not this has run
//! ([`usher_domain::catalogue::Schedule::released_by`]).

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use usher_domain::ids::ItemId;
use usher_domain::tickets::TicketStatus;
use usher_domain::time::Timestamp;
use uuid::Uuid;

use crate::entities::{programme_item, ticket};
use crate::error::StoreError;
use crate::store::Store;
use crate::transaction::commit;

/// An item whose unscanned tickets were released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Release {
    /// The item.
    pub item_id: ItemId,
    /// How many tickets went to the standby line.
    pub tickets: u64,
}

/// Releases `item_id`'s unscanned tickets if its release moment has come
/// by `now` and nobody released them yet: how many, or None when there was
/// nothing to do. The caller's transaction holds the item's lock from here
/// to its commit.
pub(crate) async fn release_if_due(
    db: &impl ConnectionTrait,
    item_id: ItemId,
    now: Timestamp,
) -> Result<Option<u64>, StoreError> {
    use programme_item::Column;

    let due = programme_item::Entity::update_many()
        .col_expr(Column::ReleasedAt, Expr::val(now))
        .filter(Column::Id.eq(item_id.as_uuid()))
        .filter(Column::ReleasedAt.is_null())
        .filter(Column::CancelledAt.is_null())
        .filter(Column::ReleaseAt.lte(now))
        .exec(db)
        .await?;
    if due.rows_affected == 0 {
        return Ok(None);
    }
    let released = ticket::Entity::update_many()
        .col_expr(
            ticket::Column::Status,
            Expr::val(TicketStatus::Released.as_str()),
        )
        .filter(ticket::Column::ItemId.eq(item_id.as_uuid()))
        .filter(ticket::Column::Status.eq(TicketStatus::Active.as_str()))
        .exec(db)
        .await?;
    Ok(Some(released.rows_affected))
}

impl Store {
    /// Releases the unscanned tickets of every item whose release moment
    /// has come by `now`, one transaction per item: what it released. Run
    /// by every instance now and then, and on start (a release missed while
    /// the server was down happens then).
    #[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
    pub async fn release_due_tickets(&self, now: Timestamp) -> Result<Vec<Release>, StoreError> {
        use programme_item::Column;

        let due: Vec<Uuid> = programme_item::Entity::find()
            .select_only()
            .column(Column::Id)
            .filter(Column::ReleaseAt.lte(now))
            .filter(Column::ReleasedAt.is_null())
            .filter(Column::CancelledAt.is_null())
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut releases = Vec::new();
        for item_id in due.into_iter().map(ItemId::from) {
            let released = self
                .write(|| async move {
                    let transaction = self.begin_write().await?;
                    let released = release_if_due(&transaction, item_id, now).await?;
                    commit(transaction).await?;
                    Ok(released)
                })
                .await?;
            if let Some(tickets) = released {
                releases.push(Release { item_id, tickets });
            }
        }
        Ok(releases)
    }
}
