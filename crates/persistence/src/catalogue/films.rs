//! Films: creating, listing and changing them.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use usher_domain::catalogue::{Film, FilmChanges};
use usher_domain::ids::{FestivalId, FilmId};
use usher_domain::input::{CountryCode, Label, Name};
use usher_domain::time;

use super::NewFilm;
use crate::entities::{film, programme_item};
use crate::error::StoreError;
use crate::rows::{convert_all, in_list, stored_count, to_json};
use crate::store::Store;
use crate::transaction::commit;

impl Store {
    /// Creates a film of an existing festival.
    #[tracing::instrument(level = "debug", skip_all, fields(festival = %new.festival_id), err(level = "debug"))]
    pub async fn create_film(&self, new: NewFilm) -> Result<Film, StoreError> {
        self.require_festival(new.festival_id).await?;
        let row = film::ActiveModel {
            id: Set(FilmId::generate().as_uuid()),
            festival_id: Set(new.festival_id.as_uuid()),
            title: Set(new.title.into_string()),
            original_title: Set(new.original_title.map(Name::into_string)),
            countries: Set(to_json(new.countries.iter().map(CountryCode::as_str))),
            languages: Set(to_json(new.languages.iter().map(Label::as_str))),
            runtime_minutes: Set(new.runtime_minutes.map(stored_count)),
            director: Set(new.director.map(Name::into_string)),
            created_at: Set(time::now()),
        }
        .insert(&self.db)
        .await?;
        row.try_into()
    }

    /// Changes a film's details. Its items whose title is the film's (as
    /// when created without one) take the new title, in the same
    /// transaction; items with a title of their own keep it.
    #[tracing::instrument(level = "debug", skip_all, fields(film = %film_id), err(level = "debug"))]
    pub async fn update_film(
        &self,
        film_id: FilmId,
        changes: &FilmChanges,
    ) -> Result<Film, StoreError> {
        self.write(|| self.update_film_once(film_id, changes)).await
    }

    async fn update_film_once(
        &self,
        film_id: FilmId,
        changes: &FilmChanges,
    ) -> Result<Film, StoreError> {
        use film::Column;

        let transaction = self.begin_write().await?;
        let current: Film = film::Entity::find_by_id(film_id.as_uuid())
            .lock_exclusive()
            .one(&transaction)
            .await?
            .ok_or(StoreError::NotFound("film"))?
            .try_into()?;
        let film = changes.apply_to(&current);
        film::Entity::update_many()
            .col_expr(Column::Title, Expr::val(film.title.as_str()))
            .col_expr(
                Column::OriginalTitle,
                Expr::val(film.original_title.as_ref().map(Name::as_str)),
            )
            .col_expr(
                Column::Countries,
                Expr::val(to_json(film.countries.iter().map(CountryCode::as_str))),
            )
            .col_expr(
                Column::Languages,
                Expr::val(to_json(film.languages.iter().map(Label::as_str))),
            )
            .col_expr(
                Column::RuntimeMinutes,
                Expr::val(film.runtime_minutes.map(stored_count)),
            )
            .col_expr(
                Column::Director,
                Expr::val(film.director.as_ref().map(Name::as_str)),
            )
            .filter(Column::Id.eq(film_id.as_uuid()))
            .exec(&transaction)
            .await?;
        if film.title != current.title {
            programme_item::Entity::update_many()
                .col_expr(
                    programme_item::Column::Title,
                    Expr::val(film.title.as_str()),
                )
                .filter(programme_item::Column::FilmId.eq(film_id.as_uuid()))
                .filter(programme_item::Column::Title.eq(current.title.as_str()))
                .exec(&transaction)
                .await?;
        }
        commit(transaction).await?;
        Ok(film)
    }

    /// The films with these ids.
    #[tracing::instrument(level = "debug", skip_all, fields(count = ids.len()), err(level = "debug"))]
    pub async fn films_by_id(&self, ids: &[FilmId]) -> Result<Vec<Film>, StoreError> {
        let rows = film::Entity::find()
            .filter(film::Column::Id.is_in(in_list(ids.iter().copied())))
            .all(&self.db)
            .await?;
        convert_all(rows)
    }

    /// Every film of these festivals, by title, whether programmed or not.
    #[tracing::instrument(level = "debug", skip_all, fields(count = festivals.len()), err(level = "debug"))]
    pub async fn films_of_festivals(
        &self,
        festivals: &[FestivalId],
    ) -> Result<Vec<Film>, StoreError> {
        let rows = film::Entity::find()
            .filter(film::Column::FestivalId.is_in(in_list(festivals.iter().copied())))
            .order_by_asc(film::Column::Title)
            .order_by_asc(film::Column::Id)
            .all(&self.db)
            .await?;
        convert_all(rows)
    }
}
