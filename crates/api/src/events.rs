//! Live updates: every change to an item's tickets is announced, and
//! subscriptions on every instance hear of it. On PostgreSQL the
//! announcement is a NOTIFY that each instance's listener turns into a
//! local broadcast; on SQLite the broadcast is all there is.

use tokio::sync::broadcast;
use usher_domain::ids::ItemId;
use usher_persistence::Store;

/// Announcements kept for slow subscribers before they skip ahead.
const BACKLOG: usize = 1024;

/// The in-process side of live updates.
pub struct Events {
    local: broadcast::Sender<ItemId>,
}

impl Default for Events {
    fn default() -> Self {
        Self {
            local: broadcast::channel(BACKLOG).0,
        }
    }
}

impl Events {
    /// Announces that an item's tickets changed, to every instance.
    pub async fn item_changed(&self, store: &Store, item_id: ItemId) {
        match store.notify_item_changed(item_id).await {
            Ok(true) => {}
            Ok(false) => self.deliver(item_id),
            Err(error) => {
                tracing::warn!(%error, "cannot announce a change to other instances");
                self.deliver(item_id);
            }
        }
    }

    /// Hands an announcement to this instance's subscribers.
    pub fn deliver(&self, item_id: ItemId) {
        // No receiver is fine: nobody is subscribed right now.
        let _ = self.local.send(item_id);
    }

    /// A receiver of every announcement from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<ItemId> {
        self.local.subscribe()
    }
}

/// Forwards the changes announced by every instance (PostgreSQL) to this
/// instance's subscribers, reconnecting when the connection drops. Returns
/// at once on SQLite.
pub async fn forward_item_changes(services: std::sync::Arc<crate::Services>) {
    loop {
        match services.store.item_changes().await {
            Ok(None) => return,
            Ok(Some(mut changes)) => loop {
                match changes.next().await {
                    Ok(Some(item_id)) => services.events.deliver(item_id),
                    Ok(None) => {}
                    Err(error) => {
                        tracing::warn!(%error, "lost the change listener; reconnecting");
                        break;
                    }
                }
            },
            Err(error) => tracing::warn!(%error, "cannot listen for changes; retrying"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}
