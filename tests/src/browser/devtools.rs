//! The browser's own DevTools connection, for what chromedriver's
//! passthrough cannot reach: service workers.
//!
//! chromedriver's DevTools commands go to the page. A service worker is a
//! target of its own and fetches for itself, so with only the page
//! offline, whatever the worker fetches (an app shell it failed to cache,
//! say) still arrives, and a test of the page offline could pass for the
//! wrong reason. This connection attaches to every service worker, those
//! started later too (each held until it has the conditions), and gives
//! them the page's.

use std::collections::HashSet;
use std::time::Duration;

use anyhow::{Context as _, anyhow};
use futures::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

/// How long the workers may take to be given new conditions.
const APPLIED_WITHIN: Duration = Duration::from_secs(10);

/// A change of conditions, and who waits for every worker to have it.
type Change = (bool, oneshot::Sender<()>);

/// The service workers, kept offline or online with the page.
pub(super) struct Workers {
    changes: mpsc::Sender<Change>,
    task: tokio::task::JoinHandle<()>,
}

impl Workers {
    /// Connects to the browser at `debugger_address` (host:port, from the
    /// session's capabilities) and attaches to its service workers.
    pub(super) async fn attach(debugger_address: &str) -> anyhow::Result<Self> {
        // DevTools listens on IPv4 loopback; "localhost" may resolve to ::1.
        let address = debugger_address.replace("localhost", "127.0.0.1");
        let version: Value = reqwest::Client::builder()
            .no_proxy()
            .build()?
            .get(format!("http://{address}/json/version"))
            .send()
            .await?
            .json()
            .await
            .context("the browser's DevTools version")?;
        let url = version["webSocketDebuggerUrl"]
            .as_str()
            .ok_or_else(|| anyhow!("no DevTools WebSocket in {version}"))?
            .replace("localhost", "127.0.0.1");
        let stream = TcpStream::connect(&address).await?;
        let (socket, _) = tokio_tungstenite::client_async(url.into_client_request()?, stream)
            .await
            .context("connect to the browser's DevTools")?;
        let mut connection = Connection {
            socket,
            last_id: 0,
            workers: HashSet::new(),
            offline: false,
        };
        let attached = connection
            .send(
                None,
                "Target.setAutoAttach",
                json!({ "autoAttach": true, "waitForDebuggerOnStart": true, "flatten": true,
                        "filter": [{ "type": "service_worker", "exclude": false }] }),
            )
            .await?;
        // The workers already running are announced before the answer.
        while connection.receive().await? != Some(attached) {}
        let (changes, requested) = mpsc::channel(1);
        let task = tokio::spawn(connection.run(requested));
        Ok(Self { changes, task })
    }

    /// Takes every service worker offline or back online; returns once
    /// each has the conditions.
    pub(super) async fn set_offline(&self, offline: bool) -> anyhow::Result<()> {
        let ended = || anyhow!("the browser's DevTools connection has ended");
        let (applied, done) = oneshot::channel();
        self.changes
            .send((offline, applied))
            .await
            .map_err(|_| ended())?;
        tokio::time::timeout(APPLIED_WITHIN, done)
            .await
            .context("the service workers did not take the network conditions")?
            .map_err(|_| ended())
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Connection {
    socket: WebSocketStream<TcpStream>,
    last_id: u64,
    /// The DevTools sessions of the attached workers.
    workers: HashSet<String>,
    offline: bool,
}

impl Connection {
    /// Follows workers coming and going, and applies each change to all.
    async fn run(mut self, mut changes: mpsc::Receiver<Change>) {
        let mut waiting: Option<(HashSet<u64>, oneshot::Sender<()>)> = None;
        loop {
            tokio::select! {
                change = changes.recv() => {
                    let Some((offline, applied)) = change else { return };
                    self.offline = offline;
                    let mut commands = HashSet::new();
                    for worker in self.workers.clone() {
                        let Ok(command) = self.emulate(&worker).await else { return };
                        commands.insert(command);
                    }
                    if commands.is_empty() {
                        let _ = applied.send(());
                    } else {
                        waiting = Some((commands, applied));
                    }
                }
                // Only the wait for a message is ever cancelled: a message
                // read is handled in full.
                message = self.socket.next() => {
                    let Ok(answered) = self.handle(message).await else { return };
                    if let (Some(id), Some((commands, _))) = (answered, &mut waiting) {
                        commands.remove(&id);
                        if commands.is_empty() && let Some((_, applied)) = waiting.take() {
                            let _ = applied.send(());
                        }
                    }
                }
            }
        }
    }

    /// Reads and handles the next message; the id it answers, if any.
    async fn receive(&mut self) -> anyhow::Result<Option<u64>> {
        let message = self.socket.next().await;
        self.handle(message).await
    }

    /// Follows a worker attached or detached; the id of the command a
    /// message answers, if it is an answer.
    async fn handle(
        &mut self,
        message: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>,
    ) -> anyhow::Result<Option<u64>> {
        let message: Value = match message {
            Some(Ok(Message::Text(text))) => serde_json::from_str(&text)?,
            Some(Ok(_)) => return Ok(None),
            Some(Err(error)) => return Err(error.into()),
            None => return Err(anyhow!("the browser closed its DevTools connection")),
        };
        if let Some(id) = message["id"].as_u64() {
            return Ok(Some(id));
        }
        let params = &message["params"];
        match message["method"].as_str() {
            Some("Target.attachedToTarget") => {
                let worker = params["sessionId"].as_str().unwrap_or_default().to_owned();
                self.send(Some(&worker), "Network.enable", json!({}))
                    .await?;
                self.emulate(&worker).await?;
                if params["waitingForDebugger"] == true {
                    // Commands of one session run in order: the worker
                    // starts with the conditions.
                    self.send(Some(&worker), "Runtime.runIfWaitingForDebugger", json!({}))
                        .await?;
                }
                self.workers.insert(worker);
            }
            Some("Target.detachedFromTarget") => {
                if let Some(worker) = params["sessionId"].as_str() {
                    self.workers.remove(worker);
                }
            }
            _ => {}
        }
        Ok(None)
    }

    /// Gives a worker the current conditions; the command's id.
    async fn emulate(&mut self, worker: &str) -> anyhow::Result<u64> {
        let conditions = super::network_conditions(self.offline);
        self.send(Some(worker), "Network.emulateNetworkConditions", conditions)
            .await
    }

    /// Sends a command, to the browser or to one of its targets' sessions;
    /// its id.
    async fn send(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> anyhow::Result<u64> {
        self.last_id += 1;
        let mut command = json!({ "id": self.last_id, "method": method, "params": params });
        if let Some(session) = session {
            command["sessionId"] = json!(session);
        }
        self.socket.send(Message::text(command.to_string())).await?;
        Ok(self.last_id)
    }
}
