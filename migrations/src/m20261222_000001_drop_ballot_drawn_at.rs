//! When a ballot was drawn is the item's `ballot_drawn_at`, the column the
//! draw's once-only update sets; the ballot's own copy could only drift.

use sea_orm_migration::{prelude::*, schema::*};

use crate::columns::{add_columns, drop_columns};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Ballot {
    Table,
    DrawnAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_columns(manager, Ballot::Table, [Ballot::DrawnAt]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_columns(
            manager,
            Ballot::Table,
            [timestamp_with_time_zone_null(Ballot::DrawnAt)],
        )
        .await
    }
}
