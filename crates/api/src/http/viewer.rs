//! Who is asking: the viewer an Authorization header (or a token sent
//! otherwise, as over a WebSocket) speaks for, and the extractors that hand
//! it to routes. No token is anonymous; a bad token is UNAUTHENTICATED.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};

use crate::Services;
use crate::auth::{SCANNER_TOKEN_PREFIX, Viewer, token_hash};
use crate::error::ApiError;
use crate::http::AppState;

/// What a plain-HTTP route that needs a token says to a request without one.
const SEND_A_TOKEN: &str = "send `Authorization: Bearer <accessToken>`";

/// The viewer named by the Authorization header: anonymous without one,
/// UNAUTHENTICATED with one that is not a valid, current token.
pub(super) async fn viewer_from_headers(
    services: &Services,
    headers: &HeaderMap,
) -> Result<Viewer, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(Viewer::Anonymous);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|value| value.strip_prefix("Bearer "))
        .ok_or_else(|| {
            ApiError::Unauthenticated("the Authorization header must be `Bearer <token>`".into())
        })?;
    viewer_from_token(services, token.trim()).await
}

/// The viewer an access token (or a scanner device's token) speaks for.
pub(super) async fn viewer_from_token(
    services: &Services,
    token: &str,
) -> Result<Viewer, ApiError> {
    let store = &services.store;
    if token.starts_with(SCANNER_TOKEN_PREFIX) {
        let now = usher_domain::time::now();
        let hash = token_hash(token);
        let device = services
            .scanners
            .get(&hash, || async {
                Ok(store.scanner_by_token(&hash, now).await?)
            })
            .await?
            .filter(|device| device.is_live(now))
            .ok_or_else(|| {
                ApiError::Unauthenticated(
                    "this scanner token is revoked, expired or unknown".into(),
                )
            })?;
        return Ok(Viewer::Scanner(Box::new(device)));
    }
    let subject = services.auth.verify_access_token(token).ok_or_else(|| {
        ApiError::Unauthenticated("invalid or expired access token; refresh or sign in".into())
    })?;
    if services.ended_logins.contains(&subject.session) {
        return Err(ApiError::Unauthenticated(
            "this login has ended (signed out, or its refresh token was used twice); sign in again"
                .into(),
        ));
    }
    services
        .users
        .get(&subject.user, || async {
            Ok(store.users_by_id(&[subject.user]).await?.into_iter().next())
        })
        .await?
        .map(|user| Viewer::User(Box::new(user), subject.session))
        .ok_or_else(|| ApiError::Unauthenticated("the account no longer exists".into()))
}

/// Anyone: anonymous without a token.
impl FromRequestParts<AppState> for Viewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        viewer_from_headers(&state.services, &parts.headers).await
    }
}

/// A viewer with a valid token: a person or a scanner device.
pub(super) struct Identified(pub Viewer);

impl FromRequestParts<AppState> for Identified {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match Viewer::from_request_parts(parts, state).await? {
            Viewer::Anonymous => Err(ApiError::Unauthenticated(SEND_A_TOKEN.into())),
            viewer => Ok(Self(viewer)),
        }
    }
}

/// A viewer signed in as a person (a scanner device's token is not enough).
pub(super) struct SignedIn(pub Viewer);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match Viewer::from_request_parts(parts, state).await? {
            viewer @ Viewer::User(..) => Ok(Self(viewer)),
            Viewer::Anonymous | Viewer::Scanner(_) => {
                Err(ApiError::Unauthenticated(SEND_A_TOKEN.into()))
            }
        }
    }
}
