//! The Usher server as a library: settings, telemetry, the demo festival,
//! and an `Application` that connects, migrates, binds and serves until it
//! is told to stop. The `usher` binary is a thin CLI over it, and the
//! end-to-end tests start it on port 0.
//!
//! This crate wires the others together; nothing depends on it.

pub mod cli;
pub mod demo;
pub mod listen;
pub mod settings;
pub mod telemetry;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use tokio::net::TcpListener;
use usher_api::Services;
use usher_persistence::Store;

pub use settings::Settings;

/// A server that is bound and ready to serve.
pub struct Application {
    listener: TcpListener,
    services: Arc<Services>,
    demo: Option<demo::DemoAccounts>,
    connections: listen::ConnectionLimits,
}

impl Application {
    /// Connects to and migrates the database, loads the demo festival when
    /// asked, and binds the listening socket.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let store = Store::connect(&settings.database_url, &settings.store).await?;
        if !store.seals_secrets() {
            tracing::warn!(
                "the access-token secret and the ticket keys are kept in the database in clear: \
                 give --secret-key-file (USHER_SECRET_KEY_FILE) to seal them"
            );
        }
        let services = Arc::new(
            Services::new(
                store,
                settings.auth.clone(),
                settings.ticket_key_pem.as_deref(),
            )
            .await?
            .with_public_origin(settings.public_url.clone()),
        );
        let demo = if settings.demo {
            let accounts = demo::load(&services).await?;
            if accounts.is_none() {
                tracing::warn!("the database holds other festivals: the demo was not loaded");
            }
            accounts
        } else {
            None
        };
        let listener = TcpListener::bind(settings.bind)
            .await
            .with_context(|| format!("cannot listen on {}", settings.bind))?;
        Ok(Self {
            listener,
            services,
            demo,
            connections: settings.connections.clone(),
        })
    }

    /// The address the server listens on (useful with port 0).
    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// The demo accounts, when the demo festival was asked for.
    pub fn demo_accounts(&self) -> Option<&demo::DemoAccounts> {
        self.demo.as_ref()
    }

    /// The store behind the server.
    pub fn store(&self) -> &Store {
        &self.services.store
    }

    /// Serves until `shutdown` completes, then finishes the requests in
    /// flight and closes the database.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let refresher = tokio::spawn(refresh_ticket_keys(self.services.clone()));
        let settler = tokio::spawn(settle_due_items(self.services.clone()));
        let listener = tokio::spawn(usher_api::events::forward_item_changes(
            self.services.clone(),
        ));
        let router = usher_api::router(self.services.clone());
        listen::serve(self.listener, router, &self.connections, shutdown).await;
        refresher.abort();
        settler.abort();
        listener.abort();
        self.services.store.clone().close().await?;
        Ok(())
    }
}

/// How often an instance rereads the ticket keys, to pick up a rotation or
/// retirement made by `usher keys` or another instance.
const KEY_REFRESH: std::time::Duration = std::time::Duration::from_secs(30);

async fn refresh_ticket_keys(services: Arc<Services>) {
    let mut ticks = tokio::time::interval(KEY_REFRESH);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        if let Err(error) = services.ticket_keys.refresh().await {
            tracing::warn!(
                error = format!("{error:#}"),
                "cannot reread the ticket keys"
            );
        }
    }
}

/// How often an instance looks for items whose unscanned tickets are due
/// for release, whose no-shows are due to be counted, whose ballot is due
/// to be drawn, or whose winners' claims have run out. The door does not
/// wait for the release (a scan from the release moment on is RELEASED
/// either way); the standby counts do.
const RELEASE_POLL: std::time::Duration = std::time::Duration::from_secs(5);

/// Releases unscanned tickets when their moment comes, counts no-shows
/// when late entry closes, draws ballots when they close and passes on
/// unclaimed wins at their deadline: at once on start (catching up on what was missed
/// while no instance ran), then every [`RELEASE_POLL`]. Every instance runs
/// it; the database makes each happen once.
async fn settle_due_items(services: Arc<Services>) {
    let mut ticks = tokio::time::interval(RELEASE_POLL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match services
            .store
            .release_due_tickets(usher_domain::time::now())
            .await
        {
            Ok(releases) => {
                for release in releases {
                    tracing::info!(
                        item = %release.item_id,
                        tickets = release.tickets,
                        "released unscanned tickets to the standby line"
                    );
                    services.events.item_changed(release.item_id);
                }
            }
            Err(error) => tracing::warn!(
                error = format!("{error:#}"),
                "cannot release unscanned tickets"
            ),
        }
        match services
            .store
            .count_due_no_shows(usher_domain::time::now())
            .await
        {
            Ok(counted) => {
                for (item, strikes) in counted {
                    tracing::info!(%item, strikes, "counted the no-shows of an item");
                }
            }
            Err(error) => tracing::warn!(error = format!("{error:#}"), "cannot count no-shows"),
        }
        match services
            .store
            .draw_due_ballots(usher_domain::time::now())
            .await
        {
            Ok(drawn) => {
                for item in drawn {
                    tracing::info!(%item, "drew the ballot of an item");
                    services.events.item_changed(item);
                }
            }
            Err(error) => tracing::warn!(error = format!("{error:#}"), "cannot draw ballots"),
        }
        match services
            .store
            .expire_due_claims(usher_domain::time::now())
            .await
        {
            Ok(moved) => {
                for item in moved {
                    tracing::info!(%item, "passed on the unclaimed places of a ballot");
                    services.events.item_changed(item);
                }
            }
            Err(error) => {
                tracing::warn!(error = format!("{error:#}"), "cannot expire ballot claims")
            }
        }
    }
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}
