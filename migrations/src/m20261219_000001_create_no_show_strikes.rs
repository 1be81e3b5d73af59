//! No-show strikes: a festival's policy, the moment an item's strikes fall
//! due (when late entry closes; kept so that any instance finds the due
//! items with one indexed query) and when they were counted (so that they
//! are counted once), and the strikes themselves.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Festival {
    Table,
    Id,
    NoShowLimit,
    NoShowBlockDays,
    CancelWithoutPenaltyMinutes,
}

#[derive(DeriveIden)]
enum ProgrammeItem {
    Table,
    Id,
    StrikesDueAt,
    StrikesCountedAt,
}

#[derive(DeriveIden)]
enum Account {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Ticket {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum NoShowStrike {
    Table,
    Id,
    AccountId,
    FestivalId,
    ItemId,
    TicketId,
    Kind,
    StruckAt,
    ForgivenAt,
    CreatedAt,
}

fn reference(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Restrict)
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for column in [
            integer_null(Festival::NoShowLimit),
            integer(Festival::NoShowBlockDays).default(7).take(),
            integer(Festival::CancelWithoutPenaltyMinutes)
                .default(120)
                .take(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Festival::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            timestamp_with_time_zone_null(ProgrammeItem::StrikesDueAt),
            timestamp_with_time_zone_null(ProgrammeItem::StrikesCountedAt),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ProgrammeItem::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("programme_item_strikes_due_at")
                    .table(ProgrammeItem::Table)
                    .col(ProgrammeItem::StrikesDueAt)
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NoShowStrike::Table)
                    .col(pk_uuid(NoShowStrike::Id))
                    .col(uuid(NoShowStrike::AccountId))
                    .col(uuid(NoShowStrike::FestivalId))
                    .col(uuid(NoShowStrike::ItemId))
                    // One strike per ticket, however many instances count.
                    .col(uuid(NoShowStrike::TicketId).unique_key())
                    .col(text(NoShowStrike::Kind))
                    .col(timestamp_with_time_zone(NoShowStrike::StruckAt))
                    .col(timestamp_with_time_zone_null(NoShowStrike::ForgivenAt))
                    .col(timestamp_with_time_zone(NoShowStrike::CreatedAt))
                    .foreign_key(&mut reference(
                        (NoShowStrike::Table, NoShowStrike::AccountId),
                        (Account::Table, Account::Id),
                    ))
                    .foreign_key(&mut reference(
                        (NoShowStrike::Table, NoShowStrike::FestivalId),
                        (Festival::Table, Festival::Id),
                    ))
                    .foreign_key(&mut reference(
                        (NoShowStrike::Table, NoShowStrike::ItemId),
                        (ProgrammeItem::Table, ProgrammeItem::Id),
                    ))
                    .foreign_key(&mut reference(
                        (NoShowStrike::Table, NoShowStrike::TicketId),
                        (Ticket::Table, Ticket::Id),
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("no_show_strike_account_festival")
                    .table(NoShowStrike::Table)
                    .col(NoShowStrike::AccountId)
                    .col(NoShowStrike::FestivalId)
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(NoShowStrike::Table).take())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("programme_item_strikes_due_at")
                    .table(ProgrammeItem::Table)
                    .to_owned(),
            )
            .await?;
        for column in [ProgrammeItem::StrikesDueAt, ProgrammeItem::StrikesCountedAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ProgrammeItem::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            Festival::NoShowLimit,
            Festival::NoShowBlockDays,
            Festival::CancelWithoutPenaltyMinutes,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Festival::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
