//! Attendance: the numbers organizers report, per item and summed per
//! venue, day, film and country.

use std::collections::BTreeMap;

use chrono_tz::Tz;

use crate::catalogue::{Film, Item};
use crate::time::Timestamp;

/// Ticket counts of one item, as stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ItemCounts {
    /// Tickets ACTIVE or CHECKED_IN.
    pub issued: u32,
    /// Tickets CHECKED_IN.
    pub checked_in: u32,
    /// Tickets CANCELLED.
    pub cancelled: u32,
    /// Tickets asked for by attendees waiting in line.
    pub waitlisted: u32,
    /// Tickets RELEASED to the standby line.
    pub released: u32,
    /// People let in from the standby line.
    pub standby_admitted: u32,
    /// People waiting in the standby line.
    pub standby_waiting: u32,
    /// Ballot entries made and not withdrawn.
    pub ballot_entries: u32,
    /// Ballot entries holding or having claimed the places they won.
    pub ballot_won: u32,
}

impl ItemCounts {
    /// Tickets still held: issued and not yet used.
    pub fn held(&self) -> u32 {
        self.issued.saturating_sub(self.checked_in)
    }
}

/// The attendance numbers of an item or a group of items.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Attendance {
    /// Tickets that may be issued.
    pub ticket_capacity: u32,
    /// People the venue admits at once.
    pub venue_capacity: u32,
    /// Tickets ACTIVE or CHECKED_IN.
    pub issued: u32,
    /// Tickets CHECKED_IN.
    pub checked_in: u32,
    /// Tickets CANCELLED.
    pub cancelled: u32,
    /// Issued but not checked in, once late entry has closed; 0 before.
    pub no_shows: u32,
    /// Tickets asked for on the waitlist.
    pub waitlisted: u32,
    /// Tickets RELEASED to the standby line (not issued any more, not
    /// no-shows).
    pub released: u32,
    /// People let in from the standby line (counted inside, not in
    /// checkedIn, which counts tickets).
    pub standby_admitted: u32,
    /// People waiting in the standby line.
    pub standby_waiting: u32,
    /// People the door may still let in from the standby line (see
    /// [`standby_places`]).
    pub standby_places: u32,
    /// Ballot entries made and not withdrawn.
    pub ballot_entries: u32,
    /// Ballot entries holding or having claimed the places they won.
    pub ballot_won: u32,
}

/// How many people the door may still let in from `item`'s standby line
/// at `now`: the venue's capacity, less the people inside, less the
/// tickets still held, until the release (after it, no ticket is held).
pub fn standby_places(item: &Item, venue_capacity: u32, held: u32, now: Timestamp) -> u32 {
    let held = if item.schedule.released_by(now) {
        0
    } else {
        held
    };
    venue_capacity
        .saturating_sub(item.admitted)
        .saturating_sub(held)
}

impl Attendance {
    /// An item's attendance at `now`.
    pub fn of_item(item: &Item, venue_capacity: u32, counts: ItemCounts, now: Timestamp) -> Self {
        let entry_closed = now > item.schedule.late_entry_until();
        Self {
            ticket_capacity: item.ticket_capacity.get(),
            venue_capacity,
            issued: counts.issued,
            checked_in: counts.checked_in,
            cancelled: counts.cancelled,
            no_shows: if entry_closed {
                counts.issued.saturating_sub(counts.checked_in)
            } else {
                0
            },
            waitlisted: counts.waitlisted,
            released: counts.released,
            standby_admitted: counts.standby_admitted,
            standby_waiting: counts.standby_waiting,
            standby_places: standby_places(item, venue_capacity, counts.held(), now),
            ballot_entries: counts.ballot_entries,
            ballot_won: counts.ballot_won,
        }
    }

    /// checkedIn / issued; 0 when nothing is issued.
    pub fn check_in_rate(&self) -> f64 {
        if self.issued == 0 {
            0.0
        } else {
            f64::from(self.checked_in) / f64::from(self.issued)
        }
    }

    /// The sum of two attendances, number by number.
    pub fn plus(self, other: Self) -> Self {
        Self {
            ticket_capacity: self.ticket_capacity + other.ticket_capacity,
            venue_capacity: self.venue_capacity + other.venue_capacity,
            issued: self.issued + other.issued,
            checked_in: self.checked_in + other.checked_in,
            cancelled: self.cancelled + other.cancelled,
            no_shows: self.no_shows + other.no_shows,
            waitlisted: self.waitlisted + other.waitlisted,
            released: self.released + other.released,
            standby_admitted: self.standby_admitted + other.standby_admitted,
            standby_waiting: self.standby_waiting + other.standby_waiting,
            standby_places: self.standby_places + other.standby_places,
            ballot_entries: self.ballot_entries + other.ballot_entries,
            ballot_won: self.ballot_won + other.ballot_won,
        }
    }
}

/// How a festival's report groups its items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// One row per item.
    Item,
    /// One row per venue.
    Venue,
    /// One row per local date of the festival.
    Day,
    /// One row per film; items without a film under "".
    Film,
    /// One row per country of the item's film; an item counts once for
    /// each country of its film, so these rows may add up to more than the
    /// festival's total. Items without a film are under "".
    Country,
}

/// One item of a report with what grouping needs to know of it.
#[derive(Debug, Clone)]
pub struct ReportItem<'a> {
    /// The item.
    pub item: &'a Item,
    /// Its venue's name.
    pub venue_name: &'a str,
    /// Its film, if any.
    pub film: Option<&'a Film>,
    /// Its attendance.
    pub attendance: Attendance,
}

/// A row of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// An id, a date (YYYY-MM-DD) or a country code.
    pub key: String,
    /// What a person reads: a title, a venue name, a date, a country code.
    pub label: String,
    /// The summed numbers.
    pub attendance: Attendance,
}

/// The rows of a report, ordered by key (items by start time).
pub fn group(items: &[ReportItem<'_>], grouping: Grouping, timezone: Tz) -> Vec<Row> {
    if grouping == Grouping::Item {
        let mut ordered: Vec<&ReportItem<'_>> = items.iter().collect();
        ordered.sort_by_key(|entry| (entry.item.schedule.starts_at(), entry.item.id));
        return ordered
            .into_iter()
            .map(|entry| Row {
                key: entry.item.id.to_string(),
                label: entry.item.title.to_string(),
                attendance: entry.attendance,
            })
            .collect();
    }
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    for entry in items {
        for (key, label) in keys(entry, grouping, timezone) {
            rows.entry(key.clone())
                .and_modify(|row| row.attendance = row.attendance.plus(entry.attendance))
                .or_insert(Row {
                    key,
                    label,
                    attendance: entry.attendance,
                });
        }
    }
    rows.into_values().collect()
}

fn keys(entry: &ReportItem<'_>, grouping: Grouping, timezone: Tz) -> Vec<(String, String)> {
    match grouping {
        Grouping::Item => vec![(entry.item.id.to_string(), entry.item.title.to_string())],
        Grouping::Venue => vec![(entry.item.venue_id.to_string(), entry.venue_name.to_owned())],
        Grouping::Day => {
            let day = entry
                .item
                .schedule
                .starts_at()
                .with_timezone(&timezone)
                .format("%Y-%m-%d")
                .to_string();
            vec![(day.clone(), day)]
        }
        Grouping::Film => match entry.film {
            Some(film) => vec![(film.id.to_string(), film.title.to_string())],
            None => vec![(String::new(), "No film".to_owned())],
        },
        Grouping::Country => match entry.film {
            Some(film) if !film.countries.is_empty() => film
                .countries
                .iter()
                .map(|code| (code.as_str().to_owned(), code.as_str().to_owned()))
                .collect(),
            _ => vec![(String::new(), "No country".to_owned())],
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time;

    #[test]
    fn the_rate_is_zero_without_tickets_and_sums_add_number_by_number() {
        let empty = Attendance::default();
        assert_eq!(empty.check_in_rate(), 0.0);
        let some = Attendance {
            issued: 4,
            checked_in: 3,
            ..Attendance::default()
        };
        assert_eq!(some.check_in_rate(), 0.75);
        assert_eq!(some.plus(some).issued, 8);
    }

    #[test]
    fn the_door_fills_from_standby_what_is_neither_inside_nor_held() {
        let now = time::now();
        let mut item = crate::fixtures::releasing(&crate::fixtures::item_at(now), 10);
        item.admitted = 40;
        let release = item.schedule.release_at().unwrap();
        let before = release - chrono::Duration::seconds(1);
        assert_eq!(standby_places(&item, 100, 50, before), 10);
        assert_eq!(
            standby_places(&item, 100, 50, release),
            60,
            "nothing held after the release"
        );
        assert_eq!(standby_places(&item, 80, 50, before), 0, "never below zero");
        item.admitted = 120;
        assert_eq!(standby_places(&item, 100, 0, release), 0);
        let counts = ItemCounts {
            issued: 7,
            checked_in: 3,
            released: 2,
            standby_admitted: 4,
            standby_waiting: 5,
            ballot_entries: 6,
            ballot_won: 2,
            ..ItemCounts::default()
        };
        assert_eq!(counts.held(), 4);
        item.admitted = 7;
        let attendance = Attendance::of_item(&item, 20, counts, release);
        assert_eq!(attendance.released, 2);
        assert_eq!(attendance.standby_admitted, 4);
        assert_eq!(attendance.standby_waiting, 5);
        assert_eq!(attendance.standby_places, 13);
        assert_eq!((attendance.ballot_entries, attendance.ballot_won), (6, 2));
        let other = Attendance {
            released: 3,
            standby_admitted: 1,
            standby_waiting: 2,
            standby_places: 5,
            ballot_entries: 9,
            ballot_won: 4,
            ..Attendance::default()
        };
        let sum = attendance.plus(Attendance {
            ballot_entries: 1,
            ballot_won: 1,
            ..other
        });
        assert_eq!(
            (
                sum.released,
                sum.standby_admitted,
                sum.standby_waiting,
                sum.standby_places,
                sum.ballot_entries,
                sum.ballot_won
            ),
            (5, 5, 7, 18, 7, 3)
        );
    }
}
