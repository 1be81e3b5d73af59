//! Table models. They never leave this crate: the repository functions
//! translate them into domain types.

pub(crate) mod festival {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "festival")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub slug: String,
        pub name: String,
        pub city: String,
        pub timezone: String,
        pub hosts: String,
        pub created_at: DateTimeUtc,
        pub allow_overlapping_tickets: bool,
        pub min_account_age_minutes: Option<i32>,
        pub no_show_limit: Option<i32>,
        pub no_show_block_days: i32,
        pub cancel_without_penalty_minutes: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod venue {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "venue")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub festival_id: Uuid,
        pub name: String,
        pub address: String,
        pub capacity: i32,
        pub gates: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod film {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "film")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub festival_id: Uuid,
        pub title: String,
        pub original_title: Option<String>,
        pub countries: String,
        pub languages: String,
        pub runtime_minutes: Option<i32>,
        pub director: Option<String>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod programme_item {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "programme_item")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub festival_id: Uuid,
        pub venue_id: Uuid,
        pub film_id: Option<Uuid>,
        pub kind: String,
        pub title: String,
        pub starts_at: DateTimeUtc,
        pub ends_at: DateTimeUtc,
        pub ticket_capacity: i32,
        pub tickets_issued: i32,
        pub admitted: i32,
        pub max_tickets_per_attendee: i32,
        pub reservation_opens_at: DateTimeUtc,
        pub reservation_closes_at: DateTimeUtc,
        pub doors_open_minutes: i32,
        pub late_entry_minutes: i32,
        pub cancelled_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
        pub requires_settled_account: bool,
        pub standby_numbered: i32,
        pub standby_opens_minutes: i32,
        pub release_unscanned_minutes: Option<i32>,
        pub release_at: Option<DateTimeUtc>,
        pub released_at: Option<DateTimeUtc>,
        pub strikes_due_at: Option<DateTimeUtc>,
        pub strikes_counted_at: Option<DateTimeUtc>,
        pub ballot_opens_at: Option<DateTimeUtc>,
        pub ballot_closes_at: Option<DateTimeUtc>,
        pub claim_minutes: Option<i32>,
        pub ballot_drawn_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod account {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "account")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub email: String,
        pub password_hash: String,
        pub display_name: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod role_grant {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "role_grant")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub account_id: Uuid,
        pub role: String,
        pub festival_id: Option<Uuid>,
        pub venue_id: Option<Uuid>,
        pub scope: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod refresh_token {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "refresh_token")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub account_id: Uuid,
        pub family_id: Uuid,
        pub token_hash: String,
        pub expires_at: DateTimeUtc,
        pub used_at: Option<DateTimeUtc>,
        pub revoked_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod server_secret {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "server_secret")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub name: String,
        pub value: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod reservation {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "reservation")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub item_id: Uuid,
        pub account_id: Uuid,
        pub idempotency_key: Option<String>,
        pub quantity: i32,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod ticket {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "ticket")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub item_id: Uuid,
        pub account_id: Uuid,
        pub reservation_id: Uuid,
        pub holder_name: String,
        pub status: String,
        pub issued_at: DateTimeUtc,
        pub cancelled_at: Option<DateTimeUtc>,
        pub checked_in_at: Option<DateTimeUtc>,
        pub checked_in_gate: Option<String>,
        pub seat: Option<String>,
        pub created_at: DateTimeUtc,
        pub from_standby: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod waitlist_entry {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "waitlist_entry")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub item_id: Uuid,
        pub account_id: Uuid,
        pub quantity: i32,
        pub status: String,
        pub waiting_key: Option<String>,
        pub reservation_id: Option<Uuid>,
        pub created_at: DateTimeUtc,
        pub closed_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod standby_place {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "standby_place")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub item_id: Uuid,
        pub number: i32,
        pub account_id: Option<Uuid>,
        pub walk_up_name: Option<String>,
        pub quantity: i32,
        pub status: String,
        pub waiting_key: Option<String>,
        pub created_at: DateTimeUtc,
        pub closed_at: Option<DateTimeUtc>,
        pub admitted_at: Option<DateTimeUtc>,
        pub admitted_gate: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod ballot {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "ballot")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub item_id: Uuid,
        pub secret: String,
        pub commitment: String,
        pub entries_digest: Option<String>,
        pub seed: Option<String>,
        pub places: Option<i32>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod ballot_entry {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "ballot_entry")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub item_id: Uuid,
        pub account_id: Uuid,
        pub quantity: i32,
        pub partner_id: Option<Uuid>,
        pub partner_confirmed_at: Option<DateTimeUtc>,
        pub status: String,
        pub entry_key: Option<String>,
        pub partner_key: Option<String>,
        pub won_at: Option<DateTimeUtc>,
        pub claim_until: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
        pub closed_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod signing_key {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "signing_key")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub kid: String,
        pub private_key: String,
        pub public_key: String,
        pub created_at: DateTimeUtc,
        pub retired_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod scanner_device {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "scanner_device")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub festival_id: Uuid,
        pub venue_id: Uuid,
        pub label: String,
        pub gate: Option<String>,
        pub token_hash: String,
        pub expires_at: DateTimeUtc,
        pub revoked_at: Option<DateTimeUtc>,
        pub created_by: Uuid,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod scan {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "scan")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub item_id: Option<Uuid>,
        pub ticket_id: Option<Uuid>,
        pub venue_id: Uuid,
        pub gate: Option<String>,
        pub account_id: Option<Uuid>,
        pub scanner_device_id: Option<Uuid>,
        pub outcome: String,
        pub scanned_at: DateTimeUtc,
        pub client_scan_key: Option<String>,
        pub offline: bool,
        pub conflict: bool,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod no_show_strike {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "no_show_strike")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub account_id: Uuid,
        pub festival_id: Uuid,
        pub item_id: Uuid,
        pub ticket_id: Uuid,
        pub kind: String,
        pub struck_at: DateTimeUtc,
        pub forgiven_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
