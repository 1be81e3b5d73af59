//! The store's group-commit writers: the door's scans, the reservations,
//! the standby line's calls and the ballots' entries.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::door::batch::DoorScans;
use crate::group_commit::{Writer, WriterStats};
use crate::health::Health;
use crate::tickets::ballot::BallotEntries;
use crate::tickets::batch::Reservations;
use crate::tickets::standby::StandbyCalls;

/// One writer task per kind of batch.
#[derive(Debug)]
pub(crate) struct Writers {
    pub(crate) door: Writer<DoorScans>,
    pub(crate) reservations: Writer<Reservations>,
    pub(crate) standby: Writer<StandbyCalls>,
    pub(crate) ballot: Writer<BallotEntries>,
}

impl Writers {
    /// Starts the writer tasks on the current tokio runtime.
    pub(crate) fn spawn(db: &DatabaseConnection, health: &Arc<Health>) -> Self {
        Self {
            door: Writer::spawn(db.clone(), health.clone()),
            reservations: Writer::spawn(db.clone(), health.clone()),
            standby: Writer::spawn(db.clone(), health.clone()),
            ballot: Writer::spawn(db.clone(), health.clone()),
        }
    }

    /// What each has done so far.
    pub(crate) fn stats(&self) -> [WriterStats; 4] {
        [
            self.door.stats(),
            self.reservations.stats(),
            self.standby.stats(),
            self.ballot.stats(),
        ]
    }
}
