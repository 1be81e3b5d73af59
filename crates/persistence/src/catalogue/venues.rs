//! Venues: creating, listing and changing them.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use usher_domain::catalogue::{Venue, VenueChanges};
use usher_domain::ids::{FestivalId, VenueId};
use usher_domain::input::Label;
use usher_domain::time;

use super::NewVenue;
use crate::entities::venue;
use crate::error::StoreError;
use crate::rows::{convert_all, in_list, stored_count, to_json};
use crate::store::Store;
use crate::transaction::commit;

impl Store {
    /// Creates a venue of an existing festival.
    #[tracing::instrument(level = "debug", skip_all, fields(festival = %new.festival_id), err(level = "debug"))]
    pub async fn create_venue(&self, new: NewVenue) -> Result<Venue, StoreError> {
        self.require_festival(new.festival_id).await?;
        let row = venue::ActiveModel {
            id: Set(VenueId::generate().as_uuid()),
            festival_id: Set(new.festival_id.as_uuid()),
            name: Set(new.name.into_string()),
            address: Set(new.address.into_string()),
            capacity: Set(stored_count(new.capacity.get())),
            gates: Set(to_json(new.gates.iter().map(Label::as_str))),
            created_at: Set(time::now()),
        }
        .insert(&self.db)
        .await?;
        row.try_into()
    }

    /// Changes a venue's name, address, capacity or gates.
    #[tracing::instrument(level = "debug", skip_all, fields(venue = %venue_id), err(level = "debug"))]
    pub async fn update_venue(
        &self,
        venue_id: VenueId,
        changes: &VenueChanges,
    ) -> Result<Venue, StoreError> {
        self.write(|| self.update_venue_once(venue_id, changes))
            .await
    }

    async fn update_venue_once(
        &self,
        venue_id: VenueId,
        changes: &VenueChanges,
    ) -> Result<Venue, StoreError> {
        use venue::Column;

        let transaction = self.begin_write().await?;
        let current: Venue = venue::Entity::find_by_id(venue_id.as_uuid())
            .lock_exclusive()
            .one(&transaction)
            .await?
            .ok_or(StoreError::NotFound("venue"))?
            .try_into()?;
        let venue = changes.apply_to(&current);
        venue::Entity::update_many()
            .col_expr(Column::Name, Expr::val(venue.name.as_str()))
            .col_expr(Column::Address, Expr::val(venue.address.as_str()))
            .col_expr(
                Column::Capacity,
                Expr::val(stored_count(venue.capacity.get())),
            )
            .col_expr(
                Column::Gates,
                Expr::val(to_json(venue.gates.iter().map(Label::as_str))),
            )
            .filter(Column::Id.eq(venue_id.as_uuid()))
            .exec(&transaction)
            .await?;
        commit(transaction).await?;
        Ok(venue)
    }

    /// The venues with these ids.
    #[tracing::instrument(level = "debug", skip_all, fields(count = ids.len()), err(level = "debug"))]
    pub async fn venues_by_id(&self, ids: &[VenueId]) -> Result<Vec<Venue>, StoreError> {
        let rows = venue::Entity::find()
            .filter(venue::Column::Id.is_in(in_list(ids.iter().copied())))
            .all(&self.db)
            .await?;
        convert_all(rows)
    }

    /// The venues of these festivals, by name.
    #[tracing::instrument(level = "debug", skip_all, fields(count = festivals.len()), err(level = "debug"))]
    pub async fn venues_of_festivals(
        &self,
        festivals: &[FestivalId],
    ) -> Result<Vec<Venue>, StoreError> {
        let rows = venue::Entity::find()
            .filter(venue::Column::FestivalId.is_in(in_list(festivals.iter().copied())))
            .order_by_asc(venue::Column::Name)
            .order_by_asc(venue::Column::Id)
            .all(&self.db)
            .await?;
        convert_all(rows)
    }
}
