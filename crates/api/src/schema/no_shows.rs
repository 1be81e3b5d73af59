//! No-show strikes: what an attendee sees of their own, what organizers
//! see of a person at their festival, and forgiving a strike.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use usher_domain::catalogue::Item;
use usher_domain::ids::{FestivalId, NoShowId, UserId};
use usher_domain::input::Email;
use usher_domain::tickets::no_shows::{self, NoShow};
use usher_domain::time::{self, Timestamp};

use crate::error::{ApiError, ApiResult};
use crate::schema::context::{loaders, services, viewer};
use crate::schema::node::Node;
use crate::schema::scalars::{DateTime, parse_id};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "no_shows::NoShowKind")]
pub enum NoShowKind {
    /// The ticket was still unscanned when late entry closed.
    NoShow,
    /// The ticket was given back later than the festival's
    /// cancelWithoutPenaltyMinutes before the start.
    LateCancellation,
}

// A strike against a ticket's holder.
#[Object(name = "NoShow")]
impl Node<NoShow> {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn item(&self, ctx: &Context<'_>) -> ApiResult<Node<Item>> {
        loaders(ctx)?
            .load_one(self.0.item_id)
            .await?
            .map(Node)
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no-show without its item")))
    }

    async fn kind(&self) -> NoShowKind {
        self.0.kind.into()
    }

    /// When it counted: when late entry closed, or when the ticket was given back.
    async fn at(&self) -> DateTime {
        self.0.at.into()
    }

    /// When an organizer forgave it; a forgiven strike no longer counts.
    async fn forgiven_at(&self) -> Option<DateTime> {
        self.0.forgiven_at.map(DateTime::from)
    }
}

/// Where a person stands at a festival: their strikes and their block.
#[derive(SimpleObject)]
pub struct AttendeeStanding {
    pub email: String,
    pub display_name: String,
    /// Newest first, forgiven ones included.
    pub no_shows: Vec<Node<NoShow>>,
    /// When their block at this festival ends; null when they are not blocked.
    pub blocked_until: Option<DateTime>,
}

/// The latest block of `holder` that has not ended at `now`, over every
/// festival (or at `festival` only).
pub(crate) async fn blocked_until(
    ctx: &Context<'_>,
    holder: UserId,
    festival: Option<FestivalId>,
) -> ApiResult<Option<DateTime>> {
    let now = time::now();
    let blocks = services(ctx)?.store.no_show_blocks(holder).await?;
    Ok(blocks
        .into_iter()
        .filter(|(at, _)| festival.is_none_or(|festival| festival == *at))
        .map(|(_, until)| until)
        .filter(|until: &Timestamp| *until > now)
        .max()
        .map(DateTime::from))
}

/// A holder's strikes, newest first.
pub(crate) async fn of_holder(
    ctx: &Context<'_>,
    holder: UserId,
    festival: Option<FestivalId>,
) -> ApiResult<Vec<Node<NoShow>>> {
    let strikes = services(ctx)?.store.no_shows_of(holder, festival).await?;
    Ok(strikes.into_iter().map(Node).collect())
}

/// Where the person signing in with `email` stands at `festival_id`, for
/// its organizers.
pub(crate) async fn standing(
    ctx: &Context<'_>,
    festival_id: FestivalId,
    email: &str,
) -> ApiResult<AttendeeStanding> {
    viewer(ctx).organizer(festival_id)?;
    let email = Email::parse("email", email)?;
    let user = services(ctx)?
        .store
        .credentials(&email)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?
        .user;
    Ok(AttendeeStanding {
        email: user.email.as_str().to_owned(),
        display_name: user.display_name.as_str().to_owned(),
        no_shows: of_holder(ctx, user.id, Some(festival_id)).await?,
        blocked_until: blocked_until(ctx, user.id, Some(festival_id)).await?,
    })
}

#[derive(Default)]
pub struct NoShowsMutation;

#[Object]
impl NoShowsMutation {
    /// Forgives a strike: it no longer counts towards a block (a block it
    /// completed ends unless the other strikes still reach the limit). For
    /// the organizers of its festival; forgiving it again changes nothing.
    async fn forgive_no_show(&self, ctx: &Context<'_>, no_show_id: ID) -> ApiResult<Node<NoShow>> {
        let id: NoShowId = parse_id("noShowId", &no_show_id)?;
        let store = &services(ctx)?.store;
        let strike = store
            .no_show(id)
            .await?
            .ok_or_else(|| ApiError::not_found("no-show"))?;
        viewer(ctx).organizer(strike.festival_id)?;
        Ok(Node(store.forgive_no_show(id).await?))
    }
}
