//! Scanner devices: phones at a gate with a token of their own, issued,
//! renewed and revoked by organizers, and the manifest an offline scanner
//! decides with.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use usher_domain::catalogue::{Item, Venue};
use usher_domain::door::ScannerDevice;
use usher_domain::ids::ScannerId;
use usher_domain::input::Label;
use usher_domain::time::{self, Timestamp};
use usher_persistence::Manifest;

use crate::error::{ApiError, ApiResult};
use crate::loaders::LastScanOf;
use crate::schema::context::{loaders, services, viewer};
use crate::schema::node::Node;
use crate::schema::scalars::{DateTime, parse_id};

#[derive(InputObject)]
pub struct RenewScannerTokenInput {
    pub scanner_id: ID,
    /// When the token stops working: later than now and than its current expiry; default 24 hours from now, at most 31 days.
    pub expires_at: Option<DateTime>,
}

#[derive(InputObject)]
pub struct IssueScannerTokenInput {
    pub venue_id: ID,
    /// A name for the device, e.g. "Gate A, phone 2".
    pub label: String,
    /// The gate of the venue the device scans at (one of the venue's gates), if it belongs to one: the door app then scans there without asking.
    pub gate: Option<String>,
    /// When the token stops working; default 24 hours from now, at most 31 days.
    pub expires_at: Option<DateTime>,
}

/// What an offline scanner needs to decide alone.
pub struct ScannerManifestNode {
    pub(super) venue: Venue,
    pub(super) manifest: Manifest,
    pub(super) jwks: String,
    pub(super) generated_at: Timestamp,
}

#[Object(name = "ScannerManifest")]
impl ScannerManifestNode {
    async fn venue(&self) -> Node<Venue> {
        Node(self.venue.clone())
    }

    /// Items at this venue from now until the end of the festival.
    async fn items(&self) -> Vec<Node<Item>> {
        self.manifest.items.iter().cloned().map(Node).collect()
    }

    /// Ids of cancelled tickets for those items, for offline refusal.
    async fn cancelled_ticket_ids(&self) -> Vec<ID> {
        self.manifest
            .cancelled
            .iter()
            .map(|id| ID(id.to_string()))
            .collect()
    }

    /// Ids of tickets already checked in for those items.
    async fn checked_in_ticket_ids(&self) -> Vec<ID> {
        self.manifest
            .checked_in
            .iter()
            .map(|id| ID(id.to_string()))
            .collect()
    }

    /// The JWKS (as JSON text) that verifies ticket codes.
    async fn jwks(&self) -> &str {
        &self.jwks
    }

    async fn generated_at(&self) -> DateTime {
        self.generated_at.into()
    }
}

// A scanner device: a phone at a gate with a token of its own.
#[Object(name = "ScannerDevice")]
impl Node<ScannerDevice> {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn label(&self) -> &str {
        self.0.label.as_str()
    }

    /// The gate it scans at, if it belongs to one.
    async fn gate(&self) -> Option<&str> {
        self.0.gate.as_ref().map(Label::as_str)
    }

    async fn venue(&self, ctx: &Context<'_>) -> ApiResult<Node<Venue>> {
        loaders(ctx)?
            .load_one(self.0.venue_id)
            .await?
            .map(Node)
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("scanner without its venue")))
    }

    async fn expires_at(&self) -> DateTime {
        self.0.expires_at.into()
    }

    async fn revoked_at(&self) -> Option<DateTime> {
        self.0.revoked_at.map(DateTime::from)
    }

    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }

    /// When the device last scanned (the latest scan it recorded; the
    /// phone's clock for a scan made offline); null before its first scan.
    async fn last_scan_at(&self, ctx: &Context<'_>) -> ApiResult<Option<DateTime>> {
        let last = loaders(ctx)?.load_one(LastScanOf(self.0.id)).await?;
        Ok(last.map(DateTime::from))
    }

    /// Whether the token works now.
    async fn active(&self) -> bool {
        self.0.is_live(time::now())
    }
}

/// A newly issued scanner device with its token.
#[derive(SimpleObject)]
pub struct IssuedScannerToken {
    /// Send as `Authorization: Bearer <token>` from the device. Shown only
    /// now (and in the pairing QR code, while the token is live).
    pub token: String,
    /// The door page with this token in its fragment
    /// (`https://…/door#pair=usc_…`): opened on a phone, it pairs it. Also
    /// as a QR code at `GET /scanners/{id}/pairing.svg`, for organizers.
    pub pairing_url: String,
    pub scanner: Node<ScannerDevice>,
}

/// The scanner device `id` names, if the viewer organizes its festival.
pub(super) async fn organized_scanner(ctx: &Context<'_>, id: &ID) -> ApiResult<ScannerId> {
    let scanner_id: ScannerId = parse_id("scannerId", id)?;
    let scanner = services(ctx)?
        .store
        .scanner(scanner_id)
        .await?
        .ok_or_else(|| ApiError::not_found("scanner"))?;
    viewer(ctx).organizer(scanner.festival_id)?;
    Ok(scanner_id)
}
