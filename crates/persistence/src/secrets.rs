//! Secrets that every instance on one database must share, such as the key
//! that signs access tokens: the first instance to start creates them.

use sea_orm::{ActiveValue::Set, EntityTrait};
use usher_domain::time;

use crate::entities::server_secret;
use crate::error::StoreError;
use crate::store::Store;

impl Store {
    /// The secret called `name`, stored as `generated` if there was none yet.
    /// Racing instances all end up with the one that was stored first.
    #[tracing::instrument(level = "debug", skip_all, fields(name), err(level = "debug"))]
    pub async fn shared_secret(&self, name: &str, generated: String) -> Result<String, StoreError> {
        server_secret::Entity::insert(server_secret::ActiveModel {
            name: Set(name.to_owned()),
            value: Set(generated),
            created_at: Set(time::now()),
        })
        .on_conflict_do_nothing_on([server_secret::Column::Name])
        .exec(&self.db)
        .await?;
        server_secret::Entity::find_by_id(name.to_owned())
            .one(&self.db)
            .await?
            .map(|secret| secret.value)
            .ok_or_else(|| StoreError::Unexpected(anyhow::anyhow!("secret {name} vanished")))
    }
}
