use chrono::Duration;

use super::*;
use crate::fixtures::{item_at, ticket, venue_of};
use crate::ids::{ScannerId, UserId};
use crate::time;

/// A hall of `capacity` showing an item whose doors are open now, with
/// `tickets` unused tickets for it.
struct Door {
    item: Item,
    venue: Venue,
    tickets: Vec<Ticket>,
    now: Timestamp,
}

impl Door {
    fn new(capacity: u32, tickets: usize) -> Self {
        let now = time::now();
        let item = item_at(now + Duration::minutes(10));
        let venue = venue_of(&item, capacity);
        let tickets = (0..tickets)
            .map(|_| ticket(&item, TicketStatus::Active))
            .collect();
        Self {
            item,
            venue,
            tickets,
            now,
        }
    }

    fn snapshot(&self) -> DoorSnapshot {
        DoorSnapshot {
            tickets: self.tickets.iter().map(|t| (t.id, t.clone())).collect(),
            items: HashMap::from([(self.item.id, self.item.clone())]),
            venues: HashMap::from([(self.venue.id, self.venue.clone())]),
            recorded: HashSet::new(),
        }
    }

    fn scan(&self, ticket: &Ticket) -> ScanAttempt {
        self.scan_at(ticket, self.now)
    }

    fn scan_at(&self, ticket: &Ticket, at: Timestamp) -> ScanAttempt {
        ScanAttempt {
            claims: Some(ticket.claims()),
            scan: Scan {
                festival_id: self.item.festival_id,
                venue_id: self.venue.id,
                item_id: None,
                at,
            },
            gate: Some("North".to_owned()),
            by: ScannedBy::Account(UserId::generate()),
            client_scan_id: None,
            offline: false,
        }
    }

    fn offline_at(&self, ticket: &Ticket, at: Timestamp, id: &str) -> ScanAttempt {
        ScanAttempt {
            by: ScannedBy::Device(ScannerId::generate()),
            client_scan_id: Some(id.to_owned()),
            offline: true,
            gate: Some("South".to_owned()),
            ..self.scan_at(ticket, at)
        }
    }
}

fn settled(decision: &ScanDecision) -> &ScanResult {
    match decision {
        ScanDecision::Settled(result) => result,
        ScanDecision::Recorded => panic!("expected a settled scan, got one from the record"),
    }
}

fn outcomes(batch: &DoorBatch) -> Vec<CheckInOutcome> {
    batch
        .decisions
        .iter()
        .map(|decision| settled(decision).outcome)
        .collect()
}

#[test]
fn a_batch_admits_each_ticket_once_and_never_past_the_hall() {
    let door = Door::new(3, 5);
    let mut attempts: Vec<ScanAttempt> = door.tickets.iter().map(|t| door.scan(t)).collect();
    attempts.insert(1, door.scan(&door.tickets[0]));

    let batch = decide_scans(door.snapshot(), &attempts);

    use CheckInOutcome::{Admitted, AlreadyCheckedIn, VenueFull};
    assert_eq!(
        outcomes(&batch),
        [
            Admitted,
            AlreadyCheckedIn,
            Admitted,
            Admitted,
            VenueFull,
            VenueFull
        ]
    );
    assert_eq!(
        batch.admissions,
        [Admissions {
            item_id: door.item.id,
            newly: 3,
            capacity: 3
        }]
    );
    let checked_in: Vec<TicketId> = batch.checked_in.iter().map(|t| t.id).collect();
    let first_three: Vec<TicketId> = door.tickets[..3].iter().map(|t| t.id).collect();
    assert_eq!(checked_in, first_three);
    assert!(batch.checked_in.iter().all(|t| {
        t.status == TicketStatus::CheckedIn
            && t.checked_in_at == Some(door.now)
            && t.checked_in_gate.as_deref() == Some("North")
    }));
    assert!(batch.first_check_in_moved.is_empty());
}

#[test]
fn people_admitted_before_the_batch_count_against_the_hall() {
    let mut door = Door::new(3, 2);
    door.item.admitted = 2;
    let attempts: Vec<ScanAttempt> = door.tickets.iter().map(|t| door.scan(t)).collect();

    let batch = decide_scans(door.snapshot(), &attempts);

    assert_eq!(
        outcomes(&batch),
        [CheckInOutcome::Admitted, CheckInOutcome::VenueFull]
    );
    assert_eq!(batch.admissions[0].newly, 1);
}

#[test]
fn a_batch_with_no_admission_changes_nothing() {
    let mut door = Door::new(1, 1);
    door.item.admitted = 1;
    let batch = decide_scans(door.snapshot(), &[door.scan(&door.tickets[0])]);
    assert_eq!(outcomes(&batch), [CheckInOutcome::VenueFull]);
    assert!(batch.admissions.is_empty());
    assert!(batch.checked_in.is_empty());
}

#[test]
fn a_code_that_names_no_ticket_of_this_item_shows_nothing() {
    let door = Door::new(10, 1);
    let forged = ScanAttempt {
        claims: None,
        ..door.scan(&door.tickets[0])
    };
    let other_item = ScanAttempt {
        claims: Some(TicketClaims {
            ticket_id: door.tickets[0].id,
            item_id: ItemId::generate(),
        }),
        ..door.scan(&door.tickets[0])
    };
    let missing = door.scan(&ticket(&door.item, TicketStatus::Active));
    let mut no_venue = door.snapshot();
    no_venue.venues.clear();

    let batch = decide_scans(door.snapshot(), &[forged, other_item, missing]);
    let without_venue = decide_scans(no_venue, &[door.scan(&door.tickets[0])]);

    use CheckInOutcome::{InvalidCode, UnknownTicket};
    assert_eq!(
        outcomes(&batch),
        [InvalidCode, UnknownTicket, UnknownTicket]
    );
    assert_eq!(outcomes(&without_venue), [UnknownTicket]);
    for result in batch.decisions.iter().chain(&without_venue.decisions) {
        let result = settled(result);
        assert!(result.ticket.is_none() && result.item.is_none() && result.venue.is_none());
        assert!(!result.conflict);
    }
}

#[test]
fn a_ticket_of_another_festival_is_unknown_to_this_ones_staff() {
    let door = Door::new(10, 1);
    let mut attempt = door.scan(&door.tickets[0]);
    attempt.scan.festival_id = crate::ids::FestivalId::generate();
    let batch = decide_scans(door.snapshot(), &[attempt]);
    assert_eq!(outcomes(&batch), [CheckInOutcome::UnknownTicket]);
    assert!(settled(&batch.decisions[0]).ticket.is_none());
}

#[test]
fn a_refusal_shows_the_ticket_and_is_a_conflict_only_offline() {
    let mut door = Door::new(10, 1);
    door.tickets[0].status = TicketStatus::Cancelled;
    let online = door.scan(&door.tickets[0]);
    let offline = door.offline_at(&door.tickets[0], door.now, "1");

    let batch = decide_scans(door.snapshot(), &[online, offline]);

    assert_eq!(
        outcomes(&batch),
        [CheckInOutcome::Cancelled, CheckInOutcome::Cancelled]
    );
    let (online, offline) = (settled(&batch.decisions[0]), settled(&batch.decisions[1]));
    assert_eq!(
        online.ticket.as_ref().map(|t| t.id),
        Some(door.tickets[0].id)
    );
    assert_eq!(online.venue.as_ref().map(|v| v.id), Some(door.venue.id));
    assert!(!online.conflict);
    assert!(offline.conflict);
    assert!(batch.checked_in.is_empty());
}

#[test]
fn an_invalid_code_uploaded_from_an_offline_scanner_is_a_conflict() {
    let door = Door::new(10, 1);
    let attempt = ScanAttempt {
        claims: None,
        ..door.offline_at(&door.tickets[0], door.now, "1")
    };
    let batch = decide_scans(door.snapshot(), &[attempt]);
    assert!(settled(&batch.decisions[0]).conflict);
}

#[test]
fn a_scan_sent_twice_is_decided_once_and_then_answered_from_the_record() {
    let door = Door::new(10, 2);
    let first = door.offline_at(&door.tickets[0], door.now, "scan-1");
    let again = first.clone();
    let recorded_before = door.offline_at(&door.tickets[1], door.now, "scan-2");
    let mut snapshot = door.snapshot();
    snapshot.recorded.extend(recorded_before.client_scan_key());

    let batch = decide_scans(snapshot, &[first, again, recorded_before]);

    assert_eq!(
        settled(&batch.decisions[0]).outcome,
        CheckInOutcome::Admitted
    );
    assert!(matches!(batch.decisions[1], ScanDecision::Recorded));
    assert!(matches!(batch.decisions[2], ScanDecision::Recorded));
    assert_eq!(batch.checked_in.len(), 1);
    assert_eq!(batch.admissions[0].newly, 1);
}

#[test]
fn scans_without_an_id_are_each_decided() {
    let door = Door::new(10, 1);
    let scan = door.scan(&door.tickets[0]);
    let batch = decide_scans(door.snapshot(), &[scan.clone(), scan]);
    assert_eq!(
        outcomes(&batch),
        [CheckInOutcome::Admitted, CheckInOutcome::AlreadyCheckedIn]
    );
}

#[test]
fn an_offline_scan_before_the_first_check_in_takes_its_place() {
    let mut door = Door::new(10, 1);
    let first_at = door.now;
    door.tickets[0].status = TicketStatus::CheckedIn;
    door.tickets[0].checked_in_at = Some(first_at);
    door.item.admitted = 1;
    let earlier = door.offline_at(&door.tickets[0], first_at - Duration::minutes(5), "1");

    let batch = decide_scans(door.snapshot(), &[earlier]);

    let result = settled(&batch.decisions[0]);
    assert_eq!(result.outcome, CheckInOutcome::Admitted);
    assert!(!result.conflict);
    assert_eq!(
        result.first_check_in(),
        Some((first_at - Duration::minutes(5), Some("South")))
    );
    assert!(
        batch.checked_in.is_empty(),
        "the ticket was checked in before"
    );
    assert!(batch.admissions.is_empty(), "nobody more is inside");
    assert_eq!(batch.first_check_in_moved.len(), 1);
    assert_eq!(
        batch.first_check_in_moved[0].checked_in_at,
        Some(first_at - Duration::minutes(5))
    );
}

#[test]
fn an_offline_scan_after_the_first_check_in_is_the_conflict() {
    let mut door = Door::new(10, 1);
    door.tickets[0].status = TicketStatus::CheckedIn;
    door.tickets[0].checked_in_at = Some(door.now - Duration::minutes(5));
    let later = door.offline_at(&door.tickets[0], door.now, "1");
    let same_time = door.offline_at(&door.tickets[0], door.now - Duration::minutes(5), "2");

    let batch = decide_scans(door.snapshot(), &[later, same_time]);

    for decision in &batch.decisions {
        let result = settled(decision);
        assert_eq!(result.outcome, CheckInOutcome::AlreadyCheckedIn);
        assert!(result.conflict);
    }
    assert!(batch.first_check_in_moved.is_empty());
}

#[test]
fn an_earlier_offline_scan_in_the_same_batch_makes_the_online_admission_the_conflict() {
    let door = Door::new(10, 1);
    let online = door.scan(&door.tickets[0]);
    let earlier = door.offline_at(&door.tickets[0], door.now - Duration::minutes(2), "1");
    let earliest = door.offline_at(&door.tickets[0], door.now - Duration::minutes(4), "2");

    let batch = decide_scans(door.snapshot(), &[online, earlier, earliest]);

    assert_eq!(
        outcomes(&batch),
        [CheckInOutcome::Admitted; 3],
        "each came first when it was decided"
    );
    let conflicts: Vec<bool> = batch
        .decisions
        .iter()
        .map(|decision| settled(decision).conflict)
        .collect();
    assert_eq!(conflicts, [true, true, false]);
    assert_eq!(batch.admissions[0].newly, 1, "one person is inside");
    assert_eq!(batch.checked_in.len(), 1);
    assert_eq!(
        batch.checked_in[0].checked_in_at,
        Some(door.now - Duration::minutes(4))
    );
    assert!(batch.first_check_in_moved.is_empty());
}

#[test]
fn an_offline_scan_that_would_not_have_admitted_then_does_not_take_the_place() {
    let mut door = Door::new(10, 1);
    door.tickets[0].status = TicketStatus::CheckedIn;
    door.tickets[0].checked_in_at = Some(door.now);
    let before_doors = door.item.schedule.doors_open_at() - Duration::minutes(1);
    let too_early = door.offline_at(&door.tickets[0], before_doors, "1");

    let batch = decide_scans(door.snapshot(), &[too_early]);

    let result = settled(&batch.decisions[0]);
    assert_eq!(result.outcome, CheckInOutcome::TooEarly);
    assert!(result.conflict);
    assert!(batch.first_check_in_moved.is_empty());
}

#[test]
fn an_offline_scan_before_the_release_admits_a_released_ticket_while_the_hall_has_room() {
    let mut door = Door::new(1, 2);
    door.item = crate::fixtures::releasing(&door.item, 10);
    let release = door.item.schedule.release_at().unwrap();
    for ticket in &mut door.tickets {
        ticket.status = TicketStatus::Released;
    }
    let before = release - Duration::minutes(1);
    let attempts = [
        door.offline_at(&door.tickets[0], before, "one"),
        door.offline_at(&door.tickets[1], before, "two"),
        door.offline_at(&door.tickets[1], release, "three"),
    ];

    let batch = decide_scans(door.snapshot(), &attempts);

    use CheckInOutcome::{Admitted, Released, VenueFull};
    assert_eq!(outcomes(&batch), [Admitted, VenueFull, Released]);
    assert!(!settled(&batch.decisions[0]).conflict);
    assert!(
        settled(&batch.decisions[1]).conflict,
        "the phone let in one the hall had no room for"
    );
    assert_eq!(batch.checked_in.len(), 1);
    assert_eq!(batch.checked_in[0].id, door.tickets[0].id);
    assert_eq!(batch.admissions[0].newly, 1);
}
