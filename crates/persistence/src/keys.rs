//! The keys that sign ticket codes. Every instance reads them from here, so
//! a key rotated from the command line reaches all of them. Their private
//! halves are sealed when the store has a secret key.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use usher_domain::time::{self, Timestamp};

use crate::entities::signing_key;
use crate::error::StoreError;
use crate::secret_key::signing_key_row;
use crate::store::Store;
use crate::transaction::commit;

/// A stored Ed25519 key pair.
#[derive(Clone)]
pub struct StoredSigningKey {
    /// Its key id, as in the JWS header.
    pub kid: String,
    /// The 32-byte private seed, base64url.
    pub private_key: String,
    /// The 32-byte public key, base64url (the JWK's `x`).
    pub public_key: String,
    /// When it was made; the newest key that is not retired signs.
    pub created_at: Timestamp,
}

impl std::fmt::Debug for StoredSigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredSigningKey")
            .field("kid", &self.kid)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

/// The public half of a retired key: a code it signed is genuine, but no
/// longer honoured.
#[derive(Debug, Clone)]
pub struct RetiredSigningKey {
    /// Its key id, as in the JWS header.
    pub kid: String,
    /// The 32-byte public key, base64url.
    pub public_key: String,
}

impl Store {
    /// The keys that are not retired, newest first.
    #[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
    pub async fn signing_keys(&self) -> Result<Vec<StoredSigningKey>, StoreError> {
        let rows = signing_key::Entity::find()
            .filter(signing_key::Column::RetiredAt.is_null())
            .order_by_desc(signing_key::Column::CreatedAt)
            .order_by_desc(signing_key::Column::Kid)
            .all(&self.db)
            .await?;
        rows.into_iter()
            .map(|row| {
                Ok(StoredSigningKey {
                    private_key: self.opened_secret(&signing_key_row(&row.kid), row.private_key)?,
                    kid: row.kid,
                    public_key: row.public_key,
                    created_at: row.created_at,
                })
            })
            .collect()
    }

    /// The public halves of the retired keys, so that a code one of them
    /// signed can be told apart from a forged one.
    #[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
    pub async fn retired_signing_keys(&self) -> Result<Vec<RetiredSigningKey>, StoreError> {
        let rows: Vec<(String, String)> = signing_key::Entity::find()
            .select_only()
            .columns([signing_key::Column::Kid, signing_key::Column::PublicKey])
            .filter(signing_key::Column::RetiredAt.is_not_null())
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(kid, public_key)| RetiredSigningKey { kid, public_key })
            .collect())
    }

    /// Stores a new key; from now on it signs.
    #[tracing::instrument(level = "debug", skip_all, fields(kid = key.kid), err(level = "debug"))]
    pub async fn add_signing_key(&self, key: StoredSigningKey) -> Result<(), StoreError> {
        let private_key = self.sealed_secret(&signing_key_row(&key.kid), key.private_key)?;
        signing_key::ActiveModel {
            kid: Set(key.kid),
            private_key: Set(private_key),
            public_key: Set(key.public_key),
            created_at: Set(key.created_at),
            retired_at: Set(None),
        }
        .insert(&self.db)
        .await?;
        Ok(())
    }

    /// Retires a key: codes it signed stop verifying. The last key that is
    /// not retired cannot be retired; rotate first.
    #[tracing::instrument(level = "debug", skip_all, fields(kid), err(level = "debug"))]
    pub async fn retire_signing_key(&self, kid: &str) -> Result<(), StoreError> {
        self.write(|| self.retire_signing_key_once(kid)).await
    }

    async fn retire_signing_key_once(&self, kid: &str) -> Result<(), StoreError> {
        let transaction = self.begin_write().await?;
        let live = signing_key::Entity::find()
            .filter(signing_key::Column::RetiredAt.is_null())
            .all(&transaction)
            .await?;
        if !live.iter().any(|key| key.kid == kid) {
            return Err(StoreError::NotFound("signing key"));
        }
        if live.len() == 1 {
            return Err(StoreError::Conflict(
                "this is the only key that signs; rotate first, then retire it".into(),
            ));
        }
        signing_key::Entity::update_many()
            .col_expr(signing_key::Column::RetiredAt, Expr::val(time::now()))
            .filter(signing_key::Column::Kid.eq(kid))
            .exec(&transaction)
            .await?;
        commit(transaction).await?;
        Ok(())
    }
}
