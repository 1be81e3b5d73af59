//! The scan record: every scan as it was decided, for the organizers' audit
//! trail and for answering a scan sent again.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use usher_domain::door::batch::ScanResult;
use usher_domain::door::{CheckInOutcome, ScanRecord, ScannedBy};
use usher_domain::ids::{ItemId, ScanId, ScannerId, TicketId};
use usher_domain::input::Label;
use usher_domain::time::Timestamp;
use uuid::Uuid;

use crate::catalogue::{Page, load_item, load_venue};
use crate::entities::scan;
use crate::error::{StoreError, corrupt};
use crate::rows::{convert_all, in_list};
use crate::store::Store;
use crate::tickets::find_ticket;

impl TryFrom<scan::Model> for ScanRecord {
    type Error = StoreError;

    fn try_from(row: scan::Model) -> Result<Self, StoreError> {
        let scanned_by = match (row.account_id, row.scanner_device_id) {
            (_, Some(device)) => ScannedBy::Device(device.into()),
            (Some(account), None) => ScannedBy::Account(account.into()),
            (None, None) => return Err(corrupt("scan", "a scan by nobody")),
        };
        Ok(Self {
            id: row.id.into(),
            item_id: row.item_id.map(ItemId::from),
            ticket_id: row.ticket_id.map(TicketId::from),
            venue_id: row.venue_id.into(),
            gate: row.gate,
            scanned_by,
            outcome: CheckInOutcome::from_stored(&row.outcome)
                .ok_or_else(|| corrupt("scan", format!("unknown outcome {}", row.outcome)))?,
            scanned_at: row.scanned_at,
            offline: row.offline,
            conflict: row.conflict,
        })
    }
}

impl Store {
    /// A scan recorded before under its client scan id, answered from the
    /// record.
    pub(super) async fn recorded_scan(
        &self,
        by: ScannedBy,
        client_scan_id: &str,
    ) -> Result<Option<ScanResult>, StoreError> {
        let Some(row) = scan::Entity::find()
            .filter(scan::Column::ClientScanKey.eq(by.client_scan_key(client_scan_id)))
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let recorded = ScanRecord::try_from(row)?;
        let ticket = match recorded.ticket_id {
            Some(id) => find_ticket(&self.db, id).await?,
            None => None,
        };
        let item = match recorded.item_id {
            Some(id) => Some(load_item(&self.db, id).await?),
            None => None,
        };
        let venue = match &item {
            Some(item) => Some(load_venue(&self.db, item.venue_id).await?),
            None => None,
        };
        Ok(Some(ScanResult {
            outcome: recorded.outcome,
            ticket,
            item,
            venue,
            conflict: recorded.conflict,
        }))
    }

    /// A page of an item's scans, newest first, optionally of one outcome
    /// and at one gate.
    #[tracing::instrument(level = "debug", skip_all, fields(item = %item_id), err(level = "debug"))]
    pub async fn scans_of_item(
        &self,
        item_id: ItemId,
        outcome: Option<CheckInOutcome>,
        gate: Option<&Label>,
        after: Option<(Timestamp, ScanId)>,
        first: u64,
    ) -> Result<Page<ScanRecord>, StoreError> {
        use scan::Column;

        let mut filter = Condition::all().add(Column::ItemId.eq(item_id.as_uuid()));
        if let Some(outcome) = outcome {
            filter = filter.add(Column::Outcome.eq(outcome.as_str()));
        }
        if let Some(gate) = gate {
            filter = filter.add(Column::Gate.eq(gate.as_str()));
        }
        let total_count =
            sea_orm::PaginatorTrait::count(scan::Entity::find().filter(filter.clone()), &self.db)
                .await?;
        if let Some((at, id)) = after {
            filter = filter.add(
                Condition::any().add(Column::ScannedAt.lt(at)).add(
                    Condition::all()
                        .add(Column::ScannedAt.eq(at))
                        .add(Column::Id.lt(id.as_uuid())),
                ),
            );
        }
        let mut rows = scan::Entity::find()
            .filter(filter)
            .order_by_desc(Column::ScannedAt)
            .order_by_desc(Column::Id)
            .limit(first + 1)
            .all(&self.db)
            .await?;
        let has_next_page = rows.len() as u64 > first;
        rows.truncate(usize::try_from(first).unwrap_or(usize::MAX));
        Ok(Page {
            rows: convert_all(rows)?,
            has_next_page,
            total_count,
        })
    }

    /// When each of these scanner devices last scanned (the latest scan's
    /// time, the device's clock for an offline one), in one grouped query;
    /// a device that never scanned is not in the answer.
    #[tracing::instrument(level = "debug", skip_all, fields(count = ids.len()), err(level = "debug"))]
    pub async fn last_scans_of_scanners(
        &self,
        ids: &[ScannerId],
    ) -> Result<HashMap<ScannerId, Timestamp>, StoreError> {
        let rows: Vec<(Uuid, Option<Timestamp>)> = scan::Entity::find()
            .select_only()
            .column(scan::Column::ScannerDeviceId)
            .column_as(scan::Column::ScannedAt.max(), "last_scan_at")
            .filter(scan::Column::ScannerDeviceId.is_in(in_list(ids.iter().copied())))
            .group_by(scan::Column::ScannerDeviceId)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(device, at)| Some((device.into(), at?)))
            .collect())
    }
}
