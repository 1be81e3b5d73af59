//! The logins that ended lately, held in memory so that no request pays a
//! database statement to learn that its login goes on.
//!
//! An access token lives a few minutes and cannot be recalled, so a login
//! that ends must be remembered for as long as its last token could live.
//! This instance adds the logins it ends itself at once, and asks the
//! database every second which logins any instance ended since it last
//! asked: a login ended elsewhere stops its tokens here within about a
//! second. (A login left unused ends when its refresh token expires, long
//! after its last access token did.)

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock, Weak};
use std::time::Duration;

use chrono::TimeDelta;
use usher_domain::ids::SessionId;
use usher_domain::time::{self, Timestamp};
use usher_persistence::Store;

/// How often the database is asked.
const POLL_EVERY: Duration = Duration::from_secs(1);
/// How far back each question reaches before the last one: a login ended
/// in a transaction that committed late, or on an instance whose clock is a
/// little behind, carries an earlier time than the moment it became visible.
const OVERLAP: TimeDelta = TimeDelta::seconds(30);

/// Logins ended within an access token's lifetime, shared with the task
/// that keeps them up to date.
#[derive(Clone)]
pub struct EndedLogins {
    shared: Arc<Shared>,
}

struct Shared {
    /// Each ended login, with the time it ended.
    ended: RwLock<HashMap<SessionId, Timestamp>>,
    /// How long a login is remembered once ended: an access token's
    /// lifetime and the overlap.
    remembered_for: TimeDelta,
}

impl EndedLogins {
    /// The logins ended in the last `access_token_ttl` on `store`, and a
    /// task that adds those ended later, every second, for as long as this
    /// value (or a clone) is held.
    pub async fn follow(store: Store, access_token_ttl: Duration) -> anyhow::Result<Self> {
        let remembered_for = TimeDelta::from_std(access_token_ttl)? + OVERLAP;
        let shared = Arc::new(Shared {
            ended: RwLock::default(),
            remembered_for,
        });
        let started = time::now();
        shared.learn(store.logins_ended_since(started - remembered_for).await?);
        tokio::spawn(poll(Arc::downgrade(&shared), store, started));
        Ok(Self { shared })
    }

    /// Whether `session` ended.
    pub fn contains(&self, session: &SessionId) -> bool {
        self.shared
            .ended
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .contains_key(session)
    }

    /// Remembers that this instance just ended `session`.
    pub fn add(&self, session: SessionId) {
        self.shared
            .ended
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(session, time::now());
    }
}

impl Shared {
    /// Adds logins the database says ended, and forgets those ended so long
    /// ago that no token of theirs can still be valid.
    fn learn(&self, ended: impl IntoIterator<Item = (SessionId, Timestamp)>) {
        let forget_before = time::now() - self.remembered_for;
        let mut known = self.ended.write().unwrap_or_else(PoisonError::into_inner);
        known.extend(ended);
        known.retain(|_, ended_at| *ended_at >= forget_before);
    }
}

/// Asks the database every second until the last holder lets go. A
/// question that fails is asked again from the same time: the logins ended
/// while the database was away are learnt when it is back.
async fn poll(shared: Weak<Shared>, store: Store, mut asked_at: Timestamp) {
    let mut ticks = tokio::time::interval(POLL_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let now = time::now();
        match store.logins_ended_since(asked_at - OVERLAP).await {
            Ok(ended) => {
                shared.learn(ended);
                asked_at = now;
            }
            Err(error) => tracing::warn!(%error, "could not read the logins ended lately"),
        }
    }
}
