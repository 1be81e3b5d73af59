//! The attendee's half: reserving tickets, giving them back, and waiting in
//! line for sold-out items.

use async_graphql::{Context, Enum, ID, InputObject, Object};
use usher_domain::catalogue::Item;
use usher_domain::ids::{ItemId, StandbyPlaceId, TicketId, WaitlistEntryId};
use usher_domain::input::Name;
use usher_domain::tickets::standby::StandbyPlace;
use usher_domain::tickets::{self, Quantity, Reservation, Ticket, WaitlistEntry};
use usher_domain::time;
use usher_persistence::{NewReservation, StandbyCall};

use crate::error::{ApiError, ApiResult};
use crate::monitoring;
use crate::schema::context::{loaders, services, viewer};
use crate::schema::node::Node;
use crate::schema::scalars::{DateTime, int, parse_id};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "tickets::TicketStatus")]
pub enum TicketStatus {
    Active,
    CheckedIn,
    Cancelled,
    /// Not scanned by the item's release time: its place went to the standby line.
    Released,
}

async fn item_of(ctx: &Context<'_>, item_id: ItemId) -> ApiResult<Node<Item>> {
    loaders(ctx)?
        .load_one(item_id)
        .await?
        .map(Node)
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("ticket without its item")))
}

// A ticket: one person, one programme item.
#[Object(name = "Ticket")]
impl Node<Ticket> {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn item(&self, ctx: &Context<'_>) -> ApiResult<Node<Item>> {
        item_of(ctx, self.0.item_id).await
    }

    async fn holder_name(&self) -> &str {
        self.0.holder_name.as_str()
    }

    async fn status(&self) -> TicketStatus {
        self.0.status.into()
    }

    /// The QR payload: a compact JWS (EdDSA) that anyone can verify offline
    /// with the keys at /.well-known/jwks.json.
    async fn code(&self, ctx: &Context<'_>) -> ApiResult<String> {
        services(ctx)?.ticket_keys.sign(self.0.claims())
    }

    /// The code as a QR code, an SVG document.
    async fn qr_svg(&self, ctx: &Context<'_>) -> ApiResult<String> {
        let services = services(ctx)?;
        let code = services.ticket_keys.sign(self.0.claims())?;
        Ok(services.qr.svg(&code)?.to_string())
    }

    async fn issued_at(&self) -> DateTime {
        self.0.issued_at.into()
    }

    async fn checked_in_at(&self) -> Option<DateTime> {
        self.0.checked_in_at.map(DateTime::from)
    }

    async fn checked_in_gate(&self) -> Option<&str> {
        self.0.checked_in_gate.as_deref()
    }

    /// Null for general admission.
    async fn seat(&self) -> Option<&str> {
        self.0.seat.as_deref()
    }

    /// Issued when its holder's standby place was called, and checked in
    /// there and then: counted in Attendance.standbyAdmitted, not with the
    /// tickets reserved.
    async fn from_standby(&self) -> bool {
        self.0.from_standby
    }
}

// Tickets reserved together.
#[Object(name = "Reservation")]
impl Node<Reservation> {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn item(&self, ctx: &Context<'_>) -> ApiResult<Node<Item>> {
        item_of(ctx, self.0.item_id).await
    }

    async fn tickets(&self) -> Vec<Node<Ticket>> {
        self.0.tickets.iter().cloned().map(Node).collect()
    }

    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

// A place in an item's waitlist.
#[Object(name = "WaitlistEntry")]
impl Node<WaitlistEntry> {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn item(&self, ctx: &Context<'_>) -> ApiResult<Node<Item>> {
        item_of(ctx, self.0.item_id).await
    }

    async fn quantity(&self) -> i32 {
        int(self.0.quantity.get())
    }

    /// 1 = next in line.
    async fn position(&self) -> i32 {
        int(self.0.position)
    }

    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

// A numbered place in an item's standby line.
#[Object(name = "StandbyPlace")]
impl Node<StandbyPlace> {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn item(&self, ctx: &Context<'_>) -> ApiResult<Node<Item>> {
        item_of(ctx, self.0.item_id).await
    }

    /// 1, 2, 3… in order of arrival in the item's line; never given twice.
    async fn number(&self) -> i32 {
        int(self.0.number)
    }

    /// The attendee's display name, or the walk-up's name.
    async fn name(&self) -> &str {
        self.0.name.as_str()
    }

    /// People on this place: 1 or 2.
    async fn quantity(&self) -> i32 {
        int(self.0.quantity.get())
    }

    async fn joined_at(&self) -> DateTime {
        self.0.joined_at.into()
    }

    /// Taken at the door by staff for a person without an account.
    async fn walk_up(&self) -> bool {
        self.0.is_walk_up()
    }

    /// People waiting ahead of this place in the line (places left or
    /// let in before it no longer count); null once it was let in.
    async fn people_ahead(&self, ctx: &Context<'_>) -> ApiResult<Option<i32>> {
        if self.0.admitted_at.is_some() {
            return Ok(None);
        }
        let ahead = services(ctx)?
            .store
            .standby_people_ahead(self.0.item_id, self.0.number)
            .await?;
        Ok(Some(int(ahead)))
    }

    /// When door staff called the place and let its people in; null while
    /// it waits.
    async fn admitted_at(&self) -> Option<DateTime> {
        self.0.admitted_at.map(DateTime::from)
    }
}

#[derive(InputObject)]
pub struct CallStandbyInput {
    pub item_id: ID,
    /// Places to call: 1 to 100.
    pub count: i32,
    /// The gate their people come in at (one of the venue's gates, when it names any).
    pub gate: Option<String>,
}

#[derive(InputObject)]
pub struct JoinStandbyInput {
    pub item_id: ID,
    /// 1 or 2.
    pub quantity: i32,
}

#[derive(InputObject)]
pub struct AddStandbyWalkUpInput {
    pub item_id: ID,
    /// The name the door calls.
    pub name: String,
    /// 1 or 2.
    pub quantity: i32,
}

#[derive(InputObject)]
pub struct ReserveTicketsInput {
    pub item_id: ID,
    /// 1 to 20, and no more than the item's maxTicketsPerAttendee.
    pub quantity: i32,
    /// Names on the tickets, one per ticket; the attendee's displayName where absent.
    pub holder_names: Option<Vec<String>>,
    /// A retry with the same key (same item, quantity and names) returns the first reservation instead of reserving again; another request with a used key is refused (BAD_USER_INPUT on idempotencyKey).
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct JoinWaitlistInput {
    pub item_id: ID,
    pub quantity: i32,
}

#[derive(Default)]
pub struct TicketsQuery;

#[Object]
impl TicketsQuery {
    /// The signed-in attendee's tickets, newest first.
    async fn my_tickets(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(false)")] include_cancelled: Option<bool>,
    ) -> ApiResult<Vec<Node<Ticket>>> {
        let include_cancelled = include_cancelled.unwrap_or(false);
        let user = viewer(ctx).user()?;
        let tickets = services(ctx)?
            .store
            .tickets_of_holder(user.id, include_cancelled)
            .await?;
        Ok(tickets.into_iter().map(Node).collect())
    }

    /// The waitlists the signed-in attendee is in.
    async fn my_waitlist(&self, ctx: &Context<'_>) -> ApiResult<Vec<Node<WaitlistEntry>>> {
        let user = viewer(ctx).user()?;
        let entries = services(ctx)?.store.waitlist_of_holder(user.id).await?;
        Ok(entries.into_iter().map(Node).collect())
    }

    /// The standby lines the signed-in attendee has a place in.
    async fn my_standby(&self, ctx: &Context<'_>) -> ApiResult<Vec<Node<StandbyPlace>>> {
        let user = viewer(ctx).user()?;
        let places = services(ctx)?.store.standby_of_holder(user.id).await?;
        Ok(places.into_iter().map(Node).collect())
    }

    /// An item's standby line, in number order: for organizers and the door
    /// staff (people or scanner devices) of its venue.
    async fn standby_line(
        &self,
        ctx: &Context<'_>,
        item_id: ID,
    ) -> ApiResult<Vec<Node<StandbyPlace>>> {
        let item = standby_item(ctx, &item_id).await?;
        let places = services(ctx)?.store.standby_line(item.id).await?;
        Ok(places.into_iter().map(Node).collect())
    }
}

/// The item whose standby line the viewer keeps, or FORBIDDEN.
async fn standby_item(ctx: &Context<'_>, item_id: &ID) -> ApiResult<Item> {
    let item_id: ItemId = parse_id("itemId", item_id)?;
    let viewer = viewer(ctx);
    if matches!(viewer, crate::auth::Viewer::Anonymous) {
        return Err(ApiError::sign_in_required());
    }
    let item = loaders(ctx)?
        .load_one(item_id)
        .await?
        .ok_or_else(|| ApiError::not_found("item"))?;
    viewer.standby_keeper_of(&item)?;
    Ok(item)
}

#[derive(Default)]
pub struct TicketsMutation;

#[Object]
impl TicketsMutation {
    /// Reserves free tickets: all of them or none. An item that requires a
    /// settled account refuses accounts younger than the festival's
    /// minAccountAgeMinutes with RATE_LIMITED and retryAfterSeconds.
    async fn reserve_tickets(
        &self,
        ctx: &Context<'_>,
        input: ReserveTicketsInput,
    ) -> ApiResult<Node<Reservation>> {
        let user = viewer(ctx).user()?;
        let quantity = Quantity::parse("quantity", input.quantity.into())?;
        let new = NewReservation {
            item_id: parse_id("itemId", &input.item_id)?,
            holder_id: user.id,
            holder_since: user.created_at,
            quantity,
            holder_names: tickets::holder_names(
                "holderNames",
                input.holder_names.as_deref(),
                quantity,
                &user.display_name,
            )?,
            idempotency_key: input
                .idempotency_key
                .map(|key| tickets::parse_idempotency_key("idempotencyKey", &key))
                .transpose()?,
        };
        let services = services(ctx)?;
        let reservation = match services.store.reserve(new, time::now()).await {
            Ok(reservation) => reservation,
            Err(error) => {
                let error = ApiError::from(error);
                monitoring::reservation(error.code());
                return Err(error);
            }
        };
        monitoring::reservation("ok");
        services.events.item_changed(reservation.item_id);
        Ok(Node(reservation))
    }

    /// Gives a ticket back, until the item starts; the place goes to the
    /// next in line.
    async fn cancel_ticket(&self, ctx: &Context<'_>, ticket_id: ID) -> ApiResult<Node<Ticket>> {
        let user = viewer(ctx).user()?;
        let ticket_id: TicketId = parse_id("ticketId", &ticket_id)?;
        let services = services(ctx)?;
        let ticket = services
            .store
            .cancel_ticket(ticket_id, user.id, time::now())
            .await?;
        services.events.item_changed(ticket.item_id);
        Ok(Node(ticket))
    }

    /// Joins a sold-out item's waitlist (braked like reserveTickets).
    async fn join_waitlist(
        &self,
        ctx: &Context<'_>,
        input: JoinWaitlistInput,
    ) -> ApiResult<Node<WaitlistEntry>> {
        let user = viewer(ctx).user()?;
        let item_id: ItemId = parse_id("itemId", &input.item_id)?;
        let quantity = Quantity::parse("quantity", input.quantity.into())?;
        let services = services(ctx)?;
        let entry = services
            .store
            .join_waitlist(item_id, user.id, user.created_at, quantity, time::now())
            .await?;
        services.events.item_changed(item_id);
        Ok(Node(entry))
    }

    /// Takes a numbered place in an item's standby line, from
    /// 60 minutes before its start until late entry closes (BAD_USER_INPUT
    /// on itemId outside that window), for 1 or 2 people; one place per
    /// attendee and item (ALREADY_EXISTS).
    async fn join_standby(
        &self,
        ctx: &Context<'_>,
        input: JoinStandbyInput,
    ) -> ApiResult<Node<StandbyPlace>> {
        let user = viewer(ctx).user()?;
        let item_id: ItemId = parse_id("itemId", &input.item_id)?;
        let quantity = Quantity::parse("quantity", input.quantity.into())?;
        let services = services(ctx)?;
        let place = services
            .store
            .join_standby(
                item_id,
                user.id,
                user.display_name.clone(),
                quantity,
                time::now(),
            )
            .await?;
        services.events.item_changed(item_id);
        Ok(Node(place))
    }

    /// Takes a numbered place in the line for a person at the door, known
    /// by a name: for door staff of the item's venue (or its scanner
    /// devices) and organizers. The same window and quantity as joinStandby.
    async fn add_standby_walk_up(
        &self,
        ctx: &Context<'_>,
        input: AddStandbyWalkUpInput,
    ) -> ApiResult<Node<StandbyPlace>> {
        let item = standby_item(ctx, &input.item_id).await?;
        let name = Name::parse("name", &input.name)?;
        let quantity = Quantity::parse("quantity", input.quantity.into())?;
        let services = services(ctx)?;
        let place = services
            .store
            .add_standby_walk_up(item.id, name, quantity, time::now())
            .await?;
        services.events.item_changed(item.id);
        Ok(Node(place))
    }

    /// Calls the first `count` places of an item's standby line that fit
    /// in the places the door may still fill (ProgrammeItem.standbyPlaces:
    /// a pair that does not fit is passed over for the next single) and
    /// lets their people in on the spot, counted inside like any admission:
    /// never more than the venue holds, whatever the number of gates and
    /// instances. An attendee's place becomes their tickets (one per
    /// person, checked in at the gate, `fromStandby`); a walk-up's place is
    /// the record of its people let in. The places called, in number order;
    /// none when there is no room. For door staff of the item's venue (or its scanner devices)
    /// and organizers, from the doors' opening until late entry closes.
    async fn call_standby(
        &self,
        ctx: &Context<'_>,
        input: CallStandbyInput,
    ) -> ApiResult<Vec<Node<StandbyPlace>>> {
        let item = standby_item(ctx, &input.item_id).await?;
        let count = u32::try_from(input.count).unwrap_or(0);
        let services = services(ctx)?;
        let called = services
            .store
            .call_standby(StandbyCall {
                item_id: item.id,
                count,
                gate: input.gate,
                now: time::now(),
            })
            .await?;
        if !called.is_empty() {
            services.events.item_changed(item.id);
        }
        Ok(called.into_iter().map(Node).collect())
    }

    /// Leaves a standby line (the number is not given again); false when
    /// the place was no longer waiting.
    async fn leave_standby(&self, ctx: &Context<'_>, place_id: ID) -> ApiResult<bool> {
        let user = viewer(ctx).user()?;
        let place_id: StandbyPlaceId = parse_id("placeId", &place_id)?;
        let services = services(ctx)?;
        let left = services
            .store
            .leave_standby(place_id, user.id, time::now())
            .await?;
        if let Some(item_id) = left {
            services.events.item_changed(item_id);
        }
        Ok(left.is_some())
    }

    /// Leaves a waitlist; false when the place was no longer waiting.
    async fn leave_waitlist(&self, ctx: &Context<'_>, entry_id: ID) -> ApiResult<bool> {
        let user = viewer(ctx).user()?;
        let entry_id: WaitlistEntryId = parse_id("entryId", &entry_id)?;
        let services = services(ctx)?;
        let left = services.store.leave_waitlist(entry_id, user.id).await?;
        if let Some(item_id) = left {
            services.events.item_changed(item_id);
        }
        Ok(left.is_some())
    }
}
