use chrono::Duration;

use super::*;
use crate::fixtures::item_at;
use crate::time;

fn policy(limit: u32, days: u32) -> NoShowPolicy {
    NoShowPolicy {
        limit: Some(NoShowLimit::parse("noShowLimit", limit.into()).unwrap()),
        block_days: BlockDays::parse("noShowBlockDays", days.into()).unwrap(),
        ..NoShowPolicy::default()
    }
}

#[test]
fn an_unscanned_ticket_and_a_late_cancellation_are_strikes_and_nothing_else_is() {
    let item = item_at(time::now() - Duration::hours(3));
    let starts = item.schedule.starts_at();
    let policy = NoShowPolicy::default();
    let on_time = starts - Duration::minutes(120);
    let too_late = on_time + Duration::seconds(1);

    assert_eq!(
        strike_of(TicketStatus::Active, None, &item, &policy),
        Some((NoShowKind::NoShow, item.schedule.late_entry_until()))
    );
    assert_eq!(
        strike_of(TicketStatus::Cancelled, Some(too_late), &item, &policy),
        Some((NoShowKind::LateCancellation, too_late))
    );
    assert_eq!(
        strike_of(TicketStatus::Cancelled, Some(on_time), &item, &policy),
        None
    );
    assert_eq!(
        strike_of(TicketStatus::CheckedIn, None, &item, &policy),
        None
    );
    assert_eq!(
        strike_of(TicketStatus::Released, None, &item, &policy),
        None
    );
    let cancelled_item = Item {
        cancelled_at: Some(starts),
        ..item.clone()
    };
    assert_eq!(
        strike_of(TicketStatus::Active, None, &cancelled_item, &policy),
        None
    );
    let lenient = NoShowPolicy {
        cancel_without_penalty: Minutes::of(0),
        ..policy
    };
    assert_eq!(
        strike_of(TicketStatus::Cancelled, Some(starts), &item, &lenient),
        None
    );
}

#[test]
fn every_limit_th_strike_starts_a_block_and_the_count_starts_again() {
    let start = time::now() - Duration::days(30);
    let day = |n: i64| start + Duration::days(n);
    let three_for_a_week = policy(3, 7);

    assert_eq!(blocked_until([day(0), day(1)], &three_for_a_week), None);
    assert_eq!(
        blocked_until([day(2), day(0), day(1)], &three_for_a_week),
        Some(day(2) + Duration::days(7)),
        "in order of time, whatever the order given"
    );
    assert_eq!(
        blocked_until([day(0), day(1), day(2), day(3), day(4)], &three_for_a_week),
        Some(day(2) + Duration::days(7)),
        "two more strikes do not start another block"
    );
    assert_eq!(
        blocked_until((0..6).map(day), &three_for_a_week),
        Some(day(5) + Duration::days(7))
    );
    assert_eq!(
        blocked_until((0..10).map(day), &NoShowPolicy::default()),
        None,
        "no limit, no block"
    );
}

#[test]
fn a_block_holds_until_its_end_and_says_when() {
    let now = time::now();
    assert_eq!(check_not_blocked(None, now), Ok(()));
    assert_eq!(check_not_blocked(Some(now), now), Ok(()));
    let until = now + Duration::seconds(1);
    let refused = check_not_blocked(Some(until), now);
    assert_eq!(refused, Err(ReservationRefusal::NoShowBlocked { until }));
    let message = refused.unwrap_err().to_string();
    assert!(
        message.contains(&until.format("%Y-%m-%d %H:%M UTC").to_string()),
        "{message}"
    );
}

#[test]
fn limits_and_block_lengths_are_kept_in_range() {
    assert!(NoShowLimit::parse("noShowLimit", 0).is_err());
    assert_eq!(
        NoShowLimit::parse("noShowLimit", 100).map(NoShowLimit::get),
        Ok(100)
    );
    assert!(NoShowLimit::parse("noShowLimit", 101).is_err());
    assert!(BlockDays::parse("noShowBlockDays", 0).is_err());
    assert_eq!(
        BlockDays::parse("noShowBlockDays", 365).map(BlockDays::get),
        Ok(365)
    );
    assert!(BlockDays::parse("noShowBlockDays", 366).is_err());
    assert_eq!(
        NoShowKind::from_stored(NoShowKind::LateCancellation.as_str()),
        Some(NoShowKind::LateCancellation)
    );
    assert_eq!(NoShowKind::from_stored("LATE"), None);
}
