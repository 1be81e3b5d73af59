//! Releasing unscanned tickets to the standby line: the item's release
//! setting, the moment it falls due (kept so that any instance finds the
//! due items with one indexed query), the moment it was done (so that it is
//! done once), and when and where a standby place was let in.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ProgrammeItem {
    Table,
    ReleaseUnscannedMinutes,
    ReleaseAt,
    ReleasedAt,
}

#[derive(DeriveIden)]
enum StandbyPlace {
    Table,
    AdmittedAt,
    AdmittedGate,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for column in [
            integer_null(ProgrammeItem::ReleaseUnscannedMinutes),
            timestamp_with_time_zone_null(ProgrammeItem::ReleaseAt),
            timestamp_with_time_zone_null(ProgrammeItem::ReleasedAt),
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
                    .name("programme_item_release_at")
                    .table(ProgrammeItem::Table)
                    .col(ProgrammeItem::ReleaseAt)
                    .take(),
            )
            .await?;
        for column in [
            timestamp_with_time_zone_null(StandbyPlace::AdmittedAt),
            text_null(StandbyPlace::AdmittedGate),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(StandbyPlace::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [StandbyPlace::AdmittedAt, StandbyPlace::AdmittedGate] {
            manager
                .alter_table(
                    Table::alter()
                        .table(StandbyPlace::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("programme_item_release_at")
                    .table(ProgrammeItem::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            ProgrammeItem::ReleaseUnscannedMinutes,
            ProgrammeItem::ReleaseAt,
            ProgrammeItem::ReleasedAt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ProgrammeItem::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
