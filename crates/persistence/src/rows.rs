//! Conversions between table rows and domain values.

use sea_orm::sea_query::{Expr, ExprTrait, Query, Value, ValueTuple};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, IdenStatic, Iterable};
use usher_domain::InvalidInput;
use uuid::Uuid;

use crate::error::{StoreError, corrupt};

pub(crate) fn to_json(labels: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    let list: Vec<String> = labels.into_iter().map(|l| l.as_ref().to_owned()).collect();
    serde_json::Value::from(list).to_string()
}

pub(crate) fn from_json(table: &str, text: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(text).map_err(|error| corrupt(table, error))
}

pub(crate) fn stored<T>(table: &str, parsed: Result<T, InvalidInput>) -> Result<T, StoreError> {
    parsed.map_err(|error| corrupt(table, error))
}

pub(crate) fn count(table: &str, value: i32) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|error| corrupt(table, error))
}

pub(crate) fn convert_all<M, T>(rows: Vec<M>) -> Result<Vec<T>, StoreError>
where
    T: TryFrom<M, Error = StoreError>,
{
    rows.into_iter().map(T::try_from).collect()
}

/// Ids for an `IN` list, padded to a power of two by repeating the last.
/// The database prepares, and sqlx keeps, one statement per list length:
/// padding keeps the lengths, and the memory those statements hold, to a
/// few.
pub(crate) fn in_list<I: Into<Uuid>>(ids: impl IntoIterator<Item = I>) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = ids.into_iter().map(Into::into).collect();
    if let Some(&last) = ids.last() {
        ids.resize(ids.len().next_power_of_two(), last);
    }
    ids
}

/// The most rows one statement writes: a power of two, well within the
/// 32,766 parameters SQLite takes.
pub(crate) const MOST_ROWS_PER_STATEMENT: usize = 256;

/// Inserts `rows`, up to [`MOST_ROWS_PER_STATEMENT`] in one statement. Like
/// [`in_list`], each statement is padded to a power of two rows so that it
/// comes in a few shapes: `INSERT … SELECT … FROM (VALUES …) WHERE column1
/// IS NOT NULL`, the padding rows all NULL. Every column must be set, and
/// the first (the id) is never NULL.
pub(crate) async fn insert_padded<A: ActiveModelTrait>(
    db: &impl ConnectionTrait,
    rows: &[A],
) -> Result<(), DbErr> {
    let columns: Vec<<A::Entity as EntityTrait>::Column> =
        <A::Entity as EntityTrait>::Column::iter().collect();
    let column = |index: usize| Expr::col(format!("column{}", index + 1));
    for chunk in rows.chunks(MOST_ROWS_PER_STATEMENT) {
        let mut values = chunk
            .iter()
            .map(|row| {
                columns
                    .iter()
                    .map(|&column| {
                        row.get(column)
                            .into_value()
                            .ok_or_else(|| DbErr::Custom(format!("{} is not set", column.as_str())))
                    })
                    .collect::<Result<Vec<Value>, DbErr>>()
                    .map(ValueTuple::Many)
            })
            .collect::<Result<Vec<ValueTuple>, DbErr>>()?;
        let Some(ValueTuple::Many(first)) = values.first() else {
            continue;
        };
        let padding = ValueTuple::Many(first.iter().map(Value::as_null).collect());
        values.resize(values.len().next_power_of_two(), padding);
        let select = Query::select()
            .exprs((0..columns.len()).map(column))
            .from_values(values, "padded")
            .and_where(column(0).is_not_null())
            .to_owned();
        let insert = Query::insert()
            .into_table(A::Entity::default())
            .columns(columns.iter().copied())
            .select_from(select)
            .map_err(|error| DbErr::Custom(error.to_string()))?
            .to_owned();
        db.execute(&insert).await?;
    }
    Ok(())
}

/// Counts are at most a million (domain rules), so they fit an `i32` column.
pub(crate) fn stored_count(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::in_list;

    #[test]
    fn lists_come_in_powers_of_two() {
        let ids: Vec<Uuid> = (0..5).map(|_| Uuid::new_v4()).collect();
        let listed = in_list(ids.iter().copied());
        assert_eq!(listed.len(), 8);
        assert_eq!(listed[..5], ids[..]);
        assert!(listed[5..].iter().all(|id| *id == ids[4]));
        assert!(in_list(Vec::<Uuid>::new()).is_empty());
    }
}
