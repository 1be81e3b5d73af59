//! Scalars as resolvers read and write them: the `DateTime` scalar (RFC
//! 3339 with an offset), ID arguments, and counts as Int.
//!
//! Parsing a DateTime never fails at the GraphQL layer: a malformed value
//! is kept and refused when the input is converted, so that the error names
//! the field (`startsAt`) instead of only the input type.

use std::str::FromStr;

use async_graphql::{ID, InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::SecondsFormat;
use usher_domain::time::{self, Timestamp};

use crate::error::{ApiError, ApiResult};

/// A moment, e.g. 2026-12-01T19:30:00+08:00.
#[derive(Debug, Clone)]
pub enum DateTime {
    /// A valid moment.
    Valid(Timestamp),
    /// Text that is not an RFC 3339 moment, refused on conversion.
    Invalid(String),
}

impl DateTime {
    /// The moment, truncated to what the database keeps, or BAD_USER_INPUT
    /// naming `field`.
    pub fn parse(&self, field: &str) -> ApiResult<Timestamp> {
        match self {
            Self::Valid(moment) => Ok(time::truncate(*moment)),
            Self::Invalid(text) => Err(ApiError::bad_input(
                field,
                format!("'{text}' is not an RFC 3339 date-time such as 2026-12-01T19:30:00+08:00"),
            )),
        }
    }
}

impl From<Timestamp> for DateTime {
    fn from(moment: Timestamp) -> Self {
        Self::Valid(moment)
    }
}

#[Scalar(name = "DateTime")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        let Value::String(text) = value else {
            return Err(InputValueError::custom("a DateTime is an RFC 3339 string"));
        };
        Ok(chrono::DateTime::parse_from_rfc3339(text.trim())
            .map(|moment| Self::Valid(moment.to_utc()))
            .unwrap_or(Self::Invalid(text)))
    }

    fn to_value(&self) -> Value {
        match self {
            Self::Valid(moment) => {
                Value::String(moment.to_rfc3339_opts(SecondsFormat::AutoSi, false))
            }
            Self::Invalid(text) => Value::String(text.clone()),
        }
    }
}

/// Parses an optional DateTime argument.
pub fn optional(value: Option<&DateTime>, field: &str) -> ApiResult<Option<Timestamp>> {
    value.map(|moment| moment.parse(field)).transpose()
}

/// Parses a GraphQL ID argument as a typed id; `field` names the argument.
pub(crate) fn parse_id<T: FromStr>(field: &str, id: &ID) -> ApiResult<T> {
    id.as_str()
        .parse()
        .map_err(|_| ApiError::malformed_id(field))
}

/// Counts in the domain are at most a million; GraphQL's Int is 32 bits.
pub(crate) fn int(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}
