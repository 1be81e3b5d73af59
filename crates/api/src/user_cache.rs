//! The signed-in users of the last moments, so that a door staff phone
//! scanning many tickets a second does not read its account and grants on
//! every scan. An entry lives two seconds: a role granted now is seen by
//! the next request after that at the latest (roles are only ever added).

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;
use usher_domain::accounts::User;
use usher_domain::ids::UserId;
use usher_persistence::Store;

use crate::error::{ApiError, ApiResult};

/// How long a user read from the database is trusted.
const FRESH_FOR: Duration = Duration::from_secs(2);
/// More entries than this and the cache starts over: it only serves bursts.
const MAX_ENTRIES: usize = 10_000;

/// A user as read once: every request that wants it while it is fresh waits
/// for the same read, so that the many scans in flight when an entry expires
/// cost one query, not one each on a pool the door's writer needs too.
type Read = Arc<OnceCell<Option<User>>>;

/// Recently read users by id.
#[derive(Default)]
pub struct UserCache {
    users: RwLock<HashMap<UserId, (Instant, Read)>>,
}

impl UserCache {
    /// The user, from the last two seconds or from the store.
    pub async fn user(&self, store: &Store, id: UserId) -> ApiResult<Option<User>> {
        let read = self.fresh_read(id).unwrap_or_else(|| self.new_read(id));
        let user = read
            .get_or_try_init(|| async {
                Ok::<_, ApiError>(store.users_by_id(&[id]).await?.into_iter().next())
            })
            .await?;
        Ok(user.clone())
    }

    fn fresh_read(&self, id: UserId) -> Option<Read> {
        self.users
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&id)
            .filter(|(since, _)| since.elapsed() < FRESH_FOR)
            .map(|(_, read)| read.clone())
    }

    /// The read every request for this user joins until it goes stale.
    fn new_read(&self, id: UserId) -> Read {
        let mut users = self.users.write().unwrap_or_else(PoisonError::into_inner);
        if let Some((since, read)) = users.get(&id)
            && since.elapsed() < FRESH_FOR
        {
            return read.clone();
        }
        if users.len() >= MAX_ENTRIES {
            users.clear();
        }
        let read = Read::default();
        users.insert(id, (Instant::now(), read.clone()));
        read
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use futures::future::join_all;
    use usher_domain::input::{Email, Name};
    use usher_persistence::{NewUser, Store, StoreOptions};

    use super::UserCache;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn requests_for_one_user_in_flight_share_one_read() {
        let directory = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/users.db", directory.path().display());
        let store = Store::connect(&url, &StoreOptions::default())
            .await
            .unwrap();
        let new = NewUser {
            email: Email::parse("email", "door@cache.example").unwrap(),
            password_hash: "never signs in".to_owned(),
            display_name: Name::parse("name", "Door").unwrap(),
        };
        let id = store.create_user(new, &[]).await.unwrap().id;
        let before = store.statements_executed();
        store.users_by_id(&[id]).await.unwrap();
        let one_read = store.statements_executed() - before;

        let cache = Arc::new(UserCache::default());
        let before = store.statements_executed();
        let requests = (0..32).map(|_| {
            let (cache, store) = (cache.clone(), store.clone());
            tokio::spawn(async move { cache.user(&store, id).await.unwrap().unwrap().id })
        });
        for user in join_all(requests).await {
            assert_eq!(user.unwrap(), id);
        }
        assert_eq!(store.statements_executed() - before, one_read);
    }
}
