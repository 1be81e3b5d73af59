//! GraphQL output types. Each wraps a domain value; none is derived on a
//! table model.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use usher_domain::accounts::User;
use usher_domain::catalogue::{self, Festival, Film, Item, Venue};
use usher_domain::roles::{self, RoleGrant};
use usher_domain::time;

use crate::error::{ApiError, ApiResult};
use crate::loaders::{VenuesOf, WaitlistOf};
use crate::schema::scalars::DateTime;
use crate::schema::{attendance, door, loaders, programme};

/// Counts in the domain are at most a million; GraphQL's Int is 32 bits.
pub(crate) fn int(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "roles::Role")]
pub enum Role {
    Attendee,
    DoorStaff,
    Organizer,
    Admin,
}

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
}

/// A festival: its venues and programme.
pub struct FestivalNode(pub Festival);

#[Object(name = "Festival")]
impl FestivalNode {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn slug(&self) -> &str {
        self.0.slug.as_str()
    }

    async fn name(&self) -> &str {
        self.0.name.as_str()
    }

    async fn city(&self) -> &str {
        self.0.city.as_str()
    }

    /// IANA name, e.g. Asia/Shanghai.
    async fn timezone(&self) -> &str {
        self.0.timezone.name()
    }

    /// Co-hosting organisations.
    async fn hosts(&self) -> Vec<&str> {
        self.0.hosts.iter().map(|host| host.as_str()).collect()
    }

    /// Whether an attendee may hold tickets for items that overlap in time.
    async fn allow_overlapping_tickets(&self) -> bool {
        self.0.allow_overlapping_tickets
    }

    /// How many minutes old an account must be to reserve the items that
    /// require a settled account; null when there is no such brake.
    async fn min_account_age_minutes(&self) -> Option<i32> {
        self.0.min_account_age.map(|age| int(age.minutes()))
    }

    async fn venues(&self, ctx: &Context<'_>) -> ApiResult<Vec<VenueNode>> {
        let venues = loaders(ctx)?.load_one(VenuesOf(self.0.id)).await?;
        Ok(venues
            .unwrap_or_default()
            .into_iter()
            .map(VenueNode)
            .collect())
    }

    /// Organizers of this festival (all items), and its door staff (the
    /// items of the venues in their scope).
    async fn attendance(
        &self,
        ctx: &Context<'_>,
        group_by: attendance::AttendanceGrouping,
    ) -> ApiResult<Vec<attendance::AttendanceRow>> {
        attendance::of_festival(ctx, &self.0, group_by).await
    }

    /// The programme in order of start time, a page at a time.
    async fn programme(
        &self,
        ctx: &Context<'_>,
        filter: Option<programme::ProgrammeFilter>,
        #[graphql(desc = "Items per page: 1 to 200, default 20.")] first: Option<i32>,
        #[graphql(desc = "The endCursor of the previous page.")] after: Option<String>,
    ) -> ApiResult<programme::ProgrammeConnection> {
        programme::page(ctx, self.0.id, filter, first, after).await
    }
}

/// A place where programme items happen.
pub struct VenueNode(pub Venue);

#[Object(name = "Venue")]
impl VenueNode {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn name(&self) -> &str {
        self.0.name.as_str()
    }

    async fn address(&self) -> &str {
        self.0.address.as_str()
    }

    /// Physical (fire-code) capacity: the most people admitted at once.
    async fn capacity(&self) -> i32 {
        int(self.0.capacity.get())
    }

    async fn gates(&self) -> Vec<&str> {
        self.0.gates.iter().map(|gate| gate.as_str()).collect()
    }
}

/// A film of the festival's catalogue.
pub struct FilmNode(pub Film);

#[Object(name = "Film")]
impl FilmNode {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn title(&self) -> &str {
        self.0.title.as_str()
    }

    async fn original_title(&self) -> Option<&str> {
        self.0.original_title.as_ref().map(|title| title.as_str())
    }

    /// ISO 3166-1 alpha-2 codes.
    async fn countries(&self) -> Vec<&str> {
        self.0.countries.iter().map(|code| code.as_str()).collect()
    }

    async fn languages(&self) -> Vec<&str> {
        self.0
            .languages
            .iter()
            .map(|language| language.as_str())
            .collect()
    }

    async fn runtime_minutes(&self) -> Option<i32> {
        self.0.runtime_minutes.map(int)
    }

    async fn director(&self) -> Option<&str> {
        self.0.director.as_ref().map(|director| director.as_str())
    }
}

/// A screening, forum, concert or other programme item that needs a ticket.
pub struct ItemNode(pub Item);

#[Object(name = "ProgrammeItem")]
impl ItemNode {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn kind(&self) -> ProgrammeKind {
        self.0.kind.into()
    }

    async fn title(&self) -> &str {
        self.0.title.as_str()
    }

    /// Null for items that show no single film.
    async fn film(&self, ctx: &Context<'_>) -> ApiResult<Option<FilmNode>> {
        let Some(film_id) = self.0.film_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.load_one(film_id).await?.map(FilmNode))
    }

    async fn venue(&self, ctx: &Context<'_>) -> ApiResult<VenueNode> {
        loaders(ctx)?
            .load_one(self.0.venue_id)
            .await?
            .map(VenueNode)
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("item without its venue")))
    }

    async fn festival(&self, ctx: &Context<'_>) -> ApiResult<FestivalNode> {
        loaders(ctx)?
            .load_one(self.0.festival_id)
            .await?
            .map(FestivalNode)
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("item without its festival")))
    }

    async fn starts_at(&self) -> DateTime {
        self.0.schedule.starts_at().into()
    }

    async fn ends_at(&self) -> DateTime {
        self.0.schedule.ends_at().into()
    }

    /// Tickets that may be issued; may exceed venue.capacity to allow for no-shows.
    async fn ticket_capacity(&self) -> i32 {
        int(self.0.ticket_capacity.get())
    }

    async fn tickets_left(&self) -> i32 {
        int(self.0.tickets_left())
    }

    async fn max_tickets_per_attendee(&self) -> i32 {
        int(self.0.max_tickets_per_attendee.get())
    }

    /// Whether only accounts at least the festival's minAccountAgeMinutes
    /// old may reserve it or join its waitlist.
    async fn requires_settled_account(&self) -> bool {
        self.0.requires_settled_account
    }

    async fn reservation_opens_at(&self) -> DateTime {
        self.0.schedule.reservation_opens_at().into()
    }

    async fn reservation_closes_at(&self) -> DateTime {
        self.0.schedule.reservation_closes_at().into()
    }

    async fn status(&self) -> ProgrammeStatus {
        self.0.status(time::now()).into()
    }

    /// startsAt - doorsOpenMinutes: the first moment a ticket is admitted.
    async fn doors_open_at(&self) -> DateTime {
        self.0.schedule.doors_open_at().into()
    }

    /// startsAt + lateEntryMinutes: the last moment a ticket is admitted.
    async fn late_entry_until(&self) -> DateTime {
        self.0.schedule.late_entry_until().into()
    }

    /// Attendees waiting for tickets to be freed.
    async fn waitlist_length(&self, ctx: &Context<'_>) -> ApiResult<i32> {
        let waiting = loaders(ctx)?.load_one(WaitlistOf(self.0.id)).await?;
        Ok(int(waiting.unwrap_or(0)))
    }

    /// Organizers of the festival, and its door staff in scope; null (with a FORBIDDEN error) for others.
    async fn attendance(&self, ctx: &Context<'_>) -> ApiResult<Option<attendance::AttendanceNode>> {
        attendance::of_item(ctx, &self.0).await.map(Some)
    }

    /// Where the arrivals chart is drawn: check-ins per 5 minutes from doors
    /// open to late entry closed (an SVG for organizers, with their Bearer token).
    async fn arrivals_chart_url(&self) -> String {
        format!("/items/{}/arrivals.svg", self.0.id)
    }

    /// Every scan of this item's tickets, newest first, for organizers;
    /// optionally only those of one outcome.
    async fn scans(
        &self,
        ctx: &Context<'_>,
        outcome: Option<door::CheckInOutcome>,
        #[graphql(desc = "Scans per page: 1 to 200, default 20.")] first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<door::ScanConnection> {
        door::scans_page(ctx, &self.0, outcome, first, after).await
    }

    /// Minutes before startsAt that the doors open.
    async fn doors_open_minutes(&self) -> i32 {
        int(self.0.schedule.doors_open().get())
    }

    /// Minutes after startsAt that latecomers are still admitted.
    async fn late_entry_minutes(&self) -> i32 {
        int(self.0.schedule.late_entry().get())
    }
}

/// A role and its scope.
pub struct RoleGrantNode(pub RoleGrant);

#[Object(name = "RoleGrant")]
impl RoleGrantNode {
    async fn role(&self) -> Role {
        self.0.role().into()
    }

    /// ORGANIZER and DOOR_STAFF are scoped to one festival.
    async fn festival(&self, ctx: &Context<'_>) -> ApiResult<Option<FestivalNode>> {
        let Some(festival_id) = self.0.festival() else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.load_one(festival_id).await?.map(FestivalNode))
    }

    /// DOOR_STAFF may be narrowed to one venue.
    async fn venue(&self, ctx: &Context<'_>) -> ApiResult<Option<VenueNode>> {
        let Some(venue_id) = self.0.venue() else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.load_one(venue_id).await?.map(VenueNode))
    }
}

/// A person with an account.
pub struct UserNode(pub User);

#[Object(name = "User")]
impl UserNode {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn email(&self) -> &str {
        self.0.email.as_str()
    }

    async fn display_name(&self) -> &str {
        self.0.display_name.as_str()
    }

    /// ATTENDEE first (every user is one), then the granted roles.
    async fn roles(&self) -> Vec<RoleGrantNode> {
        let attendee = RoleGrant::attendee();
        std::iter::once(attendee)
            .chain(self.0.permissions.grants().iter().copied())
            .map(RoleGrantNode)
            .collect()
    }
}

/// Tokens for a signed-in user.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// A JWT, sent as `Authorization: Bearer <token>`.
    pub access_token: String,
    /// Opaque, single use, rotated on refresh.
    pub refresh_token: String,
    /// When accessToken expires.
    pub expires_at: DateTime,
    pub user: UserNode,
}
