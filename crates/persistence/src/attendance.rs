//! Counts for attendance reports, many items at a time, and the change
//! notifications that carry live updates across instances.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use usher_domain::attendance::ItemCounts;
use usher_domain::catalogue::Item;
use usher_domain::ids::{FestivalId, ItemId};
use usher_domain::tickets::{TicketStatus, WaitlistStatus};
use usher_domain::time::Timestamp;
use uuid::Uuid;

use crate::entities::{programme_item, standby_place, ticket, waitlist_entry};
use crate::error::StoreError;
use crate::rows::{convert_all, in_list};
use crate::store::Store;
use crate::tickets::standby;

/// The PostgreSQL channel that carries the ids of changed items.
const CHANNEL: &str = "usher_item_changed";

/// Receives the ids of items changed by any instance (PostgreSQL only).
pub struct ItemChangeFeed {
    listener: PgListener,
}

impl ItemChangeFeed {
    /// The next changed item; an error when the connection is lost.
    pub async fn next(&mut self) -> Result<Option<ItemId>, StoreError> {
        let notification = self
            .listener
            .recv()
            .await
            .map_err(|error| StoreError::Unexpected(error.into()))?;
        Ok(Uuid::parse_str(notification.payload())
            .ok()
            .map(ItemId::from))
    }
}

fn count(value: i64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

impl Store {
    /// Ticket, waitlist, standby and ballot counts of these items: four
    /// grouped queries, whatever the number of items. Tickets issued from the
    /// standby line are counted with their places (`standby_admitted`),
    /// not with the tickets reserved.
    #[tracing::instrument(level = "debug", skip_all, fields(count = items.len()), err(level = "debug"))]
    pub async fn item_counts(
        &self,
        items: &[ItemId],
    ) -> Result<HashMap<ItemId, ItemCounts>, StoreError> {
        let mut counts: HashMap<ItemId, ItemCounts> = items
            .iter()
            .map(|&id| (id, ItemCounts::default()))
            .collect();
        let tickets: Vec<(Uuid, String, i64)> = ticket::Entity::find()
            .select_only()
            .column(ticket::Column::ItemId)
            .column(ticket::Column::Status)
            .column_as(ticket::Column::Id.count(), "tickets")
            .filter(ticket::Column::ItemId.is_in(in_list(items.iter().copied())))
            .filter(ticket::Column::FromStandby.eq(false))
            .group_by(ticket::Column::ItemId)
            .group_by(ticket::Column::Status)
            .into_tuple()
            .all(&self.db)
            .await?;
        for (item, status, tickets) in tickets {
            let entry = counts.entry(item.into()).or_default();
            match TicketStatus::from_stored(&status) {
                Some(TicketStatus::Active) => entry.issued += count(tickets),
                Some(TicketStatus::CheckedIn) => {
                    entry.issued += count(tickets);
                    entry.checked_in += count(tickets);
                }
                Some(TicketStatus::Cancelled) => entry.cancelled += count(tickets),
                Some(TicketStatus::Released) => entry.released += count(tickets),
                None => {}
            }
        }
        let waiting: Vec<(Uuid, i64)> = waitlist_entry::Entity::find()
            .select_only()
            .column(waitlist_entry::Column::ItemId)
            .column_as(
                Expr::col(waitlist_entry::Column::Quantity)
                    .sum()
                    .cast_as("BIGINT"),
                "waiting",
            )
            .filter(waitlist_entry::Column::ItemId.is_in(in_list(items.iter().copied())))
            .filter(waitlist_entry::Column::Status.eq(WaitlistStatus::Waiting.as_str()))
            .group_by(waitlist_entry::Column::ItemId)
            .into_tuple()
            .all(&self.db)
            .await?;
        for (item, waiting) in waiting {
            counts.entry(item.into()).or_default().waitlisted = count(waiting);
        }
        let standby: Vec<(Uuid, String, i64)> = standby_place::Entity::find()
            .select_only()
            .column(standby_place::Column::ItemId)
            .column(standby_place::Column::Status)
            .column_as(
                Expr::col(standby_place::Column::Quantity)
                    .sum()
                    .cast_as("BIGINT"),
                "people",
            )
            .filter(standby_place::Column::ItemId.is_in(in_list(items.iter().copied())))
            .group_by(standby_place::Column::ItemId)
            .group_by(standby_place::Column::Status)
            .into_tuple()
            .all(&self.db)
            .await?;
        for (item, status, people) in standby {
            let entry = counts.entry(item.into()).or_default();
            match status.as_str() {
                standby::WAITING => entry.standby_waiting = count(people),
                standby::ADMITTED => entry.standby_admitted = count(people),
                _ => {}
            }
        }
        for (item, (entries, won)) in self.ballot_counts(items).await? {
            let entry = counts.entry(item).or_default();
            entry.ballot_entries = entries;
            entry.ballot_won = won;
        }
        Ok(counts)
    }

    /// Every item of a festival, by start time.
    #[tracing::instrument(level = "debug", skip_all, fields(festival = %festival_id), err(level = "debug"))]
    pub async fn items_of_festival(
        &self,
        festival_id: FestivalId,
    ) -> Result<Vec<Item>, StoreError> {
        let rows = programme_item::Entity::find()
            .filter(programme_item::Column::FestivalId.eq(festival_id.as_uuid()))
            .order_by_asc(programme_item::Column::StartsAt)
            .order_by_asc(programme_item::Column::Id)
            .all(&self.db)
            .await?;
        convert_all(rows)
    }

    /// When each reserved ticket of an item checked in was admitted.
    #[tracing::instrument(level = "debug", skip_all, fields(item = %item_id), err(level = "debug"))]
    pub async fn check_in_times(&self, item_id: ItemId) -> Result<Vec<Timestamp>, StoreError> {
        let times: Vec<Option<Timestamp>> = ticket::Entity::find()
            .select_only()
            .column(ticket::Column::CheckedInAt)
            .filter(ticket::Column::ItemId.eq(item_id.as_uuid()))
            .filter(ticket::Column::Status.eq(TicketStatus::CheckedIn.as_str()))
            .filter(ticket::Column::FromStandby.eq(false))
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(times.into_iter().flatten().collect())
    }

    /// Tells every instance on this PostgreSQL database that an item's
    /// tickets changed, by NOTIFY. On SQLite there is only the caller's
    /// instance: nothing is sent.
    #[tracing::instrument(level = "debug", skip_all, fields(item = %item_id), err(level = "debug"))]
    pub async fn notify_item_changed(&self, item_id: ItemId) -> Result<(), StoreError> {
        if self.db.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let notify = Query::select()
            .expr(Expr::cust_with_values(
                "pg_notify($1, $2)",
                [CHANNEL.to_owned(), item_id.to_string()],
            ))
            .to_owned();
        self.db.query_one(&notify).await?;
        Ok(())
    }

    /// A listener for the changes every instance announces; None on SQLite.
    pub async fn item_changes(&self) -> Result<Option<ItemChangeFeed>, StoreError> {
        if self.db.get_database_backend() != DbBackend::Postgres {
            return Ok(None);
        }
        let mut listener = PgListener::connect(&self.url)
            .await
            .map_err(|error| StoreError::Unexpected(error.into()))?;
        listener
            .listen(CHANNEL)
            .await
            .map_err(|error| StoreError::Unexpected(error.into()))?;
        Ok(Some(ItemChangeFeed { listener }))
    }
}
