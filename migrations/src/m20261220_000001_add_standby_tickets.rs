//! Tickets issued to attendees called from a standby line: they are let in
//! over the venue's room, not the item's ticket capacity, so reports count
//! them apart from the tickets reserved.

use sea_orm_migration::{prelude::*, schema::*};

use crate::columns::{add_columns, drop_columns};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Ticket {
    Table,
    FromStandby,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_columns(
            manager,
            Ticket::Table,
            [boolean(Ticket::FromStandby).default(false).take()],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_columns(manager, Ticket::Table, [Ticket::FromStandby]).await
    }
}
