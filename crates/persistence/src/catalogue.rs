//! Festivals, venues, films and programme items.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use usher_domain::catalogue::{
    Festival, FestivalChanges, Film, FilmChanges, Item, ItemChanges, ProgrammeKind, Schedule,
    ScheduleParts, Venue, VenueChanges,
};
use usher_domain::ids::{FestivalId, FilmId, ItemId, VenueId};
use usher_domain::input::{
    Address, Capacity, CountryCode, InvalidInput, Label, MinAccountAge, Minutes, Name, Slug,
    TicketLimit, Timezone,
};
use usher_domain::tickets::TicketStatus;
use usher_domain::time::{self, Timestamp};
use usher_domain::wording;

use crate::entities::{festival, film, programme_item, ticket, venue};
use crate::error::{StoreError, corrupt, on_unique_violation};
use crate::rows::{convert_all, count, from_json, in_list, stored, stored_count, to_json};
use crate::store::{Store, commit};
use crate::tickets::{close_waitlist, promote_waitlist};

/// A festival to create.
#[derive(Debug, Clone)]
pub struct NewFestival {
    /// URL-safe short name, unique.
    pub slug: Slug,
    /// Full name.
    pub name: Name,
    /// City.
    pub city: Name,
    /// Time zone of its dates.
    pub timezone: Timezone,
    /// Co-hosting organisations.
    pub hosts: Vec<Label>,
    /// Whether attendees may hold tickets for overlapping items.
    pub allow_overlapping_tickets: bool,
    /// How old an account must be to reserve the items that ask for it.
    pub min_account_age: Option<MinAccountAge>,
}

/// A venue to create.
#[derive(Debug, Clone)]
pub struct NewVenue {
    /// The festival it belongs to.
    pub festival_id: FestivalId,
    /// Its name.
    pub name: Name,
    /// Its address.
    pub address: Address,
    /// People admitted at once.
    pub capacity: Capacity,
    /// Its gates.
    pub gates: Vec<Label>,
}

/// A film to create.
#[derive(Debug, Clone)]
pub struct NewFilm {
    /// The festival it belongs to.
    pub festival_id: FestivalId,
    /// Programme title.
    pub title: Name,
    /// Original title.
    pub original_title: Option<Name>,
    /// Countries of production.
    pub countries: Vec<CountryCode>,
    /// Spoken languages.
    pub languages: Vec<Label>,
    /// Running time.
    pub runtime_minutes: Option<u32>,
    /// Director.
    pub director: Option<Name>,
}

/// A programme item to create.
#[derive(Debug, Clone)]
pub struct NewItem {
    /// The festival it belongs to.
    pub festival_id: FestivalId,
    /// Where it happens; must be a venue of the festival.
    pub venue_id: VenueId,
    /// The film it shows; must be a film of the festival.
    pub film_id: Option<FilmId>,
    /// Kind of item.
    pub kind: ProgrammeKind,
    /// Title; the film's title when absent.
    pub title: Option<Name>,
    /// Its times.
    pub schedule: Schedule,
    /// Tickets to issue; the venue's capacity when absent.
    pub ticket_capacity: Option<Capacity>,
    /// Per-attendee limit.
    pub max_tickets_per_attendee: TicketLimit,
    /// Whether the festival's account-age brake applies.
    pub requires_settled_account: bool,
}

/// Which items of a festival's programme to list, in order of start time
/// and then id.
#[derive(Debug, Clone, Default)]
pub struct ProgrammeQuery {
    /// Only this kind.
    pub kind: Option<ProgrammeKind>,
    /// Only at this venue.
    pub venue_id: Option<VenueId>,
    /// Only showing this film.
    pub film_id: Option<FilmId>,
    /// Only starting at or after this moment.
    pub starts_after: Option<Timestamp>,
    /// Only starting before this moment.
    pub starts_before: Option<Timestamp>,
    /// Only items whose status is OPEN at `now`.
    pub only_available_at: Option<Timestamp>,
    /// Only items after this (start, id) position.
    pub after: Option<(Timestamp, ItemId)>,
    /// At most this many items.
    pub first: u64,
}

/// One page of a list.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The rows of this page.
    pub rows: Vec<T>,
    /// Whether more rows follow.
    pub has_next_page: bool,
    /// Rows matching the filter, on all pages.
    pub total_count: u64,
}

impl TryFrom<festival::Model> for Festival {
    type Error = StoreError;

    fn try_from(row: festival::Model) -> Result<Self, StoreError> {
        const T: &str = "festival";
        Ok(Self {
            id: row.id.into(),
            slug: stored(T, Slug::parse("slug", &row.slug))?,
            name: stored(T, Name::parse("name", &row.name))?,
            city: stored(T, Name::parse("city", &row.city))?,
            timezone: stored(T, Timezone::parse("timezone", &row.timezone))?,
            hosts: from_json(T, &row.hosts)?
                .iter()
                .map(|host| stored(T, Label::parse("hosts", host)))
                .collect::<Result<_, _>>()?,
            allow_overlapping_tickets: row.allow_overlapping_tickets,
            min_account_age: stored_min_account_age(row.min_account_age_minutes)?,
        })
    }
}

impl TryFrom<venue::Model> for Venue {
    type Error = StoreError;

    fn try_from(row: venue::Model) -> Result<Self, StoreError> {
        const T: &str = "venue";
        Ok(Self {
            id: row.id.into(),
            festival_id: row.festival_id.into(),
            name: stored(T, Name::parse("name", &row.name))?,
            address: stored(T, Address::parse("address", &row.address))?,
            capacity: stored(T, Capacity::parse("capacity", row.capacity.into()))?,
            gates: from_json(T, &row.gates)?
                .iter()
                .map(|gate| stored(T, Label::parse("gates", gate)))
                .collect::<Result<_, _>>()?,
        })
    }
}

impl TryFrom<film::Model> for Film {
    type Error = StoreError;

    fn try_from(row: film::Model) -> Result<Self, StoreError> {
        const T: &str = "film";
        Ok(Self {
            id: row.id.into(),
            festival_id: row.festival_id.into(),
            title: stored(T, Name::parse("title", &row.title))?,
            original_title: row
                .original_title
                .map(|title| stored(T, Name::parse("originalTitle", &title)))
                .transpose()?,
            countries: from_json(T, &row.countries)?
                .iter()
                .map(|code| stored(T, CountryCode::parse("countries", code)))
                .collect::<Result<_, _>>()?,
            languages: from_json(T, &row.languages)?
                .iter()
                .map(|language| stored(T, Label::parse("languages", language)))
                .collect::<Result<_, _>>()?,
            runtime_minutes: row
                .runtime_minutes
                .map(|minutes| count(T, minutes))
                .transpose()?,
            director: row
                .director
                .map(|director| stored(T, Name::parse("director", &director)))
                .transpose()?,
        })
    }
}

impl TryFrom<programme_item::Model> for Item {
    type Error = StoreError;

    fn try_from(row: programme_item::Model) -> Result<Self, StoreError> {
        const T: &str = "programme_item";
        let schedule = Schedule::new(ScheduleParts {
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            reservation_opens_at: row.reservation_opens_at,
            reservation_closes_at: row.reservation_closes_at,
            doors_open: stored(
                T,
                Minutes::parse("doorsOpenMinutes", row.doors_open_minutes.into()),
            )?,
            late_entry: stored(
                T,
                Minutes::parse("lateEntryMinutes", row.late_entry_minutes.into()),
            )?,
        });
        Ok(Self {
            id: row.id.into(),
            festival_id: row.festival_id.into(),
            venue_id: row.venue_id.into(),
            film_id: row.film_id.map(FilmId::from),
            kind: ProgrammeKind::from_stored(&row.kind)
                .ok_or_else(|| corrupt(T, format!("unknown kind {}", row.kind)))?,
            title: stored(T, Name::parse("title", &row.title))?,
            schedule: stored(T, schedule)?,
            ticket_capacity: stored(
                T,
                Capacity::parse("ticketCapacity", row.ticket_capacity.into()),
            )?,
            tickets_issued: count(T, row.tickets_issued)?,
            admitted: count(T, row.admitted)?,
            max_tickets_per_attendee: stored(
                T,
                TicketLimit::parse("maxTicketsPerAttendee", row.max_tickets_per_attendee.into()),
            )?,
            cancelled_at: row.cancelled_at,
            requires_settled_account: row.requires_settled_account,
        })
    }
}

/// A festival's account-age brake as stored: null when off.
pub(crate) fn stored_min_account_age(
    minutes: Option<i32>,
) -> Result<Option<MinAccountAge>, StoreError> {
    Ok(minutes
        .map(|minutes| {
            stored(
                "festival",
                MinAccountAge::parse("minAccountAgeMinutes", minutes.into()),
            )
        })
        .transpose()?
        .flatten())
}

/// The item with this id, as the connection (or transaction) sees it.
pub(crate) async fn load_item(
    db: &impl ConnectionTrait,
    item_id: ItemId,
) -> Result<Item, StoreError> {
    programme_item::Entity::find_by_id(item_id.as_uuid())
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("item"))?
        .try_into()
}

/// The items with these ids, their rows locked for the transaction `db`
/// (in id order, as every transaction locks them), by id.
pub(crate) async fn lock_items(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = ItemId>,
) -> Result<HashMap<ItemId, Item>, StoreError> {
    let rows = programme_item::Entity::find()
        .filter(programme_item::Column::Id.is_in(in_list(ids)))
        .order_by_asc(programme_item::Column::Id)
        .lock_exclusive()
        .all(db)
        .await?;
    Ok(convert_all::<_, Item>(rows)?
        .into_iter()
        .map(|item| (item.id, item))
        .collect())
}

/// The venue with this id.
pub(crate) async fn load_venue(
    db: &impl ConnectionTrait,
    venue_id: VenueId,
) -> Result<Venue, StoreError> {
    venue::Entity::find_by_id(venue_id.as_uuid())
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("venue"))?
        .try_into()
}

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
        festival::Entity::find_by_id(festival_id.as_uuid())
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound("festival"))?
            .try_into()
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

    /// Creates a programme item at a venue of the festival, showing a film of
    /// the festival.
    #[tracing::instrument(level = "debug", skip_all, fields(festival = %new.festival_id), err(level = "debug"))]
    pub async fn create_item(&self, new: NewItem) -> Result<Item, StoreError> {
        let venue = self
            .venues_by_id(&[new.venue_id])
            .await?
            .into_iter()
            .find(|venue| venue.festival_id == new.festival_id)
            .ok_or(StoreError::NotFound("venue"))?;
        let film = match new.film_id {
            Some(film_id) => Some(
                self.films_by_id(&[film_id])
                    .await?
                    .into_iter()
                    .find(|film| film.festival_id == new.festival_id)
                    .ok_or(StoreError::NotFound("film"))?,
            ),
            None => None,
        };
        let title = match (new.title, &film) {
            (Some(title), _) => title,
            (None, Some(film)) => film.title.clone(),
            (None, None) => {
                return Err(InvalidInput::new("title", "is needed when no film is given").into());
            }
        };
        let parts = new.schedule.parts();
        let capacity = new.ticket_capacity.unwrap_or(venue.capacity);
        let row = programme_item::ActiveModel {
            id: Set(ItemId::generate().as_uuid()),
            festival_id: Set(new.festival_id.as_uuid()),
            venue_id: Set(venue.id.as_uuid()),
            film_id: Set(film.map(|film| film.id.as_uuid())),
            kind: Set(new.kind.as_str().to_owned()),
            title: Set(title.into_string()),
            starts_at: Set(parts.starts_at),
            ends_at: Set(parts.ends_at),
            ticket_capacity: Set(stored_count(capacity.get())),
            tickets_issued: Set(0),
            admitted: Set(0),
            max_tickets_per_attendee: Set(stored_count(new.max_tickets_per_attendee.get())),
            reservation_opens_at: Set(parts.reservation_opens_at),
            reservation_closes_at: Set(parts.reservation_closes_at),
            doors_open_minutes: Set(stored_count(parts.doors_open.get())),
            late_entry_minutes: Set(stored_count(parts.late_entry.get())),
            cancelled_at: Set(None),
            created_at: Set(time::now()),
            requires_settled_account: Set(new.requires_settled_account),
        }
        .insert(&self.db)
        .await?;
        row.try_into()
    }

    /// The items with these ids.
    #[tracing::instrument(level = "debug", skip_all, fields(count = ids.len()), err(level = "debug"))]
    pub async fn items_by_id(&self, ids: &[ItemId]) -> Result<Vec<Item>, StoreError> {
        let rows = programme_item::Entity::find()
            .filter(programme_item::Column::Id.is_in(in_list(ids.iter().copied())))
            .all(&self.db)
            .await?;
        convert_all(rows)
    }

    /// One page of a festival's programme.
    #[tracing::instrument(level = "debug", skip_all, fields(festival = %festival_id), err(level = "debug"))]
    pub async fn programme(
        &self,
        festival_id: FestivalId,
        query: &ProgrammeQuery,
    ) -> Result<Page<Item>, StoreError> {
        use programme_item::Column;

        let mut filter = Condition::all().add(Column::FestivalId.eq(festival_id.as_uuid()));
        if let Some(kind) = query.kind {
            filter = filter.add(Column::Kind.eq(kind.as_str()));
        }
        if let Some(venue_id) = query.venue_id {
            filter = filter.add(Column::VenueId.eq(venue_id.as_uuid()));
        }
        if let Some(film_id) = query.film_id {
            filter = filter.add(Column::FilmId.eq(film_id.as_uuid()));
        }
        if let Some(after) = query.starts_after {
            filter = filter.add(Column::StartsAt.gte(after));
        }
        if let Some(before) = query.starts_before {
            filter = filter.add(Column::StartsAt.lt(before));
        }
        if let Some(now) = query.only_available_at {
            filter = filter
                .add(Column::CancelledAt.is_null())
                .add(Column::ReservationOpensAt.lte(now))
                .add(Column::ReservationClosesAt.gt(now))
                .add(Expr::col(Column::TicketsIssued).lt(Expr::col(Column::TicketCapacity)));
        }
        let total_count = programme_item::Entity::find()
            .filter(filter.clone())
            .count(&self.db)
            .await?;
        if let Some((starts_at, id)) = query.after {
            filter = filter.add(
                Condition::any().add(Column::StartsAt.gt(starts_at)).add(
                    Condition::all()
                        .add(Column::StartsAt.eq(starts_at))
                        .add(Column::Id.gt(id.as_uuid())),
                ),
            );
        }
        let mut rows = programme_item::Entity::find()
            .filter(filter)
            .order_by_asc(Column::StartsAt)
            .order_by_asc(Column::Id)
            .limit(query.first + 1)
            .all(&self.db)
            .await?;
        let has_next_page = rows.len() as u64 > query.first;
        rows.truncate(usize::try_from(query.first).unwrap_or(usize::MAX));
        Ok(Page {
            rows: convert_all(rows)?,
            has_next_page,
            total_count,
        })
    }

    /// Changes an item's capacity, limit or times. The capacity may not fall
    /// below the tickets already issued; the conditional update makes that
    /// hold against concurrent reservations.
    #[tracing::instrument(level = "debug", skip_all, fields(item = %item_id), err(level = "debug"))]
    pub async fn update_item(
        &self,
        item_id: ItemId,
        changes: &ItemChanges,
    ) -> Result<Item, StoreError> {
        self.write(|| self.update_item_once(item_id, changes)).await
    }

    async fn update_item_once(
        &self,
        item_id: ItemId,
        changes: &ItemChanges,
    ) -> Result<Item, StoreError> {
        use programme_item::Column;

        let transaction = self.begin_write().await?;
        let current: Item = programme_item::Entity::find_by_id(item_id.as_uuid())
            .lock_exclusive()
            .one(&transaction)
            .await?
            .ok_or(StoreError::NotFound("item"))?
            .try_into()?;
        let schedule = changes.apply_to(&current.schedule)?.parts();
        let capacity = changes.ticket_capacity.unwrap_or(current.ticket_capacity);
        let limit = changes
            .max_tickets_per_attendee
            .unwrap_or(current.max_tickets_per_attendee);
        let capacity_value = stored_count(capacity.get());
        let updated = programme_item::Entity::update_many()
            .col_expr(Column::TicketCapacity, Expr::val(capacity_value))
            .col_expr(
                Column::MaxTicketsPerAttendee,
                Expr::val(stored_count(limit.get())),
            )
            .col_expr(Column::StartsAt, Expr::val(schedule.starts_at))
            .col_expr(Column::EndsAt, Expr::val(schedule.ends_at))
            .col_expr(
                Column::ReservationOpensAt,
                Expr::val(schedule.reservation_opens_at),
            )
            .col_expr(
                Column::ReservationClosesAt,
                Expr::val(schedule.reservation_closes_at),
            )
            .col_expr(
                Column::RequiresSettledAccount,
                Expr::val(
                    changes
                        .requires_settled_account
                        .unwrap_or(current.requires_settled_account),
                ),
            )
            .filter(Column::Id.eq(item_id.as_uuid()))
            .filter(Column::TicketsIssued.lte(capacity_value))
            .exec(&transaction)
            .await?;
        if updated.rows_affected == 0 {
            transaction.rollback().await?;
            return Err(InvalidInput::new(
                "ticketCapacity",
                format!(
                    "cannot be below the {} already issued",
                    wording::count(current.tickets_issued, "ticket", "tickets")
                ),
            )
            .into());
        }
        promote_waitlist(&transaction, item_id, time::now()).await?;
        let item = load_item(&transaction, item_id).await?;
        commit(transaction).await?;
        Ok(item)
    }

    /// Cancels an item with all its active tickets and its waitlist;
    /// cancelling it again changes nothing.
    #[tracing::instrument(level = "debug", skip_all, fields(item = %item_id), err(level = "debug"))]
    pub async fn cancel_item(&self, item_id: ItemId) -> Result<Item, StoreError> {
        self.write(|| self.cancel_item_once(item_id)).await
    }

    async fn cancel_item_once(&self, item_id: ItemId) -> Result<Item, StoreError> {
        use programme_item::Column;

        let now = time::now();
        let transaction = self.begin_write().await?;
        let cancelled = programme_item::Entity::update_many()
            .col_expr(Column::CancelledAt, Expr::val(now))
            .filter(Column::Id.eq(item_id.as_uuid()))
            .filter(Column::CancelledAt.is_null())
            .exec(&transaction)
            .await?;
        if cancelled.rows_affected == 1 {
            let tickets = ticket::Entity::update_many()
                .col_expr(
                    ticket::Column::Status,
                    Expr::val(TicketStatus::Cancelled.as_str()),
                )
                .col_expr(ticket::Column::CancelledAt, Expr::val(now))
                .filter(ticket::Column::ItemId.eq(item_id.as_uuid()))
                .filter(ticket::Column::Status.eq(TicketStatus::Active.as_str()))
                .exec(&transaction)
                .await?;
            let freed = i32::try_from(tickets.rows_affected).unwrap_or(i32::MAX);
            programme_item::Entity::update_many()
                .col_expr(
                    Column::TicketsIssued,
                    Expr::col(Column::TicketsIssued).sub(freed),
                )
                .filter(Column::Id.eq(item_id.as_uuid()))
                .exec(&transaction)
                .await?;
            close_waitlist(&transaction, item_id, now).await?;
        }
        let item = load_item(&transaction, item_id).await?;
        commit(transaction).await?;
        Ok(item)
    }

    async fn require_festival(&self, festival_id: FestivalId) -> Result<(), StoreError> {
        let found = festival::Entity::find_by_id(festival_id.as_uuid())
            .count(&self.db)
            .await?;
        if found == 0 {
            return Err(StoreError::NotFound("festival"));
        }
        Ok(())
    }
}
