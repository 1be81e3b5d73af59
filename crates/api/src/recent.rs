//! What was read in the last moments: the signed-in users and the scanner
//! devices behind requests, so that a door phone scanning many tickets a
//! second does not read its account and grants (or its device) on every
//! scan. An entry lives two seconds: a role granted or revoked on another
//! instance is seen by the next request after that at the latest, and a
//! scanner token revoked or renewed there too. The instance that makes the
//! change forgets its entry at once.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

use crate::error::ApiResult;

/// How long a value read from the database is trusted.
const FRESH_FOR: Duration = Duration::from_secs(2);
/// More entries than this and the cache starts over: it only serves bursts.
const MAX_ENTRIES: usize = 10_000;

/// A value as read once: every request that wants it while it is fresh
/// waits for the same read, so that the many scans in flight when an entry
/// expires cost one query, not one each on a pool the door's writer needs
/// too.
type Read<V> = Arc<OnceCell<V>>;

/// Values recently read, by key.
pub struct Recent<K, V> {
    entries: RwLock<HashMap<K, (Instant, Read<V>)>>,
}

impl<K, V> Default for Recent<K, V> {
    fn default() -> Self {
        Self {
            entries: RwLock::default(),
        }
    }
}

impl<K: Hash + Eq + Clone, V: Clone> Recent<K, V> {
    /// The value of `key` from the last two seconds, or from `read`.
    pub async fn get<F, Fut>(&self, key: &K, read: F) -> ApiResult<V>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = ApiResult<V>>,
    {
        let entry = self.fresh(key).unwrap_or_else(|| self.new_read(key));
        Ok(entry.get_or_try_init(read).await?.clone())
    }

    /// Forgets the entry of `key`, so that the next request for it reads
    /// again.
    pub fn forget(&self, key: &K) {
        self.entries
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key);
    }

    /// Forgets every entry, so that the next requests read again.
    pub fn forget_all(&self) {
        self.entries
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    fn fresh(&self, key: &K) -> Option<Read<V>> {
        self.entries
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .filter(|(since, _)| since.elapsed() < FRESH_FOR)
            .map(|(_, read)| read.clone())
    }

    /// The read every request for this key joins until it goes stale.
    fn new_read(&self, key: &K) -> Read<V> {
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        if let Some((since, read)) = entries.get(key)
            && since.elapsed() < FRESH_FOR
        {
            return read.clone();
        }
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        let read = Read::default();
        entries.insert(key.clone(), (Instant::now(), read.clone()));
        read
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use futures::future::join_all;
    use usher_domain::input::{Email, Name};
    use usher_persistence::{NewUser, Store, StoreOptions};

    use super::Recent;

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

        let cache: Arc<Recent<_, _>> = Arc::default();
        let before = store.statements_executed();
        let requests = (0..32).map(|_| {
            let (cache, store) = (cache.clone(), store.clone());
            tokio::spawn(async move {
                let read = || async { Ok(store.users_by_id(&[id]).await?.into_iter().next()) };
                cache.get(&id, read).await.unwrap().unwrap().id
            })
        });
        for user in join_all(requests).await {
            assert_eq!(user.unwrap(), id);
        }
        assert_eq!(store.statements_executed() - before, one_read);
    }
}
