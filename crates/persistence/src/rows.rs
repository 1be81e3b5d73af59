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

pub(crate) fn batch<I: Into<Uuid> + Copy>(ids: &[I]) -> Vec<Uuid> {
    ids.iter().map(|&id| id.into()).collect()
}

/// Counts are at most a million (domain rules), so they fit an `i32` column.
pub(crate) fn stored_count(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}
