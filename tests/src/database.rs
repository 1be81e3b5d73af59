//! A database made for one test: a SQLite file in a temporary directory,
//! or a new PostgreSQL database with a random name, dropped afterwards.
//!
//! PostgreSQL tests are built ignored unless `USHER_TEST_DATABASE_URL` is
//! set at build time (build.rs sets the `usher_postgres` cfg), so a run
//! without a server shows them as skipped rather than passed. The cfg is
//! read where a test is compiled: a package with PostgreSQL tests has a
//! build.rs of its own that sets it, and writes
//! `#[cfg_attr(not(usher_postgres), ignore = "set USHER_TEST_DATABASE_URL to run it")]`
//! on each (or lets `on_both_databases!` write it).

use std::io::Write as _;
use std::path::Path;

use sea_orm::{ConnectionTrait, Database};

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server tests create their databases on, when set.
pub const POSTGRES_ENV: &str = "USHER_TEST_DATABASE_URL";

/// A database made for one test and removed after it.
pub struct TestDatabase {
    pub url: String,
    _sqlite_dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    /// A SQLite database in a file the test chose (e.g. on a small disk of
    /// its own, or in a server's working directory); the test removes it.
    pub fn sqlite_file(path: &Path) -> Self {
        Self {
            url: format!("sqlite://{}", path.display()),
            _sqlite_dir: None,
            postgres: None,
        }
    }

    /// The database at `url`, left in place when this is dropped: for a
    /// second server on a test's database.
    pub fn shared(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            _sqlite_dir: None,
            postgres: None,
        }
    }

    /// A fresh database. A PostgreSQL one needs `USHER_TEST_DATABASE_URL`
    /// when the test runs (and when it was built, or it is ignored).
    pub async fn create(db: Db) -> Self {
        match db {
            Db::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let url = format!("sqlite://{}/usher.db", dir.path().display());
                Self {
                    url,
                    _sqlite_dir: Some(dir),
                    postgres: None,
                }
            }
            Db::Postgres => {
                let admin_url = std::env::var(POSTGRES_ENV).unwrap_or_else(|_| {
                    panic!(
                        "PostgreSQL tests need {POSTGRES_ENV} (e.g. postgres://postgres@127.0.0.1:5432/test), when they are built and when they run"
                    )
                });
                let name = format!("usher_test_{}", uuid::Uuid::new_v4().simple());
                let admin = Database::connect(&admin_url).await.unwrap_or_else(|error| {
                    panic!("{POSTGRES_ENV} is set but unreachable: {error}")
                });
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create the test database");
                admin.close().await.expect("close the admin connection");
                let base = admin_url
                    .rsplit_once('/')
                    .map_or(admin_url.as_str(), |(base, _)| base);
                Self {
                    url: format!("{base}/{name}"),
                    _sqlite_dir: None,
                    postgres: Some((admin_url.clone(), name)),
                }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs outside async; a small runtime of its own removes the database.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let admin = Database::connect(&admin_url).await?;
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await?;
                admin.close().await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            let _ = writeln!(std::io::stderr(), "could not drop a test database");
        }
    }
}

/// Runs each named `async fn(TestApp)` once on SQLite and once on
/// PostgreSQL (ignored, so shown as skipped, when the calling test package
/// was built without `USHER_TEST_DATABASE_URL`; its build.rs sets the cfg).
#[macro_export]
macro_rules! on_both_databases {
    ($($test:ident),* $(,)?) => {$(
        mod $test {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$test($crate::spawn_app($crate::Db::Sqlite).await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            #[cfg_attr(not(usher_postgres), ignore = "set USHER_TEST_DATABASE_URL to run it")]
            async fn postgres() {
                super::$test($crate::spawn_app($crate::Db::Postgres).await).await;
            }
        }
    )*};
}
