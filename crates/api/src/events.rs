//! Live updates: every change to an item's tickets is announced, and
//! subscriptions on every instance hear of it. On PostgreSQL the
//! announcement is a NOTIFY that each instance's listener turns into a
//! local broadcast; on SQLite the broadcast is all there is.

use tokio::sync::{broadcast, mpsc};
use usher_domain::ids::ItemId;
use usher_persistence::{Backend, Store};

/// Announcements kept for slow subscribers before they skip ahead.
const BACKLOG: usize = 1024;
/// After a round of NOTIFYs, the announcer waits this long and then sends
/// one per item for everything that changed meanwhile. A NOTIFY is a
/// transaction of its own that waits for its commit to reach the disk:
/// one per batch of a door rush took PostgreSQL time from the rush itself.
const COALESCE_FOR: std::time::Duration = std::time::Duration::from_millis(50);

/// The in-process side of live updates.
pub struct Events {
    local: broadcast::Sender<ItemId>,
    /// On PostgreSQL: changes on their way to the NOTIFY that tells every
    /// instance, this one included.
    outgoing: Option<mpsc::UnboundedSender<ItemId>>,
}

impl Events {
    /// Live updates over `store`; on PostgreSQL, starts the task that
    /// announces changes to every instance.
    pub fn new(store: &Store) -> Self {
        let local = broadcast::channel(BACKLOG).0;
        let outgoing = (store.backend() == Backend::Postgres).then(|| {
            let (outgoing, queue) = mpsc::unbounded_channel();
            tokio::spawn(announce(store.clone(), local.clone(), queue));
            outgoing
        });
        Self { local, outgoing }
    }

    /// Announces that an item's tickets changed, to every instance.
    pub fn item_changed(&self, item_id: ItemId) {
        match &self.outgoing {
            Some(outgoing) if outgoing.send(item_id).is_ok() => {}
            _ => self.deliver(item_id),
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

/// Sends one NOTIFY per item for all the changes queued meanwhile, at most
/// one round every [`COALESCE_FOR`]: a rush on one item costs a few
/// NOTIFYs a second, not one per ticket or per batch.
async fn announce(
    store: Store,
    local: broadcast::Sender<ItemId>,
    mut queue: mpsc::UnboundedReceiver<ItemId>,
) {
    let mut changed = Vec::new();
    while queue.recv_many(&mut changed, BACKLOG).await > 0 {
        changed.sort_unstable();
        changed.dedup();
        for item_id in changed.drain(..) {
            if let Err(error) = store.notify_item_changed(item_id).await {
                tracing::warn!(%error, "cannot announce a change to other instances");
                let _ = local.send(item_id);
            }
        }
        tokio::time::sleep(COALESCE_FOR).await;
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
