//! Tickets for a test: reserving one, giving it back, and reading the key
//! id off its code.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::app::TestApp;
use crate::graphql::Gql;

/// A reservation answering with each ticket's id and code.
pub const RESERVE: &str = "mutation($input: ReserveTicketsInput!) { reserveTickets(input: $input) { tickets { id code } } }";
pub const CANCEL: &str = "mutation($id: ID!) { cancelTicket(ticketId: $id) { id status } }";

/// Reserves one ticket of `item` (a createItem answer); the ticket's id
/// and code.
pub async fn buy(app: &TestApp, token: &str, item: &Value) -> Value {
    app.gql(
        Some(token),
        RESERVE,
        json!({ "input": { "itemId": item["id"], "quantity": 1 } }),
    )
    .await
    .data("/reserveTickets/tickets/0")
    .clone()
}

/// Gives a ticket back; the cancellation must succeed.
pub async fn cancel(app: &TestApp, token: &str, ticket_id: &Value) {
    app.gql(Some(token), CANCEL, json!({ "id": ticket_id }))
        .await
        .data("/cancelTicket");
}

/// The id of the key that signed a ticket code, after checking that its
/// header holds the algorithm and the key id and nothing else.
pub fn kid_of(code: &str) -> String {
    let header = code.split('.').next().expect("a header");
    let header: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).expect("a base64url header"))
            .expect("a JSON header");
    assert_eq!(
        header.as_object().expect("an object").len(),
        2,
        "alg and kid, nothing else: {header}"
    );
    assert_eq!(header["alg"], "EdDSA");
    header["kid"].as_str().expect("a kid").to_owned()
}

impl TestApp {
    /// Reserves one ticket of `item` (a createItem answer) for `token`'s holder.
    pub async fn reserve(&self, token: &str, item: &Value) -> Gql {
        self.gql(
            Some(token),
            "mutation($input: ReserveTicketsInput!) { reserveTickets(input: $input) { id tickets { id } } }",
            json!({ "input": { "itemId": item["id"], "quantity": 1 } }),
        )
        .await
    }
}
