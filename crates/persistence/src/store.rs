//! Connecting to the database, migrating it, beginning write transactions
//! that wait their turn instead of failing, and committing them.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sea_orm::sqlx::Connection as _;
use sea_orm::sqlx::pool::PoolConnectionMetadata;
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
};
use usher_migrations::{Migrator, MigratorTrait};

use crate::error::{NotReady, OutageKind, StoreError};
use crate::group_commit::WriterStats;
use crate::health::{Health, write_retrying};
use crate::secret_key::SecretKey;
use crate::transaction::{begin_write, commit};
use crate::writers::Writers;

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
    health: Arc<Health>,
    pub(crate) writers: Arc<Writers>,
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
        let health = Arc::new(Health::default());
        let db = open(url, options, None, health.clone(), Create::IfMissing).await?;
        Self::start(db, url, options, health).await
    }

    /// Connects to `url` only if it holds a database whose schema is up to
    /// date: never creates the SQLite file nor migrates, for tools that
    /// must not make an empty database where they were merely pointed at
    /// the wrong one. With a secret key, seals as [`Store::connect`] does.
    #[tracing::instrument(skip_all, err)]
    pub async fn connect_existing(url: &str, options: &StoreOptions) -> Result<Self, NotReady> {
        let health = Arc::new(Health::default());
        let db = match open(url, options, None, health.clone(), Create::Never).await {
            Ok(db) => db,
            Err(_) if sqlite_file_is_missing(url) => {
                return Err(NotReady::Missing(redact_password(url)));
            }
            Err(error) => return Err(error.into()),
        };
        let pending = Migrator::get_pending_migrations_read_only(&db)
            .await
            .map_err(StoreError::from)?
            .len();
        if pending > 0 {
            db.close().await.map_err(StoreError::from)?;
            let url = redact_password(url);
            let all = Migrator::migrations().len();
            return Err(if pending == all {
                NotReady::Empty(url)
            } else {
                NotReady::Behind { url, pending }
            });
        }
        Ok(Self::start(db, url, options, health).await?)
    }

    /// A store over a pool to a migrated database: starts its writers and
    /// seals the stored secrets.
    async fn start(
        mut db: DatabaseConnection,
        url: &str,
        options: &StoreOptions,
        health: Arc<Health>,
    ) -> Result<Self, StoreError> {
        let statements = Arc::new(AtomicU64::new(0));
        count_statements(&mut db, statements.clone());
        let store = Self {
            writers: Arc::new(Writers::spawn(&db, &health)),
            db,
            url: url.to_owned(),
            statements,
            health,
            secret_key: options.secret_key.clone(),
        };
        store.seal_stored_secrets().await?;
        Ok(store)
    }

    /// Applies every pending migration over a single connection: DDL through
    /// a multi-connection SQLite pool can fail spuriously.
    #[tracing::instrument(skip_all, err)]
    pub async fn migrate(url: &str, options: &StoreOptions) -> Result<(), StoreError> {
        let db = open(url, options, Some(1), Arc::default(), Create::IfMissing).await?;
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
    pub fn writer_stats(&self) -> [WriterStats; 4] {
        self.writers.stats()
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

    /// Checks that the database answers and, if the last write failed for
    /// want of disk, that it can write again (by writing).
    #[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
    pub async fn check_ready(&self) -> Result<(), StoreError> {
        self.ping().await?;
        let Some(failure) = self.health.cannot_write() else {
            return Ok(());
        };
        match tokio::time::timeout(WRITE_PROBE_TIMEOUT, self.probe_write()).await {
            Ok(Ok(())) => {
                self.health.wrote();
                Ok(())
            }
            Ok(Err(StoreError::Unavailable(outage)))
                if outage.kind() == OutageKind::CannotWrite =>
            {
                Err(outage.into())
            }
            Ok(Err(_)) | Err(_) => Err(failure.into()),
        }
    }

    /// Commits a write of one page (SQLite: the header's user version, set
    /// to what it is; PostgreSQL: a transaction id), which needs room on
    /// disk like any other.
    async fn probe_write(&self) -> Result<(), StoreError> {
        let transaction = self.begin_write().await?;
        match self.db.get_database_backend() {
            DbBackend::Postgres => {
                transaction
                    .execute_unprepared("SELECT txid_current()")
                    .await?;
            }
            _ => {
                let version = transaction
                    .query_one_raw(sea_orm::Statement::from_string(
                        DbBackend::Sqlite,
                        "PRAGMA user_version",
                    ))
                    .await?
                    .map(|row| row.try_get_by_index::<i64>(0))
                    .transpose()?
                    .unwrap_or_default();
                transaction
                    .execute_unprepared(&format!("PRAGMA user_version = {version}"))
                    .await?;
            }
        }
        commit(transaction).await
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

    /// Runs a write transaction (`attempt` begins and commits it), once
    /// more if its connection broke before COMMIT; remembers whether the
    /// database could write.
    pub(crate) async fn write<T, F, Fut>(&self, attempt: F) -> Result<T, StoreError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, StoreError>>,
    {
        write_retrying(&self.health, attempt).await
    }
}

/// How long readiness waits for its test write.
const WRITE_PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// Counts every statement sent to the database, for tests that check a
/// request costs a fixed number of queries.
fn count_statements(db: &mut DatabaseConnection, counter: Arc<AtomicU64>) {
    db.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    });
}

/// A connection idle this long may have been dropped meanwhile: it is
/// pinged before use. Pinging on every acquire would be a round trip on
/// every transaction.
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(30);

/// Whether a pooled connection is pinged before use: when idle long, or
/// when connections broke lately.
fn needs_ping(health: &Health, metadata: &PoolConnectionMetadata) -> bool {
    metadata.idle_for >= PING_IF_IDLE_FOR || health.testing_connections()
}

/// Whether a connection given back to the pool may be used again. A
/// connection still inside a transaction may not: after a failed COMMIT
/// (SQLite rolls back by itself on a full disk) the ROLLBACK on drop fails
/// too, and the driver still counts the transaction open; the next BEGIN on
/// that connection would become a SAVEPOINT (a deferred transaction, "database
/// is locked"), and its ROLLBACK TO would keep the write lock for good.
async fn reusable<C: sea_orm::sqlx::Connection>(
    connection: &mut C,
) -> Result<bool, sea_orm::sqlx::Error> {
    if !connection.is_in_transaction() {
        return Ok(true);
    }
    // A rollback queued by a dropped transaction runs before the ping.
    connection.ping().await?;
    if connection.is_in_transaction() {
        tracing::warn!("a connection came back inside a transaction; closing it");
        return Ok(false);
    }
    Ok(true)
}

/// Whether opening a SQLite database may create its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Create {
    /// Create it (serve, migrate), whatever the URL's `mode` says.
    IfMissing,
    /// Never, not even for a URL with `?mode=rwc`.
    Never,
}

/// Whether `url` names a SQLite file that does not exist.
fn sqlite_file_is_missing(url: &str) -> bool {
    url.parse::<SqliteConnectOptions>()
        .is_ok_and(|sqlite| !sqlite.get_filename().exists())
}

async fn open(
    url: &str,
    options: &StoreOptions,
    pool_size: Option<u32>,
    health: Arc<Health>,
    create: Create,
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
        .test_before_acquire(false)
        .sqlx_logging(false);
    let tested = health.clone();
    connect
        .map_sqlx_postgres_before_acquire(move |connection, metadata| {
            let ping = needs_ping(&tested, &metadata);
            Box::pin(async move {
                if ping {
                    connection.ping().await?;
                }
                Ok(true)
            })
        })
        .map_sqlx_postgres_pool_opts(|pool| {
            pool.after_release(|connection, _| Box::pin(reusable(connection)))
        });
    let tested = health;
    connect
        .map_sqlx_sqlite_before_acquire(move |connection, metadata| {
            let ping = needs_ping(&tested, &metadata);
            Box::pin(async move {
                if ping {
                    connection.ping().await?;
                }
                Ok(true)
            })
        })
        .map_sqlx_sqlite_pool_opts(|pool| {
            pool.after_release(|connection, _| Box::pin(reusable(connection)))
        });
    if is_sqlite {
        let synchronous = match options.synchronous {
            Synchronous::Normal => SqliteSynchronous::Normal,
            Synchronous::Full => SqliteSynchronous::Full,
        };
        connect.map_sqlx_sqlite_opts(move |sqlite| {
            sqlite
                .create_if_missing(create == Create::IfMissing)
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
