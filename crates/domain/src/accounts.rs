//! People who use Usher.

use crate::ids::UserId;
use crate::input::{Email, Name};
use crate::roles::Permissions;
use crate::time::Timestamp;

/// A user account with its roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Its id.
    pub id: UserId,
    /// The address it signs in with, in lower case.
    pub email: Email,
    /// The name shown on tickets by default.
    pub display_name: Name,
    /// What the user may do beyond attending.
    pub permissions: Permissions,
    /// When the account was created: how settled it is.
    pub created_at: Timestamp,
}
