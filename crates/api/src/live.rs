//! Live values of items for subscriptions, read once per change and shared
//! by every subscriber on this instance: ten thousand people watching one
//! premiere cost one read of it per change, not ten thousand. A follower
//! task per watched item does the reading, away from every client's
//! socket, and ends when its last subscriber leaves.
//!
//! Subscriptions are also counted here, per connection and per instance,
//! so that no client can hold more than its share.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::broadcast::error::RecvError;
use tokio::sync::watch;
use usher_domain::attendance::{Attendance, ItemCounts};
use usher_domain::catalogue::Item;
use usher_domain::ids::ItemId;
use usher_domain::time;

use crate::Services;
use crate::error::{ApiError, ApiResult};

/// Subscriptions one connection may hold open at once.
pub const MAX_SUBSCRIPTIONS_PER_CONNECTION: usize = 50;
/// Subscriptions one instance holds open at once, over all connections.
pub const MAX_SUBSCRIPTIONS_PER_INSTANCE: usize = 20_000;

/// An item as it is now, with what its subscribers may select of it.
#[derive(Debug, Clone)]
pub struct LiveItem {
    pub item: Item,
    pub counts: ItemCounts,
    pub attendance: Attendance,
    pub waitlist_length: u32,
}

/// The last value read of an item: none before the first read.
type Latest = Option<ApiResult<Arc<LiveItem>>>;

/// The items watched on this instance, and the subscriptions open.
#[derive(Default)]
pub struct LiveItems {
    followed: Mutex<HashMap<ItemId, watch::Sender<Latest>>>,
    open: Arc<AtomicUsize>,
}

impl LiveItems {
    /// The value of `item_id` now, then a new one after each change.
    /// Starts the item's follower when nobody watched it yet.
    pub async fn watch(
        services: &Arc<Services>,
        item_id: ItemId,
    ) -> ApiResult<(Arc<LiveItem>, watch::Receiver<Latest>)> {
        let mut receiver = {
            let mut followed = services
                .live
                .followed
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            match followed.get(&item_id) {
                Some(sender) => sender.subscribe(),
                None => {
                    let (sender, receiver) = watch::channel(None);
                    // Subscribed before the follower starts, so that no
                    // change between its read and the first wait is missed.
                    let changes = services.events.subscribe();
                    followed.insert(item_id, sender.clone());
                    tokio::spawn(follow(services.clone(), item_id, sender, changes));
                    receiver
                }
            }
        };
        let first = receiver
            .wait_for(Option::is_some)
            .await
            .map_err(|_| ApiError::internal(anyhow::anyhow!("the item's follower stopped")))?
            .clone();
        match first {
            Some(Ok(live)) => Ok((live, receiver)),
            Some(Err(error)) => Err(error),
            None => Err(ApiError::internal(anyhow::anyhow!("no first value"))),
        }
    }

    /// Takes one subscription slot on `connection`, or refuses with
    /// RATE_LIMITED when the connection or the instance holds its most.
    pub fn open_subscription(&self, connection: &ConnectionSubscriptions) -> ApiResult<Subscribed> {
        let slot = Subscribed {
            instance: self.open.clone(),
            connection: connection.0.clone(),
        };
        slot.instance.fetch_add(1, Ordering::SeqCst);
        let held = slot.connection.fetch_add(1, Ordering::SeqCst) + 1;
        if held > MAX_SUBSCRIPTIONS_PER_CONNECTION {
            return Err(ApiError::RateLimited {
                message: format!(
                    "at most {MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions per connection; complete one first"
                ),
                retry_after_seconds: 1,
            });
        }
        if slot.instance.load(Ordering::SeqCst) > MAX_SUBSCRIPTIONS_PER_INSTANCE {
            return Err(ApiError::RateLimited {
                message: "this server holds as many subscriptions as it can".into(),
                retry_after_seconds: 30,
            });
        }
        Ok(slot)
    }

    /// Subscriptions open on this instance.
    pub fn open_subscriptions(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }
}

/// The subscriptions open on one connection, kept in its data.
#[derive(Clone, Default)]
pub struct ConnectionSubscriptions(Arc<AtomicUsize>);

/// One open subscription, given back when dropped.
pub struct Subscribed {
    instance: Arc<AtomicUsize>,
    connection: Arc<AtomicUsize>,
}

impl Drop for Subscribed {
    fn drop(&mut self) {
        self.instance.fetch_sub(1, Ordering::SeqCst);
        self.connection.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Reads the item, and again after each of its changes, until nobody
/// watches it any more.
async fn follow(
    services: Arc<Services>,
    item_id: ItemId,
    sender: watch::Sender<Latest>,
    mut changes: tokio::sync::broadcast::Receiver<ItemId>,
) {
    loop {
        let value = read(&services, item_id).await.map(Arc::new);
        let failed = value.is_err();
        sender.send_replace(Some(value));
        if failed {
            break;
        }
        let changed = loop {
            tokio::select! {
                () = sender.closed() => break false,
                change = changes.recv() => match change {
                    Ok(changed) if changed == item_id => break true,
                    Ok(_) => {}
                    Err(RecvError::Lagged(_)) => break true,
                    Err(RecvError::Closed) => break false,
                },
            }
        };
        if !changed && stop_following(&services, item_id, &sender) {
            return;
        }
    }
    stop_following(&services, item_id, &sender);
}

/// Forgets the item unless a subscriber came meanwhile; true when forgotten.
fn stop_following(services: &Services, item_id: ItemId, sender: &watch::Sender<Latest>) -> bool {
    let mut followed = services
        .live
        .followed
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if sender.receiver_count() > 0 && sender.borrow().as_ref().is_some_and(Result::is_ok) {
        return false;
    }
    if followed
        .get(&item_id)
        .is_some_and(|current| current.same_channel(sender))
    {
        followed.remove(&item_id);
    }
    true
}

/// An item with its counts and attendance now, read afresh.
async fn read(services: &Services, item_id: ItemId) -> ApiResult<LiveItem> {
    let store = &services.store;
    let item = store
        .item(item_id)
        .await?
        .ok_or_else(|| ApiError::not_found("item"))?;
    let venue = services
        .catalogue
        .venue(store, item.venue_id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("item without its venue")))?;
    let counts = store
        .item_counts(&[item_id])
        .await?
        .remove(&item_id)
        .unwrap_or_default();
    let waitlist_length = store
        .waitlist_lengths(&[item_id])
        .await?
        .remove(&item_id)
        .unwrap_or_default();
    let attendance = Attendance::of_item(&item, venue.capacity.get(), counts, time::now());
    Ok(LiveItem {
        item,
        counts,
        attendance,
        waitlist_length,
    })
}
