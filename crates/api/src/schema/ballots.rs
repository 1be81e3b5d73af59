//! Ballots: entering (alone or with a partner), withdrawing, the draw,
//! claiming a win, and the published result anyone can recompute.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use usher_domain::catalogue::Item;
use usher_domain::ids::{BallotEntryId, ItemId, UserId};
use usher_domain::input::{Email, InvalidInput};
use usher_domain::tickets::ballot::{self, BallotEntry};
use usher_domain::tickets::{Quantity, Ticket};
use usher_domain::time;
use usher_persistence::{BallotResult as StoredResult, NewBallotEntry};

use crate::error::{ApiError, ApiResult};
use crate::schema::context::{loaders, services, viewer};
use crate::schema::node::Node;
use crate::schema::scalars::{DateTime, int, parse_id};

/// How an item's places are given.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum AllocationMode {
    /// reserveTickets, first come, first served.
    FirstCome,
    /// enterBallot until the draw; what the ballot leaves is then reserved
    /// first come, first served.
    Ballot,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "ballot::EntryStatus")]
pub enum BallotEntryStatus {
    /// Entered; the draw is to come.
    Open,
    /// Taken back before the close.
    Withdrawn,
    /// Won: claim it (claimBallotWin) by claimUntil.
    Won,
    /// Not drawn; places that winners do not claim may still come to it.
    Lost,
    /// Claimed: its tickets are in myTickets.
    Claimed,
    /// Not claimed by claimUntil: its places went on.
    Expired,
    /// The item was cancelled: no draw, or no claim.
    Cancelled,
}

async fn item_of(ctx: &Context<'_>, item_id: ItemId) -> ApiResult<Item> {
    loaders(ctx)?
        .load_one(item_id)
        .await?
        .ok_or_else(|| ApiError::not_found("item"))
}

async fn display_name(ctx: &Context<'_>, user: UserId) -> ApiResult<String> {
    let user = loaders(ctx)?
        .load_one(user)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    Ok(user.display_name.into_string())
}

// An entry in an item's ballot.
#[Object(name = "BallotEntry")]
impl Node<BallotEntry> {
    /// The id published with the draw (ballotResult).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn item(&self, ctx: &Context<'_>) -> ApiResult<Node<Item>> {
        item_of(ctx, self.0.item_id).await.map(Node)
    }

    async fn status(&self) -> BallotEntryStatus {
        self.0.status.into()
    }

    /// The entrant's tickets.
    async fn quantity(&self) -> i32 {
        int(self.0.quantity.get())
    }

    /// Places it is drawn for: quantity, and one for a partner who confirmed.
    async fn places(&self) -> i32 {
        int(self.0.places())
    }

    /// Whether the signed-in attendee is the partner named, not the entrant.
    async fn is_partner(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(Some(viewer(ctx).user()?.id) == self.0.partner_id)
    }

    /// Whether the entry names a partner.
    async fn has_partner(&self) -> bool {
        self.0.partner_id.is_some()
    }

    /// The entrant's display name (the entrant and the partner named are
    /// the only ones who see an entry).
    async fn entrant_name(&self, ctx: &Context<'_>) -> ApiResult<String> {
        display_name(ctx, self.0.entrant_id).await
    }

    /// The partner's display name, where one is named.
    async fn partner_name(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        match self.0.partner_id {
            Some(partner) => display_name(ctx, partner).await.map(Some),
            None => Ok(None),
        }
    }

    /// When the partner confirmed; an entry whose partner has not confirmed
    /// by the close is drawn for the entrant alone.
    async fn partner_confirmed_at(&self) -> Option<DateTime> {
        self.0.partner_confirmed_at.map(DateTime::from)
    }

    /// For a win: the last moment to claim it.
    async fn claim_until(&self) -> Option<DateTime> {
        self.0.claim_until.map(DateTime::from)
    }

    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

/// An entry as the draw ranked it: no personal data.
#[derive(SimpleObject)]
pub struct BallotResultEntry {
    pub id: ID,
    /// SHA-256(seed ‖ id) in hex; entries are served from the lowest.
    pub rank: String,
    /// The places it was drawn for.
    pub quantity: i32,
    /// Whether it won at the draw (places that winners did not claim
    /// went on to later entries afterwards).
    pub won: bool,
}

/// A ballot as anyone may check it (see the README's "Checking a draw").
#[derive(SimpleObject)]
pub struct BallotResult {
    /// SHA-256 of the secret, in hex, published before any entry.
    pub commitment: String,
    /// The secret (64 hex digits), once drawn.
    pub secret: Option<String>,
    /// SHA-256(secret ‖ entriesDigest), once drawn.
    pub seed: Option<String>,
    /// SHA-256 of the entries' canonical list, once drawn.
    pub entries_digest: Option<String>,
    /// The places there were to win at the draw.
    pub places: Option<i32>,
    pub drawn_at: Option<DateTime>,
    /// The entries drawn, in rank order.
    pub entries: Vec<BallotResultEntry>,
}

impl From<StoredResult> for BallotResult {
    fn from(result: StoredResult) -> Self {
        Self {
            commitment: result.commitment,
            secret: result.secret,
            seed: result.seed,
            entries_digest: result.entries_digest,
            places: result.places.map(int),
            drawn_at: result.drawn_at.map(DateTime::from),
            entries: result
                .entries
                .into_iter()
                .map(|entry| BallotResultEntry {
                    id: ID(entry.id.to_string()),
                    rank: entry.rank,
                    quantity: int(entry.places),
                    won: entry.won,
                })
                .collect(),
        }
    }
}

#[derive(Default)]
pub struct BallotsQuery;

#[Object]
impl BallotsQuery {
    /// The signed-in attendee's entries, made or as a partner, newest first.
    async fn my_ballot_entries(&self, ctx: &Context<'_>) -> ApiResult<Vec<Node<BallotEntry>>> {
        let user = viewer(ctx).user()?;
        let entries = services(ctx)?.store.ballot_entries_of(user.id).await?;
        Ok(entries.into_iter().map(Node).collect())
    }

    /// An item's ballot: its commitment from the start, and once drawn,
    /// everything needed to recompute the draw. Null for an item without a
    /// ballot. Public.
    async fn ballot_result(
        &self,
        ctx: &Context<'_>,
        item_id: ID,
    ) -> ApiResult<Option<BallotResult>> {
        let item_id: ItemId = parse_id("itemId", &item_id)?;
        let result = services(ctx)?.store.ballot_result(item_id).await?;
        Ok(result.map(BallotResult::from))
    }
}

#[derive(InputObject)]
pub struct EnterBallotInput {
    pub item_id: ID,
    /// 1 to the item's maxTicketsPerAttendee: the entrant's tickets.
    pub quantity: i32,
    /// A partner with an account, who must confirm (confirmBallotPartner)
    /// before the close to take part with one ticket of their own. A pair
    /// wins or loses together.
    pub partner_email: Option<String>,
}

#[derive(Default)]
pub struct BallotsMutation;

#[Object]
impl BallotsMutation {
    /// Enters the item's ballot: one entry per attendee per item, while the
    /// ballot is open, under the rules of tickets (the limit, overlaps
    /// unless the festival allows them, no-show blocks).
    async fn enter_ballot(
        &self,
        ctx: &Context<'_>,
        input: EnterBallotInput,
    ) -> ApiResult<Node<BallotEntry>> {
        let user = viewer(ctx).user()?;
        let item_id: ItemId = parse_id("itemId", &input.item_id)?;
        let quantity = Quantity::parse("quantity", input.quantity.into())?;
        let services = services(ctx)?;
        let partner_id = match input.partner_email {
            None => None,
            Some(email) => {
                let email = Email::parse("partnerEmail", &email)?;
                let partner = services
                    .store
                    .credentials(&email)
                    .await?
                    .ok_or_else(|| {
                        InvalidInput::new(
                            "partnerEmail",
                            "has no account: your partner signs up first",
                        )
                    })?
                    .user;
                if partner.id == user.id {
                    return Err(
                        InvalidInput::new("partnerEmail", "is yours: name someone else").into(),
                    );
                }
                Some(partner.id)
            }
        };
        let entry = services
            .store
            .enter_ballot(NewBallotEntry {
                item_id,
                entrant_id: user.id,
                quantity,
                partner_id,
                now: time::now(),
            })
            .await?;
        services.events.item_changed(item_id);
        Ok(Node(entry))
    }

    /// The partner named in an entry takes part, with one ticket, under
    /// the same rules as an entrant; before the close.
    async fn confirm_ballot_partner(
        &self,
        ctx: &Context<'_>,
        entry_id: ID,
    ) -> ApiResult<Node<BallotEntry>> {
        let user = viewer(ctx).user()?;
        let entry_id: BallotEntryId = parse_id("entryId", &entry_id)?;
        let entry = services(ctx)?
            .store
            .confirm_ballot_partner(entry_id, user.id, time::now())
            .await?;
        Ok(Node(entry))
    }

    /// The entrant takes their entry back, until the close.
    async fn withdraw_ballot_entry(
        &self,
        ctx: &Context<'_>,
        entry_id: ID,
    ) -> ApiResult<Node<BallotEntry>> {
        let user = viewer(ctx).user()?;
        let entry_id: BallotEntryId = parse_id("entryId", &entry_id)?;
        let services = services(ctx)?;
        let entry = services
            .store
            .withdraw_ballot_entry(entry_id, user.id, time::now())
            .await?;
        services.events.item_changed(entry.item_id);
        Ok(Node(entry))
    }

    /// Turns a win into tickets by its claimUntil: the entrant's, and the
    /// confirmed partner's one (in the partner's myTickets). The tickets.
    async fn claim_ballot_win(
        &self,
        ctx: &Context<'_>,
        entry_id: ID,
    ) -> ApiResult<Vec<Node<Ticket>>> {
        let user = viewer(ctx).user()?;
        let entry_id: BallotEntryId = parse_id("entryId", &entry_id)?;
        let services = services(ctx)?;
        let reservations = services
            .store
            .claim_ballot_win(entry_id, user.id, time::now())
            .await?;
        if let Some(first) = reservations.first() {
            services.events.item_changed(first.item_id);
        }
        Ok(reservations
            .into_iter()
            .flat_map(|reservation| reservation.tickets)
            .map(Node)
            .collect())
    }

    /// Draws the item's ballot now, if its close has passed and no
    /// instance drew it yet (they do at ballotClosesAt by themselves):
    /// whether this call drew it. For the festival's organizers.
    async fn draw_ballot(&self, ctx: &Context<'_>, item_id: ID) -> ApiResult<bool> {
        let item_id: ItemId = parse_id("itemId", &item_id)?;
        let item = item_of(ctx, item_id).await?;
        viewer(ctx).organizer(item.festival_id)?;
        let Some(ballot) = item.schedule.ballot() else {
            return Err(InvalidInput::new("itemId", "is not allocated by ballot").into());
        };
        let now = time::now();
        if now < ballot.closes_at {
            return Err(InvalidInput::new(
                "itemId",
                "has its ballot open: it is drawn at ballotClosesAt",
            )
            .into());
        }
        let services = services(ctx)?;
        let drawn = services.store.draw_ballot(item_id, now).await?;
        if drawn {
            services.events.item_changed(item_id);
        }
        Ok(drawn)
    }
}
