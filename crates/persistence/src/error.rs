//! What can go wrong in the store, in terms the API can turn into the
//! contract's error codes.

use std::ops::Deref;

use sea_orm::sqlx::error::DatabaseError as _;
use sea_orm::sqlx::postgres::PgDatabaseError;
use sea_orm::sqlx::sqlite::SqliteError;
use sea_orm::{DbErr, RuntimeErr, SqlErr};
use usher_domain::InvalidInput;
use usher_domain::tickets::{ReservationRefusal, TicketDenial};
use usher_domain::wording::count;

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
    /// The database is away, busy past the wait, or cannot write (a full
    /// disk): nothing is wrong with the request, and it may succeed later.
    #[error(transparent)]
    Unavailable(#[from] Outage),
    /// The database failed or holds data this code cannot read.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<TicketDenial> for StoreError {
    fn from(denial: TicketDenial) -> Self {
        match denial {
            TicketDenial::NotFound(what) => Self::NotFound(what),
            TicketDenial::Refused(refusal) => Self::Refused(refusal),
            TicketDenial::Invalid(invalid) => Self::Invalid(invalid),
        }
    }
}

/// Why [`Store::connect_existing`](crate::Store::connect_existing) found no
/// database to work on; each names the database by its URL, password
/// hidden.
#[derive(Debug, thiserror::Error)]
pub enum NotReady {
    /// The SQLite file does not exist.
    #[error("there is no database at {0}")]
    Missing(String),
    /// The database holds none of Usher's tables.
    #[error("the database at {0} is not migrated: it holds no Usher tables")]
    Empty(String),
    /// The database is older than this build.
    #[error(
        "the database at {url} is not up to date: {} to apply",
        count(*.pending, "migration", "migrations")
    )]
    Behind {
        /// The database's URL, password hidden.
        url: String,
        /// Migrations not yet applied.
        pending: usize,
    },
    /// The database could not be opened or read.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What kept the database from serving a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutageKind {
    /// The connection broke or could not be opened, or the pool had none
    /// free in time.
    Unreachable,
    /// Another writer held the database past the busy timeout.
    Busy,
    /// The disk is full or failing, or the database is read-only.
    CannotWrite,
}

/// The database could not serve a call; says whether the transaction may
/// simply run again.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}: {detail}", self.message())]
pub struct Outage {
    kind: OutageKind,
    /// The driver's words, for the log.
    detail: String,
    /// The connection broke before COMMIT was sent: nothing of the
    /// transaction was written, and running it again on another connection
    /// is safe.
    retry_safe: bool,
    /// The connection broke while COMMIT was on its way: the change may or
    /// may not have been made.
    outcome_unknown: bool,
}

impl Outage {
    /// Which kind of outage.
    pub fn kind(&self) -> OutageKind {
        self.kind
    }

    /// What a client is told: what happened and what to do, without the
    /// driver's words.
    pub fn message(&self) -> &'static str {
        match self.kind {
            OutageKind::Unreachable if self.outcome_unknown => {
                "the connection to the database broke while the change was being saved: it may or may not have been made; look before trying again"
            }
            OutageKind::Unreachable => "the database is unreachable; try again in a moment",
            OutageKind::Busy => "the database is busy; try again in a moment",
            OutageKind::CannotWrite => {
                "the database cannot write (its disk may be full); try again later"
            }
        }
    }

    pub(crate) fn retry_safe(&self) -> bool {
        self.retry_safe
    }

    pub(crate) fn new(kind: OutageKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
            retry_safe: false,
            outcome_unknown: false,
        }
    }
}

impl StoreError {
    /// The transaction failed because its connection broke before COMMIT
    /// was sent: it wrote nothing and may run again.
    pub(crate) fn retry_safe(&self) -> bool {
        matches!(self, Self::Unavailable(outage) if outage.retry_safe())
    }
}

impl From<DbErr> for StoreError {
    fn from(error: DbErr) -> Self {
        match outage(&error) {
            Some(outage) => Self::Unavailable(outage),
            None => Self::Unexpected(anyhow::Error::new(error)),
        }
    }
}

/// A failed COMMIT: never retry-safe, and when the connection broke the
/// outcome is unknown (the server may have committed before it went).
pub(crate) fn commit_failed(error: DbErr) -> StoreError {
    match outage(&error) {
        Some(mut outage) => {
            outage.retry_safe = false;
            outage.outcome_unknown = outage.kind == OutageKind::Unreachable;
            StoreError::Unavailable(outage)
        }
        None => StoreError::Unexpected(anyhow::Error::new(error)),
    }
}

/// Classifies a driver error as an outage, or None when it is a bug, a
/// rule or bad data.
fn outage(error: &DbErr) -> Option<Outage> {
    use sea_orm::ConnAcquireErr;
    use sea_orm::sqlx::Error as Sqlx;

    let detail = error.to_string();
    let sqlx = match error {
        DbErr::ConnectionAcquire(ConnAcquireErr::Timeout | ConnAcquireErr::ConnectionClosed) => {
            return Some(Outage::new(OutageKind::Unreachable, detail));
        }
        DbErr::Conn(RuntimeErr::SqlxError(sqlx))
        | DbErr::Exec(RuntimeErr::SqlxError(sqlx))
        | DbErr::Query(RuntimeErr::SqlxError(sqlx)) => sqlx.deref(),
        _ => return None,
    };
    let broken = |detail| Outage {
        retry_safe: true,
        ..Outage::new(OutageKind::Unreachable, detail)
    };
    match sqlx {
        Sqlx::Io(_) | Sqlx::Tls(_) | Sqlx::Protocol(_) | Sqlx::WorkerCrashed => {
            Some(broken(detail))
        }
        Sqlx::PoolTimedOut | Sqlx::PoolClosed => Some(Outage::new(OutageKind::Unreachable, detail)),
        Sqlx::Database(database) => {
            if let Some(sqlite) = database.try_downcast_ref::<SqliteError>() {
                let code = sqlite
                    .code()
                    .and_then(|code| code.parse::<i32>().ok())
                    .unwrap_or_default();
                // Primary result codes: the low byte of the extended one.
                match code & 0xff {
                    // SQLITE_BUSY, SQLITE_LOCKED
                    5 | 6 => Some(Outage::new(OutageKind::Busy, detail)),
                    // SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN
                    8 | 10 | 13 | 14 => Some(Outage::new(OutageKind::CannotWrite, detail)),
                    _ => None,
                }
            } else if let Some(postgres) = database.try_downcast_ref::<PgDatabaseError>() {
                match postgres.code() {
                    // admin_shutdown, crash_shutdown, cannot_connect_now
                    // (pg_terminate_backend, a restart), and the connection
                    // exceptions: the session is gone.
                    "57P01" | "57P02" | "57P03" => Some(broken(detail)),
                    code if code.starts_with("08") => Some(broken(detail)),
                    // too_many_connections
                    "53300" => Some(Outage::new(OutageKind::Unreachable, detail)),
                    // disk_full, insufficient_resources, out_of_memory,
                    // read_only_sql_transaction (a standby)
                    "53100" | "53000" | "53200" | "25006" => {
                        Some(Outage::new(OutageKind::CannotWrite, detail))
                    }
                    _ => None,
                }
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Maps a unique-constraint violation to `Conflict(message)`, any other
/// failure as [`From<DbErr>`] does.
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr};

    use super::{OutageKind, StoreError, commit_failed};

    fn sqlx(error: sea_orm::sqlx::Error) -> DbErr {
        DbErr::Query(RuntimeErr::SqlxError(Arc::new(error)))
    }

    fn outage(error: StoreError) -> super::Outage {
        match error {
            StoreError::Unavailable(outage) => outage,
            other => panic!("expected an outage: {other:?}"),
        }
    }

    #[test]
    fn a_broken_connection_is_an_outage_safe_to_retry_until_commit() {
        let broken = || sqlx(std::io::Error::from(std::io::ErrorKind::BrokenPipe).into());

        let before_commit = outage(broken().into());
        let at_commit = outage(commit_failed(broken()));

        assert_eq!(before_commit.kind(), OutageKind::Unreachable);
        assert!(before_commit.retry_safe());
        assert!(!before_commit.message().contains("broken pipe"));
        assert_eq!(at_commit.kind(), OutageKind::Unreachable);
        assert!(!at_commit.retry_safe());
        assert!(
            at_commit
                .message()
                .contains("may or may not have been made")
        );
    }

    #[test]
    fn a_pool_that_gives_no_connection_in_time_is_an_outage_not_retried() {
        let timed_out = outage(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout).into());
        let closed = outage(sqlx(sea_orm::sqlx::Error::PoolClosed).into());

        assert_eq!(timed_out.kind(), OutageKind::Unreachable);
        assert!(!timed_out.retry_safe());
        assert!(!closed.retry_safe());
    }

    #[test]
    fn bugs_and_bad_data_stay_unexpected() {
        let decoding = sqlx(sea_orm::sqlx::Error::ColumnNotFound("x".into()));

        assert!(matches!(
            StoreError::from(decoding),
            StoreError::Unexpected(_)
        ));
        assert!(matches!(
            StoreError::from(DbErr::RecordNotFound("x".into())),
            StoreError::Unexpected(_)
        ));
    }
}
