//! The `usher` command line, run in-process against the test database
//! while the server serves it, and the demo festival; commands other than
//! `serve` and `migrate` refuse a database that is missing or not migrated.

use chrono::Utc;
use clap::CommandFactory;
use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::json;
use usher_domain::catalogue::ProgrammeKind;
use usher_domain::input::Email;
use usher_domain::roles::Role;
use usher_persistence::ProgrammeQuery;
use usher_server::cli::Cli;
use usher_server::{Application, Settings, demo};

use usher_tests::catalogue::festival;
use usher_tests::cli::usher;
use usher_tests::on_both_databases;
use usher_tests::{Db, PASSWORD, TestApp, TestDatabase, test_auth_settings};

on_both_databases!(
    user_add_creates_organizers_and_door_staff_while_the_server_runs,
    user_add_refuses_bad_input_and_creates_nothing,
    the_demo_festival_loads_once_with_open_doors_and_accounts,
);

async fn user_add_creates_organizers_and_door_staff_while_the_server_runs(app: TestApp) {
    let festival = festival(&app, "cli-week").await;
    let url = app.database.url.clone();

    usher(&[
        "user",
        "add",
        "--email",
        "Lead@Example.org",
        "--password",
        PASSWORD,
        "--name",
        "Lead",
        "--role",
        "organizer",
        "--festival",
        "cli-week",
        "--database-url",
        &url,
    ])
    .await
    .unwrap();
    usher(&[
        "user",
        "add",
        "--email",
        "gate@example.org",
        "--password",
        PASSWORD,
        "--name",
        "Gate",
        "--role",
        "DOOR_STAFF",
        "--festival",
        "cli-week",
        "--venue",
        &festival.venue,
        "--database-url",
        &url,
    ])
    .await
    .unwrap();
    usher(&["migrate", "--database-url", &url]).await.unwrap();

    let lead = app.login("lead@example.org").await;
    let roles = app
        .gql(
            Some(&lead),
            "{ me { roles { role festival { slug } venue { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        roles.data("/me/roles/1"),
        &json!({ "role": "ORGANIZER", "festival": { "slug": "cli-week" }, "venue": null })
    );
    let gate = app.login("gate@example.org").await;
    let roles = app
        .gql(
            Some(&gate),
            "{ me { roles { role venue { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        roles.data("/me/roles/1"),
        &json!({ "role": "DOOR_STAFF", "venue": { "name": "Hall 2" } })
    );
}

async fn user_add_refuses_bad_input_and_creates_nothing(app: TestApp) {
    festival(&app, "strict").await;
    let url = app.database.url.clone();
    let accounts_before = app.count("SELECT COUNT(*) FROM account").await;
    let refused: [&[&str]; 5] = [
        &[
            "--email",
            "a@example.org",
            "--password",
            "short",
            "--name",
            "A",
        ],
        &[
            "--email",
            "not-an-email",
            "--password",
            PASSWORD,
            "--name",
            "A",
        ],
        &[
            "--email",
            "a@example.org",
            "--password",
            PASSWORD,
            "--name",
            "A",
            "--role",
            "organizer",
            "--festival",
            "nope",
        ],
        &[
            "--email",
            "a@example.org",
            "--password",
            PASSWORD,
            "--name",
            "A",
            "--role",
            "organizer",
        ],
        &[
            "--email",
            "a@example.org",
            "--password",
            PASSWORD,
            "--name",
            "A",
            "--role",
            "emperor",
        ],
    ];

    for arguments in refused {
        let mut full = vec!["user", "add"];
        full.extend_from_slice(arguments);
        full.extend_from_slice(&["--database-url", &url]);
        assert!(usher(&full).await.is_err(), "{arguments:?} was accepted");
    }

    assert_eq!(
        app.count("SELECT COUNT(*) FROM account").await,
        accounts_before
    );
}

async fn the_demo_festival_loads_once_with_open_doors_and_accounts(app: TestApp) {
    let settings = Settings {
        bind: "127.0.0.1:0".parse().unwrap(),
        database_url: app.database.url.clone(),
        store: Default::default(),
        auth: test_auth_settings(),
        demo: true,
        ticket_key_pem: None,
        connections: Default::default(),
        public_url: None,
    };

    let first = Application::build(&settings).await.unwrap();
    let second = Application::build(&settings).await.unwrap();

    assert!(first.demo_accounts().unwrap().loaded_now);
    assert!(
        !second.demo_accounts().unwrap().loaded_now,
        "a restart does not load it twice"
    );
    let store = first.store();
    let festival = store.festival_by_slug(demo::SLUG).await.unwrap().unwrap();
    assert_eq!(festival.timezone.name(), "Asia/Shanghai");
    assert_eq!(festival.hosts.len(), 5);
    let query = ProgrammeQuery {
        first: 100,
        ..ProgrammeQuery::default()
    };
    let items = store.programme(festival.id, &query).await.unwrap().rows;
    let count = |kind| items.iter().filter(|item| item.kind == kind).count();
    assert!(count(ProgrammeKind::Screening) >= 12);
    assert_eq!(count(ProgrammeKind::Forum), 1);
    assert_eq!(count(ProgrammeKind::Concert), 1);
    let now = Utc::now();
    let opening = &items[0];
    assert!(
        opening.schedule.doors_open_at() <= now,
        "the opening's doors are open"
    );
    assert!(
        opening.schedule.starts_at() > now
            && opening.schedule.starts_at() <= now + chrono::Duration::hours(1)
    );
    let venues = store.venues_of_festivals(&[festival.id]).await.unwrap();
    assert!(venues.len() >= 3 && venues.iter().all(|venue| !venue.gates.is_empty()));
    let film_ids: Vec<_> = items.iter().filter_map(|item| item.film_id).collect();
    let films = store.films_by_id(&film_ids).await.unwrap();
    let mut countries: Vec<&str> = films
        .iter()
        .flat_map(|film| film.countries.iter().map(|c| c.as_str()))
        .collect();
    countries.sort_unstable();
    countries.dedup();
    let asean = ["BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN"];
    assert!(countries.contains(&"CN"));
    assert!(countries.iter().filter(|code| asean.contains(code)).count() >= 3);
    let accounts = first.demo_accounts().unwrap();
    for (email, role) in [
        (&accounts.organizer, Role::Organizer),
        (&accounts.door_staff, Role::DoorStaff),
        (&accounts.admin, Role::Admin),
    ] {
        let user = store
            .credentials(&Email::parse("email", email).unwrap())
            .await
            .unwrap()
            .unwrap()
            .user;
        assert_eq!(user.permissions.grants()[0].role(), role);
    }
    assert!(
        store
            .credentials(&Email::parse("email", &accounts.attendee).unwrap())
            .await
            .unwrap()
            .is_some()
    );
}

/// `user add` with valid input, on `url`.
fn user_add(url: &str) -> Vec<&str> {
    vec![
        "user",
        "add",
        "--email",
        "first@example.org",
        "--password",
        PASSWORD,
        "--name",
        "First",
        "--database-url",
        url,
    ]
}

/// What the command says when it fails.
async fn refusal(arguments: &[&str]) -> String {
    let error = usher(arguments)
        .await
        .expect_err("the command refuses the database");
    format!("{error:#}")
}

#[tokio::test]
async fn commands_refuse_a_sqlite_file_that_does_not_exist_and_create_none() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("usher.db");
    let plain = format!("sqlite://{}", path.display());
    // `mode=rwc` asks SQLite to create the file; the command must not.
    let creating = format!("{plain}?mode=rwc");

    for url in [&plain, &creating] {
        for arguments in [
            user_add(url),
            vec!["keys", "list", "--database-url", url],
            vec!["keys", "rotate", "--database-url", url],
        ] {
            let message = refusal(&arguments).await;

            assert!(
                message.contains(&format!("there is no database at {url}")),
                "{message}"
            );
            assert!(message.contains("usher migrate"), "{message}");
        }
    }
    assert_eq!(
        std::fs::read_dir(directory.path()).unwrap().count(),
        0,
        "no file was created"
    );
}

#[tokio::test]
async fn commands_refuse_a_sqlite_database_that_is_not_migrated() {
    commands_refuse_a_database_until_it_is_migrated(Db::Sqlite).await;
}

#[tokio::test]
#[cfg_attr(not(usher_postgres), ignore = "set USHER_TEST_DATABASE_URL to run it")]
async fn commands_refuse_a_postgres_database_that_is_not_migrated() {
    commands_refuse_a_database_until_it_is_migrated(Db::Postgres).await;
}

async fn commands_refuse_a_database_until_it_is_migrated(db: Db) {
    let database = TestDatabase::create(db).await;
    let url = database.url.clone();
    // Something else's database: it exists, but holds no Usher tables.
    let made_by_someone_else = match db {
        Db::Sqlite => format!("{url}?mode=rwc"),
        Db::Postgres => url.clone(),
    };
    let connection = Database::connect(made_by_someone_else).await.unwrap();
    connection
        .execute_unprepared("CREATE TABLE notes (body TEXT)")
        .await
        .unwrap();
    let migrations_table = |connection: &sea_orm::DatabaseConnection| {
        let query = match db {
            Db::Sqlite => "SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'seaql_migrations'",
            Db::Postgres => {
                "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_name = 'seaql_migrations'"
            }
        };
        let backend = connection.get_database_backend();
        let connection = connection.clone();
        async move {
            connection
                .query_one_raw(Statement::from_string(backend, query))
                .await
                .unwrap()
                .unwrap()
                .try_get::<i64>("", "n")
                .unwrap()
        }
    };

    let empty = refusal(&user_add(&url)).await;
    let tables_after_refusal = migrations_table(&connection).await;
    usher(&["migrate", "--database-url", &url]).await.unwrap();
    usher(&user_add(&url)).await.unwrap();
    // As if this build were newer than the database: its last migration
    // not applied.
    let newest =
        "DELETE FROM seaql_migrations WHERE version = (SELECT MAX(version) FROM seaql_migrations)";
    connection.execute_unprepared(newest).await.unwrap();
    let behind = refusal(&["keys", "list", "--database-url", &url]).await;

    assert!(
        empty.contains(&format!("the database at {url} is not migrated")),
        "{empty}"
    );
    assert!(empty.contains("usher migrate"), "{empty}");
    assert_eq!(tables_after_refusal, 0, "refusing created no table");
    assert!(
        behind.contains(&format!(
            "the database at {url} is not up to date: 1 migration to apply"
        )),
        "{behind}"
    );
    connection.close().await.unwrap();
}

#[tokio::test]
async fn a_password_in_the_database_url_never_reaches_the_message() {
    let Ok(server) = std::env::var("USHER_TEST_DATABASE_URL") else {
        return;
    };
    let (scheme, rest) = server.split_once("://").unwrap();
    let (credentials, host) = rest.split_once('@').unwrap();
    let user = credentials.split(':').next().unwrap();
    let base = host.rsplit_once('/').map_or(host, |(base, _)| base);
    let url = format!("{scheme}://{user}:hunter2-secret@{base}/usher_no_such_database");

    let message = refusal(&user_add(&url)).await;

    assert!(!message.contains("hunter2-secret"), "{message}");
    assert!(
        message.contains(&format!(
            "{scheme}://{user}:***@{base}/usher_no_such_database"
        )),
        "{message}"
    );
}

#[test]
fn user_add_help_documents_every_flag_and_the_password_variable() {
    let mut cli = Cli::command();
    let add = cli
        .find_subcommand_mut("user")
        .unwrap()
        .find_subcommand_mut("add")
        .unwrap();
    let help = add.render_long_help().to_string();

    for argument in add.get_arguments() {
        assert!(
            argument.get_help().is_some() || argument.get_long_help().is_some(),
            "--{} has no help",
            argument.get_id()
        );
    }
    for flag in [
        "--email",
        "--password",
        "--name",
        "--role",
        "--festival",
        "--venue",
        "--database-url",
    ] {
        assert!(help.contains(flag), "{flag} missing from:\n{help}");
    }
    assert!(help.contains("USHER_USER_PASSWORD"), "{help}");
}
