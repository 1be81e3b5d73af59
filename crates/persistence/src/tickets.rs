//! Reservations, cancellations and the waitlist. Every change that moves
//! tickets is one transaction whose capacity rule is a conditional update of
//! the item's counter; the attendee's own limits are checked after the
//! item's and the attendee's rows are locked, so that concurrent requests of
//! one attendee are decided one after the other. Reservations are many to a
//! transaction (see [`Reservations`]).
//!
//! Rows are locked in one order everywhere (item, then tickets, then
//! accounts by id), so that PostgreSQL transactions never wait on each other
//! in a cycle.

use std::collections::{BTreeSet, HashMap};

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use usher_domain::catalogue::{Item, Schedule};
use usher_domain::ids::{FestivalId, ItemId, ReservationId, TicketId, UserId, WaitlistEntryId};
use usher_domain::input::{MinAccountAge, Name};
use usher_domain::tickets::{
    Quantity, Reservation, ReservationRefusal, Ticket, TicketStatus, WaitlistEntry, WaitlistStatus,
    check_account_age, check_attendee, check_retry, refusal_without_room, window_refusal,
};
use usher_domain::time::Timestamp;
use usher_domain::wording;
use uuid::Uuid;

use crate::catalogue::{load_item, lock_items, stored_min_account_age};
use crate::entities::{account, festival, programme_item, reservation, ticket, waitlist_entry};
use crate::error::{StoreError, corrupt};
use crate::group_commit::Batch;
use crate::rows::{convert_all, count, in_list, insert_padded, stored, stored_count};
use crate::store::{Store, begin_write, commit};

const HELD: [&str; 2] = ["ACTIVE", "CHECKED_IN"];
const WAITING: &str = WaitlistStatus::Waiting.as_str();

/// A reservation to make.
#[derive(Debug, Clone)]
pub struct NewReservation {
    /// The item.
    pub item_id: ItemId,
    /// The attendee reserving.
    pub holder_id: UserId,
    /// When the attendee's account was created, for the festival's
    /// account-age brake (the signed-in user carries it: no query).
    pub holder_since: Timestamp,
    /// How many tickets.
    pub quantity: Quantity,
    /// One name per ticket.
    pub holder_names: Vec<Name>,
    /// A retry with the same key (and the same item and names) returns the
    /// first reservation; another request with it is refused.
    pub idempotency_key: Option<String>,
}

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
        })
    }
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

async fn reservation_by_key(
    db: &impl ConnectionTrait,
    holder: UserId,
    key: &str,
) -> Result<Option<Reservation>, StoreError> {
    let Some(row) = reservation::Entity::find()
        .filter(reservation::Column::AccountId.eq(holder.as_uuid()))
        .filter(reservation::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let tickets = ticket::Entity::find()
        .filter(ticket::Column::ReservationId.eq(row.id))
        .order_by_asc(ticket::Column::Id)
        .all(db)
        .await?;
    Ok(Some(Reservation {
        id: row.id.into(),
        item_id: row.item_id.into(),
        holder_id: row.account_id.into(),
        tickets: convert_all(tickets)?,
        created_at: row.created_at,
    }))
}

/// The answer to `new`, whose key made `first` already: `first` itself when
/// `new` is the same request again, a refusal naming the key otherwise.
fn replay(first: Reservation, new: &NewReservation) -> Result<Reservation, StoreError> {
    check_retry("idempotencyKey", &first, new.item_id, &new.holder_names)?;
    Ok(first)
}

/// What some attendees hold that bears on new reservations for some items:
/// how many tickets each holds for each of the items, and (where overlaps
/// matter) the other items each holds tickets for at about the same time.
/// Two queries whatever the numbers; [`Holdings::add`] keeps it true as a
/// transaction issues tickets.
struct Holdings {
    held: HashMap<(Uuid, ItemId), u32>,
    elsewhere: HashMap<Uuid, Vec<(ItemId, Schedule)>>,
}

impl Holdings {
    /// Filters on the attendees only: with the item in the query too, a
    /// planner whose statistics lag behind a rush (a new item's tickets
    /// look like none) walks every ticket of the item instead.
    async fn of(
        db: &impl ConnectionTrait,
        holders: &BTreeSet<Uuid>,
        items: &[&Item],
        overlaps_matter: bool,
    ) -> Result<Self, StoreError> {
        use programme_item::Column;

        let counted: Vec<(Uuid, Uuid, i64)> = ticket::Entity::find()
            .select_only()
            .column(ticket::Column::AccountId)
            .column(ticket::Column::ItemId)
            .column_as(ticket::Column::Id.count(), "held")
            .filter(ticket::Column::AccountId.is_in(in_list(holders.iter().copied())))
            .filter(ticket::Column::Status.is_in(HELD))
            .group_by(ticket::Column::AccountId)
            .group_by(ticket::Column::ItemId)
            .into_tuple()
            .all(db)
            .await?;
        let mut holdings = Self {
            held: HashMap::new(),
            elsewhere: HashMap::new(),
        };
        for &(holder, item, held) in &counted {
            let held = u32::try_from(held).unwrap_or(u32::MAX);
            holdings.held.insert((holder, item.into()), held);
        }
        if !overlaps_matter {
            return Ok(holdings);
        }
        let mut schedules: HashMap<ItemId, Schedule> = items
            .iter()
            .filter(|item| item.cancelled_at.is_none())
            .map(|item| (item.id, item.schedule))
            .collect();
        let others: BTreeSet<Uuid> = counted
            .iter()
            .map(|&(_, item, _)| item)
            .filter(|item| !items.iter().any(|listed| listed.id.as_uuid() == *item))
            .collect();
        if !others.is_empty() {
            let rows = programme_item::Entity::find()
                .filter(Column::Id.is_in(in_list(others)))
                .filter(Column::CancelledAt.is_null())
                .all(db)
                .await?;
            for item in convert_all::<_, Item>(rows)? {
                schedules.insert(item.id, item.schedule);
            }
        }
        for (holder, item, _) in counted {
            let item = ItemId::from(item);
            if let Some(schedule) = schedules.get(&item) {
                holdings.add_elsewhere(holder, item, *schedule);
            }
        }
        Ok(holdings)
    }

    fn held(&self, holder: Uuid, item: ItemId) -> u32 {
        self.held.get(&(holder, item)).copied().unwrap_or(0)
    }

    /// Whether `holder` holds a ticket for another item on at the same time.
    fn overlapping(&self, holder: Uuid, item: &Item) -> bool {
        self.elsewhere.get(&holder).is_some_and(|others| {
            others
                .iter()
                .any(|(other, schedule)| *other != item.id && schedule.overlaps(&item.schedule))
        })
    }

    fn add(&mut self, holder: Uuid, item: &Item, tickets: u32) {
        *self.held.entry((holder, item.id)).or_default() += tickets;
        self.add_elsewhere(holder, item.id, item.schedule);
    }

    fn add_elsewhere(&mut self, holder: Uuid, item: ItemId, schedule: Schedule) {
        self.elsewhere
            .entry(holder)
            .or_default()
            .push((item, schedule));
    }
}

/// What a festival's settings say about new tickets.
#[derive(Debug, Clone, Copy, Default)]
struct FestivalRules {
    allow_overlapping_tickets: bool,
    min_account_age: Option<MinAccountAge>,
}

/// The rules of the festivals of `items`, in one query.
struct RulesByFestival(HashMap<FestivalId, FestivalRules>);

impl RulesByFestival {
    async fn of(db: &impl ConnectionTrait, items: &[&Item]) -> Result<Self, StoreError> {
        use festival::Column;

        let ids: BTreeSet<Uuid> = items
            .iter()
            .map(|item| item.festival_id.as_uuid())
            .collect();
        let rows: Vec<(Uuid, bool, Option<i32>)> = festival::Entity::find()
            .select_only()
            .column(Column::Id)
            .column(Column::AllowOverlappingTickets)
            .column(Column::MinAccountAgeMinutes)
            .filter(Column::Id.is_in(in_list(ids)))
            .into_tuple()
            .all(db)
            .await?;
        let mut rules = HashMap::with_capacity(rows.len());
        for (id, allow_overlapping_tickets, min_age) in rows {
            let festival = FestivalRules {
                allow_overlapping_tickets,
                min_account_age: stored_min_account_age(min_age)?,
            };
            rules.insert(FestivalId::from(id), festival);
        }
        Ok(Self(rules))
    }

    fn of_item(&self, item: &Item) -> FestivalRules {
        self.0.get(&item.festival_id).copied().unwrap_or_default()
    }

    /// Whether the overlap rule holds for `item`.
    fn overlaps_matter(&self, item: &Item) -> bool {
        !self.of_item(item).allow_overlapping_tickets
    }
}

/// The reservations' group commit: every reservation that arrives while the
/// previous batch is being written is decided in the next transaction. The
/// batch locks its items, then its attendees' accounts (the order every
/// transaction locks rows in), reads what those attendees hold in two
/// queries, decides each reservation in arrival order against what the ones
/// before it in the batch took, then moves each item's counter by one
/// conditional update that still refuses to pass the capacity, and writes
/// every reservation and ticket in two statements.
#[derive(Debug)]
pub(crate) struct Reservations;

impl Batch for Reservations {
    const NAME: &'static str = "reservations";
    type Request = (NewReservation, Timestamp);
    type Answer = Reservation;

    async fn apply(
        db: &DatabaseConnection,
        requests: &[(NewReservation, Timestamp)],
    ) -> Result<Vec<Result<Reservation, StoreError>>, StoreError> {
        let transaction = begin_write(db).await?;
        let mut items =
            lock_items(&transaction, requests.iter().map(|(new, _)| new.item_id)).await?;
        let holders: BTreeSet<Uuid> = account::Entity::find()
            .select_only()
            .column(account::Column::Id)
            .filter(
                account::Column::Id.is_in(in_list(requests.iter().map(|(new, _)| new.holder_id))),
            )
            .order_by_asc(account::Column::Id)
            .lock_exclusive()
            .into_tuple::<Uuid>()
            .all(&transaction)
            .await?
            .into_iter()
            .collect();
        let listed: Vec<&Item> = items.values().collect();
        let festivals = RulesByFestival::of(&transaction, &listed).await?;
        let overlaps_matter = listed.iter().any(|item| festivals.overlaps_matter(item));
        let mut holdings = Holdings::of(&transaction, &holders, &listed, overlaps_matter).await?;
        let issued_before: HashMap<ItemId, u32> = items
            .values()
            .map(|item| (item.id, item.tickets_issued))
            .collect();

        let mut answers = Vec::with_capacity(requests.len());
        let mut issued: Vec<(Reservation, Option<&str>)> = Vec::new();
        let mut keys_issued: HashMap<(UserId, &str), usize> = HashMap::new();
        for (new, now) in requests {
            let key = new.idempotency_key.as_deref();
            if let Some(key) = key {
                if let Some(&first) = keys_issued.get(&(new.holder_id, key)) {
                    answers.push(replay(issued[first].0.clone(), new));
                    continue;
                }
                if let Some(first) = reservation_by_key(&transaction, new.holder_id, key).await? {
                    answers.push(replay(first, new));
                    continue;
                }
            }
            let Some(item) = items.get_mut(&new.item_id) else {
                answers.push(Err(StoreError::NotFound("item")));
                continue;
            };
            let holder = new.holder_id.as_uuid();
            if let Err(refusal) = decide_reservation(
                new,
                *now,
                item,
                holders.contains(&holder),
                festivals.of_item(item),
                &holdings,
            ) {
                answers.push(Err(refusal));
                continue;
            }
            item.tickets_issued += new.quantity.get();
            holdings.add(holder, item, new.quantity.get());
            let reservation = draft(item.id, new.holder_id, &new.holder_names, *now);
            answers.push(Ok(reservation.clone()));
            if let Some(key) = key {
                keys_issued.insert((new.holder_id, key), issued.len());
            }
            issued.push((reservation, key));
        }

        for item in items.values() {
            let taken = item.tickets_issued - issued_before[&item.id];
            if taken > 0 && !move_issued(&transaction, item.id, stored_count(taken)).await? {
                return Err(
                    anyhow::anyhow!("item {} has fewer tickets than it had", item.id).into(),
                );
            }
        }
        let issued: Vec<(&Reservation, Option<&str>)> = issued
            .iter()
            .map(|(reservation, key)| (reservation, *key))
            .collect();
        insert(&transaction, &issued).await?;
        commit(transaction).await?;
        Ok(answers)
    }
}

/// Whether a reservation may be made now, given the festival's rules and
/// what the attendee holds. A closed item says so first (waiting will not
/// help), then a too new account (waiting will), then stock.
fn decide_reservation(
    new: &NewReservation,
    now: Timestamp,
    item: &Item,
    holder_exists: bool,
    festival: FestivalRules,
    holdings: &Holdings,
) -> Result<(), StoreError> {
    if let Some(refusal) = window_refusal(item, now) {
        return Err(refusal.into());
    }
    check_account_age(item, festival.min_account_age, new.holder_since, now)?;
    if item.tickets_left() < new.quantity.get() {
        return Err(refusal_without_room(item, now, new.quantity).into());
    }
    if !holder_exists {
        return Err(StoreError::NotFound("user"));
    }
    let holder = new.holder_id.as_uuid();
    check_attendee(
        item,
        holdings.held(holder, item.id),
        new.quantity,
        !festival.allow_overlapping_tickets && holdings.overlapping(holder, item),
    )?;
    Ok(())
}

/// A reservation of one ticket per name, not yet written.
fn draft(item_id: ItemId, holder: UserId, names: &[Name], now: Timestamp) -> Reservation {
    let id = ReservationId::generate();
    Reservation {
        id,
        item_id,
        holder_id: holder,
        tickets: names
            .iter()
            .map(|name| Ticket {
                id: TicketId::generate(),
                item_id,
                holder_id: holder,
                reservation_id: id,
                holder_name: name.clone(),
                status: TicketStatus::Active,
                issued_at: now,
                checked_in_at: None,
                checked_in_gate: None,
                seat: None,
            })
            .collect(),
        created_at: now,
    }
}

/// Writes reservations (each with its idempotency key) and their tickets,
/// in statements of a few shapes. The counters were moved already.
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
            status: Set(TicketStatus::Active.as_str().to_owned()),
            issued_at: Set(ticket.issued_at),
            cancelled_at: Set(None),
            checked_in_at: Set(None),
            checked_in_gate: Set(None),
            seat: Set(None),
            created_at: Set(ticket.issued_at),
        })
        .collect();
    insert_padded(db, &tickets).await
}

/// Gives freed tickets to the waitlist, first in line first. Entries that do
/// not fit, or whose attendee may not hold more, are skipped and keep their
/// place. Runs inside the transaction that freed the tickets, after the
/// item's row was locked by its counter update.
pub(crate) async fn promote_waitlist(
    db: &DatabaseTransaction,
    item_id: ItemId,
    now: Timestamp,
) -> Result<(), StoreError> {
    use waitlist_entry::Column;

    let item = load_item(db, item_id).await?;
    if item.cancelled_at.is_some() || now >= item.schedule.starts_at() {
        return Ok(());
    }
    let mut available = item.tickets_left();
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
    let festival = RulesByFestival::of(db, &[&item]).await?.of_item(&item);
    let overlaps_matter = !festival.allow_overlapping_tickets;
    let mut holdings = Holdings::of(db, &holders, &[&item], overlaps_matter).await?;
    for entry in queue {
        let wanted = count("waitlist_entry", entry.quantity)?;
        if wanted > available {
            continue;
        }
        let quantity = stored(
            "waitlist_entry",
            Quantity::parse("quantity", entry.quantity.into()),
        )?;
        let Some(account) = accounts.get(&entry.account_id) else {
            continue;
        };
        // An entry that joined before the brake was set waits until its
        // account is old enough, like one its holder's limits keep out.
        if check_account_age(&item, festival.min_account_age, account.created_at, now).is_err() {
            continue;
        }
        let held = holdings.held(entry.account_id, item.id);
        let overlapping = overlaps_matter && holdings.overlapping(entry.account_id, &item);
        if check_attendee(&item, held, quantity, overlapping).is_err() {
            continue;
        }
        if !move_issued(db, item_id, stored_count(wanted)).await? {
            break;
        }
        let name = stored("account", Name::parse("displayName", &account.display_name))?;
        let names = vec![name; usize::try_from(wanted).unwrap_or(0)];
        let reservation = draft(item_id, account.id.into(), &names, now);
        insert(db, &[(&reservation, None)]).await?;
        holdings.add(account.id, &item, wanted);
        waitlist_entry::Entity::update_many()
            .col_expr(Column::Status, Expr::val(WaitlistStatus::Promoted.as_str()))
            .col_expr(Column::WaitingKey, Expr::val(Option::<String>::None))
            .col_expr(Column::ReservationId, Expr::val(reservation.id.as_uuid()))
            .col_expr(Column::ClosedAt, Expr::val(now))
            .filter(Column::Id.eq(entry.id))
            .exec(db)
            .await?;
        available -= wanted;
        tracing::info!(item = %item_id, tickets = wanted, "promoted from the waitlist");
    }
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
    /// Reserves tickets: all of them or none.
    #[tracing::instrument(level = "debug", skip_all, fields(item = %new.item_id, quantity = new.quantity.get()), err(level = "debug"))]
    pub async fn reserve(
        &self,
        new: NewReservation,
        now: Timestamp,
    ) -> Result<Reservation, StoreError> {
        let key = new.idempotency_key.as_deref();
        if let Some(key) = key
            && let Some(first) = reservation_by_key(&self.db, new.holder_id, key).await?
        {
            return replay(first, &new);
        }
        self.reservations.submit((new, now)).await
    }

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
        match current.status {
            TicketStatus::Cancelled => return Ok(current),
            TicketStatus::CheckedIn => {
                return Err(usher_domain::InvalidInput::new(
                    "ticketId",
                    "was used at the door and cannot be cancelled",
                )
                .into());
            }
            TicketStatus::Active => {}
        }
        let transaction = self.begin_write().await?;
        let item = load_item(&transaction, current.item_id).await?;
        if now >= item.schedule.starts_at() {
            transaction.rollback().await?;
            return Err(ReservationRefusal::Closed(
                "closed: the item has started, tickets can be given back until it starts",
            )
            .into());
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
        let ticket = ticket::Entity::find_by_id(ticket_id.as_uuid())
            .one(&transaction)
            .await?
            .ok_or(StoreError::NotFound("ticket"))?
            .try_into()?;
        commit(transaction).await?;
        Ok(ticket)
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

    /// Puts an attendee in line for a sold-out item. One place per attendee
    /// and item; the quantity must be one they may hold, and the festival's
    /// account-age brake holds as for a reservation (`holder_since`: when
    /// the account was created).
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
        if let Some(refusal) = window_refusal(&item, now) {
            return Err(refusal.into());
        }
        let festival = RulesByFestival::of(&transaction, &[&item])
            .await?
            .of_item(&item);
        check_account_age(&item, festival.min_account_age, holder_since, now)?;
        if item.tickets_left() >= quantity.get() {
            return Err(usher_domain::InvalidInput::new(
                "quantity",
                format!(
                    "is still available ({} left): reserve instead of joining the waitlist",
                    wording::count(item.tickets_left(), "ticket is", "tickets are")
                ),
            )
            .into());
        }
        let holders = BTreeSet::from([holder.as_uuid()]);
        let holdings = Holdings::of(&transaction, &holders, &[&item], false).await?;
        check_attendee(
            &item,
            holdings.held(holder.as_uuid(), item.id),
            quantity,
            false,
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
