//! Time as Usher stores it: UTC, to the microsecond, which both SQLite and
//! PostgreSQL keep exactly.

use chrono::{DateTime, SubsecRound, Utc};

/// A moment in UTC, truncated to microseconds.
pub type Timestamp = DateTime<Utc>;

/// The current moment, truncated to what the database keeps.
pub fn now() -> Timestamp {
    truncate(Utc::now())
}

/// A moment truncated to microseconds, so that it survives a round trip
/// through either database unchanged.
pub fn truncate(moment: Timestamp) -> Timestamp {
    moment.trunc_subsecs(6)
}

/// A moment as refusals name it: to the minute, in UTC.
pub(crate) fn minute(moment: Timestamp) -> String {
    moment.format("%Y-%m-%d %H:%M UTC").to_string()
}
