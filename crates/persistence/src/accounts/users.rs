//! Creating accounts and reading them.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};
use usher_domain::accounts::User;
use usher_domain::ids::UserId;
use usher_domain::input::Email;
use usher_domain::roles::RoleGrant;
use usher_domain::time;

use crate::entities::account;
use crate::error::{StoreError, on_unique_violation};
use crate::rows::in_list;
use crate::store::Store;
use crate::transaction::commit;

use super::roles::insert_grant;
use super::{NewUser, StoredCredentials, load_users};

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

    pub(super) async fn user_in(
        &self,
        db: &impl ConnectionTrait,
        id: UserId,
    ) -> Result<User, StoreError> {
        let rows = account::Entity::find_by_id(id.as_uuid()).all(db).await?;
        load_users(db, rows)
            .await?
            .into_iter()
            .next()
            .map(|(user, _)| user)
            .ok_or(StoreError::NotFound("user"))
    }
}
