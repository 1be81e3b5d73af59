//! Check-in at the door, scanner devices, and the scan record.
//!
//! Scans are decided by the domain ([`usher_domain::door::batch`]) and
//! recorded by the door's writer, many to a transaction
//! ([`batch::DoorScans`]): the item's admitted counter never passes the
//! venue's capacity, a ticket moves from ACTIVE to CHECKED_IN exactly once
//! whatever the number of gates, and every scan is recorded, refusals too.

pub(crate) mod batch;
mod check_in;
mod manifest;
mod records;
mod scanners;

pub use manifest::Manifest;
pub use scanners::NewScanner;
