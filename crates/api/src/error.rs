//! The one error type of the API. Every failure a client sees carries a
//! stable `extensions.code` from the contract's list; internal failures are
//! logged with their cause chain and shown to clients only as INTERNAL.
//! GraphQL answers carry it as an error with extensions, plain-HTTP routes
//! as a status and a sentence; both are made here.

use std::fmt;
use std::sync::Arc;

use async_graphql::{ErrorExtensions, ServerError};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use usher_domain::InvalidInput;
use usher_domain::tickets::ReservationRefusal;
use usher_persistence::StoreError;

/// A refused or failed request.
///
/// Deliberately not `Display`: async-graphql turns any `Display` type into an
/// error without a code, and every error here must keep its code.
#[derive(Clone)]
pub enum ApiError {
    /// No, expired or invalid access token.
    Unauthenticated(String),
    /// Signed in, but the role or scope does not allow it.
    Forbidden(String),
    /// No such id, or not visible to this user.
    NotFound(String),
    /// An invalid argument; `field` names it.
    BadUserInput {
        /// The input field, e.g. `endsAt` or `input.email`.
        field: String,
        /// What is wrong, for a person.
        message: String,
    },
    /// Something that must be unique already exists.
    AlreadyExists(String),
    /// Wrong email or password.
    InvalidCredentials,
    /// A reservation the rules refuse.
    Refused(ReservationRefusal),
    /// Too many requests from this client or for this account; retry after
    /// the given number of seconds.
    RateLimited {
        /// What was limited, for a person.
        message: String,
        /// When a retry may succeed.
        retry_after_seconds: u64,
    },
    /// The database is away or cannot write (a full disk); retry later.
    Unavailable(String),
    /// A bug or an outage.
    Internal(Arc<anyhow::Error>),
}

/// What resolvers return.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// The contract's code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::NotFound(_) => "NOT_FOUND",
            Self::BadUserInput { .. } => "BAD_USER_INPUT",
            Self::AlreadyExists(_) => "ALREADY_EXISTS",
            Self::InvalidCredentials => "INVALID_CREDENTIALS",
            Self::Refused(ReservationRefusal::SoldOut { .. }) => "SOLD_OUT",
            Self::Refused(ReservationRefusal::LimitExceeded { .. }) => "LIMIT_EXCEEDED",
            Self::Refused(ReservationRefusal::Overlapping) => "OVERLAPPING_TICKET",
            Self::Refused(ReservationRefusal::Closed(_)) => "RESERVATION_CLOSED",
            Self::Refused(ReservationRefusal::NoShowBlocked { .. }) => "NO_SHOW_BLOCKED",
            Self::Refused(ReservationRefusal::BallotOnly { .. }) => "BALLOT_ONLY",
            Self::RateLimited { .. } | Self::Refused(ReservationRefusal::AccountTooNew { .. }) => {
                "RATE_LIMITED"
            }
            Self::Unavailable(_) => "UNAVAILABLE",
            Self::Internal(_) => "INTERNAL",
        }
    }

    /// The message a client sees.
    pub fn message(&self) -> String {
        match self {
            Self::Unauthenticated(message)
            | Self::Forbidden(message)
            | Self::NotFound(message)
            | Self::AlreadyExists(message)
            | Self::Unavailable(message) => message.clone(),
            Self::RateLimited {
                message,
                retry_after_seconds,
            } => format!("{message}; retry in {retry_after_seconds} s"),
            Self::BadUserInput { field, message } => format!("{field} {message}"),
            Self::InvalidCredentials => "wrong email or password".to_owned(),
            Self::Refused(refusal) => refusal.to_string(),
            Self::Internal(_) => "internal error; the server log has the details".to_owned(),
        }
    }

    /// A bug or an outage, logged with its cause chain.
    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        Self::Internal(Arc::new(error.into()))
    }

    /// Signing in is needed for this.
    pub fn sign_in_required() -> Self {
        Self::Unauthenticated("sign in first: send `Authorization: Bearer <accessToken>`".into())
    }

    /// A refused argument.
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadUserInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// An argument that should be an id and is not.
    pub fn malformed_id(field: &str) -> Self {
        Self::bad_input(field, "is not a valid id")
    }

    /// No such thing, named in the message.
    pub fn not_found(what: &str) -> Self {
        Self::NotFound(format!("no such {what}"))
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Internal(error) => write!(f, "Internal({error:?})"),
            other => write!(f, "{}: {}", other.code(), other.message()),
        }
    }
}

impl From<InvalidInput> for ApiError {
    fn from(error: InvalidInput) -> Self {
        Self::BadUserInput {
            field: error.field,
            message: error.message,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(what) => Self::not_found(what),
            StoreError::Conflict(message) => Self::AlreadyExists(message),
            StoreError::Invalid(invalid) => invalid.into(),
            StoreError::Refused(refusal) => Self::Refused(refusal),
            StoreError::Unavailable(outage) => {
                tracing::warn!(error = %outage, "database unavailable");
                Self::Unavailable(outage.message().to_owned())
            }
            StoreError::Unexpected(error) => Self::internal(error),
        }
    }
}

impl ApiError {
    /// Logs an internal error with its cause chain; clients see only its code.
    pub fn log_if_internal(&self) {
        if let Self::Internal(cause) = self {
            tracing::error!(error = format!("{cause:#}"), "internal error");
        }
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(error: ApiError) -> Self {
        error.log_if_internal();
        let code = error.code();
        let field = match &error {
            ApiError::BadUserInput { field, .. } => Some(field.clone()),
            _ => None,
        };
        let retry_after = match &error {
            ApiError::RateLimited {
                retry_after_seconds,
                ..
            } => Some(*retry_after_seconds),
            ApiError::Refused(refusal) => refusal.retry_after_seconds(),
            _ => None,
        };
        let blocked_until = match &error {
            ApiError::Refused(ReservationRefusal::NoShowBlocked { until }) => Some(*until),
            _ => None,
        };
        async_graphql::Error::new(error.message()).extend_with(|_, extensions| {
            extensions.set("code", code);
            if let Some(field) = field {
                extensions.set("field", field);
            }
            if let Some(seconds) = retry_after {
                extensions.set("retryAfterSeconds", seconds);
            }
            if let Some(until) = blocked_until {
                // `until` is the contract's name; `blockedUntil` the one
                // the first clients read.
                extensions.set("until", until.to_rfc3339());
                extensions.set("blockedUntil", until.to_rfc3339());
            }
        })
    }
}

impl From<ApiError> for ServerError {
    /// An error of the whole request, outside any field (a bad token, a
    /// body that is not a GraphQL request).
    fn from(error: ApiError) -> Self {
        let error = async_graphql::Error::from(error);
        let mut server_error = ServerError::new(error.message, None);
        server_error.extensions = error.extensions;
        server_error
    }
}

impl IntoResponse for ApiError {
    /// The answer of a plain-HTTP route: the status of the error's code,
    /// with its message as text (only "internal error" for INTERNAL, whose
    /// cause goes to the log).
    fn into_response(self) -> Response {
        let status = match &self {
            Self::Unauthenticated(_) | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::BadUserInput { .. } => StatusCode::BAD_REQUEST,
            Self::AlreadyExists(_) => StatusCode::CONFLICT,
            Self::RateLimited { .. } | Self::Refused(ReservationRefusal::AccountTooNew { .. }) => {
                StatusCode::TOO_MANY_REQUESTS
            }
            Self::Refused(_) => StatusCode::CONFLICT,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        self.log_if_internal();
        let message = match self {
            Self::Internal(_) => "internal error".to_owned(),
            other => other.message(),
        };
        (status, message).into_response()
    }
}
