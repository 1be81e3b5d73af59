//! The standby line: taking a numbered place (online or at the door),
//! leaving it, and reading the line. A place's number comes from the item's
//! counter, moved by one in the transaction that inserts the place: the
//! update takes the item's row lock (PostgreSQL) or the write lock
//! (SQLite), so concurrent places are numbered one after the other, and a
//! refused or failed place rolls its number back with it. The unique index
//! on (item, number) backs the rule up.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder,
};
use usher_domain::ids::{ItemId, StandbyPlaceId, UserId};
use usher_domain::input::Name;
use usher_domain::tickets::Quantity;
use usher_domain::tickets::standby::{StandbyPlace, StandbyRefusal, check_taking_standby_place};
use usher_domain::time::Timestamp;
use uuid::Uuid;

use crate::catalogue::load_item;
use crate::entities::{account, programme_item, standby_place};
use crate::error::{StoreError, corrupt, on_unique_violation};
use crate::rows::{in_list, stored, stored_count};
use crate::store::Store;
use crate::transaction::commit;

const WAITING: &str = "WAITING";
const LEFT: &str = "LEFT";
const CANCELLED: &str = "CANCELLED";
const ALREADY_IN_LINE: &str = "you already have a place in this item's standby line";

impl From<StandbyRefusal> for StoreError {
    fn from(refusal: StandbyRefusal) -> Self {
        match refusal {
            StandbyRefusal::AlreadyInLine => Self::Conflict(ALREADY_IN_LINE.to_owned()),
            StandbyRefusal::Invalid(invalid) => Self::Invalid(invalid),
        }
    }
}

/// Ends every place in an item's standby line: the item was cancelled, and
/// a cancelled item has no line.
pub(crate) async fn close_standby(
    db: &DatabaseTransaction,
    item_id: ItemId,
    now: Timestamp,
) -> Result<(), StoreError> {
    use standby_place::Column;

    standby_place::Entity::update_many()
        .col_expr(Column::Status, Expr::val(CANCELLED))
        .col_expr(Column::WaitingKey, Expr::val(Option::<String>::None))
        .col_expr(Column::ClosedAt, Expr::val(now))
        .filter(Column::ItemId.eq(item_id.as_uuid()))
        .filter(Column::Status.eq(WAITING))
        .exec(db)
        .await?;
    Ok(())
}

/// Who takes a place.
#[derive(Debug, Clone)]
enum Taker {
    Attendee(UserId, Name),
    WalkUp(Name),
}

impl Store {
    /// Gives a signed-in attendee a numbered place in an item's standby
    /// line, if the domain lets them ([`check_taking_standby_place`]).
    #[tracing::instrument(level = "debug", skip_all, fields(item = %item_id), err(level = "debug"))]
    pub async fn join_standby(
        &self,
        item_id: ItemId,
        holder: UserId,
        holder_name: Name,
        quantity: Quantity,
        now: Timestamp,
    ) -> Result<StandbyPlace, StoreError> {
        let taker = Taker::Attendee(holder, holder_name);
        self.write(|| self.take_place(item_id, taker.clone(), quantity, now))
            .await
    }

    /// Gives a person at the door, known by a name only, a numbered place
    /// in the same line.
    #[tracing::instrument(level = "debug", skip_all, fields(item = %item_id), err(level = "debug"))]
    pub async fn add_standby_walk_up(
        &self,
        item_id: ItemId,
        name: Name,
        quantity: Quantity,
        now: Timestamp,
    ) -> Result<StandbyPlace, StoreError> {
        let taker = Taker::WalkUp(name);
        self.write(|| self.take_place(item_id, taker.clone(), quantity, now))
            .await
    }

    async fn take_place(
        &self,
        item_id: ItemId,
        taker: Taker,
        quantity: Quantity,
        now: Timestamp,
    ) -> Result<StandbyPlace, StoreError> {
        use standby_place::Column;

        let transaction = self.begin_write().await?;
        // The counter first: its update locks the item's row, so that what
        // follows is decided one place at a time.
        let moved = programme_item::Entity::update_many()
            .col_expr(
                programme_item::Column::StandbyNumbered,
                Expr::col(programme_item::Column::StandbyNumbered).add(1),
            )
            .filter(programme_item::Column::Id.eq(item_id.as_uuid()))
            .exec(&transaction)
            .await?;
        if moved.rows_affected != 1 {
            return Err(StoreError::NotFound("item"));
        }
        let item = load_item(&transaction, item_id).await?;
        let waiting_key = match &taker {
            Taker::Attendee(holder, _) => Some(format!("{item_id}:{holder}")),
            Taker::WalkUp(_) => None,
        };
        let already_in_line = match &waiting_key {
            Some(key) => standby_place::Entity::find()
                .filter(Column::WaitingKey.eq(key.as_str()))
                .one(&transaction)
                .await?
                .is_some(),
            None => false,
        };
        check_taking_standby_place(&item, already_in_line, quantity, now)?;
        let number = numbered(&transaction, item_id).await?;
        let id = StandbyPlaceId::generate();
        let (account_id, walk_up_name, name) = match taker {
            Taker::Attendee(holder, name) => (Some(holder.as_uuid()), None, name),
            Taker::WalkUp(name) => (None, Some(name.as_str().to_owned()), name),
        };
        standby_place::ActiveModel {
            id: Set(id.as_uuid()),
            item_id: Set(item_id.as_uuid()),
            number: Set(stored_count(number)),
            account_id: Set(account_id),
            walk_up_name: Set(walk_up_name),
            quantity: Set(stored_count(quantity.get())),
            status: Set(WAITING.to_owned()),
            waiting_key: Set(waiting_key),
            created_at: Set(now),
            closed_at: Set(None),
        }
        .insert(&transaction)
        .await
        .map_err(|error| on_unique_violation(error, || ALREADY_IN_LINE.to_owned()))?;
        commit(transaction).await?;
        Ok(StandbyPlace {
            id,
            item_id,
            number,
            name,
            quantity,
            joined_at: now,
            walk_up: account_id.is_none(),
        })
    }

    /// Takes an attendee's place out of the line (its number is not given
    /// again): the item, or None when the place was no longer waiting.
    #[tracing::instrument(level = "debug", skip_all, fields(place = %place_id), err(level = "debug"))]
    pub async fn leave_standby(
        &self,
        place_id: StandbyPlaceId,
        holder: UserId,
        now: Timestamp,
    ) -> Result<Option<ItemId>, StoreError> {
        use standby_place::Column;

        let place = standby_place::Entity::find_by_id(place_id.as_uuid())
            .filter(Column::AccountId.eq(holder.as_uuid()))
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound("standby place"))?;
        let left = standby_place::Entity::update_many()
            .col_expr(Column::Status, Expr::val(LEFT))
            .col_expr(Column::WaitingKey, Expr::val(Option::<String>::None))
            .col_expr(Column::ClosedAt, Expr::val(now))
            .filter(Column::Id.eq(place_id.as_uuid()))
            .filter(Column::Status.eq(WAITING))
            .exec(&self.db)
            .await?;
        Ok((left.rows_affected == 1).then_some(place.item_id.into()))
    }

    /// The places waiting in an item's line, in number order.
    #[tracing::instrument(level = "debug", skip_all, fields(item = %item_id), err(level = "debug"))]
    pub async fn standby_line(&self, item_id: ItemId) -> Result<Vec<StandbyPlace>, StoreError> {
        use standby_place::Column;

        let rows = standby_place::Entity::find()
            .filter(Column::ItemId.eq(item_id.as_uuid()))
            .filter(Column::Status.eq(WAITING))
            .order_by_asc(Column::Number)
            .all(&self.db)
            .await?;
        places(&self.db, rows).await
    }

    /// The places an attendee waits in, oldest first.
    #[tracing::instrument(level = "debug", skip_all, fields(holder = %holder), err(level = "debug"))]
    pub async fn standby_of_holder(&self, holder: UserId) -> Result<Vec<StandbyPlace>, StoreError> {
        use standby_place::Column;

        let rows = standby_place::Entity::find()
            .filter(Column::AccountId.eq(holder.as_uuid()))
            .filter(Column::Status.eq(WAITING))
            .order_by_asc(Column::CreatedAt)
            .order_by_asc(Column::Id)
            .all(&self.db)
            .await?;
        places(&self.db, rows).await
    }
}

/// The number the item's counter gave, read in the transaction that moved it.
async fn numbered(db: &impl ConnectionTrait, item_id: ItemId) -> Result<u32, StoreError> {
    let row = programme_item::Entity::find_by_id(item_id.as_uuid())
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("item"))?;
    u32::try_from(row.standby_numbered).map_err(|error| corrupt("programme_item", error))
}

/// Rows as places, named after their attendees' display names or the
/// walk-ups' names.
async fn places(
    db: &impl ConnectionTrait,
    rows: Vec<standby_place::Model>,
) -> Result<Vec<StandbyPlace>, StoreError> {
    let account_ids: Vec<Uuid> = rows.iter().filter_map(|row| row.account_id).collect();
    let names: HashMap<Uuid, String> = if account_ids.is_empty() {
        HashMap::new()
    } else {
        account::Entity::find()
            .filter(account::Column::Id.is_in(in_list(account_ids)))
            .all(db)
            .await?
            .into_iter()
            .map(|account| (account.id, account.display_name))
            .collect()
    };
    rows.into_iter()
        .map(|row| {
            let name = match (&row.account_id, &row.walk_up_name) {
                (Some(account), _) => names.get(account).cloned().unwrap_or_default(),
                (None, Some(name)) => name.clone(),
                (None, None) => String::new(),
            };
            Ok(StandbyPlace {
                id: row.id.into(),
                item_id: row.item_id.into(),
                number: u32::try_from(row.number)
                    .map_err(|error| corrupt("standby_place", error))?,
                name: stored("standby_place", Name::parse("name", &name))?,
                quantity: stored(
                    "standby_place",
                    Quantity::parse("quantity", row.quantity.into()),
                )?,
                joined_at: row.created_at,
                walk_up: row.account_id.is_none(),
            })
        })
        .collect()
}
