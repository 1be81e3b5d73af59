//! A programme item as an iCalendar file (RFC 5545), for an attendee's
//! calendar: one VEVENT in the festival's local time, with the VTIMEZONE
//! that says what that local time is.
//!
//! Written by hand rather than with a crate: the format is a few lines,
//! and what matters (escaping, folding at 75 octets without splitting a
//! character, CRLF) is tested here.

use std::fmt::Write as _;

use chrono::{DateTime, Duration, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};
use usher_domain::catalogue::{Festival, Film, Item, Venue};
use usher_domain::time::Timestamp;

use crate::pairing::Origin;

/// Our PRODID: who made the file.
const PRODUCT: &str = "-//Usher//Festival programme//EN";

/// The longest line, in octets, without its CRLF (RFC 5545, 3.1).
const MOST_OCTETS_PER_LINE: usize = 75;

/// How far around the event the VTIMEZONE describes the zone's changes.
const ZONE_HISTORY_DAYS: i64 = 366;

/// What a calendar entry for an item is made of.
pub(crate) struct ItemEvent<'a> {
    pub item: &'a Item,
    pub festival: &'a Festival,
    pub venue: Option<&'a Venue>,
    pub film: Option<&'a Film>,
    /// Where the festival app is reached; without one, no URL.
    pub origin: Option<&'a Origin>,
}

impl ItemEvent<'_> {
    /// The VCALENDAR, lines folded and ended with CRLF, stamped `now`.
    pub(crate) fn to_ics(&self, now: Timestamp) -> String {
        let item = self.item;
        let tz = self.festival.timezone.tz();
        let zone = self.festival.timezone.name();
        let starts = item.schedule.starts_at();
        let ends = item.schedule.ends_at();
        let mut lines = vec![
            "BEGIN:VCALENDAR".to_owned(),
            format!("PRODID:{PRODUCT}"),
            "VERSION:2.0".to_owned(),
            "CALSCALE:GREGORIAN".to_owned(),
            "METHOD:PUBLISH".to_owned(),
        ];
        lines.extend(vtimezone(tz, starts, ends));
        let domain = self.origin.map_or("usher.invalid", |origin| {
            origin
                .as_str()
                .split_once("://")
                .map_or(origin.as_str(), |(_, authority)| authority)
        });
        lines.extend([
            "BEGIN:VEVENT".to_owned(),
            format!("UID:{}@{domain}", item.id),
            format!("DTSTAMP:{}", utc_stamp(now)),
            format!("DTSTART;TZID={zone}:{}", local_stamp(starts, tz)),
            format!("DTEND;TZID={zone}:{}", local_stamp(ends, tz)),
            format!("SUMMARY:{}", text(item.title.as_str())),
        ]);
        if let Some(venue) = self.venue {
            lines.push(format!(
                "LOCATION:{}",
                text(&format!(
                    "{}, {}",
                    venue.name.as_str(),
                    venue.address.as_str()
                ))
            ));
        }
        lines.push(format!("DESCRIPTION:{}", text(&self.description())));
        if let Some(origin) = self.origin {
            lines.push(format!("URL:{origin}/"));
        }
        // A cancelled item is the same event, changed: a calendar that
        // imported it before takes the later SEQUENCE.
        if item.cancelled_at.is_some() {
            lines.extend(["STATUS:CANCELLED".to_owned(), "SEQUENCE:1".to_owned()]);
        } else {
            lines.extend(["STATUS:CONFIRMED".to_owned(), "SEQUENCE:0".to_owned()]);
        }
        lines.extend(["END:VEVENT".to_owned(), "END:VCALENDAR".to_owned()]);
        let mut ics = String::new();
        for line in &lines {
            fold_into(&mut ics, line);
        }
        ics
    }

    /// The film, the gates, when the doors open, and the festival: one
    /// line each.
    fn description(&self) -> String {
        let tz = self.festival.timezone.tz();
        let mut parts = Vec::new();
        if let Some(film) = self.film {
            let mut line = format!("Film: {}", film.title.as_str());
            let countries: Vec<&str> = film.countries.iter().map(|code| code.as_str()).collect();
            if !countries.is_empty() {
                let _ = write!(line, " ({})", countries.join(", "));
            }
            if let Some(minutes) = film.runtime_minutes {
                let _ = write!(line, ", {minutes} min");
            }
            parts.push(line);
        }
        if let Some(venue) = self.venue
            && !venue.gates.is_empty()
        {
            let gates: Vec<&str> = venue.gates.iter().map(|gate| gate.as_str()).collect();
            parts.push(format!("Gates: {}", gates.join(", ")));
        }
        parts.push(format!(
            "Doors open at {}",
            self.item
                .schedule
                .doors_open_at()
                .with_timezone(&tz)
                .format("%H:%M")
        ));
        if self.item.cancelled_at.is_some() {
            parts.push("Cancelled".to_owned());
        }
        parts.push(self.festival.name.as_str().to_owned());
        parts.join("\n")
    }
}

/// A DATE-TIME in UTC: `20261127T063000Z`.
fn utc_stamp(at: Timestamp) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A DATE-TIME in local time of `tz`, without a zone: `20261127T143000`.
fn local_stamp(at: Timestamp, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y%m%dT%H%M%S").to_string()
}

/// A TEXT value (RFC 5545, 3.3.11): backslash, semicolon, comma and line
/// breaks escaped. Other control characters cannot reach here (names and
/// addresses refuse them) but are dropped, not passed on.
fn text(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            ';' => escaped.push_str("\\;"),
            ',' => escaped.push_str("\\,"),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => escaped.push_str("\\n"),
            c if c.is_control() => {}
            c => escaped.push(c),
        }
    }
    escaped
}

/// Appends `line` to `ics` folded (RFC 5545, 3.1): at most 75 octets a
/// line, a continuation starting with a space, never inside a UTF-8
/// character; every line ending with CRLF.
fn fold_into(ics: &mut String, line: &str) {
    let mut room = MOST_OCTETS_PER_LINE;
    let mut used = 0;
    for c in line.chars() {
        if used + c.len_utf8() > room {
            ics.push_str("\r\n ");
            // The leading space counts.
            room = MOST_OCTETS_PER_LINE - 1;
            used = 0;
        }
        ics.push(c);
        used += c.len_utf8();
    }
    ics.push_str("\r\n");
}

/// One observance of a zone: from `starts` (UTC) on, `offset` seconds east
/// of UTC (previously `previous`), named `name`, daylight time or not.
#[derive(Debug, PartialEq, Eq)]
struct Observance {
    starts: DateTime<Utc>,
    previous: i32,
    offset: i32,
    name: String,
    daylight: bool,
}

/// The offset of `tz` at `at`, in seconds, its name and whether it is
/// daylight time.
fn offset_at(tz: Tz, at: DateTime<Utc>) -> (i32, String, bool) {
    let offset = tz.offset_from_utc_datetime(&at.naive_utc());
    let name = offset
        .abbreviation()
        .map_or_else(|| utc_offset(offset.fix().local_minus_utc()), str::to_owned);
    (
        offset.fix().local_minus_utc(),
        name,
        !offset.dst_offset().is_zero(),
    )
}

/// What `tz` observes from a year before `starts` to a year after `ends`:
/// the observance in force at the beginning, then one per change of
/// offset. chrono-tz does not list a zone's transitions, so they are found
/// by looking every six hours and narrowing each change down to the second
/// (a zone that changes twice within six hours is not of this world).
fn observances(tz: Tz, starts: Timestamp, ends: Timestamp) -> Vec<Observance> {
    let from = starts - Duration::days(ZONE_HISTORY_DAYS);
    let until = ends + Duration::days(ZONE_HISTORY_DAYS);
    let step = Duration::hours(6);
    let (offset, name, daylight) = offset_at(tz, from);
    let mut found = vec![Observance {
        starts: from,
        previous: offset,
        offset,
        name,
        daylight,
    }];
    let mut before = from;
    while before < until {
        let after = before + step;
        let (was, ..) = offset_at(tz, before);
        if offset_at(tz, after).0 != was {
            // The change is in (low, high]: narrow it to the second.
            let (mut low, mut high) = (before, after);
            while high - low > Duration::seconds(1) {
                let middle = low + (high - low) / 2;
                if offset_at(tz, middle).0 == was {
                    low = middle;
                } else {
                    high = middle;
                }
            }
            let (offset, name, daylight) = offset_at(tz, high);
            found.push(Observance {
                starts: high,
                previous: was,
                offset,
                name,
                daylight,
            });
        }
        before = after;
    }
    found
}

/// The VTIMEZONE of `tz` around an event from `starts` to `ends`: a zone
/// without changes then is one STANDARD observance.
fn vtimezone(tz: Tz, starts: Timestamp, ends: Timestamp) -> Vec<String> {
    let mut lines = vec!["BEGIN:VTIMEZONE".to_owned(), format!("TZID:{}", tz.name())];
    for observance in observances(tz, starts, ends) {
        let kind = if observance.daylight {
            "DAYLIGHT"
        } else {
            "STANDARD"
        };
        // DTSTART is the local time the observance starts at, on the
        // clock of the one before it (RFC 5545, 3.6.5).
        let local: NaiveDateTime =
            observance.starts.naive_utc() + Duration::seconds(i64::from(observance.previous));
        lines.extend([
            format!("BEGIN:{kind}"),
            format!("DTSTART:{}", local.format("%Y%m%dT%H%M%S")),
            format!("TZOFFSETFROM:{}", utc_offset(observance.previous)),
            format!("TZOFFSETTO:{}", utc_offset(observance.offset)),
            format!("TZNAME:{}", text(&observance.name)),
            format!("END:{kind}"),
        ]);
    }
    lines.push("END:VTIMEZONE".to_owned());
    lines
}

/// A UTC-OFFSET value: `+0800`, `-0330`, `+074543` with seconds.
fn utc_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let seconds = seconds.unsigned_abs();
    let (hours, minutes, rest) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if rest == 0 {
        format!("{sign}{hours:02}{minutes:02}")
    } else {
        format!("{sign}{hours:02}{minutes:02}{rest:02}")
    }
}

/// A file name for the download: the title's letters and digits in ASCII,
/// dashed, or `programme-item` when it has none (a title in Chinese).
pub(crate) fn file_name(title: &str) -> String {
    let mut name = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_lowercase());
        } else if !name.is_empty() && !name.ends_with('-') {
            name.push('-');
        }
        if name.len() >= 60 {
            break;
        }
    }
    let name = name.trim_end_matches('-');
    if name.is_empty() {
        "programme-item.ics".to_owned()
    } else {
        format!("{name}.ics")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_values_escape_what_rfc_5545_says() {
        assert_eq!(
            text("Ilo Ilo; a film, \\ one\nline\r\nmore"),
            "Ilo Ilo\\; a film\\, \\\\ one\\nline\\nmore"
        );
        assert_eq!(text("Ròm 青春"), "Ròm 青春");
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_a_character() {
        let line = format!("SUMMARY:{}", "青".repeat(40));
        let mut ics = String::new();
        fold_into(&mut ics, &line);
        let lines: Vec<&str> = ics.split_terminator("\r\n").collect();
        assert!(lines.len() > 1, "{ics:?}");
        assert!(lines.iter().all(|line| line.len() <= 75), "{lines:?}");
        assert!(lines[1..].iter().all(|line| line.starts_with(' ')));
        let unfolded = ics.replace("\r\n ", "");
        assert_eq!(unfolded, format!("{line}\r\n"));
        let mut short = String::new();
        fold_into(&mut short, "VERSION:2.0");
        assert_eq!(short, "VERSION:2.0\r\n");
        let mut exact = String::new();
        fold_into(&mut exact, &"x".repeat(75));
        assert_eq!(exact, format!("{}\r\n", "x".repeat(75)), "75 octets fit");
    }

    #[test]
    fn offsets_are_written_as_utc_offsets() {
        assert_eq!(utc_offset(8 * 3600), "+0800");
        assert_eq!(utc_offset(-(3 * 3600 + 1800)), "-0330");
        assert_eq!(utc_offset(0), "+0000");
        assert_eq!(utc_offset(7 * 3600 + 45 * 60 + 43), "+074543");
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn a_zone_without_changes_is_one_standard_observance() {
        let found = observances(
            chrono_tz::Asia::Shanghai,
            at("2026-11-27T06:30:00Z"),
            at("2026-11-27T08:30:00Z"),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].offset, found[0].daylight), (8 * 3600, false));
        assert_eq!(found[0].name, "CST");
    }

    #[test]
    fn a_zone_with_summer_time_lists_each_change_to_the_second() {
        let found = observances(
            chrono_tz::Europe::Berlin,
            at("2026-07-01T18:00:00Z"),
            at("2026-07-01T20:00:00Z"),
        );
        let changes: Vec<(String, i32, i32, bool)> = found[1..]
            .iter()
            .map(|o| (utc_stamp(o.starts), o.previous, o.offset, o.daylight))
            .collect();
        assert_eq!(
            changes,
            [
                ("20251026T010000Z".to_owned(), 7200, 3600, false),
                ("20260329T010000Z".to_owned(), 3600, 7200, true),
                ("20261025T010000Z".to_owned(), 7200, 3600, false),
                ("20270328T010000Z".to_owned(), 3600, 7200, true),
            ]
        );
        let lines = vtimezone(
            chrono_tz::Europe::Berlin,
            at("2026-07-01T18:00:00Z"),
            at("2026-07-01T20:00:00Z"),
        );
        let summer = lines
            .iter()
            .position(|line| line == "DTSTART:20260329T020000")
            .unwrap();
        assert_eq!(lines[summer - 1], "BEGIN:DAYLIGHT");
        assert_eq!(lines[summer + 1], "TZOFFSETFROM:+0100");
        assert_eq!(lines[summer + 2], "TZOFFSETTO:+0200");
        assert_eq!(lines[summer + 3], "TZNAME:CEST");
    }

    #[test]
    fn file_names_are_the_title_in_ascii() {
        assert_eq!(file_name("Ilo Ilo: 爸妈不在家"), "ilo-ilo.ics");
        assert_eq!(file_name("Ròm"), "r-m.ics");
        assert_eq!(file_name("青春"), "programme-item.ics");
        assert_eq!(file_name(&"a".repeat(300)).len(), 64);
    }
}
