//! The catalogue: festivals, venues, films and programme items, read by
//! anyone and set up by organizers.

mod inputs;
mod nodes;

use async_graphql::{Context, ID, Object};
use usher_domain::catalogue::{
    Festival, FestivalChanges, Film, FilmChanges, Item, ItemChanges, Venue, VenueChanges,
};
use usher_domain::ids::{FestivalId, FilmId, ItemId, VenueId};
use usher_persistence::{NewFilm, NewItem, NewVenue};

use crate::error::{ApiError, ApiResult};
use crate::schema::context::{loaders, services, viewer};
use crate::schema::node::Node;
use crate::schema::scalars::parse_id;
use inputs::{
    CreateFestivalInput, CreateFilmInput, CreateItemInput, CreateVenueInput, UpdateFestivalInput,
    UpdateFilmInput, UpdateItemInput, UpdateVenueInput,
};

#[derive(Default)]
pub struct CatalogueQuery;

#[Object]
impl CatalogueQuery {
    /// Every festival, by name.
    async fn festivals(&self, ctx: &Context<'_>) -> ApiResult<Vec<Node<Festival>>> {
        let festivals = services(ctx)?.store.festivals().await?;
        Ok(festivals.into_iter().map(Node).collect())
    }

    async fn festival(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Node<Festival>>> {
        let id: FestivalId = parse_id("id", &id)?;
        Ok(loaders(ctx)?.load_one(id).await?.map(Node))
    }

    async fn festival_by_slug(
        &self,
        ctx: &Context<'_>,
        slug: String,
    ) -> ApiResult<Option<Node<Festival>>> {
        let festival = services(ctx)?.store.festival_by_slug(&slug).await?;
        Ok(festival.map(Node))
    }

    async fn venue(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Node<Venue>>> {
        let id: VenueId = parse_id("id", &id)?;
        Ok(loaders(ctx)?.load_one(id).await?.map(Node))
    }

    async fn film(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Node<Film>>> {
        let id: FilmId = parse_id("id", &id)?;
        Ok(loaders(ctx)?.load_one(id).await?.map(Node))
    }

    async fn item(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Node<Item>>> {
        let id: ItemId = parse_id("id", &id)?;
        Ok(loaders(ctx)?.load_one(id).await?.map(Node))
    }
}

#[derive(Default)]
pub struct CatalogueMutation;

async fn organized_item(ctx: &Context<'_>, item_id: &ID, field: &str) -> ApiResult<ItemId> {
    let item_id: ItemId = parse_id(field, item_id)?;
    let item = loaders(ctx)?
        .load_one(item_id)
        .await?
        .ok_or_else(|| ApiError::not_found("item"))?;
    viewer(ctx).organizer(item.festival_id)?;
    Ok(item_id)
}

#[Object]
impl CatalogueMutation {
    /// Admins only.
    async fn create_festival(
        &self,
        ctx: &Context<'_>,
        input: CreateFestivalInput,
    ) -> ApiResult<Node<Festival>> {
        viewer(ctx).festival_creator()?;
        let festival = services(ctx)?
            .store
            .create_festival(input.try_into()?)
            .await?;
        Ok(Node(festival))
    }

    /// Changes a festival's settings; organizers of the festival and admins.
    async fn update_festival(
        &self,
        ctx: &Context<'_>,
        input: UpdateFestivalInput,
    ) -> ApiResult<Node<Festival>> {
        let changes = FestivalChanges::try_from(&input)?;
        let festival_id: FestivalId = parse_id("festivalId", &input.festival_id)?;
        viewer(ctx).organizer(festival_id)?;
        Ok(Node(
            services(ctx)?
                .store
                .update_festival(festival_id, &changes)
                .await?,
        ))
    }

    async fn create_venue(
        &self,
        ctx: &Context<'_>,
        input: CreateVenueInput,
    ) -> ApiResult<Node<Venue>> {
        let new: NewVenue = input.try_into()?;
        viewer(ctx).organizer(new.festival_id)?;
        Ok(Node(services(ctx)?.store.create_venue(new).await?))
    }

    /// Changes a venue (organizers of its festival): shown at once on this
    /// instance, within two seconds on the others; the door admits up to a
    /// new capacity at once on every instance.
    async fn update_venue(
        &self,
        ctx: &Context<'_>,
        input: UpdateVenueInput,
    ) -> ApiResult<Node<Venue>> {
        let changes = VenueChanges::try_from(&input)?;
        let venue_id: VenueId = parse_id("venueId", &input.venue_id)?;
        let venue = loaders(ctx)?
            .load_one(venue_id)
            .await?
            .ok_or_else(|| ApiError::not_found("venue"))?;
        viewer(ctx).organizer(venue.festival_id)?;
        let services = services(ctx)?;
        let venue = services.store.update_venue(venue_id, &changes).await?;
        services.catalogue.venue_changed(venue_id);
        Ok(Node(venue))
    }

    async fn create_film(
        &self,
        ctx: &Context<'_>,
        input: CreateFilmInput,
    ) -> ApiResult<Node<Film>> {
        let new: NewFilm = input.try_into()?;
        viewer(ctx).organizer(new.festival_id)?;
        Ok(Node(services(ctx)?.store.create_film(new).await?))
    }

    /// Changes a film (organizers of its festival). Items whose title is
    /// the film's take its new title, in the same transaction.
    async fn update_film(
        &self,
        ctx: &Context<'_>,
        input: UpdateFilmInput,
    ) -> ApiResult<Node<Film>> {
        let changes = FilmChanges::try_from(&input)?;
        let film_id: FilmId = parse_id("filmId", &input.film_id)?;
        let film = loaders(ctx)?
            .load_one(film_id)
            .await?
            .ok_or_else(|| ApiError::not_found("film"))?;
        viewer(ctx).organizer(film.festival_id)?;
        Ok(Node(
            services(ctx)?.store.update_film(film_id, &changes).await?,
        ))
    }

    async fn create_item(
        &self,
        ctx: &Context<'_>,
        input: CreateItemInput,
    ) -> ApiResult<Node<Item>> {
        let new: NewItem = input.try_into()?;
        viewer(ctx).organizer(new.festival_id)?;
        Ok(Node(services(ctx)?.store.create_item(new).await?))
    }

    async fn update_item(
        &self,
        ctx: &Context<'_>,
        input: UpdateItemInput,
    ) -> ApiResult<Node<Item>> {
        let changes = ItemChanges::try_from(&input)?;
        let item_id = organized_item(ctx, &input.item_id, "itemId").await?;
        Ok(Node(
            services(ctx)?.store.update_item(item_id, &changes).await?,
        ))
    }

    /// Cancels the item and all its tickets.
    async fn cancel_item(&self, ctx: &Context<'_>, item_id: ID) -> ApiResult<Node<Item>> {
        let item_id = organized_item(ctx, &item_id, "itemId").await?;
        let services = services(ctx)?;
        let item = services.store.cancel_item(item_id).await?;
        services.events.item_changed(item_id);
        Ok(Node(item))
    }
}
