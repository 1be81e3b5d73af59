//! Scanner devices: phones at a gate with a token of their own.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use usher_domain::door::ScannerDevice;
use usher_domain::ids::{FestivalId, ScannerId, UserId, VenueId};
use usher_domain::input::Label;
use usher_domain::time::{self, Timestamp};

use crate::entities::scanner_device;
use crate::error::StoreError;
use crate::rows::{convert_all, in_list, stored};
use crate::store::Store;

impl TryFrom<scanner_device::Model> for ScannerDevice {
    type Error = StoreError;

    fn try_from(row: scanner_device::Model) -> Result<Self, StoreError> {
        Ok(Self {
            id: row.id.into(),
            festival_id: row.festival_id.into(),
            venue_id: row.venue_id.into(),
            label: stored("scanner_device", Label::parse("label", &row.label))?,
            gate: row
                .gate
                .map(|gate| stored("scanner_device", Label::parse("gate", &gate)))
                .transpose()?,
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
            created_at: row.created_at,
        })
    }
}

/// A scanner device to issue.
#[derive(Debug, Clone)]
pub struct NewScanner {
    /// Its id, chosen by the caller: the token is made from it.
    pub id: ScannerId,
    /// The festival of its venue.
    pub festival_id: FestivalId,
    /// The venue it scans at.
    pub venue_id: VenueId,
    /// A name for the device, e.g. "Gate A, phone 2".
    pub label: Label,
    /// The gate of the venue it scans at, if it belongs to one.
    pub gate: Option<Label>,
    /// The SHA-256 of its token (the token itself is never stored).
    pub token_hash: String,
    /// When the token stops working.
    pub expires_at: Timestamp,
    /// The organizer who issues it.
    pub issued_by: UserId,
}

impl Store {
    /// Issues a scanner device for a venue; only the hash of its token is kept.
    #[tracing::instrument(level = "debug", skip_all, fields(venue = %device.venue_id), err(level = "debug"))]
    pub async fn issue_scanner(&self, device: NewScanner) -> Result<ScannerDevice, StoreError> {
        let row = scanner_device::ActiveModel {
            id: Set(device.id.as_uuid()),
            festival_id: Set(device.festival_id.as_uuid()),
            venue_id: Set(device.venue_id.as_uuid()),
            label: Set(device.label.as_str().to_owned()),
            gate: Set(device.gate.as_ref().map(|gate| gate.as_str().to_owned())),
            token_hash: Set(device.token_hash),
            expires_at: Set(device.expires_at),
            revoked_at: Set(None),
            created_by: Set(device.issued_by.as_uuid()),
            created_at: Set(time::now()),
        }
        .insert(&self.db)
        .await?;
        row.try_into()
    }

    /// The scanner devices of a venue, newest first.
    #[tracing::instrument(level = "debug", skip_all, fields(venue = %venue_id), err(level = "debug"))]
    pub async fn scanners_of_venue(
        &self,
        venue_id: VenueId,
    ) -> Result<Vec<ScannerDevice>, StoreError> {
        let rows = scanner_device::Entity::find()
            .filter(scanner_device::Column::VenueId.eq(venue_id.as_uuid()))
            .order_by_desc(scanner_device::Column::CreatedAt)
            .all(&self.db)
            .await?;
        convert_all(rows)
    }

    /// The scanner device with this id.
    pub async fn scanner(&self, id: ScannerId) -> Result<Option<ScannerDevice>, StoreError> {
        Ok(self.scanners_by_id(&[id]).await?.into_iter().next())
    }

    /// The scanner devices with these ids.
    #[tracing::instrument(level = "debug", skip_all, fields(count = ids.len()), err(level = "debug"))]
    pub async fn scanners_by_id(
        &self,
        ids: &[ScannerId],
    ) -> Result<Vec<ScannerDevice>, StoreError> {
        let rows = scanner_device::Entity::find()
            .filter(scanner_device::Column::Id.is_in(in_list(ids.iter().copied())))
            .all(&self.db)
            .await?;
        convert_all(rows)
    }

    /// Revokes a scanner device; its token stops working at once.
    #[tracing::instrument(level = "debug", skip_all, fields(scanner = %id), err(level = "debug"))]
    pub async fn revoke_scanner(&self, id: ScannerId) -> Result<ScannerDevice, StoreError> {
        scanner_device::Entity::update_many()
            .col_expr(scanner_device::Column::RevokedAt, Expr::val(time::now()))
            .filter(scanner_device::Column::Id.eq(id.as_uuid()))
            .filter(scanner_device::Column::RevokedAt.is_null())
            .exec(&self.db)
            .await?;
        self.scanner(id)
            .await?
            .ok_or(StoreError::NotFound("scanner"))
    }

    /// Moves a live scanner device's expiry later, keeping its token. The
    /// conditional update holds the domain's rule (live, and later) against
    /// a revocation or renewal at the same moment; a refusal says why.
    #[tracing::instrument(level = "debug", skip_all, fields(scanner = %id), err(level = "debug"))]
    pub async fn renew_scanner(
        &self,
        id: ScannerId,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> Result<ScannerDevice, StoreError> {
        use scanner_device::Column;

        let renewed = scanner_device::Entity::update_many()
            .col_expr(Column::ExpiresAt, Expr::val(expires_at))
            .filter(Column::Id.eq(id.as_uuid()))
            .filter(Column::RevokedAt.is_null())
            .filter(Column::ExpiresAt.gt(now))
            .filter(Column::ExpiresAt.lt(expires_at))
            .exec(&self.db)
            .await?;
        let device = self
            .scanner(id)
            .await?
            .ok_or(StoreError::NotFound("scanner"))?;
        if renewed.rows_affected == 0 {
            device.check_renewal(expires_at, now)?;
            return Err(anyhow::anyhow!("scanner {id} was renewable but not renewed").into());
        }
        Ok(device)
    }

    /// The live (not revoked, not expired) device whose token has this hash.
    #[tracing::instrument(level = "debug", skip_all, err(level = "debug"))]
    pub async fn scanner_by_token(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<ScannerDevice>, StoreError> {
        let device = scanner_device::Entity::find()
            .filter(scanner_device::Column::TokenHash.eq(token_hash))
            .one(&self.db)
            .await?
            .map(ScannerDevice::try_from)
            .transpose()?;
        Ok(device.filter(|device| device.is_live(now)))
    }
}
