//! Accounts, their role grants, and refresh-token sessions.

mod roles;
mod sessions;
mod users;

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use usher_domain::accounts::User;
use usher_domain::ids::{FestivalId, SessionId, UserId, VenueId};
use usher_domain::input::{Email, Name};
use usher_domain::roles::{Permissions, Role, RoleGrant};
use uuid::Uuid;

use crate::entities::{account, role_grant};
use crate::error::{StoreError, corrupt};
use crate::rows::{in_list, stored};

/// An account to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Sign-in address, unique ignoring case.
    pub email: Email,
    /// The argon2id hash of the password, in PHC string form.
    pub password_hash: String,
    /// Name shown on tickets.
    pub display_name: Name,
}

/// A user with the hash to check a password against.
#[derive(Debug, Clone)]
pub struct StoredCredentials {
    /// The account.
    pub user: User,
    /// The argon2id hash, in PHC string form.
    pub password_hash: String,
}

/// What became of a refresh token presented for rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// It was valid; the new token now stands in its place.
    Rotated {
        /// Whose login it is.
        user: UserId,
        /// The login, which goes on.
        session: SessionId,
    },
    /// It had been used before: this whole login is revoked.
    Reused(SessionId),
    /// Unknown, expired or revoked.
    Invalid,
}

async fn load_users(
    db: &impl ConnectionTrait,
    rows: Vec<account::Model>,
) -> Result<Vec<(User, String)>, StoreError> {
    let ids = in_list(rows.iter().map(|row| row.id));
    let mut grants: HashMap<Uuid, Vec<RoleGrant>> = HashMap::new();
    for row in role_grant::Entity::find()
        .filter(role_grant::Column::AccountId.is_in(ids))
        .order_by_asc(role_grant::Column::CreatedAt)
        .all(db)
        .await?
    {
        grants
            .entry(row.account_id)
            .or_default()
            .push(grant_from_row(&row)?);
    }
    rows.into_iter()
        .map(|row| {
            let user = user_from_row(&row, grants.remove(&row.id).unwrap_or_default())?;
            Ok((user, row.password_hash))
        })
        .collect()
}

fn user_from_row(row: &account::Model, grants: Vec<RoleGrant>) -> Result<User, StoreError> {
    Ok(User {
        id: row.id.into(),
        email: stored("account", Email::parse("email", &row.email))?,
        display_name: stored("account", Name::parse("displayName", &row.display_name))?,
        permissions: Permissions::new(grants),
        created_at: row.created_at,
    })
}

fn grant_from_row(row: &role_grant::Model) -> Result<RoleGrant, StoreError> {
    grant_from_parts(&row.role, row.festival_id, row.venue_id)
}

/// The grant stored as `role` with this scope.
fn grant_from_parts(
    role: &str,
    festival: Option<Uuid>,
    venue: Option<Uuid>,
) -> Result<RoleGrant, StoreError> {
    let role = Role::from_stored(role)
        .ok_or_else(|| corrupt("role_grant", format!("unknown role {role}")))?;
    stored(
        "role_grant",
        RoleGrant::new(
            role,
            festival.map(FestivalId::from),
            venue.map(VenueId::from),
        ),
    )
}
