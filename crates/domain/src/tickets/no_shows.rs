//! No-show strikes: a ticket still unscanned when late entry closes, or
//! given back too close to the start, counts against its holder; a
//! festival may block a holder who reaches its limit from reserving,
//! waiting and standing by for some days.

use super::{ReservationRefusal, TicketStatus};
use crate::catalogue::Item;
use crate::ids::{FestivalId, ItemId, NoShowId, TicketId, UserId};
use crate::input::{InvalidInput, Minutes};
use crate::time::Timestamp;

/// Giving a ticket back this long before the start, or earlier, is never a
/// strike, unless the festival says otherwise.
pub const DEFAULT_CANCEL_WITHOUT_PENALTY: Minutes = Minutes::of(120);
/// How long a block lasts, unless the festival says otherwise.
pub const DEFAULT_BLOCK_DAYS: BlockDays = BlockDays(7);

/// How many strikes block a holder: 1 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoShowLimit(u32);

impl NoShowLimit {
    /// Parses a limit given as input field `field`.
    pub fn parse(field: &str, raw: i64) -> Result<Self, InvalidInput> {
        u32::try_from(raw)
            .ok()
            .filter(|limit| (1..=100).contains(limit))
            .map(Self)
            .ok_or_else(|| InvalidInput::new(field, "must be between 1 and 100"))
    }

    /// The number of strikes.
    pub fn get(self) -> u32 {
        self.0
    }
}

/// How many days a block lasts: 1 to 365.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockDays(u32);

impl BlockDays {
    /// Parses days given as input field `field`.
    pub fn parse(field: &str, raw: i64) -> Result<Self, InvalidInput> {
        u32::try_from(raw)
            .ok()
            .filter(|days| (1..=365).contains(days))
            .map(Self)
            .ok_or_else(|| InvalidInput::new(field, "must be between 1 and 365"))
    }

    /// The days.
    pub fn get(self) -> u32 {
        self.0
    }

    fn duration(self) -> chrono::Duration {
        chrono::Duration::days(i64::from(self.0))
    }
}

/// A festival's no-show policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoShowPolicy {
    /// Strikes that block a holder; none: strikes are counted, never block.
    pub limit: Option<NoShowLimit>,
    /// How long a block lasts.
    pub block_days: BlockDays,
    /// A ticket given back at least this long before the start is no strike.
    pub cancel_without_penalty: Minutes,
}

impl Default for NoShowPolicy {
    fn default() -> Self {
        Self {
            limit: None,
            block_days: DEFAULT_BLOCK_DAYS,
            cancel_without_penalty: DEFAULT_CANCEL_WITHOUT_PENALTY,
        }
    }
}

/// What a strike was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoShowKind {
    /// The ticket was still unscanned when late entry closed.
    NoShow,
    /// The ticket was given back too close to the start.
    LateCancellation,
}

impl NoShowKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoShow => "NO_SHOW",
            Self::LateCancellation => "LATE_CANCELLATION",
        }
    }

    /// The kind with stored name `name`.
    pub fn from_stored(name: &str) -> Option<Self> {
        [Self::NoShow, Self::LateCancellation]
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }
}

/// A strike against a holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoShow {
    /// Its id.
    pub id: NoShowId,
    /// Whose.
    pub holder_id: UserId,
    /// The item's festival.
    pub festival_id: FestivalId,
    /// The item.
    pub item_id: ItemId,
    /// The ticket.
    pub ticket_id: TicketId,
    /// What for.
    pub kind: NoShowKind,
    /// When it counted: when late entry closed, or when the ticket was
    /// given back.
    pub at: Timestamp,
    /// When an organizer forgave it, if one did: it no longer counts.
    pub forgiven_at: Option<Timestamp>,
}

/// The strike a ticket of `item` earns once late entry has closed, if
/// any: an unscanned ticket is a no-show; a ticket given back later than
/// the policy's `cancel_without_penalty` before the start is a late
/// cancellation. Used and released tickets earn none, and neither does any
/// ticket of a cancelled item.
pub fn strike_of(
    status: TicketStatus,
    cancelled_at: Option<Timestamp>,
    item: &Item,
    policy: &NoShowPolicy,
) -> Option<(NoShowKind, Timestamp)> {
    if item.cancelled_at.is_some() {
        return None;
    }
    match status {
        TicketStatus::Active => Some((NoShowKind::NoShow, item.schedule.late_entry_until())),
        TicketStatus::Cancelled => {
            let deadline = item.schedule.starts_at() - policy.cancel_without_penalty.duration();
            cancelled_at
                .filter(|&at| at > deadline)
                .map(|at| (NoShowKind::LateCancellation, at))
        }
        TicketStatus::CheckedIn | TicketStatus::Released => None,
    }
}

/// When a holder's last block ends (it may be over), from the moments of
/// their unforgiven strikes in one festival: counted in order, every
/// `limit`-th strike starts a block of `block_days`, and the count starts
/// again. None when the policy has no limit or the limit was never reached.
pub fn blocked_until(
    strikes: impl IntoIterator<Item = Timestamp>,
    policy: &NoShowPolicy,
) -> Option<Timestamp> {
    let limit = policy.limit?.get();
    let mut moments: Vec<Timestamp> = strikes.into_iter().collect();
    moments.sort_unstable();
    moments
        .chunks_exact(usize::try_from(limit).ok()?)
        .next_back()
        .and_then(|reached| reached.last())
        .map(|&at| at + policy.block_days.duration())
}

/// Refuses a holder blocked at `now` (their block, from [`blocked_until`],
/// ends later).
pub fn check_not_blocked(
    blocked_until: Option<Timestamp>,
    now: Timestamp,
) -> Result<(), ReservationRefusal> {
    match blocked_until {
        Some(until) if until > now => Err(ReservationRefusal::NoShowBlocked { until }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;
