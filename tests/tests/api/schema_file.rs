//! schema.graphql is exactly what `usher schema` prints.

use usher_tests::schema::assert_is_the_committed_schema;

#[test]
fn schema_graphql_is_the_output_of_the_current_code() {
    assert_is_the_committed_schema(&usher_api::sdl());
}
