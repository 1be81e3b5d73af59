//! Accounts: registering, signing in and out, refreshing tokens, and
//! granting roles.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use usher_domain::accounts::{RoleHolder, User};
use usher_domain::catalogue::{Festival, Venue};
use usher_domain::ids::FestivalId;
use usher_domain::input::{Email, Name, Password};
use usher_domain::roles::{self, RoleGrant};
use usher_domain::tickets::no_shows::NoShow;
use usher_persistence::{NewUser, RefreshOutcome};

use crate::Services;
use crate::auth::{new_refresh_token, token_hash};
use crate::error::{ApiError, ApiResult};
use crate::schema::context::{loaders, services, viewer};
use crate::schema::no_shows;
use crate::schema::node::Node;
use crate::schema::scalars::{DateTime, parse_id};
use crate::throttle::ClientAddress;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "roles::Role")]
pub enum Role {
    Attendee,
    DoorStaff,
    Organizer,
    Admin,
}

// A role and its scope.
#[Object(name = "RoleGrant")]
impl Node<RoleGrant> {
    async fn role(&self) -> Role {
        self.0.role().into()
    }

    /// ORGANIZER and DOOR_STAFF are scoped to one festival.
    async fn festival(&self, ctx: &Context<'_>) -> ApiResult<Option<Node<Festival>>> {
        let Some(festival_id) = self.0.festival() else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.load_one(festival_id).await?.map(Node))
    }

    /// DOOR_STAFF may be narrowed to one venue.
    async fn venue(&self, ctx: &Context<'_>) -> ApiResult<Option<Node<Venue>>> {
        let Some(venue_id) = self.0.venue() else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.load_one(venue_id).await?.map(Node))
    }
}

// A grant scoped to a festival, with the account that holds it: what
// revokeRole takes back, given the festival's id.
#[Object(name = "RoleHolder")]
impl Node<RoleHolder> {
    async fn user_id(&self) -> ID {
        ID(self.0.user_id.to_string())
    }

    async fn email(&self) -> &str {
        self.0.email.as_str()
    }

    async fn display_name(&self) -> &str {
        self.0.display_name.as_str()
    }

    async fn role(&self) -> Role {
        self.0.grant.role().into()
    }

    /// The venue a DOOR_STAFF grant is narrowed to; null for the whole
    /// festival.
    async fn venue(&self, ctx: &Context<'_>) -> ApiResult<Option<Node<Venue>>> {
        let Some(venue_id) = self.0.grant.venue() else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.load_one(venue_id).await?.map(Node))
    }
}

/// Who holds a role in festival `festival_id`, for its organizers and
/// admins.
pub(crate) async fn role_holders(
    ctx: &Context<'_>,
    festival_id: FestivalId,
) -> ApiResult<Vec<Node<RoleHolder>>> {
    viewer(ctx).organizer(festival_id)?;
    let holders = services(ctx)?.store.role_holders(festival_id).await?;
    Ok(holders.into_iter().map(Node).collect())
}

// A person with an account.
#[Object(name = "User")]
impl Node<User> {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn email(&self) -> &str {
        self.0.email.as_str()
    }

    async fn display_name(&self) -> &str {
        self.0.display_name.as_str()
    }

    /// The user's no-show strikes at every festival, newest first (their
    /// own; FORBIDDEN for others but admins).
    async fn no_shows(&self, ctx: &Context<'_>) -> ApiResult<Vec<Node<NoShow>>> {
        viewer(ctx).self_or_admin(self.0.id)?;
        no_shows::of_holder(ctx, self.0.id, None).await
    }

    /// When the user's latest no-show block ends (at any festival); null
    /// when they are not blocked. Their own; FORBIDDEN for others but admins.
    async fn blocked_until(&self, ctx: &Context<'_>) -> ApiResult<Option<DateTime>> {
        viewer(ctx).self_or_admin(self.0.id)?;
        no_shows::blocked_until(ctx, self.0.id, None).await
    }

    /// ATTENDEE first (every user is one), then the granted roles.
    async fn roles(&self) -> Vec<Node<RoleGrant>> {
        let attendee = RoleGrant::attendee();
        std::iter::once(attendee)
            .chain(self.0.permissions.grants().iter().copied())
            .map(Node)
            .collect()
    }
}

/// Tokens for a signed-in user.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// A JWT, sent as `Authorization: Bearer <token>`.
    pub access_token: String,
    /// Opaque, single use, rotated on refresh.
    pub refresh_token: String,
    /// When accessToken expires.
    pub expires_at: DateTime,
    pub user: Node<User>,
}

#[derive(InputObject)]
pub struct RegisterInput {
    pub email: String,
    /// At least 10 characters.
    pub password: String,
    pub display_name: String,
}

#[derive(InputObject)]
pub struct LoginInput {
    pub email: String,
    pub password: String,
}

#[derive(InputObject)]
pub struct GrantRoleInput {
    pub email: String,
    pub role: Role,
    pub festival_id: Option<ID>,
    pub venue_id: Option<ID>,
}

/// The grant to take back: the same role and scope it was given with.
#[derive(InputObject)]
pub struct RevokeRoleInput {
    pub email: String,
    pub role: Role,
    pub festival_id: Option<ID>,
    pub venue_id: Option<ID>,
}

/// Giving a role, or taking it back.
#[derive(Clone, Copy)]
enum RoleChange {
    Grant,
    Revoke,
}

/// Gives or takes back the grant of `role` in the given scope to the
/// account with `email`, if the viewer may: admins any grant, organizers
/// ORGANIZER and DOOR_STAFF grants within their own festival.
async fn change_role(
    ctx: &Context<'_>,
    change: RoleChange,
    email: &str,
    role: Role,
    festival_id: Option<&ID>,
    venue_id: Option<&ID>,
) -> ApiResult<Node<User>> {
    let viewer = viewer(ctx);
    // Signed in first: an anonymous caller hears that before any argument
    // is checked.
    viewer.user()?;
    let email = Email::parse("email", email)?;
    let grant = RoleGrant::new(
        role.into(),
        festival_id
            .map(|id| parse_id("festivalId", id))
            .transpose()?,
        venue_id.map(|id| parse_id("venueId", id)).transpose()?,
    )?;
    match change {
        RoleChange::Grant => viewer.grantor(&grant)?,
        RoleChange::Revoke => viewer.revoker(&grant)?,
    };
    let services = services(ctx)?;
    let user = match change {
        RoleChange::Grant => services.store.grant_role(&email, &grant).await?,
        RoleChange::Revoke => services.store.revoke_role(&email, &grant).await?,
    };
    // Seen at once here; other instances read the user again within two
    // seconds.
    services.users.forget(&user.id);
    Ok(Node(user))
}

/// Starts a login for `user`: a fresh access token and the first refresh
/// token of a new session.
async fn sign_in(services: &Services, user: User) -> ApiResult<AuthPayload> {
    let refresh_token = new_refresh_token();
    let session = services
        .store
        .start_session(
            user.id,
            token_hash(&refresh_token),
            services.auth.refresh_expiry()?,
        )
        .await?;
    let (access_token, expires_at) = services.auth.access_token(user.id, session)?;
    Ok(AuthPayload {
        access_token,
        refresh_token,
        expires_at: expires_at.into(),
        user: Node(user),
    })
}

#[derive(Default)]
pub struct AccountsQuery;

#[Object]
impl AccountsQuery {
    /// The signed-in user; null without a token.
    async fn me(&self, ctx: &Context<'_>) -> Option<Node<User>> {
        viewer(ctx).user().ok().cloned().map(Node)
    }
}

#[derive(Default)]
pub struct AccountsMutation;

#[Object]
impl AccountsMutation {
    async fn register(&self, ctx: &Context<'_>, input: RegisterInput) -> ApiResult<AuthPayload> {
        let email = Email::parse("email", &input.email)?;
        let password = Password::parse("password", &input.password)?;
        let display_name = Name::parse("displayName", &input.display_name)?;
        let services = services(ctx)?;
        services.throttles.register(client_address(ctx))?;
        let password_hash = services.auth.hash_password(password).await?;
        let user = services
            .store
            .create_user(
                NewUser {
                    email,
                    password_hash,
                    display_name,
                },
                &[],
            )
            .await?;
        sign_in(services, user).await
    }

    async fn login(&self, ctx: &Context<'_>, input: LoginInput) -> ApiResult<AuthPayload> {
        let services = services(ctx)?;
        services
            .throttles
            .sign_in(&input.email, client_address(ctx))?;
        let credentials = match Email::parse("email", &input.email) {
            Ok(email) => services.store.credentials(&email).await?,
            Err(_) => None,
        };
        let (user, hash) = match credentials {
            Some(stored) => (Some(stored.user), Some(stored.password_hash)),
            None => (None, None),
        };
        let matches = services.auth.verify_password(input.password, hash).await?;
        match user {
            Some(user) if matches => sign_in(services, user).await,
            _ => Err(ApiError::InvalidCredentials),
        }
    }

    /// Spends a refresh token for a new pair. A token presented twice ends
    /// its whole login: someone else has a copy.
    async fn refresh(&self, ctx: &Context<'_>, refresh_token: String) -> ApiResult<AuthPayload> {
        let services = services(ctx)?;
        services.throttles.refresh(client_address(ctx))?;
        let next_token = new_refresh_token();
        let outcome = services
            .store
            .rotate_session(
                &token_hash(&refresh_token),
                token_hash(&next_token),
                services.auth.refresh_expiry()?,
            )
            .await?;
        let (user_id, session) = match outcome {
            RefreshOutcome::Rotated { user, session } => (user, session),
            RefreshOutcome::Reused(session) => {
                services.ended_logins.add(session);
                return Err(ApiError::Unauthenticated(
                    "this refresh token was already used; the login is ended, sign in again".into(),
                ));
            }
            RefreshOutcome::Invalid => {
                return Err(ApiError::Unauthenticated(
                    "unknown, expired or revoked refresh token; sign in again".into(),
                ));
            }
        };
        let user = services
            .store
            .users_by_id(&[user_id])
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| ApiError::Unauthenticated("the account no longer exists".into()))?;
        let (access_token, expires_at) = services.auth.access_token(user.id, session)?;
        Ok(AuthPayload {
            access_token,
            refresh_token: next_token,
            expires_at: expires_at.into(),
            user: Node(user),
        })
    }

    /// Ends the login this refresh token belongs to, and the access tokens
    /// issued with it; false if none was live.
    async fn logout(&self, ctx: &Context<'_>, refresh_token: String) -> ApiResult<bool> {
        let services = services(ctx)?;
        let ended = services
            .store
            .end_session(&token_hash(&refresh_token))
            .await?;
        if let Some(session) = ended {
            services.ended_logins.add(session);
        }
        Ok(ended.is_some())
    }

    /// Admins grant any role; organizers grant ORGANIZER and DOOR_STAFF
    /// within their own festival.
    async fn grant_role(&self, ctx: &Context<'_>, input: GrantRoleInput) -> ApiResult<Node<User>> {
        change_role(
            ctx,
            RoleChange::Grant,
            &input.email,
            input.role,
            input.festival_id.as_ref(),
            input.venue_id.as_ref(),
        )
        .await
    }

    /// Takes a role back: admins any grant, organizers ORGANIZER and
    /// DOOR_STAFF grants within their own festival. The grant must match
    /// the one given (role, festival and venue); NOT_FOUND otherwise. It
    /// stops at once on this instance, within two seconds on the others.
    async fn revoke_role(
        &self,
        ctx: &Context<'_>,
        input: RevokeRoleInput,
    ) -> ApiResult<Node<User>> {
        change_role(
            ctx,
            RoleChange::Revoke,
            &input.email,
            input.role,
            input.festival_id.as_ref(),
            input.venue_id.as_ref(),
        )
        .await
    }

    /// Changes the signed-in user's password, given the current one (checked
    /// and throttled as a sign-in is; the new one follows the rules of
    /// registration). Every other login of the account ends, and their
    /// access tokens stop at once; this login goes on. Returns how many
    /// logins it ended.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        old_password: String,
        new_password: String,
    ) -> ApiResult<i32> {
        let (user, login) = viewer(ctx).login()?;
        let new_password = Password::parse("newPassword", &new_password)?;
        let services = services(ctx)?;
        services
            .throttles
            .sign_in(user.email.as_str(), client_address(ctx))?;
        let old_hash = services
            .store
            .credentials(&user.email)
            .await?
            .map(|stored| stored.password_hash)
            .ok_or_else(|| ApiError::Unauthenticated("the account no longer exists".into()))?;
        if !services
            .auth
            .verify_password(old_password, Some(old_hash.clone()))
            .await?
        {
            return Err(ApiError::InvalidCredentials);
        }
        let new_hash = services.auth.hash_password(new_password).await?;
        let ended = services
            .store
            .change_password(user.id, &old_hash, new_hash, login)
            .await?
            // Changed by another request since it was read: the old
            // password given is no longer the account's.
            .ok_or(ApiError::InvalidCredentials)?;
        for session in &ended {
            services.ended_logins.add(*session);
        }
        Ok(i32::try_from(ended.len()).unwrap_or(i32::MAX))
    }
}

/// The address the request came from, when the server knows it.
fn client_address(ctx: &Context<'_>) -> Option<ClientAddress> {
    ctx.data_opt::<ClientAddress>().copied()
}
