//! End-to-end tests: the real server on port 0, a real database, HTTP.
//! Every test that touches the database runs on SQLite and on PostgreSQL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly, with the value it choked on"
)]

mod account_age;
mod accounts;
mod attacks;
mod attendance;
mod ballots;
mod calendar;
mod catalogue;
mod cli;
mod conformance;
mod credentials;
mod door;
mod hardening;
mod inputs;
mod keys;
mod messages;
mod no_shows;
mod outages;
mod pages;
mod pairing;
mod release;
mod scan_log;
mod schema_file;
mod signed_links;
mod standby;
mod tickets;
