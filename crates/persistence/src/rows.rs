//! Conversions between table rows and domain values.

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

/// The longest run of rows one statement writes: a power of two, well
/// within the 32,766 parameters SQLite takes.
pub(crate) const MOST_ROWS_PER_STATEMENT: usize = 256;

/// Splits `rows` into runs whose lengths are powers of two, longest first,
/// none longer than `most`: as with [`in_list`], a multi-row statement then
/// comes in a few shapes only.
pub(crate) fn runs<T>(rows: &[T], most: usize) -> impl Iterator<Item = &[T]> {
    let mut rest = rows;
    std::iter::from_fn(move || {
        let longest = 1 << rest.len().checked_ilog2()?;
        let (run, after) = rest.split_at(longest.min(most));
        rest = after;
        Some(run)
    })
}

/// Counts are at most a million (domain rules), so they fit an `i32` column.
pub(crate) fn stored_count(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::{in_list, runs};

    #[test]
    fn lists_come_in_powers_of_two() {
        let ids: Vec<Uuid> = (0..5).map(|_| Uuid::new_v4()).collect();
        let listed = in_list(ids.iter().copied());
        assert_eq!(listed.len(), 8);
        assert_eq!(listed[..5], ids[..]);
        assert!(listed[5..].iter().all(|id| *id == ids[4]));
        assert!(in_list(Vec::<Uuid>::new()).is_empty());

        let rows: Vec<u32> = (0..45).collect();
        let lengths: Vec<usize> = runs(&rows, 16).map(<[u32]>::len).collect();
        assert_eq!(lengths, [16, 16, 8, 4, 1]);
        assert_eq!(runs(&rows, 16).flatten().count(), 45);
        assert_eq!(runs(&rows[..0], 16).count(), 0);
    }
}
