//! The signed-in users of the last moments, so that a door staff phone
//! scanning many tickets a second does not read its account and grants on
//! every scan. An entry lives two seconds: a role granted now is seen by
//! the next request after that at the latest (roles are only ever added).

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};
use std::time::{Duration, Instant};

use usher_domain::accounts::User;
use usher_domain::ids::UserId;
use usher_persistence::Store;

use crate::error::ApiResult;

/// How long a user read from the database is trusted.
const FRESH_FOR: Duration = Duration::from_secs(2);
/// More entries than this and the cache starts over: it only serves bursts.
const MAX_ENTRIES: usize = 10_000;

/// Recently read users by id.
#[derive(Default)]
pub struct UserCache {
    users: RwLock<HashMap<UserId, (Instant, User)>>,
}

impl UserCache {
    /// The user, from the last two seconds or from the store.
    pub async fn user(&self, store: &Store, id: UserId) -> ApiResult<Option<User>> {
        let fresh = self
            .users
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&id)
            .filter(|(read_at, _)| read_at.elapsed() < FRESH_FOR)
            .map(|(_, user)| user.clone());
        if fresh.is_some() {
            return Ok(fresh);
        }
        let user = store.users_by_id(&[id]).await?.into_iter().next();
        if let Some(user) = &user {
            let mut users = self.users.write().unwrap_or_else(PoisonError::into_inner);
            if users.len() >= MAX_ENTRIES {
                users.clear();
            }
            users.insert(id, (Instant::now(), user.clone()));
        }
        Ok(user)
    }
}
