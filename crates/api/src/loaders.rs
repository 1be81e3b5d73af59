//! Batched lookups: every relation resolved within one request goes through
//! these, so a programme page costs one query per kind of relation rather
//! than one per item.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use usher_domain::accounts::User;
use usher_domain::attendance::ItemCounts;
use usher_domain::catalogue::{Festival, Film, Item, Venue};
use usher_domain::door::ScannerDevice;
use usher_domain::ids::{FestivalId, FilmId, ItemId, ScannerId, TicketId, UserId, VenueId};
use usher_domain::tickets::Ticket;
use usher_domain::time::Timestamp;
use usher_persistence::{Store, StoreError};

use crate::error::ApiError;

/// The batched, caching loader of one request (or one subscription
/// connection, which clears what changes before each new value).
pub type Loaders = DataLoader<StoreLoader, HashMapCache>;

/// Builds a request's loaders over `store`.
pub fn loaders(store: Store) -> Arc<Loaders> {
    Arc::new(DataLoader::with_cache(
        StoreLoader { store },
        tokio::spawn,
        HashMapCache::default(),
    ))
}

/// Loads catalogue records by id, many at a time.
pub struct StoreLoader {
    store: Store,
}

/// The counts of an item, as a loader key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CountsOf(pub ItemId);

/// The venues of a festival, as a loader key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VenuesOf(pub FestivalId);

/// The films of a festival, as a loader key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FilmsOf(pub FestivalId);

/// The number of attendees waiting for an item, as a loader key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WaitlistOf(pub ItemId);

/// When a scanner device last scanned, as a loader key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LastScanOf(pub ScannerId);

/// A failed batch, shared by every resolver that waited on it.
pub type LoadError = Arc<StoreError>;

impl From<LoadError> for ApiError {
    fn from(error: LoadError) -> Self {
        match error.as_ref() {
            StoreError::Unavailable(outage) => StoreError::Unavailable(outage.clone()).into(),
            _ => ApiError::internal(anyhow::anyhow!("batched load failed: {error}")),
        }
    }
}

fn by_id<K: std::hash::Hash + Eq, V>(rows: Vec<V>, key: impl Fn(&V) -> K) -> HashMap<K, V> {
    rows.into_iter().map(|row| (key(&row), row)).collect()
}

impl Loader<FestivalId> for StoreLoader {
    type Value = Festival;
    type Error = LoadError;

    async fn load(&self, ids: &[FestivalId]) -> Result<HashMap<FestivalId, Festival>, LoadError> {
        let rows = self.store.festivals_by_id(ids).await.map_err(Arc::new)?;
        Ok(by_id(rows, |festival| festival.id))
    }
}

impl Loader<VenueId> for StoreLoader {
    type Value = Venue;
    type Error = LoadError;

    async fn load(&self, ids: &[VenueId]) -> Result<HashMap<VenueId, Venue>, LoadError> {
        let rows = self.store.venues_by_id(ids).await.map_err(Arc::new)?;
        Ok(by_id(rows, |venue| venue.id))
    }
}

impl Loader<FilmId> for StoreLoader {
    type Value = Film;
    type Error = LoadError;

    async fn load(&self, ids: &[FilmId]) -> Result<HashMap<FilmId, Film>, LoadError> {
        let rows = self.store.films_by_id(ids).await.map_err(Arc::new)?;
        Ok(by_id(rows, |film| film.id))
    }
}

impl Loader<ItemId> for StoreLoader {
    type Value = Item;
    type Error = LoadError;

    async fn load(&self, ids: &[ItemId]) -> Result<HashMap<ItemId, Item>, LoadError> {
        let rows = self.store.items_by_id(ids).await.map_err(Arc::new)?;
        Ok(by_id(rows, |item| item.id))
    }
}

impl Loader<UserId> for StoreLoader {
    type Value = User;
    type Error = LoadError;

    async fn load(&self, ids: &[UserId]) -> Result<HashMap<UserId, User>, LoadError> {
        let rows = self.store.users_by_id(ids).await.map_err(Arc::new)?;
        Ok(by_id(rows, |user| user.id))
    }
}

impl Loader<VenuesOf> for StoreLoader {
    type Value = Vec<Venue>;
    type Error = LoadError;

    async fn load(&self, keys: &[VenuesOf]) -> Result<HashMap<VenuesOf, Vec<Venue>>, LoadError> {
        let festivals: Vec<FestivalId> = keys.iter().map(|key| key.0).collect();
        let rows = self
            .store
            .venues_of_festivals(&festivals)
            .await
            .map_err(Arc::new)?;
        let mut grouped: HashMap<VenuesOf, Vec<Venue>> =
            keys.iter().map(|&key| (key, Vec::new())).collect();
        for venue in rows {
            grouped
                .entry(VenuesOf(venue.festival_id))
                .or_default()
                .push(venue);
        }
        Ok(grouped)
    }
}

impl Loader<FilmsOf> for StoreLoader {
    type Value = Vec<Film>;
    type Error = LoadError;

    async fn load(&self, keys: &[FilmsOf]) -> Result<HashMap<FilmsOf, Vec<Film>>, LoadError> {
        let festivals: Vec<FestivalId> = keys.iter().map(|key| key.0).collect();
        let rows = self
            .store
            .films_of_festivals(&festivals)
            .await
            .map_err(Arc::new)?;
        let mut grouped: HashMap<FilmsOf, Vec<Film>> =
            keys.iter().map(|&key| (key, Vec::new())).collect();
        for film in rows {
            grouped
                .entry(FilmsOf(film.festival_id))
                .or_default()
                .push(film);
        }
        Ok(grouped)
    }
}

impl Loader<WaitlistOf> for StoreLoader {
    type Value = u32;
    type Error = LoadError;

    async fn load(&self, keys: &[WaitlistOf]) -> Result<HashMap<WaitlistOf, u32>, LoadError> {
        let items: Vec<ItemId> = keys.iter().map(|key| key.0).collect();
        let lengths = self
            .store
            .waitlist_lengths(&items)
            .await
            .map_err(Arc::new)?;
        Ok(keys
            .iter()
            .map(|&key| (key, lengths.get(&key.0).copied().unwrap_or(0)))
            .collect())
    }
}

impl Loader<TicketId> for StoreLoader {
    type Value = Ticket;
    type Error = LoadError;

    async fn load(&self, ids: &[TicketId]) -> Result<HashMap<TicketId, Ticket>, LoadError> {
        let rows = self.store.tickets_by_id(ids).await.map_err(Arc::new)?;
        Ok(by_id(rows, |ticket| ticket.id))
    }
}

impl Loader<CountsOf> for StoreLoader {
    type Value = ItemCounts;
    type Error = LoadError;

    async fn load(&self, keys: &[CountsOf]) -> Result<HashMap<CountsOf, ItemCounts>, LoadError> {
        let items: Vec<ItemId> = keys.iter().map(|key| key.0).collect();
        let mut counts = self.store.item_counts(&items).await.map_err(Arc::new)?;
        Ok(keys
            .iter()
            .map(|&key| (key, counts.remove(&key.0).unwrap_or_default()))
            .collect())
    }
}

impl Loader<ScannerId> for StoreLoader {
    type Value = ScannerDevice;
    type Error = LoadError;

    async fn load(
        &self,
        ids: &[ScannerId],
    ) -> Result<HashMap<ScannerId, ScannerDevice>, LoadError> {
        let rows = self.store.scanners_by_id(ids).await.map_err(Arc::new)?;
        Ok(by_id(rows, |scanner| scanner.id))
    }
}

impl Loader<LastScanOf> for StoreLoader {
    type Value = Timestamp;
    type Error = LoadError;

    async fn load(&self, keys: &[LastScanOf]) -> Result<HashMap<LastScanOf, Timestamp>, LoadError> {
        let devices: Vec<ScannerId> = keys.iter().map(|key| key.0).collect();
        let last = self
            .store
            .last_scans_of_scanners(&devices)
            .await
            .map_err(Arc::new)?;
        Ok(last
            .into_iter()
            .map(|(device, at)| (LastScanOf(device), at))
            .collect())
    }
}
