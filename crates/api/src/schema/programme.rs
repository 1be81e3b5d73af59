//! A festival's programme, a page at a time, with cursors that stay valid
//! while items are added (they name a position: start time, then id).

use async_graphql::{Context, ID, InputObject, SimpleObject};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use std::collections::HashSet;

use usher_domain::catalogue::Item;
use usher_domain::ids::FestivalId;
use usher_domain::time::{self, Timestamp};
use usher_persistence::ProgrammeQuery;

use crate::error::{ApiError, ApiResult};
use crate::loaders::WaitlistOf;
use crate::schema::scalars::{self, DateTime};
use crate::schema::types::{ItemNode, ProgrammeKind};
use crate::schema::{CountsOf, loaders, parse_id, services};

const DEFAULT_PAGE: i32 = 20;
const MAX_PAGE: i32 = 200;

#[derive(InputObject, Default)]
pub struct ProgrammeFilter {
    pub kind: Option<ProgrammeKind>,
    pub venue_id: Option<ID>,
    pub film_id: Option<ID>,
    /// Items starting at or after this moment.
    pub starts_after: Option<DateTime>,
    /// Items starting before this moment.
    pub starts_before: Option<DateTime>,
    /// Only items whose status is OPEN.
    pub only_available: Option<bool>,
}

#[derive(SimpleObject)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

#[derive(SimpleObject)]
pub struct ProgrammeEdge {
    pub cursor: String,
    pub node: ItemNode,
}

#[derive(SimpleObject)]
pub struct ProgrammeConnection {
    pub edges: Vec<ProgrammeEdge>,
    pub page_info: PageInfo,
    /// Items matching the filter, on all pages.
    pub total_count: i32,
}

/// A cursor naming a position in a list ordered by a moment, then an id.
pub(crate) fn encode_cursor(at: Timestamp, id: impl std::fmt::Display) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{id}", at.timestamp_micros()))
}

/// The position a cursor names.
pub(crate) fn decode_cursor<Id: std::str::FromStr>(cursor: &str) -> Option<(Timestamp, Id)> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (micros, id) = text.split_once(':')?;
    let starts_at = chrono::DateTime::from_timestamp_micros(micros.parse().ok()?)?;
    Some((starts_at, id.parse().ok()?))
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

pub(crate) async fn page(
    ctx: &Context<'_>,
    festival_id: FestivalId,
    filter: Option<ProgrammeFilter>,
    first: Option<i32>,
    after: Option<String>,
) -> ApiResult<ProgrammeConnection> {
    let first = page_size(first)?;
    let after = after
        .map(|cursor| {
            decode_cursor(&cursor)
                .ok_or_else(|| ApiError::bad_input("after", "is not a cursor of this list"))
        })
        .transpose()?;
    let filter = filter.unwrap_or_default();
    let query = ProgrammeQuery {
        kind: filter.kind.map(Into::into),
        venue_id: filter
            .venue_id
            .map(|id| parse_id("filter.venueId", &id))
            .transpose()?,
        film_id: filter
            .film_id
            .map(|id| parse_id("filter.filmId", &id))
            .transpose()?,
        starts_after: scalars::optional(filter.starts_after.as_ref(), "filter.startsAfter")?,
        starts_before: scalars::optional(filter.starts_before.as_ref(), "filter.startsBefore")?,
        only_available_at: filter.only_available.unwrap_or(false).then(time::now),
        after,
        first,
    };
    let page = services(ctx)?.store.programme(festival_id, &query).await?;
    prefetch(ctx, &page.rows).await?;
    let edges: Vec<ProgrammeEdge> = page
        .rows
        .into_iter()
        .map(|item| ProgrammeEdge {
            cursor: encode_cursor(item.schedule.starts_at(), item.id),
            node: ItemNode(item),
        })
        .collect();
    Ok(ProgrammeConnection {
        page_info: PageInfo {
            has_next_page: page.has_next_page,
            end_cursor: edges.last().map(|edge| edge.cursor.clone()),
        },
        edges,
        total_count: i32::try_from(page.total_count).unwrap_or(i32::MAX),
    })
}

/// Loads, one batch each, the relations the query asks of a page's items,
/// so that the page costs the same few queries whatever its length.
async fn prefetch(ctx: &Context<'_>, items: &[Item]) -> ApiResult<()> {
    let node = ctx.look_ahead().field("edges").field("node");
    let loaders = loaders(ctx)?;
    if node.field("venue").exists() || node.field("attendance").exists() {
        loaders
            .load_many(
                items
                    .iter()
                    .map(|item| item.venue_id)
                    .collect::<HashSet<_>>(),
            )
            .await?;
    }
    if node.field("film").exists() {
        loaders
            .load_many(
                items
                    .iter()
                    .filter_map(|item| item.film_id)
                    .collect::<HashSet<_>>(),
            )
            .await?;
    }
    if node.field("festival").exists() {
        loaders
            .load_many(
                items
                    .iter()
                    .map(|item| item.festival_id)
                    .collect::<HashSet<_>>(),
            )
            .await?;
    }
    if node.field("attendance").exists() {
        loaders
            .load_many(items.iter().map(|item| CountsOf(item.id)))
            .await?;
    }
    if node.field("waitlistLength").exists() {
        loaders
            .load_many(items.iter().map(|item| WaitlistOf(item.id)))
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use usher_domain::ids::ItemId;

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
