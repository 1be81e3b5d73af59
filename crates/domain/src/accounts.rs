//! People who use Usher.

use uuid::Uuid;

use crate::ids::{UserId, VenueId};
use crate::input::{Email, Name};
use crate::roles::{Permissions, Role, RoleGrant};
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

/// A grant with the account that holds it: a line of a festival's list of
/// who holds which role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleHolder {
    /// The account's id.
    pub user_id: UserId,
    /// The account's e-mail, which a grant is given and taken back by.
    pub email: Email,
    /// The account's name.
    pub display_name: Name,
    /// The grant itself.
    pub grant: RoleGrant,
}

impl RoleHolder {
    /// Sorts a festival's holders: organizers first, then door staff, each
    /// by e-mail; one person's grants at several venues by venue, the
    /// whole festival first.
    pub fn sort(holders: &mut [Self]) {
        holders.sort_by(|a, b| a.order().cmp(&b.order()));
    }

    fn order(&self) -> (u8, &str, Option<Uuid>) {
        let rank = match self.grant.role() {
            Role::Admin => 0,
            Role::Organizer => 1,
            Role::DoorStaff => 2,
            Role::Attendee => 3,
        };
        (
            rank,
            self.email.as_str(),
            self.grant.venue().map(VenueId::as_uuid),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::FestivalId;

    fn holder(email: &str, role: Role, venue: Option<VenueId>) -> RoleHolder {
        RoleHolder {
            user_id: UserId::generate(),
            email: Email::parse("email", email).unwrap(),
            display_name: Name::parse("displayName", "Someone").unwrap(),
            grant: RoleGrant::new(role, Some(FestivalId::generate()), venue).unwrap(),
        }
    }

    #[test]
    fn holders_are_sorted_organizers_first_then_by_email_then_by_venue() {
        let venue = VenueId::generate();
        let mut holders = vec![
            holder("bo@example.org", Role::DoorStaff, Some(venue)),
            holder("zed@example.org", Role::Organizer, None),
            holder("bo@example.org", Role::DoorStaff, None),
            holder("al@example.org", Role::DoorStaff, Some(venue)),
            holder("an@example.org", Role::Organizer, None),
        ];

        RoleHolder::sort(&mut holders);

        let order: Vec<(&str, Role, bool)> = holders
            .iter()
            .map(|h| (h.email.as_str(), h.grant.role(), h.grant.venue().is_some()))
            .collect();
        assert_eq!(
            order,
            [
                ("an@example.org", Role::Organizer, false),
                ("zed@example.org", Role::Organizer, false),
                ("al@example.org", Role::DoorStaff, true),
                ("bo@example.org", Role::DoorStaff, false),
                ("bo@example.org", Role::DoorStaff, true),
            ]
        );
    }
}
