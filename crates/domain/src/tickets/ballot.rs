//! Ballots: for an oversubscribed item, entries instead of first come,
//! first served, and a draw that anyone can recompute (commit and reveal).
//!
//! When the ballot opens, Usher draws a random secret and publishes its
//! SHA-256, the commitment. At the draw it publishes the digest of the
//! entries drawn ([`entries_digest`]), the seed (SHA-256 of the secret and
//! that digest) and, once the draw is made, the secret itself. Each entry's
//! rank is SHA-256 of the seed and the entry's id; entries win in ascending
//! rank while places remain, an entry that does not fit being passed over
//! for the next. Nobody, Usher included, can choose the winners: the secret
//! was fixed before the entries were known, and the entries before the
//! secret was known.

use sha2::{Digest, Sha256};

use super::no_shows::check_not_blocked;
use super::{Quantity, Reservation, ReservationRefusal, check_attendee, fill_in_order};
use crate::catalogue::{BallotWindow, Item};
use crate::ids::{BallotEntryId, ItemId, UserId};
use crate::input::{InvalidInput, Name};
use crate::time::{Timestamp, minute};

/// A SHA-256 value of the draw: commitment, digest, seed or rank.
pub type Hash = [u8; 32];

/// The secret a ballot commits to when it opens and reveals at its draw.
#[derive(Clone, PartialEq, Eq)]
pub struct BallotSecret(Hash);

impl BallotSecret {
    /// The secret made of these (random) bytes.
    pub fn from_bytes(bytes: Hash) -> Self {
        Self(bytes)
    }

    /// Its bytes.
    pub fn as_bytes(&self) -> &Hash {
        &self.0
    }

    /// What is published while the ballot is open: SHA-256 of the secret.
    pub fn commitment(&self) -> Hash {
        Sha256::digest(self.0).into()
    }
}

impl std::fmt::Debug for BallotSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BallotSecret(…)")
    }
}

/// An entry as the draw sees it: its id and the places it asks for (the
/// entrant's tickets, and the partner's when a pair is confirmed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DrawEntry {
    /// The entry's id.
    pub id: BallotEntryId,
    /// Places: it wins all of them or none.
    pub places: u32,
}

/// An entry ranked by the draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RankedEntry {
    /// The entry's id.
    pub id: BallotEntryId,
    /// Places it asked for.
    pub places: u32,
    /// SHA-256(seed ‖ id): the lower, the earlier it is served.
    pub rank: Hash,
    /// Whether it won places at the draw.
    pub won: bool,
}

/// A draw: what is published, and the entries in rank order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draw {
    /// SHA-256 of the entries' canonical list ([`entries_digest`]).
    pub entries_digest: Hash,
    /// SHA-256(secret ‖ entries digest).
    pub seed: Hash,
    /// Every entry, lowest rank first.
    pub ranked: Vec<RankedEntry>,
}

/// SHA-256 of the entries' canonical list: one line per entry, sorted by
/// id, each `<id>:<places>\n` (the id as a lowercase hyphenated UUID, the
/// places in decimal).
pub fn entries_digest(entries: &[DrawEntry]) -> Hash {
    let mut sorted: Vec<&DrawEntry> = entries.iter().collect();
    sorted.sort_by_key(|entry| entry.id);
    let mut hasher = Sha256::new();
    for entry in sorted {
        hasher.update(format!("{}:{}\n", entry.id, entry.places));
    }
    hasher.finalize().into()
}

/// SHA-256 of the secret's 32 bytes followed by the digest's 32 bytes.
pub fn seed(secret: &BallotSecret, entries_digest: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update(secret.as_bytes());
    hasher.update(entries_digest);
    hasher.finalize().into()
}

/// SHA-256 of the seed's 32 bytes followed by the entry's id as text (the
/// lowercase hyphenated UUID).
pub fn rank(seed: &Hash, id: BallotEntryId) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update(seed);
    hasher.update(id.to_string());
    hasher.finalize().into()
}

/// Draws `places` places among `entries`: ranks them, then lets them win
/// in rank order while their places fit in what is left.
pub fn draw(secret: &BallotSecret, entries: &[DrawEntry], places: u32) -> Draw {
    let entries_digest = entries_digest(entries);
    let seed = seed(secret, &entries_digest);
    let mut ranked: Vec<RankedEntry> = entries
        .iter()
        .map(|entry| RankedEntry {
            id: entry.id,
            places: entry.places,
            rank: rank(&seed, entry.id),
            won: false,
        })
        .collect();
    ranked.sort_by_key(|entry| (entry.rank, entry.id));
    let winners = fill_in_order(0..ranked.len(), places, usize::MAX, |&at| ranked[at].places);
    for at in winners {
        ranked[at].won = true;
    }
    Draw {
        entries_digest,
        seed,
        ranked,
    }
}

/// Where an entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryStatus {
    /// Entered; the draw is to come.
    Open,
    /// Taken back by its entrant before the close.
    Withdrawn,
    /// Drawn (or rolled down to): its places are held until the claim
    /// deadline.
    Won,
    /// Not drawn; it may still be rolled down to. (Stored as OPEN: an
    /// open entry of a drawn ballot lost.)
    Lost,
    /// Its places became tickets.
    Claimed,
    /// Not claimed in time: its places went on.
    Expired,
    /// Its item was cancelled: no draw, or no claim.
    Cancelled,
}

impl EntryStatus {
    const ALL: [Self; 7] = [
        Self::Open,
        Self::Withdrawn,
        Self::Won,
        Self::Lost,
        Self::Claimed,
        Self::Expired,
        Self::Cancelled,
    ];

    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Open => "OPEN",
            Self::Withdrawn => "WITHDRAWN",
            Self::Won => "WON",
            Self::Lost => "LOST",
            Self::Claimed => "CLAIMED",
            Self::Expired => "EXPIRED",
            Self::Cancelled => "CANCELLED",
        }
    }

    /// The status with stored name `name`.
    pub fn from_stored(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == name)
    }
}

/// An attendee's entry in an item's ballot, alone or with a partner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BallotEntry {
    /// Its id, as published with the draw.
    pub id: BallotEntryId,
    /// The item.
    pub item_id: ItemId,
    /// Who entered.
    pub entrant_id: UserId,
    /// The entrant's tickets.
    pub quantity: Quantity,
    /// The partner named, who gets one ticket if they confirm.
    pub partner_id: Option<UserId>,
    /// When the partner confirmed.
    pub partner_confirmed_at: Option<Timestamp>,
    /// Where it stands.
    pub status: EntryStatus,
    /// Until when a win may be claimed.
    pub claim_until: Option<Timestamp>,
    /// When it was made.
    pub created_at: Timestamp,
}

impl BallotEntry {
    /// Places it asks for at the draw: the entrant's tickets, and one for
    /// a partner who confirmed (a partner who did not is left out).
    pub fn places(&self) -> u32 {
        places(self.quantity, self.confirmed_partner().is_some())
    }

    /// The partner, once they confirmed.
    pub fn confirmed_partner(&self) -> Option<UserId> {
        self.partner_id
            .filter(|_| self.partner_confirmed_at.is_some())
    }

    /// The entry as the draw sees it.
    pub fn drawn(&self) -> DrawEntry {
        DrawEntry {
            id: self.id,
            places: self.places(),
        }
    }

    /// The tickets a claimed win becomes: the entrant's, in their name,
    /// and the confirmed partner's one, in theirs.
    pub fn tickets(
        &self,
        entrant: &Name,
        partner: Option<&Name>,
        now: Timestamp,
    ) -> Vec<Reservation> {
        let names = vec![entrant.clone(); self.quantity.get() as usize];
        let mut reservations = vec![Reservation::draft(
            self.item_id,
            self.entrant_id,
            &names,
            now,
        )];
        if let (Some(partner_id), Some(name)) = (self.confirmed_partner(), partner) {
            reservations.push(Reservation::draft(
                self.item_id,
                partner_id,
                std::slice::from_ref(name),
                now,
            ));
        }
        reservations
    }
}

/// Places an entry of `quantity` tickets is drawn for: one more with a
/// partner who confirmed.
pub fn places(quantity: Quantity, partner_confirmed: bool) -> u32 {
    quantity.get() + u32::from(partner_confirmed)
}

/// Why an entry is not made or changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BallotRefusal {
    /// The attendee has an entry in this ballot already, or is a partner in one.
    #[error("you already have an entry in this item's ballot")]
    AlreadyEntered,
    /// The request is wrong, or the ballot is not open.
    #[error(transparent)]
    Invalid(#[from] InvalidInput),
    /// The attendee's limit, an overlapping ticket or entry, or a no-show block.
    #[error(transparent)]
    Refused(#[from] ReservationRefusal),
}

/// What an attendee holds that bears on entering (or partnering in) a
/// ballot: read under the item's lock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Standing {
    /// Tickets they hold for the item.
    pub held: u32,
    /// Whether they hold a ticket or an entry for another item at the same
    /// time (false where the festival allows overlaps).
    pub overlapping: bool,
    /// When their no-show block ends, if they are blocked.
    pub blocked_until: Option<Timestamp>,
    /// Whether they have an entry in this ballot, or are a partner in one.
    pub entered: bool,
}

/// The item's ballot, if it takes entries at `now`.
pub fn open_ballot(item: &Item, now: Timestamp) -> Result<BallotWindow, InvalidInput> {
    if item.cancelled_at.is_some() {
        return Err(InvalidInput::new("itemId", "is cancelled"));
    }
    let Some(ballot) = item.schedule.ballot() else {
        return Err(InvalidInput::new(
            "itemId",
            "is not allocated by ballot: reserve its tickets",
        ));
    };
    if item.ballot_drawn_at.is_some() || now >= ballot.closes_at {
        return Err(InvalidInput::new(
            "itemId",
            format!("has its ballot closed since {}", minute(ballot.closes_at)),
        ));
    }
    if now < ballot.opens_at {
        return Err(InvalidInput::new(
            "itemId",
            format!("has its ballot opening at {}", minute(ballot.opens_at)),
        ));
    }
    Ok(ballot)
}

/// Checks that an attendee whose standing is `standing` may enter `item`'s
/// ballot at `now` for `quantity` tickets (or confirm as a partner, for
/// one): the ballot is open, the tickets are within the item's limit, no
/// ticket or entry of theirs overlaps, they are not blocked for no-shows,
/// and they are in no entry of the ballot yet.
pub fn check_entering(
    item: &Item,
    standing: Standing,
    quantity: Quantity,
    now: Timestamp,
) -> Result<(), BallotRefusal> {
    open_ballot(item, now)?;
    check_not_blocked(standing.blocked_until, now)?;
    if standing.entered {
        return Err(BallotRefusal::AlreadyEntered);
    }
    check_attendee(item, standing.held, quantity, standing.overlapping)?;
    Ok(())
}

/// Checks that `entry` may be withdrawn at `now`: it is open and the
/// ballot has not closed.
pub fn check_withdrawing(
    item: &Item,
    entry: &BallotEntry,
    now: Timestamp,
) -> Result<(), InvalidInput> {
    open_ballot(item, now)?;
    if entry.status != EntryStatus::Open {
        return Err(InvalidInput::new("entryId", "is no longer open"));
    }
    Ok(())
}

/// Checks that `entry`'s win of `item` may be claimed at `now`.
pub fn check_claiming(
    item: &Item,
    entry: &BallotEntry,
    now: Timestamp,
) -> Result<(), InvalidInput> {
    if item.cancelled_at.is_some() {
        return Err(InvalidInput::new("entryId", "is for a cancelled item"));
    }
    match (entry.status, entry.claim_until) {
        (EntryStatus::Won, Some(until)) if now <= until => Ok(()),
        (EntryStatus::Won | EntryStatus::Expired, Some(until)) => Err(InvalidInput::new(
            "entryId",
            format!(
                "had its claim deadline at {}: its places went on",
                minute(until)
            ),
        )),
        (EntryStatus::Claimed, _) => Err(InvalidInput::new("entryId", "is claimed already")),
        _ => Err(InvalidInput::new("entryId", "has not won places")),
    }
}

/// Whether places may roll down to `entry`, which lost: its entrant (of
/// standing `entrant`) and its confirmed partner (of standing `partner`)
/// still keep within the item's limit and hold nothing at the same time,
/// counting what they reserved since the draw.
pub fn may_roll_down_to(
    item: &Item,
    entry: &BallotEntry,
    entrant: Standing,
    partner: Option<Standing>,
) -> bool {
    let fits = |standing: Standing, quantity| {
        check_attendee(item, standing.held, quantity, standing.overlapping).is_ok()
    };
    fits(entrant, entry.quantity) && partner.is_none_or(|partner| fits(partner, Quantity::ONE))
}

/// The entries that lost the draw and now win, in rank order, when `room`
/// places came back: each that fits in what is left.
pub fn roll_down(seed: &Hash, lost: &[DrawEntry], room: u32) -> Vec<BallotEntryId> {
    let mut ranked: Vec<(Hash, DrawEntry)> = lost
        .iter()
        .map(|entry| (rank(seed, entry.id), *entry))
        .collect();
    ranked.sort_by_key(|(rank, entry)| (*rank, entry.id));
    fill_in_order(ranked, room, usize::MAX, |(_, entry)| entry.places)
        .into_iter()
        .map(|(_, entry)| entry.id)
        .collect()
}

/// A hash as 64 lowercase hexadecimal digits, as it is published.
pub fn hex(hash: &Hash) -> String {
    hash.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The hash written as [`hex`] writes it.
pub fn from_hex(text: &str) -> Option<Hash> {
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut hash = [0; 32];
    for (at, byte) in hash.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * at..2 * at + 2], 16).ok()?;
    }
    Some(hash)
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use uuid::Uuid;

    use super::*;
    use crate::catalogue::{BallotChange, ItemChanges, ProgrammeStatus, Schedule};
    use crate::fixtures::{balloting, item_at};
    use crate::input::Minutes;
    use crate::tickets::window_refusal;
    use crate::time;

    fn entry(id: &str, places: u32) -> DrawEntry {
        DrawEntry {
            id: Uuid::parse_str(id).unwrap().into(),
            places,
        }
    }

    fn secret() -> BallotSecret {
        BallotSecret::from_bytes([7; 32])
    }

    #[test]
    fn the_commitment_is_the_sha256_of_the_secret() {
        assert_eq!(
            hex(&BallotSecret::from_bytes([0; 32]).commitment()),
            "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925"
        );
    }

    #[test]
    fn the_entries_digest_hashes_the_sorted_canonical_lines() {
        let a = entry("00000000-0000-0000-0000-00000000000a", 2);
        let b = entry("00000000-0000-0000-0000-00000000000b", 1);
        let expected: Hash = Sha256::digest(
            "00000000-0000-0000-0000-00000000000a:2\n00000000-0000-0000-0000-00000000000b:1\n",
        )
        .into();
        assert_eq!(entries_digest(&[b, a]), expected);
        assert_eq!(
            entries_digest(&[a, b]),
            expected,
            "whatever the order given"
        );
        assert_ne!(entries_digest(&[a]), expected);
        assert_ne!(
            entries_digest(&[entry("00000000-0000-0000-0000-00000000000a", 1), b]),
            expected
        );
    }

    #[test]
    fn seed_and_rank_hash_their_parts_in_order() {
        let digest = [1; 32];
        let mut both = vec![7; 32];
        both.extend([1; 32]);
        let expected_seed: Hash = Sha256::digest(&both).into();
        assert_eq!(seed(&secret(), &digest), expected_seed);

        let id = entry("00000000-0000-0000-0000-00000000000a", 1).id;
        let mut text = expected_seed.to_vec();
        text.extend(b"00000000-0000-0000-0000-00000000000a");
        assert_eq!(
            rank(&expected_seed, id),
            <Hash>::from(Sha256::digest(&text))
        );
    }

    #[test]
    fn entries_win_in_rank_order_passing_over_one_that_does_not_fit() {
        let entries: Vec<DrawEntry> = (1..=40u32)
            .map(|n| entry(&format!("00000000-0000-0000-0000-{n:012x}"), 1 + n % 3))
            .collect();
        let drawn = draw(&secret(), &entries, 20);

        assert_eq!(drawn.entries_digest, entries_digest(&entries));
        assert_eq!(drawn.seed, seed(&secret(), &drawn.entries_digest));
        assert_eq!(drawn.ranked.len(), 40);
        assert!(
            drawn
                .ranked
                .windows(2)
                .all(|pair| pair[0].rank < pair[1].rank)
        );
        let mut left = 20;
        for ranked in &drawn.ranked {
            assert_eq!(ranked.rank, rank(&drawn.seed, ranked.id));
            assert_eq!(
                ranked.won,
                ranked.places <= left,
                "{ranked:?} with {left} left"
            );
            if ranked.won {
                left -= ranked.places;
            }
        }
        assert_eq!(left, 0, "40 entries of 1 to 3 places fill 20 places");
    }

    #[test]
    fn another_secret_draws_other_winners_and_no_places_none() {
        let entries: Vec<DrawEntry> = (1..=30u32)
            .map(|n| entry(&format!("00000000-0000-0000-0000-{n:012x}"), 1))
            .collect();
        let winners = |secret: &BallotSecret, places| -> Vec<BallotEntryId> {
            draw(secret, &entries, places)
                .ranked
                .iter()
                .filter(|ranked| ranked.won)
                .map(|ranked| ranked.id)
                .collect()
        };
        assert_eq!(winners(&secret(), 10).len(), 10);
        assert_ne!(
            winners(&secret(), 10),
            winners(&BallotSecret::from_bytes([8; 32]), 10)
        );
        assert!(winners(&secret(), 0).is_empty());
        assert_eq!(winners(&secret(), 100).len(), 30, "room for all");
    }

    /// An item starting in two days whose ballot is open from an hour ago
    /// to an hour from now, with 30 minutes to claim.
    fn ballot_item() -> (Item, Timestamp) {
        let now = time::now();
        let item = balloting(
            &item_at(now + Duration::days(2)),
            now - Duration::hours(1),
            now + Duration::hours(1),
            30,
        );
        (item, now)
    }

    fn quantity(n: i64) -> Quantity {
        Quantity::parse("quantity", n).unwrap()
    }

    #[test]
    fn a_ballot_item_takes_entries_not_reservations_until_its_draw() {
        let (mut item, now) = ballot_item();
        let ballot = item.schedule.ballot().unwrap();
        assert_eq!(
            item.status(ballot.opens_at - Duration::seconds(1)),
            ProgrammeStatus::NotYetOpen
        );
        assert_eq!(item.status(ballot.opens_at), ProgrammeStatus::Ballot);
        assert_eq!(item.status(now), ProgrammeStatus::Ballot);
        assert_eq!(
            item.status(ballot.closes_at),
            ProgrammeStatus::Ballot,
            "until drawn"
        );
        let only = ReservationRefusal::BallotOnly {
            opens_at: ballot.opens_at,
            closes_at: ballot.closes_at,
        };
        assert_eq!(
            window_refusal(&item, ballot.opens_at - Duration::seconds(1)),
            Some(only)
        );
        assert_eq!(window_refusal(&item, now), Some(only));

        item.ballot_drawn_at = Some(ballot.closes_at);
        assert_eq!(item.status(now), ProgrammeStatus::Open);
        assert_eq!(window_refusal(&item, now), None);
        item.tickets_issued = item.ticket_capacity.get();
        assert_eq!(item.status(now), ProgrammeStatus::SoldOut);
    }

    #[test]
    fn entries_are_taken_from_the_opening_until_the_close() {
        let (item, _) = ballot_item();
        let ballot = item.schedule.ballot().unwrap();
        let enter = |at| check_entering(&item, Standing::default(), quantity(1), at);
        assert!(enter(ballot.opens_at - Duration::seconds(1)).is_err());
        assert_eq!(enter(ballot.opens_at), Ok(()));
        assert_eq!(enter(ballot.closes_at - Duration::seconds(1)), Ok(()));
        assert!(matches!(
            enter(ballot.closes_at),
            Err(BallotRefusal::Invalid(invalid)) if invalid.field == "itemId"
        ));
        let first_come = item_at(time::now() + Duration::days(2));
        assert!(
            check_entering(&first_come, Standing::default(), quantity(1), time::now()).is_err()
        );
        let drawn = Item {
            ballot_drawn_at: Some(ballot.opens_at),
            ..item.clone()
        };
        assert!(check_entering(&drawn, Standing::default(), quantity(1), ballot.opens_at).is_err());
    }

    #[test]
    fn an_entrant_keeps_to_the_limit_one_entry_no_overlap_and_no_block() {
        let (item, now) = ballot_item();
        let limit = item.max_tickets_per_attendee.get();
        let enter = |standing, asked: i64| check_entering(&item, standing, quantity(asked), now);
        assert_eq!(enter(Standing::default(), i64::from(limit)), Ok(()));
        assert!(matches!(
            enter(Standing::default(), i64::from(limit) + 1),
            Err(BallotRefusal::Refused(
                ReservationRefusal::LimitExceeded { .. }
            ))
        ));
        let holding_one = Standing {
            held: 1,
            ..Standing::default()
        };
        assert!(enter(holding_one, i64::from(limit)).is_err());
        assert_eq!(enter(holding_one, i64::from(limit) - 1), Ok(()));
        let entered = Standing {
            entered: true,
            ..Standing::default()
        };
        assert_eq!(enter(entered, 1), Err(BallotRefusal::AlreadyEntered));
        let overlapping = Standing {
            overlapping: true,
            ..Standing::default()
        };
        assert_eq!(
            enter(overlapping, 1),
            Err(BallotRefusal::Refused(ReservationRefusal::Overlapping))
        );
        let until = now + Duration::days(1);
        let blocked = Standing {
            blocked_until: Some(until),
            ..Standing::default()
        };
        assert_eq!(
            enter(blocked, 1),
            Err(BallotRefusal::Refused(ReservationRefusal::NoShowBlocked {
                until
            }))
        );
        let block_over = Standing {
            blocked_until: Some(now),
            ..Standing::default()
        };
        assert_eq!(enter(block_over, 1), Ok(()));
    }

    fn an_entry(item: &Item, status: EntryStatus) -> BallotEntry {
        BallotEntry {
            id: BallotEntryId::generate(),
            item_id: item.id,
            entrant_id: UserId::generate(),
            quantity: quantity(2),
            partner_id: None,
            partner_confirmed_at: None,
            status,
            claim_until: None,
            created_at: time::now(),
        }
    }

    #[test]
    fn a_partner_counts_once_confirmed_and_gets_their_own_ticket() {
        let (item, now) = ballot_item();
        let mut entry = an_entry(&item, EntryStatus::Open);
        let entrant = Name::parse("name", "Mai").unwrap();
        let partner = Name::parse("name", "Linh").unwrap();
        entry.partner_id = Some(UserId::generate());
        assert_eq!(entry.places(), 2, "not confirmed: left out");
        assert_eq!(entry.tickets(&entrant, Some(&partner), now).len(), 1);
        entry.partner_confirmed_at = Some(now);
        assert_eq!(
            entry.drawn(),
            DrawEntry {
                id: entry.id,
                places: 3
            }
        );
        let reservations = entry.tickets(&entrant, Some(&partner), now);
        assert_eq!(reservations.len(), 2);
        assert_eq!(reservations[0].holder_id, entry.entrant_id);
        assert_eq!(reservations[0].tickets.len(), 2);
        assert_eq!(reservations[1].holder_id, entry.partner_id.unwrap());
        assert_eq!(reservations[1].tickets[0].holder_name, partner);
    }

    #[test]
    fn open_entries_are_withdrawn_until_the_close_and_wins_claimed_until_their_deadline() {
        let (item, now) = ballot_item();
        let ballot = item.schedule.ballot().unwrap();
        let open = an_entry(&item, EntryStatus::Open);
        assert_eq!(check_withdrawing(&item, &open, now), Ok(()));
        assert!(check_withdrawing(&item, &open, ballot.closes_at).is_err());
        assert!(check_withdrawing(&item, &an_entry(&item, EntryStatus::Withdrawn), now).is_err());

        let until = now + Duration::minutes(30);
        let won = BallotEntry {
            claim_until: Some(until),
            ..an_entry(&item, EntryStatus::Won)
        };
        assert_eq!(check_claiming(&item, &won, until), Ok(()));
        let message = |entry: &BallotEntry| {
            check_claiming(&item, entry, until + Duration::seconds(1))
                .unwrap_err()
                .message
        };
        assert!(
            message(&won).contains("claim deadline"),
            "{}",
            message(&won)
        );
        let expired = BallotEntry {
            status: EntryStatus::Expired,
            ..won.clone()
        };
        assert!(message(&expired).contains("claim deadline"));
        let claimed = BallotEntry {
            status: EntryStatus::Claimed,
            ..won.clone()
        };
        assert!(message(&claimed).contains("claimed already"));
        let lost = BallotEntry {
            status: EntryStatus::Lost,
            claim_until: None,
            ..won.clone()
        };
        assert!(message(&lost).contains("not won"));
        for status in [
            EntryStatus::Open,
            EntryStatus::Lost,
            EntryStatus::Claimed,
            EntryStatus::Expired,
        ] {
            let entry = BallotEntry {
                status,
                ..won.clone()
            };
            assert!(check_claiming(&item, &entry, now).is_err(), "{status:?}");
        }
        let cancelled = Item {
            cancelled_at: Some(now),
            ..item.clone()
        };
        assert!(check_claiming(&cancelled, &won, now).is_err());
    }

    #[test]
    fn places_come_back_to_the_lost_entries_in_rank_order() {
        let seed = [3; 32];
        let lost: Vec<DrawEntry> = (1..=12u32)
            .map(|n| entry(&format!("00000000-0000-0000-0000-{n:012x}"), 1 + n % 2))
            .collect();
        let mut by_rank = lost.clone();
        by_rank.sort_by_key(|entry| rank(&seed, entry.id));
        let rolled = roll_down(&seed, &lost, 3);
        let mut left = 3;
        let expected: Vec<BallotEntryId> = by_rank
            .iter()
            .filter(|entry| {
                let fits = left > 0 && entry.places <= left;
                if fits {
                    left -= entry.places;
                }
                fits
            })
            .map(|entry| entry.id)
            .collect();
        assert_eq!(rolled, expected);
        assert!(roll_down(&seed, &lost, 0).is_empty());
        assert_eq!(roll_down(&seed, &lost, 100).len(), 12);
    }

    #[test]
    fn places_roll_down_only_to_people_still_within_the_limit_and_free_at_the_time() {
        let (item, now) = ballot_item();
        let limit = item.max_tickets_per_attendee.get();
        let entry = an_entry(&item, EntryStatus::Lost);
        let free = Standing::default();
        let busy = Standing {
            overlapping: true,
            ..free
        };
        let full = Standing {
            held: limit - 1,
            ..free
        };
        assert!(may_roll_down_to(&item, &entry, free, None));
        assert!(!may_roll_down_to(&item, &entry, busy, None));
        assert!(
            !may_roll_down_to(&item, &entry, full, None),
            "2 more of {limit}"
        );
        let pair = BallotEntry {
            partner_id: Some(UserId::generate()),
            partner_confirmed_at: Some(now),
            ..entry
        };
        assert!(may_roll_down_to(&item, &pair, free, Some(free)));
        assert!(
            may_roll_down_to(&item, &pair, free, Some(full)),
            "one for the partner"
        );
        assert!(!may_roll_down_to(&item, &pair, free, Some(busy)));
        assert!(!may_roll_down_to(&item, &pair, busy, Some(free)));
    }

    #[test]
    fn a_ballot_goes_back_to_first_come_only_before_its_draw_and_without_entries() {
        let (item, now) = ballot_item();
        let to_first_come = ItemChanges {
            ballot: Some(BallotChange::FirstCome),
            ..ItemChanges::default()
        };
        let later = ItemChanges {
            ballot: Some(BallotChange::Ballot {
                opens_at: None,
                closes_at: Some(now + Duration::hours(2)),
                claim: None,
            }),
            ..ItemChanges::default()
        };
        let drawn = Item {
            ballot_drawn_at: Some(now),
            ..item.clone()
        };
        assert!(to_first_come.leaves_pending_ballot(&item));
        assert!(!later.leaves_pending_ballot(&item));
        assert!(!ItemChanges::default().leaves_pending_ballot(&item));
        assert!(!to_first_come.leaves_pending_ballot(&drawn));
        assert!(!to_first_come.leaves_pending_ballot(&item_at(now)));
        assert_eq!(ItemChanges::check_leaving_ballot(0), Ok(()));
        let refused = ItemChanges::check_leaving_ballot(1).unwrap_err();
        assert_eq!(refused.field, "allocation");
        assert!(
            refused.message.contains("1 entry awaits the draw"),
            "{}",
            refused.message
        );
    }

    #[test]
    fn a_ballot_closes_after_it_opens_and_leaves_the_claims_before_the_start() {
        let (item, _) = ballot_item();
        let ballot = item.schedule.ballot().unwrap();
        let with = |ballot: BallotWindow| {
            let mut parts = item.schedule.parts();
            parts.ballot = Some(ballot);
            Schedule::new(parts).map_err(|invalid| invalid.field)
        };
        let starts_at = item.schedule.starts_at();
        assert!(with(ballot).is_ok());
        let closes_before = BallotWindow {
            closes_at: ballot.opens_at,
            ..ballot
        };
        assert_eq!(with(closes_before).unwrap_err(), "ballotClosesAt");
        let no_claim = BallotWindow {
            claim: Minutes::of(0),
            ..ballot
        };
        assert_eq!(with(no_claim).unwrap_err(), "claimMinutes");
        let just_in_time = BallotWindow {
            closes_at: starts_at - Duration::minutes(30),
            ..ballot
        };
        assert!(with(just_in_time).is_ok());
        let too_late = BallotWindow {
            closes_at: starts_at - Duration::minutes(29),
            ..ballot
        };
        assert_eq!(with(too_late).unwrap_err(), "ballotClosesAt");
    }

    #[test]
    fn a_change_of_allocation_keeps_what_it_does_not_give() {
        let (item, now) = ballot_item();
        let current = item.schedule.ballot();
        assert_eq!(BallotChange::FirstCome.merged(current), Ok(None));
        let later = BallotChange::Ballot {
            opens_at: None,
            closes_at: Some(now + Duration::hours(2)),
            claim: None,
        };
        assert_eq!(
            later.merged(current),
            Ok(Some(BallotWindow {
                closes_at: now + Duration::hours(2),
                ..current.unwrap()
            }))
        );
        assert_eq!(
            later.merged(None).map_err(|invalid| invalid.field),
            Err("ballotOpensAt".to_owned())
        );
        let whole = BallotChange::Ballot {
            opens_at: Some(now),
            closes_at: Some(now + Duration::hours(1)),
            claim: None,
        };
        assert_eq!(
            whole.merged(None),
            Ok(Some(BallotWindow {
                opens_at: now,
                closes_at: now + Duration::hours(1),
                claim: crate::catalogue::DEFAULT_CLAIM,
            }))
        );
    }

    #[test]
    fn the_secret_does_not_show_in_logs() {
        assert_eq!(format!("{:?}", secret()), "BallotSecret(…)");
    }

    #[test]
    fn stored_statuses_read_back() {
        for status in EntryStatus::ALL {
            assert_eq!(EntryStatus::from_stored(status.as_str()), Some(status));
        }
        assert_eq!(EntryStatus::from_stored("MAYBE"), None);
    }

    #[test]
    fn hashes_are_written_in_hex_and_read_back() {
        let hash = secret().commitment();
        assert_eq!(from_hex(&hex(&hash)), Some(hash));
        assert_eq!(from_hex("00"), None);
        assert_eq!(from_hex(&"zz".repeat(32)), None);
        assert_eq!(from_hex(&"é".repeat(32)), None);
    }
}
