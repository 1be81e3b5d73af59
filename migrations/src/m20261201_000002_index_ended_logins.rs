//! Every instance asks the database each second which logins ended since it
//! last asked; an index on the time a login's tokens were revoked keeps that
//! question to the few rows it is about.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RefreshToken {
    Table,
    RevokedAt,
}

const INDEX: &str = "refresh_token_revoked_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(RefreshToken::Table)
                    .col(RefreshToken::RevokedAt)
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(INDEX)
                    .table(RefreshToken::Table)
                    .to_owned(),
            )
            .await
    }
}
