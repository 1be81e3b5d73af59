//! The database going away: a full disk under SQLite, every PostgreSQL
//! backend killed in a rush. Clients get UNAVAILABLE (retry later), never
//! INTERNAL; nothing is half-written; the server recovers by itself.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use futures::future::join_all;
use sea_orm::{ConnectionTrait, Database};
use serde_json::json;

use usher_tests::catalogue::{create_item, festival};
use usher_tests::{
    Db, Gql, PASSWORD, TestApp, TestDatabase, spawn_app, spawn_app_on, test_auth_settings,
};

const REGISTER: &str =
    "mutation($input: RegisterInput!) { register(input: $input) { accessToken } }";
const LOGIN: &str = "mutation($input: LoginInput!) { login(input: $input) { accessToken } }";

async fn register(app: &TestApp, email: &str) -> Gql {
    app.gql(
        None,
        REGISTER,
        json!({ "input": { "email": email, "password": PASSWORD, "displayName": "Mai" } }),
    )
    .await
}

async fn login(app: &TestApp, email: &str) -> Gql {
    app.gql(
        None,
        LOGIN,
        json!({ "input": { "email": email, "password": PASSWORD } }),
    )
    .await
}

async fn readiness(app: &TestApp) -> (u16, String) {
    let response = app.get(&app.url("/readyz"), None).await;
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

fn failed(response: &Gql) -> bool {
    response.0.get("errors").is_some()
}

/// A small tmpfs of its own, unmounted (lazily: the server's connections
/// may still be closing) when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    /// None, said on stderr, where mounting is not permitted.
    fn mount(size: &str) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output();
        match mounted {
            Ok(output) if output.status.success() => Some(Self { dir }),
            Ok(output) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "full-disk test skipped: cannot mount a tmpfs ({})",
                    String::from_utf8_lossy(&output.stderr).trim()
                );
                None
            }
            Err(error) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "full-disk test skipped: cannot run mount ({error})"
                );
                None
            }
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Fills the disk: the WAL is checkpointed and truncated first, so that
/// the next commit needs room the disk no longer has (a WAL reuses the
/// space it already holds).
async fn fill(app: &TestApp, filler: &Path) {
    app.sql("PRAGMA wal_checkpoint(TRUNCATE)").await.unwrap();
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(filler)
        .unwrap();
    let block = vec![0_u8; 64 * 1024];
    loop {
        match file.write(&block) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    // The last bytes, a few at a time, so that not one block is left free.
    let small = [0_u8; 512];
    while !matches!(file.write(&small), Ok(0) | Err(_)) {}
    let _ = file.sync_all();
}

/// Asks again until `attempt` succeeds, for at most `within`; the last
/// answer either way.
async fn until_it_succeeds<F, Fut>(within: Duration, mut attempt: F) -> Gql
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Gql>,
{
    let deadline = Instant::now() + within;
    loop {
        let answer = attempt().await;
        if !failed(&answer) || Instant::now() > deadline {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_answers_a_full_disk_with_unavailable_and_recovers_once_space_returns() {
    let Some(disk) = SmallDisk::mount("6m") else {
        return;
    };
    let database = TestDatabase::sqlite_file(&disk.path("usher.db"));
    let app = spawn_app_on(Db::Sqlite, database, test_auth_settings()).await;
    let festival = festival(&app, "full-disk").await;
    let item = create_item(&app, &festival, 120, json!({})).await;
    let attendee = app.attendee("early@example.org").await;
    let filler = disk.path("filler");

    fill(&app, &filler).await;
    let reservation = app.reserve(&attendee, &item).await;
    let (ready_status, ready_body) = readiness(&app).await;
    fill(&app, &filler).await;
    let registration = register(&app, "during@example.org").await;
    fill(&app, &filler).await;
    let signing_in = login(&app, "early@example.org").await;

    assert_eq!(
        reservation.error_code(),
        "UNAVAILABLE",
        "{:?}",
        reservation.0
    );
    let message = reservation.0["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("cannot write") && !message.contains("disk is full"),
        "a clear message without the driver's words: {message}"
    );
    assert_eq!(
        registration.error_code(),
        "UNAVAILABLE",
        "{:?}",
        registration.0
    );
    assert_eq!(signing_in.error_code(), "UNAVAILABLE", "{:?}", signing_in.0);
    assert_eq!(ready_status, 503, "{ready_body}");
    assert!(ready_body.contains("database cannot write"), "{ready_body}");

    std::fs::remove_file(&filler).unwrap();
    let freed = Instant::now();

    let reservation =
        until_it_succeeds(Duration::from_secs(5), || app.reserve(&attendee, &item)).await;
    let registration = until_it_succeeds(Duration::from_secs(5), || {
        register(&app, "after@example.org")
    })
    .await;
    let signing_in =
        until_it_succeeds(Duration::from_secs(5), || login(&app, "early@example.org")).await;
    let recovered_in = freed.elapsed();
    let (ready_status, ready_body) = readiness(&app).await;

    reservation.data("/reserveTickets/id");
    registration.data("/register/accessToken");
    signing_in.data("/login/accessToken");
    assert!(
        recovered_in < Duration::from_secs(8),
        "recovered in {recovered_in:?}"
    );
    assert_eq!((ready_status, ready_body.as_str()), (200, "ready"));
    // Many writes in a row, as in a rush, go through too.
    let rush = join_all((0..20).map(|n| {
        let app = &app;
        async move { register(app, &format!("rush{n}@example.org")).await }
    }))
    .await;
    assert!(rush.iter().all(|answer| !failed(answer)), "{rush:?}");
    app.assert_counter_matches_tickets(item["id"].as_str().unwrap())
        .await;
    drop(app);
    drop(disk);
}

/// Kills every other connection to the test database, from a connection of
/// its own.
async fn terminate_backends(app: &TestApp) -> i64 {
    let db = Database::connect(&app.database.url).await.unwrap();
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        ))
        .await
        .unwrap();
    db.close().await.unwrap();
    i64::try_from(rows.len()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[cfg_attr(not(usher_postgres), ignore = "set USHER_TEST_DATABASE_URL to run it")]
async fn postgres_retries_a_transaction_once_on_a_fresh_connection_after_its_backend_died() {
    let app = spawn_app(Db::Postgres).await;
    // Every connection in the pool has been used and is idle.
    join_all((0..8).map(|n| {
        let app = &app;
        async move { app.attendee(&format!("warm{n}@example.org")).await }
    }))
    .await;

    let killed = terminate_backends(&app).await;
    // Registering writes first: the dead connection fails its BEGIN, and the
    // transaction runs again on a fresh one.
    let registration = register(&app, "after-the-kill@example.org").await;

    assert!(killed > 0, "the pool had connections");
    registration.data("/register/accessToken");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM account WHERE email = 'after-the-kill@example.org'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[cfg_attr(not(usher_postgres), ignore = "set USHER_TEST_DATABASE_URL to run it")]
async fn postgres_answers_a_rush_with_success_or_unavailable_when_every_backend_is_killed() {
    let app = spawn_app(Db::Postgres).await;
    let festival = festival(&app, "killed-backends").await;
    let item = create_item(&app, &festival, 120, json!({ "ticketCapacity": 500 })).await;
    let attendees = join_all((0..60).map(|n| {
        let app = &app;
        async move { app.attendee(&format!("rush{n}@example.org")).await }
    }))
    .await;

    // Three waves of reservations; the backends are killed while they run.
    let mut answers = Vec::new();
    let mut killed = 0;
    for wave in attendees.chunks(20) {
        let rush = join_all(wave.iter().map(|token| app.reserve(token, &item)));
        let kill = async {
            tokio::time::sleep(Duration::from_millis(15)).await;
            terminate_backends(&app).await
        };
        let (wave_answers, wave_killed) = tokio::join!(rush, kill);
        answers.extend(wave_answers);
        killed += wave_killed;
    }
    let after =
        until_it_succeeds(Duration::from_secs(5), || app.reserve(&attendees[0], &item)).await;

    assert!(killed > 0, "backends were killed during the rush");
    let codes: Vec<&str> = answers
        .iter()
        .filter(|answer| failed(answer))
        .map(Gql::error_code)
        .collect();
    assert!(
        codes.iter().all(|code| *code == "UNAVAILABLE"),
        "only UNAVAILABLE, never INTERNAL: {codes:?}"
    );
    after.data("/reserveTickets/id");
    let acknowledged: Vec<&str> = answers
        .iter()
        .chain(std::iter::once(&after))
        .filter(|answer| !failed(answer))
        .map(|answer| answer.data("/reserveTickets/id").as_str().unwrap())
        .collect();
    for id in &acknowledged {
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM ticket WHERE reservation_id = {}",
                app.uuid(id)
            ))
            .await,
            1,
            "acknowledged reservation {id} is stored with its ticket"
        );
    }
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM reservation r WHERE NOT EXISTS \
             (SELECT 1 FROM ticket t WHERE t.reservation_id = r.id)"
        )
        .await,
        0,
        "no reservation is half-written"
    );
    let stored = app.count("SELECT COUNT(*) FROM reservation").await;
    let acknowledged = i64::try_from(acknowledged.len()).unwrap();
    let unknown = i64::try_from(codes.len()).unwrap();
    assert!(
        (acknowledged..=acknowledged + unknown).contains(&stored),
        "{stored} stored, {acknowledged} acknowledged, {unknown} unavailable"
    );
    app.assert_counter_matches_tickets(item["id"].as_str().unwrap())
        .await;
}
