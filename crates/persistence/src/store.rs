//! Connecting to the database, migrating it, and beginning write
//! transactions that wait their turn instead of failing.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use usher_migrations::{Migrator, MigratorTrait};

use crate::attendance::count_statements;
use crate::door::DoorScans;
use crate::error::StoreError;
use crate::group_commit::{Writer, WriterStats};
use crate::secrets::SecretKey;
use crate::tickets::Reservations;

/// Which database engine is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// How SQLite makes a committed write durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// WAL with `synchronous=NORMAL`: survives a killed process; a power cut
    /// may lose the last moments.
    #[default]
    Normal,
    /// `synchronous=FULL`: survives a power cut too, at some cost per commit.
    Full,
}

/// How to connect.
#[derive(Debug, Clone, Default)]
pub struct StoreOptions {
    /// Connections in the pool; by default 8 on SQLite, 16 on PostgreSQL.
    pub pool_size: Option<u32>,
    /// SQLite durability.
    pub synchronous: Synchronous,
    /// The key that seals the secrets kept in the database; without one
    /// they are kept in clear.
    pub secret_key: Option<SecretKey>,
}

/// A connection pool to a migrated database.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) db: DatabaseConnection,
    pub(crate) url: String,
    statements: Arc<AtomicU64>,
    pub(crate) door: Arc<Writer<DoorScans>>,
    pub(crate) reservations: Arc<Writer<Reservations>>,
    pub(crate) secret_key: Option<SecretKey>,
}

/// Any number of instances may migrate at once on PostgreSQL: they take
/// this advisory lock in turn.
const MIGRATION_LOCK: i64 = 0x0075_7368_6572;

impl Store {
    /// Connects to `url`, creating the SQLite file if needed, and brings the
    /// schema up to date. With a secret key, checks that it opens the
    /// secrets already sealed and seals those still in clear. Starts the
    /// writer tasks on the current tokio runtime.
    #[tracing::instrument(skip_all, err)]
    pub async fn connect(url: &str, options: &StoreOptions) -> Result<Self, StoreError> {
        Self::migrate(url, options).await?;
        let mut db = open(url, options, None).await?;
        let statements = Arc::new(AtomicU64::new(0));
        count_statements(&mut db, statements.clone());
        let store = Self {
            door: Arc::new(Writer::spawn(db.clone())),
            reservations: Arc::new(Writer::spawn(db.clone())),
            db,
            url: url.to_owned(),
            statements,
            secret_key: options.secret_key.clone(),
        };
        store.seal_stored_secrets().await?;
        Ok(store)
    }

    /// Applies every pending migration over a single connection: DDL through
    /// a multi-connection SQLite pool can fail spuriously.
    #[tracing::instrument(skip_all, err)]
    pub async fn migrate(url: &str, options: &StoreOptions) -> Result<(), StoreError> {
        let db = open(url, options, Some(1)).await?;
        let backend = db.get_database_backend();
        if backend == DbBackend::Postgres {
            db.execute_unprepared(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
                .await?;
        }
        let migrated = Migrator::up(&db, None).await;
        if backend == DbBackend::Postgres {
            db.execute_unprepared(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
                .await?;
        }
        migrated?;
        db.close().await?;
        Ok(())
    }

    /// The engine behind this store.
    pub fn backend(&self) -> Backend {
        match self.db.get_database_backend() {
            DbBackend::Postgres => Backend::Postgres,
            _ => Backend::Sqlite,
        }
    }

    /// Statements sent to the database so far by this store.
    pub fn statements_executed(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// What the group-commit writers have done so far.
    pub fn writer_stats(&self) -> [WriterStats; 2] {
        [self.door.stats(), self.reservations.stats()]
    }

    /// Connections in the pool: (open, idle).
    pub fn pool_status(&self) -> (u32, usize) {
        match self.db.get_database_backend() {
            DbBackend::Postgres => {
                let pool = self.db.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
            _ => {
                let pool = self.db.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
        }
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db.ping().await?;
        Ok(())
    }

    /// Closes every connection.
    pub async fn close(self) -> Result<(), StoreError> {
        self.db.close().await?;
        Ok(())
    }

    /// Begins a transaction that will write. On SQLite it takes the write lock
    /// at once (`BEGIN IMMEDIATE`), so that a second writer waits for the
    /// busy timeout instead of failing with "database is locked" when it
    /// upgrades from reading.
    pub(crate) async fn begin_write(&self) -> Result<DatabaseTransaction, StoreError> {
        begin_write(&self.db).await
    }
}

/// [`Store::begin_write`] on a connection pool.
pub(crate) async fn begin_write(
    db: &DatabaseConnection,
) -> Result<DatabaseTransaction, StoreError> {
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    Ok(db.begin_with_options(options).await?)
}

async fn open(
    url: &str,
    options: &StoreOptions,
    pool_size: Option<u32>,
) -> Result<DatabaseConnection, StoreError> {
    let is_sqlite = url.starts_with("sqlite:");
    let pool_size = pool_size
        .or(options.pool_size)
        .unwrap_or(if is_sqlite { 8 } else { 16 });
    let mut connect = ConnectOptions::new(url);
    connect
        .max_connections(pool_size)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        // A ping on every acquire is a round trip on every transaction;
        // only a connection idle this long may have been dropped meanwhile.
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        .sqlx_logging(false);
    if is_sqlite {
        let synchronous = match options.synchronous {
            Synchronous::Normal => SqliteSynchronous::Normal,
            Synchronous::Full => SqliteSynchronous::Full,
        };
        connect.map_sqlx_sqlite_opts(move |sqlite| {
            sqlite
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(synchronous)
                .busy_timeout(Duration::from_secs(30))
                .foreign_keys(true)
        });
    }
    Database::connect(connect).await.map_err(|error| {
        StoreError::Unexpected(anyhow::Error::new(error).context(format!(
            "cannot open the database at {}",
            redact_password(url)
        )))
    })
}

/// The URL with any password replaced, for messages and logs.
pub fn redact_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_password;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact_password("postgres://usher:s3cret@db:5432/usher"),
            "postgres://usher:***@db:5432/usher"
        );
        assert_eq!(redact_password("sqlite://usher.db"), "sqlite://usher.db");
    }
}
