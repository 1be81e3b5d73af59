//! The one check that schema.graphql is current, for the schema the code
//! builds and for what `usher schema` prints.

/// The checked-in schema.graphql.
const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql");

/// Asserts that `printed` is exactly the checked-in schema.graphql; with
/// `USHER_UPDATE_SCHEMA` set, writes it there instead.
pub fn assert_is_the_committed_schema(printed: &str) {
    if std::env::var_os("USHER_UPDATE_SCHEMA").is_some() {
        std::fs::write(COMMITTED, printed).expect("write schema.graphql");
        return;
    }
    let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
    assert!(
        committed == printed,
        "schema.graphql is stale: run `cargo run -p usher-server -- schema > schema.graphql` (or USHER_UPDATE_SCHEMA=1 cargo test)"
    );
}
