//! Venues are never changed once created, nor are festivals but for their
//! ticket settings (`updateFestival`), which nothing read from here uses:
//! each instance keeps those it has read, and the door's common path then
//! costs no query for its venue or its festival's time zone. The rules that
//! do read a festival's settings read them in the transaction that applies
//! them.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{PoisonError, RwLock};

use usher_domain::catalogue::{Festival, Venue};
use usher_domain::ids::{FestivalId, VenueId};
use usher_persistence::Store;

use crate::error::ApiResult;

/// The venues and festivals this instance has read.
#[derive(Default)]
pub struct CatalogueCache {
    venues: RwLock<HashMap<VenueId, Venue>>,
    festivals: RwLock<HashMap<FestivalId, Festival>>,
}

fn cached<K: Hash + Eq + Copy, V: Clone>(map: &RwLock<HashMap<K, V>>, key: K) -> Option<V> {
    map.read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&key)
        .cloned()
}

fn keep<K: Hash + Eq, V>(map: &RwLock<HashMap<K, V>>, key: K, value: V) {
    map.write()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(key, value);
}

impl CatalogueCache {
    /// The venue, from memory or the store.
    pub async fn venue(&self, store: &Store, id: VenueId) -> ApiResult<Option<Venue>> {
        if let Some(venue) = cached(&self.venues, id) {
            return Ok(Some(venue));
        }
        let venue = store.venues_by_id(&[id]).await?.into_iter().next();
        if let Some(venue) = &venue {
            keep(&self.venues, id, venue.clone());
        }
        Ok(venue)
    }

    /// The festival, from memory or the store.
    pub async fn festival(&self, store: &Store, id: FestivalId) -> ApiResult<Option<Festival>> {
        if let Some(festival) = cached(&self.festivals, id) {
            return Ok(Some(festival));
        }
        let festival = store.festivals_by_id(&[id]).await?.into_iter().next();
        if let Some(festival) = &festival {
            keep(&self.festivals, id, festival.clone());
        }
        Ok(festival)
    }
}
