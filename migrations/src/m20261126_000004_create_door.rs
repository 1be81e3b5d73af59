//! The door: scanner devices and the record of every scan, admitted or
//! refused, online or offline.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Festival {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Venue {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Account {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ScannerDevice {
    Table,
    Id,
    FestivalId,
    VenueId,
    Label,
    TokenHash,
    ExpiresAt,
    RevokedAt,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Scan {
    Table,
    Id,
    /// The ticket's item when the ticket is known.
    ItemId,
    TicketId,
    VenueId,
    Gate,
    AccountId,
    ScannerDeviceId,
    Outcome,
    ScannedAt,
    /// `actor:clientScanId` for offline scans: a re-sent scan is found, not
    /// recorded twice.
    ClientScanKey,
    Offline,
    Conflict,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ScannerDevice::Table)
                    .col(pk_uuid(ScannerDevice::Id))
                    .col(uuid(ScannerDevice::FestivalId))
                    .col(uuid(ScannerDevice::VenueId))
                    .col(text(ScannerDevice::Label))
                    .col(text_uniq(ScannerDevice::TokenHash))
                    .col(timestamp_with_time_zone(ScannerDevice::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ScannerDevice::RevokedAt))
                    .col(uuid(ScannerDevice::CreatedBy))
                    .col(timestamp_with_time_zone(ScannerDevice::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ScannerDevice::Table, ScannerDevice::FestivalId)
                            .to(Festival::Table, Festival::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ScannerDevice::Table, ScannerDevice::VenueId)
                            .to(Venue::Table, Venue::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ScannerDevice::Table, ScannerDevice::CreatedBy)
                            .to(Account::Table, Account::Id),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("scanner_device_venue")
                    .table(ScannerDevice::Table)
                    .col(ScannerDevice::VenueId)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Scan::Table)
                    .col(pk_uuid(Scan::Id))
                    .col(uuid_null(Scan::ItemId))
                    .col(uuid_null(Scan::TicketId))
                    .col(uuid(Scan::VenueId))
                    .col(text_null(Scan::Gate))
                    .col(uuid_null(Scan::AccountId))
                    .col(uuid_null(Scan::ScannerDeviceId))
                    .col(text(Scan::Outcome))
                    .col(timestamp_with_time_zone(Scan::ScannedAt))
                    .col(text_null(Scan::ClientScanKey).unique_key())
                    .col(boolean(Scan::Offline))
                    .col(boolean(Scan::Conflict))
                    .col(timestamp_with_time_zone(Scan::CreatedAt))
                    .take(),
            )
            .await?;
        for (name, columns) in [
            ("scan_item_time", vec![Scan::ItemId, Scan::ScannedAt]),
            ("scan_ticket_time", vec![Scan::TicketId, Scan::ScannedAt]),
        ] {
            let mut index = Index::create().name(name).table(Scan::Table).take();
            for column in columns {
                index.col(column);
            }
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [Scan::Table.into_iden(), ScannerDevice::Table.into_iden()] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        Ok(())
    }
}
