//! The scan record organizers read: every scan of an item's tickets, a
//! page at a time, newest first.

use async_graphql::{Context, ID, Object, SimpleObject};
use usher_domain::catalogue::Item;
use usher_domain::door::{ScanRecord, ScannedBy, ScannerDevice};
use usher_domain::ids::ScanId;
use usher_domain::input::Label;
use usher_domain::tickets::Ticket;

use crate::error::ApiResult;
use crate::schema::context::{loaders, services, viewer};
use crate::schema::door::check_in::CheckInOutcome;
use crate::schema::node::Node;
use crate::schema::pagination::{PageInfo, encode_cursor, page_size, position_after, total_count};
use crate::schema::scalars::DateTime;

// One recorded scan.
#[Object(name = "Scan")]
impl Node<ScanRecord> {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn outcome(&self) -> CheckInOutcome {
        self.0.outcome.into()
    }

    async fn ticket(&self, ctx: &Context<'_>) -> ApiResult<Option<Node<Ticket>>> {
        let Some(ticket_id) = self.0.ticket_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.load_one(ticket_id).await?.map(Node))
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
    async fn scanner(&self, ctx: &Context<'_>) -> ApiResult<Option<Node<ScannerDevice>>> {
        let ScannedBy::Device(id) = self.0.scanned_by else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.load_one(id).await?.map(Node))
    }
}

#[derive(SimpleObject)]
pub struct ScanEdge {
    pub cursor: String,
    pub node: Node<ScanRecord>,
}

#[derive(SimpleObject)]
pub struct ScanConnection {
    pub edges: Vec<ScanEdge>,
    pub page_info: PageInfo,
    pub total_count: i32,
}

/// A page of an item's scans, for its organizers.
pub(crate) async fn page(
    ctx: &Context<'_>,
    item: &Item,
    outcome: Option<CheckInOutcome>,
    gate: Option<String>,
    first: Option<i32>,
    after: Option<String>,
) -> ApiResult<ScanConnection> {
    viewer(ctx).organizer(item.festival_id)?;
    let gate = gate.map(|gate| Label::parse("gate", &gate)).transpose()?;
    let first = page_size(first)?;
    let after = position_after::<ScanId>(after)?;
    let page = services(ctx)?
        .store
        .scans_of_item(
            item.id,
            outcome.map(Into::into),
            gate.as_ref(),
            after,
            first,
        )
        .await?;
    let edges: Vec<ScanEdge> = page
        .rows
        .into_iter()
        .map(|scan| ScanEdge {
            cursor: encode_cursor(scan.scanned_at, scan.id),
            node: Node(scan),
        })
        .collect();
    Ok(ScanConnection {
        page_info: PageInfo {
            has_next_page: page.has_next_page,
            end_cursor: edges.last().map(|edge| edge.cursor.clone()),
        },
        edges,
        total_count: total_count(page.total_count),
    })
}
