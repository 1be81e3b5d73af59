//! Who may do what: roles, their scopes, and the checks the API applies.

use crate::ids::{FestivalId, VenueId};
use crate::input::InvalidInput;

/// A role a user holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Every user: reserves tickets.
    Attendee,
    /// Scans tickets at the doors of one festival, perhaps one venue.
    DoorStaff,
    /// Runs one festival.
    Organizer,
    /// Runs the whole installation.
    Admin,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Attendee => "ATTENDEE",
            Self::DoorStaff => "DOOR_STAFF",
            Self::Organizer => "ORGANIZER",
            Self::Admin => "ADMIN",
        }
    }

    /// The role with stored name `name`, in any case.
    pub fn from_stored(name: &str) -> Option<Self> {
        [
            Self::Attendee,
            Self::DoorStaff,
            Self::Organizer,
            Self::Admin,
        ]
        .into_iter()
        .find(|role| role.as_str().eq_ignore_ascii_case(name))
    }
}

/// A role with its scope. Every user is an attendee without a grant; stored
/// grants are for the other roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleGrant {
    role: Role,
    festival: Option<FestivalId>,
    venue: Option<VenueId>,
}

impl RoleGrant {
    /// Checks that the scope fits the role: ADMIN is global, ORGANIZER needs a
    /// festival, DOOR_STAFF needs a festival and may name one of its venues.
    /// Whether the venue belongs to the festival is for the caller to check.
    pub fn new(
        role: Role,
        festival: Option<FestivalId>,
        venue: Option<VenueId>,
    ) -> Result<Self, InvalidInput> {
        match (role, festival, venue) {
            (Role::Attendee, ..) => Err(InvalidInput::new(
                "role",
                "every user is an attendee already; grant DOOR_STAFF, ORGANIZER or ADMIN",
            )),
            (Role::Admin, None, None) => Ok(Self {
                role,
                festival,
                venue,
            }),
            (Role::Admin, ..) => Err(InvalidInput::new(
                "festivalId",
                "ADMIN is global: give no festival or venue",
            )),
            (Role::Organizer, Some(_), None) | (Role::DoorStaff, Some(_), _) => Ok(Self {
                role,
                festival,
                venue,
            }),
            (Role::Organizer, Some(_), Some(_)) => Err(InvalidInput::new(
                "venueId",
                "ORGANIZER is scoped to a whole festival, not a venue",
            )),
            (Role::Organizer | Role::DoorStaff, None, _) => Err(InvalidInput::new(
                "festivalId",
                "ORGANIZER and DOOR_STAFF need a festival",
            )),
        }
    }

    /// The role every user holds without a grant.
    pub fn attendee() -> Self {
        Self {
            role: Role::Attendee,
            festival: None,
            venue: None,
        }
    }

    /// The role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The festival it is scoped to, if any.
    pub fn festival(&self) -> Option<FestivalId> {
        self.festival
    }

    /// The venue it is narrowed to, if any.
    pub fn venue(&self) -> Option<VenueId> {
        self.venue
    }
}

/// Everything a user may do, from their grants.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Permissions {
    grants: Vec<RoleGrant>,
}

impl Permissions {
    /// The permissions that `grants` give.
    pub fn new(grants: Vec<RoleGrant>) -> Self {
        Self { grants }
    }

    /// The grants themselves.
    pub fn grants(&self) -> &[RoleGrant] {
        &self.grants
    }

    /// Whether the user runs the whole installation.
    pub fn is_admin(&self) -> bool {
        self.grants.iter().any(|grant| grant.role == Role::Admin)
    }

    /// Whether the user may set up and watch festival `festival`.
    pub fn can_organize(&self, festival: FestivalId) -> bool {
        self.is_admin()
            || self
                .grants
                .iter()
                .any(|grant| grant.role == Role::Organizer && grant.festival == Some(festival))
    }

    /// Whether the user may scan tickets at `venue` of `festival`.
    pub fn can_scan(&self, festival: FestivalId, venue: VenueId) -> bool {
        self.can_organize(festival)
            || self.grants.iter().any(|grant| {
                grant.role == Role::DoorStaff
                    && grant.festival == Some(festival)
                    && grant.venue.is_none_or(|scoped| scoped == venue)
            })
    }

    /// Whether the user may give `grant` to someone: admins any grant,
    /// organizers door staff and organizers of their own festival.
    pub fn can_grant(&self, grant: &RoleGrant) -> bool {
        match (grant.role, grant.festival) {
            (Role::Admin | Role::Attendee, _) | (_, None) => self.is_admin(),
            (Role::Organizer | Role::DoorStaff, Some(festival)) => self.can_organize(festival),
        }
    }

    /// Whether the user may take `grant` back from someone: whoever may
    /// give it.
    pub fn can_revoke(&self, grant: &RoleGrant) -> bool {
        self.can_grant(grant)
    }
}

/// Whether `grant` may be taken back while `admins` accounts hold the
/// admin role: never the last admin's, or no one could give roles again.
pub fn check_revocation(grant: &RoleGrant, admins: usize) -> Result<(), InvalidInput> {
    if grant.role() == Role::Admin && admins <= 1 {
        return Err(InvalidInput::new(
            "role",
            "is the last admin's: make another account an admin first",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(role: Role, festival: Option<FestivalId>, venue: Option<VenueId>) -> RoleGrant {
        RoleGrant::new(role, festival, venue).unwrap_or_else(|error| panic!("{error}"))
    }

    #[test]
    fn whoever_may_give_a_grant_may_take_it_back() {
        let festival = FestivalId::generate();
        let door = grant(Role::DoorStaff, Some(festival), None);
        let elsewhere = grant(Role::DoorStaff, Some(FestivalId::generate()), None);
        let organizer = Permissions::new(vec![grant(Role::Organizer, Some(festival), None)]);
        assert!(organizer.can_revoke(&door));
        assert!(!organizer.can_revoke(&elsewhere));
        assert!(!organizer.can_revoke(&grant(Role::Admin, None, None)));
    }

    #[test]
    fn scopes_must_fit_the_role() {
        let festival = Some(FestivalId::generate());
        let venue = Some(VenueId::generate());
        assert!(RoleGrant::new(Role::Admin, festival, None).is_err());
        assert!(RoleGrant::new(Role::Organizer, None, None).is_err());
        assert!(RoleGrant::new(Role::Organizer, festival, venue).is_err());
        assert!(RoleGrant::new(Role::DoorStaff, festival, venue).is_ok());
        assert!(RoleGrant::new(Role::Attendee, None, None).is_err());
    }

    #[test]
    fn door_staff_narrowed_to_a_venue_scan_only_there() {
        let festival = FestivalId::generate();
        let hall = VenueId::generate();
        let other = VenueId::generate();
        let staff = Permissions::new(vec![grant(Role::DoorStaff, Some(festival), Some(hall))]);
        assert!(staff.can_scan(festival, hall));
        assert!(!staff.can_scan(festival, other));
        assert!(!staff.can_scan(FestivalId::generate(), hall));
        assert!(!staff.can_organize(festival));
    }

    #[test]
    fn organizers_grant_within_their_festival_only() {
        let festival = FestivalId::generate();
        let organizer = Permissions::new(vec![grant(Role::Organizer, Some(festival), None)]);
        assert!(organizer.can_grant(&grant(Role::DoorStaff, Some(festival), None)));
        assert!(!organizer.can_grant(&grant(Role::DoorStaff, Some(FestivalId::generate()), None)));
        assert!(!organizer.can_grant(&grant(Role::Admin, None, None)));
        assert!(organizer.can_scan(festival, VenueId::generate()));
    }

    #[test]
    fn the_last_admin_keeps_the_role() {
        let admin = grant(Role::Admin, None, None);
        assert_eq!(check_revocation(&admin, 2), Ok(()));
        assert_eq!(
            check_revocation(&admin, 1).map_err(|e| e.field),
            Err("role".to_owned())
        );
        assert!(check_revocation(&admin, 0).is_err());
        let organizer = grant(Role::Organizer, Some(FestivalId::generate()), None);
        assert_eq!(check_revocation(&organizer, 1), Ok(()));
    }
}
