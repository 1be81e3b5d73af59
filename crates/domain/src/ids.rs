//! Identifiers: `Copy` newtypes over UUIDs, so that a venue id can never be
//! passed where a film id is expected.

use std::fmt;
use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Uuid);

        impl $name {
            /// A new, time-ordered id.
            pub fn generate() -> Self {
                Self(Uuid::now_v7())
            }

            /// The UUID behind the id.
            pub fn as_uuid(self) -> Uuid {
                self.0
            }
        }

        impl $name {
            /// The 22-character base64url form of the id's 16 bytes, as in ticket codes.
            pub fn compact(self) -> String {
                URL_SAFE_NO_PAD.encode(self.0.as_bytes())
            }

            /// The id from its compact form.
            pub fn from_compact(text: &str) -> Option<Self> {
                if text.len() != 22 {
                    return None;
                }
                let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
                Uuid::from_slice(&bytes).ok().map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Uuid::try_parse(text.trim()).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(
    /// A festival.
    FestivalId,
    /// A venue of a festival.
    VenueId,
    /// A film of a festival's catalogue.
    FilmId,
    /// A screening, forum, concert or other programme item.
    ItemId,
    /// A user account.
    UserId,
    /// A login: the refresh tokens rotated from one sign-in, and the access tokens issued with them.
    SessionId,
    /// A role granted to a user.
    GrantId,
    /// A ticket: one person, one programme item.
    TicketId,
    /// The tickets reserved together in one request.
    ReservationId,
    /// A place in an item's waitlist.
    WaitlistEntryId,
    /// A numbered place in an item's standby line at the door.
    StandbyPlaceId,
    /// An attendee's entry (alone or with a partner) in an item's ballot.
    BallotEntryId,
    /// One scan at a door, admitted or refused.
    ScanId,
    /// A no-show strike against a ticket's holder.
    NoShowId,
    /// A scanner device's token, issued for one venue.
    ScannerId,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_ids_are_22_characters_and_round_trip() {
        let id = TicketId::generate();
        let compact = id.compact();
        assert_eq!(compact.len(), 22);
        assert_eq!(TicketId::from_compact(&compact), Some(id));
        assert_eq!(TicketId::from_compact("too-short"), None);
        assert_eq!(TicketId::from_compact("!!!!!!!!!!!!!!!!!!!!!!"), None);
    }
}
