//! What the store has learnt of the database's health from its own calls:
//! whether writes fail for want of disk (readiness says so until one
//! succeeds), and whether connections broke lately (then every pooled
//! connection is tested before use, so that a retry gets a live one).
//! Write transactions run through [`write_retrying`], which runs one again
//! when its connection broke before COMMIT.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::error::{Outage, OutageKind, StoreError};

/// How long after a broken connection every connection is tested before
/// use: long enough for the pool to shed the other dead ones.
const TEST_AFTER_BREAK: Duration = Duration::from_secs(10);

/// Shared by a store's pool hooks, its writers and its readiness check.
#[derive(Debug, Default)]
pub(crate) struct Health {
    test_connections_until: Mutex<Option<Instant>>,
    cannot_write: Mutex<Option<Outage>>,
}

impl Health {
    /// Whether a connection taken from the pool should be pinged first.
    pub(crate) fn testing_connections(&self) -> bool {
        let until = self
            .test_connections_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        until.is_some_and(|until| Instant::now() < until)
    }

    /// Why writes fail, if the last write that ended failed for want of
    /// disk.
    pub(crate) fn cannot_write(&self) -> Option<Outage> {
        self.cannot_write
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// A write transaction committed.
    pub(crate) fn wrote(&self) {
        *self
            .cannot_write
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// Learns from a failed call.
    pub(crate) fn failed(&self, error: &StoreError) {
        let StoreError::Unavailable(outage) = error else {
            return;
        };
        match outage.kind() {
            OutageKind::CannotWrite => {
                *self
                    .cannot_write
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = Some(outage.clone());
            }
            OutageKind::Unreachable if outage.retry_safe() => {
                *self
                    .test_connections_until
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) =
                    Some(Instant::now() + TEST_AFTER_BREAK);
            }
            OutageKind::Unreachable | OutageKind::Busy => {}
        }
    }

    /// Learns from the end of a write.
    pub(crate) fn observe<T>(&self, result: &Result<T, StoreError>) {
        match result {
            Ok(_) => self.wrote(),
            Err(error) => self.failed(error),
        }
    }
}

/// Runs a write transaction; when it fails because its connection broke
/// before COMMIT was sent (so it wrote nothing), runs it once more on a
/// tested connection. A failed COMMIT is never run again: the server may
/// have committed it.
pub(crate) async fn write_retrying<T, F, Fut>(
    health: &Health,
    mut attempt: F,
) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, StoreError>>,
{
    let mut result = attempt().await;
    if let Err(error) = &result
        && error.retry_safe()
    {
        tracing::warn!(%error, "a database connection broke; running the transaction again");
        health.failed(error);
        result = attempt().await;
    }
    health.observe(&result);
    result
}
