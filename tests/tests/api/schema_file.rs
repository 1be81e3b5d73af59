//! schema.graphql is exactly what `usher schema` prints.

#[test]
fn schema_graphql_is_the_output_of_the_current_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let current = usher_api::sdl();
    if std::env::var_os("USHER_UPDATE_SCHEMA").is_some() {
        std::fs::write(path, &current).expect("write schema.graphql");
        return;
    }
    assert!(
        committed == current,
        "schema.graphql is stale: run `cargo run -p usher-server -- schema > schema.graphql` (or USHER_UPDATE_SCHEMA=1 cargo test)"
    );
}
