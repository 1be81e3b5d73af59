//! Festivals, their venues and films, and the programme items that need a
//! ticket. Items carry the counters that the ticket and door rules update
//! conditionally: `tickets_issued` and `admitted`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Festival {
    Table,
    Id,
    Slug,
    Name,
    City,
    Timezone,
    Hosts,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Venue {
    Table,
    Id,
    FestivalId,
    Name,
    Address,
    Capacity,
    Gates,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Film {
    Table,
    Id,
    FestivalId,
    Title,
    OriginalTitle,
    Countries,
    Languages,
    RuntimeMinutes,
    Director,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ProgrammeItem {
    Table,
    Id,
    FestivalId,
    VenueId,
    FilmId,
    Kind,
    Title,
    StartsAt,
    EndsAt,
    TicketCapacity,
    TicketsIssued,
    Admitted,
    MaxTicketsPerAttendee,
    ReservationOpensAt,
    ReservationClosesAt,
    DoorsOpenMinutes,
    LateEntryMinutes,
    CancelledAt,
    CreatedAt,
}

fn foreign_key(
    from_table: impl IntoIden,
    from_column: impl IntoIden,
    to_table: impl IntoIden,
    to_column: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_column)
        .to(to_table, to_column)
        .on_delete(ForeignKeyAction::Restrict)
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Festival::Table)
                    .col(pk_uuid(Festival::Id))
                    .col(text_uniq(Festival::Slug))
                    .col(text(Festival::Name))
                    .col(text(Festival::City))
                    .col(text(Festival::Timezone))
                    .col(text(Festival::Hosts))
                    .col(timestamp_with_time_zone(Festival::CreatedAt))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Venue::Table)
                    .col(pk_uuid(Venue::Id))
                    .col(uuid(Venue::FestivalId))
                    .col(text(Venue::Name))
                    .col(text(Venue::Address))
                    .col(integer(Venue::Capacity).check(Expr::col(Venue::Capacity).gt(0)))
                    .col(text(Venue::Gates))
                    .col(timestamp_with_time_zone(Venue::CreatedAt))
                    .foreign_key(&mut foreign_key(
                        Venue::Table,
                        Venue::FestivalId,
                        Festival::Table,
                        Festival::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("venue_festival_id")
                    .table(Venue::Table)
                    .col(Venue::FestivalId)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Film::Table)
                    .col(pk_uuid(Film::Id))
                    .col(uuid(Film::FestivalId))
                    .col(text(Film::Title))
                    .col(text_null(Film::OriginalTitle))
                    .col(text(Film::Countries))
                    .col(text(Film::Languages))
                    .col(integer_null(Film::RuntimeMinutes))
                    .col(text_null(Film::Director))
                    .col(timestamp_with_time_zone(Film::CreatedAt))
                    .foreign_key(&mut foreign_key(
                        Film::Table,
                        Film::FestivalId,
                        Festival::Table,
                        Festival::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("film_festival_id")
                    .table(Film::Table)
                    .col(Film::FestivalId)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ProgrammeItem::Table)
                    .col(pk_uuid(ProgrammeItem::Id))
                    .col(uuid(ProgrammeItem::FestivalId))
                    .col(uuid(ProgrammeItem::VenueId))
                    .col(uuid_null(ProgrammeItem::FilmId))
                    .col(text(ProgrammeItem::Kind))
                    .col(text(ProgrammeItem::Title))
                    .col(timestamp_with_time_zone(ProgrammeItem::StartsAt))
                    .col(timestamp_with_time_zone(ProgrammeItem::EndsAt))
                    .col(integer(ProgrammeItem::TicketCapacity))
                    .col(integer(ProgrammeItem::TicketsIssued).default(0))
                    .col(integer(ProgrammeItem::Admitted).default(0))
                    .col(integer(ProgrammeItem::MaxTicketsPerAttendee))
                    .col(timestamp_with_time_zone(ProgrammeItem::ReservationOpensAt))
                    .col(timestamp_with_time_zone(ProgrammeItem::ReservationClosesAt))
                    .col(integer(ProgrammeItem::DoorsOpenMinutes))
                    .col(integer(ProgrammeItem::LateEntryMinutes))
                    .col(timestamp_with_time_zone_null(ProgrammeItem::CancelledAt))
                    .col(timestamp_with_time_zone(ProgrammeItem::CreatedAt))
                    // The capacity rule, enforced by conditional updates, backed up here.
                    .check(
                        Expr::col(ProgrammeItem::TicketsIssued).gte(0).and(
                            Expr::col(ProgrammeItem::TicketsIssued)
                                .lte(Expr::col(ProgrammeItem::TicketCapacity)),
                        ),
                    )
                    .check(Expr::col(ProgrammeItem::Admitted).gte(0))
                    .foreign_key(&mut foreign_key(
                        ProgrammeItem::Table,
                        ProgrammeItem::FestivalId,
                        Festival::Table,
                        Festival::Id,
                    ))
                    .foreign_key(&mut foreign_key(
                        ProgrammeItem::Table,
                        ProgrammeItem::VenueId,
                        Venue::Table,
                        Venue::Id,
                    ))
                    .foreign_key(&mut foreign_key(
                        ProgrammeItem::Table,
                        ProgrammeItem::FilmId,
                        Film::Table,
                        Film::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("programme_item_festival_start")
                    .table(ProgrammeItem::Table)
                    .col(ProgrammeItem::FestivalId)
                    .col(ProgrammeItem::StartsAt)
                    .col(ProgrammeItem::Id)
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("programme_item_venue_start")
                    .table(ProgrammeItem::Table)
                    .col(ProgrammeItem::VenueId)
                    .col(ProgrammeItem::StartsAt)
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ProgrammeItem::Table.into_iden(),
            Film::Table.into_iden(),
            Venue::Table.into_iden(),
            Festival::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        Ok(())
    }
}
