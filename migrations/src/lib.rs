//! The database schema of Usher as sea-orm migrations, applied in order on
//! start-up and by `usher migrate`, the same on SQLite and PostgreSQL.
//!
//! A migration that has been applied is never edited; a change is a new
//! migration. This crate does not import the persistence crate's entities:
//! it describes tables in their own terms.

pub use sea_orm_migration::MigratorTrait;
use sea_orm_migration::prelude::*;

mod columns;
mod m20261126_000001_create_catalogue;
mod m20261126_000002_create_accounts;
mod m20261126_000003_create_tickets;
mod m20261126_000004_create_door;
mod m20261201_000001_add_account_age_brake;
mod m20261201_000002_index_ended_logins;
mod m20261215_000001_index_scans_by_scanner;
mod m20261216_000001_add_scanner_gate;
mod m20261217_000001_create_standby_line;
mod m20261218_000001_add_release_and_standby_admission;
mod m20261219_000001_create_no_show_strikes;
mod m20261220_000001_add_standby_tickets;
mod m20261221_000001_create_ballots;
mod m20261222_000001_drop_ballot_drawn_at;

/// Every migration, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_create_catalogue::Migration),
            Box::new(m20261126_000002_create_accounts::Migration),
            Box::new(m20261126_000003_create_tickets::Migration),
            Box::new(m20261126_000004_create_door::Migration),
            Box::new(m20261201_000001_add_account_age_brake::Migration),
            Box::new(m20261201_000002_index_ended_logins::Migration),
            Box::new(m20261215_000001_index_scans_by_scanner::Migration),
            Box::new(m20261216_000001_add_scanner_gate::Migration),
            Box::new(m20261217_000001_create_standby_line::Migration),
            Box::new(m20261218_000001_add_release_and_standby_admission::Migration),
            Box::new(m20261219_000001_create_no_show_strikes::Migration),
            Box::new(m20261220_000001_add_standby_tickets::Migration),
            Box::new(m20261221_000001_create_ballots::Migration),
            Box::new(m20261222_000001_drop_ballot_drawn_at::Migration),
        ]
    }
}
