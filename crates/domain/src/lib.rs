//! The rules of Usher as pure types and functions: what a valid festival,
//! venue, film, programme item or account looks like, who may do what, and
//! what state a programme item is in at a given moment.
//!
//! This crate does no IO and is not async: it must not depend on tokio,
//! sea-orm, axum or async-graphql. The persistence crate makes its decisions
//! atomic; the API crate translates GraphQL to and from its types.

pub mod accounts;
pub mod attendance;
pub mod catalogue;
pub mod door;
#[cfg(test)]
mod fixtures;
pub mod ids;
pub mod input;
pub mod language;
pub mod roles;
pub mod tickets;
pub mod time;
pub mod wording;

pub use input::InvalidInput;
