//! Who is asking: the viewer an Authorization header (or a token sent
//! otherwise, as over a WebSocket) speaks for, and the extractors that hand
//! it to routes. No token is anonymous; a bad token is UNAUTHENTICATED.

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use usher_domain::accounts::User;
use usher_domain::catalogue::Item;
use usher_domain::ids::FestivalId;

use crate::Services;
use crate::access::link_holder_organizes;
use crate::auth::{SCANNER_TOKEN_PREFIX, Viewer, token_hash};
use crate::error::{ApiError, ApiResult};
use crate::http::AppState;
use crate::signed_links::LinkQuery;

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

/// Who opens an organizer's download (the attendance CSV, an arrivals
/// chart): a Bearer token as on any route, or a signed link, which stands
/// for the user it was made for (see `crate::signed_links`). A request
/// whose query carries any part of a signed link is judged by the link.
pub(super) enum Downloader {
    /// A person or a device with a token.
    Bearer(Viewer),
    /// A signed link, valid for this request's path, made for this user.
    Link(Box<User>),
}

impl Downloader {
    /// Nothing, if this may read all of festival `festival_id`'s attendance.
    pub(super) fn organizer(&self, festival_id: FestivalId) -> ApiResult<()> {
        match self {
            Self::Bearer(viewer) => viewer.organizer(festival_id).map(|_| ()),
            Self::Link(user) => link_holder_organizes(user, festival_id),
        }
    }

    /// Nothing, if this may read the attendance of `item` (a link: only
    /// when made for one of its organizers).
    pub(super) fn watcher_of(&self, item: &Item) -> ApiResult<()> {
        match self {
            Self::Bearer(viewer) => viewer.watcher_of(item),
            Self::Link(user) => link_holder_organizes(user, item.festival_id),
        }
    }

    /// Whether a signed link let the request in: its answer is then for
    /// this browser alone, and kept nowhere.
    pub(super) fn by_link(&self) -> bool {
        matches!(self, Self::Link(_))
    }
}

impl FromRequestParts<AppState> for Downloader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let link = Query::<LinkQuery>::try_from_uri(&parts.uri)
            .map_err(|_| {
                ApiError::Unauthenticated(
                    "this link's query is malformed; open the download again from the \
                     organizer console"
                        .into(),
                )
            })?
            .0;
        if !link.is_signed() {
            return match Viewer::from_request_parts(parts, state).await? {
                Viewer::Anonymous => Err(ApiError::Unauthenticated(
                    "send `Authorization: Bearer <accessToken>`, or open a signed link \
                     (signedAttendanceCsvUrl, signedArrivalsChartUrl)"
                        .into(),
                )),
                viewer => Ok(Self::Bearer(viewer)),
            };
        }
        let services = &state.services;
        let user_id =
            services
                .link_signer
                .verify(parts.uri.path(), &link, usher_domain::time::now())?;
        let store = &services.store;
        services
            .users
            .get(&user_id, || async {
                Ok(store.users_by_id(&[user_id]).await?.into_iter().next())
            })
            .await?
            .map(|user| Self::Link(Box::new(user)))
            .ok_or_else(|| {
                ApiError::Unauthenticated(
                    "the account this link was made for no longer exists".into(),
                )
            })
    }
}
