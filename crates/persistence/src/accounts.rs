//! Accounts, their role grants, and refresh-token sessions.

use std::collections::HashMap;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use usher_domain::accounts::User;
use usher_domain::ids::{FestivalId, GrantId, SessionId, UserId, VenueId};
use usher_domain::input::{Email, Name};
use usher_domain::roles::{Permissions, Role, RoleGrant};
use usher_domain::time::{self, Timestamp};
use uuid::Uuid;

use crate::entities::{account, festival, refresh_token, role_grant, venue};
use crate::error::{StoreError, corrupt, on_unique_violation};
use crate::rows::{in_list, stored};
use crate::store::Store;
use crate::transaction::commit;

/// An account to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Sign-in address, unique ignoring case.
    pub email: Email,
    /// The argon2id hash of the password, in PHC string form.
    pub password_hash: String,
    /// Name shown on tickets.
    pub display_name: Name,
}

/// A user with the hash to check a password against.
#[derive(Debug, Clone)]
pub struct StoredCredentials {
    /// The account.
    pub user: User,
    /// The argon2id hash, in PHC string form.
    pub password_hash: String,
}

/// What became of a refresh token presented for rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// It was valid; the new token now stands in its place.
    Rotated {
        /// Whose login it is.
        user: UserId,
        /// The login, which goes on.
        session: SessionId,
    },
    /// It had been used before: this whole login is revoked.
    Reused(SessionId),
    /// Unknown, expired or revoked.
    Invalid,
}

/// The text that makes a grant unique per account.
fn scope_key(grant: &RoleGrant) -> String {
    let scope = |id: Option<Uuid>| id.map_or_else(|| "*".to_owned(), |id| id.to_string());
    format!(
        "{}:{}:{}",
        grant.role().as_str(),
        scope(grant.festival().map(Uuid::from)),
        scope(grant.venue().map(Uuid::from)),
    )
}

fn grant_from_row(row: &role_grant::Model) -> Result<RoleGrant, StoreError> {
    let role = Role::from_stored(&row.role)
        .ok_or_else(|| corrupt("role_grant", format!("unknown role {}", row.role)))?;
    stored(
        "role_grant",
        RoleGrant::new(
            role,
            row.festival_id.map(FestivalId::from),
            row.venue_id.map(VenueId::from),
        ),
    )
}

async fn load_users(
    db: &impl ConnectionTrait,
    rows: Vec<account::Model>,
) -> Result<Vec<(User, String)>, StoreError> {
    let ids = in_list(rows.iter().map(|row| row.id));
    let mut grants: HashMap<Uuid, Vec<RoleGrant>> = HashMap::new();
    for row in role_grant::Entity::find()
        .filter(role_grant::Column::AccountId.is_in(ids))
        .order_by_asc(role_grant::Column::CreatedAt)
        .all(db)
        .await?
    {
        grants
            .entry(row.account_id)
            .or_default()
            .push(grant_from_row(&row)?);
    }
    rows.into_iter()
        .map(|row| {
            let user = user_from_row(&row, grants.remove(&row.id).unwrap_or_default())?;
            Ok((user, row.password_hash))
        })
        .collect()
}

fn user_from_row(row: &account::Model, grants: Vec<RoleGrant>) -> Result<User, StoreError> {
    Ok(User {
        id: row.id.into(),
        email: stored("account", Email::parse("email", &row.email))?,
        display_name: stored("account", Name::parse("displayName", &row.display_name))?,
        permissions: Permissions::new(grants),
        created_at: row.created_at,
    })
}

/// Whether a role is given or taken back.
#[derive(Debug, Clone, Copy)]
enum GrantChange {
    Give,
    TakeBack,
}

/// Removes `grant` from the account; NOT_FOUND when it does not hold it.
async fn delete_grant(
    db: &impl ConnectionTrait,
    user_id: UserId,
    grant: &RoleGrant,
) -> Result<(), StoreError> {
    let removed = role_grant::Entity::delete_many()
        .filter(role_grant::Column::AccountId.eq(user_id.as_uuid()))
        .filter(role_grant::Column::Scope.eq(scope_key(grant)))
        .exec(db)
        .await?;
    if removed.rows_affected == 0 {
        return Err(StoreError::NotFound("role grant"));
    }
    Ok(())
}

async fn insert_grant(
    db: &impl ConnectionTrait,
    user_id: UserId,
    grant: &RoleGrant,
) -> Result<(), StoreError> {
    if let Some(festival_id) = grant.festival() {
        let festivals = festival::Entity::find_by_id(festival_id.as_uuid())
            .count(db)
            .await?;
        if festivals == 0 {
            return Err(StoreError::NotFound("festival"));
        }
    }
    if let Some(venue_id) = grant.venue() {
        let venues = venue::Entity::find_by_id(venue_id.as_uuid())
            .filter(venue::Column::FestivalId.eq(grant.festival().map(Uuid::from)))
            .count(db)
            .await?;
        if venues == 0 {
            return Err(StoreError::NotFound("venue"));
        }
    }
    let row = role_grant::ActiveModel {
        id: Set(GrantId::generate().as_uuid()),
        account_id: Set(user_id.as_uuid()),
        role: Set(grant.role().as_str().to_owned()),
        festival_id: Set(grant.festival().map(Uuid::from)),
        venue_id: Set(grant.venue().map(Uuid::from)),
        scope: Set(scope_key(grant)),
        created_at: Set(time::now()),
    };
    role_grant::Entity::insert(row)
        .on_conflict_do_nothing_on([role_grant::Column::AccountId, role_grant::Column::Scope])
        .exec(db)
        .await?;
    Ok(())
}

impl Store {
    /// Creates an account with its grants, all or nothing.
    #[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
    pub async fn create_user(
        &self,
        new: NewUser,
        grants: &[RoleGrant],
    ) -> Result<User, StoreError> {
        self.write(|| self.create_user_once(new.clone(), grants))
            .await
    }

    async fn create_user_once(
        &self,
        new: NewUser,
        grants: &[RoleGrant],
    ) -> Result<User, StoreError> {
        let transaction = self.begin_write().await?;
        let id = UserId::generate();
        let email = new.email.as_str().to_owned();
        account::ActiveModel {
            id: Set(id.as_uuid()),
            email: Set(email),
            password_hash: Set(new.password_hash),
            display_name: Set(new.display_name.into_string()),
            created_at: Set(time::now()),
        }
        .insert(&transaction)
        .await
        .map_err(|error| {
            on_unique_violation(error, || {
                "an account with this email already exists".to_owned()
            })
        })?;
        for grant in grants {
            insert_grant(&transaction, id, grant).await?;
        }
        let user = self.user_in(&transaction, id).await?;
        commit(transaction).await?;
        Ok(user)
    }

    /// The account that signs in with `email`, with its password hash.
    #[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
    pub async fn credentials(
        &self,
        email: &Email,
    ) -> Result<Option<StoredCredentials>, StoreError> {
        let rows = account::Entity::find()
            .filter(account::Column::Email.eq(email.as_str()))
            .all(&self.db)
            .await?;
        Ok(load_users(&self.db, rows)
            .await?
            .into_iter()
            .next()
            .map(|(user, password_hash)| StoredCredentials {
                user,
                password_hash,
            }))
    }

    /// The accounts with these ids, with their grants.
    #[tracing::instrument(level = "debug", skip_all, fields(count = ids.len()), err(level = "debug"))]
    pub async fn users_by_id(&self, ids: &[UserId]) -> Result<Vec<User>, StoreError> {
        let rows = account::Entity::find()
            .filter(account::Column::Id.is_in(in_list(ids.iter().copied())))
            .all(&self.db)
            .await?;
        Ok(load_users(&self.db, rows)
            .await?
            .into_iter()
            .map(|(user, _)| user)
            .collect())
    }

    async fn user_in(&self, db: &impl ConnectionTrait, id: UserId) -> Result<User, StoreError> {
        let rows = account::Entity::find_by_id(id.as_uuid()).all(db).await?;
        load_users(db, rows)
            .await?
            .into_iter()
            .next()
            .map(|(user, _)| user)
            .ok_or(StoreError::NotFound("user"))
    }

    /// Gives the account with `email` a role; giving it again changes nothing.
    #[tracing::instrument(level = "debug", skip_all, fields(role = grant.role().as_str()), err(level = "debug"))]
    pub async fn grant_role(&self, email: &Email, grant: &RoleGrant) -> Result<User, StoreError> {
        self.write(|| self.change_role_once(email, grant, GrantChange::Give))
            .await
    }

    /// Takes a role back from the account with `email`. NOT_FOUND when the
    /// account does not hold exactly this grant (role and scope).
    #[tracing::instrument(level = "debug", skip_all, fields(role = grant.role().as_str()), err(level = "debug"))]
    pub async fn revoke_role(&self, email: &Email, grant: &RoleGrant) -> Result<User, StoreError> {
        self.write(|| self.change_role_once(email, grant, GrantChange::TakeBack))
            .await
    }

    async fn change_role_once(
        &self,
        email: &Email,
        grant: &RoleGrant,
        change: GrantChange,
    ) -> Result<User, StoreError> {
        let transaction = self.begin_write().await?;
        let id: UserId = account::Entity::find()
            .filter(account::Column::Email.eq(email.as_str()))
            .one(&transaction)
            .await?
            .ok_or(StoreError::NotFound("user"))?
            .id
            .into();
        match change {
            GrantChange::Give => insert_grant(&transaction, id, grant).await?,
            GrantChange::TakeBack => delete_grant(&transaction, id, grant).await?,
        }
        let user = self.user_in(&transaction, id).await?;
        commit(transaction).await?;
        Ok(user)
    }

    /// Puts `new_hash` in place of the password hash `old_hash` (checked
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
