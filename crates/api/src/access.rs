//! Who may do what: every access check of the API, as methods of the
//! [`Viewer`] a request carries. Resolvers and plain-HTTP routes ask these
//! and nothing else; the roles' rules themselves are the domain's
//! (`usher_domain::roles`).

use usher_domain::accounts::User;
use usher_domain::catalogue::{Item, Venue};
use usher_domain::door::{ScannedBy, ScannerDevice};
use usher_domain::ids::{FestivalId, SessionId, UserId};
use usher_domain::roles::RoleGrant;

use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};

impl Viewer {
    /// The signed-in user, or UNAUTHENTICATED (FORBIDDEN for a scanner device).
    pub fn user(&self) -> ApiResult<&User> {
        self.login().map(|(user, _)| user)
    }

    /// The signed-in user and the login their token belongs to, or
    /// UNAUTHENTICATED (FORBIDDEN for a scanner device).
    pub fn login(&self) -> ApiResult<(&User, SessionId)> {
        match self {
            Self::User(user, session) => Ok((user, *session)),
            Self::Anonymous => Err(ApiError::sign_in_required()),
            Self::Scanner(_) => Err(ApiError::Forbidden(
                "a scanner token only scans tickets at its venue".into(),
            )),
        }
    }

    /// The scanner device whose token was sent, if one was.
    pub(crate) fn scanner(&self) -> Option<&ScannerDevice> {
        match self {
            Self::Scanner(device) => Some(device),
            Self::User(..) | Self::Anonymous => None,
        }
    }

    /// The signed-in user, if they are an admin, who alone create festivals.
    pub(crate) fn festival_creator(&self) -> ApiResult<&User> {
        let user = self.user()?;
        if user.permissions.is_admin() {
            Ok(user)
        } else {
            Err(ApiError::Forbidden(
                "only admins may create festivals".into(),
            ))
        }
    }

    /// The signed-in user, if they are `user_id` or an admin: what is
    /// only a person's own to see.
    pub(crate) fn self_or_admin(&self, user_id: UserId) -> ApiResult<&User> {
        let user = self.user()?;
        if user.id == user_id || user.permissions.is_admin() {
            Ok(user)
        } else {
            Err(ApiError::Forbidden(
                "only the user themselves may see this".into(),
            ))
        }
    }

    /// The signed-in user, if they may set up festival `festival_id`.
    pub(crate) fn organizer(&self, festival_id: FestivalId) -> ApiResult<&User> {
        let user = self.user()?;
        if user.permissions.can_organize(festival_id) {
            Ok(user)
        } else {
            Err(ApiError::Forbidden(
                "only organizers of this festival may do this".into(),
            ))
        }
    }

    /// The signed-in user, if they may give `grant`.
    pub(crate) fn grantor(&self, grant: &RoleGrant) -> ApiResult<&User> {
        let user = self.user()?;
        if user.permissions.can_grant(grant) {
            Ok(user)
        } else {
            Err(role_change_refused("grant"))
        }
    }

    /// The signed-in user, if they may take `grant` back.
    pub(crate) fn revoker(&self, grant: &RoleGrant) -> ApiResult<&User> {
        let user = self.user()?;
        if user.permissions.can_revoke(grant) {
            Ok(user)
        } else {
            Err(role_change_refused("revoke"))
        }
    }

    /// Who scans at `venue`, if the viewer may: door staff of its festival
    /// (in scope), its organizers, or a scanner device issued for it.
    pub(crate) fn scanner_at(&self, venue: &Venue) -> ApiResult<ScannedBy> {
        match self {
            Self::Anonymous => Err(ApiError::sign_in_required()),
            Self::User(user, _) if user.permissions.can_scan(venue.festival_id, venue.id) => {
                Ok(ScannedBy::Account(user.id))
            }
            Self::Scanner(device) if device.venue_id == venue.id => {
                Ok(ScannedBy::Device(device.id))
            }
            Self::User(..) | Self::Scanner(_) => Err(ApiError::Forbidden(
                "only door staff of this venue may scan here".into(),
            )),
        }
    }

    /// Whether the viewer may read the attendance of `item`: organizers,
    /// and door staff (people or devices) of its venue.
    pub(crate) fn may_watch(&self, item: &Item) -> bool {
        match self {
            Self::User(user, _) => user.permissions.can_scan(item.festival_id, item.venue_id),
            Self::Scanner(device) => device.venue_id == item.venue_id,
            Self::Anonymous => false,
        }
    }

    /// Nothing, if the viewer may keep `item`'s standby line: door staff
    /// (people or devices) of its venue, and its organizers.
    pub(crate) fn standby_keeper_of(&self, item: &Item) -> ApiResult<()> {
        match self {
            Self::Anonymous => Err(ApiError::sign_in_required()),
            _ if self.may_watch(item) => Ok(()),
            Self::User(..) | Self::Scanner(_) => Err(ApiError::Forbidden(
                "only organizers, and door staff of this venue, keep the standby line".into(),
            )),
        }
    }

    /// Nothing, if the viewer may read the attendance of `item`.
    pub(crate) fn watcher_of(&self, item: &Item) -> ApiResult<()> {
        if self.may_watch(item) {
            Ok(())
        } else {
            Err(self.attendance_refused())
        }
    }

    /// Nothing, if the viewer may read some of festival `festival_id`'s
    /// attendance: its organizers, and its door staff (people with a role
    /// there, or devices at one of its venues), who see the items of their
    /// venues ([`Self::may_watch`]).
    pub(crate) fn watcher_of_festival(&self, festival_id: FestivalId) -> ApiResult<()> {
        let allowed = match self {
            Self::User(user, _) => {
                user.permissions.can_organize(festival_id)
                    || user
                        .permissions
                        .grants()
                        .iter()
                        .any(|grant| grant.festival() == Some(festival_id))
            }
            Self::Scanner(device) => device.festival_id == festival_id,
            Self::Anonymous => false,
        };
        if allowed {
            Ok(())
        } else {
            Err(self.attendance_refused())
        }
    }

    fn attendance_refused(&self) -> ApiError {
        match self {
            Self::Anonymous => ApiError::sign_in_required(),
            _ => ApiError::Forbidden(
                "only organizers, and door staff of this venue, see attendance".into(),
            ),
        }
    }
}

/// Nothing, if `user`, for whom a signed link was made, organizes festival
/// `festival_id` still: a role taken back takes the link's power with it.
pub(crate) fn link_holder_organizes(user: &User, festival_id: FestivalId) -> ApiResult<()> {
    if user.permissions.can_organize(festival_id) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "the person this link was made for no longer organizes this festival".into(),
        ))
    }
}

fn role_change_refused(verb: &str) -> ApiError {
    ApiError::Forbidden(format!(
        "only admins, or organizers within their own festival, may {verb} this role"
    ))
}
