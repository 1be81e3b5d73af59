//! No-show strikes: a festival's policy, the moment an item's strikes fall
//! due (when late entry closes; kept so that any instance finds the due
//! items with one indexed query) and when they were counted (so that they
//! are counted once), and the strikes themselves.

use sea_orm_migration::{prelude::*, schema::*};

use crate::columns::{add_columns, drop_columns, reference};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Festival {
    Table,
    Id,
    NoShowLimit,
    NoShowBlockDays,
    CancelWithoutPenaltyMinutes,
}

#[derive(DeriveIden, Clone, Copy)]
enum ProgrammeItem {
    Table,
    Id,
    StrikesDueAt,
    StrikesCountedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Account {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Ticket {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_columns(
            manager,
            Festival::Table,
            [
                integer_null(Festival::NoShowLimit),
                integer(Festival::NoShowBlockDays).default(7).take(),
                integer(Festival::CancelWithoutPenaltyMinutes)
                    .default(120)
                    .take(),
            ],
        )
        .await?;
        add_columns(
            manager,
            ProgrammeItem::Table,
            [
                timestamp_with_time_zone_null(ProgrammeItem::StrikesDueAt),
                timestamp_with_time_zone_null(ProgrammeItem::StrikesCountedAt),
            ],
        )
        .await?;
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
        drop_columns(
            manager,
            ProgrammeItem::Table,
            [ProgrammeItem::StrikesDueAt, ProgrammeItem::StrikesCountedAt],
        )
        .await?;
        drop_columns(
            manager,
            Festival::Table,
            [
                Festival::NoShowLimit,
                Festival::NoShowBlockDays,
                Festival::CancelWithoutPenaltyMinutes,
            ],
        )
        .await?;
        Ok(())
    }
}
