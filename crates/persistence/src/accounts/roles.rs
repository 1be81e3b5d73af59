//! Role grants: giving and taking back roles.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, JoinType, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use usher_domain::accounts::{RoleHolder, User};
use usher_domain::ids::{FestivalId, GrantId, UserId};
use usher_domain::input::{Email, Name};
use usher_domain::roles::{Role, RoleGrant, check_revocation};
use usher_domain::time;
use uuid::Uuid;

use crate::entities::{account, festival, role_grant, venue};
use crate::error::StoreError;
use crate::rows::stored;
use crate::store::Store;
use crate::transaction::commit;

use super::grant_from_parts;

/// The text that makes a grant unique per account.
fn scope_key(grant: &RoleGrant) -> String {
    let scope = |id: Option<Uuid>| id.map_or_else(|| "*".to_owned(), |id| id.to_string());
    format!(
        "{}:{}:{}",
        grant.role().as_str(),
        scope(grant.festival().map(Uuid::from)),
        scope(grant.venue().map(Uuid::from)),
    )
}

enum GrantChange {
    Give,
    TakeBack,
}

/// Removes `grant` from the account; NOT_FOUND when it does not hold it.
async fn delete_grant(
    db: &impl ConnectionTrait,
    user_id: UserId,
    grant: &RoleGrant,
) -> Result<(), StoreError> {
    if grant.role() == Role::Admin {
        // Every admin grant is locked (in id order), so that two admins
        // taking the role from each other at once are decided one after
        // the other.
        let admins = role_grant::Entity::find()
            .filter(role_grant::Column::Role.eq(Role::Admin.as_str()))
            .order_by_asc(role_grant::Column::Id)
            .lock_exclusive()
            .all(db)
            .await?;
        if admins.iter().any(|row| row.account_id == user_id.as_uuid()) {
            check_revocation(grant, admins.len())?;
        }
    }
    let removed = role_grant::Entity::delete_many()
        .filter(role_grant::Column::AccountId.eq(user_id.as_uuid()))
        .filter(role_grant::Column::Scope.eq(scope_key(grant)))
        .exec(db)
        .await?;
    if removed.rows_affected == 0 {
        return Err(StoreError::NotFound("role grant"));
    }
    Ok(())
}

pub(super) async fn insert_grant(
    db: &impl ConnectionTrait,
    user_id: UserId,
    grant: &RoleGrant,
) -> Result<(), StoreError> {
    if let Some(festival_id) = grant.festival() {
        let festivals = festival::Entity::find_by_id(festival_id.as_uuid())
            .count(db)
            .await?;
        if festivals == 0 {
            return Err(StoreError::NotFound("festival"));
        }
    }
    if let Some(venue_id) = grant.venue() {
        let venues = venue::Entity::find_by_id(venue_id.as_uuid())
            .filter(venue::Column::FestivalId.eq(grant.festival().map(Uuid::from)))
            .count(db)
            .await?;
        if venues == 0 {
            return Err(StoreError::NotFound("venue"));
        }
    }
    let row = role_grant::ActiveModel {
        id: Set(GrantId::generate().as_uuid()),
        account_id: Set(user_id.as_uuid()),
        role: Set(grant.role().as_str().to_owned()),
        festival_id: Set(grant.festival().map(Uuid::from)),
        venue_id: Set(grant.venue().map(Uuid::from)),
        scope: Set(scope_key(grant)),
        created_at: Set(time::now()),
    };
    role_grant::Entity::insert(row)
        .on_conflict_do_nothing_on([role_grant::Column::AccountId, role_grant::Column::Scope])
        .exec(db)
        .await?;
    Ok(())
}

impl Store {
    #[tracing::instrument(level = "debug", skip_all, fields(role = grant.role().as_str()), err(level = "debug"))]
    pub async fn grant_role(&self, email: &Email, grant: &RoleGrant) -> Result<User, StoreError> {
        self.write(|| self.change_role_once(email, grant, GrantChange::Give))
            .await
    }

    /// Takes a role back from the account with `email`. NOT_FOUND when the
    /// account does not hold exactly this grant (role and scope).
    #[tracing::instrument(level = "debug", skip_all, fields(role = grant.role().as_str()), err(level = "debug"))]
    pub async fn revoke_role(&self, email: &Email, grant: &RoleGrant) -> Result<User, StoreError> {
        self.write(|| self.change_role_once(email, grant, GrantChange::TakeBack))
            .await
    }

    /// Every grant scoped to festival `festival_id`, with the account that
    /// holds it: organizers first, then door staff, each by e-mail. One
    /// query joining the grants with their accounts. A grant narrowed to a
    /// venue names the venue's festival too (checked when it is given), so
    /// filtering on the festival finds the venues' grants as well.
    #[tracing::instrument(level = "debug", skip_all, fields(festival = %festival_id), err(level = "debug"))]
    pub async fn role_holders(
        &self,
        festival_id: FestivalId,
    ) -> Result<Vec<RoleHolder>, StoreError> {
        type Row = (Uuid, String, String, String, Option<Uuid>, Option<Uuid>);
        let rows: Vec<Row> = role_grant::Entity::find()
            .select_only()
            .column(account::Column::Id)
            .column(account::Column::Email)
            .column(account::Column::DisplayName)
            .column(role_grant::Column::Role)
            .column(role_grant::Column::FestivalId)
            .column(role_grant::Column::VenueId)
            .join(
                JoinType::InnerJoin,
                role_grant::Entity::belongs_to(account::Entity)
                    .from(role_grant::Column::AccountId)
                    .to(account::Column::Id)
                    .into(),
            )
            .filter(role_grant::Column::FestivalId.eq(festival_id.as_uuid()))
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut holders = rows
            .into_iter()
            .map(|(user_id, email, display_name, role, festival, venue)| {
                Ok(RoleHolder {
                    user_id: user_id.into(),
                    email: stored("account", Email::parse("email", &email))?,
                    display_name: stored("account", Name::parse("displayName", &display_name))?,
                    grant: grant_from_parts(&role, festival, venue)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        RoleHolder::sort(&mut holders);
        Ok(holders)
    }

    async fn change_role_once(
        &self,
        email: &Email,
        grant: &RoleGrant,
        change: GrantChange,
    ) -> Result<User, StoreError> {
        let transaction = self.begin_write().await?;
        let id: UserId = account::Entity::find()
            .filter(account::Column::Email.eq(email.as_str()))
            .one(&transaction)
            .await?
            .ok_or(StoreError::NotFound("user"))?
            .id
            .into();
        match change {
            GrantChange::Give => insert_grant(&transaction, id, grant).await?,
            GrantChange::TakeBack => delete_grant(&transaction, id, grant).await?,
        }
        let user = self.user_in(&transaction, id).await?;
        commit(transaction).await?;
        Ok(user)
    }
}
