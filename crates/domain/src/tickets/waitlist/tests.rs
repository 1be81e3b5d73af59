use chrono::Duration;

use super::*;
use crate::fixtures::{item_at, valid};
use crate::input::{MinAccountAge, Quantity};
use crate::tickets::ReservationRefusal;
use crate::time;

fn place(tickets: u32, since: Timestamp) -> WaitingPlace {
    WaitingPlace {
        id: WaitlistEntryId::generate(),
        holder_id: UserId::generate(),
        holder_name: valid(Name::parse("displayName", "Mai")),
        holder_since: since,
        blocked_until: None,
        quantity: valid(Quantity::parse("quantity", i64::from(tickets))),
    }
}

/// An item starting in two hours with `left` of its ten tickets left.
fn item_with(left: u32) -> Item {
    let mut item = item_at(time::now() + Duration::hours(2));
    item.tickets_issued = 10 - left;
    item
}

#[test]
fn places_that_come_back_go_first_come_first_served_skipping_what_does_not_fit() {
    let item = item_with(3);
    let long_ago = time::now() - Duration::days(30);
    let line = [
        place(2, long_ago),
        place(2, long_ago),
        place(1, long_ago),
        place(1, long_ago),
    ];
    let promoted = promote_waitlist(
        &item,
        &line,
        ReservationRules::default(),
        &mut Holdings::default(),
        time::now(),
    );
    let entries: Vec<_> = promoted.iter().map(|p| p.entry_id).collect();
    assert_eq!(entries, [line[0].id, line[2].id]);
    assert_eq!(promoted[0].reservation.tickets.len(), 2);
    assert_eq!(promoted[0].reservation.holder_id, line[0].holder_id);
    assert_eq!(
        promoted[0].reservation.tickets[0].holder_name.as_str(),
        "Mai"
    );
}

#[test]
fn a_place_its_attendee_may_not_fill_keeps_its_place() {
    let item = item_with(4);
    let now = time::now();
    let settled = now - Duration::days(30);
    let too_new = place(1, now);
    let at_limit = place(1, settled);
    let overlapping = place(1, settled);
    let fine = place(1, settled);
    let mut holdings = Holdings::default();
    holdings.count(at_limit.holder_id, item.id, 2);
    let other = item_at(item.schedule.starts_at());
    holdings.holds_at(overlapping.holder_id, other.id, other.schedule);
    let mut braked = item.clone();
    braked.requires_settled_account = true;
    let rules = ReservationRules {
        allow_overlapping_tickets: false,
        min_account_age: valid(MinAccountAge::parse("minAccountAge", 60)),
        ..ReservationRules::default()
    };

    let line = [too_new, at_limit, overlapping, fine.clone()];
    let promoted = promote_waitlist(&braked, &line, rules, &mut holdings, now);

    let entries: Vec<_> = promoted.iter().map(|p| p.entry_id).collect();
    assert_eq!(entries, [fine.id]);
    assert_eq!(
        holdings.held(fine.holder_id, item.id),
        1,
        "holdings learn it"
    );

    let allowing = ReservationRules {
        allow_overlapping_tickets: true,
        ..rules
    };
    let promoted = promote_waitlist(&braked, &line[2..3], allowing, &mut holdings, now);
    assert_eq!(promoted.len(), 1, "overlaps allowed");
}

#[test]
fn nothing_is_promoted_for_a_cancelled_or_started_item() {
    let line = [place(1, time::now() - Duration::days(30))];
    let mut cancelled = item_with(5);
    cancelled.cancelled_at = Some(time::now());
    let started = item_with(5);
    let after_start = started.schedule.starts_at();
    let rules = ReservationRules::default();
    let holdings = &mut Holdings::default();
    assert!(promote_waitlist(&cancelled, &line, rules, holdings, time::now()).is_empty());
    assert!(promote_waitlist(&started, &line, rules, holdings, after_start).is_empty());
    let just_before = after_start - Duration::seconds(1);
    assert_eq!(
        promote_waitlist(&started, &line, rules, holdings, just_before).len(),
        1
    );
}

#[test]
fn joining_the_line_needs_a_sold_out_item_the_attendee_could_hold() {
    let now = time::now();
    let settled = now - Duration::days(30);
    let two = valid(Quantity::parse("quantity", 2));
    let rules = ReservationRules::default();
    let check =
        |item: &Item, held, since| check_joining_waitlist(item, rules, since, None, held, two, now);

    assert!(matches!(
        check(&item_with(2), 0, settled),
        Err(TicketDenial::Invalid(invalid)) if invalid.message.contains("2 tickets are")
    ));
    assert_eq!(check(&item_with(1), 0, settled), Ok(()));
    assert!(matches!(
        check(&item_with(1), 1, settled),
        Err(TicketDenial::Refused(
            ReservationRefusal::LimitExceeded { .. }
        ))
    ));
    let mut cancelled = item_with(0);
    cancelled.cancelled_at = Some(now);
    assert!(matches!(
        check(&cancelled, 0, settled),
        Err(TicketDenial::Refused(ReservationRefusal::Closed(_)))
    ));
    let mut braked = item_with(0);
    braked.requires_settled_account = true;
    let braking = ReservationRules {
        min_account_age: valid(MinAccountAge::parse("minAccountAge", 60)),
        ..rules
    };
    assert!(matches!(
        check_joining_waitlist(&braked, braking, now, None, 0, two, now),
        Err(TicketDenial::Refused(
            ReservationRefusal::AccountTooNew { .. }
        ))
    ));
    let until = now + Duration::minutes(1);
    assert_eq!(
        check_joining_waitlist(&item_with(1), rules, settled, Some(until), 0, two, now),
        Err(TicketDenial::Refused(ReservationRefusal::NoShowBlocked {
            until
        }))
    );
    assert_eq!(
        check_joining_waitlist(&item_with(1), rules, settled, Some(until), 0, two, until),
        Ok(())
    );
}

#[test]
fn nothing_is_promoted_once_the_tickets_are_released() {
    let line = [place(1, time::now() - Duration::days(30))];
    let item = crate::fixtures::releasing(&item_with(5), 10);
    let release = item.schedule.release_at().unwrap();
    let rules = ReservationRules::default();
    let holdings = &mut Holdings::default();
    assert!(promote_waitlist(&item, &line, rules, holdings, release).is_empty());
    assert_eq!(
        promote_waitlist(
            &item,
            &line,
            rules,
            holdings,
            release - Duration::seconds(1)
        )
        .len(),
        1
    );
}

#[test]
fn a_place_whose_attendee_is_blocked_waits_until_the_block_ends() {
    let now = time::now();
    let long_ago = now - Duration::days(30);
    let blocked = WaitingPlace {
        blocked_until: Some(now + Duration::minutes(1)),
        ..place(1, long_ago)
    };
    let next = place(1, long_ago);
    let line = [blocked.clone(), next.clone()];
    let rules = ReservationRules::default();

    let promoted = promote_waitlist(&item_with(1), &line, rules, &mut Holdings::default(), now);
    let later = now + Duration::minutes(1);
    let after = promote_waitlist(&item_with(1), &line, rules, &mut Holdings::default(), later);

    assert_eq!(promoted.len(), 1);
    assert_eq!(promoted[0].entry_id, next.id);
    assert_eq!(after[0].entry_id, blocked.id);
}
