//! Raw SQL on a test's database: reading what was kept, and sabotage
//! (inserts that fail in the middle of a transaction).

use sea_orm::{ConnectionTrait, Database};

use crate::app::TestApp;
use crate::database::Db;

impl TestApp {
    /// Checks the counter rule: an item's issued counter equals its tickets
    /// that are active or checked in, and never exceeds its capacity.
    pub async fn assert_counter_matches_tickets(&self, item_id: &str) {
        let issued = self
            .count(&format!(
                "SELECT CAST(tickets_issued AS BIGINT) FROM programme_item WHERE id = {}",
                self.uuid(item_id)
            ))
            .await;
        let held = self
            .count(&format!(
                "SELECT COUNT(*) FROM ticket WHERE item_id = {} AND status IN ('ACTIVE', 'CHECKED_IN')",
                self.uuid(item_id)
            ))
            .await;
        let capacity = self
            .count(&format!(
                "SELECT CAST(ticket_capacity AS BIGINT) FROM programme_item WHERE id = {}",
                self.uuid(item_id)
            ))
            .await;
        assert_eq!(issued, held, "the issued counter equals the tickets held");
        assert!(
            issued <= capacity,
            "{issued} issued over a capacity of {capacity}"
        );
    }

    /// A UUID literal for raw SQL on this database (a blob on SQLite).
    pub fn uuid(&self, id: &str) -> String {
        let uuid = uuid::Uuid::parse_str(id).expect("a UUID");
        match self.db {
            Db::Sqlite => format!("X'{}'", uuid.simple()),
            Db::Postgres => format!("'{uuid}'"),
        }
    }

    /// Runs a raw SQL statement against the test database.
    pub async fn sql(&self, statement: &str) -> Result<(), sea_orm::DbErr> {
        let db = Database::connect(&self.database.url).await?;
        db.execute_unprepared(statement).await?;
        db.close().await
    }

    /// Makes every insert into `table` fail from now on, as a full disk or
    /// a broken connection would in the middle of a transaction: what ran
    /// before the insert in that transaction must not be kept.
    pub async fn refuse_inserts_into(&self, table: &str) {
        let statements = match self.db {
            Db::Sqlite => vec![format!(
                "CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} \
                 BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
            )],
            Db::Postgres => vec![
                "CREATE OR REPLACE FUNCTION refuse_insert() RETURNS trigger AS $$ \
                 BEGIN RAISE EXCEPTION 'refused by the test'; END $$ LANGUAGE plpgsql"
                    .to_owned(),
                format!(
                    "CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} \
                     FOR EACH ROW EXECUTE FUNCTION refuse_insert()"
                ),
            ],
        };
        for statement in statements {
            self.sql(&statement).await.expect("install the trigger");
        }
    }

    /// Undoes `refuse_inserts_into(table)`.
    pub async fn allow_inserts_into(&self, table: &str) {
        let statement = match self.db {
            Db::Sqlite => format!("DROP TRIGGER refuse_{table}"),
            Db::Postgres => format!("DROP TRIGGER refuse_{table} ON {table}"),
        };
        self.sql(&statement).await.expect("drop the trigger");
    }

    /// Counts rows with a raw SQL `SELECT COUNT(*) ...`.
    pub async fn count(&self, query: &str) -> i64 {
        let db = Database::connect(&self.database.url)
            .await
            .expect("connect");
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                query,
            ))
            .await
            .expect("count query")
            .expect("one row");
        let count: i64 = row.try_get_by_index(0).expect("a count");
        db.close().await.expect("close");
        count
    }
}
