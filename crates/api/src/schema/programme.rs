//! A festival's programme, a page at a time in order of start time, and
//! the kinds and statuses of its items.

use std::collections::HashSet;

use async_graphql::{Context, Enum, ID, InputObject, SimpleObject};
use usher_domain::catalogue::{self, Item};
use usher_domain::ids::FestivalId;
use usher_domain::time;
use usher_persistence::ProgrammeQuery;

use crate::error::ApiResult;
use crate::loaders::{CountsOf, WaitlistOf};
use crate::schema::context::{loaders, services};
use crate::schema::node::Node;
use crate::schema::pagination::{PageInfo, encode_cursor, page_size, position_after, total_count};
use crate::schema::scalars::{self, DateTime, parse_id};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "catalogue::ProgrammeKind")]
pub enum ProgrammeKind {
    Screening,
    Forum,
    Concert,
    Other,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "catalogue::ProgrammeStatus")]
pub enum ProgrammeStatus {
    NotYetOpen,
    Open,
    SoldOut,
    Closed,
    Cancelled,
    /// Its places go by ballot (enterBallot) until the draw.
    Ballot,
}

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
pub struct ProgrammeEdge {
    pub cursor: String,
    pub node: Node<Item>,
}

#[derive(SimpleObject)]
pub struct ProgrammeConnection {
    pub edges: Vec<ProgrammeEdge>,
    pub page_info: PageInfo,
    /// Items matching the filter, on all pages.
    pub total_count: i32,
}

/// A page of festival `festival_id`'s programme, in order of start time.
pub(crate) async fn page(
    ctx: &Context<'_>,
    festival_id: FestivalId,
    filter: Option<ProgrammeFilter>,
    first: Option<i32>,
    after: Option<String>,
) -> ApiResult<ProgrammeConnection> {
    let first = page_size(first)?;
    let after = position_after(after)?;
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
            node: Node(item),
        })
        .collect();
    Ok(ProgrammeConnection {
        page_info: PageInfo {
            has_next_page: page.has_next_page,
            end_cursor: edges.last().map(|edge| edge.cursor.clone()),
        },
        edges,
        total_count: total_count(page.total_count),
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
