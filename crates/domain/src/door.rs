//! The door: what a scan means, decided in DESIGN.md's order, and the
//! sentence door staff read out.

use chrono::Datelike;
use chrono_tz::Tz;
use fluent_bundle::FluentArgs;

use crate::catalogue::Item;
use crate::ids::{FestivalId, ItemId, ScanId, ScannerId, TicketId, UserId, VenueId};
use crate::input::{InvalidInput, Label};
use crate::language::{Language, say};
use crate::tickets::{Ticket, TicketStatus};
use crate::time::Timestamp;
use crate::wording::count;

pub mod batch;

/// What a scan at the door comes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckInOutcome {
    /// Let them in.
    Admitted,
    /// The ticket was used before.
    AlreadyCheckedIn,
    /// Unreadable, forged, or signed with an unknown key.
    InvalidCode,
    /// Well signed, but no ticket of this festival: none such, or one of
    /// another festival, which its staff are told nothing more about.
    UnknownTicket,
    /// The ticket was cancelled.
    Cancelled,
    /// The item was cancelled.
    ItemCancelled,
    /// The ticket is for an item at another venue.
    WrongVenue,
    /// The ticket is for another item at this venue.
    WrongItem,
    /// The doors are not open yet.
    TooEarly,
    /// Late entry has closed.
    TooLate,
    /// The venue holds as many people as it may for this item.
    VenueFull,
    /// The ticket was not scanned by its item's release time: its place
    /// went to the standby line.
    Released,
}

impl CheckInOutcome {
    /// Every outcome.
    pub const ALL: [Self; 12] = [
        Self::Admitted,
        Self::AlreadyCheckedIn,
        Self::InvalidCode,
        Self::UnknownTicket,
        Self::Cancelled,
        Self::ItemCancelled,
        Self::WrongVenue,
        Self::WrongItem,
        Self::TooEarly,
        Self::TooLate,
        Self::VenueFull,
        Self::Released,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admitted => "ADMITTED",
            Self::AlreadyCheckedIn => "ALREADY_CHECKED_IN",
            Self::InvalidCode => "INVALID_CODE",
            Self::UnknownTicket => "UNKNOWN_TICKET",
            Self::Cancelled => "CANCELLED",
            Self::ItemCancelled => "ITEM_CANCELLED",
            Self::WrongVenue => "WRONG_VENUE",
            Self::WrongItem => "WRONG_ITEM",
            Self::TooEarly => "TOO_EARLY",
            Self::TooLate => "TOO_LATE",
            Self::VenueFull => "VENUE_FULL",
            Self::Released => "RELEASED",
        }
    }

    /// Whether the answer may show the ticket, its holder and its item: not
    /// when the code is no ticket of the scanning festival.
    pub fn shows_ticket(self) -> bool {
        !matches!(self, Self::InvalidCode | Self::UnknownTicket)
    }

    /// The outcome with stored name `name`.
    pub fn from_stored(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|outcome| outcome.as_str() == name)
    }
}

/// Who scanned: a person signed in as door staff (or organizer), or a
/// scanner device with its own token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScannedBy {
    /// A signed-in user.
    Account(UserId),
    /// A scanner device.
    Device(ScannerId),
}

impl ScannedBy {
    /// The key under which this scanner's offline scan ids are unique.
    pub fn client_scan_key(self, client_scan_id: &str) -> String {
        match self {
            Self::Account(id) => format!("user:{id}:{client_scan_id}"),
            Self::Device(id) => format!("device:{id}:{client_scan_id}"),
        }
    }
}

/// A phone at a gate that scans with a token of its own, for one venue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannerDevice {
    /// Its id.
    pub id: ScannerId,
    /// The festival of its venue.
    pub festival_id: FestivalId,
    /// The only venue it may scan at.
    pub venue_id: VenueId,
    /// A name for it, e.g. "Gate A, phone 2".
    pub label: Label,
    /// The gate of its venue it scans at, if it belongs to one.
    pub gate: Option<Label>,
    /// When its token stops working.
    pub expires_at: Timestamp,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
    /// When it was issued.
    pub created_at: Timestamp,
}

/// How long a scanner token lives when its issuer does not say.
pub const DEFAULT_SCANNER_LIFETIME: chrono::Duration = chrono::Duration::hours(24);
/// The longest a scanner token may live from the moment it is issued or
/// renewed.
pub const MAX_SCANNER_LIFETIME: chrono::Duration = chrono::Duration::days(31);

/// When a scanner token issued or renewed at `now` expires: `requested`, or
/// 24 hours from now, and never past 31 days from now.
pub fn scanner_expiry(
    field: &str,
    requested: Option<Timestamp>,
    now: Timestamp,
) -> Result<Timestamp, InvalidInput> {
    let expires_at = requested.unwrap_or(now + DEFAULT_SCANNER_LIFETIME);
    if expires_at <= now || expires_at > now + MAX_SCANNER_LIFETIME {
        return Err(InvalidInput::new(field, "must be in the next 31 days"));
    }
    Ok(expires_at)
}

impl ScannerDevice {
    /// Whether its token works at `now`.
    pub fn is_live(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }

    /// Whether its token may be renewed at `now` to expire at `expires_at`:
    /// only a live token, and only to a later expiry. A revoked or expired
    /// token is over: a new one is issued and the phone paired again.
    pub fn check_renewal(&self, expires_at: Timestamp, now: Timestamp) -> Result<(), InvalidInput> {
        if self.revoked_at.is_some() {
            return Err(InvalidInput::new(
                "scannerId",
                "names a revoked scanner token: issue a new one and pair the phone again",
            ));
        }
        if self.expires_at <= now {
            return Err(InvalidInput::new(
                "scannerId",
                "names an expired scanner token: issue a new one and pair the phone again",
            ));
        }
        if expires_at <= self.expires_at {
            return Err(InvalidInput::new(
                "expiresAt",
                format!(
                    "must be later than the token's current expiry, {}",
                    self.expires_at.to_rfc3339()
                ),
            ));
        }
        Ok(())
    }
}

/// One scan as recorded for the organizers' audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanRecord {
    /// Its id.
    pub id: ScanId,
    /// The ticket's item, when the ticket is known.
    pub item_id: Option<ItemId>,
    /// The ticket, when known.
    pub ticket_id: Option<TicketId>,
    /// Where it was scanned.
    pub venue_id: VenueId,
    /// At which gate.
    pub gate: Option<String>,
    /// By whom.
    pub scanned_by: ScannedBy,
    /// What it came to.
    pub outcome: CheckInOutcome,
    /// When it was scanned (the device's clock for offline scans).
    pub scanned_at: Timestamp,
    /// Whether it was uploaded later from an offline scanner.
    pub offline: bool,
    /// Whether the device let in someone the server would not have.
    pub conflict: bool,
}

/// Where and for what a ticket is scanned.
#[derive(Debug, Clone, Copy)]
pub struct Scan {
    /// The festival of the venue the scanner stands at.
    pub festival_id: FestivalId,
    /// The venue the scanner stands at.
    pub venue_id: VenueId,
    /// The item door staff admit for, when they name one.
    pub item_id: Option<ItemId>,
    /// When the ticket was scanned.
    pub at: Timestamp,
}

/// What to do with a genuine ticket before the atomic step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Refuse with this outcome.
    Refuse(CheckInOutcome),
    /// Admit, if the ticket is still unused and the venue has room; the
    /// store decides those two atomically.
    Admit,
}

/// Decides a scan of a genuine ticket in the database, in DESIGN.md's order
/// (after INVALID_CODE): UNKNOWN_TICKET for a ticket of another festival
/// (to its staff, not a ticket at all), ITEM_CANCELLED, CANCELLED,
/// RELEASED, WRONG_VENUE, WRONG_ITEM, TOO_EARLY, TOO_LATE,
/// ALREADY_CHECKED_IN; VENUE_FULL and ADMITTED are for the atomic step.
pub fn decide_check_in(ticket: &Ticket, item: &Item, scan: &Scan) -> Decision {
    let outcome = if item.festival_id != scan.festival_id {
        CheckInOutcome::UnknownTicket
    } else if item.cancelled_at.is_some() {
        CheckInOutcome::ItemCancelled
    } else if ticket.status == TicketStatus::Cancelled {
        CheckInOutcome::Cancelled
    } else if released_at_scan(ticket, item, scan.at) {
        CheckInOutcome::Released
    } else if item.venue_id != scan.venue_id {
        CheckInOutcome::WrongVenue
    } else if scan.item_id.is_some_and(|named| named != item.id) {
        CheckInOutcome::WrongItem
    } else if scan.at < item.schedule.doors_open_at() {
        CheckInOutcome::TooEarly
    } else if scan.at > item.schedule.late_entry_until() {
        CheckInOutcome::TooLate
    } else if ticket.status == TicketStatus::CheckedIn {
        CheckInOutcome::AlreadyCheckedIn
    } else {
        return Decision::Admit;
    };
    Decision::Refuse(outcome)
}

/// Whether `ticket` is released when scanned at `at`: an unused ticket from
/// its item's release moment on (written yet or not), and a released one
/// unless the scan came before that moment (an offline scan synced late,
/// which the capacity rule then settles).
fn released_at_scan(ticket: &Ticket, item: &Item, at: Timestamp) -> bool {
    match ticket.status {
        TicketStatus::Active => item.schedule.released_by(at),
        TicketStatus::Released => item
            .schedule
            .release_at()
            .is_none_or(|release| at >= release),
        TicketStatus::CheckedIn | TicketStatus::Cancelled => false,
    }
}

/// What the message of a scan can tell.
#[derive(Debug, Clone)]
pub struct Details<'a> {
    /// The ticket's holder, if the ticket is known.
    pub holder: Option<&'a str>,
    /// The ticket's item, if known.
    pub item: Option<&'a Item>,
    /// The name of the item's venue.
    pub venue_name: &'a str,
    /// The venue's capacity.
    pub venue_capacity: u32,
    /// When and where the ticket was first checked in.
    pub first_check_in: Option<(Timestamp, Option<&'a str>)>,
    /// The festival's time zone, for the times read out.
    pub timezone: Tz,
    /// When the ticket was scanned: a time on another day (in the
    /// festival's zone) is read out with its day.
    pub scanned_at: Timestamp,
    /// For INVALID_CODE: the code is genuine but its key has been retired,
    /// so the ticket itself shows a fresh one.
    pub retired_key: bool,
}

/// A short sentence door staff can read out, in `language`.
pub fn message(outcome: CheckInOutcome, details: &Details<'_>, language: Language) -> String {
    let local = |at: Timestamp| at.with_timezone(&details.timezone);
    let mut args = FluentArgs::new();
    // The moment a sentence names: its day is said unless it is the day of
    // the scan in the festival's time zone.
    let mut moment = |at: Timestamp| {
        let at = local(at);
        let today = at.date_naive() == local(details.scanned_at).date_naive();
        args.set("today", if today { "yes" } else { "no" });
        args.set("time", at.format("%H:%M").to_string());
        args.set("weekday", at.weekday().number_from_monday());
        args.set("day", at.day());
        args.set("month", at.month());
    };
    let item = details.item;
    match (outcome, item) {
        (CheckInOutcome::Admitted, Some(item)) => moment(item.schedule.starts_at()),
        (CheckInOutcome::WrongVenue | CheckInOutcome::WrongItem, Some(item)) => {
            moment(item.schedule.starts_at());
        }
        (CheckInOutcome::TooEarly, Some(item)) => moment(item.schedule.doors_open_at()),
        (CheckInOutcome::TooLate, Some(item)) => moment(item.schedule.late_entry_until()),
        (CheckInOutcome::Released, Some(item)) => {
            if let Some(release) = item.schedule.release_at() {
                moment(release);
            }
        }
        (CheckInOutcome::AlreadyCheckedIn, _) => {
            if let Some((at, _)) = details.first_check_in {
                moment(at);
            }
        }
        _ => {}
    }
    args.set("holder", details.holder.unwrap_or("ticket holder"));
    args.set(
        "title",
        item.map_or("this item", |item| item.title.as_str()),
    );
    args.set("venue", details.venue_name);
    args.set("people", details.venue_capacity);
    let id = match outcome {
        CheckInOutcome::Admitted => "door-admitted",
        CheckInOutcome::AlreadyCheckedIn => match details.first_check_in {
            Some((_, Some(gate))) => {
                args.set("gate", gate);
                "door-already-checked-in-at-gate"
            }
            Some((_, None)) => "door-already-checked-in-when",
            None => "door-already-checked-in",
        },
        CheckInOutcome::InvalidCode if details.retired_key => "door-retired-key",
        CheckInOutcome::InvalidCode => "door-invalid-code",
        CheckInOutcome::UnknownTicket => "door-unknown-ticket",
        CheckInOutcome::Cancelled => "door-cancelled",
        CheckInOutcome::ItemCancelled => "door-item-cancelled",
        CheckInOutcome::WrongVenue => "door-wrong-venue",
        CheckInOutcome::WrongItem => "door-wrong-item",
        CheckInOutcome::TooEarly => "door-too-early",
        CheckInOutcome::TooLate => "door-too-late",
        CheckInOutcome::VenueFull => "door-venue-full",
        CheckInOutcome::Released if item.and_then(|item| item.schedule.release_at()).is_some() => {
            "door-released"
        }
        CheckInOutcome::Released => "door-released-earlier",
    };
    say(language, id, &args)
}

/// Offline scans taken in one upload.
pub const MAX_OFFLINE_UPLOAD: usize = 1_000;
/// How far an offline scanner's clock may run ahead of the server's.
pub const OFFLINE_CLOCK_SKEW: chrono::Duration = chrono::Duration::minutes(5);

/// A scanner's id for a scan, trimmed: 1 to 100 bytes; `field` names the
/// argument in the refusal.
pub fn parse_client_scan_id(field: &str, raw: &str) -> Result<String, InvalidInput> {
    let id = raw.trim();
    if id.is_empty() || id.len() > 100 {
        return Err(InvalidInput::new(field, "must be 1 to 100 characters"));
    }
    Ok(id.to_owned())
}

/// What an upload of offline scans must be before any of its scans is
/// decided: not too large, each clientScanId once, and no scan later than
/// the server's clock allows.
#[derive(Debug)]
pub struct OfflineUpload {
    /// The clientScanIds of the scans checked so far.
    seen: std::collections::HashSet<String>,
    /// The latest scannedAt believed: arrival plus [`OFFLINE_CLOCK_SKEW`].
    latest_allowed: Timestamp,
}

impl OfflineUpload {
    /// An upload of `scans` scans arriving at `now`, if it holds at most
    /// [`MAX_OFFLINE_UPLOAD`] (refused on `field`).
    pub fn start(field: &str, scans: usize, now: Timestamp) -> Result<Self, InvalidInput> {
        if scans > MAX_OFFLINE_UPLOAD {
            return Err(InvalidInput::new(
                field,
                format!(
                    "holds {}; upload at most {MAX_OFFLINE_UPLOAD} at a time",
                    count(scans, "scan", "scans")
                ),
            ));
        }
        Ok(Self {
            seen: std::collections::HashSet::with_capacity(scans),
            latest_allowed: now + OFFLINE_CLOCK_SKEW,
        })
    }

    /// A scan's clientScanId, parsed, if no scan before it in the upload
    /// has it.
    pub fn client_scan_id(&mut self, field: &str, raw: &str) -> Result<String, InvalidInput> {
        let id = parse_client_scan_id(field, raw)?;
        if !self.seen.insert(id.clone()) {
            return Err(InvalidInput::new(field, "appears twice in this upload"));
        }
        Ok(id)
    }

    /// A scan's scannedAt, if the device's clock is believable: no later
    /// than the upload's arrival plus [`OFFLINE_CLOCK_SKEW`].
    pub fn scanned_at(
        &self,
        field: &str,
        scanned_at: Timestamp,
    ) -> Result<Timestamp, InvalidInput> {
        if scanned_at > self.latest_allowed {
            return Err(InvalidInput::new(
                field,
                "is in the future: check the device's clock",
            ));
        }
        Ok(scanned_at)
    }
}

/// Puts an upload's scans in the order they are decided: by scannedAt,
/// earliest first, scans of the same moment in upload order, so that of
/// the scans of one ticket the earliest admissible one admits.
pub fn in_scan_order<T>(scans: &mut [T], scanned_at: impl Fn(&T) -> Timestamp) {
    scans.sort_by_key(scanned_at);
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::fixtures::{item_at, ticket};
    use crate::time;

    fn item(starts_in: Duration) -> Item {
        item_at(time::now() + starts_in)
    }

    fn at(item: &Item) -> Scan {
        Scan {
            festival_id: item.festival_id,
            venue_id: item.venue_id,
            item_id: None,
            at: time::now(),
        }
    }

    #[test]
    fn a_valid_ticket_at_the_right_door_in_time_is_admitted() {
        let item = item(Duration::minutes(10));
        assert_eq!(
            decide_check_in(&ticket(&item, TicketStatus::Active), &item, &at(&item)),
            Decision::Admit
        );
    }

    #[test]
    fn refusals_come_in_the_designed_order() {
        let mut item = item(Duration::minutes(10));
        let used = ticket(&item, TicketStatus::CheckedIn);
        let elsewhere = Scan {
            venue_id: VenueId::generate(),
            ..at(&item)
        };
        let other_item = Scan {
            item_id: Some(ItemId::generate()),
            ..at(&item)
        };
        let early = Scan {
            at: time::now() - Duration::hours(1),
            ..at(&item)
        };
        let late = Scan {
            at: time::now() + Duration::hours(1),
            ..at(&item)
        };

        assert_eq!(
            decide_check_in(&used, &item, &elsewhere),
            Decision::Refuse(CheckInOutcome::WrongVenue)
        );
        assert_eq!(
            decide_check_in(&used, &item, &other_item),
            Decision::Refuse(CheckInOutcome::WrongItem)
        );
        assert_eq!(
            decide_check_in(&used, &item, &early),
            Decision::Refuse(CheckInOutcome::TooEarly)
        );
        assert_eq!(
            decide_check_in(&used, &item, &late),
            Decision::Refuse(CheckInOutcome::TooLate)
        );
        assert_eq!(
            decide_check_in(&used, &item, &at(&item)),
            Decision::Refuse(CheckInOutcome::AlreadyCheckedIn)
        );
        let cancelled = ticket(&item, TicketStatus::Cancelled);
        assert_eq!(
            decide_check_in(&cancelled, &item, &elsewhere),
            Decision::Refuse(CheckInOutcome::Cancelled)
        );
        item.cancelled_at = Some(time::now());
        assert_eq!(
            decide_check_in(&cancelled, &item, &elsewhere),
            Decision::Refuse(CheckInOutcome::ItemCancelled)
        );
    }

    #[test]
    fn a_ticket_of_another_festival_is_unknown_before_anything_else() {
        let mut item = item(Duration::minutes(10));
        item.cancelled_at = Some(time::now());
        let other_festival = Scan {
            festival_id: FestivalId::generate(),
            venue_id: VenueId::generate(),
            ..at(&item)
        };

        let decision = decide_check_in(
            &ticket(&item, TicketStatus::Cancelled),
            &item,
            &other_festival,
        );

        assert_eq!(decision, Decision::Refuse(CheckInOutcome::UnknownTicket));
        assert!(!CheckInOutcome::UnknownTicket.shows_ticket());
        assert!(CheckInOutcome::WrongVenue.shows_ticket());
    }

    #[test]
    fn messages_say_where_and_when_the_ticket_is_for() {
        let item = item(Duration::hours(3));
        let details = Details {
            holder: Some("Dara"),
            item: Some(&item),
            venue_name: "Nanning Grand Theatre",
            venue_capacity: 1200,
            first_check_in: Some((time::now(), Some("B"))),
            timezone: chrono_tz::Asia::Shanghai,
            scanned_at: time::now(),
            retired_key: false,
        };
        let wrong_venue = message(CheckInOutcome::WrongVenue, &details, Language::English);
        assert!(
            wrong_venue.contains("Diamond Island") && wrong_venue.contains("Nanning Grand Theatre"),
            "{wrong_venue}"
        );
        assert!(
            message(
                CheckInOutcome::AlreadyCheckedIn,
                &details,
                Language::English
            )
            .contains("gate B")
        );
        assert!(message(CheckInOutcome::VenueFull, &details, Language::English).contains("1200"));
    }

    /// Details of a scan at `scanned_at` (RFC 3339) of a ticket for `item`,
    /// at a festival in Nanning.
    fn scanned<'a>(item: &'a Item, scanned_at: &str) -> Details<'a> {
        Details {
            holder: Some("Dara"),
            item: Some(item),
            venue_name: "Hall 2",
            venue_capacity: 1,
            first_check_in: None,
            timezone: chrono_tz::Asia::Shanghai,
            scanned_at: at_time(scanned_at),
            retired_key: false,
        }
    }

    fn at_time(rfc3339: &str) -> Timestamp {
        chrono::DateTime::parse_from_rfc3339(rfc3339)
            .unwrap()
            .to_utc()
    }

    #[test]
    fn times_on_another_day_than_the_scan_name_their_day() {
        // Starts on Friday 4 December at 19:30 in Nanning: doors at 19:00,
        // late entry until 19:45.
        let item = item_at(at_time("2026-12-04T19:30:00+08:00"));
        let cases = [
            (
                CheckInOutcome::TooEarly,
                "2026-12-01T18:00:00+08:00",
                "Too early: doors open on Fri 4 Dec at 19:00 for Diamond Island.",
            ),
            (
                CheckInOutcome::TooEarly,
                "2026-12-03T23:30:00+08:00",
                "Too early: doors open on Fri 4 Dec at 19:00 for Diamond Island.",
            ),
            // 07:00 on Friday in Nanning is still Thursday in UTC: "today"
            // is the festival's day, not the server's.
            (
                CheckInOutcome::TooEarly,
                "2026-12-04T07:00:00+08:00",
                "Too early: doors open at 19:00 for Diamond Island.",
            ),
            (
                CheckInOutcome::TooLate,
                "2026-12-04T21:00:00+08:00",
                "Too late: admission for Diamond Island closed at 19:45.",
            ),
            (
                CheckInOutcome::TooLate,
                "2026-12-05T10:00:00+08:00",
                "Too late: admission for Diamond Island closed on Fri 4 Dec at 19:45.",
            ),
        ];

        for (outcome, scanned_at, expected) in cases {
            assert_eq!(
                message(outcome, &scanned(&item, scanned_at), Language::English),
                expected,
                "scanned at {scanned_at}"
            );
        }
    }

    #[test]
    fn a_code_of_a_retired_key_is_told_apart_from_a_forged_one() {
        let item = item(Duration::hours(1));
        let forged = scanned(&item, "2026-12-04T19:00:00+08:00");
        let retired = Details {
            retired_key: true,
            ..forged.clone()
        };

        let forged = message(CheckInOutcome::InvalidCode, &forged, Language::English);
        let retired = message(CheckInOutcome::InvalidCode, &retired, Language::English);

        assert!(forged.contains("unreadable or forged"), "{forged}");
        assert!(
            retired.contains("retired") && retired.contains("open the ticket again"),
            "{retired}"
        );
        assert!(!retired.contains("forged"), "{retired}");
    }

    #[test]
    fn a_full_venue_of_one_holds_one_person() {
        let item = item(Duration::hours(1));
        let details = scanned(&item, "2026-12-04T19:00:00+08:00");

        assert_eq!(
            message(CheckInOutcome::VenueFull, &details, Language::English),
            "Hall 2 is full: 1 person is inside for Diamond Island."
        );
    }

    #[test]
    fn every_outcome_has_a_whole_sentence_in_every_language() {
        let item = item_at(at_time("2026-12-04T19:30:00+08:00"));
        for scanned_at in ["2026-12-04T19:00:00+08:00", "2026-12-01T18:00:00+08:00"] {
            for first_check_in in [
                None,
                Some((at_time(scanned_at), None)),
                Some((at_time(scanned_at), Some("B"))),
            ] {
                for retired_key in [false, true] {
                    let details = Details {
                        first_check_in,
                        retired_key,
                        ..scanned(&item, scanned_at)
                    };
                    for outcome in CheckInOutcome::ALL {
                        let english = message(outcome, &details, Language::English);
                        let chinese = message(outcome, &details, Language::SimplifiedChinese);
                        for sentence in [&english, &chinese] {
                            assert!(!sentence.contains('{'), "a variable is missing: {sentence}");
                        }
                        assert!(english.is_ascii(), "{english}");
                        assert!(
                            chinese
                                .chars()
                                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                            "{chinese}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn chinese_names_the_day_and_the_gate() {
        let item = item_at(at_time("2026-12-04T19:30:00+08:00"));
        let details = Details {
            first_check_in: Some((at_time("2026-12-04T19:05:00+08:00"), Some("B"))),
            ..scanned(&item, "2026-12-04T19:10:00+08:00")
        };
        assert_eq!(
            message(
                CheckInOutcome::AlreadyCheckedIn,
                &details,
                Language::SimplifiedChinese
            ),
            "此票已于19:05在B入口检过。"
        );
        let days_before = scanned(&item, "2026-12-01T18:00:00+08:00");
        assert_eq!(
            message(
                CheckInOutcome::TooEarly,
                &days_before,
                Language::SimplifiedChinese
            ),
            "太早了：Diamond Island于12月4日（周五）19:00开始检票。"
        );
        assert_eq!(
            message(
                CheckInOutcome::VenueFull,
                &days_before,
                Language::SimplifiedChinese
            ),
            "Hall 2已满：Diamond Island场内已有1人。"
        );
    }

    #[test]
    fn outcomes_round_trip_through_their_stored_names() {
        for outcome in CheckInOutcome::ALL {
            assert_eq!(CheckInOutcome::from_stored(outcome.as_str()), Some(outcome));
        }
    }

    /// A live scanner device at gate A whose token expires at `expires_at`.
    fn device(expires_at: Timestamp, now: Timestamp) -> ScannerDevice {
        ScannerDevice {
            id: ScannerId::generate(),
            festival_id: FestivalId::generate(),
            venue_id: VenueId::generate(),
            label: Label::parse("label", "Gate A").unwrap(),
            gate: None,
            expires_at,
            revoked_at: None,
            created_at: now - Duration::hours(23),
        }
    }

    #[test]
    fn a_scanner_token_is_live_until_it_expires_or_is_revoked() {
        let now = time::now();
        let device = device(now + Duration::seconds(1), now);
        assert!(device.is_live(now));
        assert!(!device.is_live(now + Duration::seconds(1)));
        assert!(!device.is_live(now + Duration::seconds(2)));
        let revoked = ScannerDevice {
            revoked_at: Some(now),
            ..device
        };
        assert!(!revoked.is_live(now));
    }

    #[test]
    fn a_scanner_token_renews_only_while_live_and_only_to_a_later_expiry() {
        let now = time::now();
        let device = device(now + Duration::hours(1), now);
        let field = |refusal: Result<(), InvalidInput>| refusal.unwrap_err().field;

        assert_eq!(device.check_renewal(now + Duration::days(2), now), Ok(()));
        assert_eq!(
            field(device.check_renewal(now + Duration::minutes(30), now)),
            "expiresAt"
        );
        let expired = ScannerDevice {
            expires_at: now - Duration::seconds(1),
            ..device.clone()
        };
        assert_eq!(
            field(expired.check_renewal(now + Duration::days(2), now)),
            "scannerId"
        );
        let revoked = ScannerDevice {
            revoked_at: Some(now),
            ..device
        };
        assert_eq!(
            field(revoked.check_renewal(now + Duration::days(2), now)),
            "scannerId"
        );
    }

    #[test]
    fn scanner_tokens_live_a_day_unless_asked_and_never_past_a_month() {
        let now = time::now();
        assert_eq!(
            scanner_expiry("expiresAt", None, now),
            Ok(now + Duration::hours(24))
        );
        let month = now + Duration::days(31);
        assert_eq!(scanner_expiry("expiresAt", Some(month), now), Ok(month));
        for refused in [now, now + Duration::days(31) + Duration::seconds(1)] {
            assert!(scanner_expiry("expiresAt", Some(refused), now).is_err());
        }
    }

    #[test]
    fn a_client_scan_id_is_trimmed_and_one_to_a_hundred_bytes() {
        assert_eq!(
            parse_client_scan_id("clientScanId", " a-1 "),
            Ok("a-1".into())
        );
        assert_eq!(
            parse_client_scan_id("clientScanId", &"x".repeat(100)).map(|id| id.len()),
            Ok(100)
        );
        for refused in [String::new(), "  ".into(), "x".repeat(101), "é".repeat(51)] {
            assert_eq!(
                parse_client_scan_id("clientScanId", &refused),
                Err(InvalidInput::new(
                    "clientScanId",
                    "must be 1 to 100 characters"
                )),
                "{refused:?}"
            );
        }
    }

    #[test]
    fn an_upload_holds_at_most_a_thousand_scans() {
        let now = time::now();
        assert!(OfflineUpload::start("scans", MAX_OFFLINE_UPLOAD, now).is_ok());
        assert_eq!(
            OfflineUpload::start("scans", MAX_OFFLINE_UPLOAD + 1, now).unwrap_err(),
            InvalidInput::new("scans", "holds 1001 scans; upload at most 1000 at a time")
        );
    }

    #[test]
    fn a_client_scan_id_appears_once_per_upload() {
        let mut upload = OfflineUpload::start("scans", 3, time::now()).unwrap();
        assert_eq!(
            upload.client_scan_id("scans[0].clientScanId", "a"),
            Ok("a".into())
        );
        assert_eq!(
            upload.client_scan_id("scans[1].clientScanId", "b"),
            Ok("b".into())
        );
        assert_eq!(
            upload.client_scan_id("scans[2].clientScanId", " a "),
            Err(InvalidInput::new(
                "scans[2].clientScanId",
                "appears twice in this upload"
            ))
        );
    }

    #[test]
    fn an_offline_scan_may_be_up_to_five_minutes_ahead_of_the_server() {
        let now = time::now();
        let upload = OfflineUpload::start("scans", 1, now).unwrap();
        let at = |ahead: Duration| upload.scanned_at("scans[0].scannedAt", now + ahead);

        assert_eq!(at(-Duration::days(3)), Ok(now - Duration::days(3)));
        assert_eq!(at(Duration::minutes(5)), Ok(now + Duration::minutes(5)));
        assert_eq!(
            at(Duration::minutes(5) + Duration::microseconds(1)),
            Err(InvalidInput::new(
                "scans[0].scannedAt",
                "is in the future: check the device's clock"
            ))
        );
    }

    #[test]
    fn an_upload_is_decided_earliest_scan_first_and_ties_in_upload_order() {
        let now = time::now();
        let mut scans = [
            ("late", now),
            ("first tie", now - Duration::minutes(1)),
            ("earliest", now - Duration::hours(1)),
            ("second tie", now - Duration::minutes(1)),
        ];

        in_scan_order(&mut scans, |scan| scan.1);

        assert_eq!(
            scans.map(|scan| scan.0),
            ["earliest", "first tie", "second tie", "late"]
        );
    }

    #[test]
    fn an_unused_ticket_is_released_from_the_release_moment_on_written_or_not() {
        let item = crate::fixtures::releasing(&item(Duration::minutes(10)), 10);
        let release = item.schedule.release_at().unwrap();
        let scan_at = |moment| Scan {
            at: moment,
            ..at(&item)
        };
        let unused = ticket(&item, TicketStatus::Active);
        let released = ticket(&item, TicketStatus::Released);
        let used = ticket(&item, TicketStatus::CheckedIn);
        let cancelled = ticket(&item, TicketStatus::Cancelled);
        let just_before = release - Duration::milliseconds(1);

        assert_eq!(
            decide_check_in(&unused, &item, &scan_at(just_before)),
            Decision::Admit
        );
        assert_eq!(
            decide_check_in(&unused, &item, &scan_at(release)),
            Decision::Refuse(CheckInOutcome::Released)
        );
        assert_eq!(
            decide_check_in(&released, &item, &scan_at(release)),
            Decision::Refuse(CheckInOutcome::Released)
        );
        assert_eq!(
            decide_check_in(&released, &item, &scan_at(just_before)),
            Decision::Admit,
            "an offline scan made before the release is settled by the capacity rule"
        );
        assert_eq!(
            decide_check_in(&used, &item, &scan_at(release)),
            Decision::Refuse(CheckInOutcome::AlreadyCheckedIn)
        );
        assert_eq!(
            decide_check_in(&cancelled, &item, &scan_at(release)),
            Decision::Refuse(CheckInOutcome::Cancelled)
        );
        let elsewhere = Scan {
            venue_id: VenueId::generate(),
            ..scan_at(release)
        };
        assert_eq!(
            decide_check_in(&unused, &item, &elsewhere),
            Decision::Refuse(CheckInOutcome::Released),
            "RELEASED before WRONG_VENUE: the ticket admits nowhere"
        );
        let never = Item {
            schedule: item_at(item.schedule.starts_at()).schedule,
            ..item.clone()
        };
        assert_eq!(
            decide_check_in(&released, &never, &scan_at(just_before)),
            Decision::Refuse(CheckInOutcome::Released),
            "a released ticket of an item that no longer releases stays released"
        );
    }

    #[test]
    fn the_released_sentence_names_the_release_time() {
        let item = crate::fixtures::releasing(&item_at(time::now() + Duration::minutes(10)), 10);
        let details = Details {
            holder: Some("Dara"),
            item: Some(&item),
            venue_name: "Hall 2",
            venue_capacity: 300,
            first_check_in: None,
            timezone: chrono_tz::UTC,
            scanned_at: item.schedule.release_at().unwrap(),
            retired_key: false,
        };
        let english = message(CheckInOutcome::Released, &details, Language::English);
        let time = item
            .schedule
            .release_at()
            .unwrap()
            .format("%H:%M")
            .to_string();
        assert!(english.contains(&time), "{english}");
        assert!(english.contains("standby line"), "{english}");
    }
}
