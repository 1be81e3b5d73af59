//! The GraphQL schema: roots merged from one part per feature. It knows
//! nothing of HTTP; `crate::http` serves it.
//!
//! Each feature module holds its resolvers and the objects of its domain
//! values: `catalogue` (festivals, venues, films, items), `programme` (a
//! festival's programme, a page at a time), `accounts`, `tickets`,
//! `ballots`, `door` and `attendance`. Beneath them lies a base that imports no feature:
//! `context` (services, viewer, loaders), `node` (the object of a domain
//! value), `scalars` and `pagination`. Who may do what is asked of
//! `crate::access`. Features import one another in one direction only:
//! the catalogue's objects link to the programme, attendance, door and
//! accounts (a festival's role holders).

mod accounts;
mod attendance;
mod ballots;
mod catalogue;
mod context;
mod door;
mod no_shows;
mod node;
mod pagination;
mod programme;
mod scalars;
mod tickets;

use std::sync::Arc;

use async_graphql::{MergedObject, Schema, SchemaBuilder};

use crate::Services;

#[derive(MergedObject, Default)]
pub struct QueryRoot(
    catalogue::CatalogueQuery,
    accounts::AccountsQuery,
    tickets::TicketsQuery,
    ballots::BallotsQuery,
    door::DoorQuery,
);

#[derive(MergedObject, Default)]
pub struct MutationRoot(
    catalogue::CatalogueMutation,
    accounts::AccountsMutation,
    tickets::TicketsMutation,
    door::DoorMutation,
    no_shows::NoShowsMutation,
    ballots::BallotsMutation,
);

/// The schema type served at /graphql.
pub type UsherSchema = Schema<QueryRoot, MutationRoot, attendance::SubscriptionRoot>;

/// Nesting deeper than this is refused before it runs (below `__schema`
/// and `__type`, `MAX_INTROSPECTION_DEPTH`; see `crate::documents`).
pub const MAX_DEPTH: usize = 12;
/// Fields nested below and including `__schema` or `__type`: the standard
/// introspection query of graphql-js nests about 15 (`ofType` within
/// `ofType`); async-graphql holds every query to this.
pub const MAX_INTROSPECTION_DEPTH: usize = 20;
/// A query costing more than this (one per field, times list sizes) is refused.
pub const MAX_COMPLEXITY: usize = 5_000;

fn builder() -> SchemaBuilder<QueryRoot, MutationRoot, attendance::SubscriptionRoot> {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        attendance::SubscriptionRoot,
    )
    .limit_depth(MAX_INTROSPECTION_DEPTH)
    .limit_complexity(MAX_COMPLEXITY)
}

/// The schema, serving with `services`.
pub fn build_schema(services: Arc<Services>) -> UsherSchema {
    builder().data(services).finish()
}

/// The schema in SDL, as `usher schema` prints it and schema.graphql holds it.
pub fn sdl() -> String {
    builder()
        .finish()
        .sdl_with_options(async_graphql::SDLExportOptions::new().sorted_fields())
}
