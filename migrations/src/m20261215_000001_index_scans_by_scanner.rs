//! The organizers' list of scanner devices shows when each last scanned
//! (`ScannerDevice.lastScanAt`): an index on the device and the scan's time
//! answers that for a page of devices from the index alone, instead of
//! reading every scan of the festival.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Scan {
    Table,
    ScannerDeviceId,
    ScannedAt,
}

const INDEX: &str = "scan_scanner_device_time";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Scan::Table)
                    .col(Scan::ScannerDeviceId)
                    .col(Scan::ScannedAt)
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Scan::Table).to_owned())
            .await
    }
}
