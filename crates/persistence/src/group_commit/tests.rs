//! Batches decided as a whole: what each request is answered when the ones
//! before it in the same transaction changed the picture. Concurrent
//! requests usually share a batch, but not always; these tests build the
//! batches themselves so that every such case is certain to be exercised.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use usher_domain::catalogue::{Item, Venue};
use usher_domain::door::{CheckInOutcome, Scan, ScannedBy};
use usher_domain::ids::UserId;
use usher_domain::input::Name;
use usher_domain::tickets::{Quantity, ReservationRefusal, Ticket, TicketClaims};
use usher_domain::time::{self, Timestamp};

use super::Batch;
use crate::door::batch::DoorScans;
use crate::testing::festival;
use crate::tickets::batch::Reservations;
use crate::{NewReservation, ScanAttempt, StoreError};
use usher_domain::door::batch::ScanDecision;

fn reservation(
    item: &Item,
    holder: UserId,
    quantity: u32,
    key: Option<&str>,
) -> (NewReservation, Timestamp) {
    let new = NewReservation {
        item_id: item.id,
        holder_id: holder,
        holder_since: time::now(),
        quantity: Quantity::parse("quantity", quantity.into()).unwrap(),
        holder_names: vec![Name::parse("name", "Holder").unwrap(); quantity as usize],
        idempotency_key: key.map(str::to_owned),
    };
    (new, time::now())
}

fn scan(venue: &Venue, ticket: &Ticket, by: UserId) -> ScanAttempt {
    ScanAttempt {
        claims: Some(TicketClaims {
            ticket_id: ticket.id,
            item_id: ticket.item_id,
        }),
        scan: Scan {
            festival_id: venue.festival_id,
            venue_id: venue.id,
            item_id: None,
            at: time::now(),
        },
        gate: Some("A".to_owned()),
        by: ScannedBy::Account(by),
        client_scan_id: None,
        offline: false,
    }
}

#[tokio::test]
async fn a_batch_of_reservations_keeps_every_rule_among_its_own_requests() {
    let festival = festival(100, 4).await;
    let [early, late] = &festival.items;
    let mut attendees = Vec::new();
    for name in ["ana", "bo", "cy", "dee"] {
        attendees.push(festival.attendee(name).await);
    }
    let [ana, bo, cy, dee] = attendees[..] else {
        unreachable!("four attendees")
    };

    let answers = Reservations::apply(
        &festival.store.db,
        &[
            reservation(early, ana, 1, Some("first")),
            reservation(early, ana, 1, Some("first")),
            reservation(early, ana, 2, None),
            reservation(late, bo, 1, None),
            reservation(early, bo, 1, None),
            reservation(early, cy, 2, None),
            reservation(early, dee, 2, None),
        ],
    )
    .await
    .unwrap();

    let refusal = |index: usize| match &answers[index] {
        Err(StoreError::Refused(refusal)) => *refusal,
        other => panic!("answer {index} should be a refusal: {other:?}"),
    };
    let first = answers[0].as_ref().unwrap();
    assert_eq!(
        answers[1].as_ref().unwrap().id,
        first.id,
        "one key, one reservation"
    );
    assert_eq!(
        refusal(2),
        ReservationRefusal::LimitExceeded { limit: 2, held: 1 },
        "the limit counts what the batch gave before"
    );
    assert!(answers[3].is_ok());
    assert_eq!(
        refusal(4),
        ReservationRefusal::Overlapping,
        "a ticket given earlier in the batch overlaps"
    );
    assert!(answers[5].is_ok());
    assert_eq!(
        refusal(6),
        ReservationRefusal::SoldOut { left: 1, asked: 2 },
        "the room counts what the batch gave before"
    );
    let counts = festival
        .store
        .item_counts(&[early.id, late.id])
        .await
        .unwrap();
    for (item, issued) in [(0, 3), (1, 1)] {
        assert_eq!(festival.item(item).await.tickets_issued, issued);
        assert_eq!(counts[&festival.items[item].id].issued, issued, "rows");
    }
}

#[tokio::test]
async fn a_batch_of_scans_admits_each_ticket_once_and_never_past_the_hall() {
    let festival = festival(2, 10).await;
    let [early, _] = &festival.items;
    let staff = festival.attendee("staff").await;
    let mut tickets = Vec::new();
    for name in ["ana", "bo", "cy"] {
        let holder = festival.attendee(name).await;
        let (new, now) = reservation(early, holder, 1, None);
        let reserved = festival.store.reserve(new, now).await.unwrap();
        tickets.extend(reserved.tickets);
    }
    let venue = &festival.venue;

    let not_a_code = ScanAttempt {
        claims: None,
        ..scan(venue, &tickets[0], staff)
    };
    let answers = DoorScans::apply(
        &festival.store.db,
        &[
            not_a_code,
            scan(venue, &tickets[0], staff),
            scan(venue, &tickets[0], staff),
            scan(venue, &tickets[1], staff),
            scan(venue, &tickets[2], staff),
            scan(venue, &tickets[1], staff),
        ],
    )
    .await
    .unwrap();

    let outcomes: Vec<CheckInOutcome> = answers
        .into_iter()
        .map(|answer| match answer.unwrap() {
            ScanDecision::Settled(result) => result.outcome,
            ScanDecision::Recorded => {
                panic!("online scans without an id are settled in their batch")
            }
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            CheckInOutcome::InvalidCode,
            CheckInOutcome::Admitted,
            CheckInOutcome::AlreadyCheckedIn,
            CheckInOutcome::Admitted,
            CheckInOutcome::VenueFull,
            CheckInOutcome::AlreadyCheckedIn,
        ]
    );
    assert_eq!(festival.item(0).await.admitted, 2);
    let counts = festival.store.item_counts(&[early.id]).await.unwrap();
    assert_eq!(counts[&early.id].checked_in, 2, "rows");
    let recorded = festival
        .store
        .scans_of_item(early.id, None, None, None, 10)
        .await
        .unwrap();
    assert_eq!(
        recorded.total_count, 5,
        "every scan of the item is recorded, refusals too, and nothing else \
         (six rows are written as eight)"
    );
}

#[tokio::test]
async fn a_scan_sent_twice_in_one_batch_is_decided_and_recorded_once() {
    let festival = festival(2, 10).await;
    let [early, _] = &festival.items;
    let staff = festival.attendee("staff").await;
    let holder = festival.attendee("ana").await;
    let (new, now) = reservation(early, holder, 1, None);
    let ticket = festival.store.reserve(new, now).await.unwrap().tickets[0].clone();
    let sent = || ScanAttempt {
        client_scan_id: Some("gate-a-1".to_owned()),
        ..scan(&festival.venue, &ticket, staff)
    };

    let answers = DoorScans::apply(&festival.store.db, &[sent(), sent()])
        .await
        .unwrap();
    let resent = DoorScans::apply(&festival.store.db, &[sent()])
        .await
        .unwrap();

    assert!(
        matches!(&answers[0], Ok(ScanDecision::Settled(result)) if result.outcome == CheckInOutcome::Admitted),
        "{answers:?}"
    );
    assert!(
        matches!(answers[1], Ok(ScanDecision::Recorded)),
        "{answers:?}"
    );
    assert!(
        matches!(resent[0], Ok(ScanDecision::Recorded)),
        "{resent:?}"
    );
    let recorded = festival
        .store
        .scans_of_item(early.id, None, None, None, 10)
        .await
        .unwrap();
    assert_eq!(recorded.total_count, 1);
    assert_eq!(festival.item(0).await.admitted, 1);
}

/// Doubles numbers; a batch holding a negative one fails as a whole.
struct Doubling;

impl Batch for Doubling {
    const NAME: &'static str = "doubling";
    type Request = i32;
    type Answer = i32;

    async fn apply(
        _: &sea_orm::DatabaseConnection,
        requests: &[i32],
    ) -> Result<Vec<Result<i32, StoreError>>, StoreError> {
        if requests.iter().any(|number| *number < 0) {
            return Err(StoreError::NotFound("a positive number"));
        }
        Ok(requests.iter().map(|number| Ok(number * 2)).collect())
    }
}

#[tokio::test]
async fn a_failed_batch_is_retried_one_request_at_a_time() {
    let writer =
        super::Writer::<Doubling>::spawn(sea_orm::DatabaseConnection::default(), Arc::default());

    // On this single-threaded runtime all four are queued before the
    // writer runs: they share a batch.
    let answers = tokio::join!(
        writer.submit(1),
        writer.submit(-2),
        writer.submit(3),
        writer.submit(4)
    );

    assert_eq!(answers.0.unwrap(), 2);
    assert!(matches!(answers.1, Err(StoreError::NotFound(_))));
    assert_eq!(answers.2.unwrap(), 6);
    assert_eq!(answers.3.unwrap(), 8);
    let stats = writer.stats();
    assert_eq!((stats.batches, stats.requests), (1, 4));
}

fn connection_reset() -> sea_orm::DbErr {
    let io = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
    sea_orm::DbErr::Exec(sea_orm::RuntimeErr::SqlxError(Arc::new(
        sea_orm::sqlx::Error::Io(io),
    )))
}

/// Loses its connection before COMMIT on the first try, then succeeds.
struct BrokenOnce;

static BROKEN_ONCE_TRIES: AtomicUsize = AtomicUsize::new(0);

impl Batch for BrokenOnce {
    const NAME: &'static str = "broken-once";
    type Request = i32;
    type Answer = i32;

    async fn apply(
        _: &sea_orm::DatabaseConnection,
        requests: &[i32],
    ) -> Result<Vec<Result<i32, StoreError>>, StoreError> {
        if BROKEN_ONCE_TRIES.fetch_add(1, Ordering::SeqCst) == 0 {
            return Err(connection_reset().into());
        }
        Ok(requests.iter().map(|number| Ok(*number)).collect())
    }
}

#[tokio::test]
async fn a_batch_whose_connection_broke_before_commit_runs_once_more() {
    let writer =
        super::Writer::<BrokenOnce>::spawn(sea_orm::DatabaseConnection::default(), Arc::default());

    let answers = tokio::join!(writer.submit(1), writer.submit(2));

    assert_eq!((answers.0.unwrap(), answers.1.unwrap()), (1, 2));
    assert_eq!(BROKEN_ONCE_TRIES.load(Ordering::SeqCst), 2);
}

/// Loses its connection while committing, every time.
struct BrokenAtCommit;

static BROKEN_AT_COMMIT_TRIES: AtomicUsize = AtomicUsize::new(0);

impl Batch for BrokenAtCommit {
    const NAME: &'static str = "broken-at-commit";
    type Request = i32;
    type Answer = i32;

    async fn apply(
        _: &sea_orm::DatabaseConnection,
        _: &[i32],
    ) -> Result<Vec<Result<i32, StoreError>>, StoreError> {
        BROKEN_AT_COMMIT_TRIES.fetch_add(1, Ordering::SeqCst);
        Err(crate::error::commit_failed(connection_reset()))
    }
}

#[tokio::test]
async fn a_batch_whose_commit_was_cut_off_is_not_run_again_and_answers_unavailable() {
    let writer = super::Writer::<BrokenAtCommit>::spawn(
        sea_orm::DatabaseConnection::default(),
        Arc::default(),
    );

    let answers = tokio::join!(writer.submit(1), writer.submit(2), writer.submit(3));

    // Neither again as a batch nor one by one: the server may have
    // committed it.
    assert_eq!(BROKEN_AT_COMMIT_TRIES.load(Ordering::SeqCst), 1);
    for answer in [answers.0, answers.1, answers.2] {
        let Err(StoreError::Unavailable(outage)) = answer else {
            panic!("expected UNAVAILABLE: {answer:?}");
        };
        assert_eq!(outage.kind(), crate::OutageKind::Unreachable);
        assert!(outage.message().contains("may or may not have been made"));
    }
}
