//! The door: check-in with every outcome, offline scanning, scanner
//! devices, and the scan record organizers read.

pub(crate) mod check_in;
mod scanners;
pub(crate) mod scans;

use async_graphql::{Context, ID, Object};
use usher_domain::catalogue::Venue;
use usher_domain::door::{self, OfflineUpload, Scan, ScannedBy, ScannerDevice};
use usher_domain::ids::{ItemId, ScannerId, TicketId, VenueId};
use usher_domain::input::Label;
use usher_domain::tickets::Ticket;
use usher_domain::time;
use usher_persistence::{NewScanner, ScanAttempt};

use crate::auth::token_hash;
use crate::error::{ApiError, ApiResult};
use crate::schema::context::{loaders, origin, services, viewer};
use crate::schema::node::Node;
use crate::schema::scalars::{optional, parse_id};
use check_in::{
    CheckInInput, CheckInResult, OfflineScanInput, OfflineScanResult, announce, answer, verify,
};
use scanners::{
    IssueScannerTokenInput, IssuedScannerToken, RenewScannerTokenInput, ScannerManifestNode,
    organized_scanner,
};

/// The venue, if the viewer may scan there, and who scans.
async fn scanning_at(ctx: &Context<'_>, venue_id: VenueId) -> ApiResult<(Venue, ScannedBy)> {
    let services = services(ctx)?;
    let venue = services
        .catalogue
        .venue(&services.store, venue_id)
        .await?
        .ok_or_else(|| ApiError::not_found("venue"))?;
    let by = viewer(ctx).scanner_at(&venue)?;
    Ok((venue, by))
}

#[derive(Default)]
pub struct DoorQuery;

#[Object]
impl DoorQuery {
    /// Door staff of the venue's festival.
    async fn scanner_manifest(
        &self,
        ctx: &Context<'_>,
        venue_id: ID,
    ) -> ApiResult<ScannerManifestNode> {
        let venue_id: VenueId = parse_id("venueId", &venue_id)?;
        let (venue, _) = scanning_at(ctx, venue_id).await?;
        let services = services(ctx)?;
        let generated_at = time::now();
        let manifest = services
            .store
            .scanner_manifest(venue_id, generated_at)
            .await?;
        Ok(ScannerManifestNode {
            venue,
            manifest,
            jwks: services.ticket_keys.jwks(),
            generated_at,
        })
    }

    /// The scanner device whose token was sent, so that a paired phone
    /// learns its venue; null for anyone else.
    async fn my_scanner(&self, ctx: &Context<'_>) -> Option<Node<ScannerDevice>> {
        viewer(ctx).scanner().cloned().map(Node)
    }

    /// The scanner devices of a venue, for its festival's organizers.
    async fn scanner_tokens(
        &self,
        ctx: &Context<'_>,
        venue_id: ID,
    ) -> ApiResult<Vec<Node<ScannerDevice>>> {
        let venue_id: VenueId = parse_id("venueId", &venue_id)?;
        let venue = loaders(ctx)?
            .load_one(venue_id)
            .await?
            .ok_or_else(|| ApiError::not_found("venue"))?;
        viewer(ctx).organizer(venue.festival_id)?;
        let devices = services(ctx)?.store.scanners_of_venue(venue_id).await?;
        Ok(devices.into_iter().map(Node).collect())
    }
}

#[derive(Default)]
pub struct DoorMutation;

#[Object]
impl DoorMutation {
    /// Scans a ticket at a venue. A refusal is an outcome, not an error.
    async fn check_in(&self, ctx: &Context<'_>, input: CheckInInput) -> ApiResult<CheckInResult> {
        let venue_id: VenueId = parse_id("venueId", &input.venue_id)?;
        let item_id: Option<ItemId> = input
            .item_id
            .map(|id| parse_id("itemId", &id))
            .transpose()?;
        let client_scan_id = input
            .client_scan_id
            .as_ref()
            .map(|id| door::parse_client_scan_id("clientScanId", id))
            .transpose()?;
        let (venue, by) = scanning_at(ctx, venue_id).await?;
        let gate = venue
            .gate("gate", input.gate.as_deref())?
            .map(Label::into_string);
        let services = services(ctx)?;
        let verified = verify(services, &input.code).await;
        let scanned_at = time::now();
        let attempt = ScanAttempt {
            claims: verified.ok(),
            scan: Scan {
                festival_id: venue.festival_id,
                venue_id,
                item_id,
                at: scanned_at,
            },
            gate,
            by,
            client_scan_id,
            offline: false,
        };
        let result = services.store.check_in(attempt).await?;
        announce(services, &result).await;
        answer(ctx, result, scanned_at, verified).await
    }

    /// Uploads scans decided by a scanner while it was offline. All scans of
    /// a ticket are ordered by scannedAt: the earliest admissible one admits.
    #[graphql(complexity = "scans.len() + child_complexity")]
    async fn sync_offline_scans(
        &self,
        ctx: &Context<'_>,
        scans: Vec<OfflineScanInput>,
    ) -> ApiResult<Vec<OfflineScanResult>> {
        let mut upload = OfflineUpload::start("scans", scans.len(), time::now())?;
        let mut attempts = Vec::with_capacity(scans.len());
        for (index, scan) in scans.iter().enumerate() {
            let field = |name: &str| format!("scans[{index}].{name}");
            let client_scan_id =
                upload.client_scan_id(&field("clientScanId"), &scan.client_scan_id)?;
            let scanned_at_field = field("scannedAt");
            let scanned_at =
                upload.scanned_at(&scanned_at_field, scan.scanned_at.parse(&scanned_at_field)?)?;
            let venue_id: VenueId = parse_id(&field("venueId"), &scan.venue_id)?;
            let (venue, by) = scanning_at(ctx, venue_id).await?;
            let gate = venue
                .gate(&field("gate"), scan.gate.as_deref())?
                .map(Label::into_string);
            attempts.push((index, client_scan_id, venue, gate, by, scanned_at));
        }
        let services = services(ctx)?;
        door::in_scan_order(&mut attempts, |attempt| attempt.5);
        let mut results: Vec<Option<OfflineScanResult>> = (0..scans.len()).map(|_| None).collect();
        for (index, client_scan_id, venue, gate, by, scanned_at) in attempts {
            let verified = verify(services, &scans[index].code).await;
            let attempt = ScanAttempt {
                claims: verified.ok(),
                scan: Scan {
                    festival_id: venue.festival_id,
                    venue_id: venue.id,
                    item_id: None,
                    at: scanned_at,
                },
                gate,
                by,
                client_scan_id: Some(client_scan_id.clone()),
                offline: true,
            };
            let result = services.store.check_in(attempt).await?;
            announce(services, &result).await;
            let conflict = result.conflict;
            results[index] = Some(OfflineScanResult {
                client_scan_id: ID(client_scan_id),
                result: answer(ctx, result, scanned_at, verified).await?,
                conflict,
            });
        }
        Ok(results.into_iter().flatten().collect())
    }

    /// Puts a checked-in ticket back to ACTIVE and frees its place inside
    /// (door staff of its venue, or organizers).
    async fn undo_check_in(&self, ctx: &Context<'_>, ticket_id: ID) -> ApiResult<Node<Ticket>> {
        let ticket_id: TicketId = parse_id("ticketId", &ticket_id)?;
        let ticket = loaders(ctx)?
            .load_one(ticket_id)
            .await?
            .ok_or_else(|| ApiError::not_found("ticket"))?;
        let item = loaders(ctx)?
            .load_one(ticket.item_id)
            .await?
            .ok_or_else(|| ApiError::not_found("item"))?;
        scanning_at(ctx, item.venue_id).await?;
        let services = services(ctx)?;
        let ticket = services.store.undo_check_in(ticket_id).await?;
        services.events.item_changed(ticket.item_id);
        Ok(Node(ticket))
    }

    /// Issues a token for a scanner device at one venue (organizers).
    async fn issue_scanner_token(
        &self,
        ctx: &Context<'_>,
        input: IssueScannerTokenInput,
    ) -> ApiResult<IssuedScannerToken> {
        let venue_id: VenueId = parse_id("venueId", &input.venue_id)?;
        let label = Label::parse("label", &input.label)?;
        let now = time::now();
        let expires_at = door::scanner_expiry(
            "expiresAt",
            optional(input.expires_at.as_ref(), "expiresAt")?,
            now,
        )?;
        let venue = loaders(ctx)?
            .load_one(venue_id)
            .await?
            .ok_or_else(|| ApiError::not_found("venue"))?;
        let organizer = viewer(ctx).organizer(venue.festival_id)?;
        let gate = venue.gate("gate", input.gate.as_deref())?;
        // Before anything is issued: a token whose pairing URL cannot be
        // made would be lost with the answer.
        let origin = origin(ctx)?;
        let services = services(ctx)?;
        let scanner_id = ScannerId::generate();
        let token = services.scanner_tokens.token(scanner_id);
        let scanner = services
            .store
            .issue_scanner(NewScanner {
                id: scanner_id,
                festival_id: venue.festival_id,
                venue_id,
                label,
                gate,
                token_hash: token_hash(&token),
                expires_at,
                issued_by: organizer.id,
            })
            .await?;
        Ok(IssuedScannerToken {
            pairing_url: origin.pairing_url(&token),
            token,
            scanner: Node(scanner),
        })
    }

    /// Revokes a scanner device's token; it stops working at once.
    async fn revoke_scanner_token(
        &self,
        ctx: &Context<'_>,
        scanner_id: ID,
    ) -> ApiResult<Node<ScannerDevice>> {
        let scanner_id = organized_scanner(ctx, &scanner_id).await?;
        let services = services(ctx)?;
        let revoked = services.store.revoke_scanner(scanner_id).await?;
        // Other instances refuse the token once their entry expires.
        services.scanners.forget_all();
        Ok(Node(revoked))
    }

    /// Extends a live scanner device's token, which stays the same: the
    /// phone goes on scanning without being paired again. A revoked or
    /// expired token cannot be renewed (BAD_USER_INPUT on scannerId).
    async fn renew_scanner_token(
        &self,
        ctx: &Context<'_>,
        input: RenewScannerTokenInput,
    ) -> ApiResult<Node<ScannerDevice>> {
        let now = time::now();
        let requested = optional(input.expires_at.as_ref(), "expiresAt")?;
        let expires_at = door::scanner_expiry("expiresAt", requested, now)?;
        let scanner_id = organized_scanner(ctx, &input.scanner_id).await?;
        let services = services(ctx)?;
        let renewed = services
            .store
            .renew_scanner(scanner_id, expires_at, now)
            .await?;
        // This instance sees the new expiry at once, others once their
        // entry expires (two seconds).
        services.scanners.forget_all();
        Ok(Node(renewed))
    }
}
