//! The secrets kept in the database: shared by every instance, sealed with
//! the operator's key (see [`crate::secret_key`]) when there is one.

use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use usher_domain::time;

use crate::entities::{ballot, server_secret, signing_key};
use crate::error::StoreError;
use crate::secret_key::{ballot_secret_row, is_sealed, secret_row, signing_key_row};
use crate::store::Store;

impl Store {
    /// The secret called `name`, stored as `generated` if there was none yet.
    /// Racing instances all end up with the one that was stored first.
    #[tracing::instrument(level = "debug", skip_all, fields(name), err(level = "debug"))]
    pub async fn shared_secret(&self, name: &str, generated: String) -> Result<String, StoreError> {
        let row = secret_row(name);
        server_secret::Entity::insert(server_secret::ActiveModel {
            name: Set(name.to_owned()),
            value: Set(self.sealed_secret(&row, generated)?),
            created_at: Set(time::now()),
        })
        .on_conflict_do_nothing_on([server_secret::Column::Name])
        .exec(&self.db)
        .await?;
        let stored = server_secret::Entity::find_by_id(name.to_owned())
            .one(&self.db)
            .await?
            .map(|secret| secret.value)
            .ok_or_else(|| StoreError::Unexpected(anyhow::anyhow!("secret {name} vanished")))?;
        self.opened_secret(&row, stored)
    }

    /// A secret as it is to be stored: sealed when the store has a key.
    pub(crate) fn sealed_secret(&self, row: &str, plain: String) -> Result<String, StoreError> {
        match &self.secret_key {
            Some(key) => key.seal(row, &plain),
            None => Ok(plain),
        }
    }

    /// A stored secret in clear. A sealed one needs the key.
    pub(crate) fn opened_secret(&self, row: &str, stored: String) -> Result<String, StoreError> {
        match (&self.secret_key, is_sealed(&stored)) {
            (_, false) => Ok(stored),
            (Some(key), true) => key.open(row, &stored),
            (None, true) => Err(StoreError::Unexpected(anyhow::anyhow!(
                "{row} is sealed: give the key it was sealed with \
                 (--secret-key-file or USHER_SECRET_KEY_FILE)"
            ))),
        }
    }

    /// With a key: checks that it opens every sealed secret (a wrong key
    /// stops here, before anything is written) and seals the plain ones in
    /// place, all in one transaction. Without one: nothing.
    #[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
    pub(crate) async fn seal_stored_secrets(&self) -> Result<(), StoreError> {
        let Some(key) = &self.secret_key else {
            return Ok(());
        };
        let transaction = self.begin_write().await?;
        for secret in server_secret::Entity::find().all(&transaction).await? {
            let row = secret_row(&secret.name);
            let Some(sealed) = key.sealed_unless_sealed(&row, &secret.value)? else {
                continue;
            };
            server_secret::Entity::update_many()
                .col_expr(server_secret::Column::Value, Expr::val(sealed))
                .filter(server_secret::Column::Name.eq(&secret.name))
                .filter(server_secret::Column::Value.eq(&secret.value))
                .exec(&transaction)
                .await?;
        }
        for signing in signing_key::Entity::find().all(&transaction).await? {
            let row = signing_key_row(&signing.kid);
            let Some(sealed) = key.sealed_unless_sealed(&row, &signing.private_key)? else {
                continue;
            };
            signing_key::Entity::update_many()
                .col_expr(signing_key::Column::PrivateKey, Expr::val(sealed))
                .filter(signing_key::Column::Kid.eq(&signing.kid))
                .filter(signing_key::Column::PrivateKey.eq(&signing.private_key))
                .exec(&transaction)
                .await?;
        }
        for stored in ballot::Entity::find().all(&transaction).await? {
            let row = ballot_secret_row(stored.item_id.into());
            let Some(sealed) = key.sealed_unless_sealed(&row, &stored.secret)? else {
                continue;
            };
            ballot::Entity::update_many()
                .col_expr(ballot::Column::Secret, Expr::val(sealed))
                .filter(ballot::Column::ItemId.eq(stored.item_id))
                .filter(ballot::Column::Secret.eq(&stored.secret))
                .exec(&transaction)
                .await?;
        }
        transaction.commit().await?;
        Ok(())
    }

    /// Whether secrets are sealed at rest: the store was given a key.
    pub fn seals_secrets(&self) -> bool {
        self.secret_key.is_some()
    }
}
