//! Venues and festivals as this instance read them, so that the door's
//! common path costs no query for its venue or its festival's time zone.
//!
//! A festival never changes but for its ticket settings (`updateFestival`),
//! which nothing read from here uses: it is kept once read. A venue may be
//! changed (`updateVenue`): it is kept two seconds, like the signed-in
//! users, and the instance that changes it forgets it at once, so that the
//! change shows at once there and within two seconds on the others. What
//! must hold exactly never comes from here: the door's writer reads the
//! venue's capacity in its transaction, and the rules that read a
//! festival's settings read them in the transaction that applies them.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

use usher_domain::catalogue::{Festival, Venue};
use usher_domain::ids::{FestivalId, VenueId};
use usher_persistence::Store;

use crate::error::ApiResult;
use crate::recent::Recent;

/// The venues and festivals this instance has read.
#[derive(Default)]
pub struct CatalogueCache {
    venues: Recent<VenueId, Option<Venue>>,
    festivals: RwLock<HashMap<FestivalId, Festival>>,
}

impl CatalogueCache {
    /// The venue, as read in the last two seconds or from the store.
    pub async fn venue(&self, store: &Store, id: VenueId) -> ApiResult<Option<Venue>> {
        self.venues
            .get(&id, || async {
                Ok(store.venues_by_id(&[id]).await?.into_iter().next())
            })
            .await
    }

    /// Forgets a venue this instance just changed.
    pub fn venue_changed(&self, id: VenueId) {
        self.venues.forget(&id);
    }

    /// The festival, from memory or the store.
    pub async fn festival(&self, store: &Store, id: FestivalId) -> ApiResult<Option<Festival>> {
        if let Some(festival) = self
            .festivals
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&id)
        {
            return Ok(Some(festival.clone()));
        }
        let festival = store.festivals_by_id(&[id]).await?.into_iter().next();
        if let Some(festival) = &festival {
            self.festivals
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(id, festival.clone());
        }
        Ok(festival)
    }
}
