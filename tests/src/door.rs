//! Scanning a ticket at the door.

use serde_json::{Value, json};

use crate::app::TestApp;
use crate::graphql::Gql;

pub const CHECK_IN: &str = "mutation($input: CheckInInput!) {
    checkIn(input: $input) { outcome admitted message firstCheckIn { at gate } ticket { id status checkedInGate } }
}";

/// Scans `code` at `venue` (and `gate`) with `token`'s scanner rights.
pub async fn scan(
    app: &TestApp,
    token: &str,
    code: &Value,
    venue: &str,
    gate: Option<&str>,
) -> Gql {
    app.gql(
        Some(token),
        CHECK_IN,
        json!({ "input": { "code": code, "venueId": venue, "gate": gate } }),
    )
    .await
}
