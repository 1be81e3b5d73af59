use chrono::Duration;

use super::*;
use crate::fixtures::{item_at, valid};
use crate::input::Capacity;
use crate::tickets::ReservationRefusal;
use crate::time;

/// Two items of one festival on at the same time (four tickets each, two
/// per attendee), and attendees whose accounts exist.
struct Programme {
    early: Item,
    late: Item,
    attendees: Vec<UserId>,
    now: Timestamp,
}

impl Programme {
    fn new() -> Self {
        let now = time::now();
        let mut early = item_at(now + Duration::hours(2));
        let mut late = item_at(now + Duration::hours(3));
        late.festival_id = early.festival_id;
        for item in [&mut early, &mut late] {
            item.ticket_capacity = valid(Capacity::parse("ticketCapacity", 4));
        }
        Self {
            early,
            late,
            attendees: (0..4).map(|_| UserId::generate()).collect(),
            now,
        }
    }

    fn snapshot(&self) -> ReservationSnapshot {
        ReservationSnapshot {
            items: HashMap::from([
                (self.early.id, self.early.clone()),
                (self.late.id, self.late.clone()),
            ]),
            holders: self.attendees.iter().copied().collect(),
            ..ReservationSnapshot::default()
        }
    }

    fn ask(
        &self,
        item: &Item,
        who: usize,
        tickets: u32,
        key: Option<&str>,
    ) -> (NewReservation, Timestamp) {
        let names = (0..tickets)
            .map(|n| valid(Name::parse("holderNames", &format!("Guest {n}"))))
            .collect();
        let new = NewReservation {
            item_id: item.id,
            holder_id: self.attendees[who],
            holder_since: self.now - Duration::days(30),
            quantity: valid(Quantity::parse("quantity", i64::from(tickets))),
            holder_names: names,
            idempotency_key: key.map(str::to_owned),
        };
        (new, self.now)
    }
}

fn refusal(decision: &ReservationDecision) -> ReservationRefusal {
    match decision {
        ReservationDecision::Denied(TicketDenial::Refused(refusal)) => *refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn issued(decision: &ReservationDecision) -> &Reservation {
    match decision {
        ReservationDecision::Issued(reservation) => reservation,
        other => panic!("expected new tickets, got {other:?}"),
    }
}

#[test]
fn a_batch_keeps_every_rule_among_its_own_requests() {
    let festival = Programme::new();
    let (early, late) = (&festival.early, &festival.late);

    let batch = decide_reservations(
        festival.snapshot(),
        &[
            festival.ask(early, 0, 1, Some("first")),
            festival.ask(early, 0, 1, Some("first")),
            festival.ask(early, 0, 2, None),
            festival.ask(late, 1, 1, None),
            festival.ask(early, 1, 1, None),
            festival.ask(early, 2, 2, None),
            festival.ask(early, 3, 2, None),
        ],
    );

    let d = &batch.decisions;
    let first = issued(&d[0]);
    assert_eq!(
        d[1],
        ReservationDecision::Replayed(first.clone()),
        "one key, one reservation"
    );
    assert_eq!(
        refusal(&d[2]),
        ReservationRefusal::LimitExceeded { limit: 2, held: 1 },
        "the limit counts what the batch gave before"
    );
    issued(&d[3]);
    assert_eq!(
        refusal(&d[4]),
        ReservationRefusal::Overlapping,
        "a ticket given earlier in the batch overlaps"
    );
    issued(&d[5]);
    assert_eq!(
        refusal(&d[6]),
        ReservationRefusal::SoldOut { left: 1, asked: 2 },
        "the room counts what the batch gave before"
    );
    let mut counts = batch.issued.clone();
    counts.sort_by_key(|(item, _)| *item != early.id);
    assert_eq!(counts, [(early.id, 3), (late.id, 1)]);
}

#[test]
fn a_festival_that_allows_overlaps_lets_an_attendee_hold_both() {
    let festival = Programme::new();
    let mut snapshot = festival.snapshot();
    snapshot.rules.insert(
        festival.early.festival_id,
        ReservationRules {
            allow_overlapping_tickets: true,
            ..ReservationRules::default()
        },
    );
    let batch = decide_reservations(
        snapshot,
        &[
            festival.ask(&festival.late, 0, 1, None),
            festival.ask(&festival.early, 0, 1, None),
        ],
    );
    issued(&batch.decisions[1]);
}

#[test]
fn tickets_held_before_the_batch_count_toward_the_limit_and_overlaps() {
    let festival = Programme::new();
    let mut snapshot = festival.snapshot();
    let (ana, bo) = (festival.attendees[0], festival.attendees[1]);
    snapshot.holdings.count(ana, festival.early.id, 2);
    snapshot
        .holdings
        .holds_at(bo, festival.late.id, festival.late.schedule);
    let batch = decide_reservations(
        snapshot,
        &[
            festival.ask(&festival.early, 0, 1, None),
            festival.ask(&festival.early, 1, 1, None),
        ],
    );
    assert_eq!(
        refusal(&batch.decisions[0]),
        ReservationRefusal::LimitExceeded { limit: 2, held: 2 }
    );
    assert_eq!(
        refusal(&batch.decisions[1]),
        ReservationRefusal::Overlapping
    );
    assert!(batch.issued.is_empty());
}

#[test]
fn a_key_used_before_the_batch_answers_the_same_request_and_refuses_another() {
    let festival = Programme::new();
    let mut snapshot = festival.snapshot();
    let before = Reservation::draft(
        festival.early.id,
        festival.attendees[0],
        &[valid(Name::parse("n", "Guest 0"))],
        festival.now,
    );
    snapshot
        .by_key
        .insert((festival.attendees[0], "k".to_owned()), before.clone());
    let batch = decide_reservations(
        snapshot,
        &[
            festival.ask(&festival.early, 0, 1, Some("k")),
            festival.ask(&festival.late, 0, 1, Some("k")),
            festival.ask(&festival.late, 1, 1, Some("k")),
        ],
    );
    assert_eq!(batch.decisions[0], ReservationDecision::Replayed(before));
    assert!(matches!(
        &batch.decisions[1],
        ReservationDecision::Denied(TicketDenial::Invalid(invalid)) if invalid.field == "idempotencyKey"
    ));
    issued(&batch.decisions[2]);
}

#[test]
fn refusals_come_in_order_window_then_age_then_stock_then_attendee() {
    let festival = Programme::new();
    let mut closed = festival.early.clone();
    closed.cancelled_at = Some(festival.now);
    closed.tickets_issued = 4;
    let mut braked = festival.early.clone();
    braked.requires_settled_account = true;
    braked.tickets_issued = 4;
    let rules = ReservationRules {
        allow_overlapping_tickets: false,
        min_account_age: valid(crate::input::MinAccountAge::parse("minAccountAge", 60)),
        ..ReservationRules::default()
    };
    let mut snapshot = festival.snapshot();
    snapshot.rules.insert(festival.early.festival_id, rules);
    snapshot.holders.clear();

    let decide = |item: &Item| {
        let mut snapshot = snapshot.clone();
        snapshot.items.insert(item.id, item.clone());
        let (mut new, now) = festival.ask(item, 0, 1, None);
        new.holder_since = now;
        decide_reservations(snapshot, &[(new, now)]).decisions
    };
    assert!(matches!(
        refusal(&decide(&closed)[0]),
        ReservationRefusal::Closed(_)
    ));
    assert!(matches!(
        refusal(&decide(&braked)[0]),
        ReservationRefusal::AccountTooNew { .. }
    ));
    let mut full = festival.early.clone();
    full.tickets_issued = 4;
    assert!(matches!(
        refusal(&decide(&full)[0]),
        ReservationRefusal::SoldOut { .. }
    ));
    assert_eq!(
        decide(&festival.early)[0],
        ReservationDecision::Denied(TicketDenial::NotFound("user"))
    );
}

#[test]
fn an_unknown_item_is_not_found() {
    let festival = Programme::new();
    let mut elsewhere = festival.early.clone();
    elsewhere.id = ItemId::generate();
    let batch = decide_reservations(festival.snapshot(), &[festival.ask(&elsewhere, 0, 1, None)]);
    assert_eq!(
        batch.decisions[0],
        ReservationDecision::Denied(TicketDenial::NotFound("item"))
    );
}

#[test]
fn new_tickets_are_unused_one_per_name() {
    let festival = Programme::new();
    let batch = decide_reservations(
        festival.snapshot(),
        &[festival.ask(&festival.early, 0, 2, None)],
    );
    let reservation = issued(&batch.decisions[0]);
    assert_eq!(reservation.tickets.len(), 2);
    for (n, ticket) in reservation.tickets.iter().enumerate() {
        assert_eq!(ticket.holder_name.as_str(), format!("Guest {n}"));
        assert_eq!(ticket.status, TicketStatus::Active);
        assert_eq!(ticket.reservation_id, reservation.id);
        assert_eq!(ticket.holder_id, festival.attendees[0]);
        assert_eq!(ticket.issued_at, festival.now);
    }
}

#[test]
fn the_last_tickets_can_be_reserved_and_the_batch_counts_only_its_own() {
    let mut festival = Programme::new();
    festival.early.tickets_issued = 2;
    let batch = decide_reservations(
        festival.snapshot(),
        &[festival.ask(&festival.early, 0, 2, None)],
    );
    issued(&batch.decisions[0]);
    assert_eq!(batch.issued, [(festival.early.id, 2)]);
}

#[test]
fn only_another_item_at_the_same_time_overlaps() {
    let festival = Programme::new();
    let ana = festival.attendees[0];
    let mut next_day = festival.late.clone();
    next_day.id = ItemId::generate();
    next_day.schedule = item_at(festival.now + Duration::days(1)).schedule;
    let mut snapshot = festival.snapshot();
    snapshot
        .holdings
        .holds_at(ana, festival.early.id, festival.early.schedule);
    snapshot
        .holdings
        .holds_at(ana, next_day.id, next_day.schedule);
    assert!(!snapshot.holdings.overlapping(ana, &festival.early));
    assert!(snapshot.holdings.overlapping(ana, &festival.late));

    let batch = decide_reservations(snapshot, &[festival.ask(&festival.early, 0, 1, None)]);
    issued(&batch.decisions[0]);
}

#[test]
fn an_attendee_blocked_for_no_shows_is_refused_until_the_block_ends_at_that_festival_only() {
    let festival = Programme::new();
    let early = &festival.early;
    let until = festival.now + Duration::seconds(1);
    let mut snapshot = festival.snapshot();
    snapshot
        .blocked
        .insert((festival.attendees[0], early.festival_id), until);
    let elsewhere = Item {
        festival_id: crate::ids::FestivalId::generate(),
        ..item_at(festival.now + Duration::days(2))
    };
    snapshot.items.insert(elsewhere.id, elsewhere.clone());
    let (at_the_end, _) = festival.ask(early, 0, 1, None);

    let batch = decide_reservations(
        snapshot,
        &[
            festival.ask(early, 0, 1, None),
            festival.ask(&elsewhere, 0, 1, None),
            festival.ask(early, 1, 1, None),
            (at_the_end, until),
        ],
    );

    let d = &batch.decisions;
    assert_eq!(refusal(&d[0]), ReservationRefusal::NoShowBlocked { until });
    issued(&d[1]);
    issued(&d[2]);
    issued(&d[3]);
}
