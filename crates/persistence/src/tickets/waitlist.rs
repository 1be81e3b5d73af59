//! The waitlist: joining and leaving a sold-out item's line, and giving the
//! places that come back to it, in the transaction that freed them.

use std::collections::{BTreeSet, HashMap};

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use usher_domain::ids::{ItemId, UserId, WaitlistEntryId};
use usher_domain::input::Name;
use usher_domain::tickets::waitlist::{
    WaitingPlace, check_joining_waitlist, promote_waitlist as promotions,
};
use usher_domain::tickets::{Quantity, WaitlistEntry, WaitlistStatus};
use usher_domain::time::Timestamp;
use uuid::Uuid;

use super::{insert, issue, no_shows, snapshot};
use crate::catalogue::load_item;
use crate::entities::{account, waitlist_entry};
use crate::error::StoreError;
use crate::rows::{in_list, stored, stored_count};
use crate::store::Store;
use crate::transaction::commit;

const WAITING: &str = WaitlistStatus::Waiting.as_str();

/// Gives freed tickets to the waitlist as the domain decides
/// ([`promotions`]). Runs inside the transaction that freed the tickets,
/// after the item's row was locked by its counter update; locks the
/// waiting attendees' accounts.
pub(crate) async fn promote_waitlist(
    db: &DatabaseTransaction,
    item_id: ItemId,
    now: Timestamp,
) -> Result<(), StoreError> {
    use waitlist_entry::Column;

    let item = load_item(db, item_id).await?;
    let available = item.tickets_left();
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
        .filter(account::Column::Id.is_in(in_list(account_ids)))
        .order_by_asc(account::Column::Id)
        .lock_exclusive()
        .all(db)
        .await?
        .into_iter()
        .map(|account| (account.id, account))
        .collect();
    let holders: BTreeSet<Uuid> = accounts.keys().copied().collect();
    let rules = snapshot::rules_of(db, &item).await?;
    let festival_rules = HashMap::from([(item.festival_id, rules)]);
    let blocks = no_shows::blocks(db, holders.iter().copied(), &festival_rules).await?;
    let mut line = Vec::with_capacity(queue.len());
    for entry in &queue {
        let Some(account) = accounts.get(&entry.account_id) else {
            continue;
        };
        line.push(WaitingPlace {
            id: entry.id.into(),
            holder_id: account.id.into(),
            holder_name: stored("account", Name::parse("displayName", &account.display_name))?,
            holder_since: account.created_at,
            blocked_until: blocks.get(&(account.id.into(), item.festival_id)).copied(),
            quantity: stored(
                "waitlist_entry",
                Quantity::parse("quantity", entry.quantity.into()),
            )?,
        });
    }
    let overlaps_matter = !rules.allow_overlapping_tickets;
    let mut holdings = snapshot::holdings(db, &holders, &[&item], overlaps_matter).await?;
    let promoted = promotions(&item, &line, rules, &mut holdings, now);
    if promoted.is_empty() {
        return Ok(());
    }
    let tickets: usize = promoted.iter().map(|p| p.reservation.tickets.len()).sum();
    issue(db, item_id, u32::try_from(tickets).unwrap_or(u32::MAX)).await?;
    let reservations: Vec<_> = promoted.iter().map(|p| (&p.reservation, None)).collect();
    insert(db, &reservations).await?;
    for promotion in &promoted {
        waitlist_entry::Entity::update_many()
            .col_expr(Column::Status, Expr::val(WaitlistStatus::Promoted.as_str()))
            .col_expr(Column::WaitingKey, Expr::val(Option::<String>::None))
            .col_expr(
                Column::ReservationId,
                Expr::val(promotion.reservation.id.as_uuid()),
            )
            .col_expr(Column::ClosedAt, Expr::val(now))
            .filter(Column::Id.eq(promotion.entry_id.as_uuid()))
            .filter(Column::Status.eq(WAITING))
            .exec(db)
            .await?;
    }
    tracing::info!(item = %item_id, tickets, "promoted from the waitlist");
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
    /// Puts an attendee in line for a sold-out item, if the domain lets them
    /// join ([`check_joining_waitlist`]): one place per attendee and item.
    #[tracing::instrument(level = "debug", skip_all, fields(item = %item_id), err(level = "debug"))]
    pub async fn join_waitlist(
        &self,
        item_id: ItemId,
        holder: UserId,
        holder_since: Timestamp,
        quantity: Quantity,
        now: Timestamp,
    ) -> Result<WaitlistEntry, StoreError> {
        self.write(|| self.join_waitlist_once(item_id, holder, holder_since, quantity, now))
            .await
    }

    async fn join_waitlist_once(
        &self,
        item_id: ItemId,
        holder: UserId,
        holder_since: Timestamp,
        quantity: Quantity,
        now: Timestamp,
    ) -> Result<WaitlistEntry, StoreError> {
        let transaction = self.begin_write().await?;
        let item = load_item(&transaction, item_id).await?;
        let rules = snapshot::rules_of(&transaction, &item).await?;
        let holders = BTreeSet::from([holder.as_uuid()]);
        let holdings = snapshot::holdings(&transaction, &holders, &[&item], false).await?;
        let festival_rules = HashMap::from([(item.festival_id, rules)]);
        let blocked_until = no_shows::blocks(&transaction, holders, &festival_rules)
            .await?
            .remove(&(holder, item.festival_id));
        check_joining_waitlist(
            &item,
            rules,
            holder_since,
            blocked_until,
            holdings.held(holder, item.id),
            quantity,
            now,
        )?;
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
        commit(transaction).await?;
        self.waitlist_of_holder(holder)
            .await?
            .into_iter()
            .find(|entry| entry.id == id)
            .ok_or(StoreError::NotFound("waitlist entry"))
    }

    /// Takes an attendee out of line: the item they left, or None when the
    /// entry was no longer waiting.
    #[tracing::instrument(level = "debug", skip_all, fields(entry = %entry_id), err(level = "debug"))]
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
            .col_expr(Column::Status, Expr::val(WaitlistStatus::Left.as_str()))
            .col_expr(Column::WaitingKey, Expr::val(Option::<String>::None))
            .col_expr(Column::ClosedAt, Expr::val(usher_domain::time::now()))
            .filter(Column::Id.eq(entry_id.as_uuid()))
            .filter(Column::Status.eq(WAITING))
            .exec(&self.db)
            .await?;
        Ok((left.rows_affected == 1).then_some(entry.item_id.into()))
    }

    /// The places an attendee waits in, with their positions (1 = next).
    #[tracing::instrument(level = "debug", skip_all, fields(holder = %holder), err(level = "debug"))]
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
            .filter(Column::ItemId.is_in(in_list(items)))
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
    #[tracing::instrument(level = "debug", skip_all, fields(count = items.len()), err(level = "debug"))]
    pub async fn waitlist_lengths(
        &self,
        items: &[ItemId],
    ) -> Result<HashMap<ItemId, u32>, StoreError> {
        use waitlist_entry::Column;

        let rows: Vec<(Uuid, i64)> = waitlist_entry::Entity::find()
            .select_only()
            .column(Column::ItemId)
            .column_as(Column::Id.count(), "waiting")
            .filter(Column::ItemId.is_in(in_list(items.iter().copied())))
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
