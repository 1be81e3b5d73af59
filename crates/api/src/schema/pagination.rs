//! Lists a page at a time, with cursors that stay valid while rows are
//! added: a cursor names a position (a moment, then an id), not an offset.

use std::fmt::Display;
use std::str::FromStr;

use async_graphql::SimpleObject;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use usher_domain::time::Timestamp;

use crate::error::{ApiError, ApiResult};

const DEFAULT_PAGE: i32 = 20;
const MAX_PAGE: i32 = 200;

#[derive(SimpleObject)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

/// A cursor naming a position in a list ordered by a moment, then an id.
pub(crate) fn encode_cursor(at: Timestamp, id: impl Display) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{id}", at.timestamp_micros()))
}

/// The position a cursor names.
fn decode_cursor<Id: FromStr>(cursor: &str) -> Option<(Timestamp, Id)> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (micros, id) = text.split_once(':')?;
    let at = chrono::DateTime::from_timestamp_micros(micros.parse().ok()?)?;
    Some((at, id.parse().ok()?))
}

/// The `after` argument of a list: the position its cursor names.
pub(crate) fn position_after<Id: FromStr>(
    after: Option<String>,
) -> ApiResult<Option<(Timestamp, Id)>> {
    after
        .map(|cursor| {
            decode_cursor(&cursor)
                .ok_or_else(|| ApiError::bad_input("after", "is not a cursor of this list"))
        })
        .transpose()
}

/// The `first` argument of a list: 1 to 200, default 20.
pub(crate) fn page_size(first: Option<i32>) -> ApiResult<u64> {
    let first = first.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&first) {
        return Err(ApiError::bad_input(
            "first",
            format!("must be between 1 and {MAX_PAGE}"),
        ));
    }
    Ok(u64::try_from(first).unwrap_or(1))
}

/// A list's `totalCount`, within GraphQL's 32-bit Int.
pub(crate) fn total_count(total: u64) -> i32 {
    i32::try_from(total).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use usher_domain::ids::ItemId;
    use usher_domain::time;

    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let at = time::now();
        let id = ItemId::generate();
        assert_eq!(decode_cursor(&encode_cursor(at, id)), Some((at, id)));
        assert_eq!(decode_cursor::<ItemId>("not a cursor"), None);
        assert_eq!(
            decode_cursor::<ItemId>(&URL_SAFE_NO_PAD.encode("12:nope")),
            None
        );
    }
}
