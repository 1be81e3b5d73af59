//! No-show strikes: counted once per item when its late entry closes (by
//! any instance, as often as it likes: the item's `strikes_counted_at`
//! moves from null in the transaction that writes them, and a ticket has
//! one strike at most), read for the blocks that festivals with a limit
//! impose, and forgiven by organizers.

use std::collections::HashMap;

use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use usher_domain::ids::{FestivalId, ItemId, NoShowId, UserId};
use usher_domain::tickets::TicketStatus;
use usher_domain::tickets::no_shows::{NoShow, NoShowKind, blocked_until, strike_of};
use usher_domain::tickets::reservations::ReservationRules;
use usher_domain::time::{self, Timestamp};
use uuid::Uuid;

use super::snapshot;
use crate::catalogue::load_item;
use crate::entities::{no_show_strike, programme_item, ticket};
use crate::error::{StoreError, corrupt};
use crate::rows::{convert_all, in_list, insert_padded};
use crate::store::Store;
use crate::transaction::commit;

impl TryFrom<no_show_strike::Model> for NoShow {
    type Error = StoreError;

    fn try_from(row: no_show_strike::Model) -> Result<Self, StoreError> {
        Ok(Self {
            id: row.id.into(),
            holder_id: row.account_id.into(),
            festival_id: row.festival_id.into(),
            item_id: row.item_id.into(),
            ticket_id: row.ticket_id.into(),
            kind: NoShowKind::from_stored(&row.kind)
                .ok_or_else(|| corrupt("no_show_strike", format!("unknown kind {}", row.kind)))?,
            at: row.struck_at,
            forgiven_at: row.forgiven_at,
        })
    }
}

/// When the blocks of `holders` end, by festival, where the festival of
/// `rules` has a limit and the holder reached it: one query, and none when
/// no festival has a limit.
pub(crate) async fn blocks(
    db: &impl ConnectionTrait,
    holders: impl IntoIterator<Item = Uuid>,
    rules: &HashMap<FestivalId, ReservationRules>,
) -> Result<HashMap<(UserId, FestivalId), Timestamp>, StoreError> {
    use no_show_strike::Column;

    let limited: Vec<Uuid> = rules
        .iter()
        .filter(|(_, rules)| rules.no_shows.limit.is_some())
        .map(|(festival, _)| festival.as_uuid())
        .collect();
    if limited.is_empty() {
        return Ok(HashMap::new());
    }
    let strikes: Vec<(Uuid, Uuid, Timestamp)> = no_show_strike::Entity::find()
        .select_only()
        .column(Column::AccountId)
        .column(Column::FestivalId)
        .column(Column::StruckAt)
        .filter(Column::AccountId.is_in(in_list(holders)))
        .filter(Column::FestivalId.is_in(in_list(limited)))
        .filter(Column::ForgivenAt.is_null())
        .into_tuple()
        .all(db)
        .await?;
    let mut moments: HashMap<(UserId, FestivalId), Vec<Timestamp>> = HashMap::new();
    for (holder, festival, at) in strikes {
        moments
            .entry((holder.into(), festival.into()))
            .or_default()
            .push(at);
    }
    Ok(moments
        .into_iter()
        .filter_map(|((holder, festival), moments)| {
            let policy = rules.get(&festival)?.no_shows;
            Some(((holder, festival), blocked_until(moments, &policy)?))
        })
        .collect())
}

/// The strikes an item's tickets earned, written if late entry has closed
/// by `now` and nobody counted them yet: how many, or None when there was
/// nothing to do. A cancelled item earns none.
async fn count_if_due(
    db: &impl ConnectionTrait,
    item_id: ItemId,
    now: Timestamp,
) -> Result<Option<usize>, StoreError> {
    use programme_item::Column;

    let due = programme_item::Entity::update_many()
        .col_expr(Column::StrikesCountedAt, Expr::val(now))
        .filter(Column::Id.eq(item_id.as_uuid()))
        .filter(Column::StrikesCountedAt.is_null())
        .filter(Column::CancelledAt.is_null())
        .filter(Column::StrikesDueAt.lte(now))
        .exec(db)
        .await?;
    if due.rows_affected == 0 {
        return Ok(None);
    }
    let item = load_item(db, item_id).await?;
    let policy = snapshot::rules_of(db, &item).await?.no_shows;
    let tickets: Vec<(Uuid, Uuid, String, Option<Timestamp>)> = ticket::Entity::find()
        .select_only()
        .column(ticket::Column::Id)
        .column(ticket::Column::AccountId)
        .column(ticket::Column::Status)
        .column(ticket::Column::CancelledAt)
        .filter(ticket::Column::ItemId.eq(item_id.as_uuid()))
        .filter(ticket::Column::Status.is_in([
            TicketStatus::Active.as_str(),
            TicketStatus::Cancelled.as_str(),
        ]))
        .into_tuple()
        .all(db)
        .await?;
    let mut strikes = Vec::new();
    for (ticket_id, holder, status, cancelled_at) in tickets {
        let status = TicketStatus::from_stored(&status)
            .ok_or_else(|| corrupt("ticket", format!("unknown status {status}")))?;
        if let Some((kind, at)) = strike_of(status, cancelled_at, &item, &policy) {
            strikes.push(no_show_strike::ActiveModel {
                id: Set(NoShowId::generate().as_uuid()),
                account_id: Set(holder),
                festival_id: Set(item.festival_id.as_uuid()),
                item_id: Set(item_id.as_uuid()),
                ticket_id: Set(ticket_id),
                kind: Set(kind.as_str().to_owned()),
                struck_at: Set(at),
                forgiven_at: Set(None),
                created_at: Set(now),
            });
        }
    }
    insert_padded(db, &strikes).await?;
    Ok(Some(strikes.len()))
}

impl Store {
    /// Counts the strikes of every item whose late entry has closed by
    /// `now`, one transaction per item: the items counted and their
    /// strikes. Run by every instance with the release of unscanned
    /// tickets, and on start.
    #[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
    pub async fn count_due_no_shows(
        &self,
        now: Timestamp,
    ) -> Result<Vec<(ItemId, usize)>, StoreError> {
        use programme_item::Column;

        let due: Vec<Uuid> = programme_item::Entity::find()
            .select_only()
            .column(Column::Id)
            .filter(Column::StrikesDueAt.lte(now))
            .filter(Column::StrikesCountedAt.is_null())
            .filter(Column::CancelledAt.is_null())
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut counted = Vec::new();
        for item_id in due.into_iter().map(ItemId::from) {
            let strikes = self
                .write(|| async move {
                    let transaction = self.begin_write().await?;
                    let strikes = count_if_due(&transaction, item_id, now).await?;
                    commit(transaction).await?;
                    Ok(strikes)
                })
                .await?;
            if let Some(strikes) = strikes {
                counted.push((item_id, strikes));
            }
        }
        Ok(counted)
    }

    /// A holder's strikes, forgiven ones included, newest first; only
    /// those at one festival when it is named.
    #[tracing::instrument(level = "debug", skip_all, fields(holder = %holder), err(level = "debug"))]
    pub async fn no_shows_of(
        &self,
        holder: UserId,
        festival: Option<FestivalId>,
    ) -> Result<Vec<NoShow>, StoreError> {
        use no_show_strike::Column;

        let mut query =
            no_show_strike::Entity::find().filter(Column::AccountId.eq(holder.as_uuid()));
        if let Some(festival) = festival {
            query = query.filter(Column::FestivalId.eq(festival.as_uuid()));
        }
        let rows = query
            .order_by_desc(Column::StruckAt)
            .order_by_asc(Column::Id)
            .all(&self.db)
            .await?;
        convert_all(rows)
    }

    /// When a holder's blocks end, by festival (those of festivals with a
    /// limit the holder reached; they may be over).
    #[tracing::instrument(level = "debug", skip_all, fields(holder = %holder), err(level = "debug"))]
    pub async fn no_show_blocks(
        &self,
        holder: UserId,
    ) -> Result<HashMap<FestivalId, Timestamp>, StoreError> {
        let festivals: Vec<Uuid> = no_show_strike::Entity::find()
            .select_only()
            .column(no_show_strike::Column::FestivalId)
            .distinct()
            .filter(no_show_strike::Column::AccountId.eq(holder.as_uuid()))
            .into_tuple()
            .all(&self.db)
            .await?;
        let rules =
            snapshot::festival_rules(&self.db, festivals.into_iter().map(FestivalId::from)).await?;
        Ok(blocks(&self.db, [holder.as_uuid()], &rules)
            .await?
            .into_iter()
            .map(|((_, festival), until)| (festival, until))
            .collect())
    }

    /// Forgives a strike: it no longer counts towards a block. Forgiving
    /// it again changes nothing.
    #[tracing::instrument(level = "debug", skip_all, fields(strike = %id), err(level = "debug"))]
    pub async fn forgive_no_show(&self, id: NoShowId) -> Result<NoShow, StoreError> {
        use no_show_strike::Column;

        no_show_strike::Entity::update_many()
            .col_expr(Column::ForgivenAt, Expr::val(time::now()))
            .filter(Column::Id.eq(id.as_uuid()))
            .filter(Column::ForgivenAt.is_null())
            .exec(&self.db)
            .await?;
        self.no_show(id)
            .await?
            .ok_or(StoreError::NotFound("no-show"))
    }

    /// The strike with this id.
    #[tracing::instrument(level = "debug", skip_all, fields(strike = %id), err(level = "debug"))]
    pub async fn no_show(&self, id: NoShowId) -> Result<Option<NoShow>, StoreError> {
        no_show_strike::Entity::find_by_id(id.as_uuid())
            .one(&self.db)
            .await?
            .map(NoShow::try_from)
            .transpose()
    }
}
