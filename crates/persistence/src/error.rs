//! What can go wrong in the store, in terms the API can turn into the
//! contract's error codes.

use sea_orm::{DbErr, SqlErr};
use usher_domain::InvalidInput;
use usher_domain::tickets::ReservationRefusal;

/// A failed repository call.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such record (or not one the caller may see).
    #[error("no such {0}")]
    NotFound(&'static str),
    /// A uniqueness rule refused the write, e.g. an email already registered.
    #[error("{0}")]
    Conflict(String),
    /// A reservation the rules refuse: sold out, over the limit, overlapping
    /// or outside the window.
    #[error(transparent)]
    Refused(#[from] ReservationRefusal),
    /// The write would break a rule about its input.
    #[error(transparent)]
    Invalid(#[from] InvalidInput),
    /// The database failed or holds data this code cannot read.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbErr> for StoreError {
    fn from(error: DbErr) -> Self {
        Self::Unexpected(anyhow::Error::new(error))
    }
}

/// Maps a unique-constraint violation to `Conflict(message)`, any other
/// failure to `Unexpected`.
pub(crate) fn on_unique_violation(error: DbErr, message: impl FnOnce() -> String) -> StoreError {
    match error.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => StoreError::Conflict(message()),
        _ => error.into(),
    }
}

/// Wraps a value read from the database that breaks a domain rule: the data
/// is corrupt, which is an internal failure, not the caller's.
pub(crate) fn corrupt(table: &str, error: impl std::fmt::Display) -> StoreError {
    StoreError::Unexpected(anyhow::anyhow!("corrupt row in {table}: {error}"))
}
