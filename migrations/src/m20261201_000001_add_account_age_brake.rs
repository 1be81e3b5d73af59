//! The account-age brake: a festival may ask that accounts be some minutes
//! old before they reserve its most wanted items, and each item says
//! whether it is one of those. Existing festivals have no brake and existing
//! items are not braked. Accounts carry their `created_at` already.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Festival {
    Table,
    MinAccountAgeMinutes,
}

#[derive(DeriveIden)]
enum ProgrammeItem {
    Table,
    RequiresSettledAccount,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    // One column per statement: SQLite alters one thing at a time.
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Festival::Table)
                    .add_column(integer_null(Festival::MinAccountAgeMinutes))
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ProgrammeItem::Table)
                    .add_column(boolean(ProgrammeItem::RequiresSettledAccount).default(false))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ProgrammeItem::Table)
                    .drop_column(ProgrammeItem::RequiresSettledAccount)
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Festival::Table)
                    .drop_column(Festival::MinAccountAgeMinutes)
                    .take(),
            )
            .await
    }
}
