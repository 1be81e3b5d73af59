//! Tickets, the reservations they come in, the waitlist, the keys that sign
//! ticket codes, and the festival setting that allows overlapping tickets.

use sea_orm_migration::{prelude::*, schema::*};

use crate::columns::reference;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Festival {
    Table,
    AllowOverlappingTickets,
}

#[derive(DeriveIden)]
enum ProgrammeItem {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Account {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Reservation {
    Table,
    Id,
    ItemId,
    AccountId,
    IdempotencyKey,
    Quantity,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Ticket {
    Table,
    Id,
    ItemId,
    AccountId,
    ReservationId,
    HolderName,
    Status,
    IssuedAt,
    CancelledAt,
    CheckedInAt,
    CheckedInGate,
    Seat,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WaitlistEntry {
    Table,
    Id,
    ItemId,
    AccountId,
    Quantity,
    Status,
    /// `item:account` while the entry waits, NULL after: one waiting entry
    /// per attendee and item, by a unique index.
    WaitingKey,
    ReservationId,
    CreatedAt,
    ClosedAt,
}

#[derive(DeriveIden)]
enum SigningKey {
    Table,
    Kid,
    PrivateKey,
    PublicKey,
    CreatedAt,
    RetiredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Festival::Table)
                    .add_column(boolean(Festival::AllowOverlappingTickets).default(false))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Reservation::Table)
                    .col(pk_uuid(Reservation::Id))
                    .col(uuid(Reservation::ItemId))
                    .col(uuid(Reservation::AccountId))
                    .col(text_null(Reservation::IdempotencyKey))
                    .col(integer(Reservation::Quantity))
                    .col(timestamp_with_time_zone(Reservation::CreatedAt))
                    .foreign_key(&mut reference(
                        (Reservation::Table, Reservation::ItemId),
                        (ProgrammeItem::Table, ProgrammeItem::Id),
                    ))
                    .foreign_key(&mut reference(
                        (Reservation::Table, Reservation::AccountId),
                        (Account::Table, Account::Id),
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("reservation_idempotency")
                    .table(Reservation::Table)
                    .col(Reservation::AccountId)
                    .col(Reservation::IdempotencyKey)
                    .unique()
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Ticket::Table)
                    .col(pk_uuid(Ticket::Id))
                    .col(uuid(Ticket::ItemId))
                    .col(uuid(Ticket::AccountId))
                    .col(uuid(Ticket::ReservationId))
                    .col(text(Ticket::HolderName))
                    .col(text(Ticket::Status))
                    .col(timestamp_with_time_zone(Ticket::IssuedAt))
                    .col(timestamp_with_time_zone_null(Ticket::CancelledAt))
                    .col(timestamp_with_time_zone_null(Ticket::CheckedInAt))
                    .col(text_null(Ticket::CheckedInGate))
                    .col(text_null(Ticket::Seat))
                    .col(timestamp_with_time_zone(Ticket::CreatedAt))
                    .foreign_key(&mut reference(
                        (Ticket::Table, Ticket::ItemId),
                        (ProgrammeItem::Table, ProgrammeItem::Id),
                    ))
                    .foreign_key(&mut reference(
                        (Ticket::Table, Ticket::AccountId),
                        (Account::Table, Account::Id),
                    ))
                    .foreign_key(&mut reference(
                        (Ticket::Table, Ticket::ReservationId),
                        (Reservation::Table, Reservation::Id),
                    ))
                    .take(),
            )
            .await?;
        for (name, columns) in [
            ("ticket_item_status", vec![Ticket::ItemId, Ticket::Status]),
            (
                "ticket_account_item",
                vec![Ticket::AccountId, Ticket::ItemId],
            ),
            ("ticket_reservation", vec![Ticket::ReservationId]),
        ] {
            let mut index = Index::create().name(name).table(Ticket::Table).take();
            for column in columns {
                index.col(column);
            }
            manager.create_index(index).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(WaitlistEntry::Table)
                    .col(pk_uuid(WaitlistEntry::Id))
                    .col(uuid(WaitlistEntry::ItemId))
                    .col(uuid(WaitlistEntry::AccountId))
                    .col(integer(WaitlistEntry::Quantity))
                    .col(text(WaitlistEntry::Status))
                    .col(text_null(WaitlistEntry::WaitingKey).unique_key())
                    .col(uuid_null(WaitlistEntry::ReservationId))
                    .col(timestamp_with_time_zone(WaitlistEntry::CreatedAt))
                    .col(timestamp_with_time_zone_null(WaitlistEntry::ClosedAt))
                    .foreign_key(&mut reference(
                        (WaitlistEntry::Table, WaitlistEntry::ItemId),
                        (ProgrammeItem::Table, ProgrammeItem::Id),
                    ))
                    .foreign_key(&mut reference(
                        (WaitlistEntry::Table, WaitlistEntry::AccountId),
                        (Account::Table, Account::Id),
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("waitlist_entry_queue")
                    .table(WaitlistEntry::Table)
                    .col(WaitlistEntry::ItemId)
                    .col(WaitlistEntry::Status)
                    .col(WaitlistEntry::CreatedAt)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SigningKey::Table)
                    .col(text(SigningKey::Kid).primary_key())
                    .col(text(SigningKey::PrivateKey))
                    .col(text(SigningKey::PublicKey))
                    .col(timestamp_with_time_zone(SigningKey::CreatedAt))
                    .col(timestamp_with_time_zone_null(SigningKey::RetiredAt))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SigningKey::Table.into_iden(),
            WaitlistEntry::Table.into_iden(),
            Ticket::Table.into_iden(),
            Reservation::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Festival::Table)
                    .drop_column(Festival::AllowOverlappingTickets)
                    .take(),
            )
            .await
    }
}
