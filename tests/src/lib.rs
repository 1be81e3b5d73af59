//! Test support for Usher's end-to-end tests: the API tests of this
//! package (tests/api, the server in-process) and the process tests of
//! usher-server (crates/server/tests, the `usher` binary), so each helper
//! and the schema.graphql check are written once.
//!
//! - `database`: a fresh SQLite or PostgreSQL database per test, and
//!   `on_both_databases!` (PostgreSQL visibly ignored unless
//!   `USHER_TEST_DATABASE_URL` was set at build time);
//! - `app`: `spawn_app()`, the real `Application` on port 0, and
//!   `accounts` and `sql` for its users and its raw rows (including the
//!   sabotage triggers of the atomicity tests);
//! - `graphql`: requests, responses and graphql-transport-ws sockets;
//! - `catalogue`, `tickets`, `door`: what many tests set up through the API;
//! - `cli`: the command line in-process; `process`: the binary as a process;
//! - `schema`: the schema.graphql check;
//! - `browser`: a headless chromium through chromedriver, for the web
//!   pages, and a fake camera showing a ticket's QR code.
//!
//! It depends on the server crate and every crate under it; nothing but
//! tests depends on it.
#![expect(
    clippy::expect_used,
    reason = "test support: a helper that cannot do its job fails the test, saying what it expected"
)]

pub mod accounts;
pub mod app;
pub mod browser;
pub mod catalogue;
pub mod cli;
pub mod database;
pub mod door;
pub mod graphql;
pub mod process;
pub mod schema;
pub mod sql;
pub mod tickets;

pub use accounts::{PASSWORD, test_auth_settings};
pub use app::{
    TestApp, spawn_app, spawn_app_on, spawn_app_with, spawn_app_with_auth,
    spawn_app_with_connections, spawn_app_with_public_url,
};
pub use browser::{Browser, BrowserOptions, Window};
pub use database::{Db, TestDatabase};
pub use graphql::{Gql, Socket};
