//! Accounts: registering, signing in and out, refreshing tokens, and
//! granting roles.

use async_graphql::{Context, ID, InputObject, Object};
use usher_domain::accounts::User;
use usher_domain::input::{Email, Name, Password};
use usher_domain::roles::RoleGrant;
use usher_persistence::{NewUser, RefreshOutcome};

use crate::Services;
use crate::auth::{new_refresh_token, token_hash};
use crate::error::{ApiError, ApiResult};
use crate::schema::types::{AuthPayload, Role, UserNode};
use crate::schema::{parse_id, services, viewer};
use crate::throttle::ClientAddress;

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
        user: UserNode(user),
    })
}

#[derive(Default)]
pub struct AccountsQuery;

#[Object]
impl AccountsQuery {
    /// The signed-in user; null without a token.
    async fn me(&self, ctx: &Context<'_>) -> Option<UserNode> {
        viewer(ctx).user().ok().cloned().map(UserNode)
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
            user: UserNode(user),
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
    async fn grant_role(&self, ctx: &Context<'_>, input: GrantRoleInput) -> ApiResult<UserNode> {
        let granter = viewer(ctx).user()?;
        let email = Email::parse("email", &input.email)?;
        let grant = RoleGrant::new(
            input.role.into(),
            input
                .festival_id
                .map(|id| parse_id("festivalId", &id))
                .transpose()?,
            input
                .venue_id
                .map(|id| parse_id("venueId", &id))
                .transpose()?,
        )?;
        if !granter.permissions.can_grant(&grant) {
            return Err(ApiError::Forbidden(
                "only admins, or organizers within their own festival, may grant this role".into(),
            ));
        }
        let user = services(ctx)?.store.grant_role(&email, &grant).await?;
        Ok(UserNode(user))
    }
}

/// The address the request came from, when the server knows it.
fn client_address(ctx: &Context<'_>) -> Option<ClientAddress> {
    ctx.data_opt::<ClientAddress>().copied()
}
