//! End-to-end tests in a headless chromium: the real server on port 0, a
//! real database, the pages as a browser shows them. Every test runs on
//! SQLite and on PostgreSQL; without chromium and chromedriver when built,
//! they are ignored (see `usher_tests::browser`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly, with the value it choked on"
)]

mod door;
mod festival;
mod harness;
mod organizer;
