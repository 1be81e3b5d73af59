//! Ballots: entries (many to a transaction, like reservations: a ballot's
//! opening minute is the new rush), partners, the draw (once, by any
//! instance, at the close), claims, and the roll-down of unclaimed places.
//!
//! Every change to an item's ballot locks the item's row first (the order
//! every transaction locks rows in). The draw and the claim deadlines move
//! the item's ticket counter by the same conditional update as
//! reservations, so places held for winners are never reserved twice.

use std::collections::{BTreeSet, HashMap, HashSet};

use rand::RngCore;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use usher_domain::catalogue::Item;
use usher_domain::ids::{BallotEntryId, ItemId, UserId};
use usher_domain::input::Name;
use usher_domain::tickets::Quantity;
use usher_domain::tickets::ballot::{
    BallotEntry, BallotRefusal, BallotSecret, DrawEntry, EntryStatus, Standing, check_claiming,
    check_entering, check_withdrawing, draw, from_hex, hex, may_roll_down_to, places, rank,
    roll_down,
};
use usher_domain::tickets::{Reservation, WaitlistStatus};
use usher_domain::time::Timestamp;
use uuid::Uuid;

use super::waitlist::promote_waitlist;
use super::{insert, move_issued, no_shows, snapshot};
use crate::catalogue::{load_item, lock_items};
use crate::entities::{account, ballot, ballot_entry, programme_item, waitlist_entry};
use crate::error::{StoreError, corrupt, on_unique_violation};
use crate::group_commit::Batch;
use crate::rows::{in_list, stored, stored_count};
use crate::secret_key::ballot_secret_row;
use crate::store::Store;
use crate::transaction::{begin_write, commit};

const ALREADY_ENTERED: &str = "you already have an entry in this item's ballot";

impl From<BallotRefusal> for StoreError {
    fn from(refusal: BallotRefusal) -> Self {
        match refusal {
            BallotRefusal::AlreadyEntered => Self::Conflict(ALREADY_ENTERED.to_owned()),
            BallotRefusal::Invalid(invalid) => Self::Invalid(invalid),
            BallotRefusal::Refused(refusal) => Self::Refused(refusal),
        }
    }
}

/// An entry to make.
#[derive(Debug, Clone)]
pub struct NewBallotEntry {
    /// The item.
    pub item_id: ItemId,
    /// Who enters.
    pub entrant_id: UserId,
    /// The entrant's tickets.
    pub quantity: Quantity,
    /// The partner named, an existing account other than the entrant's.
    pub partner_id: Option<UserId>,
    /// When.
    pub now: Timestamp,
}

/// A drawn ballot, as anyone may check it.
#[derive(Debug, Clone)]
pub struct BallotResult {
    /// SHA-256 of the secret, published from the ballot's creation.
    pub commitment: String,
    /// The secret, once drawn.
    pub secret: Option<String>,
    /// SHA-256(secret ‖ entries digest), once drawn.
    pub seed: Option<String>,
    /// SHA-256 of the entries' canonical list, once drawn.
    pub entries_digest: Option<String>,
    /// The places there were to win, once drawn.
    pub places: Option<u32>,
    /// When it was drawn.
    pub drawn_at: Option<Timestamp>,
    /// The entries drawn, in rank order.
    pub entries: Vec<DrawnEntry>,
}

/// An entry as the published result shows it: no personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrawnEntry {
    /// The entry's id.
    pub id: BallotEntryId,
    /// Its rank, in hex.
    pub rank: String,
    /// The places it was drawn for.
    pub places: u32,
    /// Whether it won at the draw (not later, by a roll-down).
    pub won: bool,
}

fn key(item_id: ItemId, account: UserId) -> String {
    format!("{item_id}:{account}")
}

impl TryFrom<ballot_entry::Model> for BallotEntry {
    type Error = StoreError;

    fn try_from(row: ballot_entry::Model) -> Result<Self, StoreError> {
        const T: &str = "ballot_entry";
        Ok(Self {
            id: row.id.into(),
            item_id: row.item_id.into(),
            entrant_id: row.account_id.into(),
            quantity: stored(T, Quantity::parse("quantity", row.quantity.into()))?,
            partner_id: row.partner_id.map(UserId::from),
            partner_confirmed_at: row.partner_confirmed_at,
            status: EntryStatus::from_stored(&row.status)
                .ok_or_else(|| corrupt(T, format!("unknown status {}", row.status)))?,
            claim_until: row.claim_until,
            created_at: row.created_at,
        })
    }
}

/// Draws a fresh secret for `item_id`'s ballot and stores it (sealed when
/// the store has a key) with its commitment, unless the ballot has one.
pub(crate) async fn commit_to_a_secret(
    store: &Store,
    db: &DatabaseTransaction,
    item_id: ItemId,
) -> Result<(), StoreError> {
    if ballot::Entity::find_by_id(item_id.as_uuid())
        .one(db)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let mut bytes = [0; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = BallotSecret::from_bytes(bytes);
    ballot::ActiveModel {
        item_id: Set(item_id.as_uuid()),
        secret: Set(store.sealed_secret(&ballot_secret_row(item_id), hex(secret.as_bytes()))?),
        commitment: Set(hex(&secret.commitment())),
        entries_digest: Set(None),
        seed: Set(None),
        places: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// What `holders` hold that bears on entering `item`'s ballot, read under
/// the item's lock: tickets for it, tickets and standing entries at the
/// same time (where the festival forbids overlaps), no-show blocks, and
/// entries in this ballot.
async fn standings(
    db: &impl ConnectionTrait,
    item: &Item,
    holders: &BTreeSet<Uuid>,
) -> Result<HashMap<UserId, Standing>, StoreError> {
    use ballot_entry::Column;

    let rules = snapshot::rules(db, &[item]).await?;
    let overlaps_matter = !rules
        .get(&item.festival_id)
        .is_some_and(|rules| rules.allow_overlapping_tickets);
    let holdings = snapshot::holdings(db, holders, &[item], overlaps_matter).await?;
    // Entrants and confirmed partners of this ballot, by their indexes.
    let mut entered: HashSet<Uuid> = ballot_entry::Entity::find()
        .select_only()
        .column(Column::AccountId)
        .filter(Column::AccountId.is_in(in_list(holders.iter().copied())))
        .filter(Column::ItemId.eq(item.id.as_uuid()))
        .filter(Column::EntryKey.is_not_null())
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    entered.extend(
        ballot_entry::Entity::find()
            .select_only()
            .column(Column::PartnerId)
            .filter(Column::PartnerId.is_in(in_list(holders.iter().copied())))
            .filter(Column::ItemId.eq(item.id.as_uuid()))
            .filter(Column::PartnerKey.is_not_null())
            .into_tuple::<Uuid>()
            .all(db)
            .await?,
    );
    let blocked = no_shows::blocks(db, holders.iter().copied(), &rules).await?;
    Ok(holders
        .iter()
        .map(|&holder| {
            let id = UserId::from(holder);
            let standing = Standing {
                held: holdings.held(id, item.id),
                overlapping: overlaps_matter && holdings.overlapping(id, item),
                blocked_until: blocked.get(&(id, item.festival_id)).copied(),
                entered: entered.contains(&holder),
            };
            (id, standing)
        })
        .collect())
}

/// The ballot's entries' writer: entries that arrive together are decided
/// in one transaction, item by item, each against the ones before it.
#[derive(Debug)]
pub(crate) struct BallotEntries;

impl Batch for BallotEntries {
    const NAME: &'static str = "ballot";
    type Request = NewBallotEntry;
    type Answer = BallotEntry;

    async fn apply(
        db: &DatabaseConnection,
        requests: &[NewBallotEntry],
    ) -> Result<Vec<Result<BallotEntry, StoreError>>, StoreError> {
        let transaction = begin_write(db).await?;
        let items = lock_items(&transaction, requests.iter().map(|new| new.item_id)).await?;
        let holders: BTreeSet<Uuid> = requests
            .iter()
            .flat_map(|new| [Some(new.entrant_id), new.partner_id])
            .flatten()
            .map(UserId::as_uuid)
            .collect();
        let existing = snapshot::lock_accounts(&transaction, holders.iter().copied()).await?;
        let mut standings: HashMap<ItemId, HashMap<UserId, Standing>> = HashMap::new();
        for item in items.values() {
            let asking: BTreeSet<Uuid> = requests
                .iter()
                .filter(|new| new.item_id == item.id)
                .map(|new| new.entrant_id.as_uuid())
                .collect();
            standings.insert(item.id, self::standings(&transaction, item, &asking).await?);
        }
        let mut answers = Vec::with_capacity(requests.len());
        let mut rows = Vec::new();
        for new in requests {
            let answer = (|| {
                let item = items
                    .get(&new.item_id)
                    .ok_or(StoreError::NotFound("item"))?;
                if !existing.contains(&new.entrant_id.as_uuid()) {
                    return Err(StoreError::NotFound("user"));
                }
                if new
                    .partner_id
                    .is_some_and(|partner| !existing.contains(&partner.as_uuid()))
                {
                    return Err(StoreError::NotFound("partner"));
                }
                let standing = standings
                    .get_mut(&item.id)
                    .and_then(|standings| standings.get_mut(&new.entrant_id))
                    .ok_or(StoreError::NotFound("user"))?;
                check_entering(item, *standing, new.quantity, new.now)?;
                standing.entered = true;
                Ok(BallotEntry {
                    id: BallotEntryId::generate(),
                    item_id: item.id,
                    entrant_id: new.entrant_id,
                    quantity: new.quantity,
                    partner_id: new.partner_id,
                    partner_confirmed_at: None,
                    status: EntryStatus::Open,
                    claim_until: None,
                    created_at: new.now,
                })
            })();
            if let Ok(entry) = &answer {
                rows.push(ballot_entry::ActiveModel {
                    id: Set(entry.id.as_uuid()),
                    item_id: Set(entry.item_id.as_uuid()),
                    account_id: Set(entry.entrant_id.as_uuid()),
                    quantity: Set(stored_count(entry.quantity.get())),
                    partner_id: Set(entry.partner_id.map(UserId::as_uuid)),
                    partner_confirmed_at: Set(None),
                    status: Set(EntryStatus::Open.as_str().to_owned()),
                    entry_key: Set(Some(key(entry.item_id, entry.entrant_id))),
                    partner_key: Set(None),
                    won_at: Set(None),
                    claim_until: Set(None),
                    created_at: Set(entry.created_at),
                    closed_at: Set(None),
                });
            }
            answers.push(answer);
        }
        if !rows.is_empty() {
            crate::rows::insert_padded(&transaction, &rows).await?;
        }
        commit(transaction).await?;
        Ok(answers)
    }
}

/// Winners' places: their entries marked WON from `now` until their claim
/// deadline, and the item's counter moved by their places.
async fn hold_places(
    db: &DatabaseTransaction,
    item: &Item,
    winners: &[DrawEntry],
    now: Timestamp,
) -> Result<(), StoreError> {
    use ballot_entry::Column;

    if winners.is_empty() {
        return Ok(());
    }
    let claim = item
        .schedule
        .ballot()
        .ok_or_else(|| corrupt("programme_item", "a drawn item without a ballot"))?
        .claim;
    let places: u32 = winners.iter().map(|winner| winner.places).sum();
    if !move_issued(db, item.id, stored_count(places)).await? {
        return Err(anyhow::anyhow!("item {} has fewer places than drawn", item.id).into());
    }
    for chunk in winners.chunks(500) {
        ballot_entry::Entity::update_many()
            .col_expr(Column::Status, Expr::val(EntryStatus::Won.as_str()))
            .col_expr(Column::WonAt, Expr::val(now))
            .col_expr(Column::ClaimUntil, Expr::val(now + claim.duration()))
            .filter(Column::Id.is_in(in_list(chunk.iter().map(|winner| winner.id.as_uuid()))))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// The entries of `item_id` with `status`, as the draw sees them: only
/// the columns it needs (a draw reads every entry).
async fn drawn_entries(
    db: &impl ConnectionTrait,
    item_id: ItemId,
    status: EntryStatus,
) -> Result<Vec<DrawEntry>, StoreError> {
    use ballot_entry::Column;

    let rows: Vec<(Uuid, i32, Option<Timestamp>)> = ballot_entry::Entity::find()
        .select_only()
        .column(Column::Id)
        .column(Column::Quantity)
        .column(Column::PartnerConfirmedAt)
        .filter(Column::ItemId.eq(item_id.as_uuid()))
        .filter(Column::Status.eq(status.as_str()))
        .into_tuple()
        .all(db)
        .await?;
    rows.into_iter()
        .map(|(id, quantity, confirmed_at)| {
            let quantity = stored("ballot_entry", Quantity::parse("quantity", quantity.into()))?;
            Ok(DrawEntry {
                id: id.into(),
                places: places(quantity, confirmed_at.is_some()),
            })
        })
        .collect()
}

/// Draws `item_id`'s ballot if its close has come by `now` and nobody drew
/// it yet: whether this call drew it. The caller's transaction holds the
/// item's lock from here to its commit.
async fn draw_if_due(
    store: &Store,
    db: &DatabaseTransaction,
    item_id: ItemId,
    now: Timestamp,
) -> Result<bool, StoreError> {
    use programme_item::Column;

    let due = programme_item::Entity::update_many()
        .col_expr(Column::BallotDrawnAt, Expr::val(now))
        .filter(Column::Id.eq(item_id.as_uuid()))
        .filter(Column::BallotDrawnAt.is_null())
        .filter(Column::CancelledAt.is_null())
        .filter(Column::BallotClosesAt.lte(now))
        .exec(db)
        .await?;
    if due.rows_affected == 0 {
        return Ok(false);
    }
    let item = load_item(db, item_id).await?;
    let stored_ballot = ballot::Entity::find_by_id(item_id.as_uuid())
        .one(db)
        .await?
        .ok_or_else(|| corrupt("ballot", format!("item {item_id} has no secret")))?;
    let secret = store.opened_secret(&ballot_secret_row(item_id), stored_ballot.secret.clone())?;
    let secret = from_hex(&secret)
        .map(BallotSecret::from_bytes)
        .ok_or_else(|| corrupt("ballot", "a secret that is not 64 hex digits"))?;
    let entries = drawn_entries(db, item_id, EntryStatus::Open).await?;
    let places = item.tickets_left();
    let drawn = draw(&secret, &entries, places);
    let winners: Vec<DrawEntry> = drawn
        .ranked
        .iter()
        .filter(|ranked| ranked.won)
        .map(|ranked| DrawEntry {
            id: ranked.id,
            places: ranked.places,
        })
        .collect();
    // The losers are not written: an entry still OPEN in a drawn ballot
    // lost (see `entries_as_seen`), which spares a draw of 100,000 entries
    // rewriting almost every row.
    hold_places(db, &item, &winners, now).await?;
    ballot::ActiveModel {
        entries_digest: Set(Some(hex(&drawn.entries_digest))),
        seed: Set(Some(hex(&drawn.seed))),
        places: Set(Some(stored_count(places))),
        ..stored_ballot.into()
    }
    .update(db)
    .await?;
    Ok(true)
}

/// Lets the places of `item`'s expired wins (and any left) go on: to the
/// entries that lost, in rank order, each with its own claim window (an
/// entry whose people reserved past the limit or at the same time since
/// is passed over); what none of them fits goes to the waitlist.
async fn roll_down_places(
    db: &DatabaseTransaction,
    item_id: ItemId,
    now: Timestamp,
) -> Result<(), StoreError> {
    use ballot_entry::Column;

    let item = load_item(db, item_id).await?;
    let seed = ballot::Entity::find_by_id(item_id.as_uuid())
        .one(db)
        .await?
        .and_then(|ballot| ballot.seed)
        .and_then(|seed| from_hex(&seed))
        .ok_or_else(|| corrupt("ballot", format!("drawn item {item_id} without a seed")))?;
    lock_places_takers(db, item_id).await?;
    let mut lost = drawn_entries(db, item_id, EntryStatus::Open).await?;
    loop {
        let rolled: HashSet<BallotEntryId> = roll_down(&seed, &lost, item.tickets_left())
            .into_iter()
            .collect();
        let entries: Vec<BallotEntry> = ballot_entry::Entity::find()
            .filter(Column::Id.is_in(in_list(rolled.iter().copied())))
            .all(db)
            .await?
            .into_iter()
            .map(BallotEntry::try_from)
            .collect::<Result<_, _>>()?;
        let people: BTreeSet<Uuid> = entries
            .iter()
            .flat_map(|entry| [Some(entry.entrant_id), entry.confirmed_partner()])
            .flatten()
            .map(UserId::as_uuid)
            .collect();
        let standings = standings(db, &item, &people).await?;
        let standing = |person: UserId| standings.get(&person).copied().unwrap_or_default();
        let passed_over: HashSet<BallotEntryId> = entries
            .iter()
            .filter(|entry| {
                let partner = entry.confirmed_partner().map(standing);
                !may_roll_down_to(&item, entry, standing(entry.entrant_id), partner)
            })
            .map(|entry| entry.id)
            .collect();
        if passed_over.is_empty() {
            let winners: Vec<DrawEntry> = lost
                .into_iter()
                .filter(|entry| rolled.contains(&entry.id))
                .collect();
            hold_places(db, &item, &winners, now).await?;
            return promote_waitlist(db, item_id, now).await;
        }
        lost.retain(|entry| !passed_over.contains(&entry.id));
    }
}

/// Locks the accounts of everyone `item_id`'s places may roll down to (the
/// lost entries' entrants and confirmed partners, then the waitlist) in
/// one statement, in id order, as reservations lock theirs after the
/// items: a place goes only to someone whose holdings no reservation is
/// changing meanwhile. All at once, since a second statement locking more
/// could deadlock with a reservation batch holding some of them.
async fn lock_places_takers(db: &DatabaseTransaction, item_id: ItemId) -> Result<(), StoreError> {
    use ballot_entry::Column;

    let lost = |person: Column| {
        Query::select()
            .column(person)
            .from(ballot_entry::Entity)
            .and_where(Column::ItemId.eq(item_id.as_uuid()))
            .and_where(Column::Status.eq(EntryStatus::Open.as_str()))
            .to_owned()
    };
    let partners = lost(Column::PartnerId)
        .and_where(Column::PartnerConfirmedAt.is_not_null())
        .to_owned();
    let waiting = Query::select()
        .column(waitlist_entry::Column::AccountId)
        .from(waitlist_entry::Entity)
        .and_where(waitlist_entry::Column::ItemId.eq(item_id.as_uuid()))
        .and_where(waitlist_entry::Column::Status.eq(WaitlistStatus::Waiting.as_str()))
        .to_owned();
    account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .filter(
            Condition::any()
                .add(account::Column::Id.in_subquery(lost(Column::AccountId)))
                .add(account::Column::Id.in_subquery(partners))
                .add(account::Column::Id.in_subquery(waiting)),
        )
        .order_by_asc(account::Column::Id)
        .lock_exclusive()
        .into_tuple::<Uuid>()
        .all(db)
        .await?;
    Ok(())
}

/// Ends the standing entries of a cancelled item (open, lost or won):
/// CANCELLED from `now`. Its won places went with the item.
pub(crate) async fn cancel_entries(
    db: &DatabaseTransaction,
    item_id: ItemId,
    now: Timestamp,
) -> Result<(), StoreError> {
    use ballot_entry::Column;

    ballot_entry::Entity::update_many()
        .col_expr(Column::Status, Expr::val(EntryStatus::Cancelled.as_str()))
        .col_expr(Column::ClosedAt, Expr::val(now))
        .filter(Column::ItemId.eq(item_id.as_uuid()))
        .filter(Column::Status.is_in([EntryStatus::Open.as_str(), EntryStatus::Won.as_str()]))
        .exec(db)
        .await?;
    Ok(())
}

/// The entries in `item_id`'s ballot that were not withdrawn.
pub(crate) async fn entries_made(
    db: &impl ConnectionTrait,
    item_id: ItemId,
) -> Result<u32, StoreError> {
    use ballot_entry::Column;

    let entries = ballot_entry::Entity::find()
        .filter(Column::ItemId.eq(item_id.as_uuid()))
        .filter(Column::Status.ne(EntryStatus::Withdrawn.as_str()))
        .count(db)
        .await?;
    Ok(u32::try_from(entries).unwrap_or(u32::MAX))
}

impl Store {
    /// Enters an attendee in an item's ballot, if the domain lets them
    /// ([`check_entering`]); through the ballot's group commit.
    #[tracing::instrument(level = "debug", skip_all, fields(item = %new.item_id), err(level = "debug"))]
    pub async fn enter_ballot(&self, new: NewBallotEntry) -> Result<BallotEntry, StoreError> {
        self.writers.ballot.submit(new).await
    }

    /// The partner named in an entry confirms: they take part with one
    /// ticket, under the same rules as an entrant.
    #[tracing::instrument(level = "debug", skip_all, fields(entry = %entry_id), err(level = "debug"))]
    pub async fn confirm_ballot_partner(
        &self,
        entry_id: BallotEntryId,
        partner: UserId,
        now: Timestamp,
    ) -> Result<BallotEntry, StoreError> {
        self.write(|| async move {
            let entry = find_entry(&self.db, entry_id).await?;
            if entry.partner_id != Some(partner) {
                return Err(StoreError::NotFound("ballot entry"));
            }
            let transaction = self.begin_write().await?;
            let items = lock_items(&transaction, [entry.item_id]).await?;
            let item = items
                .get(&entry.item_id)
                .ok_or(StoreError::NotFound("item"))?;
            let partners = snapshot::lock_accounts(&transaction, [partner.as_uuid()]).await?;
            let standing = standings(&transaction, item, &partners)
                .await?
                .remove(&partner)
                .unwrap_or_default();
            check_entering(item, standing, Quantity::ONE, now)?;
            let confirmed = ballot_entry::Entity::update_many()
                .col_expr(ballot_entry::Column::PartnerConfirmedAt, Expr::val(now))
                .col_expr(
                    ballot_entry::Column::PartnerKey,
                    Expr::val(key(entry.item_id, partner)),
                )
                .filter(ballot_entry::Column::Id.eq(entry_id.as_uuid()))
                .filter(ballot_entry::Column::Status.eq(EntryStatus::Open.as_str()))
                .filter(ballot_entry::Column::PartnerConfirmedAt.is_null())
                .exec(&transaction)
                .await
                .map_err(|error| on_unique_violation(error, || ALREADY_ENTERED.to_owned()))?;
            if confirmed.rows_affected != 1 {
                return Err(StoreError::Conflict(
                    "the entry is no longer open, or you confirmed already".to_owned(),
                ));
            }
            let entry = find_entry(&transaction, entry_id).await?;
            commit(transaction).await?;
            Ok(entry)
        })
        .await
    }

    /// The entrant takes their entry back before the close.
    #[tracing::instrument(level = "debug", skip_all, fields(entry = %entry_id), err(level = "debug"))]
    pub async fn withdraw_ballot_entry(
        &self,
        entry_id: BallotEntryId,
        entrant: UserId,
        now: Timestamp,
    ) -> Result<BallotEntry, StoreError> {
        use ballot_entry::Column;

        self.write(|| async move {
            let entry = find_entry(&self.db, entry_id).await?;
            if entry.entrant_id != entrant {
                return Err(StoreError::NotFound("ballot entry"));
            }
            let transaction = self.begin_write().await?;
            let items = lock_items(&transaction, [entry.item_id]).await?;
            let item = items
                .get(&entry.item_id)
                .ok_or(StoreError::NotFound("item"))?;
            let entry = find_entry(&transaction, entry_id).await?;
            check_withdrawing(item, &entry, now)?;
            ballot_entry::Entity::update_many()
                .col_expr(Column::Status, Expr::val(EntryStatus::Withdrawn.as_str()))
                .col_expr(Column::EntryKey, Expr::val(Option::<String>::None))
                .col_expr(Column::PartnerKey, Expr::val(Option::<String>::None))
                .col_expr(Column::ClosedAt, Expr::val(now))
                .filter(Column::Id.eq(entry_id.as_uuid()))
                .exec(&transaction)
                .await?;
            let entry = find_entry(&transaction, entry_id).await?;
            commit(transaction).await?;
            Ok(entry)
        })
        .await
    }

    /// A winner claims their places: they become tickets, the entrant's
    /// and the confirmed partner's, if the claim deadline has not passed.
    #[tracing::instrument(level = "debug", skip_all, fields(entry = %entry_id), err(level = "debug"))]
    pub async fn claim_ballot_win(
        &self,
        entry_id: BallotEntryId,
        entrant: UserId,
        now: Timestamp,
    ) -> Result<Vec<Reservation>, StoreError> {
        use ballot_entry::Column;

        self.write(|| async move {
            let entry = find_entry(&self.db, entry_id).await?;
            if entry.entrant_id != entrant {
                return Err(StoreError::NotFound("ballot entry"));
            }
            let transaction = self.begin_write().await?;
            let items = lock_items(&transaction, [entry.item_id]).await?;
            let item = items
                .get(&entry.item_id)
                .ok_or(StoreError::NotFound("item"))?;
            let entry = find_entry(&transaction, entry_id).await?;
            check_claiming(item, &entry, now)?;
            let names = display_names(
                &transaction,
                [Some(entry.entrant_id), entry.confirmed_partner()]
                    .into_iter()
                    .flatten(),
            )
            .await?;
            let entrant_name = names
                .get(&entry.entrant_id)
                .ok_or(StoreError::NotFound("user"))?;
            let partner_name = entry.confirmed_partner().and_then(|id| names.get(&id));
            let reservations = entry.tickets(entrant_name, partner_name, now);
            let claimed = ballot_entry::Entity::update_many()
                .col_expr(Column::Status, Expr::val(EntryStatus::Claimed.as_str()))
                .col_expr(Column::ClosedAt, Expr::val(now))
                .filter(Column::Id.eq(entry_id.as_uuid()))
                .filter(Column::Status.eq(EntryStatus::Won.as_str()))
                .exec(&transaction)
                .await?;
            if claimed.rows_affected != 1 {
                return Err(
                    anyhow::anyhow!("entry {entry_id} changed under the item's lock").into(),
                );
            }
            let keyless: Vec<(&Reservation, Option<&str>)> = reservations
                .iter()
                .map(|reservation| (reservation, None))
                .collect();
            insert(&transaction, &keyless).await?;
            commit(transaction).await?;
            Ok(reservations)
        })
        .await
    }

    /// Draws every ballot whose close has come by `now`, one transaction
    /// per item: the items drawn. Run by every instance now and then, and
    /// on start.
    #[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
    pub async fn draw_due_ballots(&self, now: Timestamp) -> Result<Vec<ItemId>, StoreError> {
        use programme_item::Column;

        let due: Vec<Uuid> = programme_item::Entity::find()
            .select_only()
            .column(Column::Id)
            .filter(Column::BallotClosesAt.lte(now))
            .filter(Column::BallotDrawnAt.is_null())
            .filter(Column::CancelledAt.is_null())
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut drawn = Vec::new();
        for item_id in due.into_iter().map(ItemId::from) {
            if self.draw_ballot(item_id, now).await? {
                drawn.push(item_id);
            }
        }
        Ok(drawn)
    }

    /// Draws one item's ballot if its close has come and nobody drew it:
    /// whether this call drew it.
    #[tracing::instrument(level = "debug", skip_all, fields(item = %item_id), err(level = "debug"))]
    pub async fn draw_ballot(&self, item_id: ItemId, now: Timestamp) -> Result<bool, StoreError> {
        self.write(|| async move {
            let transaction = self.begin_write().await?;
            let drawn = draw_if_due(self, &transaction, item_id, now).await?;
            commit(transaction).await?;
            Ok(drawn)
        })
        .await
    }

    /// Ends the wins not claimed by their deadline (`now`): their places go
    /// on ([`roll_down_places`]). The items whose places moved.
    #[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
    pub async fn expire_due_claims(&self, now: Timestamp) -> Result<Vec<ItemId>, StoreError> {
        use ballot_entry::Column;

        let due: BTreeSet<Uuid> = ballot_entry::Entity::find()
            .select_only()
            .column(Column::ItemId)
            .filter(Column::Status.eq(EntryStatus::Won.as_str()))
            .filter(Column::ClaimUntil.lt(now))
            .into_tuple()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        let mut moved = Vec::new();
        for item_id in due.into_iter().map(ItemId::from) {
            let expired = self
                .write(|| async move {
                    let transaction = self.begin_write().await?;
                    lock_items(&transaction, [item_id]).await?;
                    let expired: Vec<DrawEntry> = ballot_entry::Entity::find()
                        .filter(Column::ItemId.eq(item_id.as_uuid()))
                        .filter(Column::Status.eq(EntryStatus::Won.as_str()))
                        .filter(Column::ClaimUntil.lt(now))
                        .all(&transaction)
                        .await?
                        .into_iter()
                        .map(|row| Ok(BallotEntry::try_from(row)?.drawn()))
                        .collect::<Result<_, StoreError>>()?;
                    if expired.is_empty() {
                        return Ok(false);
                    }
                    let places: u32 = expired.iter().map(|entry| entry.places).sum();
                    for chunk in expired.chunks(500) {
                        ballot_entry::Entity::update_many()
                            .col_expr(Column::Status, Expr::val(EntryStatus::Expired.as_str()))
                            .col_expr(Column::ClosedAt, Expr::val(now))
                            .filter(
                                Column::Id
                                    .is_in(in_list(chunk.iter().map(|entry| entry.id.as_uuid()))),
                            )
                            .exec(&transaction)
                            .await?;
                    }
                    move_issued(&transaction, item_id, -stored_count(places)).await?;
                    roll_down_places(&transaction, item_id, now).await?;
                    commit(transaction).await?;
                    Ok(true)
                })
                .await?;
            if expired {
                moved.push(item_id);
            }
        }
        Ok(moved)
    }

    /// The entries an attendee made or is the partner in, newest first.
    #[tracing::instrument(level = "debug", skip_all, fields(attendee = %attendee), err(level = "debug"))]
    pub async fn ballot_entries_of(
        &self,
        attendee: UserId,
    ) -> Result<Vec<BallotEntry>, StoreError> {
        use ballot_entry::Column;

        let rows = ballot_entry::Entity::find()
            .filter(
                Condition::any()
                    .add(Column::AccountId.eq(attendee.as_uuid()))
                    .add(Column::PartnerId.eq(attendee.as_uuid())),
            )
            .order_by_desc(Column::CreatedAt)
            .order_by_desc(Column::Id)
            .all(&self.db)
            .await?;
        entries_as_seen(&self.db, rows).await
    }

    /// An item's ballot as published: the commitment always, the draw's
    /// secret, seed, digest and ranked entries once drawn. None for an item
    /// without a ballot.
    #[tracing::instrument(level = "debug", skip_all, fields(item = %item_id), err(level = "debug"))]
    pub async fn ballot_result(&self, item_id: ItemId) -> Result<Option<BallotResult>, StoreError> {
        use ballot_entry::Column;

        let Some(stored_ballot) = ballot::Entity::find_by_id(item_id.as_uuid())
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        // Read after the ballot: a draw writes both in one transaction, so
        // a seed read means a drawn item.
        let drawn_at: Option<Timestamp> = programme_item::Entity::find_by_id(item_id.as_uuid())
            .select_only()
            .column(programme_item::Column::BallotDrawnAt)
            .into_tuple::<Option<Timestamp>>()
            .one(&self.db)
            .await?
            .flatten();
        let Some((drawn_at, seed)) = drawn_at.zip(stored_ballot.seed.as_deref().and_then(from_hex))
        else {
            return Ok(Some(BallotResult {
                commitment: stored_ballot.commitment,
                secret: None,
                seed: None,
                entries_digest: None,
                places: None,
                drawn_at: None,
                entries: Vec::new(),
            }));
        };
        let secret = self.opened_secret(&ballot_secret_row(item_id), stored_ballot.secret)?;
        let rows = ballot_entry::Entity::find()
            .filter(Column::ItemId.eq(item_id.as_uuid()))
            .filter(Column::Status.ne(EntryStatus::Withdrawn.as_str()))
            .all(&self.db)
            .await?;
        let mut entries = rows
            .into_iter()
            .map(|row| {
                let won = row.won_at == Some(drawn_at);
                let entry = BallotEntry::try_from(row)?;
                Ok(DrawnEntry {
                    id: entry.id,
                    rank: hex(&rank(&seed, entry.id)),
                    places: entry.places(),
                    won,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        entries.sort_by(|a, b| (&a.rank, a.id).cmp(&(&b.rank, b.id)));
        Ok(Some(BallotResult {
            commitment: stored_ballot.commitment,
            secret: Some(secret),
            seed: stored_ballot.seed,
            entries_digest: stored_ballot.entries_digest,
            places: stored_ballot
                .places
                .map(|places| u32::try_from(places).map_err(|error| corrupt("ballot", error)))
                .transpose()?,
            drawn_at: Some(drawn_at),
            entries,
        }))
    }

    /// Entries (made and not withdrawn) and wins (held or claimed) of
    /// these items' ballots.
    #[tracing::instrument(level = "debug", skip_all, fields(count = items.len()), err(level = "debug"))]
    pub async fn ballot_counts(
        &self,
        items: &[ItemId],
    ) -> Result<HashMap<ItemId, (u32, u32)>, StoreError> {
        use ballot_entry::Column;

        let rows: Vec<(Uuid, String, i64)> = ballot_entry::Entity::find()
            .select_only()
            .column(Column::ItemId)
            .column(Column::Status)
            .column_as(Column::Id.count(), "entries")
            .filter(Column::ItemId.is_in(in_list(items.iter().copied())))
            .group_by(Column::ItemId)
            .group_by(Column::Status)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut counts: HashMap<ItemId, (u32, u32)> = HashMap::new();
        for (item, status, entries) in rows {
            let entries = u32::try_from(entries).unwrap_or(u32::MAX);
            let count = counts.entry(item.into()).or_default();
            match EntryStatus::from_stored(&status) {
                Some(EntryStatus::Withdrawn) | None => {}
                Some(EntryStatus::Won | EntryStatus::Claimed) => {
                    count.0 += entries;
                    count.1 += entries;
                }
                Some(
                    EntryStatus::Open
                    | EntryStatus::Lost
                    | EntryStatus::Expired
                    | EntryStatus::Cancelled,
                ) => {
                    count.0 += entries;
                }
            }
        }
        Ok(counts)
    }
}

async fn find_entry(
    db: &impl ConnectionTrait,
    entry_id: BallotEntryId,
) -> Result<BallotEntry, StoreError> {
    ballot_entry::Entity::find_by_id(entry_id.as_uuid())
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("ballot entry"))?
        .try_into()
}

/// Rows as entries, an entry still OPEN in a drawn ballot being LOST (the
/// draw writes only its winners).
async fn entries_as_seen(
    db: &impl ConnectionTrait,
    rows: Vec<ballot_entry::Model>,
) -> Result<Vec<BallotEntry>, StoreError> {
    let drawn: HashSet<Uuid> = programme_item::Entity::find()
        .select_only()
        .column(programme_item::Column::Id)
        .filter(programme_item::Column::Id.is_in(in_list(rows.iter().map(|row| row.item_id))))
        .filter(programme_item::Column::BallotDrawnAt.is_not_null())
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    rows.into_iter()
        .map(|row| {
            let lost = drawn.contains(&row.item_id);
            let mut entry = BallotEntry::try_from(row)?;
            if lost && entry.status == EntryStatus::Open {
                entry.status = EntryStatus::Lost;
            }
            Ok(entry)
        })
        .collect()
}

/// The display names of these accounts.
async fn display_names(
    db: &impl ConnectionTrait,
    accounts: impl IntoIterator<Item = UserId>,
) -> Result<HashMap<UserId, Name>, StoreError> {
    account::Entity::find()
        .filter(account::Column::Id.is_in(in_list(accounts)))
        .all(db)
        .await?
        .into_iter()
        .map(|row| {
            Ok((
                row.id.into(),
                stored("account", Name::parse("displayName", &row.display_name))?,
            ))
        })
        .collect()
}
