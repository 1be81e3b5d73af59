//! Write transactions: begun so that writers wait their turn instead of
//! failing, and committed knowing that a failed COMMIT is never safe to
//! retry.

use sea_orm::{
    DatabaseConnection, DatabaseTransaction, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};

use crate::error::{StoreError, commit_failed};

/// Commits; a failure is never retry-safe (see [`commit_failed`]).
pub(crate) async fn commit(transaction: DatabaseTransaction) -> Result<(), StoreError> {
    transaction.commit().await.map_err(commit_failed)
}

/// Begins a transaction that will write. On SQLite it takes the write lock
/// at once (`BEGIN IMMEDIATE`), so that a second writer waits for the busy
/// timeout instead of failing with "database is locked" when it upgrades
/// from reading.
pub(crate) async fn begin_write(
    db: &DatabaseConnection,
) -> Result<DatabaseTransaction, StoreError> {
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    Ok(db.begin_with_options(options).await?)
}
