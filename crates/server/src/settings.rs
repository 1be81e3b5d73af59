//! Server settings, filled from the command line and the environment.

use std::net::SocketAddr;

use usher_api::auth::AuthSettings;
use usher_api::pairing::Origin;
use usher_persistence::StoreOptions;

use crate::listen::ConnectionLimits;

/// The SQLite file in the working directory, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://usher.db";
/// Where the server listens unless told otherwise.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// Everything `Application::build` needs.
#[derive(Clone)]
pub struct Settings {
    /// Address to listen on.
    pub bind: SocketAddr,
    /// `sqlite://FILE` or `postgres://USER@HOST/DB`.
    pub database_url: String,
    /// Pool size and SQLite durability.
    pub store: StoreOptions,
    /// Token lifetimes and password-hash cost.
    pub auth: AuthSettings,
    /// Load the demo festival into an empty database.
    pub demo: bool,
    /// An Ed25519 PKCS#8 PEM key that signs ticket codes instead of the
    /// keys kept in the database.
    pub ticket_key_pem: Option<String>,
    /// Connections served at once and the deadline for a request head.
    pub connections: ConnectionLimits,
    /// The origin of the URLs that pair door phones; without it, each
    /// request's own.
    pub public_url: Option<Origin>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("bind", &self.bind)
            .field(
                "database_url",
                &usher_persistence::redact_password(&self.database_url),
            )
            .field("store", &self.store)
            .field("demo", &self.demo)
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}
