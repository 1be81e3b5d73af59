//! Attendance for organizers (and door staff, for the venues in their
//! scope): per item, grouped per festival, and live through subscriptions.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Object, SimpleObject, Subscription};
use futures::Stream;
use futures::stream;
use tokio::sync::watch;
use usher_domain::attendance::{self, Attendance};
use usher_domain::catalogue::{Festival, Item};
use usher_domain::ids::{FestivalId, ItemId};
use usher_domain::time;

use crate::Services;
use crate::error::{ApiError, ApiResult};
use crate::live::{ConnectionSubscriptions, LiveItem, LiveItems, Subscribed};
use crate::loaders::{CountsOf, Loaders, WaitlistOf};
use crate::reports::FestivalReport;
use crate::schema::context::{loaders, origin, services, viewer};
use crate::schema::node::Node;
use crate::schema::scalars::{int, parse_id};
use crate::signed_links;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "attendance::Grouping")]
pub enum AttendanceGrouping {
    Item,
    Venue,
    /// The festival's local date.
    Day,
    Film,
    /// Each country of the film; an item counts once per country of its film, so rows may sum to more than the total.
    Country,
}

// Attendance numbers of an item or a group of items.
#[Object(name = "Attendance")]
impl Node<Attendance> {
    async fn ticket_capacity(&self) -> i32 {
        int(self.0.ticket_capacity)
    }

    async fn venue_capacity(&self) -> i32 {
        int(self.0.venue_capacity)
    }

    /// Tickets ACTIVE or CHECKED_IN.
    async fn issued(&self) -> i32 {
        int(self.0.issued)
    }

    async fn checked_in(&self) -> i32 {
        int(self.0.checked_in)
    }

    async fn cancelled(&self) -> i32 {
        int(self.0.cancelled)
    }

    /// Issued but not checked in, counted once late entry has closed; 0 before.
    async fn no_shows(&self) -> i32 {
        int(self.0.no_shows)
    }

    /// Tickets asked for on the waitlist.
    async fn waitlisted(&self) -> i32 {
        int(self.0.waitlisted)
    }

    /// Tickets released to the standby line (not issued any more, and not no-shows).
    async fn released(&self) -> i32 {
        int(self.0.released)
    }

    /// People let in from the standby line: inside, like checkedIn, but
    /// not on a reserved ticket.
    async fn standby_admitted(&self) -> i32 {
        int(self.0.standby_admitted)
    }

    /// People waiting in the standby line.
    async fn standby_waiting(&self) -> i32 {
        int(self.0.standby_waiting)
    }

    /// People the door may still let in from the standby line: venueCapacity
    /// minus the people inside minus the tickets still held (none after the release).
    async fn standby_places(&self) -> i32 {
        int(self.0.standby_places)
    }

    /// Ballot entries made and not withdrawn.
    async fn ballot_entries(&self) -> i32 {
        int(self.0.ballot_entries)
    }

    /// Ballot entries holding (until their claim deadline) or having
    /// claimed the places they won.
    async fn ballot_won(&self) -> i32 {
        int(self.0.ballot_won)
    }

    /// checkedIn / issued, 0 when nothing is issued.
    async fn check_in_rate(&self) -> f64 {
        self.0.check_in_rate()
    }
}

#[derive(SimpleObject)]
pub struct AttendanceRow {
    /// An id, a date (YYYY-MM-DD) or a country code.
    pub key: String,
    pub label: String,
    pub attendance: Node<Attendance>,
}

/// An absolute link to `path` that the viewer, an organizer of festival
/// `festival_id`, opens in a browser without a token for a few minutes.
async fn signed_url(ctx: &Context<'_>, festival_id: FestivalId, path: &str) -> ApiResult<String> {
    let user = viewer(ctx).organizer(festival_id)?;
    let origin = origin(ctx)?;
    let link = services(ctx)?.link_signer.sign(path, user.id, time::now());
    Ok(format!("{origin}{link}"))
}

/// The signed link to `festival`'s attendance CSV.
pub(crate) async fn signed_csv_url(ctx: &Context<'_>, festival: &Festival) -> ApiResult<String> {
    signed_url(
        ctx,
        festival.id,
        &signed_links::attendance_csv_path(festival.id),
    )
    .await
}

/// The signed link to `item`'s arrivals chart.
pub(crate) async fn signed_chart_url(ctx: &Context<'_>, item: &Item) -> ApiResult<String> {
    signed_url(
        ctx,
        item.festival_id,
        &signed_links::arrivals_svg_path(item.id),
    )
    .await
}

/// An item's attendance, through the request's loaders.
pub(crate) async fn of_item(ctx: &Context<'_>, item: &Item) -> ApiResult<Node<Attendance>> {
    viewer(ctx).watcher_of(item)?;
    let loaders = loaders(ctx)?;
    let venue = loaders.load_one(item.venue_id).await?;
    let counts = loaders
        .load_one(CountsOf(item.id))
        .await?
        .unwrap_or_default();
    Ok(Node(Attendance::of_item(
        item,
        venue.map_or(0, |venue| venue.capacity.get()),
        counts,
        time::now(),
    )))
}

/// A festival's report, grouped, with the items the viewer may see.
pub(crate) async fn of_festival(
    ctx: &Context<'_>,
    festival: &Festival,
    grouping: AttendanceGrouping,
) -> ApiResult<Vec<AttendanceRow>> {
    let viewer = viewer(ctx);
    viewer.watcher_of_festival(festival.id)?;
    let report = FestivalReport::load(&services(ctx)?.store, festival.id, |item| {
        viewer.may_watch(item)
    })
    .await?;
    let rows = attendance::group(&report.rows(), grouping.into(), festival.timezone.tz());
    Ok(rows
        .into_iter()
        .map(|row| AttendanceRow {
            key: row.key,
            label: row.label,
            attendance: Node(row.attendance),
        })
        .collect())
}

/// The item's value now, then a new one after every change, as the
/// instance's follower of the item reads it. Each value is fed to the
/// connection's loaders, so that what a subscriber selects of the item
/// reads nothing again.
fn changes_of<T: Send + 'static>(
    loaders: Arc<Loaders>,
    subscribed: Subscribed,
    first: Arc<LiveItem>,
    receiver: watch::Receiver<Option<ApiResult<Arc<LiveItem>>>>,
    read: fn(&LiveItem) -> T,
) -> impl Stream<Item = ApiResult<T>> {
    stream::unfold(
        (Some(first), Some(receiver), subscribed),
        move |(next, receiver, subscribed)| {
            let loaders = loaders.clone();
            async move {
                let mut receiver = receiver?;
                let live = match next {
                    Some(live) => live,
                    None => {
                        receiver.changed().await.ok()?;
                        let latest = receiver.borrow_and_update().clone();
                        match latest? {
                            Ok(live) => live,
                            Err(error) => return Some((Err(error), (None, None, subscribed))),
                        }
                    }
                };
                let item_id = live.item.id;
                loaders.feed_one(item_id, live.item.clone()).await;
                loaders.feed_one(CountsOf(item_id), live.counts).await;
                loaders
                    .feed_one(WaitlistOf(item_id), live.waitlist_length)
                    .await;
                Some((Ok(read(&live)), (None, Some(receiver), subscribed)))
            }
        },
    )
}

/// A subscription's slot and the item's first value, or why not.
async fn watch_item(
    ctx: &Context<'_>,
    item_id: &ID,
) -> ApiResult<(
    Subscribed,
    Arc<LiveItem>,
    watch::Receiver<Option<ApiResult<Arc<LiveItem>>>>,
)> {
    let item_id: ItemId = parse_id("itemId", item_id)?;
    let services = ctx
        .data::<Arc<Services>>()
        .map_err(|_| ApiError::internal(anyhow::anyhow!("schema built without services")))?;
    let connection = ctx
        .data_opt::<ConnectionSubscriptions>()
        .cloned()
        .unwrap_or_default();
    let subscribed = services.live.open_subscription(&connection)?;
    let (first, receiver) = LiveItems::watch(services, item_id).await?;
    Ok((subscribed, first, receiver))
}

#[derive(Default)]
pub struct SubscriptionRoot;

#[Subscription]
impl SubscriptionRoot {
    /// Organizers and door staff: a new value after every change (ticket
    /// issued, cancelled, checked in), starting with the current one.
    async fn attendance_changed(
        &self,
        ctx: &Context<'_>,
        item_id: ID,
    ) -> Result<impl Stream<Item = ApiResult<Node<Attendance>>> + use<>, ApiError> {
        let (subscribed, first, receiver) = watch_item(ctx, &item_id).await?;
        viewer(ctx).watcher_of(&first.item)?;
        Ok(changes_of(
            loaders(ctx)?.clone(),
            subscribed,
            first,
            receiver,
            |live| Node(live.attendance),
        ))
    }

    /// Anyone: ticketsLeft and status as they change, starting with the
    /// current values.
    async fn availability_changed(
        &self,
        ctx: &Context<'_>,
        item_id: ID,
    ) -> Result<impl Stream<Item = ApiResult<Node<Item>>> + use<>, ApiError> {
        let (subscribed, first, receiver) = watch_item(ctx, &item_id).await?;
        Ok(changes_of(
            loaders(ctx)?.clone(),
            subscribed,
            first,
            receiver,
            |live| Node(live.item.clone()),
        ))
    }
}
