//! What an offline scanner needs to decide alone.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use usher_domain::catalogue::Item;
use usher_domain::ids::{TicketId, VenueId};
use usher_domain::tickets::TicketStatus;
use usher_domain::time::Timestamp;

use crate::entities::{programme_item, ticket};
use crate::error::StoreError;
use crate::rows::{convert_all, in_list};
use crate::store::Store;

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

impl Store {
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
}
