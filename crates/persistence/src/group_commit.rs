//! Group commit: the requests that arrive while a transaction is being
//! written wait together and go into the next one, so that a rush pays one
//! commit (and on SQLite one write lock, on PostgreSQL one WAL flush) per
//! batch instead of one per request. An idle writer takes a lone request at
//! once: nothing waits for a batch to fill. A batch whose connection broke
//! before COMMIT runs once more; a database that is away answers the whole
//! batch UNAVAILABLE at once.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sea_orm::DatabaseConnection;
use tokio::sync::{mpsc, oneshot};

use crate::error::StoreError;
use crate::health::{Health, write_retrying};

/// Requests in one transaction at most.
const MOST_PER_BATCH: usize = 256;

/// One kind of request that can share a transaction with others of its kind.
pub(crate) trait Batch: Send + Sync + 'static {
    /// The writer's name in metrics.
    const NAME: &'static str;
    /// What is asked.
    type Request: Send + Sync + 'static;
    /// What each request is answered.
    type Answer: Send + 'static;

    /// Applies `requests` in one transaction and answers each, in order. An
    /// error rolls the whole batch back; a request refused on its own merits
    /// is an `Err` answer in a batch that commits.
    fn apply(
        db: &DatabaseConnection,
        requests: &[Self::Request],
    ) -> impl Future<Output = Result<Vec<Result<Self::Answer, StoreError>>, StoreError>> + Send;
}

type Pending<B> = (
    <B as Batch>::Request,
    oneshot::Sender<Result<<B as Batch>::Answer, StoreError>>,
);

/// How much a writer has done, for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterStats {
    /// Which writer: `door`, `reservations` or `standby`.
    pub name: &'static str,
    /// Transactions it committed or tried.
    pub batches: u64,
    /// Requests it answered.
    pub requests: u64,
}

#[derive(Debug, Default)]
struct Counts {
    batches: AtomicU64,
    requests: AtomicU64,
}

/// The queue in front of one writer task.
#[derive(Debug)]
pub(crate) struct Writer<B: Batch> {
    queue: mpsc::UnboundedSender<Pending<B>>,
    counts: Arc<Counts>,
}

impl<B: Batch> Writer<B> {
    /// Starts the writer task on the current tokio runtime. It ends when the
    /// last handle to its queue is dropped.
    pub(crate) fn spawn(db: DatabaseConnection, health: Arc<Health>) -> Self {
        let (queue, requests) = mpsc::unbounded_channel();
        let counts = Arc::new(Counts::default());
        tokio::spawn(write::<B>(db, health, requests, counts.clone()));
        Self { queue, counts }
    }

    pub(crate) fn stats(&self) -> WriterStats {
        WriterStats {
            name: B::NAME,
            batches: self.counts.batches.load(Ordering::Relaxed),
            requests: self.counts.requests.load(Ordering::Relaxed),
        }
    }

    /// Queues `request` and waits for its answer. Once queued, a request is
    /// applied even if the caller stops waiting.
    pub(crate) async fn submit(&self, request: B::Request) -> Result<B::Answer, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.queue.send((request, reply)).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Unexpected(anyhow::anyhow!("the writer task stopped"))
}

fn unanswered() -> StoreError {
    StoreError::Unexpected(anyhow::anyhow!("a batch left a request unanswered"))
}

async fn write<B: Batch>(
    db: DatabaseConnection,
    health: Arc<Health>,
    mut queue: mpsc::UnboundedReceiver<Pending<B>>,
    counts: Arc<Counts>,
) {
    let mut pending = Vec::with_capacity(MOST_PER_BATCH);
    while queue.recv_many(&mut pending, MOST_PER_BATCH).await > 0 {
        let (requests, replies): (Vec<_>, Vec<_>) = pending.drain(..).unzip();
        counts.batches.fetch_add(1, Ordering::Relaxed);
        counts
            .requests
            .fetch_add(requests.len() as u64, Ordering::Relaxed);
        let answers = match write_retrying(&health, || B::apply(&db, &requests)).await {
            Ok(answers) => answers,
            Err(StoreError::Unavailable(outage)) => requests
                .iter()
                .map(|_| Err(outage.clone().into()))
                .collect(),
            Err(error) if requests.len() == 1 => vec![Err(error)],
            Err(error) => {
                // One request must not fail its neighbours: each goes alone.
                tracing::debug!(%error, size = requests.len(), "batch failed; retrying one by one");
                let mut answers = Vec::with_capacity(requests.len());
                for request in &requests {
                    let answer = match B::apply(&db, std::slice::from_ref(request)).await {
                        Ok(mut one) => one.pop().unwrap_or_else(|| Err(unanswered())),
                        Err(error) => Err(error),
                    };
                    answers.push(answer);
                }
                answers
            }
        };
        for (reply, answer) in replies.into_iter().zip(answers) {
            // The caller may have stopped waiting; the work is done either way.
            let _ = reply.send(answer);
        }
    }
}

#[cfg(test)]
mod tests;
