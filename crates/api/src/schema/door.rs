//! The door: check-in with every outcome, offline scanning, scanner
//! devices, and the scan record organizers read.

use std::collections::HashSet;

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use usher_domain::catalogue::Venue;
use usher_domain::door::{self, Details, Scan, ScanRecord, ScannedBy, ScannerDevice};
use usher_domain::ids::{ItemId, ScanId, ScannerId, TicketId, VenueId};
use usher_domain::input::{Label, Timezone};
use usher_domain::tickets::TicketClaims;
use usher_domain::time::{self, Timestamp};
use usher_domain::wording::count;
use usher_persistence::{ScanAttempt, ScanResult};

use crate::Services;
use crate::auth::{Viewer, new_scanner_token, token_hash};
use crate::codes::InvalidCode;
use crate::error::{ApiError, ApiResult};
use crate::monitoring;
use crate::schema::catalogue::require_organizer;
use crate::schema::programme::PageInfo;
use crate::schema::scalars::{DateTime, optional};
use crate::schema::tickets::TicketNode;
use crate::schema::types::{ItemNode, VenueNode};
use crate::schema::{loaders, parse_id, services, viewer};

/// Offline scans accepted in one upload.
const MAX_OFFLINE_BATCH: usize = 1_000;
/// An offline scan's clock may run this far ahead of the server's.
const CLOCK_SKEW: chrono::Duration = chrono::Duration::minutes(5);

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "door::CheckInOutcome")]
pub enum CheckInOutcome {
    Admitted,
    AlreadyCheckedIn,
    InvalidCode,
    UnknownTicket,
    Cancelled,
    ItemCancelled,
    WrongVenue,
    WrongItem,
    TooEarly,
    TooLate,
    VenueFull,
}

#[derive(SimpleObject)]
pub struct FirstCheckIn {
    pub at: DateTime,
    pub gate: Option<String>,
}

/// What a scan came to, with a sentence door staff can read out.
#[derive(SimpleObject)]
pub struct CheckInResult {
    pub outcome: CheckInOutcome,
    /// True only for ADMITTED.
    pub admitted: bool,
    /// Null for INVALID_CODE and UNKNOWN_TICKET.
    pub ticket: Option<TicketNode>,
    pub first_check_in: Option<FirstCheckIn>,
    /// A short sentence door staff can read out, e.g. which hall and time the ticket is for.
    pub message: String,
}

#[derive(SimpleObject)]
pub struct OfflineScanResult {
    pub client_scan_id: ID,
    /// The outcome this scan gets in the order of scannedAt among all scans of the ticket.
    pub result: CheckInResult,
    /// True when the device admitted someone the server would not have (e.g. a second entry on one ticket).
    pub conflict: bool,
}

#[derive(InputObject)]
pub struct CheckInInput {
    pub code: String,
    pub gate: Option<String>,
    /// Door staff admitting for one item at a time name it; then a ticket for another item at the same venue is WRONG_ITEM.
    pub item_id: Option<ID>,
    pub venue_id: ID,
    /// The scan's id on the scanner (1 to 100 characters). A scan sent again with the same id by the same scanner (device or account), e.g. after a lost answer, gets the first answer and is not decided or recorded again.
    pub client_scan_id: Option<ID>,
}

#[derive(InputObject)]
pub struct OfflineScanInput {
    /// Unique per scan on the device; a re-sent scan is answered, not recorded twice.
    pub client_scan_id: ID,
    pub code: String,
    pub venue_id: ID,
    pub gate: Option<String>,
    pub scanned_at: DateTime,
}

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
    /// When the token stops working; default 24 hours from now, at most 31 days.
    pub expires_at: Option<DateTime>,
}

/// What an offline scanner needs to decide alone.
pub struct ScannerManifestNode {
    venue: Venue,
    manifest: usher_persistence::Manifest,
    jwks: String,
    generated_at: Timestamp,
}

#[Object(name = "ScannerManifest")]
impl ScannerManifestNode {
    async fn venue(&self) -> VenueNode {
        VenueNode(self.venue.clone())
    }

    /// Items at this venue from now until the end of the festival.
    async fn items(&self) -> Vec<ItemNode> {
        self.manifest.items.iter().cloned().map(ItemNode).collect()
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

/// A scanner device: a phone at a gate with a token of its own.
pub struct ScannerDeviceNode(pub ScannerDevice);

#[Object(name = "ScannerDevice")]
impl ScannerDeviceNode {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn label(&self) -> &str {
        self.0.label.as_str()
    }

    async fn venue(&self, ctx: &Context<'_>) -> ApiResult<VenueNode> {
        loaders(ctx)?
            .load_one(self.0.venue_id)
            .await?
            .map(VenueNode)
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

    /// Whether the token works now.
    async fn active(&self) -> bool {
        self.0.is_live(time::now())
    }
}

/// A newly issued scanner device with its token, shown this once.
#[derive(SimpleObject)]
pub struct IssuedScannerToken {
    /// Send as `Authorization: Bearer <token>` from the device. Shown only now.
    pub token: String,
    pub scanner: ScannerDeviceNode,
}

/// One recorded scan.
pub struct ScanNode(pub ScanRecord);

#[Object(name = "Scan")]
impl ScanNode {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn outcome(&self) -> CheckInOutcome {
        self.0.outcome.into()
    }

    async fn ticket(&self, ctx: &Context<'_>) -> ApiResult<Option<TicketNode>> {
        let Some(ticket_id) = self.0.ticket_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.load_one(ticket_id).await?.map(TicketNode))
    }

    async fn gate(&self) -> Option<&str> {
        self.0.gate.as_deref()
    }

    /// The device's clock for offline scans.
    async fn scanned_at(&self) -> DateTime {
        self.0.scanned_at.into()
    }

    /// Uploaded later from an offline scanner.
    async fn offline(&self) -> bool {
        self.0.offline
    }

    /// The device let in someone the server would not have.
    async fn conflict(&self) -> bool {
        self.0.conflict
    }

    /// The scanner device, when a device scanned.
    async fn scanner(&self, ctx: &Context<'_>) -> ApiResult<Option<ScannerDeviceNode>> {
        let ScannedBy::Device(id) = self.0.scanned_by else {
            return Ok(None);
        };
        Ok(services(ctx)?
            .store
            .scanner(id)
            .await?
            .map(ScannerDeviceNode))
    }
}

#[derive(SimpleObject)]
pub struct ScanEdge {
    pub cursor: String,
    pub node: ScanNode,
}

#[derive(SimpleObject)]
pub struct ScanConnection {
    pub edges: Vec<ScanEdge>,
    pub page_info: PageInfo,
    pub total_count: i32,
}

/// The venue, if the viewer may scan there: door staff of its festival (in
/// scope), its organizers, or a scanner device issued for it.
async fn scanning_at(ctx: &Context<'_>, venue_id: VenueId) -> ApiResult<(Venue, ScannedBy)> {
    let services = services(ctx)?;
    let venue = services
        .catalogue
        .venue(&services.store, venue_id)
        .await?
        .ok_or_else(|| ApiError::not_found("venue"))?;
    let by = match viewer(ctx) {
        Viewer::Anonymous => return Err(ApiError::sign_in_required()),
        Viewer::User(user, _) if user.permissions.can_scan(venue.festival_id, venue.id) => {
            ScannedBy::Account(user.id)
        }
        Viewer::Scanner(device) if device.venue_id == venue.id => ScannedBy::Device(device.id),
        Viewer::User(..) | Viewer::Scanner(_) => {
            return Err(ApiError::Forbidden(
                "only door staff of this venue may scan here".into(),
            ));
        }
    };
    Ok((venue, by))
}

/// A scanner's id for a scan, trimmed.
fn parse_client_scan_id(field: &str, id: &ID) -> ApiResult<String> {
    let id = id.trim();
    if id.is_empty() || id.len() > 100 {
        return Err(ApiError::bad_input(field, "must be 1 to 100 characters"));
    }
    Ok(id.to_owned())
}

fn parse_gate(venue: &Venue, field: &str, gate: Option<&str>) -> ApiResult<Option<String>> {
    let Some(gate) = gate else {
        return Ok(None);
    };
    let gate = Label::parse(field, gate)?;
    if !venue.gates.is_empty() && !venue.gates.contains(&gate) {
        let known: Vec<&str> = venue.gates.iter().map(Label::as_str).collect();
        return Err(ApiError::bad_input(
            field,
            format!("is not a gate of {}: {}", venue.name, known.join(", ")),
        ));
    }
    Ok(Some(gate.into_string()))
}

/// The answer to a scan made at `scanned_at` of a code that `verified`
/// (or did not, and why).
async fn answer(
    ctx: &Context<'_>,
    result: ScanResult,
    scanned_at: Timestamp,
    verified: Result<TicketClaims, InvalidCode>,
) -> ApiResult<CheckInResult> {
    let services = services(ctx)?;
    let timezone = match &result.item {
        Some(item) => services
            .catalogue
            .festival(&services.store, item.festival_id)
            .await?
            .map_or(Timezone::UTC, |festival| festival.timezone),
        None => Timezone::UTC,
    };
    let first_check_in = result.first_check_in();
    let message = door::message(
        result.outcome,
        &Details {
            holder: result
                .ticket
                .as_ref()
                .map(|ticket| ticket.holder_name.as_str()),
            item: result.item.as_ref(),
            venue_name: result
                .venue
                .as_ref()
                .map_or("", |venue| venue.name.as_str()),
            venue_capacity: result
                .venue
                .as_ref()
                .map_or(0, |venue| venue.capacity.get()),
            first_check_in,
            timezone: timezone.tz(),
            scanned_at,
            retired_key: verified == Err(InvalidCode::RetiredKey),
        },
    );
    let first_check_in = first_check_in.map(|(at, gate)| FirstCheckIn {
        at: at.into(),
        gate: gate.map(str::to_owned),
    });
    let outcome = result.outcome;
    Ok(CheckInResult {
        outcome: outcome.into(),
        admitted: outcome == door::CheckInOutcome::Admitted,
        ticket: result.ticket.map(TicketNode),
        first_check_in: (outcome != door::CheckInOutcome::Admitted)
            .then_some(first_check_in)
            .flatten(),
        message,
    })
}

/// Counts the decision, and tells subscribers about an admission (refusals
/// change no numbers).
async fn announce(services: &Services, result: &ScanResult) {
    monitoring::check_in(result.outcome.as_str());
    if result.outcome == door::CheckInOutcome::Admitted
        && let Some(item) = &result.item
    {
        services.events.item_changed(item.id);
    }
}

async fn verify(services: &Services, code: &str) -> Result<TicketClaims, InvalidCode> {
    services.ticket_keys.verify_current(code).await
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

    /// The scanner devices of a venue, for its festival's organizers.
    async fn scanner_tokens(
        &self,
        ctx: &Context<'_>,
        venue_id: ID,
    ) -> ApiResult<Vec<ScannerDeviceNode>> {
        let venue_id: VenueId = parse_id("venueId", &venue_id)?;
        let venue = loaders(ctx)?
            .load_one(venue_id)
            .await?
            .ok_or_else(|| ApiError::not_found("venue"))?;
        require_organizer(ctx, venue.festival_id)?;
        let devices = services(ctx)?.store.scanners_of_venue(venue_id).await?;
        Ok(devices.into_iter().map(ScannerDeviceNode).collect())
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
            .map(|id| parse_client_scan_id("clientScanId", id))
            .transpose()?;
        let (venue, by) = scanning_at(ctx, venue_id).await?;
        let gate = parse_gate(&venue, "gate", input.gate.as_deref())?;
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
        if scans.len() > MAX_OFFLINE_BATCH {
            return Err(ApiError::bad_input(
                "scans",
                format!(
                    "holds {}; upload at most {MAX_OFFLINE_BATCH} at a time",
                    count(scans.len(), "scan", "scans")
                ),
            ));
        }
        let latest_allowed = time::now() + CLOCK_SKEW;
        let mut attempts = Vec::with_capacity(scans.len());
        let mut seen = HashSet::new();
        for (index, scan) in scans.iter().enumerate() {
            let field = |name: &str| format!("scans[{index}].{name}");
            let client_scan_id =
                parse_client_scan_id(&field("clientScanId"), &scan.client_scan_id)?;
            if !seen.insert(client_scan_id.clone()) {
                return Err(ApiError::bad_input(
                    field("clientScanId"),
                    "appears twice in this upload",
                ));
            }
            let scanned_at = scan.scanned_at.parse(&field("scannedAt"))?;
            if scanned_at > latest_allowed {
                return Err(ApiError::bad_input(
                    field("scannedAt"),
                    "is in the future: check the device's clock",
                ));
            }
            let venue_id: VenueId = parse_id(&field("venueId"), &scan.venue_id)?;
            let (venue, by) = scanning_at(ctx, venue_id).await?;
            let gate = parse_gate(&venue, &field("gate"), scan.gate.as_deref())?;
            attempts.push((index, client_scan_id, venue, gate, by, scanned_at));
        }
        let services = services(ctx)?;
        attempts.sort_by_key(|attempt| attempt.5);
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
    async fn undo_check_in(&self, ctx: &Context<'_>, ticket_id: ID) -> ApiResult<TicketNode> {
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
        Ok(TicketNode(ticket))
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
        let organizer = require_organizer(ctx, venue.festival_id)?;
        let token = new_scanner_token();
        let scanner = services(ctx)?
            .store
            .issue_scanner(
                venue.festival_id,
                venue_id,
                label,
                token_hash(&token),
                expires_at,
                organizer.id,
            )
            .await?;
        Ok(IssuedScannerToken {
            token,
            scanner: ScannerDeviceNode(scanner),
        })
    }

    /// Revokes a scanner device's token; it stops working at once.
    async fn revoke_scanner_token(
        &self,
        ctx: &Context<'_>,
        scanner_id: ID,
    ) -> ApiResult<ScannerDeviceNode> {
        let scanner_id = organized_scanner(ctx, &scanner_id).await?;
        let services = services(ctx)?;
        let revoked = services.store.revoke_scanner(scanner_id).await?;
        // Other instances refuse the token once their entry expires.
        services.scanners.forget_all();
        Ok(ScannerDeviceNode(revoked))
    }

    /// Extends a live scanner device's token, which stays the same: the
    /// phone goes on scanning without being paired again. A revoked or
    /// expired token cannot be renewed (BAD_USER_INPUT on scannerId).
    async fn renew_scanner_token(
        &self,
        ctx: &Context<'_>,
        input: RenewScannerTokenInput,
    ) -> ApiResult<ScannerDeviceNode> {
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
        Ok(ScannerDeviceNode(renewed))
    }
}

/// The scanner device `id` names, if the viewer organizes its festival.
async fn organized_scanner(ctx: &Context<'_>, id: &ID) -> ApiResult<ScannerId> {
    let scanner_id: ScannerId = parse_id("scannerId", id)?;
    let scanner = services(ctx)?
        .store
        .scanner(scanner_id)
        .await?
        .ok_or_else(|| ApiError::not_found("scanner"))?;
    require_organizer(ctx, scanner.festival_id)?;
    Ok(scanner_id)
}

/// A page of an item's scans, for its organizers.
pub(crate) async fn scans_page(
    ctx: &Context<'_>,
    item: &usher_domain::catalogue::Item,
    outcome: Option<CheckInOutcome>,
    first: Option<i32>,
    after: Option<String>,
) -> ApiResult<ScanConnection> {
    require_organizer(ctx, item.festival_id)?;
    let first = crate::schema::programme::page_size(first)?;
    let after = after
        .map(|cursor| {
            crate::schema::programme::decode_cursor::<ScanId>(&cursor)
                .ok_or_else(|| ApiError::bad_input("after", "is not a cursor of this list"))
        })
        .transpose()?;
    let page = services(ctx)?
        .store
        .scans_of_item(item.id, outcome.map(Into::into), after, first)
        .await?;
    let edges: Vec<ScanEdge> = page
        .rows
        .into_iter()
        .map(|scan| ScanEdge {
            cursor: crate::schema::programme::encode_cursor(scan.scanned_at, scan.id),
            node: ScanNode(scan),
        })
        .collect();
    Ok(ScanConnection {
        page_info: PageInfo {
            has_next_page: page.has_next_page,
            end_cursor: edges.last().map(|edge| edge.cursor.clone()),
        },
        edges,
        total_count: i32::try_from(page.total_count).unwrap_or(i32::MAX),
    })
}
