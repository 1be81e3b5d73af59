//! People and their roles, refresh-token sessions, and server secrets shared
//! by every instance on one database.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Account {
    Table,
    Id,
    /// Stored in lower case, so that the unique index ignores case.
    Email,
    PasswordHash,
    DisplayName,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RoleGrant {
    Table,
    Id,
    AccountId,
    Role,
    FestivalId,
    VenueId,
    /// Role and scope in one text, so that a grant is unique even where
    /// festival or venue is NULL.
    Scope,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RefreshToken {
    Table,
    Id,
    AccountId,
    /// Every token rotated from one login shares the family of that login.
    FamilyId,
    TokenHash,
    ExpiresAt,
    UsedAt,
    RevokedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ServerSecret {
    Table,
    Name,
    Value,
    CreatedAt,
}

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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Account::Table)
                    .col(pk_uuid(Account::Id))
                    .col(text_uniq(Account::Email))
                    .col(text(Account::PasswordHash))
                    .col(text(Account::DisplayName))
                    .col(timestamp_with_time_zone(Account::CreatedAt))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RoleGrant::Table)
                    .col(pk_uuid(RoleGrant::Id))
                    .col(uuid(RoleGrant::AccountId))
                    .col(text(RoleGrant::Role))
                    .col(uuid_null(RoleGrant::FestivalId))
                    .col(uuid_null(RoleGrant::VenueId))
                    .col(text(RoleGrant::Scope))
                    .col(timestamp_with_time_zone(RoleGrant::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RoleGrant::Table, RoleGrant::AccountId)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RoleGrant::Table, RoleGrant::FestivalId)
                            .to(Festival::Table, Festival::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RoleGrant::Table, RoleGrant::VenueId)
                            .to(Venue::Table, Venue::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("role_grant_account_scope")
                    .table(RoleGrant::Table)
                    .col(RoleGrant::AccountId)
                    .col(RoleGrant::Scope)
                    .unique()
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RefreshToken::Table)
                    .col(pk_uuid(RefreshToken::Id))
                    .col(uuid(RefreshToken::AccountId))
                    .col(uuid(RefreshToken::FamilyId))
                    .col(text_uniq(RefreshToken::TokenHash))
                    .col(timestamp_with_time_zone(RefreshToken::ExpiresAt))
                    .col(timestamp_with_time_zone_null(RefreshToken::UsedAt))
                    .col(timestamp_with_time_zone_null(RefreshToken::RevokedAt))
                    .col(timestamp_with_time_zone(RefreshToken::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RefreshToken::Table, RefreshToken::AccountId)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("refresh_token_family")
                    .table(RefreshToken::Table)
                    .col(RefreshToken::FamilyId)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ServerSecret::Table)
                    .col(text(ServerSecret::Name).primary_key())
                    .col(text(ServerSecret::Value))
                    .col(timestamp_with_time_zone(ServerSecret::CreatedAt))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ServerSecret::Table.into_iden(),
            RefreshToken::Table.into_iden(),
            RoleGrant::Table.into_iden(),
            Account::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        Ok(())
    }
}
