//! Many subscribers of one item (a premiere everyone watches): what they
//! cost the server in memory, and how long one change takes to reach every
//! one of them.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use crate::api::{Api, string};
use crate::measure::{Recorder, Results};
use crate::scenarios::{RESERVE, festival, item};
use crate::target::Target;

/// Subscriptions the server lets one connection hold.
const PER_CONNECTION: usize = 50;
const AVAILABILITY: &str =
    "subscription($id: ID!) { availabilityChanged(itemId: $id) { ticketsLeft status } }";
const CANCEL: &str = "mutation Cancel($id: ID!) { cancelTicket(ticketId: $id) { id } }";

/// Opens `count` subscriptions to the item (50 per connection), then makes
/// `changes` changes one after another (a reservation, then its
/// cancellation, …), each timed from the request until the last subscriber
/// has the new value.
pub async fn run(
    api: &Api,
    target: &Target,
    count: usize,
    changes: usize,
) -> anyhow::Result<Vec<Results>> {
    let (festival, venue) = festival(api, 100, false).await?;
    let item = item(api, &festival, &venue, 100, 10, 60).await?;
    let before = target.memory_mib();
    let received = Arc::new(AtomicUsize::new(0));
    let mut readers = Vec::new();
    let mut opened = 0;
    while opened < count {
        let here = PER_CONNECTION.min(count - opened);
        readers.push(subscribe(api, &item, here, received.clone()).await?);
        opened += here;
    }
    wait_for(&received, count, Duration::from_secs(120)).await?;
    let watching = target.memory_mib();

    let mut recorder = Recorder::new();
    let started = Instant::now();
    let mut held: Option<String> = None;
    for change in 0..changes {
        let began = Instant::now();
        held = match held.take() {
            None => {
                let reserved = api
                    .must(
                        Some(&api.admin),
                        RESERVE,
                        json!({ "item": item, "quantity": 1 }),
                    )
                    .await?;
                Some(string(&reserved, "/reserveTickets/tickets/0/id")?)
            }
            Some(ticket) => {
                api.must(Some(&api.admin), CANCEL, json!({ "id": ticket }))
                    .await?;
                None
            }
        };
        let expected = count * (change + 2);
        let outcome = match wait_for(&received, expected, Duration::from_secs(60)).await {
            Ok(()) => "delivered",
            Err(_) => "late",
        };
        recorder.record(began.elapsed(), outcome.to_owned());
    }
    let elapsed = started.elapsed();
    for reader in readers {
        reader.abort();
    }

    let mut results = Results::new("subscribers", &recorder, elapsed, target.memory_mib());
    if let (Some((rss_before, _)), Some((rss_watching, _))) = (before, watching) {
        let per_subscriber_kib = (rss_watching - rss_before) * 1024.0 / count as f64;
        println!(
            "{count} subscribers: server RSS {rss_before:.0} MiB before, {rss_watching:.0} MiB watching, {per_subscriber_kib:.1} KiB each"
        );
    }
    results.check(
        "every subscriber got every change",
        received.load(Ordering::SeqCst) == count * (changes + 1),
    );
    Ok(vec![results])
}

/// One connection with `count` subscriptions to the item; its reader counts
/// every value received.
async fn subscribe(
    api: &Api,
    item: &str,
    count: usize,
    received: Arc<AtomicUsize>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let url = format!("{}/graphql/ws", api.url().replacen("http", "ws", 1));
    let mut request = url.into_client_request()?;
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
    let init = json!({ "type": "connection_init", "payload": {} });
    socket.send(Message::text(init.to_string())).await?;
    let ack = socket
        .next()
        .await
        .ok_or_else(|| anyhow::anyhow!("closed before connection_ack"))??;
    anyhow::ensure!(
        ack.to_text()?.contains("connection_ack"),
        "no connection_ack: {ack}"
    );
    for id in 0..count {
        let subscribe = json!({ "id": id.to_string(), "type": "subscribe", "payload": { "query": AVAILABILITY, "variables": { "id": item } } });
        socket.send(Message::text(subscribe.to_string())).await?;
    }
    Ok(tokio::spawn(async move {
        while let Some(Ok(message)) = socket.next().await {
            if let Message::Text(text) = message
                && serde_json::from_str::<Value>(&text)
                    .is_ok_and(|message| message["type"] == "next")
            {
                received.fetch_add(1, Ordering::SeqCst);
            }
        }
    }))
}

/// Waits until `received` reaches `expected`, or fails after `within`.
async fn wait_for(received: &AtomicUsize, expected: usize, within: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + within;
    while received.load(Ordering::SeqCst) < expected {
        anyhow::ensure!(
            Instant::now() < deadline,
            "{} of {expected} values arrived",
            received.load(Ordering::SeqCst)
        );
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
    Ok(())
}
