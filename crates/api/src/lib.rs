//! The API of Usher: the async-graphql schema, authentication, and the axum
//! router that serves them over HTTP.
//!
//! It translates: GraphQL in, domain and persistence calls, GraphQL out.
//! Rules live in the domain crate and are made atomic by the persistence
//! crate; this crate must not talk to the database other than through
//! `usher_persistence::Store`, and it neither loads configuration nor binds
//! sockets (the server crate does).

mod access;
pub mod auth;
mod calendar;
mod catalogue_cache;
mod charts;
pub mod codes;
mod documents;
mod ended_logins;
pub mod error;
pub mod events;
mod field_errors;
mod http;
pub mod live;
mod loaders;
pub mod monitoring;
mod pages;
pub mod pairing;
mod parsed_queries;
pub mod qr;
mod recent;
mod reports;
pub mod schema;
pub mod signed_links;
pub mod throttle;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;
use usher_domain::accounts::User;
use usher_domain::door::ScannerDevice;
use usher_domain::ids::UserId;
use usher_persistence::Store;

pub use http::{MAX_BODY_BYTES, router};
pub use schema::{UsherSchema, build_schema, sdl};

use crate::auth::{Auth, AuthSettings, ScannerTokens};
use crate::catalogue_cache::CatalogueCache;
use crate::codes::TicketKeys;
use crate::ended_logins::EndedLogins;
use crate::events::Events;
use crate::live::LiveItems;
use crate::pairing::Origin;
use crate::qr::QrRenderer;
use crate::recent::Recent;
use crate::signed_links::{LinkSigner, SIGNED_LINK_SECRET};
use crate::throttle::Throttles;

/// What every request needs: the store, the authenticator, the ticket
/// keys and the QR renderer.
pub struct Services {
    /// The database.
    pub store: Store,
    /// Issues and checks tokens and passwords.
    pub auth: Auth,
    /// Makes each scanner device's token from its id.
    pub scanner_tokens: ScannerTokens,
    /// Signs the short-lived links that open organizers' downloads in a
    /// browser.
    pub link_signer: LinkSigner,
    /// The origin of pairing URLs (`--public-url`); without it, each
    /// request's own.
    pub public_origin: Option<Origin>,
    /// Signs and verifies ticket codes.
    pub ticket_keys: TicketKeys,
    /// Renders QR codes, once per code.
    pub qr: QrRenderer,
    /// Live updates for subscriptions.
    pub events: Events,
    /// The items subscribers watch, each read once per change.
    pub live: LiveItems,
    /// Sign-ins and registrations let through per account and address.
    pub throttles: Throttles,
    /// Venues (read again after two seconds) and festivals (kept once
    /// read), for the door's common path.
    pub catalogue: CatalogueCache,
    /// Logins ended lately, on any instance.
    pub ended_logins: EndedLogins,
    /// Signed-in users who made requests during the last moments.
    pub users: Recent<UserId, Option<User>>,
    /// Scanner devices that scanned during the last moments, by the hash of
    /// their token.
    pub scanners: Recent<String, Option<ScannerDevice>>,
}

/// The name under which the access-token key is kept in the database.
const ACCESS_TOKEN_SECRET: &str = "access-token-hs256";
/// The name under which the key that scanner tokens are derived with is
/// kept in the database.
const SCANNER_TOKEN_SECRET: &str = "scanner-token-hmac-sha256";

impl Services {
    /// Services over `store`, with the access-token key and the scanner
    /// token key that every instance on this database shares (created by
    /// the first). With `ticket_key_pem`, that Ed25519 key signs ticket
    /// codes instead of the newest key in the database.
    pub async fn new(
        store: Store,
        settings: AuthSettings,
        ticket_key_pem: Option<&str>,
    ) -> anyhow::Result<Self> {
        let secret = shared_key(&store, ACCESS_TOKEN_SECRET).await?;
        let scanner_tokens = ScannerTokens::new(&shared_key(&store, SCANNER_TOKEN_SECRET).await?)?;
        let link_signer = LinkSigner::new(&shared_key(&store, SIGNED_LINK_SECRET).await?)?;
        let throttles = Throttles::new(&settings.throttles);
        let ended_logins = EndedLogins::follow(store.clone(), settings.access_token_ttl).await?;
        let auth = Auth::new(&secret, settings)?;
        let ticket_keys = TicketKeys::load(store.clone(), ticket_key_pem).await?;
        let events = Events::new(&store);
        Ok(Self {
            store,
            auth,
            scanner_tokens,
            link_signer,
            public_origin: None,
            ticket_keys,
            qr: QrRenderer::default(),
            events,
            live: LiveItems::default(),
            throttles,
            catalogue: CatalogueCache::default(),
            ended_logins,
            users: Recent::default(),
            scanners: Recent::default(),
        })
    }

    /// These services making pairing URLs with `origin` (the operator's
    /// `--public-url`) rather than with each request's own.
    #[must_use]
    pub fn with_public_origin(mut self, origin: Option<Origin>) -> Self {
        self.public_origin = origin;
        self
    }
}

/// The 32-byte key kept in the database as `name`, made by the first
/// instance that asks.
async fn shared_key(store: &Store, name: &str) -> anyhow::Result<Vec<u8>> {
    let mut fresh = [0_u8; 32];
    rand::rng().fill_bytes(&mut fresh);
    let stored = store.shared_secret(name, STANDARD.encode(fresh)).await?;
    Ok(STANDARD.decode(stored)?)
}
