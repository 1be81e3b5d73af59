//! Logins: refresh-token families, rotated on every refresh and ended on
//! logout, on reuse of a spent token, and on a change of password.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    QueryFilter, QuerySelect,
};
use usher_domain::ids::{SessionId, UserId};
use usher_domain::time::{self, Timestamp};
use uuid::Uuid;

use crate::entities::{account, refresh_token};
use crate::error::StoreError;
use crate::store::Store;
use crate::transaction::commit;

use super::RefreshOutcome;

impl Store {
    /// by the caller) and ends every other live login of the account, in one
    /// transaction. The logins ended, or None when the hash had changed
    /// meanwhile (and nothing was).
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user_id), err(level = "debug"))]
    pub async fn change_password(
        &self,
        user_id: UserId,
        old_hash: &str,
        new_hash: String,
        keep: SessionId,
    ) -> Result<Option<Vec<SessionId>>, StoreError> {
        self.write(|| self.change_password_once(user_id, old_hash, new_hash.clone(), keep))
            .await
    }

    async fn change_password_once(
        &self,
        user_id: UserId,
        old_hash: &str,
        new_hash: String,
        keep: SessionId,
    ) -> Result<Option<Vec<SessionId>>, StoreError> {
        use refresh_token::Column;

        let now = time::now();
        let transaction = self.begin_write().await?;
        let changed = account::Entity::update_many()
            .col_expr(account::Column::PasswordHash, Expr::val(new_hash))
            .filter(account::Column::Id.eq(user_id.as_uuid()))
            .filter(account::Column::PasswordHash.eq(old_hash))
            .exec(&transaction)
            .await?;
        if changed.rows_affected == 0 {
            transaction.rollback().await?;
            return Ok(None);
        }
        let others = || {
            Condition::all()
                .add(Column::AccountId.eq(user_id.as_uuid()))
                .add(Column::FamilyId.ne(keep.as_uuid()))
                .add(Column::RevokedAt.is_null())
        };
        // A login goes on while its newest token is unspent and unexpired.
        let live: Vec<Uuid> = refresh_token::Entity::find()
            .select_only()
            .column(Column::FamilyId)
            .distinct()
            .filter(others())
            .filter(Column::UsedAt.is_null())
            .filter(Column::ExpiresAt.gt(now))
            .into_tuple()
            .all(&transaction)
            .await?;
        refresh_token::Entity::update_many()
            .col_expr(Column::RevokedAt, Expr::val(now))
            .filter(others())
            .exec(&transaction)
            .await?;
        commit(transaction).await?;
        Ok(Some(live.into_iter().map(SessionId::from).collect()))
    }

    /// Records the first refresh token of a new login, and returns the login.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user_id), err(level = "debug"))]
    pub async fn start_session(
        &self,
        user_id: UserId,
        token_hash: String,
        expires_at: Timestamp,
    ) -> Result<SessionId, StoreError> {
        let session = SessionId::generate();
        self.write(|| self.start_session_once(user_id, session, token_hash.clone(), expires_at))
            .await?;
        Ok(session)
    }

    async fn start_session_once(
        &self,
        user_id: UserId,
        session: SessionId,
        token_hash: String,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        // A transaction, not a lone INSERT, so that a broken connection
        // tells whether it may run again.
        let transaction = self.begin_write().await?;
        insert_refresh_token(
            &transaction,
            user_id.as_uuid(),
            session.as_uuid(),
            token_hash,
            expires_at,
        )
        .await?;
        commit(transaction).await
    }

    /// The logins ended (by a logout or a reused refresh token) at `since`
    /// or later, each with the time it ended.
    #[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
    pub async fn logins_ended_since(
        &self,
        since: Timestamp,
    ) -> Result<Vec<(SessionId, Timestamp)>, StoreError> {
        use refresh_token::Column;

        let ended: Vec<(Uuid, Option<Timestamp>)> = refresh_token::Entity::find()
            .select_only()
            .column(Column::FamilyId)
            .column_as(Column::RevokedAt.min(), "revoked_at")
            .filter(Column::RevokedAt.gte(since))
            .group_by(Column::FamilyId)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(ended
            .into_iter()
            .filter_map(|(family, ended_at)| Some((family.into(), ended_at?)))
            .collect())
    }

    /// Spends the refresh token with hash `old_hash` and puts `new_hash` in its
    /// place, in one transaction. A token spent before revokes its whole login:
    /// someone replayed it.
    #[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
    pub async fn rotate_session(
        &self,
        old_hash: &str,
        new_hash: String,
        expires_at: Timestamp,
    ) -> Result<RefreshOutcome, StoreError> {
        self.write(|| self.rotate_session_once(old_hash, new_hash.clone(), expires_at))
            .await
    }

    async fn rotate_session_once(
        &self,
        old_hash: &str,
        new_hash: String,
        expires_at: Timestamp,
    ) -> Result<RefreshOutcome, StoreError> {
        use refresh_token::Column;

        let now = time::now();
        let transaction = self.begin_write().await?;
        let spent = refresh_token::Entity::update_many()
            .col_expr(Column::UsedAt, Expr::val(now))
            .filter(Column::TokenHash.eq(old_hash))
            .filter(Column::UsedAt.is_null())
            .filter(Column::RevokedAt.is_null())
            .filter(Column::ExpiresAt.gt(now))
            .exec(&transaction)
            .await?;
        let Some(old) = refresh_token::Entity::find()
            .filter(Column::TokenHash.eq(old_hash))
            .one(&transaction)
            .await?
        else {
            return Ok(RefreshOutcome::Invalid);
        };
        let outcome = if spent.rows_affected == 1 {
            insert_refresh_token(
                &transaction,
                old.account_id,
                old.family_id,
                new_hash,
                expires_at,
            )
            .await?;
            RefreshOutcome::Rotated {
                user: old.account_id.into(),
                session: old.family_id.into(),
            }
        } else if old.used_at.is_some() && old.revoked_at.is_none() {
            revoke_family(&transaction, old.family_id, now).await?;
            RefreshOutcome::Reused(old.family_id.into())
        } else {
            RefreshOutcome::Invalid
        };
        commit(transaction).await?;
        Ok(outcome)
    }

    /// Ends the login that `token_hash` belongs to, and returns it. None when
    /// no live login had that token.
    #[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
    pub async fn end_session(&self, token_hash: &str) -> Result<Option<SessionId>, StoreError> {
        self.write(|| self.end_session_once(token_hash)).await
    }

    async fn end_session_once(&self, token_hash: &str) -> Result<Option<SessionId>, StoreError> {
        let transaction = self.begin_write().await?;
        let Some(token) = refresh_token::Entity::find()
            .filter(refresh_token::Column::TokenHash.eq(token_hash))
            .filter(refresh_token::Column::RevokedAt.is_null())
            .one(&transaction)
            .await?
        else {
            return Ok(None);
        };
        revoke_family(&transaction, token.family_id, time::now()).await?;
        commit(transaction).await?;
        Ok(Some(token.family_id.into()))
    }
}

async fn insert_refresh_token(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    family_id: Uuid,
    token_hash: String,
    expires_at: Timestamp,
) -> Result<(), StoreError> {
    refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        account_id: Set(account_id),
        family_id: Set(family_id),
        token_hash: Set(token_hash),
        expires_at: Set(expires_at),
        used_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(time::now()),
    }
    .insert(db)
    .await?;
    Ok(())
}

async fn revoke_family(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    now: Timestamp,
) -> Result<(), StoreError> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::val(now))
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}
