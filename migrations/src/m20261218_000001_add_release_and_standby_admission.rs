//! Releasing unscanned tickets to the standby line: the item's release
//! setting, the moment it falls due (kept so that any instance finds the
//! due items with one indexed query), the moment it was done (so that it is
//! done once), and when and where a standby place was let in.

use sea_orm_migration::{prelude::*, schema::*};

use crate::columns::{add_columns, drop_columns};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum ProgrammeItem {
    Table,
    ReleaseUnscannedMinutes,
    ReleaseAt,
    ReleasedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum StandbyPlace {
    Table,
    AdmittedAt,
    AdmittedGate,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_columns(
            manager,
            ProgrammeItem::Table,
            [
                integer_null(ProgrammeItem::ReleaseUnscannedMinutes),
                timestamp_with_time_zone_null(ProgrammeItem::ReleaseAt),
                timestamp_with_time_zone_null(ProgrammeItem::ReleasedAt),
            ],
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("programme_item_release_at")
                    .table(ProgrammeItem::Table)
                    .col(ProgrammeItem::ReleaseAt)
                    .take(),
            )
            .await?;
        add_columns(
            manager,
            StandbyPlace::Table,
            [
                timestamp_with_time_zone_null(StandbyPlace::AdmittedAt),
                text_null(StandbyPlace::AdmittedGate),
            ],
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_columns(
            manager,
            StandbyPlace::Table,
            [StandbyPlace::AdmittedAt, StandbyPlace::AdmittedGate],
        )
        .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("programme_item_release_at")
                    .table(ProgrammeItem::Table)
                    .to_owned(),
            )
            .await?;
        drop_columns(
            manager,
            ProgrammeItem::Table,
            [
                ProgrammeItem::ReleaseUnscannedMinutes,
                ProgrammeItem::ReleaseAt,
                ProgrammeItem::ReleasedAt,
            ],
        )
        .await?;
        Ok(())
    }
}
