//! Reading what the domain decides tickets against: what attendees hold
//! (tickets, and ballot entries where overlaps matter),
//! their festivals' rules, and reservations made under idempotency keys.

use std::collections::{BTreeSet, HashMap, HashSet};

use sea_orm::sea_query::{Expr, UnionType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use usher_domain::catalogue::Item;
use usher_domain::ids::{FestivalId, UserId};
use usher_domain::tickets::Reservation;
use usher_domain::tickets::ballot::EntryStatus;
use usher_domain::tickets::reservations::{Holdings, ReservationRules};
use uuid::Uuid;

use super::HELD;
use crate::catalogue::{stored_min_account_age, stored_no_show_policy};
use crate::entities::{account, ballot_entry, festival, programme_item, reservation, ticket};
use crate::error::{StoreError, corrupt};
use crate::rows::{convert_all, in_list};

/// Locks the rows of these accounts, in id order (after the items', the
/// order every transaction takes them in): a holder's requests on
/// different items are decided one transaction after the other, so the
/// limit and the overlap rule hold across items too. The accounts that
/// exist.
pub(super) async fn lock_accounts(
    db: &impl ConnectionTrait,
    accounts: impl IntoIterator<Item = Uuid>,
) -> Result<BTreeSet<Uuid>, StoreError> {
    Ok(account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .filter(account::Column::Id.is_in(in_list(accounts)))
        .order_by_asc(account::Column::Id)
        .lock_exclusive()
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// What `holders` hold: how many tickets each holds for each item, and
/// (when `overlaps_matter`) the times of the items each holds tickets or
/// a standing ballot entry for, `items` being known already. A ballot
/// entry stands while it may still win: entered and not drawn yet, or won
/// and not claimed yet, as the entrant or as a partner who confirmed.
///
/// One query for the tickets (with the entries as its UNION ALL where
/// overlaps matter, so that they cost no round trip of their own), and
/// one for the other items' times. Filters on the attendees only: with the
/// item in the query too, a planner whose statistics lag behind a rush (a
/// new item's tickets look like none) walks every ticket of the item
/// instead.
pub(super) async fn holdings(
    db: &impl ConnectionTrait,
    holders: &BTreeSet<Uuid>,
    items: &[&Item],
    overlaps_matter: bool,
) -> Result<Holdings, StoreError> {
    use programme_item::Column;

    let holder_list = in_list(holders.iter().copied());
    let mut query = ticket::Entity::find()
        .select_only()
        .column(ticket::Column::AccountId)
        .column(ticket::Column::ItemId)
        .column_as(ticket::Column::Id.count(), "held")
        .column_as(Expr::val(Option::<String>::None), "entry")
        .filter(ticket::Column::AccountId.is_in(holder_list.clone()))
        .filter(ticket::Column::Status.is_in(HELD))
        .group_by(ticket::Column::AccountId)
        .group_by(ticket::Column::ItemId);
    if overlaps_matter {
        // One branch per index (entrants, partners): an OR of the two
        // would scan every entry.
        let standing = [EntryStatus::Open.as_str(), EntryStatus::Won.as_str()];
        let entries = |holder: ballot_entry::Column| {
            ballot_entry::Entity::find()
                .select_only()
                .column(holder)
                .column(ballot_entry::Column::ItemId)
                .column_as(Expr::val(0i64), "held")
                .column(ballot_entry::Column::Status)
                .filter(holder.is_in(holder_list.clone()))
                .filter(ballot_entry::Column::Status.is_in(standing))
        };
        let partners = entries(ballot_entry::Column::PartnerId)
            .filter(ballot_entry::Column::PartnerConfirmedAt.is_not_null());
        QueryTrait::query(&mut query)
            .union(
                UnionType::All,
                entries(ballot_entry::Column::AccountId).into_query(),
            )
            .union(UnionType::All, partners.into_query());
    }
    let rows: Vec<(Uuid, Uuid, i64, Option<String>)> = query.into_tuple().all(db).await?;
    let mut holdings = Holdings::default();
    // A row is a holder's tickets for an item (no status) or one of their
    // standing entries.
    let mut held = Vec::with_capacity(rows.len());
    for (holder, item, tickets, entry) in rows {
        let entry = match entry {
            None => {
                let tickets = u32::try_from(tickets).unwrap_or(u32::MAX);
                holdings.count(holder.into(), item.into(), tickets);
                None
            }
            Some(status) => Some(
                EntryStatus::from_stored(&status)
                    .ok_or_else(|| corrupt("ballot_entry", format!("status {status}")))?,
            ),
        };
        held.push((holder, item, entry));
    }
    if !overlaps_matter {
        return Ok(holdings);
    }
    let listed: HashSet<Uuid> = items.iter().map(|item| item.id.as_uuid()).collect();
    let others: BTreeSet<Uuid> = held
        .iter()
        .map(|&(_, item, _)| item)
        .filter(|item| !listed.contains(item))
        .collect();
    let loaded: Vec<Item> = if others.is_empty() {
        Vec::new()
    } else {
        let rows = programme_item::Entity::find()
            .filter(Column::Id.is_in(in_list(others)))
            .all(db)
            .await?;
        convert_all(rows)?
    };
    let known: HashMap<Uuid, &Item> = items
        .iter()
        .copied()
        .chain(&loaded)
        .map(|item| (item.id.as_uuid(), item))
        .collect();
    for (holder, item, entry) in held {
        let Some(item) = known.get(&item).filter(|item| item.cancelled_at.is_none()) else {
            continue;
        };
        // An entry still open in a drawn ballot lost.
        let lost = entry == Some(EntryStatus::Open) && item.ballot_drawn_at.is_some();
        if !lost {
            holdings.holds_at(holder.into(), item.id, item.schedule);
        }
    }
    Ok(holdings)
}

/// The rules of the festivals of `items`, in one query.
pub(super) async fn rules(
    db: &impl ConnectionTrait,
    items: &[&Item],
) -> Result<HashMap<FestivalId, ReservationRules>, StoreError> {
    festival_rules(db, items.iter().map(|item| item.festival_id)).await
}

/// The rules of these festivals, by one query.
pub(super) async fn festival_rules(
    db: &impl ConnectionTrait,
    festivals: impl IntoIterator<Item = FestivalId>,
) -> Result<HashMap<FestivalId, ReservationRules>, StoreError> {
    use festival::Column;

    let ids: BTreeSet<Uuid> = festivals.into_iter().map(FestivalId::as_uuid).collect();
    type Row = (Uuid, bool, Option<i32>, Option<i32>, i32, i32);
    let rows: Vec<Row> = festival::Entity::find()
        .select_only()
        .column(Column::Id)
        .column(Column::AllowOverlappingTickets)
        .column(Column::MinAccountAgeMinutes)
        .column(Column::NoShowLimit)
        .column(Column::NoShowBlockDays)
        .column(Column::CancelWithoutPenaltyMinutes)
        .filter(Column::Id.is_in(in_list(ids)))
        .into_tuple()
        .all(db)
        .await?;
    let mut rules = HashMap::with_capacity(rows.len());
    for (id, allow_overlapping_tickets, min_age, limit, block_days, without_penalty) in rows {
        let festival = ReservationRules {
            allow_overlapping_tickets,
            min_account_age: stored_min_account_age(min_age)?,
            no_shows: stored_no_show_policy(limit, block_days, without_penalty)?,
        };
        rules.insert(FestivalId::from(id), festival);
    }
    Ok(rules)
}

/// The rules of `item`'s festival.
pub(super) async fn rules_of(
    db: &impl ConnectionTrait,
    item: &Item,
) -> Result<ReservationRules, StoreError> {
    Ok(rules(db, &[item])
        .await?
        .remove(&item.festival_id)
        .unwrap_or_default())
}

/// The reservations made under these (attendee, idempotency key) pairs, in
/// two queries when there are any.
pub(super) async fn reservations_by_key(
    db: &impl ConnectionTrait,
    keys: &[(UserId, &str)],
) -> Result<HashMap<(UserId, String), Reservation>, StoreError> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let holders: BTreeSet<Uuid> = keys.iter().map(|(holder, _)| holder.as_uuid()).collect();
    let names: BTreeSet<&str> = keys.iter().map(|(_, key)| *key).collect();
    let rows = reservation::Entity::find()
        .filter(reservation::Column::AccountId.is_in(in_list(holders)))
        .filter(reservation::Column::IdempotencyKey.is_in(names))
        .all(db)
        .await?;
    let rows: Vec<reservation::Model> = rows
        .into_iter()
        .filter(|row| {
            keys.iter().any(|(holder, key)| {
                row.account_id == holder.as_uuid() && row.idempotency_key.as_deref() == Some(*key)
            })
        })
        .collect();
    if rows.is_empty() {
        return Ok(HashMap::new());
    }
    let tickets = ticket::Entity::find()
        .filter(ticket::Column::ReservationId.is_in(in_list(rows.iter().map(|row| row.id))))
        .order_by_asc(ticket::Column::Id)
        .all(db)
        .await?;
    let mut tickets_of: HashMap<Uuid, Vec<ticket::Model>> = HashMap::new();
    for ticket in tickets {
        tickets_of
            .entry(ticket.reservation_id)
            .or_default()
            .push(ticket);
    }
    let mut found = HashMap::with_capacity(rows.len());
    for row in rows {
        let holder = UserId::from(row.account_id);
        let reservation = Reservation {
            id: row.id.into(),
            item_id: row.item_id.into(),
            holder_id: holder,
            tickets: convert_all(tickets_of.remove(&row.id).unwrap_or_default())?,
            created_at: row.created_at,
        };
        found.insert(
            (holder, row.idempotency_key.unwrap_or_default()),
            reservation,
        );
    }
    Ok(found)
}

/// The reservation `holder` made under `key`, if any.
pub(super) async fn reservation_by_key(
    db: &impl ConnectionTrait,
    holder: UserId,
    key: &str,
) -> Result<Option<Reservation>, StoreError> {
    Ok(reservations_by_key(db, &[(holder, key)])
        .await?
        .into_values()
        .next())
}
