//! A scanner device may belong to one gate of its venue: the door app then
//! scans at that gate without anyone choosing it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ScannerDevice {
    Table,
    Gate,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ScannerDevice::Table)
                    .add_column(ColumnDef::new(ScannerDevice::Gate).string().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ScannerDevice::Table)
                    .drop_column(ScannerDevice::Gate)
                    .to_owned(),
            )
            .await
    }
}
