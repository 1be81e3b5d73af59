//! The catalogue's objects: festivals, venues, films and programme items.
//! Their links to other features (a festival's programme, attendance and
//! role holders, an item's attendance and scans) are resolved by those
//! features.

use async_graphql::{Context, ID, Object};
use usher_domain::accounts::RoleHolder;
use usher_domain::attendance::Attendance;
use usher_domain::catalogue::{Festival, Film, Item, Venue};
use usher_domain::time;

use crate::error::{ApiError, ApiResult};
use crate::loaders::{CountsOf, FilmsOf, VenuesOf, WaitlistOf};
use crate::schema::accounts;
use crate::schema::attendance::{self, AttendanceGrouping, AttendanceRow};
use crate::schema::ballots::AllocationMode;
use crate::schema::context::loaders;
use crate::schema::door::check_in::CheckInOutcome;
use crate::schema::door::scans::{self, ScanConnection};
use crate::schema::no_shows::{self, AttendeeStanding};
use crate::schema::node::Node;
use crate::schema::programme::{
    self, ProgrammeConnection, ProgrammeFilter, ProgrammeKind, ProgrammeStatus,
};
use crate::schema::scalars::{DateTime, int};
use crate::signed_links;

// A festival: its venues and programme.
#[Object(name = "Festival")]
impl Node<Festival> {
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

    async fn venues(&self, ctx: &Context<'_>) -> ApiResult<Vec<Node<Venue>>> {
        let venues = loaders(ctx)?.load_one(VenuesOf(self.0.id)).await?;
        Ok(venues.unwrap_or_default().into_iter().map(Node).collect())
    }

    /// Every film of the festival, by title, whether programmed or not.
    async fn films(&self, ctx: &Context<'_>) -> ApiResult<Vec<Node<Film>>> {
        let films = loaders(ctx)?.load_one(FilmsOf(self.0.id)).await?;
        Ok(films.unwrap_or_default().into_iter().map(Node).collect())
    }

    /// Who holds a role in this festival: every ORGANIZER and DOOR_STAFF
    /// grant scoped to it (door staff narrowed to a venue with their
    /// venue), organizers first, then door staff, each by e-mail. For the
    /// organizers of the festival (and admins); FORBIDDEN for others.
    async fn role_holders(&self, ctx: &Context<'_>) -> ApiResult<Vec<Node<RoleHolder>>> {
        accounts::role_holders(ctx, self.0.id).await
    }

    /// Where the person with this e-mail stands here: their no-show
    /// strikes and block. For the organizers of the festival.
    async fn attendee_standing(
        &self,
        ctx: &Context<'_>,
        email: String,
    ) -> ApiResult<AttendeeStanding> {
        no_shows::standing(ctx, self.0.id, &email).await
    }

    /// Null: strikes are counted but never block.
    async fn no_show_limit(&self) -> Option<i32> {
        self.0.no_shows.limit.map(|limit| int(limit.get()))
    }

    async fn no_show_block_days(&self) -> i32 {
        int(self.0.no_shows.block_days.get())
    }

    /// Giving a ticket back later than this before the start is a strike.
    async fn cancel_without_penalty_minutes(&self) -> i32 {
        int(self.0.no_shows.cancel_without_penalty.get())
    }

    /// Organizers of this festival (all items), and its door staff (the
    /// items of the venues in their scope).
    async fn attendance(
        &self,
        ctx: &Context<'_>,
        group_by: AttendanceGrouping,
    ) -> ApiResult<Vec<AttendanceRow>> {
        attendance::of_festival(ctx, &self.0, group_by).await
    }

    /// The attendance CSV as a link that opens in a browser without a
    /// token, for 5 minutes, for the organizers of the festival (and admins;
    /// FORBIDDEN for others). It stops working once its maker no longer
    /// organizes the festival.
    async fn signed_attendance_csv_url(&self, ctx: &Context<'_>) -> ApiResult<String> {
        attendance::signed_csv_url(ctx, &self.0).await
    }

    /// The programme in order of start time, a page at a time.
    async fn programme(
        &self,
        ctx: &Context<'_>,
        filter: Option<ProgrammeFilter>,
        #[graphql(desc = "Items per page: 1 to 200, default 20.")] first: Option<i32>,
        #[graphql(desc = "The endCursor of the previous page.")] after: Option<String>,
    ) -> ApiResult<ProgrammeConnection> {
        programme::page(ctx, self.0.id, filter, first, after).await
    }
}

// A place where programme items happen.
#[Object(name = "Venue")]
impl Node<Venue> {
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

// A film of the festival's catalogue.
#[Object(name = "Film")]
impl Node<Film> {
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

// A screening, forum, concert or other programme item that needs a ticket.
#[Object(name = "ProgrammeItem")]
impl Node<Item> {
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
    async fn film(&self, ctx: &Context<'_>) -> ApiResult<Option<Node<Film>>> {
        let Some(film_id) = self.0.film_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.load_one(film_id).await?.map(Node))
    }

    async fn venue(&self, ctx: &Context<'_>) -> ApiResult<Node<Venue>> {
        loaders(ctx)?
            .load_one(self.0.venue_id)
            .await?
            .map(Node)
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("item without its venue")))
    }

    async fn festival(&self, ctx: &Context<'_>) -> ApiResult<Node<Festival>> {
        loaders(ctx)?
            .load_one(self.0.festival_id)
            .await?
            .map(Node)
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
    async fn attendance(&self, ctx: &Context<'_>) -> ApiResult<Option<Node<Attendance>>> {
        attendance::of_item(ctx, &self.0).await.map(Some)
    }

    /// Where the arrivals chart is drawn: check-ins per 5 minutes from doors
    /// open to late entry closed (an SVG for organizers, with their Bearer token).
    async fn arrivals_chart_url(&self) -> String {
        signed_links::arrivals_svg_path(self.0.id)
    }

    /// The arrivals chart as an absolute link that opens in a browser
    /// without a token, for 5 minutes, for the organizers of the festival
    /// (and admins; FORBIDDEN for others). It stops working once its maker
    /// no longer organizes the festival.
    async fn signed_arrivals_chart_url(&self, ctx: &Context<'_>) -> ApiResult<String> {
        attendance::signed_chart_url(ctx, &self.0).await
    }

    /// Every scan of this item's tickets, newest first, for organizers;
    /// optionally only those of one outcome, or at one gate.
    async fn scans(
        &self,
        ctx: &Context<'_>,
        outcome: Option<CheckInOutcome>,
        #[graphql(
            desc = "Only the scans at this gate (as the venue names it; scans sent without a gate are left out)."
        )]
        gate: Option<String>,
        #[graphql(desc = "Scans per page: 1 to 200, default 20.")] first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<ScanConnection> {
        scans::page(ctx, &self.0, outcome, gate, first, after).await
    }

    /// Minutes before startsAt that the doors open.
    async fn doors_open_minutes(&self) -> i32 {
        int(self.0.schedule.doors_open().get())
    }

    /// Minutes after startsAt that latecomers are still admitted.
    async fn late_entry_minutes(&self) -> i32 {
        int(self.0.schedule.late_entry().get())
    }

    /// Minutes before startsAt that the standby line opens (it closes at lateEntryUntil).
    async fn standby_opens_minutes(&self) -> i32 {
        int(self.0.standby_opens.get())
    }

    /// startsAt - standbyOpensMinutes: the first moment a place in the standby line may be taken.
    async fn standby_opens_at(&self) -> DateTime {
        usher_domain::tickets::standby::standby_window(&self.0)
            .0
            .into()
    }

    /// Minutes before startsAt that the tickets not yet scanned are released
    /// to the standby line; null: never.
    async fn release_unscanned_minutes(&self) -> Option<i32> {
        self.0
            .schedule
            .release_unscanned()
            .map(|minutes| int(minutes.get()))
    }

    /// startsAt - releaseUnscannedMinutes: from this moment a ticket not yet
    /// scanned is RELEASED at the door; null when tickets are never released.
    async fn release_at(&self) -> Option<DateTime> {
        self.0.schedule.release_at().map(DateTime::from)
    }

    /// FIRST_COME (reserveTickets) or BALLOT (enterBallot until the draw;
    /// what the ballot leaves is reserved first come, first served).
    async fn allocation(&self) -> AllocationMode {
        if self.0.schedule.ballot().is_some() {
            AllocationMode::Ballot
        } else {
            AllocationMode::FirstCome
        }
    }

    /// When the ballot takes entries from; null for first come, first served.
    async fn ballot_opens_at(&self) -> Option<DateTime> {
        self.0
            .schedule
            .ballot()
            .map(|ballot| ballot.opens_at.into())
    }

    /// When the ballot closes and is drawn.
    async fn ballot_closes_at(&self) -> Option<DateTime> {
        self.0
            .schedule
            .ballot()
            .map(|ballot| ballot.closes_at.into())
    }

    /// How long a winner has to claim their places (claimBallotWin).
    async fn claim_minutes(&self) -> Option<i32> {
        self.0
            .schedule
            .ballot()
            .map(|ballot| int(ballot.claim.get()))
    }

    /// When the ballot was drawn (by any instance at ballotClosesAt, or by
    /// an organizer's drawBallot after it); null before.
    async fn ballot_drawn_at(&self) -> Option<DateTime> {
        self.0.ballot_drawn_at.map(DateTime::from)
    }

    /// When the release was written (by any instance, at releaseAt or on
    /// the next start after it); null before.
    async fn released_at(&self) -> Option<DateTime> {
        self.0.released_at.map(DateTime::from)
    }

    /// People the door may still let in from the standby line now: the
    /// venue's capacity, minus the people inside, minus the tickets still
    /// held (none once releaseAt has passed). Live through attendanceChanged.
    async fn standby_places(&self, ctx: &Context<'_>) -> ApiResult<i32> {
        let loaders = loaders(ctx)?;
        let venue = loaders
            .load_one(self.0.venue_id)
            .await?
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("item without its venue")))?;
        let counts = loaders
            .load_one(CountsOf(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(int(usher_domain::attendance::standby_places(
            &self.0,
            venue.capacity.get(),
            counts.held(),
            time::now(),
        )))
    }
}
