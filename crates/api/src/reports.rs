//! The attendance report of a festival, shared by GraphQL and the CSV
//! export: five queries whatever the number of items.

use std::collections::HashMap;

use usher_domain::attendance::{Attendance, ReportItem};
use usher_domain::catalogue::{Film, Item, Venue};
use usher_domain::ids::{FestivalId, FilmId, VenueId};
use usher_domain::time;
use usher_persistence::{Store, StoreError};

/// The items of a festival that a viewer may see, with their venues, films
/// and attendance.
pub struct FestivalReport {
    /// The items, by start time.
    pub items: Vec<Item>,
    venues: HashMap<VenueId, Venue>,
    films: HashMap<FilmId, Film>,
    attendance: Vec<Attendance>,
}

impl FestivalReport {
    /// Reads the report of the items of `festival_id` that `visible` lets through.
    pub async fn load(
        store: &Store,
        festival_id: FestivalId,
        visible: impl Fn(&Item) -> bool,
    ) -> Result<Self, StoreError> {
        let items: Vec<Item> = store
            .items_of_festival(festival_id)
            .await?
            .into_iter()
            .filter(|item| visible(item))
            .collect();
        let venues: HashMap<VenueId, Venue> = store
            .venues_of_festivals(&[festival_id])
            .await?
            .into_iter()
            .map(|venue| (venue.id, venue))
            .collect();
        let film_ids: Vec<FilmId> = items.iter().filter_map(|item| item.film_id).collect();
        let films: HashMap<FilmId, Film> = store
            .films_by_id(&film_ids)
            .await?
            .into_iter()
            .map(|film| (film.id, film))
            .collect();
        let ids: Vec<_> = items.iter().map(|item| item.id).collect();
        let counts = store.item_counts(&ids).await?;
        let now = time::now();
        let attendance = items
            .iter()
            .map(|item| {
                let capacity = venues
                    .get(&item.venue_id)
                    .map_or(0, |venue| venue.capacity.get());
                Attendance::of_item(
                    item,
                    capacity,
                    counts.get(&item.id).copied().unwrap_or_default(),
                    now,
                )
            })
            .collect();
        Ok(Self {
            items,
            venues,
            films,
            attendance,
        })
    }

    /// Each item with what grouping and export need.
    pub fn rows(&self) -> Vec<ReportItem<'_>> {
        self.items
            .iter()
            .zip(&self.attendance)
            .map(|(item, attendance)| ReportItem {
                item,
                venue_name: self
                    .venues
                    .get(&item.venue_id)
                    .map_or("", |venue| venue.name.as_str()),
                film: item.film_id.and_then(|id| self.films.get(&id)),
                attendance: *attendance,
            })
            .collect()
    }
}
