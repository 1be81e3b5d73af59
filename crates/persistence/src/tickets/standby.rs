//! The standby line: taking a numbered place (online or at the door),
//! leaving it, reading the line, and door staff calling it. A place's
//! number comes from the item's counter, moved by one in the transaction
//! that inserts the place: the update takes the item's row lock
//! (PostgreSQL) or the write lock (SQLite), so concurrent places are
//! numbered one after the other, and a refused or failed place rolls its
//! number back with it. The unique index on (item, number) backs the rule
//! up.
//!
//! Calls are many to a transaction ([`StandbyCalls`]), like the door's
//! scans: each locks its item, releases the item's unscanned tickets if
//! their moment has come, lets the domain pick the places that fit
//! ([`call_standby`]), and counts their people in by the door's conditional
//! update ([`fill_places`]), which never passes the venue's capacity. An
//! attendee's place called becomes their tickets, checked in on the spot
//! ([`StandbyPlace::admitted_tickets`]); a walk-up's place has no holder and
//! stays the record of its people let in.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use usher_domain::attendance::standby_places;
use usher_domain::door::batch::Admissions;
use usher_domain::ids::{ItemId, StandbyPlaceId, UserId};
use usher_domain::input::Name;
use usher_domain::tickets::Quantity;
use usher_domain::tickets::standby::{
    StandbyPlace, StandbyRefusal, call_standby, check_taking_standby_place,
};
use usher_domain::tickets::{Reservation, TicketStatus};
use usher_domain::time::Timestamp;
use uuid::Uuid;

use super::release::release_if_due;
use super::{insert, no_shows, snapshot};
use crate::catalogue::{load_item, load_venue, lock_items};
use crate::door::batch::fill_places;
use crate::entities::{account, programme_item, standby_place, ticket};
use crate::error::{StoreError, corrupt, on_unique_violation};
use crate::group_commit::Batch;
use crate::rows::{in_list, stored, stored_count};
use crate::store::Store;
use crate::transaction::{begin_write, commit};

pub(crate) const WAITING: &str = "WAITING";
const LEFT: &str = "LEFT";
pub(crate) const ADMITTED: &str = "ADMITTED";
/// Places of a line read at a time when it is called.
const LINE_PAGE: u64 = 64;
const CANCELLED: &str = "CANCELLED";
const ALREADY_IN_LINE: &str = "you already have a place in this item's standby line";

impl From<StandbyRefusal> for StoreError {
    fn from(refusal: StandbyRefusal) -> Self {
        match refusal {
            StandbyRefusal::AlreadyInLine => Self::Conflict(ALREADY_IN_LINE.to_owned()),
            StandbyRefusal::Invalid(invalid) => Self::Invalid(invalid),
            StandbyRefusal::Refused(refusal) => Self::Refused(refusal),
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
        let blocked_until = match &taker {
            Taker::Attendee(holder, _) => {
                let rules = snapshot::festival_rules(&transaction, [item.festival_id]).await?;
                no_shows::blocks(&transaction, [holder.as_uuid()], &rules)
                    .await?
                    .remove(&(*holder, item.festival_id))
            }
            Taker::WalkUp(_) => None,
        };
        check_taking_standby_place(&item, already_in_line, blocked_until, quantity, now)?;
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
            admitted_at: Set(None),
            admitted_gate: Set(None),
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
            holder_id: account_id.map(UserId::from),
            admitted_at: None,
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

    /// Calls the first `call.count` places of an item's line that fit in
    /// the room the door has left, and lets their people in: the places
    /// called, in number order (none when there is no room).
    #[tracing::instrument(level = "debug", skip_all, fields(item = %call.item_id), err(level = "debug"))]
    pub async fn call_standby(&self, call: StandbyCall) -> Result<Vec<StandbyPlace>, StoreError> {
        self.writers.standby.submit(call).await
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

    /// How many people wait ahead of place `number` in an item's line.
    #[tracing::instrument(level = "debug", skip_all, fields(item = %item_id), err(level = "debug"))]
    pub async fn standby_people_ahead(
        &self,
        item_id: ItemId,
        number: u32,
    ) -> Result<u32, StoreError> {
        use standby_place::Column;

        let people: Option<i64> = standby_place::Entity::find()
            .select_only()
            .column_as(
                Expr::col(Column::Quantity).sum().cast_as("BIGINT"),
                "people",
            )
            .filter(Column::ItemId.eq(item_id.as_uuid()))
            .filter(Column::Status.eq(WAITING))
            .filter(Column::Number.lt(stored_count(number)))
            .into_tuple()
            .one(&self.db)
            .await?
            .flatten();
        u32::try_from(people.unwrap_or(0)).map_err(|error| corrupt("standby_place", error))
    }

    /// The places an attendee waits in or was let in from, oldest first.
    #[tracing::instrument(level = "debug", skip_all, fields(holder = %holder), err(level = "debug"))]
    pub async fn standby_of_holder(&self, holder: UserId) -> Result<Vec<StandbyPlace>, StoreError> {
        use standby_place::Column;

        let rows = standby_place::Entity::find()
            .filter(Column::AccountId.eq(holder.as_uuid()))
            .filter(Column::Status.is_in([WAITING, ADMITTED]))
            .order_by_asc(Column::CreatedAt)
            .order_by_asc(Column::Id)
            .all(&self.db)
            .await?;
        places(&self.db, rows).await
    }
}

/// Door staff calling the first places of an item's standby line.
#[derive(Debug, Clone)]
pub struct StandbyCall {
    /// The item.
    pub item_id: ItemId,
    /// How many places to call.
    pub count: u32,
    /// The gate their people come in at, checked against the venue's.
    pub gate: Option<String>,
    /// When.
    pub now: Timestamp,
}

/// The standby line's writer (see the module's documentation).
#[derive(Debug)]
pub(crate) struct StandbyCalls;

impl Batch for StandbyCalls {
    const NAME: &'static str = "standby";
    type Request = StandbyCall;
    type Answer = Vec<StandbyPlace>;

    async fn apply(
        db: &DatabaseConnection,
        calls: &[StandbyCall],
    ) -> Result<Vec<Result<Vec<StandbyPlace>, StoreError>>, StoreError> {
        let transaction = begin_write(db).await?;
        lock_items(&transaction, calls.iter().map(|call| call.item_id)).await?;
        let mut answers = Vec::with_capacity(calls.len());
        for call in calls {
            answers.push(match call_places(&transaction, call).await {
                Err(error @ (StoreError::Invalid(_) | StoreError::NotFound(_))) => Err(error),
                Err(error) => return Err(error),
                Ok(called) => Ok(called),
            });
        }
        commit(transaction).await?;
        Ok(answers)
    }
}

/// One call, under the batch's lock of its item: the places let in.
async fn call_places(
    db: &DatabaseTransaction,
    call: &StandbyCall,
) -> Result<Vec<StandbyPlace>, StoreError> {
    use standby_place::Column;

    release_if_due(db, call.item_id, call.now).await?;
    let item = load_item(db, call.item_id).await?;
    let venue = load_venue(db, item.venue_id).await?;
    let gate = venue
        .gate("gate", call.gate.as_deref())?
        .map(|gate| gate.as_str().to_owned());
    // After the release no ticket is held: no need to count them.
    let held = if item.schedule.released_by(call.now) {
        0
    } else {
        let held = ticket::Entity::find()
            .filter(ticket::Column::ItemId.eq(call.item_id.as_uuid()))
            .filter(ticket::Column::Status.eq(TicketStatus::Active.as_str()))
            .count(db)
            .await?;
        u32::try_from(held).map_err(|error| corrupt("ticket", error))?
    };
    let mut room = standby_places(&item, venue.capacity.get(), held, call.now);
    // The line is read a page at a time, in number order, until the call
    // is made: a long line is not read whole for a call of a few places.
    let mut called: Vec<StandbyPlace> = Vec::new();
    let mut after = 0;
    loop {
        let wanted = call.count - u32::try_from(called.len()).unwrap_or(u32::MAX);
        let rows = standby_place::Entity::find()
            .filter(Column::ItemId.eq(call.item_id.as_uuid()))
            .filter(Column::Status.eq(WAITING))
            .filter(Column::Number.gt(after))
            .order_by_asc(Column::Number)
            .limit(LINE_PAGE)
            .all(db)
            .await?;
        let last_page = rows.len() < LINE_PAGE as usize;
        after = rows.last().map_or(after, |row| row.number);
        let page = places(db, rows).await?;
        for place in call_standby(&item, &page, wanted, room, call.now)? {
            room -= place.quantity.get();
            called.push(StandbyPlace {
                admitted_at: Some(call.now),
                ..place.clone()
            });
        }
        if last_page || room == 0 || called.len() == call.count as usize {
            break;
        }
    }
    if called.is_empty() {
        return Ok(called);
    }
    let admitted = standby_place::Entity::update_many()
        .col_expr(Column::Status, Expr::val(ADMITTED))
        .col_expr(Column::WaitingKey, Expr::val(Option::<String>::None))
        .col_expr(Column::ClosedAt, Expr::val(call.now))
        .col_expr(Column::AdmittedAt, Expr::val(call.now))
        .col_expr(Column::AdmittedGate, Expr::val(gate.clone()))
        .filter(Column::Id.is_in(in_list(called.iter().map(|place| place.id.as_uuid()))))
        .filter(Column::Status.eq(WAITING))
        .exec(db)
        .await?;
    if admitted.rows_affected != called.len() as u64 {
        return Err(anyhow::anyhow!(
            "a standby place of item {} left the line meanwhile",
            call.item_id
        )
        .into());
    }
    let tickets: Vec<Reservation> = called
        .iter()
        .filter_map(|place| place.admitted_tickets(gate.as_deref(), call.now))
        .collect();
    if !tickets.is_empty() {
        let keyless: Vec<_> = tickets.iter().map(|tickets| (tickets, None)).collect();
        insert(db, &keyless).await?;
    }
    fill_places(
        db,
        &Admissions {
            item_id: call.item_id,
            newly: called.iter().map(|place| place.quantity.get()).sum(),
            capacity: venue.capacity.get(),
        },
    )
    .await?;
    Ok(called)
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
                holder_id: row.account_id.map(UserId::from),
                admitted_at: row.admitted_at,
            })
        })
        .collect()
}
