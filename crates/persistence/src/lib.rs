//! The repository of Usher: sea-orm entities and the functions that read and
//! write them, on SQLite (the embedded default) or PostgreSQL.
//!
//! This is the only crate that names sea-orm. Its public functions take and
//! return domain types; its entities stay private. A write that changes
//! several rows, or that must hold a rule under concurrency, is one
//! transaction here with a conditional update; this crate makes the domain's
//! decisions atomic and does not re-decide them. It must not depend on the
//! API or server crates. Its spans and error events are at DEBUG: a refusal
//! is an answer, not a failure, and callers log what is unexpected.

mod accounts;
mod attendance;
mod catalogue;
mod door;

mod entities;
mod error;
mod group_commit;
mod health;
mod keys;
mod rows;
mod secret_key;
mod secrets;
mod store;
#[cfg(test)]
mod testing;
mod tickets;
mod transaction;
mod writers;

pub use accounts::{NewUser, RefreshOutcome, StoredCredentials};
pub use attendance::ItemChangeFeed;
pub use catalogue::{NewFestival, NewFilm, NewItem, NewVenue, Page, ProgrammeQuery};
pub use door::{Manifest, NewScanner};
pub use error::{NotReady, Outage, OutageKind, StoreError};
pub use group_commit::WriterStats;
pub use keys::{RetiredSigningKey, StoredSigningKey};
pub use secret_key::{BadSecretKey, SecretKey};
pub use store::{Backend, Store, StoreOptions, Synchronous, redact_password};
pub use tickets::ballot::{BallotResult, DrawnEntry, NewBallotEntry};
pub use tickets::release::Release;
pub use tickets::standby::StandbyCall;
pub use usher_domain::door::batch::{ScanAttempt, ScanResult};
pub use usher_domain::tickets::reservations::NewReservation;
