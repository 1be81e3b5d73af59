//! Ballots: an item's ballot times and when it was drawn (indexed by the
//! close, so that any instance finds the ballots due with one query), the
//! draw's secret and what it publishes, and the entries.

use sea_orm_migration::{prelude::*, schema::*};

use crate::columns::{add_columns, drop_columns, reference};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum ProgrammeItem {
    Table,
    Id,
    BallotOpensAt,
    BallotClosesAt,
    ClaimMinutes,
    BallotDrawnAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Account {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Ballot {
    Table,
    ItemId,
    Secret,
    Commitment,
    EntriesDigest,
    Seed,
    Places,
    DrawnAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum BallotEntry {
    Table,
    Id,
    ItemId,
    AccountId,
    Quantity,
    PartnerId,
    PartnerConfirmedAt,
    Status,
    EntryKey,
    PartnerKey,
    WonAt,
    ClaimUntil,
    CreatedAt,
    ClosedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_columns(
            manager,
            ProgrammeItem::Table,
            [
                timestamp_with_time_zone_null(ProgrammeItem::BallotOpensAt),
                timestamp_with_time_zone_null(ProgrammeItem::BallotClosesAt),
                integer_null(ProgrammeItem::ClaimMinutes),
                timestamp_with_time_zone_null(ProgrammeItem::BallotDrawnAt),
            ],
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("programme_item_ballot_closes_at")
                    .table(ProgrammeItem::Table)
                    .col(ProgrammeItem::BallotClosesAt)
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Ballot::Table)
                    .col(pk_uuid(Ballot::ItemId))
                    .col(text(Ballot::Secret))
                    .col(text(Ballot::Commitment))
                    .col(text_null(Ballot::EntriesDigest))
                    .col(text_null(Ballot::Seed))
                    .col(integer_null(Ballot::Places))
                    .col(timestamp_with_time_zone_null(Ballot::DrawnAt))
                    .foreign_key(&mut reference(
                        (Ballot::Table, Ballot::ItemId),
                        (ProgrammeItem::Table, ProgrammeItem::Id),
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BallotEntry::Table)
                    .col(pk_uuid(BallotEntry::Id))
                    .col(uuid(BallotEntry::ItemId))
                    .col(uuid(BallotEntry::AccountId))
                    .col(integer(BallotEntry::Quantity))
                    .col(uuid_null(BallotEntry::PartnerId))
                    .col(timestamp_with_time_zone_null(
                        BallotEntry::PartnerConfirmedAt,
                    ))
                    .col(text(BallotEntry::Status))
                    // "item:account" while the entry stands: one per attendee.
                    .col(text_null(BallotEntry::EntryKey).unique_key())
                    // "item:partner" once the partner confirmed.
                    .col(text_null(BallotEntry::PartnerKey).unique_key())
                    // The draw's moment for its winners, later for entries
                    // rolled down to.
                    .col(timestamp_with_time_zone_null(BallotEntry::WonAt))
                    .col(timestamp_with_time_zone_null(BallotEntry::ClaimUntil))
                    .col(timestamp_with_time_zone(BallotEntry::CreatedAt))
                    .col(timestamp_with_time_zone_null(BallotEntry::ClosedAt))
                    .foreign_key(&mut reference(
                        (BallotEntry::Table, BallotEntry::ItemId),
                        (ProgrammeItem::Table, ProgrammeItem::Id),
                    ))
                    .foreign_key(&mut reference(
                        (BallotEntry::Table, BallotEntry::AccountId),
                        (Account::Table, Account::Id),
                    ))
                    .foreign_key(&mut reference(
                        (BallotEntry::Table, BallotEntry::PartnerId),
                        (Account::Table, Account::Id),
                    ))
                    .take(),
            )
            .await?;
        for (name, columns) in [
            (
                "ballot_entry_item_status",
                vec![BallotEntry::ItemId, BallotEntry::Status],
            ),
            // The claim deadlines the job looks for (only wins have one);
            // not with the status, which a draw changes on every entry.
            ("ballot_entry_claim_until", vec![BallotEntry::ClaimUntil]),
            (
                "ballot_entry_account",
                vec![BallotEntry::AccountId, BallotEntry::ItemId],
            ),
            (
                "ballot_entry_partner",
                vec![BallotEntry::PartnerId, BallotEntry::ItemId],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(BallotEntry::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.take()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(BallotEntry::Table).take())
            .await?;
        manager
            .drop_table(Table::drop().table(Ballot::Table).take())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("programme_item_ballot_closes_at")
                    .table(ProgrammeItem::Table)
                    .to_owned(),
            )
            .await?;
        drop_columns(
            manager,
            ProgrammeItem::Table,
            [
                ProgrammeItem::BallotOpensAt,
                ProgrammeItem::BallotClosesAt,
                ProgrammeItem::ClaimMinutes,
                ProgrammeItem::BallotDrawnAt,
            ],
        )
        .await
    }
}
