//! What real GraphQL clients expect of the server, beyond Usher's own
//! rules: the standard introspection query runs (and greedier ones do
//! not); a field that fails is null with its error at its path, and a null
//! in a non-null field makes its nearest nullable parent null.

use serde_json::{Value, json};

use usher_tests::catalogue::{create_item, festival};
use usher_tests::on_both_databases;
use usher_tests::{Gql, TestApp};

on_both_databases!(
    the_standard_introspection_query_runs_and_greedier_ones_are_refused,
    a_failed_nullable_field_is_null_in_its_place_for_an_attendee,
    a_failed_nullable_field_leaves_its_item_whole_for_anyone,
    a_failed_non_null_root_field_makes_data_null,
    a_failed_non_null_field_makes_its_nearest_nullable_parent_null,
);

/// `getIntrospectionQuery()` of graphql-js 16.15 with every option on, as
/// GraphiQL, codegen tools and IDE plugins send it.
const INTROSPECTION: &str = include_str!("introspection.graphql");

const ITEM_ATTENDANCE: &str =
    "query($id: ID!) { item(id: $id) { id attendance { issued } title } }";

/// The paths of a response's errors.
fn error_paths(answer: &Gql) -> Vec<Value> {
    answer.0["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("expected errors: {}", answer.0))
        .iter()
        .map(|error| error["path"].clone())
        .collect()
}

async fn an_item(app: &TestApp) -> String {
    let festival = festival(app, "nulls").await;
    let item = create_item(app, &festival, 600, json!({})).await;
    item["id"].as_str().unwrap().to_owned()
}

async fn a_failed_nullable_field_is_null_in_its_place_for_an_attendee(app: TestApp) {
    let item = an_item(&app).await;
    let attendee = app.attendee("nkosi@example.org").await;

    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&attendee)
        .json(&json!({ "query": ITEM_ATTENDANCE, "variables": { "id": item } }))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    let answer = Gql(serde_json::from_str(&response).unwrap());
    assert_eq!(answer.0["data"]["item"]["id"], item.as_str());
    assert_eq!(answer.0["data"]["item"]["attendance"], Value::Null);
    assert!(
        answer.0["data"]["item"]["title"].is_string(),
        "{}",
        answer.0
    );
    assert_eq!(answer.error_code(), "FORBIDDEN");
    assert_eq!(error_paths(&answer), [json!(["item", "attendance"])]);
    // In the order the query asked for them.
    let at = |key: &str| response.find(key).unwrap();
    assert!(
        at("\"id\"") < at("\"attendance\"") && at("\"attendance\"") < at("\"title\""),
        "{response}"
    );
}

async fn a_failed_nullable_field_leaves_its_item_whole_for_anyone(app: TestApp) {
    let item = an_item(&app).await;

    let answer = app.gql(None, ITEM_ATTENDANCE, json!({ "id": item })).await;

    assert_eq!(
        answer.0["data"]["item"]["id"],
        item.as_str(),
        "{}",
        answer.0
    );
    assert_eq!(answer.0["data"]["item"]["attendance"], Value::Null);
    assert_eq!(answer.error_code(), "UNAUTHENTICATED");
    assert_eq!(error_paths(&answer), [json!(["item", "attendance"])]);
}

async fn a_failed_non_null_root_field_makes_data_null(app: TestApp) {
    an_item(&app).await;

    let answer = app
        .gql(None, "{ festivals { id } myTickets { id } }", json!({}))
        .await;

    assert_eq!(answer.0["data"], Value::Null, "{}", answer.0);
    assert_eq!(answer.error_code(), "UNAUTHENTICATED");
    assert_eq!(error_paths(&answer), [json!(["myTickets"])]);

    let nullable_root = app
        .gql(None, "{ festivals { id } me { email } }", json!({}))
        .await;
    assert_eq!(nullable_root.0["data"]["me"], Value::Null);
    assert!(nullable_root.0["data"]["festivals"][0]["id"].is_string());
}

async fn a_failed_non_null_field_makes_its_nearest_nullable_parent_null(app: TestApp) {
    let item = an_item(&app).await;
    let attendee = app.attendee("thandi@example.org").await;

    let answer = app
        .gql(
            Some(&attendee),
            "query($id: ID!) { festivals { id } item(id: $id) { id scans { totalCount } } }",
            json!({ "id": item }),
        )
        .await;

    assert_eq!(answer.0["data"]["item"], Value::Null, "{}", answer.0);
    assert!(answer.0["data"]["festivals"][0]["id"].is_string());
    assert_eq!(answer.error_code(), "FORBIDDEN");
    assert_eq!(error_paths(&answer), [json!(["item", "scans"])]);
}

async fn the_standard_introspection_query_runs_and_greedier_ones_are_refused(app: TestApp) {
    let answer = app
        .gql(None, INTROSPECTION, json!({}))
        .await
        .data("/__schema")
        .clone();
    assert_eq!(answer["queryType"]["name"], "QueryRoot");
    let types = answer["types"].as_array().unwrap();
    let item = types
        .iter()
        .find(|ty| ty["name"] == "ProgrammeItem")
        .unwrap();
    assert!(item["fields"].as_array().unwrap().len() > 10);

    // Each `fields { type {` multiplies the answer by every field of
    // every type: four lists deep would be millions of objects.
    let greedy =
        "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }";
    let refused = app.gql(None, greedy, json!({})).await;
    assert_eq!(refused.error_code(), "BAD_USER_INPUT", "{}", refused.0);
    assert!(refused.0["data"].is_null());

    // Ordinary queries keep their depth limit of 12.
    let mut deep = String::from("id");
    for _ in 0..6 {
        deep = format!("festival {{ programme {{ edges {{ node {{ {deep} }} }} }} }}");
    }
    let nested = app
        .gql(
            None,
            &format!("{{ item(id: \"x\") {{ {deep} }} }}"),
            json!({}),
        )
        .await;
    assert_eq!(nested.error_code(), "BAD_USER_INPUT", "{}", nested.0);
}
