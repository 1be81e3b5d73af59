//! Programme items: creating them, the programme, changing and cancelling them.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use usher_domain::catalogue::{Item, ItemChanges, new_item_title_and_capacity};
use usher_domain::ids::{FestivalId, ItemId};
use usher_domain::tickets::TicketStatus;
use usher_domain::time;

use super::{NewItem, Page, ProgrammeQuery, load_item};
use crate::entities::{programme_item, ticket};
use crate::error::StoreError;
use crate::rows::{convert_all, in_list, stored_count};
use crate::store::Store;
use crate::tickets::ballot::{cancel_entries, commit_to_a_secret, entries_made};
use crate::tickets::standby::close_standby;
use crate::tickets::waitlist::{close_waitlist, promote_waitlist};
use crate::transaction::commit;

impl Store {
    /// Creates a programme item at a venue of the festival, showing a film of
    /// the festival.
    #[tracing::instrument(level = "debug", skip_all, fields(festival = %new.festival_id), err(level = "debug"))]
    pub async fn create_item(&self, new: NewItem) -> Result<Item, StoreError> {
        let venue = self
            .venues_by_id(&[new.venue_id])
            .await?
            .into_iter()
            .find(|venue| venue.festival_id == new.festival_id)
            .ok_or(StoreError::NotFound("venue"))?;
        let film = match new.film_id {
            Some(film_id) => Some(
                self.films_by_id(&[film_id])
                    .await?
                    .into_iter()
                    .find(|film| film.festival_id == new.festival_id)
                    .ok_or(StoreError::NotFound("film"))?,
            ),
            None => None,
        };
        let (title, capacity) =
            new_item_title_and_capacity(new.title, new.ticket_capacity, &venue, film.as_ref())?;
        let parts = new.schedule.parts();
        let transaction = self.begin_write().await?;
        let row = programme_item::ActiveModel {
            id: Set(ItemId::generate().as_uuid()),
            festival_id: Set(new.festival_id.as_uuid()),
            venue_id: Set(venue.id.as_uuid()),
            film_id: Set(film.map(|film| film.id.as_uuid())),
            kind: Set(new.kind.as_str().to_owned()),
            title: Set(title.into_string()),
            starts_at: Set(parts.starts_at),
            ends_at: Set(parts.ends_at),
            ticket_capacity: Set(stored_count(capacity.get())),
            tickets_issued: Set(0),
            admitted: Set(0),
            max_tickets_per_attendee: Set(stored_count(new.max_tickets_per_attendee.get())),
            reservation_opens_at: Set(parts.reservation_opens_at),
            reservation_closes_at: Set(parts.reservation_closes_at),
            doors_open_minutes: Set(stored_count(parts.doors_open.get())),
            late_entry_minutes: Set(stored_count(parts.late_entry.get())),
            cancelled_at: Set(None),
            created_at: Set(time::now()),
            requires_settled_account: Set(new.requires_settled_account),
            standby_numbered: Set(0),
            standby_opens_minutes: Set(stored_count(new.standby_opens.get())),
            release_unscanned_minutes: Set(parts
                .release_unscanned
                .map(|minutes| stored_count(minutes.get()))),
            release_at: Set(new.schedule.release_at()),
            released_at: Set(None),
            strikes_due_at: Set(Some(new.schedule.late_entry_until())),
            strikes_counted_at: Set(None),
            ballot_opens_at: Set(parts.ballot.map(|ballot| ballot.opens_at)),
            ballot_closes_at: Set(parts.ballot.map(|ballot| ballot.closes_at)),
            claim_minutes: Set(parts.ballot.map(|ballot| stored_count(ballot.claim.get()))),
            ballot_drawn_at: Set(None),
        }
        .insert(&transaction)
        .await?;
        if parts.ballot.is_some() {
            commit_to_a_secret(self, &transaction, row.id.into()).await?;
        }
        commit(transaction).await?;
        row.try_into()
    }

    /// The items with these ids.
    #[tracing::instrument(level = "debug", skip_all, fields(count = ids.len()), err(level = "debug"))]
    pub async fn items_by_id(&self, ids: &[ItemId]) -> Result<Vec<Item>, StoreError> {
        let rows = programme_item::Entity::find()
            .filter(programme_item::Column::Id.is_in(in_list(ids.iter().copied())))
            .all(&self.db)
            .await?;
        convert_all(rows)
    }

    /// The item with this id, if there is one.
    pub async fn item(&self, id: ItemId) -> Result<Option<Item>, StoreError> {
        Ok(self.items_by_id(&[id]).await?.into_iter().next())
    }

    /// One page of a festival's programme.
    #[tracing::instrument(level = "debug", skip_all, fields(festival = %festival_id), err(level = "debug"))]
    pub async fn programme(
        &self,
        festival_id: FestivalId,
        query: &ProgrammeQuery,
    ) -> Result<Page<Item>, StoreError> {
        use programme_item::Column;

        let mut filter = Condition::all().add(Column::FestivalId.eq(festival_id.as_uuid()));
        if let Some(kind) = query.kind {
            filter = filter.add(Column::Kind.eq(kind.as_str()));
        }
        if let Some(venue_id) = query.venue_id {
            filter = filter.add(Column::VenueId.eq(venue_id.as_uuid()));
        }
        if let Some(film_id) = query.film_id {
            filter = filter.add(Column::FilmId.eq(film_id.as_uuid()));
        }
        if let Some(after) = query.starts_after {
            filter = filter.add(Column::StartsAt.gte(after));
        }
        if let Some(before) = query.starts_before {
            filter = filter.add(Column::StartsAt.lt(before));
        }
        if let Some(now) = query.only_available_at {
            filter = filter.add(open_at(now));
        }
        let total_count = programme_item::Entity::find()
            .filter(filter.clone())
            .count(&self.db)
            .await?;
        if let Some((starts_at, id)) = query.after {
            filter = filter.add(
                Condition::any().add(Column::StartsAt.gt(starts_at)).add(
                    Condition::all()
                        .add(Column::StartsAt.eq(starts_at))
                        .add(Column::Id.gt(id.as_uuid())),
                ),
            );
        }
        let mut rows = programme_item::Entity::find()
            .filter(filter)
            .order_by_asc(Column::StartsAt)
            .order_by_asc(Column::Id)
            .limit(query.first + 1)
            .all(&self.db)
            .await?;
        let has_next_page = rows.len() as u64 > query.first;
        rows.truncate(usize::try_from(query.first).unwrap_or(usize::MAX));
        Ok(Page {
            rows: convert_all(rows)?,
            has_next_page,
            total_count,
        })
    }

    /// Changes an item's capacity, limit or times. The capacity may not fall
    /// below the tickets already issued; the conditional update makes that
    /// hold against concurrent reservations.
    #[tracing::instrument(level = "debug", skip_all, fields(item = %item_id), err(level = "debug"))]
    pub async fn update_item(
        &self,
        item_id: ItemId,
        changes: &ItemChanges,
    ) -> Result<Item, StoreError> {
        self.write(|| self.update_item_once(item_id, changes)).await
    }

    async fn update_item_once(
        &self,
        item_id: ItemId,
        changes: &ItemChanges,
    ) -> Result<Item, StoreError> {
        use programme_item::Column;

        let transaction = self.begin_write().await?;
        let current: Item = programme_item::Entity::find_by_id(item_id.as_uuid())
            .lock_exclusive()
            .one(&transaction)
            .await?
            .ok_or(StoreError::NotFound("item"))?
            .try_into()?;
        if changes.leaves_pending_ballot(&current) {
            ItemChanges::check_leaving_ballot(entries_made(&transaction, item_id).await?)?;
        }
        let changed = changes.apply_to(&current)?;
        let schedule = changed.schedule.parts();
        let capacity = stored_count(changed.ticket_capacity.get());
        let updated = programme_item::Entity::update_many()
            .col_expr(Column::TicketCapacity, Expr::val(capacity))
            .col_expr(
                Column::MaxTicketsPerAttendee,
                Expr::val(stored_count(changed.max_tickets_per_attendee.get())),
            )
            .col_expr(Column::StartsAt, Expr::val(schedule.starts_at))
            .col_expr(Column::EndsAt, Expr::val(schedule.ends_at))
            .col_expr(
                Column::ReservationOpensAt,
                Expr::val(schedule.reservation_opens_at),
            )
            .col_expr(
                Column::ReservationClosesAt,
                Expr::val(schedule.reservation_closes_at),
            )
            .col_expr(
                Column::RequiresSettledAccount,
                Expr::val(changed.requires_settled_account),
            )
            .col_expr(
                Column::StandbyOpensMinutes,
                Expr::val(stored_count(changed.standby_opens.get())),
            )
            .col_expr(
                Column::ReleaseUnscannedMinutes,
                Expr::val(
                    schedule
                        .release_unscanned
                        .map(|minutes| stored_count(minutes.get())),
                ),
            )
            .col_expr(Column::ReleaseAt, Expr::val(changed.schedule.release_at()))
            .col_expr(
                Column::StrikesDueAt,
                Expr::val(changed.schedule.late_entry_until()),
            )
            .col_expr(
                Column::BallotOpensAt,
                Expr::val(schedule.ballot.map(|ballot| ballot.opens_at)),
            )
            .col_expr(
                Column::BallotClosesAt,
                Expr::val(schedule.ballot.map(|ballot| ballot.closes_at)),
            )
            .col_expr(
                Column::ClaimMinutes,
                Expr::val(
                    schedule
                        .ballot
                        .map(|ballot| stored_count(ballot.claim.get())),
                ),
            )
            .filter(Column::Id.eq(item_id.as_uuid()))
            .filter(Column::TicketsIssued.lte(capacity))
            .exec(&transaction)
            .await?;
        if updated.rows_affected == 0 {
            return Err(anyhow::anyhow!("item {item_id} issued tickets while locked").into());
        }
        if schedule.ballot.is_some() {
            commit_to_a_secret(self, &transaction, item_id).await?;
        }
        promote_waitlist(&transaction, item_id, time::now()).await?;
        let item = load_item(&transaction, item_id).await?;
        commit(transaction).await?;
        Ok(item)
    }

    /// Cancels an item with all its active tickets and its waitlist;
    /// cancelling it again changes nothing.
    #[tracing::instrument(level = "debug", skip_all, fields(item = %item_id), err(level = "debug"))]
    pub async fn cancel_item(&self, item_id: ItemId) -> Result<Item, StoreError> {
        self.write(|| self.cancel_item_once(item_id)).await
    }

    async fn cancel_item_once(&self, item_id: ItemId) -> Result<Item, StoreError> {
        use programme_item::Column;

        let now = time::now();
        let transaction = self.begin_write().await?;
        let cancelled = programme_item::Entity::update_many()
            .col_expr(Column::CancelledAt, Expr::val(now))
            .filter(Column::Id.eq(item_id.as_uuid()))
            .filter(Column::CancelledAt.is_null())
            .exec(&transaction)
            .await?;
        if cancelled.rows_affected == 1 {
            let tickets = ticket::Entity::update_many()
                .col_expr(
                    ticket::Column::Status,
                    Expr::val(TicketStatus::Cancelled.as_str()),
                )
                .col_expr(ticket::Column::CancelledAt, Expr::val(now))
                .filter(ticket::Column::ItemId.eq(item_id.as_uuid()))
                .filter(ticket::Column::Status.eq(TicketStatus::Active.as_str()))
                .exec(&transaction)
                .await?;
            let freed = i32::try_from(tickets.rows_affected).unwrap_or(i32::MAX);
            programme_item::Entity::update_many()
                .col_expr(
                    Column::TicketsIssued,
                    Expr::col(Column::TicketsIssued).sub(freed),
                )
                .filter(Column::Id.eq(item_id.as_uuid()))
                .exec(&transaction)
                .await?;
            close_waitlist(&transaction, item_id, now).await?;
            close_standby(&transaction, item_id, now).await?;
            cancel_entries(&transaction, item_id, now).await?;
        }
        let item = load_item(&transaction, item_id).await?;
        commit(transaction).await?;
        Ok(item)
    }
}

/// [`ProgrammeStatus::Open`] at `now` (see [`programme_status`]) as SQL, so
/// that the programme can be filtered and paged by it; a test checks that
/// the two agree.
///
/// [`ProgrammeStatus::Open`]: usher_domain::catalogue::ProgrammeStatus::Open
/// [`programme_status`]: usher_domain::catalogue::programme_status
fn open_at(now: time::Timestamp) -> Condition {
    use programme_item::Column;

    Condition::all()
        .add(Column::CancelledAt.is_null())
        .add(Column::ReservationOpensAt.lte(now))
        .add(Column::ReservationClosesAt.gt(now))
        .add(Expr::col(Column::TicketsIssued).lt(Expr::col(Column::TicketCapacity)))
        .add(
            Condition::any()
                .add(Column::BallotClosesAt.is_null())
                .add(Column::BallotDrawnAt.is_not_null()),
        )
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use usher_domain::catalogue::{BallotWindow, ProgrammeStatus, Schedule, ScheduleParts};
    use usher_domain::input::Minutes;

    use super::*;
    use crate::testing::festival;

    #[tokio::test]
    async fn the_programme_lists_as_open_exactly_the_items_the_domain_finds_open() {
        let festival = festival(100, 4).await;
        let now = festival.items[0].schedule.reservation_opens_at() + Duration::minutes(1);
        let at = |minutes: i64| now + Duration::minutes(minutes);
        // (reservations open, reservations close, by ballot) around `now`,
        // in minutes; the last two are sold out and cancelled below.
        let windows = [
            (0, 5, false),
            (-5, 0, false),
            (1, 5, false),
            (-5, 1, false),
            (-5, 5, false),
            (-5, 5, true),
            (-5, 5, false),
            (-5, 5, false),
        ];
        let mut ids = Vec::new();
        for (opens, closes, by_ballot) in windows {
            let schedule = Schedule::new(ScheduleParts {
                starts_at: at(60),
                ends_at: at(120),
                reservation_opens_at: at(opens),
                reservation_closes_at: at(closes),
                doors_open: Minutes::of(30),
                late_entry: Minutes::of(15),
                release_unscanned: None,
                ballot: by_ballot.then_some(BallotWindow {
                    opens_at: at(-5),
                    closes_at: at(10),
                    claim: Minutes::of(5),
                }),
            })
            .unwrap();
            let new = NewItem {
                schedule,
                ..festival.new_item()
            };
            ids.push(festival.store.create_item(new).await.unwrap().id);
        }
        let [.., sold_out, cancelled] = ids[..] else {
            unreachable!()
        };
        programme_item::Entity::update_many()
            .col_expr(
                programme_item::Column::TicketsIssued,
                Expr::col(programme_item::Column::TicketCapacity),
            )
            .filter(programme_item::Column::Id.eq(sold_out.as_uuid()))
            .exec(&festival.store.db)
            .await
            .unwrap();
        festival.store.cancel_item(cancelled).await.unwrap();

        let query = ProgrammeQuery {
            only_available_at: Some(now),
            first: 100,
            ..ProgrammeQuery::default()
        };
        let listed: Vec<ItemId> = festival
            .store
            .programme(festival.items[0].festival_id, &query)
            .await
            .unwrap()
            .rows
            .iter()
            .map(|item| item.id)
            .collect();
        let mut open: Vec<ItemId> = Vec::new();
        let mut statuses = Vec::new();
        let mut all = festival.store.items_by_id(&ids).await.unwrap();
        all.extend(festival.items.iter().cloned());
        all.sort_by_key(|item| (item.schedule.starts_at(), item.id.as_uuid()));
        for item in &all {
            statuses.push(item.status(now));
            if item.status(now) == ProgrammeStatus::Open {
                open.push(item.id);
            }
        }
        assert_eq!(listed, open);
        for status in [
            ProgrammeStatus::Open,
            ProgrammeStatus::Closed,
            ProgrammeStatus::NotYetOpen,
            ProgrammeStatus::SoldOut,
            ProgrammeStatus::Cancelled,
            ProgrammeStatus::Ballot,
        ] {
            assert!(statuses.contains(&status), "no item is {status:?}");
        }
    }
}
