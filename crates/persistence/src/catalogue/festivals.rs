//! Festivals: creating, listing and changing them.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};
use usher_domain::catalogue::{Festival, FestivalChanges};
use usher_domain::ids::FestivalId;
use usher_domain::input::Label;
use usher_domain::time;

use super::NewFestival;
use crate::entities::festival;
use crate::error::{StoreError, on_unique_violation};
use crate::rows::{convert_all, in_list, stored_count, to_json};
use crate::store::Store;

impl Store {
    /// Creates a festival; its slug must be new.
    #[tracing::instrument(level = "debug", skip_all, fields(slug = new.slug.as_str()), err(level = "debug"))]
    pub async fn create_festival(&self, new: NewFestival) -> Result<Festival, StoreError> {
        let slug = new.slug.as_str().to_owned();
        let row = festival::ActiveModel {
            id: Set(FestivalId::generate().as_uuid()),
            slug: Set(slug.clone()),
            name: Set(new.name.into_string()),
            city: Set(new.city.into_string()),
            timezone: Set(new.timezone.name().to_owned()),
            hosts: Set(to_json(new.hosts.iter().map(Label::as_str))),
            created_at: Set(time::now()),
            allow_overlapping_tickets: Set(new.allow_overlapping_tickets),
            min_account_age_minutes: Set(new
                .min_account_age
                .map(|age| stored_count(age.minutes()))),
            no_show_limit: Set(new.no_shows.limit.map(|limit| stored_count(limit.get()))),
            no_show_block_days: Set(stored_count(new.no_shows.block_days.get())),
            cancel_without_penalty_minutes: Set(stored_count(
                new.no_shows.cancel_without_penalty.get(),
            )),
        }
        .insert(&self.db)
        .await
        .map_err(|error| {
            on_unique_violation(error, || {
                format!("a festival with slug '{slug}' already exists")
            })
        })?;
        row.try_into()
    }

    /// Every festival, by name.
    #[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
    pub async fn festivals(&self) -> Result<Vec<Festival>, StoreError> {
        let rows = festival::Entity::find()
            .order_by_asc(festival::Column::Name)
            .all(&self.db)
            .await?;
        convert_all(rows)
    }

    /// The festivals with these ids.
    #[tracing::instrument(level = "debug", skip_all, fields(count = ids.len()), err(level = "debug"))]
    pub async fn festivals_by_id(&self, ids: &[FestivalId]) -> Result<Vec<Festival>, StoreError> {
        let rows = festival::Entity::find()
            .filter(festival::Column::Id.is_in(in_list(ids.iter().copied())))
            .all(&self.db)
            .await?;
        convert_all(rows)
    }

    /// Changes a festival's settings.
    #[tracing::instrument(level = "debug", skip_all, fields(festival = %festival_id), err(level = "debug"))]
    pub async fn update_festival(
        &self,
        festival_id: FestivalId,
        changes: &FestivalChanges,
    ) -> Result<Festival, StoreError> {
        use festival::Column;

        if let Some(min_age) = changes.min_account_age {
            festival::Entity::update_many()
                .col_expr(
                    Column::MinAccountAgeMinutes,
                    Expr::val(min_age.map(|age| stored_count(age.minutes()))),
                )
                .filter(Column::Id.eq(festival_id.as_uuid()))
                .exec(&self.db)
                .await?;
        }
        let current: Festival = festival::Entity::find_by_id(festival_id.as_uuid())
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound("festival"))?
            .try_into()?;
        let no_shows = changes.no_shows_of(current.no_shows);
        if no_shows != current.no_shows {
            festival::Entity::update_many()
                .col_expr(
                    Column::NoShowLimit,
                    Expr::val(no_shows.limit.map(|limit| stored_count(limit.get()))),
                )
                .col_expr(
                    Column::NoShowBlockDays,
                    Expr::val(stored_count(no_shows.block_days.get())),
                )
                .col_expr(
                    Column::CancelWithoutPenaltyMinutes,
                    Expr::val(stored_count(no_shows.cancel_without_penalty.get())),
                )
                .filter(Column::Id.eq(festival_id.as_uuid()))
                .exec(&self.db)
                .await?;
        }
        Ok(Festival {
            no_shows,
            ..current
        })
    }

    /// The festival with this slug.
    #[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
    pub async fn festival_by_slug(&self, slug: &str) -> Result<Option<Festival>, StoreError> {
        festival::Entity::find()
            .filter(festival::Column::Slug.eq(slug.trim()))
            .one(&self.db)
            .await?
            .map(Festival::try_from)
            .transpose()
    }

    pub(super) async fn require_festival(&self, festival_id: FestivalId) -> Result<(), StoreError> {
        let found = festival::Entity::find_by_id(festival_id.as_uuid())
            .count(&self.db)
            .await?;
        if found == 0 {
            return Err(StoreError::NotFound("festival"));
        }
        Ok(())
    }
}
