//! The reservations' group commit: every reservation that arrives while the
//! previous batch is being written is decided in the next transaction. The
//! batch locks its items, then its attendees' accounts (the order every
//! transaction locks rows in), reads what those attendees hold, their
//! festivals' rules, their no-show blocks (only where a festival has a
//! limit) and the reservations under their idempotency keys, lets
//! the domain decide ([`decide_reservations`]), then moves each item's
//! counter by one conditional update that still refuses to pass the
//! capacity, and writes every new reservation and ticket in two statements.

use std::collections::HashSet;

use sea_orm::{ConnectionTrait, DatabaseConnection};
use usher_domain::catalogue::Item;
use usher_domain::ids::UserId;
use usher_domain::tickets::Reservation;
use usher_domain::tickets::reservations::{
    NewReservation, ReservationDecision, ReservationSnapshot, decide_reservations,
};
use usher_domain::time::Timestamp;

use super::{insert, issue, no_shows, snapshot};
use crate::catalogue::lock_items;
use crate::error::StoreError;
use crate::group_commit::Batch;
use crate::transaction::{begin_write, commit};

/// The reservations' writer (see the module's documentation).
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
        let snapshot = read_snapshot(&transaction, requests).await?;
        let batch = decide_reservations(snapshot, requests);

        for &(item_id, tickets) in &batch.issued {
            issue(&transaction, item_id, tickets).await?;
        }
        let issued: Vec<(&Reservation, Option<&str>)> = requests
            .iter()
            .zip(&batch.decisions)
            .filter_map(|((new, _), decision)| match decision {
                ReservationDecision::Issued(reservation) => {
                    Some((reservation, new.idempotency_key.as_deref()))
                }
                ReservationDecision::Replayed(_) | ReservationDecision::Denied(_) => None,
            })
            .collect();
        insert(&transaction, &issued).await?;
        commit(transaction).await?;
        Ok(batch
            .decisions
            .into_iter()
            .map(|decision| match decision {
                ReservationDecision::Issued(reservation)
                | ReservationDecision::Replayed(reservation) => Ok(reservation),
                ReservationDecision::Denied(denial) => Err(denial.into()),
            })
            .collect())
    }
}

/// What the reservations of a batch are decided against, their items and
/// attendees locked in that order.
async fn read_snapshot(
    db: &impl ConnectionTrait,
    requests: &[(NewReservation, Timestamp)],
) -> Result<ReservationSnapshot, StoreError> {
    let items = lock_items(db, requests.iter().map(|(new, _)| new.item_id)).await?;
    let holders =
        snapshot::lock_accounts(db, requests.iter().map(|(new, _)| new.holder_id.as_uuid()))
            .await?;
    let listed: Vec<&Item> = items.values().collect();
    let rules = snapshot::rules(db, &listed).await?;
    let overlaps_matter = listed.iter().any(|item| {
        !rules
            .get(&item.festival_id)
            .is_some_and(|rules| rules.allow_overlapping_tickets)
    });
    let holdings = snapshot::holdings(db, &holders, &listed, overlaps_matter).await?;
    let keys: Vec<(UserId, &str)> = requests
        .iter()
        .filter_map(|(new, _)| Some((new.holder_id, new.idempotency_key.as_deref()?)))
        .collect();
    let by_key = snapshot::reservations_by_key(db, &keys).await?;
    let blocked = no_shows::blocks(db, holders.iter().copied(), &rules).await?;
    let holders: HashSet<UserId> = holders.into_iter().map(UserId::from).collect();
    Ok(ReservationSnapshot {
        items,
        holders,
        rules,
        holdings,
        by_key,
        blocked,
    })
}
