//! The standby line: numbered places per item, taken online by attendees or
//! at the door for walk-ups, and the item's counter that numbers them.

use sea_orm_migration::{prelude::*, schema::*};

use crate::columns::reference;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ProgrammeItem {
    Table,
    Id,
    StandbyNumbered,
    StandbyOpensMinutes,
}

#[derive(DeriveIden)]
enum Account {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum StandbyPlace {
    Table,
    Id,
    ItemId,
    Number,
    AccountId,
    WalkUpName,
    Quantity,
    Status,
    WaitingKey,
    CreatedAt,
    ClosedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The last number given in the item's line; taking a place moves it
        // by one in the transaction that inserts the place.
        manager
            .alter_table(
                Table::alter()
                    .table(ProgrammeItem::Table)
                    .add_column(integer(ProgrammeItem::StandbyNumbered).default(0))
                    .to_owned(),
            )
            .await?;
        // How long before the start the line opens (the organizer's setting).
        manager
            .alter_table(
                Table::alter()
                    .table(ProgrammeItem::Table)
                    .add_column(integer(ProgrammeItem::StandbyOpensMinutes).default(60))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StandbyPlace::Table)
                    .col(pk_uuid(StandbyPlace::Id))
                    .col(uuid(StandbyPlace::ItemId))
                    .col(integer(StandbyPlace::Number))
                    .col(uuid_null(StandbyPlace::AccountId))
                    .col(text_null(StandbyPlace::WalkUpName))
                    .col(integer(StandbyPlace::Quantity))
                    .col(text(StandbyPlace::Status))
                    // "item:account" while an attendee's place waits: one
                    // place per attendee and item. Null for walk-ups.
                    .col(text_null(StandbyPlace::WaitingKey).unique_key())
                    .col(timestamp_with_time_zone(StandbyPlace::CreatedAt))
                    .col(timestamp_with_time_zone_null(StandbyPlace::ClosedAt))
                    .foreign_key(&mut reference(
                        (StandbyPlace::Table, StandbyPlace::ItemId),
                        (ProgrammeItem::Table, ProgrammeItem::Id),
                    ))
                    .foreign_key(&mut reference(
                        (StandbyPlace::Table, StandbyPlace::AccountId),
                        (Account::Table, Account::Id),
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("standby_place_number")
                    .table(StandbyPlace::Table)
                    .col(StandbyPlace::ItemId)
                    .col(StandbyPlace::Number)
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("standby_place_account")
                    .table(StandbyPlace::Table)
                    .col(StandbyPlace::AccountId)
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(StandbyPlace::Table).take())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ProgrammeItem::Table)
                    .drop_column(ProgrammeItem::StandbyNumbered)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ProgrammeItem::Table)
                    .drop_column(ProgrammeItem::StandbyOpensMinutes)
                    .to_owned(),
            )
            .await
    }
}
